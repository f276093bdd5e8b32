// Shared helpers for the Lever sandbox contract tests (not a test file itself).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LeverSandbox } from '@lever-certn/sandbox/lever';

export const SEED_KEY = 'sandbox-lever-key';
export const basic = (key: string) => 'Basic ' + Buffer.from(`${key}:`).toString('base64');

export async function ctl<T = any>(
  sb: LeverSandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sb.url}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function api(
  sb: LeverSandbox,
  method: string,
  path: string,
  opts: { key?: string | null; json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.key !== null) headers.authorization = basic(opts.key ?? SEED_KEY);
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(`${sb.url}/v1${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* raw */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export async function createOpp(sb: LeverSandbox, input: Record<string, unknown> = {}): Promise<any> {
  const r = await ctl(sb, 'POST', '/opportunities', { name: 'Ada Lovelace', emails: ['ada@example.com'], ...input });
  if (r.status !== 201) throw new Error(`createOpp: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data;
}

export interface Received {
  raw: string;
  body: any;
  headers: http.IncomingHttpHeaders;
}

/** A webhook receiver answering with the scripted statuses in order (then 200); 'hang' never answers. */
export async function startReceiver() {
  const received: Received[] = [];
  const script: Array<number | 'hang'> = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ raw, body: JSON.parse(raw), headers: req.headers });
      const next = script.shift() ?? 200;
      if (next === 'hang') {
        hanging.push(res);
        return;
      }
      res.statusCode = next;
      if (next >= 300 && next < 400) res.setHeader('Location', 'http://127.0.0.1:1/elsewhere');
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/lever/webhook`;
  return {
    url,
    received,
    script,
    stop: () =>
      new Promise<void>((r) => {
        for (const h of hanging) h.destroy();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
