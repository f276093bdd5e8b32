// The settings store: teams, their Lever and Certn settings (secrets encrypted at rest), packages, and the small
// durable tables the webhook endpoints and activities need (seen Lever delivery tokens, Certn object → check).
// Every method is async so a PostgreSQL implementation can satisfy the same interface; SqliteSettingsStore is the
// embedded default.

/** How a secret is shown outside the store: never the value, at most its last four characters. */
export interface SecretStatus {
  set: boolean;
  /** `••••abcd` (last four characters) for secrets long enough to keep the rest hidden, `••••` otherwise. */
  masked: string | null;
}

export interface Package {
  id: string;
  teamId: string;
  name: string;
  checkTypes: string[];
  createdAt: string;
  updatedAt: string;
}

/** Non-secret configuration of a team (what the admin API shows and what activities read). */
export interface TeamConfig {
  id: string;
  name: string;
  enabled: boolean;
  /** Random, unguessable path segments of the team's webhook URLs. */
  leverWebhookId: string;
  certnWebhookId: string;
  lever: {
    triggerStageName: string | null;
    /** Resolved from the stage name when the team is enabled; null while disabled or after the name changed. */
    triggerStageId: string | null;
    /** Lever user id used as `perform_as` (file uploads require one). */
    performAsUserId: string | null;
    apiKey: SecretStatus;
    signatureToken: SecretStatus;
  };
  certn: {
    apiKey: SecretStatus;
    webhookSecret: SecretStatus;
  };
  packages: Package[];
  defaultPackageId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Decrypted secrets: only for activities and webhook verification, never for responses or logs. */
export interface TeamSecrets {
  lever: { apiKey: string | null; signatureToken: string | null };
  certn: { apiKey: string | null; webhookSecret: string | null };
}

/** The slice of a team a webhook handler needs (includes the decrypted verification secret). */
export interface LeverHookTeam {
  teamId: string;
  enabled: boolean;
  triggerStageId: string | null;
  signatureToken: string | null;
}
export interface CertnHookTeam {
  teamId: string;
  enabled: boolean;
  webhookSecret: string | null;
}

export interface TeamInput {
  name: string;
  lever?: {
    apiKey?: string | null;
    signatureToken?: string | null;
    triggerStageName?: string | null;
    performAsUserId?: string | null;
  };
  certn?: {
    apiKey?: string | null;
    webhookSecret?: string | null;
  };
}

/** Update: an absent field is left alone, `null` clears it, a value replaces it. */
export interface TeamPatch {
  name?: string;
  lever?: TeamInput['lever'];
  certn?: TeamInput['certn'];
}

export interface PackageInput {
  name: string;
  checkTypes: string[];
}
export interface PackagePatch {
  name?: string;
  checkTypes?: string[];
}

/** Where a Certn object (a case or one of its checks) belongs. */
export interface CertnObjectRef {
  workflowId: string;
  opportunityId: string;
  caseId: string;
}

export class SettingsError extends Error {
  constructor(
    message: string,
    readonly kind: 'not_found' | 'conflict',
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}
export class NotFoundError extends SettingsError {
  constructor(message: string) {
    super(message, 'not_found');
    this.name = 'NotFoundError';
  }
}
export class ConflictError extends SettingsError {
  constructor(message: string, field?: string) {
    super(message, 'conflict', field);
    this.name = 'ConflictError';
  }
}

export interface SettingsStore {
  /** Cheap liveness probe of the underlying database. */
  ping(): Promise<void>;

  createTeam(input: TeamInput): Promise<TeamConfig>;
  /** Changing the trigger stage name of an enabled team disables it (the resolved stage id is stale). */
  updateTeam(teamId: string, patch: TeamPatch): Promise<TeamConfig>;
  listTeams(): Promise<TeamConfig[]>;
  getTeamConfig(teamId: string): Promise<TeamConfig | null>;
  getTeamSecrets(teamId: string): Promise<TeamSecrets | null>;
  findLeverHook(leverWebhookId: string): Promise<LeverHookTeam | null>;
  findCertnHook(certnWebhookId: string): Promise<CertnHookTeam | null>;

  createPackage(teamId: string, input: PackageInput): Promise<Package>;
  updatePackage(teamId: string, packageId: string, patch: PackagePatch): Promise<Package>;
  /** Refused (ConflictError) for the default package of an enabled team. */
  deletePackage(teamId: string, packageId: string): Promise<void>;
  setDefaultPackage(teamId: string, packageId: string): Promise<TeamConfig>;

  enableTeam(teamId: string, triggerStageId: string): Promise<TeamConfig>;
  disableTeam(teamId: string): Promise<TeamConfig>;

  /**
   * Durably claims a Lever delivery token, in one atomic step (exactly one concurrent caller wins):
   * - `claimed`: first sight of the token, or a claim left unfinished before `abandonedBefore` (epoch ms: the process
   *   that made it died between claiming and handing over) — the caller hands the delivery to Temporal, then marks it
   *   handed or releases it;
   * - `in_flight`: another request is handing this very delivery over right now;
   * - `handed`: already handed over (a duplicate or an old delivery re-run).
   */
  claimLeverDelivery(
    teamId: string,
    token: string,
    triggeredAt: number,
    abandonedBefore: number,
  ): Promise<DeliveryClaim>;
  /** The claimed delivery reached Temporal: every later copy is a duplicate. */
  markLeverDeliveryHanded(teamId: string, token: string): Promise<void>;
  /** Forgets a claimed token (handing the delivery to Temporal failed), so Lever's retry is accepted. */
  releaseLeverDelivery(teamId: string, token: string): Promise<void>;
  /** Deletes tokens whose triggeredAt is before `before` (epoch ms); returns how many. */
  pruneLeverDeliveries(before: number): Promise<number>;

  /** Idempotent: maps the case id and its check ids to the check. */
  recordCertnObjects(teamId: string, ref: CertnObjectRef & { objectIds: string[] }): Promise<void>;
  findCheckByCertnObject(teamId: string, objectId: string): Promise<CertnObjectRef | null>;
  /** The latest case recorded for the opportunity. */
  findCaseForOpportunity(teamId: string, opportunityId: string): Promise<string | null>;

  close(): Promise<void>;
}

export type DeliveryClaim = 'claimed' | 'in_flight' | 'handed';

/** How names match (package names, recruiters' tags, Lever stage names): NFKC, trimmed, case-insensitive. */
export function matchKey(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase();
}

/** `••••abcd` for secrets of 12+ characters; shorter ones reveal nothing. */
export function maskSecret(value: string | null | undefined): SecretStatus {
  if (value === null || value === undefined || value === '') return { set: false, masked: null };
  return { set: true, masked: value.length >= 12 ? `••••${value.slice(-4)}` : '••••' };
}
