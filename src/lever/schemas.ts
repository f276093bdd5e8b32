// Zod schemas for what Lever sends us (webhooks) and answers (Data API), per contracts/lever.md.
// Schemas are tolerant where the contract marks a point unconfirmed or where real payloads vary (nulls for empty
// arrays, ISO strings for timestamps, extra fields): unknown fields pass through, plausible variants are normalised.
import { z } from 'zod';

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Epoch milliseconds; tolerates a numeric string or an ISO date string (normalised to ms). */
const EpochMs = z.union([
  z.number().finite(),
  z
    .string()
    .min(1)
    .transform((s, ctx) => {
      const n = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
      if (!Number.isFinite(n)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a timestamp' });
        return z.NEVER;
      }
      return n;
    }),
]);

/** An array of strings where null/absent means empty and non-string entries are dropped. */
const StringList = z
  .array(z.unknown())
  .nullish()
  .transform((a) => (a ?? []).filter((v): v is string => typeof v === 'string'));

// ---------------------------------------------------------------- webhooks

/**
 * Lever opportunity ids are UUIDs. The id becomes part of the check's workflow id (Temporal caps ids at 1,000 bytes)
 * and of Lever API paths, so anything else — too long, control characters, separators — is refused as malformed.
 */
export const OpportunityId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'opportunityId must be letters, digits, "-" or "_" (at most 200)');

export const LeverWebhookBody = z
  .object({
    triggeredAt: z.number().int().nonnegative(),
    event: z.string().min(1),
    data: z.object({}).passthrough(),
    signature: z.string().regex(HEX64, 'signature must be 64 hex characters'),
    token: z.string().min(1),
  })
  .passthrough();
export type LeverWebhookBody = z.infer<typeof LeverWebhookBody>;

export const StageChangeData = z
  .object({
    opportunityId: OpportunityId,
    candidateId: z.string().optional(),
    contactId: z.string().optional(),
    toStageId: z.string().min(1),
    fromStageId: z.string().nullable().optional(),
  })
  .passthrough();
export type StageChangeData = z.infer<typeof StageChangeData>;

/** candidateArchiveChange (unconfirmed shape): toArchived is an object or null. */
export const ArchiveChangeData = z
  .object({
    opportunityId: OpportunityId,
    toArchived: z.object({}).passthrough().nullable().optional(),
    fromArchived: z.object({}).passthrough().nullable().optional(),
  })
  .passthrough();
export type ArchiveChangeData = z.infer<typeof ArchiveChangeData>;

/** candidateDeleted (unconfirmed shape). */
export const CandidateDeletedData = z.object({ opportunityId: OpportunityId }).passthrough();
export type CandidateDeletedData = z.infer<typeof CandidateDeletedData>;

// ---------------------------------------------------------------- resources

export const Stage = z.object({ id: z.string().min(1), text: z.string() }).passthrough();
export type Stage = z.infer<typeof Stage>;

export const StageChange = z
  .object({
    toStageId: z.string().min(1),
    toStageIndex: z.number().nullish(),
    userId: z.string().nullish(),
    updatedAt: EpochMs,
  })
  .passthrough();
export type StageChange = z.infer<typeof StageChange>;

/** `contact` is a contact id; an expanded `{id, …}` object is tolerated and normalised to its id. */
const ContactRef = z.union([
  z.string(),
  z
    .object({ id: z.string() })
    .passthrough()
    .transform((c) => c.id),
]);

export const Opportunity = z
  .object({
    id: z.string().min(1),
    name: z
      .string()
      .nullish()
      .transform((v) => v ?? ''),
    contact: ContactRef.nullish().transform((v) => v ?? ''),
    emails: StringList,
    tags: StringList,
    stage: z.union([z.string().min(1), Stage]),
    stageChanges: z
      .array(StageChange)
      .nullish()
      .transform((v) => v ?? []),
    archived: z
      .object({})
      .passthrough()
      .nullish()
      .transform((v) => v ?? null),
    confidentiality: z.string().nullish(),
  })
  .passthrough();
export type Opportunity = z.infer<typeof Opportunity>;

/** The stage id of an opportunity whether or not `expand=stage` was used. */
export function stageIdOf(opportunity: Pick<Opportunity, 'stage'>): string {
  return typeof opportunity.stage === 'string' ? opportunity.stage : opportunity.stage.id;
}

export const LEVER_FILE_STATUSES = ['processing', 'processed', 'unsupported', 'error'] as const;

export const LeverFile = z
  .object({
    id: z.string().min(1),
    downloadUrl: z.string(),
    ext: z
      .string()
      .nullish()
      .transform((v) => v ?? ''),
    name: z.string(),
    uploadedAt: EpochMs,
    /** One of LEVER_FILE_STATUSES; an unknown status is kept as-is rather than rejected. */
    status: z.string(),
    size: z.number().nonnegative(),
  })
  .passthrough();
export type LeverFile = z.infer<typeof LeverFile>;

/**
 * A note as `GET /opportunities/:id/notes` returns it. Real Lever notes carry the text in
 * `fields: [{type: 'note', text: <label>, value: <the note>}]` (plus `text`, `user`, `secret`, `createdAt`…);
 * a flat `value` is tolerated too.
 */
export const LeverNote = z
  .object({
    id: z.string().min(1),
    text: z.string().nullish(),
    value: z.string().nullish(),
    fields: z
      .array(z.object({ type: z.string().nullish(), text: z.string().nullish(), value: z.unknown() }).passthrough())
      .nullish(),
  })
  .passthrough();
export type LeverNote = z.infer<typeof LeverNote>;

/** The text of a note, whichever shape it came in. */
export function noteValueOf(note: LeverNote): string {
  if (typeof note.value === 'string') return note.value;
  const values = (note.fields ?? []).map((f) => f.value).filter((v): v is string => typeof v === 'string');
  if (values.length > 0) return values.join('\n');
  return note.text ?? '';
}

export const LeverErrorBody = z
  .object({
    code: z.string(),
    message: z
      .string()
      .nullish()
      .transform((v) => v ?? ''),
  })
  .passthrough();
export type LeverErrorBody = z.infer<typeof LeverErrorBody>;

// ---------------------------------------------------------------- envelopes

export function dataEnvelope<T extends z.ZodTypeAny>(item: T) {
  return z.object({ data: item }).passthrough();
}

export function listEnvelope<T extends z.ZodTypeAny>(item: T) {
  return z
    .object({
      data: z.array(item),
      hasNext: z.boolean().nullish(),
      next: z.string().nullish(),
    })
    .passthrough();
}

export const NoteCreated = dataEnvelope(z.object({ noteId: z.string().min(1) }).passthrough());
