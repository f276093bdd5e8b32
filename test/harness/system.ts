// The whole service for end-to-end tests: both sandboxes, the settings store, a real worker on the run's Temporal
// dev server, and the API on a free port. Teams are set up the way an admin does it, through the admin API and the
// sandboxes' webhook registration; candidates move through the Lever sandbox, which delivers signed webhooks.
// Over 300 lines: the one place that assembles the whole system for tests; its helpers are each a few lines.
import { ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { ReportLinks } from '../../src/activities/report-links';
import { createApiApp } from '../../src/api/app';
import { TemporalCheckGateway } from '../../src/api/check-gateway';
import { LeverRelay } from '../../src/api/lever-relay';
import { loadConfig } from '../../src/config';
import { CertnSandbox, startCertnSandbox } from '@lever-certn/sandbox/certn';
import { LeverSandbox, SEED_USER_ID, startLeverSandbox } from '@lever-certn/sandbox/lever';
import { openSqliteSettingsStore } from '../../src/settings/sqlite-store';
import { SettingsStore } from '../../src/settings/store';
import { CheckState, CheckTimings, checkWorkflowId, stateQuery } from '../../src/workflows/definitions';
import { createCheckWorker } from '../../src/worker';
import { RetryGate, retryGate } from './retry-gate';
import { ApiReplica, startApis } from './service-processes';

export const TRIGGER_STAGE = 'Background Check';
const MASTER_KEY = Buffer.alloc(32, 7);
const REPORT_KEY = Buffer.alloc(32, 9);
export const LEVER_KEY = 'sandbox-lever-key';
export const CERTN_KEY = 'sandbox-certn-key';

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    });
  } catch {
    // already installed by another file in this worker process
  }
}

export interface SystemOptions {
  pollIntervalMs?: number;
  noEmailWaitMs?: number;
  caseMaxWaitMs?: number;
  maxHistoryEvents?: number;
  /** Another Temporal server than the run's shared one (the default). */
  temporalAddress?: string;
  /** false: no worker (started workflows stay open, for tests of the front doors alone). */
  worker?: boolean;
  /** Base wait of the Lever sandbox's delivery retries (ms). */
  leverRetryBaseMs?: number;
  /** Certn auto-advance step delay (ms); null leaves cases to be advanced by the test. */
  certnStepMs?: number | null;
  /** Temporal UI base URL the checks list links to (absent: no links). */
  temporalUiUrl?: string;
  /** Interval of the API's Lever relay (ms, default 200); null: no relay (a test runs its own). */
  relayIntervalMs?: number | null;
}

export interface Team {
  id: string;
  defaultPackageId: string;
  packages: Record<string, string>; // name → id
  leverHookUrl: string;
  certnHookUrl: string;
}

export class System {
  private worker?: Worker;
  private workerDone?: Promise<void>;
  private workerConnection?: NativeConnection;
  private readonly children: ChildProcess[] = [];
  /** The API's Lever relay (stage changes queued while Temporal was unavailable), as the API process runs it. */
  relay?: LeverRelay;

  private constructor(
    readonly lever: LeverSandbox,
    readonly certn: CertnSandbox,
    readonly store: SettingsStore,
    readonly client: Client,
    private readonly connection: Connection,
    private readonly retries: RetryGate,
    private server: Server,
    /** Builds a fresh app on the same store and gateway: what a restarted API process does. */
    private readonly buildApp: () => ReturnType<typeof createApiApp>,
    readonly apiUrl: string,
    readonly adminToken: string,
    readonly taskQueue: string,
    private readonly dataDir: string,
    private readonly reportLinks: ReportLinks,
    readonly temporalAddress: string,
    /** The API's gateway to Temporal (what the webhooks and the relay call). */
    readonly gateway: TemporalCheckGateway,
  ) {}

