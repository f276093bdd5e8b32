// The two settings store backends the store suite runs against: SQLite in a temp dir, and PostgreSQL on a throwaway
// cluster (test/harness/postgres.ts), one fresh database per test. No PostgreSQL installed → the suite fails saying so.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { SETTINGS_DB_FILE, SqliteSettingsStore } from '../../src/settings/sqlite-store';
import { PostgresSettingsStore } from '../../src/settings/postgres-store';
import { SettingsStore } from '../../src/settings/store';
import { PostgresCluster, startPostgres } from '../harness/postgres';

/** One empty store location: every open() reaches the same data (a restart). */
export interface Location {
  open(masterKey: Buffer): Promise<SettingsStore>;
  /** Raw rows of a table, for checks of what is stored. */
  rows(table: string): Promise<Record<string, unknown>[]>;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  fresh(): Promise<Location>;
}

export const sqliteBackend: Backend = {
  name: 'SQLite',
  setup: async () => undefined,
  teardown: async () => undefined,
  async fresh() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-store-'));
    return {
      open: async (masterKey) => new SqliteSettingsStore({ dataDir: dir, masterKey }),
      async rows(table) {
        const db = new Database(path.join(dir, SETTINGS_DB_FILE));
        try {
          return db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
        } finally {
          db.close();
        }
      },
      cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  },
};

/** A PostgreSQL backend on its own throwaway cluster (started in setup). */
export function postgresBackend(): Backend & { url(db: string): string } {
  let cluster: PostgresCluster | undefined;
  let n = 0;
  const need = () => {
    if (!cluster) throw new Error('PostgreSQL cluster not started: setup() failed (see the error above)');
    return cluster;
  };
  return {
    name: 'PostgreSQL',
    async setup() {
      cluster = await startPostgres();
    },
    async teardown() {
      await cluster?.stop();
    },
    url: (db) => need().url(db),
    async fresh() {
      const c = need();
      const db = `settings_${process.pid}_${++n}`;
      await c.sql(`CREATE DATABASE ${db}`);
      const opened: SettingsStore[] = [];
      return {
        async open(masterKey) {
          const s = await PostgresSettingsStore.open({ connectionString: c.url(db), masterKey, max: 4 });
          opened.push(s);
          return s;
        },
        async rows(table) {
          const client = new Client({ connectionString: c.url(db) });
          await client.connect();
          try {
            return (await client.query(`SELECT * FROM ${table}`)).rows as Record<string, unknown>[];
          } finally {
            await client.end();
          }
        },
        async cleanup() {
          for (const s of opened) await s.close();
          await c.sql(`DROP DATABASE ${db}`);
        },
      };
    },
  };
}

export const BACKENDS: Backend[] = [sqliteBackend, postgresBackend()];
