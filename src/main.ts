// `npm start`: the whole service on its embedded defaults — a Temporal dev server (database file in DATA_DIR),
// the Lever and Certn sandboxes (unless real base URLs are configured), the worker and the API.
// Ctrl-C stops everything, in reverse order.
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createApiApp } from './api/app';
import { TemporalCheckGateway, checkTimings } from './api/check-gateway';
import { LeverRelay } from './api/lever-relay';
import { ConfigError, loadConfig, publicBaseUrl } from './config';
import { createLogger, setLogLevel } from './logger';
import {
  closeServerGracefully,
  installSdkLogging,
  openSettings,
  reportLinksFor,
  temporalProbe,
} from './processes/service-parts';
import { loadOrCreateAdminToken } from './settings/crypto';
import { ensureTemporalCli } from './temporal/cli';
import { TemporalTarget, temporalTargetFromEnv } from './temporal/connection-options';
import { startDevServer } from './temporal/dev-server';
import { ensureSearchAttributes } from './temporal/search-attributes';
import { createCheckWorker, prebuiltWorkflowBundle, workerTuning } from './worker';

const log = createLogger('main');

/** What has been started so far, stopped in reverse order on Ctrl-C or when a later step fails. */
const stops: (() => Promise<void>)[] = [];

async function stopAll(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) {
    await stop().catch((err) => log.error('stop failed', { error: err }));
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  setLogLevel(config.LOG_LEVEL);
  const urls: [string, string][] = [];

  let leverBaseUrl = config.LEVER_API_BASE_URL;
  if (!leverBaseUrl) {
    // The sandboxes are a dev-only package (absent from a production install): loaded only when they are used.
    const { startLeverSandbox } = await import('@lever-certn/sandbox/lever');
    const sandbox = await startLeverSandbox({ port: config.LEVER_SANDBOX_PORT, host: config.API_HOST });
    stops.push(() => sandbox.stop());
    leverBaseUrl = `${sandbox.url}/v1`;
    urls.push(['Lever sandbox (API /v1, control /_sandbox)', sandbox.url]);
  }
  let certnBaseUrl = config.CERTN_API_BASE_URL;
  if (!certnBaseUrl) {
    const { startCertnSandbox } = await import('@lever-certn/sandbox/certn');
    const sandbox = await startCertnSandbox({ port: config.CERTN_SANDBOX_PORT, host: config.API_HOST });
    stops.push(() => sandbox.stop());
    certnBaseUrl = sandbox.url;
    urls.push(['Certn sandbox (API /api/public, control /_sandbox)', sandbox.url]);
  }

  // An external server (TLS / API key from the environment) or the embedded dev server.
  let target: TemporalTarget | undefined = temporalTargetFromEnv();
  let temporalUiUrl = config.TEMPORAL_UI_URL;
  if (!target) {
    const cliPath = await ensureTemporalCli();
    const server = await startDevServer({
      cliPath,
      ip: config.API_HOST,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile: path.join(config.DATA_DIR, 'temporal.db'),
      namespace: config.TEMPORAL_NAMESPACE,
    });
    stops.push(() => server.stop());
    target = { connection: { address: server.address }, namespace: config.TEMPORAL_NAMESPACE };
    if (server.uiUrl) urls.push(['Temporal UI', server.uiUrl]);
    temporalUiUrl ??= server.uiUrl;
  }
  urls.push(['Temporal server (gRPC)', target.connection.address]);

  const clientConnection = await Connection.connect(target.connection);
  stops.push(() => clientConnection.close());
  const added = await ensureSearchAttributes(clientConnection, target.namespace);
  if (added.length > 0) log.info('registered search attributes', { added });
  const client = new Client({ connection: clientConnection, namespace: target.namespace });

  const { store, masterKey, leverBudget } = await openSettings(config);
  stops.push(() => store.close());
  const admin = loadOrCreateAdminToken(config.DATA_DIR, config.ADMIN_TOKEN);
  const baseUrl = publicBaseUrl(config);
  const reportLinks = reportLinksFor(config, masterKey, store, baseUrl);

  installSdkLogging(config.LOG_LEVEL, config.TEMPORAL_METRICS_BIND);
  const workerConnection = await NativeConnection.connect(target.connection);
  const worker = await createCheckWorker({
    connection: workerConnection,
    namespace: target.namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundlePath: prebuiltWorkflowBundle(),
    activities: {
      store,
      leverBaseUrl,
      certnBaseUrl,
      reportLinks,
      stageEntryWindowMs: config.STAGE_ENTRY_WINDOW_SECONDS * 1000,
      ...(leverBudget ? { leverBudget } : {}),
    },
    tuning: workerTuning(config),
  });
  const workerDone = worker.run();
  stops.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone;
    await workerConnection.close();
  });

  const gateway = new TemporalCheckGateway(client, config.TEMPORAL_TASK_QUEUE, checkTimings(config));
  const app = createApiApp({
    store,
    gateway,
    config,
    adminToken: admin.token,
    leverBaseUrl,
    certnBaseUrl,
    reportLinks,
    ...(leverBudget ? { leverBudget } : {}),
    temporalReady: temporalProbe(clientConnection),
    checkList: { client, temporalUiUrl },
  });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(config.API_PORT, config.API_HOST, () => resolve(s));
  });
  const relay = new LeverRelay({ store, gateway, intervalMs: config.LEVER_RELAY_INTERVAL_SECONDS * 1000 }).start();
  stops.push(() => relay.stop());
  stops.push(() => closeServerGracefully(server));
  urls.unshift(['API (health /healthz, admin /api/admin, settings page /admin)', baseUrl]);

  process.stdout.write('\nLever ⇄ Certn background checks are running:\n');
  for (const [what, url] of urls) process.stdout.write(`  ${what.padEnd(58)} ${url}\n`);
  process.stdout.write(
    admin.created
      ? `  Admin API token (generated now, kept in ${path.join(config.DATA_DIR, 'admin.token')}): ${admin.token}\n`
      : `  Admin API token: see ${path.join(config.DATA_DIR, 'admin.token')} (or ADMIN_TOKEN)\n`,
  );
  process.stdout.write('Press Ctrl-C to stop.\n\n');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    await stopAll();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch(async (err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`Failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await stopAll();
  process.exit(1);
});
