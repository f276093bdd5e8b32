// Routes the Lever sandbox's webhooks to the team they belong to, for benchmarks with many teams in one Lever
// sandbox. In real life each team has its own Lever account and webhook; the sandbox models one account (every
// webhook gets every stage change). The relay stands in for "one Lever account per team": it forwards each delivery,
// byte for byte with its signature, to the hook URL of the team that owns the opportunity. All teams share one Lever
// signature token, so the signatures stay valid. (The Certn sandbox has accounts of its own: each team's callbacks
// go straight to its hook, bench/teams.ts.)
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keepAliveHttp } from './stats';

export interface Relay {
  url: string;
  /** Candidate → its team's Lever hook URL (set before the candidate is moved). */
  route(opportunityId: string, leverHookUrl: string): void;
  /** Deliveries that found no team (should stay 0). */
  unrouted(): number;
  /** How long each forward waited for the API's answer, in ms. */
  forwardMs: number[];
  stop(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

export async function startRelay(): Promise<Relay> {
  // node:http over kept-alive sockets, not fetch: the relay shares this process with both stand-ins and the load
  // generator, and fetch's per-request cost was a large part of this process's CPU at 1,000 checks.
  const post = keepAliveHttp();
  const leverByOpp = new Map<string, string>();
  let unrouted = 0;
  const forwardMs: number[] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const json = JSON.parse(body.toString('utf8') || '{}');
      const target = leverByOpp.get(String(json.data?.opportunityId ?? ''));
      if (!target) {
        // Lever's "verify connection" ping carries no opportunity: answer it here.
        if (json.event === 'candidateHired') {
          res.writeHead(200).end('{}');
          return;
        }
        unrouted++;
        res.writeHead(404).end('{}');
        return;
      }
      // Lever signs inside the body (token, triggeredAt, signature): forwarding the bytes keeps it valid.
      const sent = performance.now();
      const out = await post(target, 'POST', body);
      forwardMs.push(performance.now() - sent);
      res.writeHead(out.status, { 'content-type': 'application/json' }).end(out.body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502).end('{}');
    });
  });
  // A burst of deliveries opens many connections at once: room for them all in the accept queue.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    route(opportunityId, leverHookUrl) {
      leverByOpp.set(opportunityId, leverHookUrl);
    },
    unrouted: () => unrouted,
    forwardMs,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        post.close();
      }),
  };
}
