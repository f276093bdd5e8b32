// Zod schemas of what the HTTP API answers (admin, webhooks, health): the OpenAPI document is generated from them
// (openapi.ts) and the compile-time checks at the bottom keep them in step with the types the handlers send.
import { z } from 'zod';
import { CHECK_TYPE_CATALOGUE } from '../../certn/schemas';
import { ADVANCE_OUTCOMES, CHECK_STATUSES, CheckState, CancelOutcome } from '../../workflows/definitions';
import type { CheckListPage } from '../check-list';
import type { CertnOutcome } from '../certn-webhook';
import type { EnableProblem } from '../enable-validation';
import type { LeverOutcome } from '../lever-webhook';
import type { TeamView } from './http';
import type { Package } from '../../settings/store';

const Iso = z.string().datetime({ offset: true });
const Status = z.enum(CHECK_STATUSES);

export const SecretStatus = z.object({ set: z.boolean(), masked: z.string().nullable() }).strict();

export const PackageSchema = z
  .object({
    id: z.string(),
    teamId: z.string(),
    name: z.string(),
    checkTypes: z.array(z.string()),
    createdAt: Iso,
    updatedAt: Iso,
  })
  .strict();

export const TeamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    leverWebhookId: z.string(),
    certnWebhookId: z.string(),
    lever: z
      .object({
        triggerStageName: z.string().nullable(),
        triggerStageId: z.string().nullable(),
        performAsUserId: z.string().nullable(),
        advanceStageName: z.string().nullable(),
        plainCompleteTag: z.boolean(),
        apiKey: SecretStatus,
        signatureToken: SecretStatus,
        archiveSignatureToken: SecretStatus,
        deletedSignatureToken: SecretStatus,
      })
      .strict(),
    certn: z.object({ apiKey: SecretStatus, webhookSecret: SecretStatus }).strict(),
    packages: z.array(PackageSchema),
    defaultPackageId: z.string().nullable(),
    version: z.number().int(),
    createdAt: Iso,
    updatedAt: Iso,
    webhookUrls: z.object({ lever: z.string().url(), certn: z.string().url() }).strict(),
  })
  .strict();

export const TeamList = z.object({ teams: z.array(TeamSchema) }).strict();
export const CheckTypeList = z.object({ checkTypes: z.array(z.enum(CHECK_TYPE_CATALOGUE)) }).strict();
export const Enabled = z.object({ team: TeamSchema, webhookUrls: TeamSchema.shape.webhookUrls }).strict();
export const Rotated = z.object({ rotated: z.literal(true) }).strict();

export const CheckStateSchema = z
  .object({
    teamId: z.string(),
    opportunityId: z.string(),
    status: Status,
    packageName: z.string().optional(),
    caseId: z.string().optional(),
    caseOrderedAt: z.string().optional(),
    followingSince: z.string().optional(),
    progress: Status.optional(),
    lastError: z.string().optional(),
    certnStatus: z.string().optional(),
    reportLink: z.string().optional(),
    interimLinkTried: z.boolean().optional(),
    resumed: z.boolean().optional(),
    advance: z.enum(ADVANCE_OUTCOMES).optional(),
    fileAttached: z.boolean(),
    noteAdded: z.boolean(),
    transitions: z.array(z.object({ at: z.string(), status: Status, detail: z.string().optional() }).strict()),
  })
  .strict();
export const CheckView = z.object({ workflowId: z.string(), state: CheckStateSchema }).strict();
export const RerunStarted = z.object({ status: z.literal('started'), workflowId: z.string() }).strict();
const CancelOutcomeSchema = z.object({ took: z.boolean(), status: Status, detail: z.string() }).strict();
export const CancelDone = z
  .object({ status: z.literal('cancelled'), workflowId: z.string(), check: CancelOutcomeSchema })
  .strict();
export const CancelRequested = z.object({ status: z.literal('cancel_requested'), workflowId: z.string() }).strict();

