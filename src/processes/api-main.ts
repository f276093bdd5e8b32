// `npm run api`: the HTTP API alone (webhooks, admin, reports, /healthz, /readyz) — any number of replicas behind
// a load balancer, pointed at TEMPORAL_ADDRESS and the shared settings store. SIGTERM stops accepting connections
// and lets in-flight requests (webhook hand-overs to Temporal among them) and the Lever relay's pass finish before the
// process exits.
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { createApiApp } from '../api/app';
import { TemporalCheckGateway, checkTimings } from '../api/check-gateway';
import { LeverRelay } from '../api/lever-relay';
import { ConfigError, loadConfig, publicBaseUrl } from '../config';
import { createLogger, setLogLevel } from '../logger';
import { describeTarget } from '../temporal/connection-options';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import {
  closeServerGracefully,
  onTerminate,
  openSettings,
  reportLinksFor,
  splitProcessTarget,
  temporalProbe,
} from './service-parts';

const log = createLogger('api');

async function main(): Promise<void> {
  const config = loadConfig();
  setLogLevel(config.LOG_LEVEL);
  const target = splitProcessTarget('api');
  const { store, masterKey, leverBudget } = await openSettings(config);
  // Lazy: the API starts (and /readyz says 503) while Temporal is still coming up.
  const connection = Connection.lazy(target.connection);
  try {
    const added = await ensureSearchAttributes(connection, target.namespace);
    if (added.length > 0) log.info('registered search attributes', { added });
  } catch (err) {
    // Temporal Cloud keys often lack the operator role: the attributes are then registered with tcld / the UI.
    log.warn('could not check the search attributes; register them if checks fail to start', { error: err });
  }
  const client = new Client({ connection, namespace: target.namespace });
  const gateway = new TemporalCheckGateway(client, config.TEMPORAL_TASK_QUEUE, checkTimings(config));
  const app = createApiApp({
    store,
    gateway,
    config,
    adminToken: config.ADMIN_TOKEN!,
    leverBaseUrl: config.LEVER_API_BASE_URL!,
    certnBaseUrl: config.CERTN_API_BASE_URL!,
    reportLinks: reportLinksFor(config, masterKey, store),
    ...(leverBudget ? { leverBudget } : {}),
    temporalReady: temporalProbe(connection),
    checkList: { client, ...(config.TEMPORAL_UI_URL ? { temporalUiUrl: config.TEMPORAL_UI_URL } : {}) },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(config.API_PORT, config.API_HOST, () => resolve(s));
  });
  const relay = new LeverRelay({ store, gateway, intervalMs: config.LEVER_RELAY_INTERVAL_SECONDS * 1000 }).start();
  onTerminate(async () => {
    await closeServerGracefully(server);
    await relay.stop();
    await connection.close();
    await store.close();
    log.info('api stopped');
  });
  const { port } = server.address() as import('node:net').AddressInfo;
  log.info('api ready', {
    ...describeTarget(target),
    listen: `${config.API_HOST}:${port}`,
    url: publicBaseUrl(config),
  });
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`API failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
