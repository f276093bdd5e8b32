// Zod schemas and types for the CertnCentric public API (contracts/certn.md). Named like the Lever ones: the schema
// and its type share a name (`CertnCase` is both).
// Shared by the Certn client, the Certn sandbox, the settings code (package validation) and tests.
import { z } from 'zod';

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
// UNCONFIRMED POINTS — every choice the CertnCentric docs do not pin down lives here, in one place.
// The sandbox implements exactly these; if the real API differs, correct them here (and in the sandbox README).
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
export const CERTN_UNCONFIRMED = {
  /**
   * Element shape of `checks[]` on a case: `{id, check_type, status}` (+ unknown fields passed through). Also read:
   * a numeric `id`, `type` for `check_type`, `check_status` for `status`, and `checks` null or absent (no checks).
   */
  checkShape: '{id, check_type, status}',
  /** Status values of a single check. Only COMPLETE/CANCELLED/SUPERSEDED (closed) are documented. */
  checkStatuses: ['PENDING', 'IN_PROGRESS', 'COMPLETE', 'CANCELLED', 'SUPERSEDED'] as const,
  /** Report-file status values and the `pdf_url` field (null until COMPLETE). */
  reportFileStatuses: ['PENDING', 'COMPLETE', 'FAILED'] as const,
  /**
   * List response: `{pagination: {...}, results: [...]}`, or the same pagination fields flat beside `results`; both
   * are read. `next_page` is a page number, a numeric string or a URL carrying `page=`, or null on the last page.
   */
  listEnvelope: 'pagination-object',
  /** Query parameter name for the status filter, repeated once per value: `overall_status[]=A&overall_status[]=B`. */
  overallStatusParam: 'overall_status[]',
  /** Page query parameters. */
  pageParam: 'page',
  pageSizeParam: 'page_size',
  /** Webhook signature encoding: lowercase hex of HMAC-SHA256(secret, raw body) in `X-Signature`. */
  signatureEncoding: 'hex-lowercase',
  signatureHeader: 'x-signature',
  /** Endpoint verification: `GET <url>?challenge=<value>` answered 200 with the value as the plain-text body. */
  challengeParam: 'challenge',
  /** Cancel response: 200 with the case object. */
  cancelReturnsCase: true,
  /** generate-report response: 201 with a report-file object (status PENDING). */
  generateReportStatus: 201,
} as const;

/** Certn's `overall_status` values, in Certn's precedence order (contracts/certn.md). */
export const CASE_STATUSES = [
  'DRAFT',
  'CASE_ORDERED',
  'INVITE_UNDELIVERABLE',
  'APPLICANT_EXPIRED',
  'APPLICANT_INVITED',
  'APPLICANT_OPENED',
  'APPLICANT_STARTED',
  'APPLICANT_SUBMITTED',
  'IN_DISPUTE',
  'IN_PROGRESS',
  'APPLICANT_ACTION_REQUIRED',
  'CLIENT_ACTION_REQUIRED',
  'CANCELLED',
  'COMPLETE',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export function isCaseStatus(value: unknown): value is CaseStatus {
  return typeof value === 'string' && (CASE_STATUSES as readonly string[]).includes(value);
}

/**
 * A Certn check's own status (unconfirmed set, see CERTN_UNCONFIRMED); not the workflow's `CheckStatus`. Closed
 * states: COMPLETE, CANCELLED, SUPERSEDED.
 */
export const CERTN_CHECK_STATUSES = CERTN_UNCONFIRMED.checkStatuses;
export type CertnCheckStatus = (typeof CERTN_CHECK_STATUSES)[number];
export const CLOSED_CHECK_STATUSES: readonly CertnCheckStatus[] = ['COMPLETE', 'CANCELLED', 'SUPERSEDED'];

/**
 * CertnCentric check type identifiers accepted in `check_types_with_arguments` (top-level / orderable ones).
 * Source: centric-api-docs.certn.co "check-<IDENTIFIER>" reference pages. The sandbox rejects anything else and the
 * settings code validates packages against this list.
 */
export const CHECK_TYPE_CATALOGUE = [
  // Confirmed on centric-api-docs.certn.co:
  'IDENTITY_VERIFICATION_1',
  'ONE_ID_2',
  'CRIMINAL_RECORD_REPORT_1',
  'BASIC_CANADIAN_CRIMINAL_RECORD_REPORT_1',
  'ENHANCED_CANADIAN_CRIMINAL_RECORD_REPORT_1',
  'CREDIT_REPORT_1',
  'US_CREDIT_REPORT_1',
  'EMPLOYMENT_VERIFICATIONS_1',
  'MOTOR_VEHICLE_RECORD_1',
  'CA_DRIVER_ABSTRACT_1',
  'US_MOTOR_VEHICLE_RECORD_1',
  // UNCONFIRMED: seen in third-party integrations, not found in the docs excerpts available here.
  'EDUCATION_VERIFICATION_1',
  'REFERENCE_CHECK_1',
  'ADVERSE_MEDIA_1',
  // UNCONFIRMED: the name used in contracts/certn.md's order example (and so in the project's seed). The docs'
  // umbrella criminal check is CRIMINAL_RECORD_REPORT_1; kept so the contract example orders successfully.
  'CRIMINAL_RECORD_CHECK',
] as const;
export type CheckType = (typeof CHECK_TYPE_CATALOGUE)[number];
export function isKnownCheckType(value: string): value is CheckType {
  return (CHECK_TYPE_CATALOGUE as readonly string[]).includes(value);
}

/** Ids may come as numbers; they are kept as strings everywhere. */
const Id = z.union([z.string().min(1), z.number().int().transform(String)]);

/** One check of a case; the variants CERTN_UNCONFIRMED.checkShape lists are normalised to `{id, check_type, status}`. */
export const CertnCheck = z
  .object({
    id: Id,
    check_type: z.string().min(1).optional(),
    type: z.string().min(1).optional(),
    // Kept as a string: an unknown check status from the real API must not break reading a case.
    status: z.string().min(1).optional(),
    check_status: z.string().min(1).optional(),
  })
  .passthrough()
  .superRefine((c, ctx) => {
    if (!(c.check_type ?? c.type)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'check without a type' });
    if (!(c.status ?? c.check_status)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'check without a status' });
  })
  .transform(({ type, check_status, ...c }) => ({
    ...c,
    check_type: (c.check_type ?? type)!,
    status: (c.status ?? check_status)!,
  }));
