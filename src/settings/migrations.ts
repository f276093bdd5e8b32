// Loads the numbered schema migrations of one SQL dialect from migrations/<dialect>/NNN-name.sql, read at start
// (like a schema.sql kept beside the DB interface): the SQL stays reviewable as SQL, the numbering is shared by both
// dialects where they agree, and a dialect-specific change is a file pair with one number.
import fs from 'node:fs';
import path from 'node:path';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export type Dialect = 'sqlite' | 'postgres';

const FILE = /^(\d{3})-([a-z0-9-]+)\.sql$/;

/** Append only: a released migration file is never edited, a change is a new number. */
export function loadMigrations(dialect: Dialect, dir = path.join(__dirname, 'migrations', dialect)): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f): Migration => {
      const m = FILE.exec(f);
      if (!m) throw new Error(`migration file ${f} in ${dir} is not named NNN-name.sql`);
      return { version: Number(m[1]), name: m[2] ?? f, sql: fs.readFileSync(path.join(dir, f), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`${dialect} migrations must be numbered 1..n without gaps (${m.version})`);
  });
  return migrations;
}