  static async start(options: SystemOptions = {}): Promise<System> {
    quietRuntime();
    const address = options.temporalAddress ?? process.env.TEMPORAL_ADDRESS;
    if (!address) throw new Error('TEMPORAL_ADDRESS is not set: the jest global setup starts the dev server');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certn-e2e-'));
    const lever = await startLeverSandbox({ webhookRetryBaseMs: options.leverRetryBaseMs ?? 100 });
    const certn = await startCertnSandbox();
    const store = openSqliteSettingsStore(dataDir, MASTER_KEY);
    const retries = retryGate();
    const connection = await Connection.connect({ address, interceptors: retries.interceptors });
    const client = new Client({ connection });
    const taskQueue = `e2e-${randomUUID()}`;
    const adminToken = `admin-${randomUUID()}`;
    const config = loadConfig({
      DATA_DIR: dataDir,
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      LEVER_WEBHOOK_WINDOW_SECONDS: '300',
    });

    // The API's public URL is only known once it listens: listen first, then build the app into the server.
    const { createServer } = await import('node:http');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const reportLinks = new ReportLinks(apiUrl, REPORT_KEY, store);
    // The check's clock travels in the workflow input, from the gateway.
    const timings: CheckTimings = {
      pollIntervalMs: options.pollIntervalMs ?? 60_000,
      noEmailWaitMs: options.noEmailWaitMs ?? 10 * 60_000,
      caseMaxWaitMs: options.caseMaxWaitMs ?? 60 * 60_000,
      maxHistoryEvents: options.maxHistoryEvents ?? 2000,
    };
    const gateway = new TemporalCheckGateway(client, taskQueue, timings);
    const buildApp = () =>
      createApiApp({
        store,
        gateway,
        config: { ...config, PUBLIC_BASE_URL: apiUrl },
        adminToken,
        leverBaseUrl: `${lever.url}/v1`,
        certnBaseUrl: certn.url,
        reportLinks,
        checkList: { client, temporalUiUrl: options.temporalUiUrl },
      });
    server.on('request', buildApp());

    const system = new System(
      lever,
      certn,
      store,
      client,
      connection,
      retries,
      server,
      buildApp,
      apiUrl,
      adminToken,
      taskQueue,
      dataDir,
      reportLinks,
      address,
      gateway,
    );
    if (options.relayIntervalMs !== null) {
      system.relay = new LeverRelay({ store, gateway, intervalMs: options.relayIntervalMs ?? 200 }).start();
    }
    const step = options.certnStepMs === undefined ? 50 : options.certnStepMs;
    if (step !== null) await system.certnCtl('PUT', '/auto-advance', { enabled: true, stepDelayMs: step });
    if (options.worker !== false) await system.startWorker();
    return system;
  }

  /**
   * `store` lets a test put a fault between the worker's activities and the store (the same database);
   * `certnTimeoutMs` makes a slow Certn answer count as lost.
   */
  async startWorker(options: { store?: SettingsStore; certnTimeoutMs?: number } = {}): Promise<void> {
    const bundle = process.env.WORKFLOW_BUNDLE_PATH;
    if (!bundle) throw new Error('WORKFLOW_BUNDLE_PATH is not set: the jest global setup bundles the workflows');
    this.workerConnection = await NativeConnection.connect({ address: this.temporalAddress });
    this.worker = await createCheckWorker({
      connection: this.workerConnection,
      namespace: 'default',
      taskQueue: this.taskQueue,
      workflowBundlePath: bundle,
      activities: {
        store: options.store ?? this.store,
        ...(options.certnTimeoutMs ? { certnTimeoutMs: options.certnTimeoutMs } : {}),
        leverBaseUrl: `${this.lever.url}/v1`,
        certnBaseUrl: this.certn.url,
        reportLinks: this.reportLinks,
        reportPollMs: 50,
      },
    });
    this.workerDone = this.worker.run();
  }

