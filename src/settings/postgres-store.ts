// The settings store on PostgreSQL (chosen when DATABASE_URL is set): the same tables, row mapping (rows.ts) and
// semantics as the SQLite store, for several API/worker processes on several hosts. Read-then-write paths run in a
// transaction that locks the row first (SELECT … FOR UPDATE) or are single statements with ON CONFLICT, so claims
// and intents stay atomic under concurrency. Driver: node-postgres (`pg`) — well kept, pure JS (no native build),
// pooled, the de-facto PostgreSQL driver for Node. Over 300 lines: it implements the whole SettingsStore interface.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Pool, PoolClient, types } from 'pg';
import { SecretBox, randomWebhookId } from './crypto';
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
  LeverHookTeam,
  NotFoundError,
  OrderIntent,
  OrderIntentTakenError,
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

export const PG_MIGRATIONS: readonly Migration[] = loadMigrations('postgres');

/** BIGINT (epoch ms, sequences) as numbers: every value the store keeps there is far below 2^53. */
const PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8
      ? (v: string) => Number(v)
      : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

type Db = Pool | PoolClient;

async function one<T>(db: Db, sql: string, params: unknown[] = []): Promise<T | undefined> {
  return (await db.query(sql, params)).rows[0] as T | undefined;
}
async function all<T>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}
async function run(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  return (await db.query(sql, params)).rowCount ?? 0;
}

export interface PostgresStoreOptions {
  connectionString: string;
  masterKey: Buffer;
  /** Pool size per process (default 10). */
  max?: number;
}

export class PostgresSettingsStore implements SettingsStore {
  private readonly box: SecretBox;
  private readonly emailKey: Buffer;

  private constructor(
    readonly pool: Pool,
    masterKey: Buffer,
  ) {
    this.box = new SecretBox(masterKey);
    this.emailKey = createHmac('sha256', masterKey).update('order-intent e-mail hash v1').digest();
  }

