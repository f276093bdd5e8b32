// Runs one fault scenario: a fresh System (sandboxes, store, API, worker(s), optionally a Temporal dev server of
// its own on a database file), a batch of checks moved through the Lever sandbox, the scenario's fault injected
// once half the batch is in, the batch left to settle, then the invariants and the secrets scan. Returns one line of
// figures (checks, faults injected, violations, Lever 429s, Certn callbacks and how the API answered them, time).
import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setLogLevel, setLogSink } from '../../src/logger';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { DevServer, freePort, startDevServer } from '../../src/temporal/dev-server';
import { System, SystemOptions, Team, TRIGGER_STAGE } from '../../test/harness/system';
import { Candidate, acknowledgedReachedTemporal, completedOnce, orderedNothing } from './invariants';
import { scanForSecrets } from './secrets-scan';

export interface OwnTemporal {
  server: DevServer;
  restart(downMs: number): Promise<void>;
}

export interface FaultContext {
  sys: System;
  team: Team;
  /** Moved into the trigger stage through Lever: each must complete exactly once. */
  candidates: Candidate[];
  /** Forged or unconfirmed deliveries: each must order nothing. */
  unconfirmed: Candidate[];
  /** E-mails that must never get a Certn case (e.g. an address edited in mid-check). */
  noCaseEmails: string[];
  /** Faults injected so far (kills, outages, duplicated or forged deliveries, storm requests…). */
  faults: number;
  /** Worker processes of the scenario (when it asked for spawned workers). */
  workers: ChildProcess[];
  temporal?: OwnTemporal;
  /** Answers the API gave to requests the scenario sent itself, for the secrets scan. */
  responses: string[];
  /** A candidate in Lever, not moved anywhere yet. */
  newCandidate(): Promise<Candidate>;
}

export interface Scenario {
  name: string;
  /** The outcome the invariants hold the scenario to, in words (printed in RELIABILITY.md). */
  expected: string;
  setup?: { system?: SystemOptions; spawnedWorkers?: number; ownTemporal?: boolean };
  /** Called once half the batch has been moved into the trigger stage. */
  inject?(ctx: FaultContext): Promise<void>;
  /** Called after each move (e.g. to re-send its delivery). */
  afterMove?(ctx: FaultContext, c: Candidate): Promise<void>;
  /** Clears the fault before the batch is left to settle. */
  heal?(ctx: FaultContext): Promise<void>;
}

export interface ScenarioResult {
  name: string;
  checks: number;
  faults: number;
  violations: string[];
  lever429s: number;
  /** Certn's callbacks as its sandbox logged them: a callback Certn gave up on is only caught up by polling. */
  certnCallbacks: CallbackTally;
  /**
   * The longest event-loop stall of this process (ms): the API, the sandboxes and the in-process worker share it, so
   * a stall delays Certn's callbacks past its 10 s attempt timeout whatever the API does.
   */
  maxLoopStallMs: number;
  /** The service's error-level log lines (the first few): a 500 to a webhook shows here with its cause. */
  errorLines: string[];
  secretsFound: string[];
  ms: number;
}

export interface CallbackTally {
  /** Callbacks Certn emitted (a scenario's injected duplicates included). */
  sent: number;
  delivered: number;
  /** Certn stopped retrying after its last attempt failed. */
  gaveUp: number;
  /** Dropped or skipped on purpose by the scenario's fault knobs. */
  dropped: number;
  /** Every attempt's answer: `200`, `503`, `timeout`… → how many. */
  answers: Record<string, number>;
  /** The longest the API took over one callback, by its own log (`ms`): tells its waits from the transport's. */
  slowestAnswerMs?: number;
}

/** The API's slowest Certn callback, from its log lines (the `ms` the webhook logs with each outcome). */
export function slowestCallbackMs(logs: string[]): number {
  let max = 0;
  for (const line of logs) {
    if (!line.includes('"certn-webhook"')) continue;
    const ms = (JSON.parse(line) as { ms?: unknown }).ms;
    if (typeof ms === 'number' && ms > max) max = ms;
  }
  return max;
}

export const NO_CALLBACKS: CallbackTally = { sent: 0, delivered: 0, gaveUp: 0, dropped: 0, answers: {} };