  /**
   * Starts a worker in a child process (same store file, sandboxes and task queue). Kill it with SIGKILL to crash
   * it mid-check: nothing runs on the way down, in-flight activities are lost and are retried after their timeout.
   */
  async spawnWorker(): Promise<ChildProcess> {
    // tsx as a loader in this very process (not the tsx CLI, which runs the script in a grandchild that a SIGKILL
    // would leave running): the pid killed is the worker.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-process.ts')], {
      cwd: path.resolve(__dirname, '../..'),
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: this.temporalAddress,
        WORKER_DATA_DIR: this.dataDir,
        WORKER_MASTER_KEY: MASTER_KEY.toString('hex'),
        WORKER_TASK_QUEUE: this.taskQueue,
        WORKER_LEVER_BASE_URL: `${this.lever.url}/v1`,
        WORKER_CERTN_BASE_URL: this.certn.url,
        WORKER_PUBLIC_BASE_URL: this.apiUrl,
        WORKER_REPORT_KEY: REPORT_KEY.toString('hex'),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('worker ready')) resolve();
      });
    });
    child.removeAllListeners('exit');
    return child;
  }

  /**
   * The API as a process of its own (`npm run api`: same store file, task queue and sandboxes), for benchmarks whose
   * load would otherwise share this process's one thread with the API under test. Hook URLs stay the in-process
   * API's (`apiUrl`); send deliveries to the returned `url` instead.
   */
  async spawnApi(env: Record<string, string> = {}): Promise<ApiReplica> {
    const [api] = await startApis(1, {
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      DATA_DIR: this.dataDir,
      MASTER_KEY: MASTER_KEY.toString('hex'),
      ADMIN_TOKEN: this.adminToken,
      PUBLIC_BASE_URL: this.apiUrl,
      LEVER_API_BASE_URL: `${this.lever.url}/v1`,
      CERTN_API_BASE_URL: this.certn.url,
      LEVER_WEBHOOK_WINDOW_SECONDS: '300',
      ...env,
    });
    this.children.push(api!.child);
    return api!;
  }

  /** Stops the in-process worker the way a deploy does: in-flight activities finish first. */
  async stopWorker(): Promise<void> {
    this.worker?.shutdown();
    await this.workerDone;
    await this.workerConnection?.close();
    this.worker = undefined;
    this.workerDone = undefined;
    this.workerConnection = undefined; // a second stop (e.g. in stop() after a test's own) closes nothing twice
  }

  /**
   * Restarts the API as a deploy would: the HTTP server closes (requests under way are cut off), nothing listens
   * for `downMs`, then a new app (fresh in-memory state, same store and gateway) listens on the same port.
   */
  async restartApi(downMs = 0): Promise<void> {
    await this.closeServer();
    await new Promise((r) => setTimeout(r, downMs));
    const { createServer } = await import('node:http');
    const server = createServer(this.buildApp());
    const port = Number(new URL(this.apiUrl).port);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  private closeServer(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  async stop(): Promise<void> {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.stopWorker();
    await this.closeServer();
    await this.relay?.stop();
    await this.lever.stop();
    await this.certn.stop();
    // API handlers cut off above may still be retrying a Temporal call: let them finish before the channel closes.
    await this.retries.drain();
    await this.connection.close();
    await this.store.close();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  // ------------------------------------------------------------ HTTP helpers

  async http(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  }

  async admin(method: string, p: string, body?: unknown) {
    return this.http(method, `${this.apiUrl}/api/admin${p}`, body, { authorization: `Bearer ${this.adminToken}` });
  }

  async leverCtl(method: string, p: string, body?: unknown): Promise<any> {
    const r = await this.http(method, `${this.lever.url}/_sandbox${p}`, body);
    if (r.status >= 300) throw new Error(`lever control ${method} ${p}: ${r.status} ${r.text}`);
    return r.json;
  }

  async certnCtl(method: string, p: string, body?: unknown): Promise<any> {
    const r = await this.http(method, `${this.certn.url}/_sandbox${p}`, body);
    if (r.status >= 300) throw new Error(`certn control ${method} ${p}: ${r.status} ${r.text}`);
    return r.json;
  }

  // ------------------------------------------------------------ the admin's setup (the seed's four steps)

  async setupTeam(
    packages: { name: string; checkTypes: string[] }[] = [
      { name: 'Standard', checkTypes: ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1'] },
      {
        name: 'Executive',
        checkTypes: ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1', 'EMPLOYMENT_VERIFICATIONS_1'],
      },
    ],
  ): Promise<Team> {
    const certnSecret = `certn-secret-${randomUUID()}`;
    const created = await this.admin('POST', '/teams', {
      name: `Team ${randomUUID().slice(0, 8)}`,
      lever: { apiKey: LEVER_KEY, triggerStageName: TRIGGER_STAGE, performAsUserId: SEED_USER_ID },
      certn: { apiKey: CERTN_KEY, webhookSecret: certnSecret },
    });
    if (created.status !== 201) throw new Error(`create team: ${created.status} ${created.text}`);
    const teamId: string = created.json.id;
    const ids: Record<string, string> = {};
    for (const p of packages) {
      const r = await this.admin('POST', `/teams/${teamId}/packages`, p);
      if (r.status !== 201) throw new Error(`create package: ${r.status} ${r.text}`);
      ids[p.name] = r.json.id;
    }
    const defaultPackageId = ids[packages[0]!.name]!;
    const d = await this.admin('POST', `/teams/${teamId}/packages/${defaultPackageId}/default`);
    if (d.status !== 200) throw new Error(`default package: ${d.status} ${d.text}`);

    const leverHookUrl: string = created.json.webhookUrls.lever;
    const certnHookUrl: string = created.json.webhookUrls.certn;
    // Lever: create the webhook with our URL; Lever shows its signature token, which the admin pastes in.
    const hook = await this.leverCtl('POST', '/webhooks', {
      url: leverHookUrl,
      event: 'candidateStageChange',
      verify: false,
    });
    const patched = await this.admin('PATCH', `/teams/${teamId}`, {
      lever: { signatureToken: hook.data.signatureToken },
    });
    if (patched.status !== 200) throw new Error(`patch team: ${patched.status} ${patched.text}`);
    // "Verify connection": the signed ping must be answered 2xx.
    const ping = await this.leverCtl('POST', `/webhooks/${hook.data.id}/verify`);
    await this.lever.webhooksIdle();
    const pinged = await this.leverCtl('GET', `/deliveries/${ping.data.deliveryId}`);
    if (pinged.data.state !== 'delivered') throw new Error(`verify ping: ${JSON.stringify(pinged.data.attempts)}`);
    // Certn: the account webhook, verified by Certn's challenge before any delivery.
    await this.certnCtl('PUT', '/webhook', { url: certnHookUrl, secret: certnSecret });
    const enabled = await this.admin('POST', `/teams/${teamId}/enable`);
    if (enabled.status !== 200) throw new Error(`enable: ${enabled.status} ${enabled.text}`);
    return { id: teamId, defaultPackageId, packages: ids, leverHookUrl, certnHookUrl };
  }

  /**
   * The two recommended Lever webhooks besides the stage change's, as the settings page says: Candidate Archive State
   * Change and Candidate Deleted on the team's same URL, each with its own signature token pasted into the team.
   */
  async addRemovalWebhooks(team: Team): Promise<{ archiveSignatureToken: string; deletedSignatureToken: string }> {
    const add = async (event: string) => {
      const hook = await this.leverCtl('POST', '/webhooks', { url: team.leverHookUrl, event, verify: false });
      return { token: hook.data.signatureToken as string, id: hook.data.id as string };
    };
    const archive = await add('candidateArchiveChange');
    const deleted = await add('candidateDeleted');
    const tokens = { archiveSignatureToken: archive.token, deletedSignatureToken: deleted.token };
    const patched = await this.admin('PATCH', `/teams/${team.id}`, { lever: tokens });
    if (patched.status !== 200) throw new Error(`patch team: ${patched.status} ${patched.text}`);
    // Lever's "Verify connection" on each: the ping signed with that webhook's own token is answered 2xx.
    for (const hook of [archive, deleted]) {
      const ping = await this.leverCtl('POST', `/webhooks/${hook.id}/verify`);
      await this.lever.webhooksIdle();
      const d = await this.leverCtl('GET', `/deliveries/${ping.data.deliveryId}`);
      if (d.data.state !== 'delivered') throw new Error(`verify ping: ${JSON.stringify(d.data.attempts)}`);
    }
    return tokens;
  }

  // ------------------------------------------------------------ the recruiter's side

  async createCandidate(input: { emails?: string[]; tags?: string[]; postingId?: string } = {}): Promise<string> {
    const r = await this.leverCtl('POST', '/opportunities', {
      name: 'Ada Lovelace',
      emails: ['ada@example.com'],
      ...input,
    });
    return r.data.id as string;
  }

  async moveTo(opportunityId: string, stageName: string): Promise<void> {
    await this.leverCtl('POST', `/opportunities/${opportunityId}/move`, { stageName });
    await this.lever.webhooksIdle();
  }

  async opportunity(opportunityId: string): Promise<any> {
    return this.leverCtl('GET', `/opportunities/${opportunityId}`);
  }

  /** The `CERTN - …` tags the candidate carried over time: the effective adds, in order. */
  async certnTagSequence(opportunityId: string): Promise<string[]> {
    const o = await this.opportunity(opportunityId);
    return (o.tagEvents as { action: string; tag: string; changed: boolean }[])
      .filter((e) => e.action === 'add' && e.changed && e.tag.startsWith('CERTN - '))
      .map((e) => e.tag);
  }

  /** Moves a Certn case on by `steps` lifecycle steps (the sandbox sends its callbacks). */
  async advanceCase(caseId: string, steps = 1): Promise<any> {
    return (await this.certnCtl('POST', `/cases/${caseId}/advance`, { steps })).case;
  }

  async casesFor(email: string): Promise<any[]> {
    const r = await this.certnCtl('GET', `/cases?email_address=${encodeURIComponent(email)}`);
    return r.cases;
  }

  // ------------------------------------------------------------ Temporal

  handle(teamId: string, opportunityId: string) {
    return this.client.workflow.getHandle(checkWorkflowId(teamId, opportunityId));
  }

  async state(teamId: string, opportunityId: string): Promise<CheckState> {
    return this.handle(teamId, opportunityId).query(stateQuery);
  }

  /** Waits for the check's current run to close and returns its result. */
  async result(teamId: string, opportunityId: string): Promise<CheckState> {
    return (await this.handle(teamId, opportunityId).result()) as CheckState;
  }

  async waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async waitForStatus(teamId: string, opportunityId: string, status: CheckState['status']): Promise<CheckState> {
    return this.waitFor(`status ${status}`, async () => {
      const s = await this.state(teamId, opportunityId);
      return s.status === status ? s : undefined;
    });
  }

  /** Waits until the check is parked on its timer or a signal: no activity and no workflow task in flight. */
  async waitForIdle(teamId: string, opportunityId: string): Promise<void> {
    await this.waitFor('the check to be idle', async () => {
      const { raw } = await this.handle(teamId, opportunityId).describe();
      return (raw.pendingActivities ?? []).length === 0 && !raw.pendingWorkflowTask;
    });
  }

  /** Writes the closed run's history as a replay fixture when RECORD_HISTORIES=1. */
  async recordHistory(teamId: string, opportunityId: string, name: string): Promise<number> {
    const history = await this.handle(teamId, opportunityId).fetchHistory();
    if (process.env.RECORD_HISTORIES === '1') {
      const { historyToJSON } = await import('@temporalio/common/lib/proto-utils');
      const dir = path.resolve(__dirname, '../fixtures/histories');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${name}.json`), historyToJSON(history));
    }
    return history.events?.length ?? 0;
  }
}

/** An HMAC computed here, independently of the code under test, for forging and checking Lever signatures. */
export function leverHmac(signatureToken: string, token: string, triggeredAt: number): string {
  return createHmac('sha256', signatureToken)
    .update(token + String(triggeredAt))
    .digest('hex');
}

/** A candidateStageChange for a new opportunity into `toStageId`, signed as Lever signs it: the bytes Lever sends. */
export function signedStageChange(signatureToken: string, toStageId: string): string {
  const triggeredAt = Date.now();
  const token = randomBytes(24).toString('hex');
  const opportunityId = randomUUID();
  return JSON.stringify({
    triggeredAt,
    event: 'candidateStageChange',
    data: { opportunityId, candidateId: opportunityId, contactId: randomUUID(), toStageId, fromStageId: 'lead-new' },
    signature: leverHmac(signatureToken, token, triggeredAt),
    token,
  });
}
