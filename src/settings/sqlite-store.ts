// The embedded settings store: one SQLite file in DATA_DIR (WAL), numbered migrations, secrets sealed with
// AES-256-GCM (see crypto.ts) so the database file never holds one in clear. Every read-then-write transaction is
// IMMEDIATE: a deferred one that reads first fails at once with SQLITE_BUSY when another process wrote meanwhile
// (busy_timeout cannot help an upgrade from a stale snapshot), so several processes may share one file. Over 300 lines:
// it implements the whole SettingsStore interface in one class (teams, packages, delivery claims, objects, intents).
import Database from 'better-sqlite3';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SecretBox, randomWebhookId } from './crypto';
import { GroupCommit } from './group-commit';
import { WalSync } from './wal-sync';
import { Migration, loadMigrations } from './migrations';
import { OutboxRow, handoverJson, toLeased } from './outbox-rows';
import {
  DeliveryRow,
  IntentRow,
  PackageRow,
  TeamRow,
  claimDecision,
  dedupe,
  leverHookTokens,
  openSecret,
  teamFieldUpdates,
  toConfig,
  toIntent,
  toPackage,
  tokenHash,
} from './rows';
import {
  CertnHookTeam,
  CertnObjectRef,
  ConflictError,
  DeliveryClaim,
  DeliveryClaimInput,
  EnableOptions,
  LeasedHandover,
  OrderIntent,
  OrderIntentTakenError,
  LeverHookTeam,
  NotFoundError,
  Package,
  PackageInput,
  PackagePatch,
  QueuedHandover,
  SettingsStore,
  TeamConfig,
  TeamInput,
  TeamPatch,
  TeamSecrets,
  matchKey,
} from './store';

export const SETTINGS_DB_FILE = 'settings.db';

/** Append only: a released migration is never edited, a change is a new number (see migrations.ts). */
export const MIGRATIONS: readonly Migration[] = loadMigrations('sqlite');

export interface SqliteStoreOptions {
  /** Folder of the database file; ignored when `filename` is given. */
  dataDir?: string;
  /** Explicit file (or ':memory:'). */
  filename?: string;
  masterKey: Buffer;
}

export class SqliteSettingsStore implements SettingsStore {
  readonly filename: string;
  private readonly db: Database.Database;
  private readonly box: SecretBox;
  /** Keys e-mail hashes; derived from the master key so it never needs storing. */
  private readonly emailKey: Buffer;
  /** Marks of handed deliveries: durable before each 2xx, one WAL sync shared by the webhooks answering together. */
  private readonly handedMarks: GroupCommit;
  /** Syncs the WAL off the event loop (absent for an in-memory database, which has no WAL and no durability). */
  private readonly wal?: WalSync;
  /** Prepared once per SQL text: compiling a statement costs more CPU than running most of these. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(opts: SqliteStoreOptions) {
    if (opts.filename) {
      this.filename = opts.filename;
    } else {
      if (!opts.dataDir) throw new Error('SqliteSettingsStore needs dataDir or filename');
      fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
      this.filename = path.join(opts.dataDir, SETTINGS_DB_FILE);
    }
    this.box = new SecretBox(opts.masterKey);
    this.emailKey = createHmac('sha256', opts.masterKey).update('order-intent e-mail hash v1').digest();
    this.db = new Database(this.filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL'); // a claimed delivery token survives a power cut, not only a crash
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    if (this.db.pragma('journal_mode', { simple: true }) === 'wal') {
      this.wal = new WalSync(this.db, `${this.filename}-wal`);
    }
    this.handedMarks = new GroupCommit(this.db, this.wal);
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * A write that must be durable before the caller goes on (an order intent before Certn is called): committed
   * without an fsync on the event loop, then the WAL synced off it (wal-sync.ts) — the guarantee of synchronous FULL.
   */
  private async durably<T>(commit: () => T): Promise<T> {
    if (!this.wal) return commit();
    const result = this.wal.unsynced(commit);
    await this.wal.durable();
    return result;
  }

