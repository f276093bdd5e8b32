// /readyz tells a load balancer whether this API replica can do its job: 200 while Temporal and the settings
// database answer, 503 naming the one that does not — here a real dev server that is stopped mid-test.
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApiApp } from '../../src/api/app';
import { TemporalCheckGateway, checkTimings } from '../../src/api/check-gateway';
import { loadConfig } from '../../src/config';
import { temporalProbe } from '../../src/processes/service-parts';
import { openSqliteSettingsStore } from '../../src/settings/sqlite-store';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { DevServer, startDevServer } from '../../src/temporal/dev-server';

let devServer: DevServer;
let connection: Connection;
let http: Server;
let url: string;
let dataDir: string;
const store = () => openSqliteSettingsStore(dataDir, Buffer.alloc(32, 3));
let settings: ReturnType<typeof store>;

beforeAll(async () => {
  devServer = await startDevServer({ cliPath: await ensureTemporalCli(), headless: true });
  connection = await Connection.connect({ address: devServer.address });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'readyz-'));
  settings = store();
  const app = createApiApp({
    store: settings,
    gateway: new TemporalCheckGateway(new Client({ connection }), 'readyz', checkTimings(loadConfig({}))),
    config: loadConfig({ DATA_DIR: dataDir, API_PORT: '0' }),
    adminToken: 'admin-token-readyz-test',
    leverBaseUrl: 'http://127.0.0.1:9/v1',
    certnBaseUrl: 'http://127.0.0.1:9',
    temporalReady: temporalProbe(connection, 1_000),
  });
  http = app.listen(0, '127.0.0.1');
  await new Promise((r) => http.once('listening', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
  await connection.close();
  await devServer.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const get = async (p: string) => {
  const res = await fetch(`${url}${p}`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
};

test('200 while Temporal and the settings database answer', async () => {
  expect(await get('/readyz')).toEqual({
    status: 200,
    body: { status: 'ready', checks: { settings: 'ok', temporal: 'ok' } },
  });
});

test('503 naming Temporal once the server is stopped; /healthz (liveness) stays 200', async () => {
  await devServer.stop();
  const started = Date.now();
  expect(await get('/readyz')).toEqual({
    status: 503,
    body: { status: 'unavailable', checks: { settings: 'ok', temporal: 'unavailable' } },
  });
  expect(Date.now() - started).toBeLessThan(5_000);
  expect((await get('/healthz')).status).toBe(200);
});

test('503 naming the settings database once it cannot be reached', async () => {
  await settings.close();
  const r = await get('/readyz');
  expect(r.status).toBe(503);
  expect(r.body.checks.settings).toBe('unavailable');
});
