// The pieces every entry point assembles — settings store, report links, activity timings, SDK logging, the
// Temporal readiness probe, graceful stop on SIGTERM — so `npm start`, `npm run api` and `npm run worker` build
// them one way.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ReportLinks } from '../activities/report-links';
import { AppConfig, ConfigError, publicBaseUrl } from '../config';
import { createLogger } from '../logger';
import { loadOrCreateMasterKey } from '../settings/crypto';
import { openSettingsStore, sharedLeverBudget } from '../settings/open-store';
import type { LeverBudget } from '../lever/budget';
import type { SettingsStore } from '../settings/store';
import { TemporalTarget, temporalTargetFromEnv } from '../temporal/connection-options';

const log = createLogger('process');
const SDK_LEVELS = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * What the API and the worker each need when they run as processes of their own: no sandboxes, no dev server, and
 * secrets that must be the same in every replica (a key generated per host would differ). The compose test checks
 * docker-compose.yml against this list.
 */
export const REQUIRED_ENV = {
  api: ['TEMPORAL_ADDRESS', 'PUBLIC_BASE_URL', 'LEVER_API_BASE_URL', 'CERTN_API_BASE_URL', 'MASTER_KEY', 'ADMIN_TOKEN'],
  worker: ['TEMPORAL_ADDRESS', 'PUBLIC_BASE_URL', 'LEVER_API_BASE_URL', 'CERTN_API_BASE_URL', 'MASTER_KEY'],
} as const;

/** The Temporal server of a split process; refuses to start without every variable REQUIRED_ENV names. */
export function splitProcessTarget(role: keyof typeof REQUIRED_ENV, env = process.env): TemporalTarget {
  const target = temporalTargetFromEnv(env);
  const missing = REQUIRED_ENV[role].filter((name) => !env[name] && !(name === 'TEMPORAL_ADDRESS' && target));
  if (missing.length > 0 || !target) {
    throw new ConfigError(
      `npm run ${role} runs one half of the service and needs: ${missing.join(', ')} ` +
        '(see README, "Running the API and the worker separately"; `npm start` runs everything embedded).',
    );
  }
  return target;
}

/**
 * The SDK's own logs (worker, workflow `log` calls) as JSON lines like the rest; signals are handled by us. With
 * metricsBind (TEMPORAL_METRICS_BIND) the SDK also serves its worker metrics (task slots, poll and schedule-to-start
 * latencies, sticky cache) in Prometheus text at http://metricsBind/metrics.
 */
export function installSdkLogging(level: AppConfig['LOG_LEVEL'], metricsBind?: string): void {
  const sdkLog = createLogger('temporal');
  Runtime.install({
    ...(metricsBind ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBind } } } } : {}),
    logger: new DefaultLogger(level.toUpperCase() as 'INFO', ({ level: l, message, meta }) =>
      sdkLog[SDK_LEVELS[l]](message, meta),
    ),
    shutdownSignals: [],
  });
}

export interface Settings {
  store: SettingsStore;
  masterKey: Buffer;
  /** The Lever budget every process shares (PostgreSQL); undefined: each process paces itself (SQLite). */
  leverBudget: LeverBudget | undefined;
}

/** The settings store every process of one deployment shares: PostgreSQL with DATABASE_URL, else SQLite. */
export async function openSettings(config: AppConfig): Promise<Settings> {
  fs.mkdirSync(config.DATA_DIR, { recursive: true, mode: 0o700 });
  const masterKey = loadOrCreateMasterKey(config.DATA_DIR, config.MASTER_KEY);
  const store = await openSettingsStore(config, masterKey);
  return { masterKey, store, leverBudget: sharedLeverBudget(store) };
}

/** Report links are signed with a key derived from the master key: the API verifies what the worker wrote. */
export function reportLinksFor(
  config: AppConfig,
  masterKey: Buffer,
  teamKeys: SettingsStore,
  baseUrl = publicBaseUrl(config),
): ReportLinks {
  return new ReportLinks(baseUrl, createHmac('sha256', masterKey).update('report-links').digest(), teamKeys);
}

/** For /readyz: resolves when the Temporal frontend answers within the deadline. */
export function temporalProbe(connection: Connection, timeoutMs = 2_000): () => Promise<void> {
  return async () => {
    await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({}));
  };
}

/**
 * Stops accepting connections, lets in-flight requests finish (idle keep-alive connections are closed at once),
 * and cuts whatever is still open after `graceMs`.
 */
export function closeServerGracefully(server: Server, graceMs = 25_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Runs `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 if stopping failed). */
export function onTerminate(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    stop(signal).then(
      () => process.exit(0),
      (err) => {
        log.error('stop failed', { error: err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}