interface DeliveryLog {
  state: string;
  attempts: { status: number | null; error?: string }[];
}

/** Tallies the Certn sandbox's delivery log: the answers our API gave, attempt by attempt. */
export function tallyCallbacks(log: DeliveryLog[]): CallbackTally {
  const t: CallbackTally = { sent: log.length, delivered: 0, gaveUp: 0, dropped: 0, answers: {} };
  for (const d of log) {
    if (d.state === 'delivered') t.delivered++;
    else if (d.state === 'failed') t.gaveUp++;
    else if (d.state === 'dropped' || d.state === 'skipped') t.dropped++;
    for (const a of d.attempts) {
      const k = a.status === null ? (a.error ?? 'no answer') : String(a.status);
      t.answers[k] = (t.answers[k] ?? 0) + 1;
    }
  }
  return t;
}

/** `200×180 503×4 timeout×1`: the answers, most frequent first. */
export function formatAnswers(answers: Record<string, number>): string {
  const parts = Object.entries(answers)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}×${n}`);
  return parts.length ? parts.join(' ') : '-';
}

export async function killWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function ownTemporal(): Promise<OwnTemporal & { stop(): Promise<void> }> {
  const cliPath = await ensureTemporalCli();
  const port = await freePort();
  const dbFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'faults-temporal-')), 'temporal.db');
  const own = {
    server: await startDevServer({ cliPath, port, headless: true, dbFile }),
    async restart(downMs: number) {
      await own.server.stop();
      await new Promise((r) => setTimeout(r, downMs));
      own.server = await startDevServer({ cliPath, port, headless: true, dbFile, readyTimeoutMs: 120_000 });
    },
    stop: () => own.server.stop(),
  };
  return own;
}

/** Runs `fn` over `items`, at most `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(n, queue.length) }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) await fn(t);
    }),
  );
}

