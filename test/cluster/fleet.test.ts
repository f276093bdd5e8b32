// The fleet on a real Temporal server (v1.29.1 on a throwaway PostgreSQL 15): two `npm run api` replicas behind a
// round-robin balancer and two `npm run worker` processes, all on the PostgreSQL settings store (DATABASE_URL, a
// database on the same throwaway cluster) with the Lever budget shared through it; the Lever and Certn sandboxes
// in-process, Certn auto-advancing. A batch of checks runs, one worker is SIGKILLed mid-batch, and every check must
// still end right: one Certn case, one PDF, one note, the Complete tag alone, and no Lever 429s.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { CertnSandbox, startCertnSandbox } from '@lever-certn/sandbox/certn';
import { LeverSandbox, SEED_USER_ID, startLeverSandbox } from '@lever-certn/sandbox/lever';
import { CheckState, checkWorkflowId } from '../../src/workflows/definitions';
import { ApiReplica, ServiceProcess, startApis, startWorkers, stopAll } from '../harness/service-processes';
import { TemporalServer, startTemporalServer } from '../harness/temporal-server';
import { RoundRobin, startRoundRobin } from './round-robin';

// The first run on a fresh machine builds the server binaries in beforeAll (4–30 min, by how busy the machine is).
jest.setTimeout(60 * 60_000);

const CANDIDATES = 8;
const ADMIN_TOKEN = `admin-${randomUUID()}`;
const TRIGGER_STAGE = 'Background Check';

let server: TemporalServer;
let lever: LeverSandbox;
let certn: CertnSandbox;
let balancer: RoundRobin;
let apis: ApiReplica[] = [];
let workers: ServiceProcess[] = [];
let connection: Connection | undefined;
let dataDir: string;

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : undefined;
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return json;
}
const admin = (method: string, p: string, body?: unknown) =>
  call(method, `${apis[0]!.url}/api/admin${p}`, body, { authorization: `Bearer ${ADMIN_TOKEN}` });
const leverCtl = (method: string, p: string, body?: unknown) => call(method, `${lever.url}/_sandbox${p}`, body);
const certnCtl = (method: string, p: string, body?: unknown) => call(method, `${certn.url}/_sandbox${p}`, body);

beforeAll(async () => {
  server = await startTemporalServer();
  await server.postgres.sql('CREATE DATABASE settings');
  lever = await startLeverSandbox({ webhookRetryBaseMs: 100 });
  certn = await startCertnSandbox();
  balancer = await startRoundRobin();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certn-fleet-'));
  const env = {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: `fleet-${randomUUID()}`,
    WORKFLOW_BUNDLE_PATH: process.env.WORKFLOW_BUNDLE_PATH ?? '',
    DATABASE_URL: server.postgres.url('settings'),
    DATA_DIR: dataDir,
    MASTER_KEY: 'ef'.repeat(32),
    ADMIN_TOKEN,
    PUBLIC_BASE_URL: balancer.url,
    LEVER_API_BASE_URL: `${lever.url}/v1`,
    CERTN_API_BASE_URL: certn.url,
    // The readiness lines startApis/startWorkers wait for are info lines.
    LOG_LEVEL: 'info',
  };
  // One replica first, so it alone creates the store's schema; then the second and both workers.
  apis = await startApis(1, env);
  apis.push(...(await startApis(1, env)));
  balancer.targets.push(...apis.map((a) => a.url));
  workers = await startWorkers(2, env);
  connection = await Connection.connect({ address: server.address });
});

