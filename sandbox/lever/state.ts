// In-memory state of the Lever sandbox. Everything a test may want to inspect lives here, in plain objects.
import { randomBytes, randomUUID } from 'node:crypto';

export const PERMISSIONS = [
  'opportunities:read',
  'opportunities:write',
  'files:read',
  'files:write',
  'notes:read',
  'notes:write',
  'stages:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface ApiKeyRec {
  key: string;
  name: string;
  permissions: Permission[];
  revoked: boolean;
}

export interface StageRec {
  id: string;
  text: string;
}

export interface PostingRec {
  id: string;
  text: string;
  tags: string[];
}

export interface ContactRec {
  id: string;
  links: string[];
}

export interface StageChangeRec {
  toStageId: string;
  toStageIndex: number;
  userId: string | null;
  updatedAt: number;
}

export interface OpportunityRec {
  id: string;
  name: string;
  contact: string;
  emails: string[];
  tags: string[];
  stage: string;
  stageChanges: StageChangeRec[];
  archived: { archivedAt: number; reason: string } | null;
  confidentiality: 'non-confidential' | 'confidential';
  postingId: string | null;
  createdAt: number;
  updatedAt: number;
  deleted: boolean;
}

export interface FileRec {
  id: string;
  opportunityId: string;
  name: string;
  ext: string;
  size: number;
  uploadedAt: number;
  status: 'processing' | 'processed' | 'unsupported' | 'error';
  contentType: string;
  content: Buffer;
  performAs: string;
}

export interface NoteRec {
  id: string;
  opportunityId: string;
  value: string;
  secret: boolean;
  notifyFollowers: boolean;
  user: string | null;
  createdAt: number;
}

export interface TagEvent {
  seq: number;
  at: number;
  opportunityId: string;
  action: 'add' | 'remove';
  tag: string;
  /** false when the add/remove was a no-op (tag already present / absent). */
  changed: boolean;
  via: 'api' | 'control';
}

export interface WebhookRec {
  id: string;
  event: string;
  url: string;
  signatureToken: string;
  createdAt: number;
}

export interface DeliveryAttempt {
  at: number;
  status?: number;
  error?: string;
  ok: boolean;
}

export interface DeliveryRec {
  id: string;
  webhookId: string;
  event: string;
  url: string;
  opportunityId: string | null;
  /** The exact JSON text sent (redeliveries reuse it byte for byte). */
  body: string;
  createdAt: number;
  state: 'pending' | 'held' | 'delivered' | 'failed' | 'dropped';
  attempts: DeliveryAttempt[];
  redeliveryOf?: string;
  duplicateOf?: string;
}

export interface WebhookFaults {
  /** Integer ≥ 1: drop the next n deliveries; 0 < x < 1: drop each delivery with that probability. */
  drop?: number;
  /** true: send every delivery twice; integer n: the next n deliveries are sent twice. */
  duplicate?: boolean | number;
  /** Wait before the first attempt of each delivery. */
  delayMs?: number;
  /** Hold each delivery until the next one exists, then send the newer one first. */
  outOfOrder?: boolean;
}

export interface Faults {
  latencyMs?: number;
  errorRate?: number;
  errorStatus?: 500 | 503;
  maintenance?: boolean;
  rateLimitStorm?: { requests: number };
  /** GET /stages answers hasNext: true with the same next token forever. */
  stagesPaginationLoop?: boolean;
  webhook?: WebhookFaults;
}

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  status: number;
}

export interface SandboxConfig {
  rateLimit: { perSecond: number; burst: number };
  webhookRetryBaseMs: number;
  webhookMaxRetries: number;
  webhookTimeoutMs: number;
  maxFileBytes: number;
}

export interface LeverSandboxState {
  config: SandboxConfig;
  /** What reset() restores config to. */
  initialConfig: SandboxConfig;
  apiKeys: Map<string, ApiKeyRec>;
  stages: StageRec[];
  postings: Map<string, PostingRec>;
  contacts: Map<string, ContactRec>;
  opportunities: Map<string, OpportunityRec>;
  files: FileRec[];
  notes: NoteRec[];
  tagEvents: TagEvent[];
  webhooks: Map<string, WebhookRec>;
  deliveries: DeliveryRec[];
  faults: Faults;
  requests: RequestLogEntry[];
  counters: { requests: number; rateLimited: number; faultErrors: number };
  users: string[];
}

export const SEED_API_KEY = 'sandbox-lever-key';
export const SEED_USER_ID = 'f0c3a1d2-5b6e-4c7d-8e9f-0a1b2c3d4e5f';
/** Fixed ids so demos and docs can name them. */
export const SEED_STAGES: StageRec[] = [
  { id: 'lead-new', text: 'New lead' },
  { id: '3f0c4b2e-8b1a-4c55-9a70-6d2b0f1e1a01', text: 'Phone screen' },
  { id: '3f0c4b2e-8b1a-4c55-9a70-6d2b0f1e1a02', text: 'Background Check' },
  { id: 'offer', text: 'Offer' },
  { id: '3f0c4b2e-8b1a-4c55-9a70-6d2b0f1e1a03', text: 'Hired' },
];

export const DEFAULT_CONFIG: SandboxConfig = {
  rateLimit: { perSecond: 10, burst: 20 },
  webhookRetryBaseMs: 200,
  webhookMaxRetries: 5,
  webhookTimeoutMs: 5000,
  maxFileBytes: 30 * 1024 * 1024,
};

export function createState(config: Partial<SandboxConfig> = {}): LeverSandboxState {
  const initial: SandboxConfig = { ...DEFAULT_CONFIG, ...config };
  const state: LeverSandboxState = {
    config: { ...initial, rateLimit: { ...initial.rateLimit } },
    initialConfig: initial,
    apiKeys: new Map(),
    stages: [],
    postings: new Map(),
    contacts: new Map(),
    opportunities: new Map(),
    files: [],
    notes: [],
    tagEvents: [],
    webhooks: new Map(),
    deliveries: [],
    faults: {},
    requests: [],
    counters: { requests: 0, rateLimited: 0, faultErrors: 0 },
    users: [],
  };
  seed(state);
  return state;
}

/** Back to the seed: one all-permissions key, the seed stages and user, the start-up config; nothing else. */
export function resetState(state: LeverSandboxState): void {
  state.config = { ...state.initialConfig, rateLimit: { ...state.initialConfig.rateLimit } };
  state.apiKeys.clear();
  state.stages = [];
  state.postings.clear();
  state.contacts.clear();
  state.opportunities.clear();
  state.files = [];
  state.notes = [];
  state.tagEvents = [];
  state.webhooks.clear();
  state.deliveries = [];
  state.faults = {};
  state.requests = [];
  state.counters = { requests: 0, rateLimited: 0, faultErrors: 0 };
  state.users = [];
  seed(state);
}

function seed(state: LeverSandboxState): void {
  state.apiKeys.set(SEED_API_KEY, { key: SEED_API_KEY, name: 'seed', permissions: [...PERMISSIONS], revoked: false });
  state.stages = SEED_STAGES.map((s) => ({ ...s }));
  state.users = [SEED_USER_ID];
}

/** 48 random URL-safe characters, like Lever's tokens. */
export function randomToken(length = 48): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

export function newId(): string {
  return randomUUID();
}
