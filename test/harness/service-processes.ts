// Spawns `npm run api` / `npm run worker` entry points as real child processes (node + the tsx loader, so the pid
// signalled is the process itself) and reads their JSON log lines. Shared by the process tests and the
// real-server harness.
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
export const API_MAIN = path.join(ROOT, 'src/processes/api-main.ts');
export const WORKER_MAIN = path.join(ROOT, 'src/processes/worker-main.ts');

export interface ServiceProcess {
  child: ChildProcess;
  /** Every JSON log line so far. */
  lines: Record<string, any>[];
  /** stdout + stderr, for failure messages. */
  output(): string;
  /** The first log line with this `msg`, waiting for it. */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, any>>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

export function spawnService(entry: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, any>[] = [];
  let text = '';
  let waiters: (() => void)[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const line of chunk.toString().split('\n')) {
      try {
        if (line.startsWith('{')) lines.push(JSON.parse(line));
      } catch {
        // a partial line: the readiness lines are short and come whole
      }
    }
    const w = waiters;
    waiters = [];
    w.forEach((f) => f());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? -1);
      waiters.forEach((f) => f());
    }),
  );
  const proc: ServiceProcess = {
    child,
    lines,
    exited,
    output: () => text,
    async waitForLog(msg, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find((l) => l.msg === msg);
        if (hit) return hit;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`process exited (${child.exitCode ?? child.signalCode}) before "${msg}":\n${text}`);
        }
        if (Date.now() > deadline) throw new Error(`no "${msg}" log line in time:\n${text}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 500).unref();
        });
      }
    },
  };
  return proc;
}

/** Waits for the exit, failing after `timeoutMs` (and killing the process so the run does not hang). */
export async function exitWithin(proc: ServiceProcess, timeoutMs: number): Promise<number | string> {
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

export interface ApiReplica extends ServiceProcess {
  url: string;
}

/** `n` API processes on free ports sharing `env` (one deployment's settings); each answers before this returns. */
export async function startApis(n: number, env: Record<string, string>): Promise<ApiReplica[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const proc = spawnService(API_MAIN, { ...env, API_PORT: '0' });
      const ready = await proc.waitForLog('api ready');
      return Object.assign(proc, { url: `http://${ready.listen}` });
    }),
  );
}

/** `m` worker processes sharing `env`, each polling before this returns. */
export async function startWorkers(m: number, env: Record<string, string>): Promise<ServiceProcess[]> {
  return Promise.all(
    Array.from({ length: m }, async () => {
      const proc = spawnService(WORKER_MAIN, env);
      await proc.waitForLog('worker ready');
      return proc;
    }),
  );
}

/** SIGTERM to each still running; resolves with their exit codes. */
export async function stopAll(procs: ServiceProcess[], timeoutMs = 30_000): Promise<(number | string)[]> {
  return Promise.all(
    procs.map((p) => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      return exitWithin(p, timeoutMs);
    }),
  );
}
