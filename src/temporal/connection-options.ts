// Temporal connection settings from the environment — address, namespace, TLS (client certificate and key as paths
// or PEM, CA, server name) and API key (Temporal Cloud) — shared by the client (API) and the worker. Variable names
// are Temporal's own (`@temporalio/envconfig`, which also honours TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE); they
// are checked here first so a bad combination fails at start with an error naming the variable.
import fs from 'node:fs';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { ConfigError } from '../config';

export class TemporalConfigError extends ConfigError {}

/** Accepted by both `Connection.connect` (client) and `NativeConnection.connect` (worker). */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export interface TemporalTarget {
  connection: TemporalConnectionOptions;
  namespace: string;
}

type Env = Record<string, string | undefined>;

const TLS_PAIRS = ['CLIENT_CERT', 'CLIENT_KEY', 'SERVER_CA_CERT'] as const;
const TLS_VARS = [
  ...TLS_PAIRS.flatMap((p) => [`TEMPORAL_TLS_${p}_PATH`, `TEMPORAL_TLS_${p}_DATA`]),
  'TEMPORAL_TLS_SERVER_NAME',
];

const set = (env: Env, name: string) => env[name] !== undefined && env[name] !== '';

/** Throws a TemporalConfigError naming the variable for every combination the SDK would reject late or ignore. */
export function validateTemporalEnv(env: Env): void {
  const fail = (msg: string): never => {
    throw new TemporalConfigError(`Temporal connection: ${msg}`);
  };
  const tlsFlag = env.TEMPORAL_TLS;
  if (tlsFlag !== undefined && !['true', 'false', '1', '0'].includes(tlsFlag)) {
    fail(`TEMPORAL_TLS must be true or false (got "${tlsFlag}")`);
  }
  const address = env.TEMPORAL_ADDRESS;
  if (set(env, 'TEMPORAL_ADDRESS') && !/^[^\s:/]+:\d{1,5}$/.test(address!)) {
    fail(`TEMPORAL_ADDRESS must be host:port, e.g. my-ns.a1b2c.tmprl.cloud:7233 (got "${address}")`);
  }
  const tlsSettings = TLS_VARS.filter((v) => set(env, v));
  const secured = [...tlsSettings, ...(set(env, 'TEMPORAL_API_KEY') ? ['TEMPORAL_API_KEY'] : [])];
  if (!set(env, 'TEMPORAL_ADDRESS') && secured.length > 0) {
    fail(`${secured[0]} is set but TEMPORAL_ADDRESS is not (the embedded dev server takes no TLS or API key)`);
  }
  if ((tlsFlag === 'false' || tlsFlag === '0') && secured.length > 0) {
    fail(`${secured[0]} needs TLS, but TEMPORAL_TLS=${tlsFlag} turns it off`);
  }
  if (env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === 'true' || env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === '1') {
    fail('TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported by the TypeScript SDK; set TEMPORAL_TLS_SERVER_NAME');
  }
  for (const p of TLS_PAIRS) {
    const pathVar = `TEMPORAL_TLS_${p}_PATH`;
    if (set(env, pathVar) && set(env, `TEMPORAL_TLS_${p}_DATA`)) {
      fail(`set either ${pathVar} or TEMPORAL_TLS_${p}_DATA, not both`);
    }
    if (set(env, pathVar)) {
      try {
        fs.accessSync(env[pathVar]!, fs.constants.R_OK);
      } catch {
        fail(`${pathVar}=${env[pathVar]} cannot be read`);
      }
    }
    const dataVar = `TEMPORAL_TLS_${p}_DATA`;
    if (set(env, dataVar) && !env[dataVar]!.includes('-----BEGIN ')) {
      fail(`${dataVar} must hold PEM text (-----BEGIN ...)`);
    }
  }
  const hasCert = set(env, 'TEMPORAL_TLS_CLIENT_CERT_PATH') || set(env, 'TEMPORAL_TLS_CLIENT_CERT_DATA');
  const hasKey = set(env, 'TEMPORAL_TLS_CLIENT_KEY_PATH') || set(env, 'TEMPORAL_TLS_CLIENT_KEY_DATA');
  if (hasCert && !hasKey) fail('TEMPORAL_TLS_CLIENT_CERT_* is set without TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA');
  if (hasKey && !hasCert) fail('TEMPORAL_TLS_CLIENT_KEY_* is set without TEMPORAL_TLS_CLIENT_CERT_PATH or _DATA');
}

/**
 * The server to connect to, or undefined when neither TEMPORAL_ADDRESS nor a config-file profile names one (the
 * embedded default then starts a dev server). Namespace defaults to `default`.
 */
export function temporalTargetFromEnv(env: Env = process.env): TemporalTarget | undefined {
  validateTemporalEnv(env);
  // Empty values mean "unset" here, as in the rest of the configuration (compose files often pass `VAR=`).
  const cleaned = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => !!e[1]));
  let loaded;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: cleaned });
  } catch (err) {
    throw new TemporalConfigError(
      `Temporal connection: ${err instanceof Error ? err.message : String(err)} (TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE)`,
    );
  }
  const { address, tls, apiKey, metadata } = loaded.connectionOptions;
  if (!address) return undefined;
  return {
    namespace: loaded.namespace ?? 'default',
    connection: {
      address,
      ...(tls !== undefined && tls !== null ? { tls } : {}),
      ...(apiKey ? { apiKey: apiKey as string } : {}),
      ...(metadata && Object.keys(metadata).length > 0 ? { metadata: metadata as Record<string, string> } : {}),
    },
  };
}

/** For logs: where and how this process connects, without any secret. */
export function describeTarget(t: TemporalTarget): Record<string, unknown> {
  const tls = t.connection.tls;
  return {
    address: t.connection.address,
    namespace: t.namespace,
    tls: tls === undefined ? false : typeof tls === 'boolean' ? tls : { mtls: Boolean(tls.clientCertPair) },
    apiKey: Boolean(t.connection.apiKey),
  };
}
