// Small helpers for the benchmarks: percentiles, a bounded concurrent request loop, markdown tables, steady-state
// rates, process samples and the load generator's HTTP.
import fs from 'node:fs';
import http from 'node:http';

/** Nearest-rank percentile of an unsorted list (p in 0..100). NaN for an empty list. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export interface LoadResult {
  /** Requests completed (each index 0..n-1 exactly once). */
  count: number;
  wallMs: number;
  perSecond: number;
  latenciesMs: number[];
  statuses: Record<string, number>;
}

/**
 * Runs `n` requests, at most `concurrency` at a time; `send(i)` performs request i and resolves to its answer
 * (status, or status and outcome), counted in `statuses`.
 * Latency is measured around each `send` (request + full response body).
 */
export async function runLoad(
  n: number,
  concurrency: number,
  send: (i: number) => Promise<number | string>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const t = performance.now();
      let status: string;
      try {
        status = String(await send(i));
      } catch (err) {
        status = `error:${(err as Error).name}`;
      }
      latenciesMs.push(performance.now() - t);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  const wallMs = performance.now() - started;
  return { count: n, wallMs, perSecond: (n / wallMs) * 1000, latenciesMs, statuses };
}

/** Runs `items` through `fn`, at most `concurrency` at a time. */
export async function mapLimit<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return out;
}

export const fmt = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Requests per second over the steady part of a run: the middle of the span between the first and the last request,
 * leaving out `trim` of the span at each end (the opening burst and the tail when few checks are left).
 */
export function steadyRate(timestampsMs: number[], trim = 0.1): { perSecond: number; windowMs: number } {
  if (timestampsMs.length < 2) return { perSecond: NaN, windowMs: 0 };
  const sorted = [...timestampsMs].sort((a, b) => a - b);
  const first = sorted[0]!;
  const span = sorted[sorted.length - 1]! - first;
  const from = first + span * trim;
  const to = first + span * (1 - trim);
  const windowMs = to - from;
  if (windowMs <= 0) return { perSecond: NaN, windowMs: 0 };
  const inside = sorted.filter((t) => t >= from && t < to).length;
  return { perSecond: (inside / windowMs) * 1000, windowMs };
}

/** Resident memory (bytes) and CPU time used so far (ms) of a process, from /proc (Linux). */
export function procSample(pid: number): { rssBytes: number; cpuMs: number } {
  // Fields after the command name (which may hold spaces) start at index 2 of `stat`; utime/stime are 14th/15th.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const hz = 100; // USER_HZ is 100 on Linux
  return { rssBytes: rssKb * 1024, cpuMs: (ticks / hz) * 1000 };
}

export const mib = (bytes: number): string => fmt(bytes / 2 ** 20, 0);

/**
 * The benchmarks' HTTP client (the load generator, the relay): node:http over kept-alive sockets, the answer read
 * whole. It costs this process a quarter to a third of fetch's CPU per request (a POST at concurrency 16,
 * bench/client-cpu.ts), and this process shares the cores with what it measures; a sender such as Lever runs
 * elsewhere. A body is sent as JSON, byte for byte.
 */
export function keepAliveHttp(maxSockets = Infinity) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const send = (url: string, method = 'GET', body?: string | Buffer): Promise<{ status: number; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers =
        body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      const req = http.request(url, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  /** Closes the kept-alive sockets. */
  return Object.assign(send, { close: () => agent.destroy() });
}
