// Shared by the API tests: an express app on a free port, a recording fetch, a scriptable gateway, log capture.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express from 'express';
import { CancelResult, CheckGateway } from '../../src/api/check-gateway';
import { AppConfig, loadConfig } from '../../src/config';
import { setLogLevel, setLogSink } from '../../src/logger';
import { SqliteSettingsStore } from '../../src/settings/sqlite-store';
import { CheckState, CertnNudge, LeverRemoval, StageEntered } from '../../src/workflows/definitions';

export const ADMIN_TOKEN = 'test-admin-token-' + randomBytes(8).toString('hex');

export function tmpDir(prefix = 'api-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function testConfig(dataDir: string, extra: Record<string, string> = {}): AppConfig {
  return loadConfig({
    DATA_DIR: dataDir,
    PUBLIC_BASE_URL: 'https://checks.example.test/',
    LEVER_WEBHOOK_WINDOW_SECONDS: '900',
    ...extra,
  });
}

export function openStore(dataDir: string): SqliteSettingsStore {
  return new SqliteSettingsStore({ dataDir, masterKey: randomBytes(32) });
}

export interface Listening {
  url: string;
  close(): Promise<void>;
}

export async function listen(app: express.Express): Promise<Listening> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** fetch that keeps every response body, so a test can prove no secret was ever sent back. */
export class Http {
  readonly bodies: string[] = [];
  constructor(
    readonly baseUrl: string,
    private token: string | null = ADMIN_TOKEN,
  ) {}

  async req(
    method: string,
    p: string,
    body?: unknown,
    opts: { token?: string | null; headers?: Record<string, string>; raw?: string | Buffer } = {},
  ): Promise<HttpResult> {
    const token = opts.token === undefined ? this.token : opts.token;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | Buffer | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + p, { method, headers, body: payload });
    const text = await res.text();
    this.bodies.push(text);
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, text, json };
  }
  get = (p: string, o?: Parameters<Http['req']>[3]) => this.req('GET', p, undefined, o);
  post = (p: string, b?: unknown, o?: Parameters<Http['req']>[3]) => this.req('POST', p, b, o);
  patch = (p: string, b?: unknown, o?: Parameters<Http['req']>[3]) => this.req('PATCH', p, b, o);
  del = (p: string, o?: Parameters<Http['req']>[3]) => this.req('DELETE', p, undefined, o);
}

/**
 * Captures every log line written while active, at every level (tests run with LOG_LEVEL=warn: without lowering
 * it, the info and debug lines would never be checked for secrets).
 */
export function captureLogs(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  setLogSink((l) => lines.push(l));
  setLogLevel('debug');
  return {
    lines,
    restore: () => {
      setLogSink((line) => process.stdout.write(line + '\n'));
      const level = process.env.LOG_LEVEL;
      setLogLevel(level === 'debug' || level === 'info' || level === 'warn' || level === 'error' ? level : 'info');
    },
  };
}

/** A CheckGateway whose answers a test scripts, recording every call. */
export class FakeGateway implements CheckGateway {
  calls: { method: string; args: unknown[] }[] = [];
  stageEnteredImpl: (teamId: string, opp: string, e: StageEntered) => Promise<void> = async () => undefined;
  certnEventImpl: (workflowId: string, n: CertnNudge) => Promise<boolean> = async () => true;
  rerunImpl: (teamId: string, opp: string) => Promise<'started' | 'open'> = async () => 'started';
  cancelImpl: (teamId: string, opp: string, reason: string) => Promise<CancelResult> = async () => ({
    result: 'cancelled',
    outcome: { took: true, status: 'Cancelled', detail: 'Certn cancelled the case' },
  });
  stateImpl: (teamId: string, opp: string) => Promise<CheckState | null> = async () => null;
  leverRemovedImpl: (teamId: string, opp: string, r: LeverRemoval) => Promise<boolean> = async () => true;

  leverRemoved(teamId: string, opportunityId: string, removal: LeverRemoval) {
    this.calls.push({ method: 'leverRemoved', args: [teamId, opportunityId, removal] });
    return this.leverRemovedImpl(teamId, opportunityId, removal);
  }

  stageEntered(teamId: string, opportunityId: string, event: StageEntered) {
    this.calls.push({ method: 'stageEntered', args: [teamId, opportunityId, event] });
    return this.stageEnteredImpl(teamId, opportunityId, event);
  }
  certnEvent(workflowId: string, nudge: CertnNudge) {
    this.calls.push({ method: 'certnEvent', args: [workflowId, nudge] });
    return this.certnEventImpl(workflowId, nudge);
  }
  rerun(teamId: string, opportunityId: string) {
    this.calls.push({ method: 'rerun', args: [teamId, opportunityId] });
    return this.rerunImpl(teamId, opportunityId);
  }
  cancel(teamId: string, opportunityId: string, reason: string) {
    this.calls.push({ method: 'cancel', args: [teamId, opportunityId, reason] });
    return this.cancelImpl(teamId, opportunityId, reason);
  }
  state(teamId: string, opportunityId: string) {
    this.calls.push({ method: 'state', args: [teamId, opportunityId] });
    return this.stateImpl(teamId, opportunityId);
  }
}

/** Asserts none of the secrets occurs in any of the texts (raw, or JSON-escaped). */
export function expectNoSecrets(texts: string[], secrets: string[]): void {
  const all = texts.join('\n');
  for (const s of secrets) {
    if (all.includes(s) || all.includes(JSON.stringify(s).slice(1, -1))) {
      throw new Error(`a secret (${s.slice(0, 3)}…) appears in the output`);
    }
  }
}
