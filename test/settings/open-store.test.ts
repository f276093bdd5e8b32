// openSettingsStore picks the backend from the configuration: PostgreSQL when DATABASE_URL is set, SQLite otherwise;
// a DATABASE_URL that is not a postgres URL is a configuration error naming the variable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config';
import { openSettingsStore, sharedLeverBudget } from '../../src/settings/open-store';
import { PostgresLeverBudget } from '../../src/lever/budget-db';
import { PostgresSettingsStore } from '../../src/settings/postgres-store';
import { SqliteSettingsStore } from '../../src/settings/sqlite-store';
import { PostgresCluster, startPostgres } from '../harness/postgres';

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(() => cluster?.stop());

it('DATABASE_URL set → PostgreSQL (data shared by every process); unset → SQLite in DATA_DIR', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'open-store-'));
  const key = randomBytes(32);
  await cluster.sql('CREATE DATABASE open_store');
  const pgConfig = loadConfig({ DATA_DIR: dir, DATABASE_URL: cluster.url('open_store') });
  const a = await openSettingsStore(pgConfig, key);
  const b = await openSettingsStore(pgConfig, key);
  const sqlite = await openSettingsStore(loadConfig({ DATA_DIR: dir }), key);
  try {
    expect(a).toBeInstanceOf(PostgresSettingsStore);
    expect(sqlite).toBeInstanceOf(SqliteSettingsStore);
    expect(sharedLeverBudget(a)).toBeInstanceOf(PostgresLeverBudget);
    expect(sharedLeverBudget(sqlite)).toBeUndefined();
    const t = await a.createTeam({ name: 'Shared' });
    expect((await b.getTeamConfig(t.id))?.name).toBe('Shared');
    expect(await sqlite.getTeamConfig(t.id)).toBeNull();
    expect(await cluster.sql('SELECT count(*) FROM teams', 'open_store')).toBe('1');
  } finally {
    await Promise.all([a.close(), b.close(), sqlite.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('refuses a DATABASE_URL that is not PostgreSQL', () => {
  expect(() => loadConfig({ DATABASE_URL: 'mysql://x@localhost/db' })).toThrow(ConfigError);
  expect(() => loadConfig({ DATABASE_URL: 'mysql://x@localhost/db' })).toThrow(/DATABASE_URL/);
});
