// One step of following a case, in one activity: read the case from Certn and, when that moves the check, swap the
// Lever tag and add the report link — what the workflow did in up to three activities (issue 12: smaller histories).
// The decision is the workflow's own rule (nextStatus), computed again by the workflow from the snapshot returned.
import { ApplicationFailure } from '@temporalio/common';
import type { CheckStatus } from '../workflows/definitions';
import { CaseResult, CaseSnapshot, hasResults, nextStatus, statusFromCase } from '../workflows/status';
import { toFailure } from './failures';
import type { ReportKind } from './report-links';

/** What the check had shown before this read: all the activity needs to decide the Lever updates. */
export interface SyncSeen {
  status: CheckStatus;
  progress?: CheckStatus;
  /** The link the profile carries ('interim' | 'final'), if any. */
  reportLink?: string;
  /** An interim link was (possibly) written: the final one replaces it. */
  interimAdded: boolean;
  /** False when the opportunity is gone from Lever: nothing is written there. */
  lever: boolean;
}

export interface CaseSync {
  snapshot: CaseSnapshot;
  /** The report link this step added (the kind, never the signed URL), or tried to add. */
  link?: ReportKind;
  linkTried?: ReportKind;
  /** A Lever update that failed for good (the check records it and keeps following the case). */
  leverErrors?: string[];
}

export interface SyncParts {
  readCase(): Promise<CaseSnapshot>;
  setStatusTag(status: CheckStatus, result?: CaseResult): Promise<void>;
  setReportLink(kind: ReportKind, interimAdded: boolean): Promise<unknown>;
}

export async function syncCase(seen: SyncSeen, parts: SyncParts): Promise<CaseSync> {
  const snapshot = await parts.readCase();
  const out: CaseSync = { snapshot };
  if (!seen.lever) return out;
  const { shown } = nextStatus(seen.progress, statusFromCase(snapshot));
  const result = shown === 'Complete' ? snapshot.result : undefined;
  const errors: string[] = [];
  // Lever is presentation: a permanent failure is reported back, a passing one (429, 5xx) retries the whole step.
  const onLever = async (what: string, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (err) {
      const failure = toFailure(err);
      if (failure instanceof ApplicationFailure && failure.nonRetryable) {
        errors.push(`${what}: ${failure.message}`);
        return false;
      }
      throw failure;
    }
  };
  if (shown !== seen.status) await onLever(`tag ${shown}`, () => parts.setStatusTag(shown, result));
  // The interim link at first results; at completion the final one replaces it (one live link).
  const kind: ReportKind | undefined =
    shown === 'Complete'
      ? seen.reportLink === 'final'
        ? undefined
        : 'final'
      : hasResults(snapshot) && !seen.reportLink
        ? 'interim'
        : undefined;
  if (kind) {
    out.linkTried = kind;
    if (await onLever(`${kind} report link`, () => parts.setReportLink(kind, seen.interimAdded))) out.link = kind;
  }
  if (errors.length > 0) out.leverErrors = errors;
  return out;
}
