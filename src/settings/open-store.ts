// The one way every process opens the settings store: PostgreSQL when DATABASE_URL is set (several processes or
// hosts), else the embedded SQLite file in DATA_DIR. With PostgreSQL the Lever budget is shared through it too.
import type { LeverBudget } from '../lever/budget';
import { PostgresLeverBudget } from '../lever/budget-db';
import { PostgresSettingsStore } from './postgres-store';
import { openSqliteSettingsStore } from './sqlite-store';
import { SettingsStore } from './store';

export interface StoreConfig {
  DATA_DIR: string;
  DATABASE_URL?: string | undefined;
}

export async function openSettingsStore(config: StoreConfig, masterKey: Buffer): Promise<SettingsStore> {
  if (config.DATABASE_URL) {
    return PostgresSettingsStore.open({ connectionString: config.DATABASE_URL, masterKey });
  }
  return openSqliteSettingsStore(config.DATA_DIR, masterKey);
}

/** The Lever budget every process on this store shares; undefined = the in-process default (one process, SQLite). */
export function sharedLeverBudget(store: SettingsStore): LeverBudget | undefined {
  return store instanceof PostgresSettingsStore ? new PostgresLeverBudget(store.pool) : undefined;
}
