// The real service for the fuzzers: System (sandboxes, SQLite store, the real API app with a real Temporal gateway
// on the run's dev server) without a worker, one enabled team, and the invariants every bad request must keep:
// nothing started in Temporal, nothing changed in the store, the API still answering.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import Database from 'better-sqlite3';
import { certnSignature } from '../../src/certn/signature';
import { leverSignature } from '../../src/lever/signature';
import { setLogLevel, setLogSink } from '../../src/logger';
import { System, Team } from '../harness/system';

/** CI-sized by default; FUZZ_RUNS scales every property up for the full run. */
export const FUZZ_RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? '') || 60);

export interface FuzzEnv {
  sys: System;
  team: Team;
  leverPath: string;
  certnPath: string;
  signatureToken: string;
  /** The archive and delete webhooks' own tokens (Lever signs each webhook with its own). */
  archiveSignatureToken: string;
  deletedSignatureToken: string;
  webhookSecret: string;
  triggerStageId: string;
  /** Every request sent and its status, by endpoint label, for the case-count report. */
  counts: Map<string, Map<number, number>>;
  /** Every log line the service wrote (kept out of the test output) and every answer it gave. */
  logs: string[];
  answers: string[];
}

export async function startFuzzEnv(): Promise<FuzzEnv> {
  const logs: string[] = [];
  setLogSink((l) => logs.push(l));
  setLogLevel('debug');
  const sys = await System.start({ worker: false, certnStepMs: null });
  const team = await sys.setupTeam();
  const removal = await sys.addRemovalWebhooks(team);
  const secrets = await sys.store.getTeamSecrets(team.id);
  const config = await sys.store.getTeamConfig(team.id);
  if (!secrets?.lever.signatureToken || !secrets.certn.webhookSecret || !config?.lever.triggerStageId) {
    throw new Error('fuzz team is not fully set up');
  }
  // A team whose report links are clicked has written some: its link key exists (it is made on first use).
  await sys.store.reportLinkKey(team.id);
  return {
    sys,
    team,
    leverPath: new URL(team.leverHookUrl).pathname,
    certnPath: new URL(team.certnHookUrl).pathname,
    signatureToken: secrets.lever.signatureToken,
    ...removal,
    webhookSecret: secrets.certn.webhookSecret,
    triggerStageId: config.lever.triggerStageId,
    counts: new Map(),
    logs,
    answers: [],
  };
}

export async function stopFuzzEnv(env: FuzzEnv | undefined): Promise<void> {
  setLogSink((line) => process.stdout.write(line + '\n'));
  setLogLevel('warn');
  await env?.sys.stop();
}

/** The secrets the fuzzers hold; none may appear in a log line or an answer. */
export function fuzzSecrets(env: FuzzEnv): string[] {
  return [
    env.signatureToken,
    env.archiveSignatureToken,
    env.deletedSignatureToken,
    env.webhookSecret,
    env.sys.adminToken,
    'sandbox-lever-key',
    'sandbox-certn-key',
  ];
}

export interface Sent {
  status: number;
  text: string;
  json: any;
}

/**
 * Sends raw bytes over node:http (fetch refuses TRACE and normalises some paths) and records the status under
 * `label`.
 */
export async function send(
  env: FuzzEnv,
  label: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Sent> {
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    // host/port/path, not a URL: a URL would resolve `..` and `%2e%2e` before the request leaves.
    const { hostname, port } = new URL(env.sys.apiUrl);
    const req = http.request({ hostname, port, path, method, headers, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const byStatus = env.counts.get(label) ?? new Map<number, number>();
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  env.counts.set(label, byStatus);
  env.answers.push(text);
  return { status, text, json };
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** A Lever delivery body signed with the team's token (or another), as Lever builds it. */
export function leverDelivery(
  signatureToken: string,
  data: Record<string, unknown>,
  o: { event?: string; triggeredAt?: number; token?: string } = {},
): Record<string, unknown> {
  const triggeredAt = o.triggeredAt ?? Date.now();
  const token = o.token ?? randomBytes(24).toString('hex');
  return {
    triggeredAt,
    event: o.event ?? 'candidateStageChange',
    data,
    token,
    signature: leverSignature(signatureToken, token, triggeredAt),
  };
}

export function certnHeaders(secret: string, raw: string | Buffer): Record<string, string> {
  return { 'content-type': 'application/json', 'x-signature': certnSignature(secret, raw) };
}

/** How many workflows exist on this run's task queue (open or closed), read from Temporal's visibility. */
export async function workflowCount(env: FuzzEnv): Promise<number> {
  let n = 0;
  for await (const _ of env.sys.client.workflow.list({ query: `TaskQueue = '${env.sys.taskQueue}'` })) n++;
  return n;
}

/** A digest of every row of the settings database: any write by a request shows as a different digest. */
/** A digest of every table but `except` (e.g. the spent Lever delivery tokens, which verified deliveries add). */
export function storeDigest(env: FuzzEnv, except: string[] = []): string {
  const file = (env.sys.store as unknown as { filename: string }).filename;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
      name: string;
    }[];
    const h = createHash('sha256');
    for (const { name } of tables) {
      if (except.includes(name)) continue;
      h.update(name);
      h.update(JSON.stringify(db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()));
    }
    return h.digest('hex');
  } finally {
    db.close();
  }
}

/** How many Lever delivery tokens the store holds (each verified delivery spends one, whatever its outcome). */
export function spentTokens(env: FuzzEnv): number {
  const file = (env.sys.store as unknown as { filename: string }).filename;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM lever_deliveries`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export async function apiUp(env: FuzzEnv): Promise<boolean> {
  const r = await fetch(`${env.sys.apiUrl}/healthz`);
  return r.status === 200;
}

/** Every status seen per endpoint, and the 5xx among them, as one line per endpoint (the fuzz report). */
export function countsReport(env: FuzzEnv): string {
  const lines: string[] = [];
  for (const [label, byStatus] of [...env.counts].sort()) {
    const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
    const five = [...byStatus].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
    const dist = [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
    lines.push(`fuzz ${label}: ${total} cases, ${five} 5xx (${dist})`);
  }
  return lines.join('\n');
}
