// The service against a real Temporal server (v1.29.1 on a throwaway PostgreSQL 15 cluster), not the dev server:
// the API and a worker in a process of its own complete one check end to end with the sandboxes, and `npm run api`
// reports ready against that server. The server binaries are built once into .tools/bin (scripts/
// ensure-temporal-server.sh); the first run on a fresh machine spends a few minutes there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { System, TRIGGER_STAGE } from '../harness/system';
import { startApis, stopAll } from '../harness/service-processes';
import { TemporalServer, startTemporalServer } from '../harness/temporal-server';

// The first run on a fresh machine builds the server binaries in beforeAll (4–30 min, by how busy the machine is).
jest.setTimeout(60 * 60_000);

let server: TemporalServer;
let sys: System | undefined;

beforeAll(async () => {
  server = await startTemporalServer();
});
afterAll(async () => {
  await sys?.stop();
  await server?.stop();
});

test('a check completes on the real server: one case, one file, one note, the Complete tag', async () => {
  sys = await System.start({ temporalAddress: server.address, worker: false });
  const team = await sys.setupTeam();
  const worker = await sys.spawnWorker();
  const opp = await sys.createCandidate({ emails: ['real-server@example.com'] });
  await sys.moveTo(opp, TRIGGER_STAGE);

  const result = await sys.result(team.id, opp);
  expect(result.status).toBe('Complete');
  const cases = await sys.casesFor('real-server@example.com');
  expect(cases).toHaveLength(1);
  expect(result.caseId).toBe(cases[0].id);
  const o = await sys.opportunity(opp);
  expect(o.data.tags.filter((t: string) => t.startsWith('CERTN - '))).toEqual(['CERTN - Complete']);
  expect(o.files).toHaveLength(1);
  expect(o.notes).toHaveLength(1);
  // The run really lives on this server (its PostgreSQL holds the execution), not on the run's dev server.
  const rows = await server.postgres.sql('SELECT count(*) FROM executions', 'temporal');
  expect(Number(rows)).toBeGreaterThanOrEqual(1);
  worker.kill('SIGTERM');
});

test('npm run api against the real server: /readyz 200, clean exit on SIGTERM', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certn-api-'));
  try {
    const [api] = await startApis(1, {
      TEMPORAL_ADDRESS: server.address,
      DATA_DIR: dataDir,
      MASTER_KEY: 'cd'.repeat(32),
      ADMIN_TOKEN: 'admin-token-for-the-real-server',
      PUBLIC_BASE_URL: 'http://127.0.0.1:9',
      LEVER_API_BASE_URL: 'http://127.0.0.1:9/v1',
      CERTN_API_BASE_URL: 'http://127.0.0.1:9',
    });
    const ready = await fetch(`${api!.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { settings: 'ok', temporal: 'ok' } });
    expect(await stopAll([api!])).toEqual([0]);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
