// The settings store: teams, their Lever and Certn settings (secrets encrypted at rest), packages, and the small
// durable tables the webhook endpoints and activities need (seen Lever delivery tokens and the queued hand-overs,
// Certn object → check). Split by concern (TeamSettings, LeverDeliveries, LeverOutbox, CertnObjects, OrderIntents);
// SettingsStore is their union. Every method is async: SqliteSettingsStore (embedded default) and
// PostgresSettingsStore (DATABASE_URL) implement it. Over 300 lines: the interface is the contract both stores keep,
// documented method by method, so it stays one file to read.

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
    /** Where a Clear check moves the candidate (a stage name, resolved when it moves); null: never moved. */
    advanceStageName: string | null;
    /** Tag the seed's plain `CERTN - Complete` even when Certn gives a result (the note still says which). */
    plainCompleteTag: boolean;
    apiKey: SecretStatus;
    /** The Candidate Stage Change webhook's token (required to enable). */
    signatureToken: SecretStatus;
    /** The Candidate Archive State Change and Candidate Deleted webhooks' tokens (optional: they cancel checks). */
    archiveSignatureToken: SecretStatus;
    deletedSignatureToken: SecretStatus;
  };
  certn: {
    apiKey: SecretStatus;
    webhookSecret: SecretStatus;
  };
  packages: Package[];
  defaultPackageId: string | null;
  /** Bumped by every change to the team or its packages: enable commits only the version it validated. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Lever gives each webhook its own signature token: stage change, archive state change, deleted (decrypted). */
export interface LeverHookTokens {
  signatureToken: string | null;
  archiveSignatureToken: string | null;
  deletedSignatureToken: string | null;
}

/** Decrypted secrets: only for activities and webhook verification, never for responses or logs. */
export interface TeamSecrets {
  lever: { apiKey: string | null } & LeverHookTokens;
  certn: { apiKey: string | null; webhookSecret: string | null };
}

/** The slice of a team a webhook handler needs (includes the decrypted verification secrets). */
export interface LeverHookTeam extends LeverHookTokens {
  teamId: string;
  enabled: boolean;
  triggerStageId: string | null;
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
    archiveSignatureToken?: string | null;
    deletedSignatureToken?: string | null;
    triggerStageName?: string | null;
    performAsUserId?: string | null;
    advanceStageName?: string | null;
    plainCompleteTag?: boolean;
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

/**
 * One order POST, recorded before it is sent. `email` is the address actually sent (decrypted; the row holds it
 * sealed under the master key only while the intent is open); `emailHash` is a keyed hash (HMAC, key derived from
 * the master key) that stays after it resolves.
 */
export interface OrderIntent {
  id: string;
  teamId: string;
  opportunityId: string;
  workflowId: string;
  email: string | null;
  emailHash: string;
  /** Sorted. */
  checkTypes: string[];
  /** ISO time the intent was written, just before the POST. */
  createdAt: string;
  /** The POST provably never reached Certn (connection refused, 429): the next attempt orders without searching. */
  notSent: boolean;
  /**
   * Certn answered the POST (a 5xx): it is over at Certn, so a search that finds no case is final. Unanswered (timed
   * out, connection lost), the POST may still create a case until its window has passed.
   */
  answered: boolean;
}

export interface EnableOptions {
  /** The team's version the caller validated: a different current version refuses the enable (ConflictError). */
  expectedVersion: number;
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

/**
 * createOrderIntent refused: the opportunity has an open intent (another attempt holds it), or an intent with this
 * order key has its case already (another attempt of this very order got it).
 */
export class OrderIntentTakenError extends ConflictError {
  constructor() {
    super("another order attempt holds an open intent for this opportunity, or has this order's case", 'orderKey');
    this.name = 'OrderIntentTakenError';
  }
}

/** Teams, their secrets and packages, enable/disable, report link keys. */
export interface TeamSettings {
  createTeam(input: TeamInput): Promise<TeamConfig>;
  /**
   * Changing the trigger stage name of an enabled team needs `resolved.triggerStageId` (the id of the new name, looked
   * up by the caller) and the version it looked at; without them the change is refused (ConflictError), never a
   * silent disable. On a disabled team a new name just clears the stale id.
   */
  updateTeam(
    teamId: string,
    patch: TeamPatch,
    resolved?: { triggerStageId: string; expectedVersion: number },
  ): Promise<TeamConfig>;
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

