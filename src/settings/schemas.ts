// Zod schemas of the admin API's request bodies. Unknown fields are rejected (a typo must not be silently
// dropped); strings are trimmed; a secret or optional setting can be cleared with null.
import { z } from 'zod';

const NAME_MAX = 200;

const Name = z.string().trim().min(1, 'must not be empty').max(NAME_MAX, `at most ${NAME_MAX} characters`);
const Secret = z.string().trim().min(1, 'must not be empty').max(4096, 'at most 4096 characters');
const Setting = z.string().trim().min(1, 'must not be empty').max(500, 'at most 500 characters');

const LeverSettings = z
  .object({
    apiKey: Secret.nullable().optional(),
    signatureToken: Secret.nullable().optional(),
    archiveSignatureToken: Secret.nullable().optional(),
    deletedSignatureToken: Secret.nullable().optional(),
    triggerStageName: Setting.nullable().optional(),
    performAsUserId: Setting.nullable().optional(),
    /** Optional: a Clear check moves the candidate to this Lever stage (validated at enable). */
    advanceStageName: Setting.nullable().optional(),
    plainCompleteTag: z.boolean().optional(),
  })
  .strict();

const CertnSettings = z
  .object({
    apiKey: Secret.nullable().optional(),
    webhookSecret: Secret.nullable().optional(),
  })
  .strict();

export const TeamCreateBody = z
  .object({
    name: Name,
    lever: LeverSettings.optional(),
    certn: CertnSettings.optional(),
  })
  .strict();
export type TeamCreateBody = z.infer<typeof TeamCreateBody>;

export const TeamUpdateBody = z
  .object({
    name: Name.optional(),
    lever: LeverSettings.optional(),
    certn: CertnSettings.optional(),
  })
  .strict();
export type TeamUpdateBody = z.infer<typeof TeamUpdateBody>;

/**
 * Certn accounts differ in what they can order, so the catalogue (GET /api/admin/check-types) only suggests: any
 * well-formed type is accepted, and one the account cannot order is reported at the first order, with the package.
 */
export const CHECK_TYPE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const CheckType = z.string().regex(CHECK_TYPE_PATTERN, {
  message: 'a Certn check type is upper-case letters, digits and underscores (e.g. CRIMINAL_RECORD_CHECK)',
});
const CheckTypes = z
  .array(CheckType)
  .min(1, 'at least one check type')
  .max(50, 'too many check types')
  .refine((a) => new Set(a).size === a.length, { message: 'check types must not repeat' });

export const PackageCreateBody = z.object({ name: Name, checkTypes: CheckTypes }).strict();
export type PackageCreateBody = z.infer<typeof PackageCreateBody>;

export const PackageUpdateBody = z
  .object({ name: Name.optional(), checkTypes: CheckTypes.optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.checkTypes !== undefined, { message: 'give name or checkTypes' });
export type PackageUpdateBody = z.infer<typeof PackageUpdateBody>;

export const CancelBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();
export type CancelBody = z.infer<typeof CancelBody>;

/** `{ "lever.apiKey": "must not be empty", ... }` — one message per field (the first), `_` for the body itself. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      for (const k of issue.keys) {
        const p = [...issue.path, k].join('.');
        out[p] ??= 'unknown field';
      }
      continue;
    }
    const p = issue.path.length > 0 ? issue.path.join('.') : '_';
    out[p] ??= issue.message;
  }
  return out;
}
