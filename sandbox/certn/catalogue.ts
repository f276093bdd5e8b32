// What the Certn sandbox knows of Certn's vocabulary (contracts/certn.md): case and check statuses, the check types
// an account may order, the public object shapes. A copy, not the service's schemas: the fake must not agree with a
// mistake in the service's reading of the contract.

/** Certn's `overall_status` values, in Certn's precedence order. */
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

/** A single check's status (the sandbox's choice for the contract's unconfirmed set). */
export type CheckStatus = 'PENDING' | 'IN_PROGRESS' | 'COMPLETE' | 'CANCELLED' | 'SUPERSEDED';
export const CLOSED_CHECK_STATUSES: readonly CheckStatus[] = ['COMPLETE', 'CANCELLED', 'SUPERSEDED'];

export type ReportFileStatus = 'PENDING' | 'COMPLETE' | 'FAILED';

/**
 * Check types the sandbox account may order (centric-api-docs.certn.co "check-<IDENTIFIER>" pages, plus a few seen in
 * third-party integrations and the contract's own example `CRIMINAL_RECORD_CHECK`). Anything else is a 400.
 */
export const ORDERABLE_CHECK_TYPES: readonly string[] = [
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
  'EDUCATION_VERIFICATION_1',
  'REFERENCE_CHECK_1',
  'ADVERSE_MEDIA_1',
  'CRIMINAL_RECORD_CHECK',
];
export const isOrderableCheckType = (t: string): boolean => ORDERABLE_CHECK_TYPES.includes(t);

/** Certn portal's "Complete: Clear" / "Complete: Review" (contracts/certn.md: an assumed `score` field). */
export const CASE_SCORES = ['CLEAR', 'REVIEW'] as const;
export type CaseScore = (typeof CASE_SCORES)[number];

/** A case as the public API shows it. */
export interface PublicCase {
  id: string;
  email_address: string;
  overall_status: CaseStatus;
  created: string;
  modified: string;
  checks: { id: string; check_type: string; status: CheckStatus }[];
  /** Present only once COMPLETE, and only when set (control `score`). */
  score?: CaseScore;
}

export interface PublicReportFile {
  id: string;
  case_id: string;
  status: ReportFileStatus;
  pdf_url: string | null;
  created: string;
  modified: string;
}

/** Thin callback payload. */
export interface WebhookEvent {
  id: string;
  event_type: string;
  object_id: string;
  object_type: string;
}

/** One item of Certn's error body `{type, errors: [...]}`. */
export interface ErrorItem {
  code: string;
  detail: string;
  attr: string | null;
}
