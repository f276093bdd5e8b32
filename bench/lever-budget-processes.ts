// `npx tsx bench/lever-budget-processes.ts`: one Lever budget for all workers, measured with real processes (issue 9).
// Two worker-like child processes, each with its own PostgreSQL pool and the production PostgresLeverBudget (default
// pace and headroom), drive 4 callers each against the Lever sandbox's 10 requests/s bucket (burst 20) on one API
// key for BENCH_BUDGET_MS (20 s). Prints requests/s over the steady part (after the opening burst) ÷ 10, and the
// 429s the sandbox answered. Run on purpose; not a test.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Pool } from 'pg';
import { startLeverSandbox } from '@lever-certn/sandbox/lever';
import { leverBudgetKey } from '../src/lever/budget';
import { PostgresLeverBudget } from '../src/lever/budget-db';
import { PostgresSettingsStore } from '../src/settings/postgres-store';
import { startPostgres } from '../test/harness/postgres';

const API_KEY = 'sandbox-lever-key';
const RUN_MS = Number(process.env.BENCH_BUDGET_MS ?? 20_000);
const WARMUP_MS = 3_000; // the opening burst is spent by then
const CALLERS = 4;

interface ChildResult {
  sentAt: number[]; // ms since the shared start
  limited: number;
}

/** One worker-like process: its own pool and budget, CALLERS callers acquiring then calling Lever. */
async function child(dbUrl: string, leverUrl: string, t0: number): Promise<void> {
  const pool = new Pool({ connectionString: dbUrl, max: CALLERS });
  const budget = new PostgresLeverBudget(pool);
  const key = leverBudgetKey(`${leverUrl}/v1`, API_KEY);
  const auth = 'Basic ' + Buffer.from(`${API_KEY}:`).toString('base64');
  const out: ChildResult = { sentAt: [], limited: 0 };
  const caller = async () => {
    while (Date.now() - t0 < RUN_MS) {
      await budget.acquire(key);
      if (Date.now() - t0 >= RUN_MS) break;
      out.sentAt.push(Date.now() - t0);
      const res = await fetch(`${leverUrl}/v1/stages`, { headers: { authorization: auth } });
      await res.arrayBuffer();
      if (res.status === 429) {
        out.limited++;
        budget.penalize(key, Number(res.headers.get('retry-after') ?? '1') * 1000);
      }
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
  await pool.end();
  process.stdout.write(JSON.stringify(out) + '\n');
}

function runChild(dbUrl: string, leverUrl: string, t0: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', __filename, 'child', dbUrl, leverUrl, String(t0)], {
      cwd: path.resolve(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    p.stdout.on('data', (c: Buffer) => (text += c.toString()));
    p.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(text.trim().split('\n').pop()!) as ChildResult)
        : reject(new Error(`exit ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const cluster = await startPostgres();
  const sandbox = await startLeverSandbox();
  try {
    await cluster.sql('CREATE DATABASE budget');
    const dbUrl = cluster.url('budget');
    await (await PostgresSettingsStore.open({ connectionString: dbUrl, masterKey: Buffer.alloc(32) })).close();
    const t0 = Date.now() + 2_000; // both children start their clocks together, after they have loaded
    const results = await Promise.all([1, 2].map(() => runChild(dbUrl, sandbox.url, t0)));
    const sent = results.flatMap((r) => r.sentAt);
    const steady = sent.filter((t) => t >= WARMUP_MS && t < RUN_MS).length / ((RUN_MS - WARMUP_MS) / 1000);
    const limited = results.reduce((n, r) => n + r.limited, 0);
    process.stdout.write(
      `2 worker processes × ${CALLERS} callers, one key, ${RUN_MS / 1000} s: ${sent.length} requests, ` +
        `steady ${steady.toFixed(2)}/s = ${(steady / 10).toFixed(2)} × Lever's 10/s, 429s: ${limited}\n`,
    );
  } finally {
    await sandbox.stop();
    await cluster.stop();
  }
}

if (process.argv[2] === 'child') {
  child(process.argv[3]!, process.argv[4]!, Number(process.argv[5])).catch((err) => {
    process.stderr.write(String(err) + '\n');
    process.exit(1);
  });
} else {
  main().catch((err) => {
    process.stderr.write(String(err instanceof Error ? err.stack : err) + '\n');
    process.exit(1);
  });
}
