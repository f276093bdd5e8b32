// A tiny round-robin load balancer for the cluster tests: forwards each HTTP request, unchanged (method, path,
// headers, body), to the next target in turn and counts how many each target received, so a test can show that
// Lever's and Certn's deliveries really were spread over the API replicas.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobin {
  url: string;
  /** Base URLs to forward to; set once the replicas listen (the balancer's URL is their PUBLIC_BASE_URL). */
  targets: string[];
  /** Requests forwarded, keyed `<target index> <path's second segment>` (e.g. `0 lever`, `1 certn`). */
  hits: Map<string, number>;
  stop(): Promise<void>;
}

export async function startRoundRobin(): Promise<RoundRobin> {
  let next = 0;
  const hits = new Map<string, number>();
  const rr: RoundRobin = { url: '', targets: [], hits, stop: async () => undefined };
  const server = http.createServer((req, res) => {
    if (rr.targets.length === 0) {
      res.writeHead(503).end();
      return;
    }
    const index = next++ % rr.targets.length;
    const target = rr.targets[index]!;
    const key = `${index} ${(req.url ?? '').split('/')[2] ?? ''}`;
    hits.set(key, (hits.get(key) ?? 0) + 1);
    const upstream = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rr.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rr.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return rr;
}
