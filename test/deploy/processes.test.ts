// `npm run api` and `npm run worker` as real processes on the run's dev server: each starts alone, refuses to
// start without what it needs, and shuts down cleanly on SIGTERM — the API only after an in-flight request has
// been answered, the worker after draining.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CertnSandbox, startCertnSandbox } from '@lever-certn/sandbox/certn';
import { LeverSandbox, startLeverSandbox } from '@lever-certn/sandbox/lever';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { freePort, startDevServer } from '../../src/temporal/dev-server';
import { API_MAIN, WORKER_MAIN, exitWithin, spawnService } from '../harness/service-processes';

let lever: LeverSandbox;
let certn: CertnSandbox;
let dataDir: string;
const ADMIN_TOKEN = `admin-${randomUUID()}`;

beforeAll(async () => {
  lever = await startLeverSandbox();
  certn = await startCertnSandbox();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certn-proc-'));
});
afterAll(async () => {
  await lever.stop();
  await certn.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    WORKFLOW_BUNDLE_PATH: process.env.WORKFLOW_BUNDLE_PATH!,
    TEMPORAL_TASK_QUEUE: `proc-${randomUUID()}`,
    DATA_DIR: dataDir,
    MASTER_KEY: 'ab'.repeat(32),
    ADMIN_TOKEN,
    API_PORT: '0',
    PUBLIC_BASE_URL: 'http://127.0.0.1:9',
    LEVER_API_BASE_URL: `${lever.url}/v1`,
    CERTN_API_BASE_URL: certn.url,
    ...extra,
  };
}

test('the worker alone: loads the prebuilt bundle, drains and exits 0 on SIGTERM', async () => {
  const worker = spawnService(WORKER_MAIN, env());
  const ready = await worker.waitForLog('worker ready');
  expect(ready.workflowBundle).toBe(process.env.WORKFLOW_BUNDLE_PATH);
  worker.child.kill('SIGTERM');
  expect(await exitWithin(worker, 30_000)).toBe(0);
  expect(worker.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping', 'worker stopped']));
});

test('the API alone: SIGTERM lets an in-flight request finish, refuses new ones, exits 0', async () => {
  const api = spawnService(API_MAIN, env());
  const ready = await api.waitForLog('api ready');
  const url = `http://${ready.listen}`;
  const admin = (method: string, p: string, body?: unknown) =>
    fetch(`${url}/api/admin${p}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
  const team = await admin('POST', '/teams', {
    name: 'Acme',
    lever: { apiKey: 'sandbox-lever-key', triggerStageName: 'Background Check' },
    certn: { apiKey: 'sandbox-certn-key' },
  });
  expect(team.status).toBe(201);
  const { id } = (await team.json()) as { id: string };

  // Enabling validates the key against Lever; a slow Lever keeps the request in flight across the SIGTERM.
  const faults = await fetch(`${lever.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ latencyMs: 2500 }),
  });
  expect(faults.status).toBe(200);
  const started = Date.now();
  const inFlight = admin('POST', `/teams/${id}/enable`);
  await new Promise((r) => setTimeout(r, 700));
  api.child.kill('SIGTERM');
  await api.waitForLog('stopping');
  // New connections are refused while the in-flight one is still being served.
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();

  const res = await inFlight;
  expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
  expect([200, 422]).toContain(res.status);
  expect(await res.json()).toBeDefined();
  expect(await exitWithin(api, 30_000)).toBe(0);
  expect(api.lines.some((l) => l.msg === 'api stopped')).toBe(true);
  await fetch(`${lever.url}/_sandbox/faults`, { method: 'DELETE' });
});

test('the API starts while Temporal is down (/readyz 503, /healthz 200) and connects once Temporal is up', async () => {
  // The API's Temporal connection is lazy: it must not need Temporal to start, and must connect once it is there.
  const port = await freePort();
  const api = spawnService(API_MAIN, env({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` }));
  const url = `http://${(await api.waitForLog('api ready')).listen}`;
  const ready = async () => {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, temporal: ((await res.json()) as { checks: { temporal: string } }).checks.temporal };
  };
  try {
    expect(await ready()).toEqual({ status: 503, temporal: 'unavailable' });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const server = await startDevServer({ cliPath: await ensureTemporalCli(), headless: true, port });
    try {
      // The same process and connection object: after failed attempts, the next call reaches the server.
      const deadline = Date.now() + 30_000;
      let last = await ready();
      while (last.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        last = await ready();
      }
      expect(last).toEqual({ status: 200, temporal: 'ok' });
    } finally {
      api.child.kill('SIGTERM');
      expect(await exitWithin(api, 30_000)).toBe(0);
      await server.stop();
    }
  } finally {
    if (api.child.exitCode === null && api.child.signalCode === null) api.child.kill('SIGKILL');
  }
});

test.each([
  ['api', API_MAIN],
  ['worker', WORKER_MAIN],
])('npm run %s without its settings: exit 1 naming what is missing', async (_role, entry) => {
  const { MASTER_KEY: _k, LEVER_API_BASE_URL: _l, ...partial } = env();
  const proc = spawnService(entry, partial);
  expect(await exitWithin(proc, 60_000)).toBe(1);
  expect(proc.output()).toContain('needs: LEVER_API_BASE_URL, MASTER_KEY');
});

test('worker tuning from the environment reaches the worker; a bad value stops it at start, named', async () => {
  const tuned = spawnService(
    WORKER_MAIN,
    env({
      WORKER_MAX_CACHED_WORKFLOWS: '64',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '7',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '9',
    }),
  );
  const ready = await tuned.waitForLog('worker ready');
  expect(ready.tuning).toEqual({
    maxCachedWorkflows: 64,
    maxConcurrentActivityTaskExecutions: 7,
    maxConcurrentWorkflowTaskExecutions: 9,
  });
  tuned.child.kill('SIGTERM');
  expect(await exitWithin(tuned, 30_000)).toBe(0);

  const bad = spawnService(WORKER_MAIN, env({ WORKER_MAX_CACHED_WORKFLOWS: 'lots' }));
  expect(await exitWithin(bad, 60_000)).toBe(1);
  expect(bad.output()).toContain('WORKER_MAX_CACHED_WORKFLOWS: Expected number, received nan');
});

test('a bad Temporal TLS setting stops the worker at start with the variable named', async () => {
  const proc = spawnService(WORKER_MAIN, env({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/nope.pem' }));
  expect(await exitWithin(proc, 60_000)).toBe(1);
  expect(proc.output()).toContain('TEMPORAL_TLS_CLIENT_CERT_PATH=/nope.pem cannot be read');
});

test('npm start still runs everything embedded (free ports) and stops cleanly on SIGTERM', async () => {
  const startDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certn-start-'));
  const all = spawnService(path.resolve(__dirname, '../../src/main.ts'), {
    TEMPORAL_CLI: process.env.TEMPORAL_CLI ?? '',
    DATA_DIR: startDir,
    API_PORT: '0',
    TEMPORAL_PORT: '0',
    TEMPORAL_UI_PORT: '0',
    LEVER_SANDBOX_PORT: '0',
    CERTN_SANDBOX_PORT: '0',
  });
  const deadline = Date.now() + 120_000;
  while (!all.output().includes('Press Ctrl-C to stop.')) {
    if (all.child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start failed:\n${all.output()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  all.child.kill('SIGTERM');
  expect(await exitWithin(all, 60_000)).toBe(0);
  fs.rmSync(startDir, { recursive: true, force: true });
});
