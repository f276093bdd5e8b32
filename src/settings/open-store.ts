// The one way every process opens the settings store: PostgreSQL when DATABASE_URL is set (several processes or
// hosts), else the embedded SQLite file in DATA_DIR.
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