afterAll(async () => {
  await stopAll([...workers, ...apis]); // SIGTERM to those still running (the killed worker is skipped)
  await connection?.close();
  await balancer?.stop();
  await lever?.stop();
  await certn?.stop();
  await server?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The admin's setup through replica 0; Lever's and Certn's webhook URLs point at the balancer. */
async function setupTeam(): Promise<string> {
  const certnSecret = `certn-secret-${randomUUID()}`;
  const created = await admin('POST', '/teams', {
    name: 'Fleet',
    lever: { apiKey: 'sandbox-lever-key', triggerStageName: TRIGGER_STAGE, performAsUserId: SEED_USER_ID },
    certn: { apiKey: 'sandbox-certn-key', webhookSecret: certnSecret },
  });
  const teamId: string = created.id;
  expect(created.webhookUrls.lever.startsWith(balancer.url)).toBe(true);
  const pkg = await admin('POST', `/teams/${teamId}/packages`, {
    name: 'Standard',
    checkTypes: ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1'],
  });
  await admin('POST', `/teams/${teamId}/packages/${pkg.id}/default`);
  const hook = await leverCtl('POST', '/webhooks', {
    url: created.webhookUrls.lever,
    event: 'candidateStageChange',
    verify: false,
  });
  await admin('PATCH', `/teams/${teamId}`, { lever: { signatureToken: hook.data.signatureToken } });
  await certnCtl('PUT', '/webhook', { url: created.webhookUrls.certn, secret: certnSecret });
  await admin('POST', `/teams/${teamId}/enable`);
  return teamId;
}

test('two APIs, two workers, one SIGKILLed mid-batch: every check ends with one case, file, note, Complete tag', async () => {
  const t0 = Date.now();
  const teamId = await setupTeam();
  // Slow enough that the kill lands while cases are open, quick enough for a short suite.
  await certnCtl('PUT', '/auto-advance', { enabled: true, stepDelayMs: 1500 });

  const emails = Array.from({ length: CANDIDATES }, (_, i) => `fleet-${i}@example.com`);
  const opps: string[] = [];
  for (const email of emails) {
    const r = await leverCtl('POST', '/opportunities', { name: 'Grace Hopper', emails: [email] });
    opps.push(r.data.id);
  }
  for (const opp of opps) await leverCtl('POST', `/opportunities/${opp}/move`, { stageName: TRIGGER_STAGE });

  // Kill one worker after some cases are ordered and before all checks complete.
  const client = new Client({ connection: connection! });
  const handles = opps.map((opp) => client.workflow.getHandle(checkWorkflowId(teamId, opp)));
  const ordered = async () => (await certnCtl('GET', '/cases')).cases.length as number;
  const deadline = Date.now() + 120_000;
  while ((await ordered()) < 3) {
    if (Date.now() > deadline) throw new Error('no cases ordered in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  workers[0]!.child.kill('SIGKILL');
  expect(await workers[0]!.exited).toBe('SIGKILL');
  const closedAtKill = (await Promise.all(handles.map((h) => h.describe()))).filter(
    (d) => d.status.name !== 'RUNNING',
  ).length;
  expect(closedAtKill).toBeLessThan(CANDIDATES);

  const results = (await Promise.all(handles.map((h) => h.result()))) as CheckState[];
  await lever.webhooksIdle();
  for (const [i, opp] of opps.entries()) {
    expect(results[i]!.status).toBe('Complete');
    const cases = (await certnCtl('GET', `/cases?email_address=${encodeURIComponent(emails[i]!)}`)).cases;
    expect(cases).toHaveLength(1);
    expect(results[i]!.caseId).toBe(cases[0].id);
    const o = await leverCtl('GET', `/opportunities/${opp}`);
    expect(o.data.tags.filter((t: string) => t.startsWith('CERTN - '))).toEqual(['CERTN - Complete']);
    expect(o.files).toHaveLength(1);
    expect(o.notes).toHaveLength(1);
  }
  expect(lever.state.counters.rateLimited).toBe(0);
  // Both replicas took Lever's and Certn's deliveries; the runs live on this server's PostgreSQL.
  for (const key of ['0 lever', '1 lever', '0 certn', '1 certn']) {
    expect(balancer.hits.get(key) ?? 0).toBeGreaterThan(0);
  }
  expect(Number(await server.postgres.sql('SELECT count(*) FROM executions', 'temporal'))).toBeGreaterThanOrEqual(
    CANDIDATES,
  );
  expect(workers[1]!.child.exitCode).toBeNull();
  // What the kill cost, for the report: tasks the dead worker held that timed out and ran again on the survivor.
  const timedOut = (await Promise.all(handles.map((h) => h.fetchHistory())))
    .flatMap((h) => h.events ?? [])
    .filter((e) => e.activityTaskTimedOutEventAttributes || e.workflowTaskTimedOutEventAttributes).length;
  process.stderr.write(
    `fleet: ${CANDIDATES} checks, ${closedAtKill} closed at the kill, ${timedOut} task timeouts, ` +
      `${Date.now() - t0} ms, deliveries per replica ${JSON.stringify([...balancer.hits])}\n`,
  );
});
