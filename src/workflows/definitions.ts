// Names and shapes shared by the check workflow, the API that signals it and the tests that inspect it.
// Kept free of side effects: the workflow bundle imports this file.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** One check per team + opportunity: the id is derived, never random, so Temporal itself dedupes starts. */
export function checkWorkflowId(teamId: string, opportunityId: string): string {
  return `certn-check:${teamId}:${opportunityId}`;
}

/** The workflow's type name, as visibility lists it (the gateway starts it by function reference). */
export const CHECK_WORKFLOW_TYPE = 'backgroundCheck';

/** Lever told us the opportunity moved into a stage. `data` is unsigned: the workflow confirms it via the API. */
export interface StageEntered {
  triggeredAt: number;
  toStageId: string;
}

/** A thin Certn callback: only a nudge to re-read the case. */
export interface CertnNudge {
  eventId: string;
  eventType: string;
  objectType: string;
  objectId: string;
}

/** Lever said the candidate was archived or deleted (unsigned `data`: the workflow confirms it with Lever first). */
export interface LeverRemoval {
  kind: 'archived' | 'deleted';
  triggeredAt: number;
}

export interface CancelRequest {
  reason: string;
}

/** What an operator's cancel came to: `took` is false when Certn refused to cancel the case. */
export interface CancelOutcome {
  took: boolean;
  /** The check's status when the answer was given. */
  status: CheckStatus;
  detail: string;
}

export const stageEnteredSignal = defineSignal<[StageEntered]>('stageEntered');
export const certnEventSignal = defineSignal<[CertnNudge]>('certnEvent');
export const leverRemovedSignal = defineSignal<[LeverRemoval]>('leverRemoved');
/** An update, not a signal: its validator refuses a check with nothing left to cancel, and the caller learns whether
 * the cancel took. */
export const cancelUpdate = defineUpdate<CancelOutcome, [CancelRequest]>('cancel');

/** Status of a check as shown on Lever (tag) and in the Temporal UI (search attribute). */
export const CHECK_STATUSES = [
  'Starting',
  'NotInTriggerStage', // the webhook's unsigned data did not match Lever: nothing ordered
  'Resumed', // a new run (the candidate re-entered the stage) follows the case the opportunity already has
  'ErrorNoEmail',
  'NotOrdered', // Certn refused the order for good (a revoked key, a rejected check type) or no package applies
  'OrderUncertain', // an order may have reached Certn but no single case can be tied to it: an operator decides
  'Pending',
  'InviteUndeliverable',
  'ApplicantExpired',
  'Analyzing',
  'InDispute',
  'ActionRequired',
  'Partial',
  'Cancelled',
  'Complete',
] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/**
 * What advancing a Clear check came to (activities/stage-advance.ts): moved to the team's advance stage, found already
 * there (a retry), left alone because a recruiter had moved the candidate on, the stage no longer resolvable by its
 * name, or no advance stage set.
 */
export const ADVANCE_OUTCOMES = ['advanced', 'already_there', 'moved_on', 'stage_missing', 'not_configured'] as const;
export type AdvanceOutcome = (typeof ADVANCE_OUTCOMES)[number];

export interface Transition {
  at: string; // ISO time (workflow time)
  status: CheckStatus;
  detail?: string;
}

export interface CheckState {
  teamId: string;
  opportunityId: string;
  status: CheckStatus;
  packageName?: string;
  caseId?: string;
  /** Workflow time the case was ordered. */
  caseOrderedAt?: string;
  /** Workflow time this check began following its case (ordered or resumed): bounds how long it follows it, across
   * continue-as-new. */
  followingSince?: string;
  /** Highest main-line status reached (Pending < Analyzing < Partial < Complete): never goes back. */
  progress?: CheckStatus;
  /** Set when a Lever update failed for good; the check keeps tracking the case. */
  lastError?: string;
  certnStatus?: string;
  /** Certn's result of the complete case ('Clear' | 'Review'), when it gives one: picks the Complete tag. */
  result?: 'Clear' | 'Review';
  /** Set once the run has tried to advance a Clear check (never twice); see ADVANCE_OUTCOMES. */
  advance?: AdvanceOutcome;
  /** Lever confirmed the candidate archived or deleted: the check was cancelled (deleted: no Lever writes at all). */
  removedInLever?: 'archived' | 'deleted';
  /** Which report link the profile carries ('interim' | 'final'; the signed URL itself never enters history). */
  reportLink?: string;
  /** An interim link was (possibly) written: the final one must replace it. */
  interimLinkTried?: boolean;
  /** This run follows a case an earlier run ordered: Lever may already hold its link, file and note. */
  resumed?: boolean;
  fileAttached: boolean;
  noteAdded: boolean;
  transitions: Transition[];
}

export const stateQuery = defineQuery<CheckState>('state');

/** The check's clock, from the gateway's configuration (see README, Configuration). */
export interface CheckTimings {
  pollIntervalMs: number;
  noEmailWaitMs: number;
  caseMaxWaitMs: number;
  /** A check that waits for weeks continues as new past this many history events, keeping its history small. */
  maxHistoryEvents: number;
}

export interface CheckWorkflowInput {
  teamId: string;
  opportunityId: string;
  /** Input, not an activity's answer: no history events spent on them, and carried across continue-as-new. */
  timings: CheckTimings;
  /** The stage entry that started the workflow (absent for an operator re-run). */
  trigger?: StageEntered;
  /** Operator re-run: order a new case even if one exists for this opportunity. */
  rerun?: boolean;
  /** Carried across continue-as-new. */
  carried?: CheckState;
}