  /** Versions applied, in order (for tests and diagnostics). */
  appliedMigrations(): number[] {
    return (this.stmt('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map(
      (r) => r.version,
    );
  }

  async ping(): Promise<void> {
    this.stmt('SELECT 1').get();
  }

  // ------------------------------------------------------------------ teams

  async createTeam(input: TeamInput): Promise<TeamConfig> {
    const id = randomUUID();
    const now = new Date().toISOString();
    const tx = this.db.transaction(() => {
      this.stmt(
        `INSERT INTO teams (id, name, enabled, lever_webhook_id, certn_webhook_id, created_at, updated_at)
           VALUES (?, ?, 0, ?, ?, ?, ?)`,
      ).run(id, input.name.trim(), randomWebhookId(), randomWebhookId(), now, now);
      this.applyFields(id, input, now, false);
    });
    tx.immediate();
    return this.mustGet(id);
  }

  async updateTeam(
    teamId: string,
    patch: TeamPatch,
    resolved?: { triggerStageId: string; expectedVersion: number },
  ): Promise<TeamConfig> {
    const tx = this.db.transaction(() => {
      const row = this.row(teamId);
      if (!row) throw new NotFoundError(`team ${teamId} not found`);
      if (resolved && row.version !== resolved.expectedVersion) {
        throw new ConflictError('the team changed while this update was checked: try again', 'version');
      }
      const now = new Date().toISOString();
      if (patch.name !== undefined) {
        this.stmt('UPDATE teams SET name = ?, updated_at = ? WHERE id = ?').run(patch.name.trim(), now, teamId);
      }
      const newName = patch.lever?.triggerStageName;
      const renamed = typeof newName === 'string' && matchKey(newName) !== matchKey(row.lever_trigger_stage_name ?? '');
      // An enabled team never silently stops: a new stage name comes with its resolved id, or is refused.
      if (renamed && row.enabled === 1 && !resolved) {
        throw new ConflictError(
          'the trigger stage of an enabled team changes only with its resolved Lever stage id',
          'lever.triggerStageName',
        );
      }
      this.applyFields(teamId, patch, now, row.enabled === 1);
      if (renamed) {
        this.stmt('UPDATE teams SET lever_trigger_stage_id = ?, updated_at = ? WHERE id = ?').run(
          row.enabled === 1 && resolved ? resolved.triggerStageId : null,
          now,
          teamId,
        );
      }
    });
    tx.immediate();
    return this.mustGet(teamId);
  }

  private applyFields(teamId: string, input: TeamPatch, now: string, enabled: boolean): void {
    const { columns, values } = teamFieldUpdates(this.box, teamId, input, enabled);
    if (columns.length === 0) return;
    const sets = columns.map((c) => `${c} = ?`).join(', ');
    // Not cached: the column list varies with the patch (an admin write, rare).
    this.db.prepare(`UPDATE teams SET ${sets}, updated_at = ? WHERE id = ?`).run(...values, now, teamId);
  }

  async listTeams(): Promise<TeamConfig[]> {
    const rows = this.stmt('SELECT * FROM teams ORDER BY created_at, id').all() as TeamRow[];
    return rows.map((r) => this.toConfig(r));
  }

  async getTeamConfig(teamId: string): Promise<TeamConfig | null> {
    const row = this.row(teamId);
    return row ? this.toConfig(row) : null;
  }

  async getTeamSecrets(teamId: string): Promise<TeamSecrets | null> {
    const row = this.row(teamId);
    if (!row) return null;
    return {
      lever: { apiKey: this.secret(row, 'lever_api_key'), ...leverHookTokens(this.box, row) },
      certn: { apiKey: this.secret(row, 'certn_api_key'), webhookSecret: this.secret(row, 'certn_webhook_secret') },
    };
  }

  async findLeverHook(leverWebhookId: string): Promise<LeverHookTeam | null> {
    const row = this.stmt('SELECT * FROM teams WHERE lever_webhook_id = ?').get(leverWebhookId) as TeamRow | undefined;
    if (!row) return null;
    return {
      teamId: row.id,
      enabled: row.enabled === 1,
      triggerStageId: row.lever_trigger_stage_id,
      ...leverHookTokens(this.box, row),
    };
  }

  async findCertnHook(certnWebhookId: string): Promise<CertnHookTeam | null> {
    const row = this.stmt('SELECT * FROM teams WHERE certn_webhook_id = ?').get(certnWebhookId) as TeamRow | undefined;
    if (!row) return null;
    return { teamId: row.id, enabled: row.enabled === 1, webhookSecret: this.secret(row, 'certn_webhook_secret') };
  }

  async enableTeam(teamId: string, triggerStageId: string, opts: EnableOptions): Promise<TeamConfig> {
    const r = this.stmt(
      'UPDATE teams SET enabled = 1, lever_trigger_stage_id = ?, updated_at = ? WHERE id = ? AND version = ?',
    ).run(triggerStageId, new Date().toISOString(), teamId, opts.expectedVersion);
    if (r.changes === 0) {
      if (!this.row(teamId)) throw new NotFoundError(`team ${teamId} not found`);
      throw new ConflictError(
        'the team changed while it was being validated: nothing was enabled, check the settings and enable again',
        'version',
      );
    }
    return this.mustGet(teamId);
  }

  async reportLinkKey(teamId: string): Promise<Buffer | null> {
    return this.db
      .transaction((): Buffer | null => {
        const row = this.row(teamId);
        if (!row) return null;
        const context = `team:${teamId}:reportLinkKey`;
        if (row.report_link_key !== null) return Buffer.from(this.box.open(row.report_link_key, context), 'base64');
        const key = randomBytes(32);
        // Not a settings change: the version trigger ignores updates of the link key.
        this.stmt('UPDATE teams SET report_link_key = ? WHERE id = ?').run(
          this.box.seal(key.toString('base64'), context),
          teamId,
        );
        return key;
      })
      .immediate();
  }

  async rotateReportLinkKey(teamId: string): Promise<void> {
    const sealed = this.box.seal(randomBytes(32).toString('base64'), `team:${teamId}:reportLinkKey`);
    const r = this.stmt('UPDATE teams SET report_link_key = ?, updated_at = ? WHERE id = ?').run(
      sealed,
      new Date().toISOString(),
      teamId,
    );
    if (r.changes === 0) throw new NotFoundError(`team ${teamId} not found`);
  }

  async disableTeam(teamId: string): Promise<TeamConfig> {
    const r = this.stmt('UPDATE teams SET enabled = 0, updated_at = ? WHERE id = ?').run(
      new Date().toISOString(),
      teamId,
    );
    if (r.changes === 0) throw new NotFoundError(`team ${teamId} not found`);
    return this.mustGet(teamId);
  }

  // ------------------------------------------------------------------ packages

  async createPackage(teamId: string, input: PackageInput): Promise<Package> {
    const id = randomUUID();
    const now = new Date().toISOString();
    const tx = this.db.transaction(() => {
      if (!this.row(teamId)) throw new NotFoundError(`team ${teamId} not found`);
      this.assertNameFree(teamId, input.name, null);
      this.stmt(
        `INSERT INTO packages (id, team_id, name, name_key, check_types, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, teamId, input.name.trim(), matchKey(input.name), JSON.stringify(dedupe(input.checkTypes)), now, now);
    });
    tx.immediate();
    return this.mustGetPackage(teamId, id);
  }

  async updatePackage(teamId: string, packageId: string, patch: PackagePatch): Promise<Package> {
    const tx = this.db.transaction(() => {
      if (!this.packageRow(teamId, packageId)) throw new NotFoundError(`package ${packageId} not found`);
      const now = new Date().toISOString();
      if (patch.name !== undefined) {
        this.assertNameFree(teamId, patch.name, packageId);
        this.stmt('UPDATE packages SET name = ?, name_key = ?, updated_at = ? WHERE id = ?').run(
          patch.name.trim(),
          matchKey(patch.name),
          now,
          packageId,
        );
      }
      if (patch.checkTypes !== undefined) {
        this.stmt('UPDATE packages SET check_types = ?, updated_at = ? WHERE id = ?').run(
          JSON.stringify(dedupe(patch.checkTypes)),
          now,
          packageId,
        );
      }
    });
    tx.immediate();
    return this.mustGetPackage(teamId, packageId);
  }

  async deletePackage(teamId: string, packageId: string): Promise<void> {
    const tx = this.db.transaction(() => {
      const team = this.row(teamId);
      if (!team || !this.packageRow(teamId, packageId)) throw new NotFoundError(`package ${packageId} not found`);
      if (team.default_package_id === packageId) {
        if (team.enabled === 1) {
          throw new ConflictError(
            'this is the default package of an enabled team: make another package the default first',
            'packageId',
          );
        }
        this.stmt('UPDATE teams SET default_package_id = NULL, updated_at = ? WHERE id = ?').run(
          new Date().toISOString(),
          teamId,
        );
      }
      this.stmt('DELETE FROM packages WHERE id = ? AND team_id = ?').run(packageId, teamId);
    });
    tx.immediate();
  }

  async setDefaultPackage(teamId: string, packageId: string): Promise<TeamConfig> {
    const tx = this.db.transaction(() => {
      if (!this.row(teamId)) throw new NotFoundError(`team ${teamId} not found`);
      if (!this.packageRow(teamId, packageId)) throw new NotFoundError(`package ${packageId} not found`);
      this.stmt('UPDATE teams SET default_package_id = ?, updated_at = ? WHERE id = ?').run(
        packageId,
        new Date().toISOString(),
        teamId,
      );
    });
    tx.immediate();
    return this.mustGet(teamId);
  }

  private assertNameFree(teamId: string, name: string, exceptId: string | null): void {
    const clash = this.stmt('SELECT id FROM packages WHERE team_id = ? AND name_key = ?').get(
      teamId,
      matchKey(name),
    ) as { id: string } | undefined;
    if (clash && clash.id !== exceptId) {
      throw new ConflictError(`a package named "${name.trim()}" already exists in this team`, 'name');
    }
  }

  // ------------------------------------------------------------------ lever deliveries

  async claimLeverDelivery(teamId: string, token: string, claim: DeliveryClaimInput): Promise<DeliveryClaim> {
    const hash = tokenHash(token);
    const now = Date.now();
    const claimId = randomUUID();
    // One immediate transaction: concurrent claims of one token (in any process) see each other, exactly one wins.
    // Committed without an fsync (synchronous NORMAL; in WAL mode that survives a crash of the process, not a power
    // cut): the claim is made durable by the WAL sync of the mark that follows it. Every path to a 2xx passes one:
    // markLeverDeliveryHanded. A power cut before that loses at most a claim whose delivery was never acknowledged:
    // Lever retries it, and a second hand-over is a second signal to the same check (see lever-webhook.ts).
    const claimed = () => this.claimTransaction(teamId, hash, claim, now, claimId);
    return this.wal ? this.wal.unsynced(claimed) : claimed();
  }

  private claimTransaction(
    teamId: string,
    hash: string,
    claim: DeliveryClaimInput,
    now: number,
    claimId: string,
  ): DeliveryClaim {
    return this.db
      .transaction((): DeliveryClaim => {
        const row = this.stmt(
          `SELECT received_at, handed_at, body_hash, claim_id FROM lever_deliveries
             WHERE team_id = ? AND token_hash = ?`,
        ).get(teamId, hash) as DeliveryRow | undefined;
        const decision = claimDecision(row, claim.bodyHash, claim.abandonedBefore);
        if (decision === 'insert') {
          this.stmt(
            `INSERT INTO lever_deliveries (team_id, token_hash, triggered_at, received_at, body_hash, claim_id)
               VALUES (?, ?, ?, ?, ?, ?)`,
          ).run(teamId, hash, Math.trunc(claim.triggeredAt), now, claim.bodyHash, claimId);
          return { outcome: 'claimed', claimId };
        }
        if (decision !== 'take_over') return { outcome: decision };
        this.stmt('UPDATE lever_deliveries SET received_at = ?, claim_id = ? WHERE team_id = ? AND token_hash = ?').run(
          now,
          claimId,
          teamId,
          hash,
        );
        return { outcome: 'claimed', claimId };
      })
      .immediate();
  }

  async markLeverDeliveryHanded(teamId: string, token: string, claimId: string): Promise<boolean> {
    const hash = tokenHash(token);
    return this.handedMarks.run(() => {
      const r = this.stmt(
        `UPDATE lever_deliveries SET handed_at = ?, claim_id = NULL
           WHERE team_id = ? AND token_hash = ? AND claim_id = ? AND handed_at IS NULL`,
      ).run(Date.now(), teamId, hash, claimId);
      return r.changes === 1;
    });
  }

  async releaseLeverDelivery(teamId: string, token: string, claimId: string): Promise<boolean> {
    // The row stays (with its body hash): only a retry of the same body may claim the token again.
    const r = this.stmt(
      `UPDATE lever_deliveries SET claim_id = NULL
         WHERE team_id = ? AND token_hash = ? AND claim_id = ? AND handed_at IS NULL`,
    ).run(teamId, tokenHash(token), claimId);
    return r.changes === 1;
  }

  async pruneLeverDeliveries(before: number): Promise<number> {
    // Queued hand-overs stay until relayed, however old.
    return this.stmt('DELETE FROM lever_deliveries WHERE triggered_at < ? AND handover IS NULL').run(Math.trunc(before))
      .changes;
  }

  // ------------------------------------------------------------------ lever outbox

  async queueLeverDelivery(teamId: string, token: string, claimId: string, handover: QueuedHandover): Promise<boolean> {
    const now = Date.now();
    const r = this.stmt(
      `UPDATE lever_deliveries SET handover = ?, queued_at = ?, handed_at = ?, claim_id = NULL
         WHERE team_id = ? AND token_hash = ? AND claim_id = ? AND handed_at IS NULL`,
    ).run(handoverJson(handover), now, now, teamId, tokenHash(token), claimId);
    return r.changes === 1;
  }

  async leaseQueuedDeliveries(opts: { limit: number; leaseMs: number }): Promise<LeasedHandover[]> {
    const now = Date.now();
    const leaseId = randomUUID();
    // Immediate: a concurrent leaser (another process on the file) waits, then sees these rows leased.
    return this.db
      .transaction(() => {
        const rows = this.stmt(
          `SELECT team_id, token_hash, handover FROM lever_deliveries
             WHERE handover IS NOT NULL AND (lease_until IS NULL OR lease_until < ?)
             ORDER BY queued_at LIMIT ?`,
        ).all(now, opts.limit) as OutboxRow[];
        const lease = this.stmt(
          'UPDATE lever_deliveries SET lease_id = ?, lease_until = ? WHERE team_id = ? AND token_hash = ?',
        );
        for (const row of rows) lease.run(leaseId, now + opts.leaseMs, row.team_id, row.token_hash);
        return rows.map((row) => toLeased(row, leaseId));
      })
      .immediate();
  }

  async markDeliveryRelayed(row: LeasedHandover): Promise<boolean> {
    const r = this.stmt(
      `UPDATE lever_deliveries SET handover = NULL, lease_id = NULL, lease_until = NULL, relayed_at = ?
         WHERE team_id = ? AND token_hash = ? AND lease_id = ? AND handover IS NOT NULL`,
    ).run(Date.now(), row.teamId, row.tokenHash, row.leaseId);
    return r.changes === 1;
  }

  async releaseDeliveryLease(leaseId: string): Promise<number> {
    return this.stmt(
      'UPDATE lever_deliveries SET lease_id = NULL, lease_until = NULL WHERE lease_id = ? AND handover IS NOT NULL',
    ).run(leaseId).changes;
  }

  // ------------------------------------------------------------------ certn objects

  async recordCertnObjects(
    teamId: string,
    ref: CertnObjectRef & { objectIds: string[] },
  ): Promise<{ foreign: string[] }> {
    return this.durably(() => this.db.transaction(() => this.recordObjects(teamId, ref)).immediate());
  }

  private recordObjects(teamId: string, ref: CertnObjectRef & { objectIds: string[] }): { foreign: string[] } {
    const now = new Date().toISOString();
    const insert = this.stmt(
      `INSERT INTO certn_objects (team_id, object_id, workflow_id, opportunity_id, case_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (object_id) DO NOTHING`,
    );
    const owner = this.stmt('SELECT team_id, opportunity_id, case_id FROM certn_objects WHERE object_id = ?');
    const foreign: string[] = [];
    for (const objectId of dedupe([ref.caseId, ...ref.objectIds])) {
      if (insert.run(teamId, objectId, ref.workflowId, ref.opportunityId, ref.caseId, now).changes === 1) continue;
      const o = owner.get(objectId) as { team_id: string; opportunity_id: string; case_id: string };
      if (o.team_id !== teamId || o.opportunity_id !== ref.opportunityId || o.case_id !== ref.caseId) {
        foreign.push(objectId);
      }
    }
    return { foreign };
  }

  async findCheckByCertnObject(teamId: string, objectId: string): Promise<CertnObjectRef | null> {
    const owner = await this.findCertnObjectOwner(objectId);
    if (!owner || owner.teamId !== teamId) return null;
    return { workflowId: owner.workflowId, opportunityId: owner.opportunityId, caseId: owner.caseId };
  }

  async findCertnObjectOwner(objectId: string): Promise<(CertnObjectRef & { teamId: string }) | null> {
    const row = this.stmt(
      `SELECT team_id AS teamId, workflow_id AS workflowId, opportunity_id AS opportunityId, case_id AS caseId
         FROM certn_objects WHERE object_id = ?`,
    ).get(objectId) as (CertnObjectRef & { teamId: string }) | undefined;
    return row ?? null;
  }

  // ------------------------------------------------------------------ order intents

  hashEmail(email: string): string {
    return createHmac('sha256', this.emailKey).update(email.trim().toLowerCase(), 'utf8').digest('hex');
  }

  async createOrderIntent(input: {
    teamId: string;
    opportunityId: string;
    workflowId: string;
    email: string;
    checkTypes: string[];
    orderKey?: string;
  }): Promise<OrderIntent> {
    const id = randomUUID();
    const createdAt = new Date().toISOString();
    const checkTypes = dedupe(input.checkTypes).sort();
    const { changes } = await this.durably(() =>
      this.stmt(
        `INSERT INTO order_intents
           (id, team_id, opportunity_id, workflow_id, email_hash, email_sealed, check_types, created_at, order_key)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
         WHERE NOT EXISTS (SELECT 1 FROM order_intents WHERE order_key = ? AND case_id IS NOT NULL)
         ON CONFLICT DO NOTHING`,
      ).run(
        id,
        input.teamId,
        input.opportunityId,
        input.workflowId,
        this.hashEmail(input.email),
        this.box.seal(input.email, `intent:${id}:email`),
        JSON.stringify(checkTypes),
        createdAt,
        input.orderKey ?? null,
        input.orderKey ?? null,
      ),
    );
    if (changes === 0) throw new OrderIntentTakenError();
    return {
      ...input,
      id,
      checkTypes,
      createdAt,
      emailHash: this.hashEmail(input.email),
      notSent: false,
      answered: false,
    };
  }

  async findOpenOrderIntent(teamId: string, opportunityId: string): Promise<OrderIntent | null> {
    const row = this.stmt(
      `SELECT * FROM order_intents WHERE team_id = ? AND opportunity_id = ? AND resolved_at IS NULL
         ORDER BY created_at DESC LIMIT 1`,
    ).get(teamId, opportunityId) as IntentRow | undefined;
    return row ? toIntent(this.box, row) : null;
  }

  async findCaseOrderedBy(orderKey: string): Promise<string | null> {
    const row = this.stmt(
      'SELECT case_id FROM order_intents WHERE order_key = ? AND case_id IS NOT NULL ORDER BY created_at DESC LIMIT 1',
    ).get(orderKey) as { case_id: string } | undefined;
    return row?.case_id ?? null;
  }

  async markOrderIntentNotSent(intentId: string): Promise<void> {
    await this.durably(() => this.stmt('UPDATE order_intents SET not_sent = 1 WHERE id = ?').run(intentId));
  }

  async markOrderIntentAnswered(intentId: string): Promise<void> {
    await this.durably(() => this.stmt('UPDATE order_intents SET answered = 1 WHERE id = ?').run(intentId));
  }

  async resolveOrderIntent(
    intentId: string,
    outcome: { ref: CertnObjectRef & { objectIds: string[] } } | null,
  ): Promise<void> {
    const resolve = this.db.transaction(() => {
      const row = this.stmt('SELECT team_id FROM order_intents WHERE id = ?').get(intentId) as
        { team_id: string } | undefined;
      if (!row) throw new NotFoundError(`order intent ${intentId} not found`);
      if (outcome) {
        const { foreign } = this.recordObjects(row.team_id, outcome.ref);
        if (foreign.includes(outcome.ref.caseId)) {
          throw new ConflictError(`case ${outcome.ref.caseId} already belongs to another check`, 'caseId');
        }
      }
      this.stmt('UPDATE order_intents SET resolved_at = ?, case_id = ?, email_sealed = NULL WHERE id = ?').run(
        new Date().toISOString(),
        outcome?.ref.caseId ?? null,
        intentId,
      );
    });
    await this.durably(() => resolve.immediate());
  }

  async findCaseForOpportunity(teamId: string, opportunityId: string): Promise<string | null> {
    const row = this.stmt(
      'SELECT case_id FROM certn_objects WHERE team_id = ? AND opportunity_id = ? ORDER BY seq DESC LIMIT 1',
    ).get(teamId, opportunityId) as { case_id: string } | undefined;
    return row?.case_id ?? null;
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.handedMarks.flush();
    await this.wal?.close();
    this.db.close();
  }

  // ------------------------------------------------------------------ helpers

  private row(teamId: string): TeamRow | undefined {
    return this.stmt('SELECT * FROM teams WHERE id = ?').get(teamId) as TeamRow | undefined;
  }

  private packageRow(teamId: string, packageId: string): PackageRow | undefined {
    return this.stmt('SELECT * FROM packages WHERE id = ? AND team_id = ?').get(packageId, teamId) as
      PackageRow | undefined;
  }

  private mustGet(teamId: string): TeamConfig {
    const row = this.row(teamId);
    if (!row) throw new NotFoundError(`team ${teamId} not found`);
    return this.toConfig(row);
  }

  private mustGetPackage(teamId: string, packageId: string): Package {
    const row = this.packageRow(teamId, packageId);
    if (!row) throw new NotFoundError(`package ${packageId} not found`);
    return toPackage(row);
  }

  private secret(row: TeamRow, column: Parameters<typeof openSecret>[2]): string | null {
    return openSecret(this.box, row, column);
  }

  private toConfig(row: TeamRow): TeamConfig {
    const packages = this.stmt('SELECT * FROM packages WHERE team_id = ? ORDER BY created_at, rowid').all(
      row.id,
    ) as PackageRow[];
    return toConfig(this.box, row, packages);
  }
}

/** Applies the migrations not yet recorded, each in its own transaction. Exported for tests. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const ran: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    const ran1 = db
      .transaction((): boolean => {
        // Another process starting at the same time may have applied it while we waited for the write lock.
        if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version)) return false;
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          new Date().toISOString(),
        );
        return true;
      })
      .immediate();
    if (ran1) ran.push(m.version);
  }
  return ran;
}

/** The embedded default: `<dataDir>/settings.db`. */
export function openSqliteSettingsStore(dataDir: string, masterKey: Buffer): SqliteSettingsStore {
  return new SqliteSettingsStore({ dataDir, masterKey });
}
