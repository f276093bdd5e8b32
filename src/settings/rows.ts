// Row shapes and row ↔ domain mapping shared by the SQLite and PostgreSQL stores (same tables, same columns), so the
// two backends cannot drift in what they return or in which fields an enabled team requires.
import { createHash } from 'node:crypto';
import { SecretBox } from './crypto';
import { ConflictError, LeverHookTokens, OrderIntent, Package, TeamConfig, TeamPatch, maskSecret } from './store';

export interface TeamRow {
  id: string;
  name: string;
  enabled: number;
  lever_webhook_id: string;
  certn_webhook_id: string;
  lever_api_key: string | null;
  lever_signature_token: string | null;
  lever_archive_signature_token: string | null;
  lever_deleted_signature_token: string | null;
  lever_trigger_stage_name: string | null;
  lever_trigger_stage_id: string | null;
  lever_perform_as_user_id: string | null;
  lever_advance_stage_name: string | null;
  lever_plain_complete_tag: number;
  certn_api_key: string | null;
  certn_webhook_secret: string | null;
  default_package_id: string | null;
  version: number;
  report_link_key: string | null;
  created_at: string;
  updated_at: string;
}

export interface IntentRow {
  id: string;
  team_id: string;
  opportunity_id: string;
  workflow_id: string;
  email_hash: string;
  email_sealed: string | null;
  check_types: string;
  created_at: string;
  not_sent: number;
  answered: number;
}

export interface PackageRow {
  id: string;
  team_id: string;
  name: string;
  name_key: string;
  check_types: string;
  created_at: string;
  updated_at: string;
}

export interface DeliveryRow {
  received_at: number;
  handed_at: number | null;
  body_hash: string | null;
  claim_id: string | null;
}

type SecretColumn =
  | 'lever_api_key'
  | 'lever_signature_token'
  | 'lever_archive_signature_token'
  | 'lever_deleted_signature_token'
  | 'certn_api_key'
  | 'certn_webhook_secret';
const SECRET_FIELDS: Record<SecretColumn, string> = {
  lever_api_key: 'lever.apiKey',
  lever_signature_token: 'lever.signatureToken',
  lever_archive_signature_token: 'lever.archiveSignatureToken',
  lever_deleted_signature_token: 'lever.deletedSignatureToken',
  certn_api_key: 'certn.apiKey',
  certn_webhook_secret: 'certn.webhookSecret',
};

/** Fields an enabled team needs: clearing one requires disabling first. */
const REQUIRED_WHEN_ENABLED = new Set([
  'lever.apiKey',
  'lever.signatureToken',
  'lever.triggerStageName',
  'lever.performAsUserId',
  'certn.apiKey',
  'certn.webhookSecret',
]);

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}

export function openSecret(box: SecretBox, row: TeamRow, column: SecretColumn): string | null {
  const sealed = row[column];
  if (sealed === null) return null;
  return box.open(sealed, `team:${row.id}:${SECRET_FIELDS[column]}`);
}

/** The columns a create/update writes (secrets sealed), in order; refuses clearing a required field while enabled. */
export function teamFieldUpdates(
  box: SecretBox,
  teamId: string,
  input: TeamPatch,
  enabled: boolean,
): { columns: string[]; values: (string | number | null)[] } {
  const columns: string[] = [];
  const values: (string | number | null)[] = [];
  const put = (field: string, column: string, value: string | null | undefined, secret: boolean) => {
    if (value === undefined) return;
    const v = value === null ? null : value.trim() === '' ? null : secret ? value : value.trim();
    if (v === null && enabled && REQUIRED_WHEN_ENABLED.has(field)) {
      throw new ConflictError(`${field} is required while the team is enabled: disable the team first`, field);
    }
    columns.push(column);
    values.push(v === null ? null : secret ? box.seal(v, `team:${teamId}:${field}`) : v);
  };
  const l = input.lever ?? {};
  const c = input.certn ?? {};
  put('lever.apiKey', 'lever_api_key', l.apiKey, true);
  put('lever.signatureToken', 'lever_signature_token', l.signatureToken, true);
  put('lever.archiveSignatureToken', 'lever_archive_signature_token', l.archiveSignatureToken, true);
  put('lever.deletedSignatureToken', 'lever_deleted_signature_token', l.deletedSignatureToken, true);
  put('lever.triggerStageName', 'lever_trigger_stage_name', l.triggerStageName, false);
  put('lever.performAsUserId', 'lever_perform_as_user_id', l.performAsUserId, false);
  put('lever.advanceStageName', 'lever_advance_stage_name', l.advanceStageName, false);
  if (l.plainCompleteTag !== undefined) {
    columns.push('lever_plain_complete_tag');
    values.push(l.plainCompleteTag ? 1 : 0);
  }
  put('certn.apiKey', 'certn_api_key', c.apiKey, true);
  put('certn.webhookSecret', 'certn_webhook_secret', c.webhookSecret, true);
  return { columns, values };
}

