// `npm run demo`: one background check end to end, against the running service (`npm start` in another terminal).
//
// 1. Sets up (or reuses) a "Demo team" the way an admin does: the team with its Lever and Certn keys and the
//    trigger stage name, a default package, the Lever webhook registered in Lever (the sandbox) with its signature
//    token pasted back, the Certn webhook set in Certn (the sandbox), then enable.
// 2. Turns on the Certn sandbox's auto-advance, so cases move on by themselves every DEMO_STEP_MS.
// 3. Creates a candidate in the Lever sandbox, moves it into the trigger stage, and prints the `CERTN - …` tags as
//    they appear, then the report link, the attached PDF and the Temporal UI address of the check.
//
// Environment: API_URL (http://127.0.0.1:3000), ADMIN_TOKEN (else DATA_DIR/admin.token, DATA_DIR = .data),
// LEVER_SANDBOX_URL (http://127.0.0.1:4010), CERTN_SANDBOX_URL (http://127.0.0.1:4020),
// TEMPORAL_UI_URL (http://127.0.0.1:8233), DEMO_STEP_MS (1500), DEMO_TIMEOUT_SECONDS (180).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { checkWorkflowId } from '../src/workflows/definitions';

const env = process.env;
const API_URL = (env.API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const LEVER = (env.LEVER_SANDBOX_URL ?? 'http://127.0.0.1:4010').replace(/\/$/, '');
const CERTN = (env.CERTN_SANDBOX_URL ?? 'http://127.0.0.1:4020').replace(/\/$/, '');
const TEMPORAL_UI = (env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233').replace(/\/$/, '');
const NAMESPACE = env.TEMPORAL_NAMESPACE ?? 'default';
const STEP_MS = Number(env.DEMO_STEP_MS ?? 1500);
const TIMEOUT_MS = Number(env.DEMO_TIMEOUT_SECONDS ?? 180) * 1000;

// The sandboxes' seeded accounts (sandbox/*/README.md).
const TEAM_NAME = 'Demo team';
const TRIGGER_STAGE = 'Background Check';
const LEVER_KEY = 'sandbox-lever-key';
const LEVER_USER = 'f0c3a1d2-5b6e-4c7d-8e9f-0a1b2c3d4e5f';
const CERTN_KEY = 'sandbox-certn-key';
const PACKAGE = { name: 'Standard', checkTypes: ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1'] };

class DemoError extends Error {}
const say = (s = '') => process.stdout.write(s + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- HTTP

async function call(what: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new DemoError(`${what} is not reachable at ${new URL(url).origin} (${(err as Error).cause ?? err}).`);
  }
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

async function ok(what: string, method: string, url: string, body?: unknown, headers?: Record<string, string>) {
  const r = await call(what, method, url, body, headers);
  if (r.status >= 300)
    throw new DemoError(`${what}: ${method} ${new URL(url).pathname} answered ${r.status} ${r.text}`);
  return r.json;
}

function adminToken(): string {
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN.trim();
  const file = path.join(env.DATA_DIR ?? path.resolve('.data'), 'admin.token');
  if (!fs.existsSync(file)) {
    throw new DemoError(
      `No admin token: set ADMIN_TOKEN, or run the demo from the project folder after \`npm start\` (it writes ${file}).`,
    );
  }
  return fs.readFileSync(file, 'utf8').trim();
}

let token = '';
const admin = (method: string, p: string, body?: unknown) =>
  ok('The admin API', method, `${API_URL}/api/admin${p}`, body, { authorization: `Bearer ${token}` });
const lever = (method: string, p: string, body?: unknown) =>
  ok('The Lever sandbox', method, `${LEVER}/_sandbox${p}`, body);
const certn = (method: string, p: string, body?: unknown) =>
  ok('The Certn sandbox', method, `${CERTN}/_sandbox${p}`, body);

// ---------------------------------------------------------------- the service must be up

async function checkRunning(): Promise<void> {
  const hint =
    'Start the service first with `npm start` in another terminal (or set API_URL, LEVER_SANDBOX_URL, CERTN_SANDBOX_URL).';
  try {
    const health = await call('The service', 'GET', `${API_URL}/healthz`);
    if (health.status !== 200)
      throw new DemoError(`The service at ${API_URL} is not healthy: /healthz answered ${health.status}.`);
    for (const [name, url] of [
      ['Lever sandbox', LEVER],
      ['Certn sandbox', CERTN],
    ] as const) {
      const r = await call(`The ${name}`, 'GET', `${url}/_sandbox/state`);
      if (r.status !== 200)
        throw new DemoError(`${url} does not look like the ${name} (GET /_sandbox/state answered ${r.status}).`);
    }
  } catch (err) {
    if (err instanceof DemoError) throw new DemoError(`${err.message}\n${hint}`);
    throw err;
  }
  token = adminToken();
  const probe = await call('The admin API', 'GET', `${API_URL}/api/admin/teams`, undefined, {
    authorization: `Bearer ${token}`,
  });
  if (probe.status === 401) {
    throw new DemoError(
      'The admin API refused the token: set ADMIN_TOKEN to the one `npm start` printed (or run from the folder whose .data it uses).',
    );
  }
}

// ---------------------------------------------------------------- the admin's setup (create or reuse)

async function demoTeam(): Promise<{ id: string; reused: boolean }> {
  const { teams } = await admin('GET', '/teams');
  let team = (teams as any[]).find((t) => t.name === TEAM_NAME);
  const reused = Boolean(team);

  // 1. The team: Lever key, trigger stage name, perform-as user; the Certn key.
  if (!team) {
    team = await admin('POST', '/teams', {
      name: TEAM_NAME,
      lever: { apiKey: LEVER_KEY, triggerStageName: TRIGGER_STAGE, performAsUserId: LEVER_USER },
      certn: { apiKey: CERTN_KEY },
    });
    say(`  created team "${TEAM_NAME}" (${team.id})`);
  } else {
    say(`  reusing team "${TEAM_NAME}" (${team.id})`);
  }

  // 2. A package, made the default.
  let pkg = (team.packages as any[]).find((p) => p.name === PACKAGE.name);
  if (!pkg) {
    pkg = await admin('POST', `/teams/${team.id}/packages`, PACKAGE);
    say(`  created package "${PACKAGE.name}": ${PACKAGE.checkTypes.join(', ')}`);
  }
  if (team.defaultPackageId !== pkg.id) {
    team = await admin('POST', `/teams/${team.id}/packages/${pkg.id}/default`);
    say(`  made "${PACKAGE.name}" the default package`);
  }

  // 3. Lever: the three webhooks (stage change; archive state change and deleted, which cancel an open check) to the
  //    team's one URL; each webhook's own signature token is pasted into its setting of the team.
  //    (The sandbox keeps state in memory: after a restart of `npm start` the webhooks are registered again.)
  const hooks: any[] = (await lever('GET', '/webhooks')).data;
  const tokens: Record<string, string> = {};
  for (const [event, setting] of [
    ['candidateStageChange', 'signatureToken'],
    ['candidateArchiveChange', 'archiveSignatureToken'],
    ['candidateDeleted', 'deletedSignatureToken'],
  ] as const) {
    let hook = hooks.find((h) => h.url === team.webhookUrls.lever && h.event === event);
    if (!hook) {
      hook = (await lever('POST', '/webhooks', { url: team.webhookUrls.lever, event, verify: false })).data;
      say(`  registered the Lever ${event} webhook ${team.webhookUrls.lever}`);
    }
    tokens[setting] = hook.signatureToken;
  }
  await admin('PATCH', `/teams/${team.id}`, { lever: tokens });

  // 4. Certn: the account webhook (verified by Certn's challenge), with a secret the team shares.
  const certnHook = await certn('GET', '/webhook');
  if (!(
    certnHook.url === team.webhookUrls.certn &&
    certnHook.status === 'active' &&
    team.certn.webhookSecret?.set !== false
  )) {
    const secret = randomBytes(24).toString('hex');
    await admin('PATCH', `/teams/${team.id}`, { certn: { webhookSecret: secret } });
    const set = await certn('PUT', '/webhook', { url: team.webhookUrls.certn, secret });
    if (set.status !== 'active')
      throw new DemoError(`Certn could not verify the webhook ${team.webhookUrls.certn}: ${set.reason ?? set.status}`);
    say(`  set the Certn webhook ${team.webhookUrls.certn}`);
  }

  // Enable: the service validates the key, the stage name and the default package.
  const enabled = await call('The admin API', 'POST', `${API_URL}/api/admin/teams/${team.id}/enable`, undefined, {
    authorization: `Bearer ${token}`,
  });
  if (enabled.status !== 200)
    throw new DemoError(`Enabling the team failed (${enabled.status}): ${enabled.json?.message ?? enabled.text}`);
  say('  enabled');
  return { id: team.id, reused };
}

// ---------------------------------------------------------------- the recruiter's side, and watching it

async function main(): Promise<void> {
  say(`Service ${API_URL} · Lever sandbox ${LEVER} · Certn sandbox ${CERTN}`);
  await checkRunning();

  say('\nAdmin setup:');
  const team = await demoTeam();

  await certn('PUT', '/auto-advance', { enabled: true, stepDelayMs: STEP_MS });
  say(`\nCertn sandbox: auto-advance on, one lifecycle step every ${STEP_MS} ms (for all cases in the sandbox).`);

  const suffix = randomBytes(3).toString('hex');
  const email = `demo-${suffix}@example.com`;
  const opp = (await lever('POST', '/opportunities', { name: `Demo Candidate ${suffix}`, emails: [email] })).data;
  say(`\nCandidate "${opp.name}" <${email}>: opportunity ${opp.id}`);
  const started = Date.now();
  const moved = await lever('POST', `/opportunities/${opp.id}/move`, { stageName: TRIGGER_STAGE });
  say(`Moved to "${TRIGGER_STAGE}" — Lever sends the signed webhook to the service.\n`);

  const workflowId = checkWorkflowId(team.id, opp.id);
  const elapsed = () => `+${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(7);
  let seenTags = 0;
  let seenLinks = new Set<string>();
  let certnStatus = '';
  let warned = false;
  for (;;) {
    const cases: any[] = (await certn('GET', `/cases?email_address=${encodeURIComponent(email)}`)).cases;
    const status = cases[0]?.overall_status ?? '';
    if (status && status !== certnStatus) say(`${elapsed()}  certn case ${status}`);
    certnStatus = status;
    const o = await lever('GET', `/opportunities/${opp.id}`);
    const tagAdds = (o.tagEvents as any[]).filter(
      (e) => e.action === 'add' && e.changed && e.tag.startsWith('CERTN - '),
    );
    for (const e of tagAdds.slice(seenTags)) say(`${elapsed()}  lever tag  ${e.tag}`);
    seenTags = tagAdds.length;
    const links = new Set<string>((o.links as string[]).filter((l) => l.includes('/reports/')));
    for (const l of links) if (!seenLinks.has(l)) say(`${elapsed()}  lever link ${l}`);
    seenLinks = links;

    if ((o.notes as any[]).length > 0) {
      // The check leaves its summary note last: it is done.
      const files = o.files as any[];
      say('');
      const current = (o.data.tags as string[]).filter((t) => t.startsWith('CERTN - '));
      say(
        `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Candidate's CERTN tag: ${current.join(', ') || '(none)'}`,
      );
      say(`Report link: ${[...links][0] ?? '(none)'}`);
      if (files.length > 0) for (const f of files) say(`Attached file: ${f.name} (${f.size} bytes) — ${f.contentUrl}`);
      else say('Attached file: (none)');
      break;
    }
    if (!warned && seenTags === 0 && Date.now() - started > 15_000) {
      warned = true;
      const ids: string[] = moved.deliveryIds ?? [];
      for (const id of ids) {
        const d = (await lever('GET', `/deliveries/${id}`)).data;
        const attempts = (d.attempts as any[]).map((a) => a.status ?? a.error).join(', ');
        say(
          `  (no tag yet after 15 s; webhook delivery ${d.state}, attempts: ${attempts || 'none'} — is the worker running?)`,
        );
      }
    }
    if (Date.now() - started > TIMEOUT_MS) {
      throw new DemoError(
        `The check did not finish within ${TIMEOUT_MS / 1000} s; look at it in the Temporal UI: ${await uiUrl(workflowId)}`,
      );
    }
    await sleep(250);
  }

  say(`\nThe check in the Temporal UI: ${await uiUrl(workflowId)}`);
  say(
    `All checks of this team:       ${TEMPORAL_UI}/namespaces/${NAMESPACE}/workflows?query=${encodeURIComponent(`CertnTeam="${team.id}"`)}`,
  );
  say(`Its state via the admin API:   GET ${API_URL}/api/admin/teams/${team.id}/checks/${opp.id}`);
}

/** The run's page in the Temporal UI; the UI's own HTTP API gives the run id (and the history length). */
async function uiUrl(workflowId: string): Promise<string> {
  const base = `${TEMPORAL_UI}/namespaces/${NAMESPACE}/workflows/${encodeURIComponent(workflowId)}`;
  const r = await call(
    'The Temporal UI',
    'GET',
    `${TEMPORAL_UI}/api/v1/namespaces/${NAMESPACE}/workflows/${encodeURIComponent(workflowId)}`,
  ).catch(() => undefined);
  const info = r?.status === 200 ? r.json?.workflowExecutionInfo : undefined;
  if (!info?.execution?.runId) return base;
  return `${base}/${info.execution.runId}/history  (${info.historyLength} history events, ${info.status.replace('WORKFLOW_EXECUTION_STATUS_', '').toLowerCase()})`;
}

main().catch((err: unknown) => {
  process.stderr.write(
    `\ndemo: ${err instanceof DemoError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
