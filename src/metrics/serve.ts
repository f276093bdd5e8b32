// Serves the process registry at http://bind/metrics for a process without the API (`npm run worker`), where the
// Lever and Certn calls, budget waits and status transitions happen. The server is unref'd: it never keeps a
// draining worker alive.
import http from 'node:http';
import { Registry } from 'prom-client';
import { processRegistry } from './process';

/** Listens on "host:port" (port 0 picks a free one); resolves with the address it listens on. */
export async function serveProcessMetrics(bind: string, registry: Registry = processRegistry): Promise<string> {
  const at = bind.lastIndexOf(':');
  const host = bind.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(bind.slice(at + 1));
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': Registry.PROMETHEUS_CONTENT_TYPE }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  server.unref();
  const addr = server.address() as { address: string; port: number };
  return `${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
}
