// `npm run bench`: benchmarks run on purpose, never by the tests. Starts its own Temporal dev server (in memory,
// headless) and the whole service in this process (the test harness's System: both sandboxes, the settings store,
// the real API app, the worker), all on 127.0.0.1, then measures:
//  (a) the Lever webhook endpoint: N signed stage changes (each starts a check via signalWithStart), the same N
//      re-sent (dedupe answers), and GET /healthz on the same server in the same run, at concurrency C;
//  (b) checks end to end with Certn auto-advance: one check alone, then K moved at once — move → tags → closed,
//      history events per check, Lever and Certn requests per check.
// Ratios are computed within the run, so they say more than absolute numbers on a busy machine.
// Writes bench/results.md. Knobs: BENCH_WEBHOOKS (N, 1000), BENCH_CONCURRENCY (C, 16), BENCH_CHECKS (K, 20),
// BENCH_CERTN_STEP_MS (50), BENCH_ROUNDS (5: part (a) alternates its three loads this many times, so a burst of
// load from elsewhere on the machine hits all three alike).
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import * as prettier from 'prettier';
import { LEVER_RATE_LIMIT as DEFAULT_LEVER_RATE_LIMIT } from '../src/lever/budget';
import { setLogSink } from '../src/logger';
import { ensureTemporalCli } from '../src/temporal/cli';
import { DevServer, startDevServer } from '../src/temporal/dev-server';
import { checkWorkflowId } from '../src/workflows/definitions';
import { System, TRIGGER_STAGE, leverHmac } from '../test/harness/system';
import { LoadResult, fmt, mapLimit, percentile, runLoad, table } from './stats';

