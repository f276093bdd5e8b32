// A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temp dir, a free port on 127.0.0.1, trust auth,
// fsync off. initdb refuses to run as root, so as root (CI containers) the cluster belongs to the `postgres` system
// user and every server command runs through `runuser`. Serves Temporal's persistence and the settings store.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/temporal/dev-server';

const execFileAsync = promisify(execFile);
const PG_BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

export interface PostgresCluster {
  host: string;
  port: number;
  /** The superuser (trust auth: no password). */
  user: string;
  /** A connection URL for `database`. */
  url(database: string): string;
  /** Runs SQL as the superuser through psql. */
  sql(statement: string, database?: string): Promise<string>;
  stop(): Promise<void>;
}

function pgBinary(name: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), ...PG_BIN_DIRS]) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${name} not found on PATH or in ${PG_BIN_DIRS.join(', ')}: install PostgreSQL (apt-get install postgresql)`,
  );
}

/** Runs a PostgreSQL binary as the cluster's owner: ourselves, or `postgres` when we are root. */
async function asOwner(owner: string | undefined, bin: string, args: string[]): Promise<string> {
  const [cmd, full] = owner ? ['runuser', ['-u', owner, '--', bin, ...args]] : [bin, args];
  try {
    const { stdout } = await execFileAsync(cmd, full, { timeout: 120_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${path.basename(bin)} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

export async function startPostgres(): Promise<PostgresCluster> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-'));
  const dataDir = path.join(dir, 'data');
  let owner: string | undefined;
  if (process.getuid?.() === 0) {
    owner = 'postgres';
    const { stdout } = await execFileAsync('id', ['-u', owner]).catch(() => {
      throw new Error(
        'running as root needs a `postgres` system user to own the test cluster (apt-get install postgresql)',
      );
    });
    const uid = Number(stdout.trim());
    fs.chownSync(dir, uid, Number((await execFileAsync('id', ['-g', owner])).stdout.trim()));
  }
  const user = 'postgres';
  await asOwner(owner, pgBinary('initdb'), ['-D', dataDir, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const serverOpts = [
    `-p ${port}`,
    `-k ${dir}`,
    `-c listen_addresses=${host}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  await asOwner(owner, pgBinary('pg_ctl'), [
    '-D',
    dataDir,
    '-o',
    serverOpts,
    '-l',
    path.join(dir, 'log'),
    '-w',
    'start',
  ]);

  return {
    host,
    port,
    user,
    url: (database) => `postgres://${user}@${host}:${port}/${database}`,
    async sql(statement, database = 'postgres') {
      const { stdout } = await execFileAsync(pgBinary('psql'), [
        '-h',
        host,
        '-p',
        String(port),
        '-U',
        user,
        '-d',
        database,
        '-v',
        'ON_ERROR_STOP=1',
        '-Atc',
        statement,
      ]);
      return stdout.trim();
    },
    async stop() {
      await asOwner(owner, pgBinary('pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
