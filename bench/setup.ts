// Shared set-up of the benchmarks: knobs (short and full sizes), the dev server and workflow bundle of the run,
// the quiet log sink, and small helpers every figure uses.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { setSandboxLogSink } from '@lever-certn/sandbox';
import { bundleWorkflowCode } from '@temporalio/worker';
import { setLogSink } from '../src/logger';
import { ensureTemporalCli } from '../src/temporal/cli';
import { DevServer, startDevServer } from '../src/temporal/dev-server';

/** `npm run bench:full` sets BENCH_FULL=1: the sizes of the recorded figures. */
export const FULL = process.env.BENCH_FULL === '1';

const KNOB_NAMES: string[] = [];
function int(name: string, short: number, full: number, min = 1): number {
  KNOB_NAMES.push(name);
  const raw = process.env[name];
  const v = raw === undefined ? (FULL ? full : short) : Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min} (got ${raw})`);
  return v;
}

/** Every knob, read once (short size, full size). */
export const KNOBS = {
  /** (1) checks moved at once for the Lever-call count. */
  callsAtOnce: int('BENCH_CALLS_AT_ONCE', 20, 20),
  /** (1) Certn step delay for the one check that must see every status (ms). */
  slowStepMs: int('BENCH_SLOW_STEP_MS', 1000, 1500),
  /** Certn step delay elsewhere (ms). */
  stepMs: int('BENCH_CERTN_STEP_MS', 50, 50, 0),
  /** (2) candidates of one busy team. */
  busyTeam: int('BENCH_BUSY_TEAM', 25, 200),
  /** (3) webhook deliveries per load, concurrency, alternating rounds. */
  ingest: int('BENCH_INGEST', 600, 3000),
  concurrency: int('BENCH_CONCURRENCY', 16, 16),
  rounds: int('BENCH_ROUNDS', 6, 10),
  /** (5) worker start-ups per variant. */
  starts: int('BENCH_STARTS', 2, 5),
  /** (6) open checks, teams, worker cache size, idle window (s), callback sample. */
  openChecks: int('BENCH_OPEN_CHECKS', 300, 10_000),
  openTeams: int('BENCH_OPEN_TEAMS', 10, 100),
  maxCached: int('BENCH_MAX_CACHED', 50, 500),
  idleSeconds: int('BENCH_IDLE_SECONDS', 10, 30),
  callbackSample: int('BENCH_CALLBACK_SAMPLE', 20, 100),
  /** (7) teams × candidates. */
  manyTeams: int('BENCH_TEAMS', 10, 100),
  perTeam: int('BENCH_PER_TEAM', 5, 10),
};

/** The knobs set in the environment, as a prefix of the command that reproduces the run. */
export const knobsFromEnv = (): string =>
  KNOB_NAMES.filter((k) => process.env[k] !== undefined)
    .map((k) => `${k}=${process.env[k]} `)
    .join('');

export const say = (s = ''): void => void process.stdout.write(s + '\n');
const t0 = Date.now();
/** A progress line with the seconds since the run began, so slow figures show. */
export const progress = (s: string): void => say(`[${Math.round((Date.now() - t0) / 1000)} s] ${s}`);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The service logs JSON lines at info level: keep their cost (they are still built), drop the noise. */
export const serviceLog = { lines: 0, errors: [] as string[], sandboxLines: 0 };
export function quietServiceLog(): void {
  setLogSink((line) => {
    serviceLog.lines++;
    if (line.includes('"level":"error"') && serviceLog.errors.length < 20) serviceLog.errors.push(line);
  });
  // The sandboxes stand in for Lever and Certn: their lines are not the service's, and would bury the figures.
  setSandboxLogSink(() => void serviceLog.sandboxLines++);
}

export interface Run {
  server: DevServer;
  cliVersion: string;
  bundlePath: string;
  /** How long bundleWorkflowCode took at the start of the run (figure 5 reports it). */
  bundleMs: number;
  stop(): Promise<void>;
}

export const WORKFLOWS_PATH = path.resolve(__dirname, '../src/workflows/index.ts');
const noop = () => undefined;
export const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

/** One dev server (in memory, headless, free port) and one workflow bundle for the whole run, as the tests do. */
export async function startRun(): Promise<Run> {
  const cliPath = await ensureTemporalCli();
  const cliVersion = (await promisify(execFile)(cliPath, ['--version'])).stdout.trim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'certn-bench-'));
  const server = await startDevServer({ cliPath, headless: true, readyTimeoutMs: 120_000 });
  process.env.TEMPORAL_ADDRESS = server.address;
  const t = performance.now();
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  const bundleMs = performance.now() - t;
  const bundlePath = path.join(tmp, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);
  process.env.WORKFLOW_BUNDLE_PATH = bundlePath;
  return {
    server,
    cliVersion,
    bundlePath,
    bundleMs,
    async stop() {
      await server.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
