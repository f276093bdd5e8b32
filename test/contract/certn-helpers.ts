// Helpers for the Certn contract tests: a webhook receiver, polling, raw API calls and PDF text extraction.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

export const SEED_KEY = 'sandbox-certn-key';

/** Untyped JSON from the wire: the tests assert its shape. */

export type Json = any;

/** Polls until `fn` returns a truthy value (bounded by attempts, never by asserting elapsed time). */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  what: string,
  attempts = 400,
  intervalMs = 25,
): Promise<NonNullable<T>> {
  let last: T | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what} (last value: ${JSON.stringify(last)})`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface ReceivedHook {
  rawBody: string;
  signature: string | undefined;
  json: { id: string; event_type: string; object_id: string; object_type: string };
}

export interface Receiver {
  url: string;
  hooks: ReceivedHook[];
  challenges: string[];
  /** How the receiver answers the challenge: echo (correct), wrong body, or an HTTP status. */
  challengeMode: 'echo' | 'wrong' | 'status500';
  /** Wait this long before answering a challenge (to test ordering and the verification timeout). */
  challengeDelayMs: number;
  /** What happened, in order: a challenge GET arrived, its answer was sent, a POST arrived. */
  arrivals: Array<'challenge' | 'challenge-answered' | 'hook'>;
  /** Status codes to answer the next POSTs with, consumed in order; then 200. */
  failNext: number[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const r: Omit<Receiver, 'url' | 'close'> = {
    hooks: [],
    challenges: [],
    challengeMode: 'echo',
    challengeDelayMs: 0,
    arrivals: [],
    failNext: [],
  };
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET') {
      const challenge = url.searchParams.get('challenge') ?? '';
      r.challenges.push(challenge);
      r.arrivals.push('challenge');
      const answer = () => {
        if (res.destroyed) return;
        r.arrivals.push('challenge-answered');
        if (r.challengeMode === 'status500') {
          res.writeHead(500).end('nope');
        } else {
          res
            .writeHead(200, { 'content-type': 'text/plain' })
            .end(r.challengeMode === 'echo' ? challenge : 'something-else');
        }
      };
      if (r.challengeDelayMs <= 0) answer();
      else {
        const t = setTimeout(() => {
          timers.delete(t);
          answer();
        }, r.challengeDelayMs);
        timers.add(t);
      }
      return;
    }
    r.arrivals.push('hook');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = r.failNext.shift();
      if (status !== undefined) {
        res.writeHead(status).end();
        return;
      }
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const sig = req.headers['x-signature'];
      r.hooks.push({ rawBody, signature: Array.isArray(sig) ? sig[0] : sig, json: JSON.parse(rawBody) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver = r as Receiver;
  receiver.url = `http://127.0.0.1:${port}/certn/webhook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

export async function api(
  baseUrl: string,
  method: string,
  path: string,
  opts: { key?: string | null; body?: unknown; rawBody?: string } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? SEED_KEY : opts.key;
  if (key !== null) headers.Authorization = `Api-Key ${key}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(baseUrl + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export async function control(baseUrl: string, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${baseUrl}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok)
    throw Object.assign(new Error(`control ${method} ${path} → ${res.status}: ${JSON.stringify(json)}`), {
      status: res.status,
      json,
    });
  return json;
}

/**
 * Text drawn on the PDF's pages: inflates every Flate stream and decodes the strings shown with Tj
 * (pdf-lib writes standard-font text as hex strings). Independent of the sandbox's code.
 */
export function extractPdfText(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes);
  const latin = buf.toString('latin1');
  const out: string[] = [];
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(latin))) {
    const start = m.index + m[0].length;
    const end = latin.indexOf('endstream', start);
    if (end < 0) break;
    const chunk = buf.subarray(start, end);
    let content: string;
    try {
      content = zlib.inflateSync(chunk).toString('latin1');
    } catch {
      content = chunk.toString('latin1');
    }
    for (const t of content.matchAll(/<([0-9A-Fa-f\s]*)>\s*Tj/g)) {
      out.push(Buffer.from(t[1]!.replace(/\s+/g, ''), 'hex').toString('latin1'));
    }
    for (const t of content.matchAll(/\(((?:\\.|[^\\)])*)\)\s*Tj/g)) out.push(t[1]!);
    re.lastIndex = end;
  }
  return out.join('\n');
}
