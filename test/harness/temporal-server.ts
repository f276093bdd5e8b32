// A real Temporal server (not the dev server) for tests: the binaries from scripts/ensure-temporal-server.sh
// (built once into .tools/bin), Temporal's PostgreSQL schema set up with its SQL tool on a throwaway PostgreSQL
// cluster, the module's config/development-postgres12.yaml with free ports on 127.0.0.1, the namespace and the
// project's search attributes registered. stop() tears everything down.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import YAML from 'yaml';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import { PostgresCluster, startPostgres } from './postgres';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, '.tools', 'bin');

export interface TemporalServer {
  address: string;
  namespace: string;
  postgres: PostgresCluster;
  /** The server's log so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface TemporalServerOptions {
  /** Reuse a cluster (its `temporal` and `temporal_visibility` databases must not exist yet); default: a new one. */
  postgres?: PostgresCluster;
  namespace?: string;
  readyTimeoutMs?: number;
}

/** Builds (first time) or finds the server binaries; returns the Go module folder holding schema/ and config/. */
export async function ensureTemporalServerBinaries(): Promise<string> {
  const { stdout } = await execFileAsync('sh', [path.join(ROOT, 'scripts/ensure-temporal-server.sh')], {
    timeout: 60 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const moduleDir = stdout.trim().split('\n').pop() ?? '';
  if (!fs.existsSync(path.join(moduleDir, 'schema/postgresql/v12'))) {
    throw new Error(`ensure-temporal-server.sh printed no Temporal module folder (got "${moduleDir}")`);
  }
  return moduleDir;
}

async function setupSchema(pg: PostgresCluster, moduleDir: string): Promise<void> {
  const tool = path.join(BIN, 'temporal-sql-tool');
  for (const [db, schema] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    const base = ['--plugin', 'postgres12', '--ep', pg.host, '--port', String(pg.port), '--user', pg.user];
    base.push('--db', db);
    const run = (args: string[]) => execFileAsync(tool, [...base, ...args], { timeout: 120_000 });
    await run(['create-database']);
    await run(['setup-schema', '-v', '0.0']);
    await run(['update-schema', '-d', path.join(moduleDir, 'schema/postgresql/v12', schema, 'versioned')]);
  }
}

/**
 * A free port below 32768: Temporal keeps membership ports in a PostgreSQL smallint, and the kernel's ephemeral
 * range (what `listen(0)` hands out) starts above it.
 */
async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** The module's development-postgres12.yaml, pointed at our cluster, on free ports, with nothing else listening. */
async function writeConfig(dir: string, moduleDir: string, pg: PostgresCluster): Promise<number> {
  const config = YAML.parse(fs.readFileSync(path.join(moduleDir, 'config/development-postgres12.yaml'), 'utf8'));
  for (const store of Object.values<any>(config.persistence.datastores)) {
    Object.assign(store.sql, { connectAddr: `${pg.host}:${pg.port}`, user: pg.user, password: '' });
  }
  const frontendPort = await freeLowPort();
  for (const [name, svc] of Object.entries<any>(config.services)) {
    svc.rpc.grpcPort = name === 'frontend' ? frontendPort : await freeLowPort();
    svc.rpc.membershipPort = await freeLowPort();
    if (svc.rpc.httpPort) svc.rpc.httpPort = await freeLowPort();
  }
  config.global.pprof = { port: 0 };
  config.global.metrics.prometheus.listenAddress = `127.0.0.1:${await freeLowPort()}`;
  config.clusterMetadata.clusterInformation.active.rpcAddress = `127.0.0.1:${frontendPort}`;
  config.log = { stdout: true, level: 'warn' };
  // Search attributes usable as soon as they are added, as on the dev server.
  const dynamic = path.join(dir, 'dynamicconfig.yaml');
  fs.writeFileSync(dynamic, YAML.stringify({ 'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }] }));
  config.dynamicConfigClient = { filepath: dynamic, pollInterval: '10s' };
  fs.mkdirSync(path.join(dir, 'config'));
  fs.writeFileSync(path.join(dir, 'config/development-postgres12.yaml'), YAML.stringify(config));
  return frontendPort;
}

async function until<T>(
  what: string,
  deadline: number,
  probe: () => Promise<T>,
  log: () => string,
  child: ChildProcess,
): Promise<T> {
  let last: unknown;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      return await probe();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const why = child.exitCode === null ? 'timed out' : `failed: the server exited (${child.exitCode})`;
  throw new Error(`Temporal server: waiting for ${what} ${why} (${String(last)})\n${log()}`);
}

export async function startTemporalServer(opts: TemporalServerOptions = {}): Promise<TemporalServer> {
  const moduleDir = await ensureTemporalServerBinaries();
  const pg = opts.postgres ?? (await startPostgres());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-server-'));
  let child: ChildProcess | undefined;
  let output = '';
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (!opts.postgres) await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await setupSchema(pg, moduleDir);
    const port = await writeConfig(dir, moduleDir, pg);
    const args = ['--root', dir, '--config', 'config', '--env', 'development-postgres12', '--allow-no-auth', 'start'];
    child = spawn(path.join(BIN, 'temporal-server'), args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);

    const address = `127.0.0.1:${port}`;
    const namespace = opts.namespace ?? 'default';
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 180_000);
    const log = () => output;
    const connection = await until(
      'frontend',
      deadline,
      async () => {
        const c = await Connection.connect({ address, connectTimeout: 2000 });
        await c.workflowService.getSystemInfo({});
        return c;
      },
      log,
      child!,
    );
    try {
      await connection.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
        .catch((err: { code?: number }) => {
          if (err.code !== 6) throw err; // ALREADY_EXISTS
        });
      // The namespace cache refreshes every few seconds: wait until the frontend serves it.
      await until(
        'namespace',
        deadline,
        () => connection.workflowService.listWorkflowExecutions({ namespace }),
        log,
        child!,
      );
      await until('search attributes', deadline, () => ensureSearchAttributes(connection, namespace), log, child!);
      await until(
        'search attributes visible',
        deadline,
        async () => {
          const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
          const missing = Object.keys(SEARCH_ATTRIBUTES).filter((n) => !(n in (customAttributes ?? {})));
          if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}`);
        },
        log,
        child!,
      );
    } finally {
      await connection.close();
    }
    return { address, namespace, postgres: pg, output: log, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