export type CertnCheck = z.infer<typeof CertnCheck>;

/**
 * The case's result once COMPLETE — the one place the assumed field is read (contracts/certn.md: Certn's portal shows
 * "Complete: Clear" / "Complete: Review", the API docs do not name it). Absent, null or an unknown value: no split.
 */
export const CASE_SCORES = ['CLEAR', 'REVIEW'] as const;
export type CaseScore = (typeof CASE_SCORES)[number];
const Score = z
  .unknown()
  .transform((v): CaseScore | undefined =>
    typeof v === 'string' && (CASE_SCORES as readonly string[]).includes(v.toUpperCase())
      ? (v.toUpperCase() as CaseScore)
      : undefined,
  );

export const CertnCase = z
  .object({
    id: Id,
    email_address: z.string(),
    // A string, not the enum: a status Certn adds later must not make a paid case unreadable (the workflow shows
    // statuses it does not know as Pending).
    overall_status: z.string().min(1),
    created: z.string(),
    modified: z.string(),
    checks: z
      .array(CertnCheck)
      .nullish()
      .transform((v) => v ?? []),
    score: Score,
  })
  .passthrough();
export type CertnCase = z.infer<typeof CertnCase>;

const PageRef = z.union([z.number().int(), z.string()]).nullish();
/** Only `next_page` drives the walk; the other fields are optional so either envelope variant parses. */
export const Pagination = z
  .object({
    result_count: z.number().int().nonnegative().optional(),
    page_count: z.number().int().nonnegative().optional(),
    page_size: z.number().int().positive().optional(),
    current_page: z.number().int().positive().optional(),
    next_page: PageRef,
    previous_page: PageRef,
  })
  .passthrough();
export type Pagination = z.infer<typeof Pagination>;

/** A case list, its pagination under a `pagination` key or flat beside `results`, normalised to the former. */
export const CaseList = z
  .object({
    pagination: Pagination.optional(),
    results: z.array(CertnCase),
    next_page: PageRef,
  })
  .passthrough()
  .transform(({ pagination, next_page, ...rest }) => ({
    ...rest,
    pagination: pagination ?? { next_page: next_page ?? null },
  }));
export type CaseList = z.infer<typeof CaseList>;

export const REPORT_FILE_STATUSES = CERTN_UNCONFIRMED.reportFileStatuses;
export type ReportFileStatus = (typeof REPORT_FILE_STATUSES)[number];
export const ReportFile = z
  .object({
    id: Id,
    status: z.enum(REPORT_FILE_STATUSES),
    pdf_url: z
      .string()
      .nullish()
      .transform((v) => v ?? null),
  })
  .passthrough();
export type ReportFile = z.infer<typeof ReportFile>;

export const CERTN_EVENT_TYPES = [
  'CASE_STATUS_CHANGED',
  'CHECK_STATUS_CHANGED',
  'CASE_REPORT_READY',
  'CASE_INPUT_CLAIMS_AUTOMATICALLY_GENERATED',
] as const;
export type CertnEventType = (typeof CERTN_EVENT_TYPES)[number];

/** Thin webhook payload; event_type/object_type stay strings so new event kinds are accepted (and ignored). */
export const CertnWebhookEvent = z
  .object({
    id: z.string().min(1),
    event_type: z.string().min(1),
    object_id: z.string().min(1),
    object_type: z.string().min(1),
  })
  .passthrough();
export type CertnWebhookEvent = z.infer<typeof CertnWebhookEvent>;

export const CertnErrorItem = z
  .object({
    code: z.string().optional(),
    detail: z.string().optional(),
    attr: z.string().nullable().optional(),
  })
  .passthrough();
export type CertnErrorItem = z.infer<typeof CertnErrorItem>;

export const CERTN_ERROR_TYPES = ['validation_error', 'client_error', 'server_error'] as const;
export const CertnErrorBody = z
  .object({
    type: z.string(),
    errors: z.array(CertnErrorItem),
  })
  .passthrough();
export type CertnErrorBody = z.infer<typeof CertnErrorBody>;