  /** Connects and applies the migrations not yet recorded. */
  static async open(opts: PostgresStoreOptions): Promise<PostgresSettingsStore> {
    const pool = new Pool({ connectionString: opts.connectionString, max: opts.max ?? 10, types: PG_TYPES });
    // An idle client losing its connection must not crash the process: the pool replaces it.
    pool.on('error', () => undefined);
    try {
      await migratePostgres(pool);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresSettingsStore(pool, opts.masterKey);
  }

  async appliedMigrations(): Promise<number[]> {
    const rows = await all<{ version: number }>(this.pool, 'SELECT version FROM schema_migrations ORDER BY version');
    return rows.map((r) => r.version);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const result = await fn(c);
      await c.query('COMMIT');
      return result;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  // ------------------------------------------------------------------ teams

  async createTeam(input: TeamInput): Promise<TeamConfig> {
    const id = randomUUID();
    const now = new Date().toISOString();
    await this.tx(async (c) => {
      await run(
        c,
        `INSERT INTO teams (id, name, enabled, lever_webhook_id, certn_webhook_id, created_at, updated_at)
         VALUES ($1, $2, 0, $3, $4, $5, $6)`,
        [id, input.name.trim(), randomWebhookId(), randomWebhookId(), now, now],
      );
      await this.applyFields(c, id, input, now, false);
    });
    return this.mustGet(id);
  }

  async updateTeam(
    teamId: string,
    patch: TeamPatch,
    resolved?: { triggerStageId: string; expectedVersion: number },
  ): Promise<TeamConfig> {
    await this.tx(async (c) => {
      const row = await this.lockTeam(c, teamId);
      if (!row) throw new NotFoundError(`team ${teamId} not found`);
      if (resolved && row.version !== resolved.expectedVersion) {
        throw new ConflictError('the team changed while this update was checked: try again', 'version');
      }
      const now = new Date().toISOString();
      if (patch.name !== undefined) {
        await run(c, 'UPDATE teams SET name = $1, updated_at = $2 WHERE id = $3', [patch.name.trim(), now, teamId]);
      }
      const newName = patch.lever?.triggerStageName;
      const renamed = typeof newName === 'string' && matchKey(newName) !== matchKey(row.lever_trigger_stage_name ?? '');
      if (renamed && row.enabled === 1 && !resolved) {
        throw new ConflictError(
          'the trigger stage of an enabled team changes only with its resolved Lever stage id',
          'lever.triggerStageName',
        );
      }
      await this.applyFields(c, teamId, patch, now, row.enabled === 1);
      if (renamed) {
        await run(c, 'UPDATE teams SET lever_trigger_stage_id = $1, updated_at = $2 WHERE id = $3', [
          row.enabled === 1 && resolved ? resolved.triggerStageId : null,
          now,
          teamId,
        ]);
      }
    });
    return this.mustGet(teamId);
  }

  private async applyFields(c: Db, teamId: string, input: TeamPatch, now: string, enabled: boolean): Promise<void> {
    const { columns, values } = teamFieldUpdates(this.box, teamId, input, enabled);
    if (columns.length === 0) return;
    const sets = columns.map((col, i) => `${col} = $${i + 1}`).join(', ');
    const n = columns.length;
    await run(c, `UPDATE teams SET ${sets}, updated_at = $${n + 1} WHERE id = $${n + 2}`, [...values, now, teamId]);
  }

  async listTeams(): Promise<TeamConfig[]> {
    const rows = await all<TeamRow>(this.pool, 'SELECT * FROM teams ORDER BY created_at, id');
    const packages = await all<PackageRow>(this.pool, 'SELECT * FROM packages ORDER BY created_at, seq');
    return rows.map((r) =>
      toConfig(
        this.box,
        r,
        packages.filter((p) => p.team_id === r.id),
      ),
    );
  }

  async getTeamConfig(teamId: string): Promise<TeamConfig | null> {
    const row = await this.row(teamId);
    return row ? this.toConfig(row) : null;
  }

  async getTeamSecrets(teamId: string): Promise<TeamSecrets | null> {
    const row = await this.row(teamId);
    if (!row) return null;
    return {
      lever: {
        apiKey: openSecret(this.box, row, 'lever_api_key'),
        ...leverHookTokens(this.box, row),
      },
      certn: {
        apiKey: openSecret(this.box, row, 'certn_api_key'),
        webhookSecret: openSecret(this.box, row, 'certn_webhook_secret'),
      },
    };
  }

  async findLeverHook(leverWebhookId: string): Promise<LeverHookTeam | null> {
    const row = await one<TeamRow>(this.pool, 'SELECT * FROM teams WHERE lever_webhook_id = $1', [leverWebhookId]);
    if (!row) return null;
    return {
      teamId: row.id,
      enabled: row.enabled === 1,
      triggerStageId: row.lever_trigger_stage_id,
      ...leverHookTokens(this.box, row),
    };
  }

  async findCertnHook(certnWebhookId: string): Promise<CertnHookTeam | null> {
    const row = await one<TeamRow>(this.pool, 'SELECT * FROM teams WHERE certn_webhook_id = $1', [certnWebhookId]);
    if (!row) return null;
    return {
      teamId: row.id,
      enabled: row.enabled === 1,
      webhookSecret: openSecret(this.box, row, 'certn_webhook_secret'),
    };
  }

  async enableTeam(teamId: string, triggerStageId: string, opts: EnableOptions): Promise<TeamConfig> {
    const changed = await run(
      this.pool,
      'UPDATE teams SET enabled = 1, lever_trigger_stage_id = $1, updated_at = $2 WHERE id = $3 AND version = $4',
      [triggerStageId, new Date().toISOString(), teamId, opts.expectedVersion],
    );
    if (changed === 0) {
      if (!(await this.row(teamId))) throw new NotFoundError(`team ${teamId} not found`);
      throw new ConflictError(
        'the team changed while it was being validated: nothing was enabled, check the settings and enable again',
        'version',
      );
    }
    return this.mustGet(teamId);
  }

  async disableTeam(teamId: string): Promise<TeamConfig> {
    const changed = await run(this.pool, 'UPDATE teams SET enabled = 0, updated_at = $1 WHERE id = $2', [
      new Date().toISOString(),
      teamId,
    ]);
    if (changed === 0) throw new NotFoundError(`team ${teamId} not found`);
    return this.mustGet(teamId);
  }

  async reportLinkKey(teamId: string): Promise<Buffer | null> {
    return this.tx(async (c) => {
      const row = await this.lockTeam(c, teamId);
      if (!row) return null;
      const context = `team:${teamId}:reportLinkKey`;
      if (row.report_link_key !== null) return Buffer.from(this.box.open(row.report_link_key, context), 'base64');
      const key = randomBytes(32);
      await run(c, 'UPDATE teams SET report_link_key = $1 WHERE id = $2', [
        this.box.seal(key.toString('base64'), context),
        teamId,
      ]);
      return key;
    });
  }

  async rotateReportLinkKey(teamId: string): Promise<void> {
    const sealed = this.box.seal(randomBytes(32).toString('base64'), `team:${teamId}:reportLinkKey`);
    const changed = await run(this.pool, 'UPDATE teams SET report_link_key = $1, updated_at = $2 WHERE id = $3', [
      sealed,
      new Date().toISOString(),
      teamId,
    ]);
    if (changed === 0) throw new NotFoundError(`team ${teamId} not found`);
  }

  // ------------------------------------------------------------------ packages

  async createPackage(teamId: string, input: PackageInput): Promise<Package> {
    const id = randomUUID();
    const now = new Date().toISOString();
    await this.tx(async (c) => {
      if (!(await this.lockTeam(c, teamId))) throw new NotFoundError(`team ${teamId} not found`);
      await this.assertNameFree(c, teamId, input.name, null);
      await run(
        c,
        `INSERT INTO packages (id, team_id, name, name_key, check_types, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, teamId, input.name.trim(), matchKey(input.name), JSON.stringify(dedupe(input.checkTypes)), now, now],
      );
    });
    return this.mustGetPackage(teamId, id);
  }

  async updatePackage(teamId: string, packageId: string, patch: PackagePatch): Promise<Package> {
    await this.tx(async (c) => {
      await this.lockTeam(c, teamId);
      if (!(await this.packageRow(c, teamId, packageId))) throw new NotFoundError(`package ${packageId} not found`);
      const now = new Date().toISOString();
      if (patch.name !== undefined) {
        await this.assertNameFree(c, teamId, patch.name, packageId);
        await run(c, 'UPDATE packages SET name = $1, name_key = $2, updated_at = $3 WHERE id = $4', [
          patch.name.trim(),
          matchKey(patch.name),
          now,
          packageId,
        ]);
      }
      if (patch.checkTypes !== undefined) {
        await run(c, 'UPDATE packages SET check_types = $1, updated_at = $2 WHERE id = $3', [
          JSON.stringify(dedupe(patch.checkTypes)),
          now,
          packageId,
        ]);
      }
    });
    return this.mustGetPackage(teamId, packageId);
  }

  async deletePackage(teamId: string, packageId: string): Promise<void> {
    await this.tx(async (c) => {
      const team = await this.lockTeam(c, teamId);
      if (!team || !(await this.packageRow(c, teamId, packageId))) {
        throw new NotFoundError(`package ${packageId} not found`);
      }
      if (team.default_package_id === packageId) {
        if (team.enabled === 1) {
          throw new ConflictError(
            'this is the default package of an enabled team: make another package the default first',
            'packageId',
          );
        }
        await run(c, 'UPDATE teams SET default_package_id = NULL, updated_at = $1 WHERE id = $2', [
          new Date().toISOString(),
          teamId,
        ]);
      }
      await run(c, 'DELETE FROM packages WHERE id = $1 AND team_id = $2', [packageId, teamId]);
    });
  }

  async setDefaultPackage(teamId: string, packageId: string): Promise<TeamConfig> {
    await this.tx(async (c) => {
      if (!(await this.lockTeam(c, teamId))) throw new NotFoundError(`team ${teamId} not found`);
      if (!(await this.packageRow(c, teamId, packageId))) throw new NotFoundError(`package ${packageId} not found`);
      await run(c, 'UPDATE teams SET default_package_id = $1, updated_at = $2 WHERE id = $3', [
        packageId,
        new Date().toISOString(),
        teamId,
      ]);
    });
    return this.mustGet(teamId);
  }

  private async assertNameFree(c: Db, teamId: string, name: string, exceptId: string | null): Promise<void> {
    const clash = await one<{ id: string }>(c, 'SELECT id FROM packages WHERE team_id = $1 AND name_key = $2', [
      teamId,
      matchKey(name),
    ]);
    if (clash && clash.id !== exceptId) {
      throw new ConflictError(`a package named "${name.trim()}" already exists in this team`, 'name');
    }
  }

  // ------------------------------------------------------------------ lever deliveries

  async claimLeverDelivery(teamId: string, token: string, claim: DeliveryClaimInput): Promise<DeliveryClaim> {
    const hash = tokenHash(token);
    const claimId = randomUUID();
    return this.tx(async (c): Promise<DeliveryClaim> => {
      // First sight wins in one statement; a concurrent insert of the same token waits for ours, then sees the row.
      const inserted = await run(
        c,
        `INSERT INTO lever_deliveries (team_id, token_hash, triggered_at, received_at, body_hash, claim_id)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (team_id, token_hash) DO NOTHING`,
        [teamId, hash, Math.trunc(claim.triggeredAt), Date.now(), claim.bodyHash, claimId],
      );
      if (inserted === 1) return { outcome: 'claimed', claimId };
      const row = await one<DeliveryRow>(
        c,
        `SELECT received_at, handed_at, body_hash, claim_id FROM lever_deliveries
         WHERE team_id = $1 AND token_hash = $2 FOR UPDATE`,
        [teamId, hash],
      );
      // Pruned between the two statements (older than retention): in_flight, and the sender's retry starts afresh.
      if (!row) return { outcome: 'in_flight' };
      const decision = claimDecision(row, claim.bodyHash, claim.abandonedBefore);
      if (decision !== 'take_over') return { outcome: decision === 'insert' ? 'in_flight' : decision };
      await run(
        c,
        'UPDATE lever_deliveries SET received_at = $1, claim_id = $2 WHERE team_id = $3 AND token_hash = $4',
        [Date.now(), claimId, teamId, hash],
      );
      return { outcome: 'claimed', claimId };
    });
  }

  async markLeverDeliveryHanded(teamId: string, token: string, claimId: string): Promise<boolean> {
    const changed = await run(
      this.pool,
      `UPDATE lever_deliveries SET handed_at = $1, claim_id = NULL
       WHERE team_id = $2 AND token_hash = $3 AND claim_id = $4 AND handed_at IS NULL`,
      [Date.now(), teamId, tokenHash(token), claimId],
    );
    return changed === 1;
  }

  async releaseLeverDelivery(teamId: string, token: string, claimId: string): Promise<boolean> {
    const changed = await run(
      this.pool,
      `UPDATE lever_deliveries SET claim_id = NULL
       WHERE team_id = $1 AND token_hash = $2 AND claim_id = $3 AND handed_at IS NULL`,
      [teamId, tokenHash(token), claimId],
    );
    return changed === 1;
  }

  async pruneLeverDeliveries(before: number): Promise<number> {
    // Queued hand-overs stay until relayed, however old.
    return run(this.pool, 'DELETE FROM lever_deliveries WHERE triggered_at < $1 AND handover IS NULL', [
      Math.trunc(before),
    ]);
  }

  // ------------------------------------------------------------------ lever outbox

  async queueLeverDelivery(teamId: string, token: string, claimId: string, handover: QueuedHandover): Promise<boolean> {
    const now = Date.now();
    const changed = await run(
      this.pool,
      `UPDATE lever_deliveries SET handover = $1, queued_at = $2, handed_at = $2, claim_id = NULL
       WHERE team_id = $3 AND token_hash = $4 AND claim_id = $5 AND handed_at IS NULL`,
      [handoverJson(handover), now, teamId, tokenHash(token), claimId],
    );
    return changed === 1;
  }

  async leaseQueuedDeliveries(opts: { limit: number; leaseMs: number }): Promise<LeasedHandover[]> {
    const now = Date.now();
    const leaseId = randomUUID();
    // SKIP LOCKED: replicas leasing at once take disjoint rows instead of waiting on each other's.
    const rows = await all<OutboxRow>(
      this.pool,
      `UPDATE lever_deliveries d SET lease_id = $1, lease_until = $2
       FROM (SELECT team_id, token_hash FROM lever_deliveries
             WHERE handover IS NOT NULL AND (lease_until IS NULL OR lease_until < $3)
             ORDER BY queued_at LIMIT $4 FOR UPDATE SKIP LOCKED) q
       WHERE d.team_id = q.team_id AND d.token_hash = q.token_hash
       RETURNING d.team_id, d.token_hash, d.handover`,
      [leaseId, now + opts.leaseMs, now, opts.limit],
    );
    return rows.map((row) => toLeased(row, leaseId));
  }

  async markDeliveryRelayed(row: LeasedHandover): Promise<boolean> {
    const changed = await run(
      this.pool,
      `UPDATE lever_deliveries SET handover = NULL, lease_id = NULL, lease_until = NULL, relayed_at = $1
       WHERE team_id = $2 AND token_hash = $3 AND lease_id = $4 AND handover IS NOT NULL`,
      [Date.now(), row.teamId, row.tokenHash, row.leaseId],
    );
    return changed === 1;
  }

  async releaseDeliveryLease(leaseId: string): Promise<number> {
    return run(
      this.pool,
      'UPDATE lever_deliveries SET lease_id = NULL, lease_until = NULL WHERE lease_id = $1 AND handover IS NOT NULL',
      [leaseId],
    );
  }

  // ------------------------------------------------------------------ certn objects

  async recordCertnObjects(
    teamId: string,
    ref: CertnObjectRef & { objectIds: string[] },
  ): Promise<{ foreign: string[] }> {
    return this.tx((c) => this.recordObjects(c, teamId, ref));
  }

  private async recordObjects(
    c: Db,
    teamId: string,
    ref: CertnObjectRef & { objectIds: string[] },
  ): Promise<{ foreign: string[] }> {
    const now = new Date().toISOString();
    const foreign: string[] = [];
    for (const objectId of dedupe([ref.caseId, ...ref.objectIds])) {
      const inserted = await run(
        c,
        `INSERT INTO certn_objects (team_id, object_id, workflow_id, opportunity_id, case_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (object_id) DO NOTHING`,
        [teamId, objectId, ref.workflowId, ref.opportunityId, ref.caseId, now],
      );
      if (inserted === 1) continue;
      const o = await one<{ team_id: string; opportunity_id: string; case_id: string }>(
        c,
        'SELECT team_id, opportunity_id, case_id FROM certn_objects WHERE object_id = $1',
        [objectId],
      );
      if (!o || o.team_id !== teamId || o.opportunity_id !== ref.opportunityId || o.case_id !== ref.caseId) {
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
    const row = await one<CertnObjectRef & { teamId: string }>(
      this.pool,
      `SELECT team_id AS "teamId", workflow_id AS "workflowId", opportunity_id AS "opportunityId",
              case_id AS "caseId"
       FROM certn_objects WHERE object_id = $1`,
      [objectId],
    );
    return row ?? null;
  }

  async findCaseForOpportunity(teamId: string, opportunityId: string): Promise<string | null> {
    const row = await one<{ case_id: string }>(
      this.pool,
      'SELECT case_id FROM certn_objects WHERE team_id = $1 AND opportunity_id = $2 ORDER BY seq DESC LIMIT 1',
      [teamId, opportunityId],
    );
    return row?.case_id ?? null;
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
    const emailHash = this.hashEmail(input.email);
    const inserted = await run(
      this.pool,
      `INSERT INTO order_intents
         (id, team_id, opportunity_id, workflow_id, email_hash, email_sealed, check_types, created_at, order_key)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
       WHERE NOT EXISTS (SELECT 1 FROM order_intents WHERE order_key = $9 AND case_id IS NOT NULL)
       ON CONFLICT DO NOTHING`,
      [
        id,
        input.teamId,
        input.opportunityId,
        input.workflowId,
        emailHash,
        this.box.seal(input.email, `intent:${id}:email`),
        JSON.stringify(checkTypes),
        createdAt,
        input.orderKey ?? null,
      ],
    );
    if (inserted === 0) throw new OrderIntentTakenError();
    return { ...input, id, checkTypes, createdAt, emailHash, notSent: false, answered: false };
  }

  async findOpenOrderIntent(teamId: string, opportunityId: string): Promise<OrderIntent | null> {
    const row = await one<IntentRow>(
      this.pool,
      `SELECT * FROM order_intents WHERE team_id = $1 AND opportunity_id = $2 AND resolved_at IS NULL
       ORDER BY created_at DESC LIMIT 1`,
      [teamId, opportunityId],
    );
    return row ? toIntent(this.box, row) : null;
  }

  async findCaseOrderedBy(orderKey: string): Promise<string | null> {
    const row = await one<{ case_id: string }>(
      this.pool,
      'SELECT case_id FROM order_intents WHERE order_key = $1 AND case_id IS NOT NULL ORDER BY created_at DESC LIMIT 1',
      [orderKey],
    );
    return row?.case_id ?? null;
  }

  async markOrderIntentNotSent(intentId: string): Promise<void> {
    await run(this.pool, 'UPDATE order_intents SET not_sent = 1 WHERE id = $1', [intentId]);
  }

  async markOrderIntentAnswered(intentId: string): Promise<void> {
    await run(this.pool, 'UPDATE order_intents SET answered = 1 WHERE id = $1', [intentId]);
  }

  async resolveOrderIntent(
    intentId: string,
    outcome: { ref: CertnObjectRef & { objectIds: string[] } } | null,
  ): Promise<void> {
    await this.tx(async (c) => {
      const row = await one<{ team_id: string }>(c, 'SELECT team_id FROM order_intents WHERE id = $1 FOR UPDATE', [
        intentId,
      ]);
      if (!row) throw new NotFoundError(`order intent ${intentId} not found`);
      if (outcome) {
        const { foreign } = await this.recordObjects(c, row.team_id, outcome.ref);
        if (foreign.includes(outcome.ref.caseId)) {
          throw new ConflictError(`case ${outcome.ref.caseId} already belongs to another check`, 'caseId');
        }
      }
      await run(c, 'UPDATE order_intents SET resolved_at = $1, case_id = $2, email_sealed = NULL WHERE id = $3', [
        new Date().toISOString(),
        outcome?.ref.caseId ?? null,
        intentId,
      ]);
    });
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  // ------------------------------------------------------------------ helpers

  private row(teamId: string): Promise<TeamRow | undefined> {
    return one<TeamRow>(this.pool, 'SELECT * FROM teams WHERE id = $1', [teamId]);
  }

  private lockTeam(c: PoolClient, teamId: string): Promise<TeamRow | undefined> {
    return one<TeamRow>(c, 'SELECT * FROM teams WHERE id = $1 FOR UPDATE', [teamId]);
  }

  private packageRow(c: Db, teamId: string, packageId: string): Promise<PackageRow | undefined> {
    return one<PackageRow>(c, 'SELECT * FROM packages WHERE id = $1 AND team_id = $2', [packageId, teamId]);
  }

  private async mustGet(teamId: string): Promise<TeamConfig> {
    const row = await this.row(teamId);
    if (!row) throw new NotFoundError(`team ${teamId} not found`);
    return this.toConfig(row);
  }

  private async mustGetPackage(teamId: string, packageId: string): Promise<Package> {
    const row = await this.packageRow(this.pool, teamId, packageId);
    if (!row) throw new NotFoundError(`package ${packageId} not found`);
    return toPackage(row);
  }

  private async toConfig(row: TeamRow): Promise<TeamConfig> {
    const packages = await all<PackageRow>(
      this.pool,
      'SELECT * FROM packages WHERE team_id = $1 ORDER BY created_at, seq',
      [row.id],
    );
    return toConfig(this.box, row, packages);
  }
}

/**
 * Applies the migrations not yet recorded, all in one transaction under an advisory lock: processes starting together
 * apply each migration once, and a failing one leaves nothing behind (PostgreSQL DDL is transactional).
 */
export async function migratePostgres(pool: Pool, migrations: readonly Migration[] = PG_MIGRATIONS): Promise<number[]> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query("SELECT pg_advisory_xact_lock(hashtext('lever-certn settings migrations'))");
    await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const applied = new Set(
      (await all<{ version: number }>(c, 'SELECT version FROM schema_migrations')).map((r) => r.version),
    );
    const ran: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await c.query(m.sql);
      await run(c, 'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
      ran.push(m.version);
    }
    await c.query('COMMIT');
    return ran;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}
