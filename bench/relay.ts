// Routes the sandboxes' webhooks to the team they belong to, for benchmarks with many teams in one pair of
// sandboxes. In real life each team has its own Lever and Certn accounts, each with its own webhook; the sandboxes
// model one account each (every Lever webhook gets every stage change, Certn has one account webhook). The relay
// stands in for "one account per team": it forwards each delivery, byte for byte with its signature, to the hook
// URL of the team that owns the opportunity (Lever) or the case (Certn). All teams share one Lever signature token
// and one Certn webhook secret, so the signatures stay valid.
import { Agent, createServer, IncomingMessage, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { System } from '../test/harness/system';

export interface Relay {
  url: string;
  /** Candidate → its team's hook URLs (set before the candidate is moved). */
  route(opportunityId: string, email: string, hooks: { lever: string; certn: string }): void;
  /** Deliveries that found no team (should stay 0). */
  unrouted(): number;
  stop(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

/**
 * POSTs over kept-alive connections with node:http, not fetch: the relay shares this process with both stand-ins and
 * the load generator, and fetch's per-request cost (streams, abort signals, a new connection whenever all are busy)
 * was a large part of this process's CPU at 1,000 checks, slowing the stand-ins' own answers.
 */
function forward(
  agent: Agent,
  target: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const out = request(
      target,
      { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, body: b }), reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

export async function startRelay(sys: System): Promise<Relay> {
  const agent = new Agent({ keepAlive: true });
  const leverByOpp = new Map<string, string>();
  const certnByEmail = new Map<string, string>();
  const caseOfCheck = new Map<string, string>();
  let unrouted = 0;

  // The Certn sandbox's own state (in this process) says which case a check belongs to and whose e-mail a case has.
  const certnTarget = (objectType: string, objectId: string): string | undefined => {
    const cases = sys.certn.state.cases;
    let caseId = objectType === 'CHECK' ? caseOfCheck.get(objectId) : objectId;
    if (objectType === 'CHECK' && !caseId) {
      for (const c of cases.values()) for (const ch of c.checks) caseOfCheck.set(ch.id, c.id);
      caseId = caseOfCheck.get(objectId);
    }
    const email = caseId ? cases.get(caseId)?.email_address : undefined;
    return email ? certnByEmail.get(email) : undefined;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://relay');
      if (req.method === 'GET' && url.pathname === '/certn') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(url.searchParams.get('challenge') ?? '');
        return;
      }
      const body = await readBody(req);
      const json = JSON.parse(body.toString('utf8') || '{}');
      const target =
        url.pathname === '/lever'
          ? leverByOpp.get(String(json.data?.opportunityId ?? ''))
          : certnTarget(String(json.object_type), String(json.object_id));
      if (!target) {
        // Lever's "verify connection" ping carries no opportunity: answer it here.
        if (url.pathname === '/lever' && json.event === 'candidateHired') {
          res.writeHead(200).end('{}');
          return;
        }
        unrouted++;
        res.writeHead(404).end('{}');
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const sig = req.headers['x-signature'];
      if (typeof sig === 'string') headers['x-signature'] = sig;
      const out = await forward(agent, target, headers, body);
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
    route(opportunityId, email, hooks) {
      leverByOpp.set(opportunityId, hooks.lever);
      certnByEmail.set(email, hooks.certn);
    },
    unrouted: () => unrouted,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