export async function runScenario(
  scenario: Scenario,
  checks: number,
  opts: { settleMs?: number } = {},
): Promise<ScenarioResult> {
  const started = Date.now();
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const logs: string[] = [];
  setLogSink((l) => logs.push(l));
  setLogLevel('debug'); // every line, so the scan sees the info and debug ones too
  const temporal = scenario.setup?.ownTemporal ? await ownTemporal() : undefined;
  const spawned = scenario.setup?.spawnedWorkers ?? 0;
  const sys = await System.start({
    pollIntervalMs: 2000,
    leverRetryBaseMs: 500,
    ...scenario.setup?.system,
    temporalAddress: temporal?.server.address,
    worker: spawned === 0,
  });
  const violations: string[] = [];
  let ctx: FaultContext | undefined;
  try {
    const team = await sys.setupTeam();
    await sys.addRemovalWebhooks(team); // all three Lever webhook tokens set, so the scan looks for each
    const workers: ChildProcess[] = [];
    for (let i = 0; i < spawned; i++) workers.push(await sys.spawnWorker());
    const newCandidate = async (): Promise<Candidate> => {
      const tag = randomUUID().slice(0, 8);
      const c = { email: `cand-${tag}@example.com`, name: `Candidate Person${tag}`, opp: '' };
      c.opp = (await sys.leverCtl('POST', '/opportunities', { name: c.name, emails: [c.email] })).data.id;
      return c;
    };
    ctx = {
      sys,
      team,
      candidates: [],
      unconfirmed: [],
      noCaseEmails: [],
      faults: 0,
      workers,
      temporal,
      responses: [],
      newCandidate,
    };
    const c = ctx;
    const batch: Candidate[] = [];
    for (let i = 0; i < checks; i++) batch.push(await newCandidate());
    const move = async (cand: Candidate) => {
      await sys.leverCtl('POST', `/opportunities/${cand.opp}/move`, { stageName: TRIGGER_STAGE });
      c.candidates.push(cand);
      await scenario.afterMove?.(c, cand);
    };
    const half = Math.ceil(checks / 2);
    await pool(batch.slice(0, half), 4, move);
    await scenario.inject?.(c);
    await pool(batch.slice(half), 4, move);
    await scenario.heal?.(c);

    // Settle: every check closes (or parks for a stated reason) within the deadline.
    const deadline = Date.now() + (opts.settleMs ?? 240_000);
    await pool(c.candidates, 8, async (cand) => {
      const closed = async () => {
        const d = await sys.handle(team.id, cand.opp).describe();
        return d.status.name !== 'RUNNING';
      };
      await sys
        .waitFor('the check to close', closed, Math.max(deadline - Date.now(), 1))
        .catch(() => violations.push(`${cand.opp}: did not close within the deadline`));
    });
    await sys.lever.webhooksIdle();
    await new Promise((r) => setTimeout(r, 1000)); // late nudges and unconfirmed checks close

    for (const cand of c.candidates) violations.push(...(await completedOnce(sys, team, cand)));
    for (const cand of c.unconfirmed) violations.push(...(await orderedNothing(sys, team, cand)));
    for (const email of c.noCaseEmails) {
      const n = (await sys.casesFor(email)).length;
      if (n > 0) violations.push(`an e-mail set mid-check got ${n} Certn cases`);
    }
    violations.push(
      ...(await acknowledgedReachedTemporal(
        sys,
        team,
        c.candidates.map((x) => x.opp),
      )),
    );
    const requests = (await sys.leverCtl('GET', '/requests')).data as { status: number }[];
    const lever429s = requests.filter((r) => r.status === 429).length;
    const certnCallbacks: CallbackTally = tallyCallbacks(
      ((await sys.certnCtl('GET', '/deliveries')) as { deliveries: DeliveryLog[] }).deliveries,
    );
    certnCallbacks.slowestAnswerMs = slowestCallbackMs(logs);
    const secretsFound = await scanForSecrets(sys, team, {
      candidates: [...c.candidates, ...c.unconfirmed],
      logs,
      responses: c.responses,
    });
    return {
      name: scenario.name,
      checks: c.candidates.length,
      faults: c.faults,
      violations,
      lever429s,
      certnCallbacks,
      maxLoopStallMs: loop.max / 1e6,
      errorLines: logs.filter((l) => l.includes('"level":"error"')).slice(0, 5),
      secretsFound,
      ms: Date.now() - started,
    };
  } finally {
    loop.disable();
    for (const w of ctx?.workers ?? []) await killWorker(w);
    await sys.stop().catch(() => undefined);
    await temporal?.stop().catch(() => undefined);
    setLogSink((line) => process.stdout.write(line + '\n'));
    setLogLevel('warn');
  }
}

export function formatLine(r: ScenarioResult): string {
  return (
    `${r.name.padEnd(34)} checks ${String(r.checks).padStart(3)}  faults ${String(r.faults).padStart(4)}  ` +
    `violations ${String(r.violations.length).padStart(2)}  Lever 429s ${String(r.lever429s).padStart(4)}  ` +
    `Certn callbacks ${r.certnCallbacks.delivered}/${r.certnCallbacks.sent} delivered, ${r.certnCallbacks.gaveUp} given up ` +
    `(answers ${formatAnswers(r.certnCallbacks.answers)}; slowest API answer ${((r.certnCallbacks.slowestAnswerMs ?? 0) / 1000).toFixed(1)} s)  longest stall ${(r.maxLoopStallMs / 1000).toFixed(1)} s  ` +
    `secrets ${r.secretsFound.length}  ${(r.ms / 1000).toFixed(1)} s`
  );
}

export function markdownTable(results: ScenarioResult[], scenarios: Scenario[]): string {
  const rows = results.map((r) => {
    const s = scenarios.find((x) => x.name === r.name);
    const cb = r.certnCallbacks;
    const callbacks = `${cb.delivered} / ${cb.gaveUp} (${formatAnswers(cb.answers)})`;
    return `| ${r.name} | ${s?.expected ?? ''} | ${r.checks} | ${r.faults} | ${r.violations.length} | ${r.lever429s} | ${callbacks} | ${(r.maxLoopStallMs / 1000).toFixed(1)} s | ${r.secretsFound.length} | ${(r.ms / 1000).toFixed(0)} s |`;
  });
  return [
    '| Scenario | Expected outcome | Checks | Faults injected | Violations | Lever 429s | Certn callbacks delivered / given up (every answer) | Longest event-loop stall | Secrets / personal data found | Time |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
