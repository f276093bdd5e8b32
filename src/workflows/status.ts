// How a Certn case maps to the status a recruiter sees on Lever. Pure and deterministic: used by the workflow and
// by activities alike.
import type { CheckStatus } from './definitions';

export const TAG_PREFIX = 'CERTN - ';

/** The Lever tag for each status that shows one. Statuses without a tag leave the candidate's tags alone. */
export const STATUS_TAGS: Partial<Record<CheckStatus, string>> = {
  ErrorNoEmail: 'CERTN - Error (No Email)',
  NotOrdered: 'CERTN - Error (Not Ordered)',
  OrderUncertain: 'CERTN - Error (Order Unconfirmed)',
  Pending: 'CERTN - Pending',
  Analyzing: 'CERTN - Analyzing',
  Partial: 'CERTN - Partial',
  Complete: 'CERTN - Complete',
  // States the seed does not name, in the same family:
  InviteUndeliverable: 'CERTN - Invite Undeliverable',
  ApplicantExpired: 'CERTN - Invite Expired',
  InDispute: 'CERTN - In Dispute',
  ActionRequired: 'CERTN - Action Required',
  Cancelled: 'CERTN - Cancelled',
};

/** Certn's result of a complete case, when it gives one (Certn Centric's Lever guide tags the two apart). */
export const CASE_RESULTS = ['Clear', 'Review'] as const;
export type CaseResult = (typeof CASE_RESULTS)[number];
export const RESULT_TAGS: Record<CaseResult, string> = {
  Clear: 'CERTN - Complete (Clear)',
  Review: 'CERTN - Complete (Review)',
};

/** The tag a status shows; Complete with a result shows the result's tag instead of the plain one. */
export function tagFor(status: CheckStatus, result?: CaseResult): string | undefined {
  return status === 'Complete' && result ? RESULT_TAGS[result] : STATUS_TAGS[status];
}

/** Every tag this service sets: a tag swap removes all but the new one. */
export const ALL_STATUS_TAGS: string[] = [...new Set([...Object.values(STATUS_TAGS), ...Object.values(RESULT_TAGS)])];

export function isCertnTag(tag: string): boolean {
  return tag.trim().toUpperCase().startsWith(TAG_PREFIX.toUpperCase());
}

/** The main line only moves forward; side states are shown while Certn reports them. */
const MAIN_LINE: CheckStatus[] = ['Pending', 'Analyzing', 'Partial', 'Complete'];
export function mainLineRank(status: CheckStatus | undefined): number {
  return status ? MAIN_LINE.indexOf(status) : -1;
}

const SUBMITTED_OR_LATER = new Set([
  'APPLICANT_SUBMITTED',
  'IN_DISPUTE',
  'IN_PROGRESS',
  'APPLICANT_ACTION_REQUIRED',
  'CLIENT_ACTION_REQUIRED',
]);

export interface CaseSnapshot {
  overallStatus: string;
  checks: { id: string; status: string }[];
  /** Only when Certn gives one for a COMPLETE case (absent otherwise, so histories without it are unchanged). */
  result?: CaseResult;
}

/**
 * Terminal: the workflow finishes when the case reaches one of these. An undeliverable or expired invite ends the
 * case on Certn's side; the recruiter fixes the e-mail and an operator re-runs the check.
 */
export function isTerminal(status: CheckStatus): boolean {
  return (
    status === 'Complete' || status === 'Cancelled' || status === 'ApplicantExpired' || status === 'InviteUndeliverable'
  );
}

/** Results exist as soon as one check is complete (or the whole case is). */
export function hasResults(snapshot: CaseSnapshot): boolean {
  return snapshot.overallStatus === 'COMPLETE' || snapshot.checks.some((c) => c.status === 'COMPLETE');
}

/** What the case alone says, before the never-go-back rule. */
export function statusFromCase(snapshot: CaseSnapshot): CheckStatus {
  const s = snapshot.overallStatus;
  switch (s) {
    case 'COMPLETE':
      return 'Complete';
    case 'CANCELLED':
      return 'Cancelled';
    case 'APPLICANT_EXPIRED':
      return 'ApplicantExpired';
    case 'INVITE_UNDELIVERABLE':
      return 'InviteUndeliverable';
    case 'IN_DISPUTE':
      return 'InDispute';
    case 'APPLICANT_ACTION_REQUIRED':
    case 'CLIENT_ACTION_REQUIRED':
      return 'ActionRequired';
  }
  if (SUBMITTED_OR_LATER.has(s)) return hasResults(snapshot) ? 'Partial' : 'Analyzing';
  return 'Pending'; // DRAFT, CASE_ORDERED, APPLICANT_INVITED/OPENED/STARTED, and anything new Certn adds
}

/**
 * The status to show given what was shown before: a main-line status lower than the highest one reached is
 * replaced by that highest one, so late or repeated reads never move a candidate back.
 */
export function nextStatus(
  progress: CheckStatus | undefined,
  fromCase: CheckStatus,
): { shown: CheckStatus; progress: CheckStatus | undefined } {
  const rank = mainLineRank(fromCase);
  if (rank < 0) return { shown: fromCase, progress }; // side state or terminal side state
  if (rank >= mainLineRank(progress)) return { shown: fromCase, progress: fromCase };
  return { shown: progress as CheckStatus, progress };
}