export function toConfig(box: SecretBox, row: TeamRow, packages: PackageRow[]): TeamConfig {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled === 1,
    leverWebhookId: row.lever_webhook_id,
    certnWebhookId: row.certn_webhook_id,
    lever: {
      triggerStageName: row.lever_trigger_stage_name,
      triggerStageId: row.lever_trigger_stage_id,
      performAsUserId: row.lever_perform_as_user_id,
      advanceStageName: row.lever_advance_stage_name,
      plainCompleteTag: row.lever_plain_complete_tag === 1,
      apiKey: maskSecret(openSecret(box, row, 'lever_api_key')),
      signatureToken: maskSecret(openSecret(box, row, 'lever_signature_token')),
      archiveSignatureToken: maskSecret(openSecret(box, row, 'lever_archive_signature_token')),
      deletedSignatureToken: maskSecret(openSecret(box, row, 'lever_deleted_signature_token')),
    },
    certn: {
      apiKey: maskSecret(openSecret(box, row, 'certn_api_key')),
      webhookSecret: maskSecret(openSecret(box, row, 'certn_webhook_secret')),
    },
    packages: packages.map(toPackage),
    defaultPackageId: row.default_package_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The Lever webhook tokens, decrypted: one per webhook (Lever signs each webhook with its own). */
export function leverHookTokens(box: SecretBox, row: TeamRow): LeverHookTokens {
  return {
    signatureToken: openSecret(box, row, 'lever_signature_token'),
    archiveSignatureToken: openSecret(box, row, 'lever_archive_signature_token'),
    deletedSignatureToken: openSecret(box, row, 'lever_deleted_signature_token'),
  };
}

export function toPackage(row: PackageRow): Package {
  return {
    id: row.id,
    teamId: row.team_id,
    name: row.name,
    checkTypes: JSON.parse(row.check_types) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toIntent(box: SecretBox, row: IntentRow): OrderIntent {
  return {
    id: row.id,
    teamId: row.team_id,
    opportunityId: row.opportunity_id,
    workflowId: row.workflow_id,
    email: row.email_sealed === null ? null : box.open(row.email_sealed, `intent:${row.id}:email`),
    emailHash: row.email_hash,
    checkTypes: JSON.parse(row.check_types) as string[],
    createdAt: row.created_at,
    notSent: row.not_sent === 1,
    answered: row.answered === 1,
  };
}

/** What a claim does with the existing row of its token (null row = first sight). */
export function claimDecision(
  row: DeliveryRow | undefined,
  bodyHash: string,
  abandonedBefore: number,
): 'insert' | 'take_over' | 'in_flight' | 'handed' | 'token_reused' {
  if (!row) return 'insert';
  // Rows from before bodies were recorded were all spent: they answer `handed` below.
  if (row.body_hash !== null && row.body_hash !== bodyHash) return 'token_reused';
  if (row.handed_at !== null) return 'handed';
  if (row.claim_id !== null && row.received_at >= abandonedBefore) return 'in_flight';
  return 'take_over';
}