const int = (name: string, def: number, min = 1): number => {
  const raw = process.env[name];
  const v = raw === undefined ? def : Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min} (got ${raw})`);
  return v;
};
const N = int('BENCH_WEBHOOKS', 1000);
const C = int('BENCH_CONCURRENCY', 16);
const K = int('BENCH_CHECKS', 20);
const STEP_MS = int('BENCH_CERTN_STEP_MS', 50, 0);
const ROUNDS = int('BENCH_ROUNDS', 5);
const CHECK_TIMEOUT_MS = 10 * 60_000;

const say = (s = '') => process.stdout.write(s + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The service logs JSON lines at info level; keep the cost (the lines are still built) but not the noise.
const logErrors: string[] = [];
let logLines = 0;
setLogSink((line) => {
  logLines++;
  if (line.includes('"level":"error"') && logErrors.length < 20) logErrors.push(line);
});

// ------------------------------------------------------------------ (a) the Lever webhook endpoint

interface EndpointRow {
  name: string;
  result: LoadResult;
}

function merge(a: LoadResult | undefined, b: LoadResult): LoadResult {
  if (!a) return b;
  const statuses = { ...a.statuses };
  for (const [k, v] of Object.entries(b.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const count = a.count + b.count;
  const wallMs = a.wallMs + b.wallMs;
  return {
    count,
    wallMs,
    perSecond: (count / wallMs) * 1000,
    latenciesMs: [...a.latenciesMs, ...b.latenciesMs],
    statuses,
  };
}

async function benchWebhookEndpoint(): Promise<EndpointRow[]> {
  // No worker: started checks stay queued, so this measures the front door alone (verify, dedupe, signalWithStart).
  const sys = await System.start({ worker: false, certnStepMs: null });
  try {
    const team = await sys.setupTeam();
    const cfg = (await sys.admin('GET', `/teams/${team.id}`)).json;
    const triggerStageId: string = cfg.lever.triggerStageId;
    const hook = (await sys.leverCtl('GET', '/webhooks')).data.find(
      (h: { url: string }) => h.url === team.leverHookUrl,
    );
    const signatureToken: string = hook.signatureToken;

    const signed = (opportunityId: string) => {
      const triggeredAt = Date.now();
      const token = randomBytes(24).toString('hex');
      return JSON.stringify({
        triggeredAt,
        event: 'candidateStageChange',
        data: {
          opportunityId,
          candidateId: opportunityId,
          contactId: randomUUID(),
          toStageId: triggerStageId,
          fromStageId: 'lead-new',
        },
        signature: leverHmac(signatureToken, token, triggeredAt),
        token,
      });
    };
    const post = async (body: string): Promise<string> => {
      const res = await fetch(team.leverHookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const json = (await res.json()) as { outcome?: string; error?: string };
      return `${res.status} ${json.outcome ?? json.error ?? ''}`.trim();
    };
    const health = async (): Promise<string> => {
      const res = await fetch(`${sys.apiUrl}/healthz`);
      await res.text();
      return String(res.status);
    };

    // Warm-up: connections, the SQLite statements, the Temporal client.
    await runLoad(100, C, () => health());
    await runLoad(100, C, () => post(signed(`warmup-${randomUUID()}`)));

    const per = Math.ceil(N / ROUNDS);
    let h: LoadResult | undefined;
    let accepted: LoadResult | undefined;
    let dup: LoadResult | undefined;
    for (let r = 0; r < ROUNDS; r++) {
      const bodies = Array.from({ length: per }, () => '');
      h = merge(h, await runLoad(per, C, () => health()));
      accepted = merge(
        accepted,
        await runLoad(per, C, (i) => {
          bodies[i] = signed(`bench-${randomUUID()}`);
          return post(bodies[i]!);
        }),
      );
      dup = merge(dup, await runLoad(per, C, (i) => post(bodies[i]!)));
    }
    return [
      { name: 'GET /healthz (baseline)', result: h! },
      { name: 'Lever webhook, new stage change → signalWithStart', result: accepted! },
      { name: 'Lever webhook, re-sent delivery → dedupe', result: dup! },
    ];
  } finally {
    await sys.stop();
  }
}

// ------------------------------------------------------------------ (b) checks end to end

interface CheckMeasure {
  toPendingMs: number;
  toCompleteTagMs: number;
  toClosedMs: number;
  historyEvents: number;
  status: string;
  ok: boolean;
}

interface PhaseResult {
  checks: number;
  wallMs: number;
  measures: CheckMeasure[];
  leverRequests: number;
  lever429: number;
  certnRequests: number;
  certnOrders: number;
  byEndpoint: Record<string, number>;
  problems: string[];
}

const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

async function checksPhase(sys: System, teamId: string, k: number): Promise<PhaseResult> {
  const suffix = randomBytes(3).toString('hex');
  const emails = Array.from({ length: k }, (_, i) => `bench-${suffix}-${i}@example.com`);
  const opps = await mapLimit(emails, 8, (email) => sys.createCandidate({ emails: [email] }));

  const leverBefore = (await sys.leverCtl('GET', '/requests')).counters;
  const certnBefore = await sys.certnCtl('GET', '/state');
  const phaseStart = Date.now();

  // Move them all at once; each move makes the Lever sandbox send its signed webhook to the API.
  const movedAt = await Promise.all(
    opps.map(async (opp) => {
      const t = Date.now();
      await sys.leverCtl('POST', `/opportunities/${opp}/move`, { stageName: TRIGGER_STAGE });
      return t;
    }),
  );

  const deadline = Date.now() + CHECK_TIMEOUT_MS;
  const results = await Promise.all(
    opps.map(async (opp) => {
      const handle = sys.client.workflow.getHandle(checkWorkflowId(teamId, opp));
      for (;;) {
        try {
          return (await handle.result()) as { status: string };
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError) || Date.now() > deadline) throw err;
          await sleep(50); // the webhook has not started the check yet
        }
      }
    }),
  );
  const wallMs = Date.now() - phaseStart;

  const problems: string[] = [];
  const measures = await mapLimit(opps, 4, async (opp): Promise<CheckMeasure> => {
    const i = opps.indexOf(opp);
    const handle = sys.client.workflow.getHandle(checkWorkflowId(teamId, opp));
    const [desc, history, o, cases] = await Promise.all([
      handle.describe(),
      handle.fetchHistory(),
      sys.opportunity(opp),
      sys.casesFor(emails[i]!),
    ]);
    const tagAt = (tag: string) =>
      (o.tagEvents as { action: string; tag: string; changed: boolean; at: number }[]).find(
        (e) => e.action === 'add' && e.changed && e.tag === tag,
      )?.at ?? NaN;
    const status = results[i]!.status;
    const ok = status === 'Complete' && cases.length === 1 && o.files.length === 1 && o.notes.length === 1;
    if (!ok)
      problems.push(
        `${opp}: status ${status}, ${cases.length} case(s), ${o.files.length} file(s), ${o.notes.length} note(s)`,
      );
    return {
      toPendingMs: tagAt('CERTN - Pending') - movedAt[i]!,
      toCompleteTagMs: tagAt('CERTN - Complete') - movedAt[i]!,
      toClosedMs: (desc.closeTime?.getTime() ?? NaN) - movedAt[i]!,
      historyEvents: history.events?.length ?? 0,
      status,
      ok,
    };
  });

  const leverAfter = await sys.leverCtl('GET', '/requests');
  const certnAfter = await sys.certnCtl('GET', '/state');
  const byEndpoint: Record<string, number> = {};
  for (const r of leverAfter.data as { at: number; method: string; path: string }[]) {
    if (r.at < phaseStart) continue;
    const key = `${r.method} /v1${r.path.replace(ID, ':id')}`;
    byEndpoint[key] = (byEndpoint[key] ?? 0) + 1;
  }
  return {
    checks: k,
    wallMs,
    measures,
    leverRequests: leverAfter.counters.requests - leverBefore.requests,
    lever429: leverAfter.counters.rateLimited - leverBefore.rateLimited,
    certnRequests: certnAfter.apiRequests - certnBefore.apiRequests,
    certnOrders: certnAfter.orderCount - certnBefore.orderCount,
    byEndpoint,
    problems,
  };
}

async function benchChecks(): Promise<PhaseResult[]> {
  // Callbacks drive the checks; the poll timer (60 s) stays out of the way.
  const sys = await System.start({ certnStepMs: STEP_MS });
  try {
    const team = await sys.setupTeam();
    await checksPhase(sys, team.id, 1); // warm-up: worker caches, connections, the first bundle load
    // Each phase starts with the Lever client's token bucket full again (burst ÷ rate is ~1.3 s).
    await sleep(2000);
    const single = await checksPhase(sys, team.id, 1);
    await sleep(2000);
    const many = await checksPhase(sys, team.id, K);
    return [single, many];
  } finally {
    await sys.stop();
  }
}

// ------------------------------------------------------------------ report

function endpointTable(rows: EndpointRow[]): string {
  const base = rows[0]!.result;
  const bp50 = percentile(base.latenciesMs, 50);
  const bp95 = percentile(base.latenciesMs, 95);
  return table(
    [
      'endpoint',
      'requests',
      'answers',
      'req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'req/s ÷ healthz',
      'p50 × healthz',
      'p95 × healthz',
    ],
    rows.map(({ name, result: r }) => [
      name,
      r.count,
      Object.entries(r.statuses)
        .map(([s, n]) => `${s}: ${n}`)
        .join(', '),
      fmt(r.perSecond, 0),
      fmt(percentile(r.latenciesMs, 50), 2),
      fmt(percentile(r.latenciesMs, 95), 2),
      fmt(percentile(r.latenciesMs, 99), 2),
      fmt(r.perSecond / base.perSecond, 2),
      fmt(percentile(r.latenciesMs, 50) / bp50, 2),
      fmt(percentile(r.latenciesMs, 95) / bp95, 2),
    ]),
  );
}

function checksTable(phases: PhaseResult[]): string {
  const s = (p: PhaseResult, f: (m: CheckMeasure) => number, q: number) => percentile(p.measures.map(f), q) / 1000;
  return table(
    [
      'checks moved at once',
      'all closed after s',
      'move → Pending tag p50 / p95 s',
      'move → Complete tag p50 / p95 s',
      'move → check closed p50 / p95 s',
      'history events / check (median, max)',
      'Lever requests / check',
      'Lever 429s',
      'Certn requests / check',
      'Certn cases ordered',
      'checks ending right',
    ],
    phases.map((p) => [
      p.checks,
      fmt(p.wallMs / 1000, 1),
      `${fmt(
        s(p, (m) => m.toPendingMs, 50),
        2,
      )} / ${fmt(
        s(p, (m) => m.toPendingMs, 95),
        2,
      )}`,
      `${fmt(
        s(p, (m) => m.toCompleteTagMs, 50),
        2,
      )} / ${fmt(
        s(p, (m) => m.toCompleteTagMs, 95),
        2,
      )}`,
      `${fmt(
        s(p, (m) => m.toClosedMs, 50),
        2,
      )} / ${fmt(
        s(p, (m) => m.toClosedMs, 95),
        2,
      )}`,
      `${percentile(
        p.measures.map((m) => m.historyEvents),
        50,
      )}, ${Math.max(...p.measures.map((m) => m.historyEvents))}`,
      fmt(p.leverRequests / p.checks, 1),
      p.lever429,
      fmt(p.certnRequests / p.checks, 1),
      p.certnOrders,
      `${p.measures.filter((m) => m.ok).length} / ${p.checks}`,
    ]),
  );
}

function endpointBreakdown(p: PhaseResult): string {
  const rows = Object.entries(p.byEndpoint)
    .sort((a, b) => b[1] - a[1])
    .map(([e, n]) => [`\`${e}\``, n, fmt(n / p.checks, 2)]);
  return table(['Lever endpoint', 'calls', 'per check'], rows);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  say(`bench: N=${N} webhooks at C=${C}, K=${K} checks, Certn step ${STEP_MS} ms, ${ROUNDS} rounds`);

  const cliPath = await ensureTemporalCli();
  const cliVersion = (await promisify(execFile)(cliPath, ['--version'])).stdout.trim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'certn-bench-'));
  let server: DevServer | undefined;
  try {
    say('starting the Temporal dev server (in memory, headless)...');
    server = await startDevServer({ cliPath, headless: true, readyTimeoutMs: 120_000 });
    process.env.TEMPORAL_ADDRESS = server.address;
    say('bundling the workflows...');
    const noop = () => undefined;
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.resolve(__dirname, '../src/workflows/index.ts'),
      logger: { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop },
    });
    process.env.WORKFLOW_BUNDLE_PATH = path.join(tmp, 'workflow-bundle.js');
    fs.writeFileSync(process.env.WORKFLOW_BUNDLE_PATH, code);

    say(`(a) Lever webhook endpoint vs /healthz: ${N} requests each at concurrency ${C}...`);
    const endpoint = await benchWebhookEndpoint();
    say(`(b) checks end to end: 1 alone, then ${K} at once...`);
    const checks = await benchChecks();
    const many = checks[1]!;

    const cmdEnv = ['BENCH_WEBHOOKS', 'BENCH_CONCURRENCY', 'BENCH_CHECKS', 'BENCH_CERTN_STEP_MS', 'BENCH_ROUNDS']
      .filter((k) => process.env[k] !== undefined)
      .map((k) => `${k}=${process.env[k]} `)
      .join('');
    const command = `${cmdEnv}${process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'npx tsx bench/run.ts'}`;
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const leverBoundS =
      Math.max(0, many.leverRequests - DEFAULT_LEVER_RATE_LIMIT.burst) / DEFAULT_LEVER_RATE_LIMIT.perSecond;
    const closedRatio =
      percentile(
        many.measures.map((m) => m.toClosedMs),
        50,
      ) /
      percentile(
        checks[0]!.measures.map((m) => m.toClosedMs),
        50,
      );

    const md = [
      '# Benchmarks',
      '',
      `- Command: \`${command}\``,
      `- Date: ${startedAt.toISOString()} (took ${fmt((Date.now() - startedAt.getTime()) / 1000, 0)} s)`,
      `- Machine: ${os.cpus().length} CPUs (nproc), ${cpu}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, ${os.type()} ${os.release()}; Node ${process.version}; load average at start ${load} (1/5/15 min — other processes share this machine, so compare the ratios, not the absolute numbers)`,
      `- Temporal: ${cliVersion}, \`temporal server start-dev\` in memory, headless, on 127.0.0.1`,
      "- Layout: the API app (`createApiApp`), the `TemporalCheckGateway`, the SQLite settings store, both sandboxes, the worker and the load generator in one Node process (the test harness's `System`); the dev server in another.",
      '',
      `## (a) Lever webhook endpoint vs GET /healthz — ${N} requests each, concurrency ${C}`,
      '',
      `The three loads alternate in ${ROUNDS} rounds on the same server; figures pool the rounds. "New stage change": a signed`,
      '`candidateStageChange` into the trigger stage for a new opportunity — signature check, token claimed in SQLite,',
      '`signalWithStart` of the check on Temporal (no worker runs, so only the front door is measured). "Re-sent": the same',
      'signed bodies again — answered from the dedupe table without Temporal. Latency = request + full response, measured by',
      'the client in the same process.',
      '',
      endpointTable(endpoint),
      '',
      `## (b) Checks end to end — Certn auto-advance every ${STEP_MS} ms`,
      '',
      'Each candidate is moved into the trigger stage through the Lever sandbox (which sends the signed webhook); Certn',
      'moves each case on by itself (7 steps for the 2-check default package: invited, opened, started, submitted,',
      'in progress, check 1, check 2 = complete) and sends its callbacks; the check ends after the PDF is attached and',
      'the summary note written. "Checks ending right": status Complete, exactly one Certn case, one file and one note.',
      `Lever calls go through the client's own rate limiting (${DEFAULT_LEVER_RATE_LIMIT.perSecond}/s, burst ${DEFAULT_LEVER_RATE_LIMIT.burst} per key, under the sandbox's 10/s):`,
      'all checks of a team share one Lever key, which is what bounds the concurrent run.',
      '',
      checksTable(checks),
      '',
      `Move → check closed, p50 of ${K} at once ÷ p50 of one alone: **${fmt(closedRatio, 2)}×**. The Lever budget alone`,
      `needs ${many.leverRequests} requests ÷ ${DEFAULT_LEVER_RATE_LIMIT.perSecond}/s after a burst of ${DEFAULT_LEVER_RATE_LIMIT.burst} ≈ ${fmt(leverBoundS, 1)} s for the ${K} checks; they all closed after`,
      `${fmt(many.wallMs / 1000, 1)} s (${fmt(many.wallMs / 1000 / leverBoundS, 2)}× that bound). Per-check counts depend on timing: a check that lags`,
      'behind Certn (waiting for Lever budget) gets fewer callbacks between its reads and may skip statuses Certn has',
      'already left behind, so its Certn reads and history events can be lower than those of a check that sees every step.',
      '',
      `Lever requests by endpoint for the ${K} concurrent checks:`,
      '',
      endpointBreakdown(many),
      '',
      ...(checks.some((p) => p.problems.length > 0)
        ? ['Problems:', '', ...checks.flatMap((p) => p.problems.map((x) => `- ${x}`)), '']
        : []),
      `Service log: ${logLines} lines, ${logErrors.length} at error level.`,
      '',
    ].join('\n');

    // Formatted like the rest of the repository, so `npm run format:check` stays green after a run.
    const file = path.resolve(__dirname, 'results.md');
    const style = (await prettier.resolveConfig(file)) ?? {};
    fs.writeFileSync(file, await prettier.format(md, { ...style, parser: 'markdown' }));
    say('');
    say(md);
    say(`written to ${path.relative(process.cwd(), file)}`);
    if (logErrors.length > 0) {
      say('first service errors:');
      for (const l of logErrors.slice(0, 5)) say(`  ${l}`);
    }
  } finally {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
