// The Temporal SDK's own worker metrics: `npm run worker` with TEMPORAL_METRICS_BIND, polling the run's dev server,
// serves Prometheus text at that address (and the service's own families at WORKER_METRICS_BIND); without the
// variable nothing listens there; a bad value stops start-up.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { WORKER_MAIN, exitWithin, spawnService } from '../harness/service-processes';

let dataDir: string;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certn-sdk-metrics-'));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function env(extra: Record<string, string>): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    WORKFLOW_BUNDLE_PATH: process.env.WORKFLOW_BUNDLE_PATH!,
    TEMPORAL_TASK_QUEUE: `sdk-metrics-${randomUUID()}`,
    DATA_DIR: dataDir,
    MASTER_KEY: 'ab'.repeat(32),
    PUBLIC_BASE_URL: 'http://127.0.0.1:9',
    LEVER_API_BASE_URL: 'http://127.0.0.1:9/v1',
    CERTN_API_BASE_URL: 'http://127.0.0.1:9',
    ...extra,
  };
}

async function scrape(url: string, want: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await fetch(url).then(
      (r) => r.text(),
      (e: Error) => `unreachable: ${e.message}`,
    );
    if (want.test(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no ${want} at ${url} in time; last answer:\n${last.slice(0, 2000)}`);
}

test("a worker with TEMPORAL_METRICS_BIND serves the SDK worker metrics, WORKER_METRICS_BIND the service's own", async () => {
  const port = await freePort();
  const worker = spawnService(
    WORKER_MAIN,
    env({ TEMPORAL_METRICS_BIND: `127.0.0.1:${port}`, WORKER_METRICS_BIND: '127.0.0.1:0' }),
  );
  try {
    const ready = await worker.waitForLog('worker ready');
    // The service's own families (Lever/Certn calls, budget waits, statuses) on a port of their own.
    const own = await fetch(`http://${ready.metrics}/metrics`).then((r) => r.text());
    expect(own).toMatch(/^# TYPE external_call_duration_seconds histogram$/m);
    expect(own).toMatch(/^# TYPE lever_budget_wait_seconds histogram$/m);
    expect(own).not.toMatch(/^temporal_/m);
    // Pollers report as soon as the worker polls its task queues; the SDK prefixes its metrics with temporal_.
    const text = await scrape(`http://127.0.0.1:${port}/metrics`, /^temporal_num_pollers\{/m);
    expect(text).toMatch(/^# TYPE temporal_\w+ \w+$/m);
    expect(text).toMatch(/task_queue="sdk-metrics-/);
  } finally {
    worker.child.kill('SIGTERM');
    await exitWithin(worker, 30_000);
  }
});

test('without it nothing listens; a malformed value is refused at start-up with the variable named', async () => {
  const port = await freePort();
  const worker = spawnService(WORKER_MAIN, env({}));
  try {
    await worker.waitForLog('worker ready');
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  } finally {
    worker.child.kill('SIGTERM');
    await exitWithin(worker, 30_000);
  }
  const bad = spawnService(WORKER_MAIN, env({ TEMPORAL_METRICS_BIND: 'http://0.0.0.0:9464/metrics' }));
  expect(await exitWithin(bad, 30_000)).not.toBe(0);
  expect(bad.output()).toMatch(/TEMPORAL_METRICS_BIND: must be host:port/);
});
