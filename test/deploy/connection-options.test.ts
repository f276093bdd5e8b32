// Unit tests of the Temporal connection settings read from the environment: what each variable turns into, and a
// clear error naming the variable for every bad combination.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TemporalConfigError, describeTarget, temporalTargetFromEnv } from '../../src/temporal/connection-options';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-'));
const certPath = path.join(dir, 'client.pem');
const keyPath = path.join(dir, 'client.key');
fs.writeFileSync(certPath, CERT);
fs.writeFileSync(keyPath, KEY);
// No HOME: the default ~/.config/temporalio/temporal.toml of the machine running the tests is not read.
const base = { TEMPORAL_ADDRESS: 'temporal.internal:7233' };

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function errorOf(env: Record<string, string>): string {
  try {
    temporalTargetFromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(TemporalConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('temporalTargetFromEnv', () => {
  test('no address: undefined (the embedded dev server is started)', () => {
    expect(temporalTargetFromEnv({})).toBeUndefined();
  });

  test('plain address and namespace', () => {
    expect(temporalTargetFromEnv({ ...base, TEMPORAL_NAMESPACE: 'checks' })).toEqual({
      namespace: 'checks',
      connection: { address: 'temporal.internal:7233' },
    });
    expect(temporalTargetFromEnv(base)?.namespace).toBe('default');
  });

  test('Temporal Cloud with an API key: TLS on, key passed, nothing secret in the description', () => {
    const t = temporalTargetFromEnv({
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'checks.a1b2c',
      TEMPORAL_API_KEY: 'secret-api-key',
    })!;
    expect(t.connection).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      tls: true,
      apiKey: 'secret-api-key',
    });
    expect(JSON.stringify(describeTarget(t))).not.toContain('secret-api-key');
    expect(describeTarget(t)).toMatchObject({ tls: true, apiKey: true, namespace: 'checks.a1b2c' });
  });

  test('mTLS from files, CA and server name', () => {
    const t = temporalTargetFromEnv({
      ...base,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certPath,
      TEMPORAL_TLS_CLIENT_KEY_PATH: keyPath,
      TEMPORAL_TLS_SERVER_CA_CERT_DATA: CERT,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal',
    })!;
    const tls = t.connection.tls as { clientCertPair: { crt: Uint8Array; key: Uint8Array } } & Record<string, unknown>;
    expect(Buffer.from(tls.clientCertPair.crt).toString()).toBe(CERT);
    expect(Buffer.from(tls.clientCertPair.key).toString()).toBe(KEY);
    expect(Buffer.from(tls.serverRootCACertificate as Uint8Array).toString()).toBe(CERT);
    expect(tls.serverNameOverride).toBe('frontend.temporal');
    expect(describeTarget(t)).toMatchObject({ tls: { mtls: true } });
  });

  test('mTLS from PEM text in the environment', () => {
    const t = temporalTargetFromEnv({
      ...base,
      TEMPORAL_TLS_CLIENT_CERT_DATA: CERT,
      TEMPORAL_TLS_CLIENT_KEY_DATA: KEY,
    })!;
    const tls = t.connection.tls as { clientCertPair: { crt: Uint8Array; key: Uint8Array } };
    expect(Buffer.from(tls.clientCertPair.key).toString()).toBe(KEY);
  });

  test('TEMPORAL_TLS=true alone: server-authenticated TLS', () => {
    expect(temporalTargetFromEnv({ ...base, TEMPORAL_TLS: 'true' })!.connection.tls).toBeTruthy();
  });

  test('empty values count as unset', () => {
    expect(temporalTargetFromEnv({ ...base, TEMPORAL_API_KEY: '', TEMPORAL_TLS_CLIENT_CERT_PATH: '' })).toEqual({
      namespace: 'default',
      connection: { address: 'temporal.internal:7233' },
    });
  });

  test.each([
    [{ ...base, TEMPORAL_TLS_CLIENT_CERT_PATH: certPath }, 'TEMPORAL_TLS_CLIENT_KEY_PATH'],
    [{ ...base, TEMPORAL_TLS_CLIENT_KEY_DATA: KEY }, 'TEMPORAL_TLS_CLIENT_CERT_PATH'],
    [
      { ...base, TEMPORAL_TLS_CLIENT_CERT_PATH: '/nope/client.pem', TEMPORAL_TLS_CLIENT_KEY_DATA: KEY },
      'TEMPORAL_TLS_CLIENT_CERT_PATH=/nope/client.pem cannot be read',
    ],
    [
      {
        ...base,
        TEMPORAL_TLS_CLIENT_CERT_PATH: certPath,
        TEMPORAL_TLS_CLIENT_CERT_DATA: CERT,
        TEMPORAL_TLS_CLIENT_KEY_DATA: KEY,
      },
      'either TEMPORAL_TLS_CLIENT_CERT_PATH or TEMPORAL_TLS_CLIENT_CERT_DATA',
    ],
    [{ ...base, TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'not a pem' }, 'TEMPORAL_TLS_SERVER_CA_CERT_DATA must hold PEM'],
    [{ ...base, TEMPORAL_TLS: 'yes' }, 'TEMPORAL_TLS must be true or false'],
    [{ ...base, TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }, 'TEMPORAL_API_KEY needs TLS'],
    [{ TEMPORAL_API_KEY: 'k' }, 'TEMPORAL_API_KEY is set but TEMPORAL_ADDRESS is not'],
    [{ TEMPORAL_ADDRESS: 'https://temporal:7233' }, 'TEMPORAL_ADDRESS must be host:port'],
    [{ TEMPORAL_ADDRESS: 'temporal' }, 'TEMPORAL_ADDRESS must be host:port'],
    [{ ...base, TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }, 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'],
    [
      { ...base, TEMPORAL_PROFILE: 'prod', TEMPORAL_CONFIG_FILE: path.join(dir, 'none.toml') },
      "Profile 'prod' not found",
    ],
  ])('bad combination %# → an error naming the variable', (env, message) => {
    expect(errorOf(env as Record<string, string>)).toContain(message);
  });

  test('a TOML profile (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE) works, and the environment overrides it', () => {
    const file = path.join(dir, 'temporal.toml');
    fs.writeFileSync(file, '[profile.prod]\naddress = "prod.internal:7233"\nnamespace = "checks"\n');
    const env = { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' };
    expect(temporalTargetFromEnv(env)).toEqual({ namespace: 'checks', connection: { address: 'prod.internal:7233' } });
    expect(temporalTargetFromEnv({ ...env, TEMPORAL_NAMESPACE: 'other' })?.namespace).toBe('other');
  });
});