  /** The team's report link key (created on first use); null for an unknown team. */
  reportLinkKey(teamId: string): Promise<Buffer | null>;
  /** Replaces the team's report link key: every report link the team has out stops working. */
  rotateReportLinkKey(teamId: string): Promise<void>;

  /** Commits only when the team is still at `expectedVersion` (what the caller validated); else ConflictError. */
  enableTeam(teamId: string, triggerStageId: string, opts: EnableOptions): Promise<TeamConfig>;
  disableTeam(teamId: string): Promise<TeamConfig>;
}

/** Seen Lever delivery tokens, each claimed by one request until handed to Temporal. */
export interface LeverDeliveries {
  /**
   * Durably claims a Lever delivery token bound to its body, in one atomic step (exactly one concurrent caller wins):
   * - `claimed` (with a fresh `claimId`): first sight of the token, a copy of a released delivery (same body), or a
   *   claim left unfinished before `abandonedBefore` (epoch ms: its holder died) — the caller hands the delivery over,
   *   then marks it handed or releases it with that claim id;
   * - `in_flight`: another request holds this very delivery right now;
   * - `handed`: already spent (a duplicate or an old delivery re-run);
   * - `token_reused`: the token was seen with another body (a replayed signature with forged data).
   */
  claimLeverDelivery(teamId: string, token: string, claim: DeliveryClaimInput): Promise<DeliveryClaim>;
  /** The holder's delivery is spent (handed to Temporal, or acknowledged without): false if `claimId` lost it. */
  markLeverDeliveryHanded(teamId: string, token: string, claimId: string): Promise<boolean>;
  /**
   * The holder gives the claim back (handing over failed): a retry of the same body may claim it again, another
   * body still may not. False if `claimId` no longer holds it.
   */
  releaseLeverDelivery(teamId: string, token: string, claimId: string): Promise<boolean>;
  /** Deletes tokens whose triggeredAt is before `before` (epoch ms), except queued ones; returns how many. */
  pruneLeverDeliveries(before: number): Promise<number>;
}

/**
 * The durable hand-over (transactional outbox) of stage changes Temporal could not take when they came: the
 * webhook queues the claimed delivery and acknowledges it; the relay (src/api/lever-relay.ts) hands it over later.
 */
export interface LeverOutbox {
  /**
   * The holder's claimed delivery becomes queued with what the hand-over needs; the token is spent from now on
   * (copies answer `handed`). False if `claimId` no longer holds it.
   */
  queueLeverDelivery(teamId: string, token: string, claimId: string, handover: QueuedHandover): Promise<boolean>;
  /**
   * Leases up to `limit` queued deliveries not leased by anyone (or whose lease ran out) for `leaseMs`, oldest
   * first; concurrent callers (any process) get disjoint rows.
   */
  leaseQueuedDeliveries(opts: { limit: number; leaseMs: number }): Promise<LeasedHandover[]>;
  /** Temporal has it: the row leaves the queue (prunable again). False if the lease was lost. */
  markDeliveryRelayed(row: LeasedHandover): Promise<boolean>;
  /** Gives a lease back early (Temporal still down): the next pass may take the rows at once. */
  releaseDeliveryLease(leaseId: string): Promise<number>;
}

/** What a queued stage change hands to the check: ids and Lever's time only, never personal data. */
export interface QueuedHandover {
  opportunityId: string;
  triggeredAt: number;
  toStageId: string;
}
export interface LeasedHandover extends QueuedHandover {
  teamId: string;
  /** The row's key (the delivery token's hash, never the token). */
  tokenHash: string;
  leaseId: string;
}

/** Certn object (case or check) → the one check of one team that owns it. */
export interface CertnObjects {
  /**
   * Maps the case id and its check ids to the check. An object id maps to one check of one team for good: ids
   * already owned by another check are left alone and returned (`foreign`), never overwritten.
   */
  recordCertnObjects(teamId: string, ref: CertnObjectRef & { objectIds: string[] }): Promise<{ foreign: string[] }>;
  /** The check of this team that owns the object (null when none, or another team's). */
  findCheckByCertnObject(teamId: string, objectId: string): Promise<CertnObjectRef | null>;
  /** The check owning the object, whichever team (one Certn account can serve several teams). */
  findCertnObjectOwner(objectId: string): Promise<(CertnObjectRef & { teamId: string }) | null>;
  /** The latest case recorded for the opportunity. */
  findCaseForOpportunity(teamId: string, opportunityId: string): Promise<string | null>;
}

/** Order POSTs recorded just before they are sent, so a retry never bills a second case. */
export interface OrderIntents {
  /**
   * Writes an order intent just before its POST, refused in the same statement (OrderIntentTakenError) while another
   * intent is open for the opportunity (a unique index) or once an intent with this order key has its case.
   */
  createOrderIntent(input: {
    teamId: string;
    opportunityId: string;
    workflowId: string;
    email: string;
    checkTypes: string[];
    /** The same for every attempt of one order (see findCaseOrderedBy). */
    orderKey?: string;
  }): Promise<OrderIntent>;
  /**
   * The case an intent with this order key was resolved with: an earlier attempt of the same order that recorded its
   * case and died before Temporal heard of it. Its retry returns this case instead of ordering a second one.
   */
  findCaseOrderedBy(orderKey: string): Promise<string | null>;
  /** The opportunity's unresolved intent, if any (at most one is open at a time). */
  findOpenOrderIntent(teamId: string, opportunityId: string): Promise<OrderIntent | null>;
  /** The POST provably never reached Certn. */
  markOrderIntentNotSent(intentId: string): Promise<void>;
  /** Certn answered the POST (with an error): no case of it can appear later. */
  markOrderIntentAnswered(intentId: string): Promise<void>;
  /**
   * Closes the intent and forgets its e-mail. With a case: records the case's objects for the check in the same
   * transaction (refused with ConflictError when the case already belongs to another check).
   */
  resolveOrderIntent(
    intentId: string,
    outcome: { ref: CertnObjectRef & { objectIds: string[] } } | null,
  ): Promise<void>;
  /** The keyed hash intents store for an e-mail (trimmed, lower-cased first). */
  hashEmail(email: string): string;
}

/** The whole store, one database: what the entry points open and hand to routes and activities. */
export interface SettingsStore extends TeamSettings, LeverDeliveries, LeverOutbox, CertnObjects, OrderIntents {
  /** Cheap liveness probe of the underlying database. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DeliveryClaimInput {
  triggeredAt: number;
  /** Hash of the delivery's canonical body: the signature does not cover `data`, this binds it to the token. */
  bodyHash: string;
  abandonedBefore: number;
}
export type DeliveryClaim =
  | { outcome: 'claimed'; claimId: string }
  | { outcome: 'in_flight' }
  | { outcome: 'handed' }
  | { outcome: 'token_reused' };

/** How names match (package names, recruiters' tags, Lever stage names): NFKC, trimmed, case-insensitive. */
export function matchKey(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase();
}

/** `••••abcd` for secrets of 12+ characters; shorter ones reveal nothing. */
export function maskSecret(value: string | null | undefined): SecretStatus {
  if (value === null || value === undefined || value === '') return { set: false, masked: null };
  return { set: true, masked: value.length >= 12 ? `••••${value.slice(-4)}` : '••••' };
}