export const CheckListPageSchema = z
  .object({
    checks: z.array(
      z
        .object({
          opportunityId: z.string(),
          workflowId: z.string(),
          runId: z.string(),
          status: z.string(),
          packageName: z.string().nullable(),
          caseId: z.string().nullable(),
          runState: z.enum(['running', 'closed']),
          closeStatus: z.string().nullable(),
          startedAt: z.string(),
          changedAt: z.string(),
          temporalUiUrl: z.string().nullable(),
        })
        .strict(),
    ),
    nextPageToken: z.string().nullable(),
  })
  .strict();

// ------------------------------------------------------------------------------------------------ errors
/** Every error answer: a machine-readable code, usually a message; some carry the field or the check's id. */
export const ErrorBody = z
  .object({
    error: z.string(),
    message: z.string().optional(),
    field: z.string().optional(),
    workflowId: z.string().optional(),
    availableStages: z.array(z.string()).optional(),
  })
  .strict();
export const ValidationError = z
  .object({ error: z.literal('validation_error'), fields: z.record(z.string(), z.string()) })
  .strict();
/** 400: a body that fails its schema (one message per field) or that is not JSON. */
export const BadRequest = z.union([ValidationError, ErrorBody]);
const Problem = z
  .object({ field: z.string(), code: z.string(), message: z.string(), availableStages: z.array(z.string()).optional() })
  .strict();
export const EnableFailed = z
  .object({ error: z.literal('enable_failed'), message: z.string(), problems: z.array(Problem) })
  .strict();
/** 422 on enable: the problems found; on PATCH: the new trigger stage is not in Lever. */
export const Unprocessable = z.union([EnableFailed, ErrorBody]);

// ------------------------------------------------------------------------------------------------ webhooks
const LEVER_OK = [
  'accepted',
  'queued',
  'ping',
  'duplicate',
  'team_disabled',
  'event_ignored',
  'other_stage',
  'no_open_check',
] as const;
const LEVER_ERR = [
  'unknown_hook',
  'too_large',
  'malformed',
  'invalid_signature',
  'token_not_set',
  'stale',
  'temporal_unavailable',
  'in_flight',
  'token_reused',
  'error',
] as const;
const CERTN_OK = ['signalled', 'check_closed', 'unknown_object', 'challenge'] as const;
const CERTN_ERR = [
  'unknown_hook',
  'too_large',
  'malformed',
  'invalid_signature',
  'temporal_unavailable',
  'error',
] as const;

const webhookOk = <T extends [string, ...string[]]>(outcomes: T) =>
  z.object({ ok: z.literal(true), outcome: z.enum(outcomes), message: z.string().optional() }).strict();
const webhookError = <T extends [string, ...string[]]>(outcomes: T) =>
  z
    .object({
      error: z.enum(outcomes),
      message: z.string().optional(),
      fields: z.record(z.string(), z.string()).optional(),
    })
    .strict();
export const LeverWebhookOk = webhookOk([...LEVER_OK]);
export const LeverWebhookError = webhookError([...LEVER_ERR]);
export const CertnWebhookOk = webhookOk([...CERTN_OK]);
export const CertnWebhookError = webhookError([...CERTN_ERR]);

export const Health = z.object({ status: z.literal('ok') }).strict();
export const Readiness = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.record(z.enum(['ok', 'unavailable'])),
  })
  .strict();
export const Unhealthy = z.object({ status: z.literal('unavailable') }).strict();

// ------------------------------------------------------------------------------------------------ in step
// A handler type that drifts from its schema fails the typecheck here (both directions for enums).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inStep = <T extends true>(): T => true as T;
inStep<TeamView extends z.infer<typeof TeamSchema> ? true : false>();
inStep<Package extends z.infer<typeof PackageSchema> ? true : false>();
inStep<CheckState extends z.infer<typeof CheckStateSchema> ? true : false>();
inStep<CancelOutcome extends z.infer<typeof CancelOutcomeSchema> ? true : false>();
inStep<CheckListPage extends z.infer<typeof CheckListPageSchema> ? true : false>();
inStep<EnableProblem extends z.infer<typeof Problem> ? true : false>();
inStep<Same<LeverOutcome, (typeof LEVER_OK)[number] | (typeof LEVER_ERR)[number]>>();
inStep<Same<CertnOutcome, (typeof CERTN_OK)[number] | (typeof CERTN_ERR)[number]>>();
