// The setup step of a check run: its state, its handlers (stage entries, Certn nudges, the operator's cancel, the
// state query), and the few ways the run records and shows what it did. The phases and the finish share it.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import {
  CancelOutcome,
  CancelRequest,
  CheckState,
  CheckStatus,
  CheckTimings,
  CheckWorkflowInput,
  LeverRemoval,
  StageEntered,
  cancelUpdate,
  certnEventSignal,
  leverRemovedSignal,
  stageEnteredSignal,
  stateQuery,
} from './definitions';
import { api } from './proxies';
import { SA_CASE, SA_PACKAGE, SA_STATUS } from './search-attributes';
import { isTerminal, tagFor } from './status';

/** Registers the handlers and builds (or takes over, after continue-as-new) the state. */
export function setup(input: CheckWorkflowInput): CheckRun {
  const run = new CheckRun(input);
  run.registerHandlers();
  return run;
}

export class CheckRun {
  readonly teamId: string;
  readonly opportunityId: string;
  readonly timings: CheckTimings;
  readonly state: CheckState;
  // Counters, not lists: a wait compares with the count taken before it, so nothing that lands meanwhile is lost.
  stageEntries = 0;
  nudges = 0;
  /** The newest stage entry Lever told this run about: the stage confirmation is tied to it. */
  latestEntry?: StageEntered;
  /** Lever said the candidate was archived or deleted; the phase the run is in confirms it and acts. */
  removal?: LeverRemoval;
  /** A cancel the update's validator accepted and the run has not answered yet. */
  cancelReason?: string;
  private answer?: (outcome: CancelOutcome) => void;
  /** Set once the run has decided to end: from then on there is nothing left to cancel. */
  private ended = false;
  /** What the search attributes last said, so a transition that changes none of them upserts nothing. */
  private published: Partial<Record<'status' | 'package' | 'case', string>> = {};

  constructor(readonly input: CheckWorkflowInput) {
    this.teamId = input.teamId;
    this.opportunityId = input.opportunityId;
    this.timings = input.timings;
    this.latestEntry = input.trigger;
    this.state = input.carried ?? {
      teamId: input.teamId,
      opportunityId: input.opportunityId,
      status: 'Starting',
      fileAttached: false,
      noteAdded: false,
      transitions: [],
    };
    if (input.carried) {
      // The previous run published these; the server keeps them across continue-as-new.
      this.published = { status: this.state.status, package: this.state.packageName, case: this.state.caseId };
    }
  }

  registerHandlers(): void {
    setHandler(stateQuery, () => this.state);
    setHandler(stageEnteredSignal, (entry) => {
      this.stageEntries++;
      // Lever may deliver out of order: an older entry arriving late does not replace a newer one.
      if (!this.latestEntry || entry.triggeredAt >= this.latestEntry.triggeredAt) this.latestEntry = entry;
    });
    setHandler(certnEventSignal, () => {
      this.nudges++;
    });
    setHandler(leverRemovedSignal, (removal) => {
      if (!this.ended) this.removal = removal;
    });
    setHandler(
      cancelUpdate,
      ({ reason }) =>
        new Promise<CancelOutcome>((resolve) => {
          // The phase the run is in acts on it at its next step and answers (see answerCancel).
          this.cancelReason = reason || 'cancelled by an operator';
          this.answer = resolve;
        }),
      {
        validator: (_request: CancelRequest) => {
          if (this.ended || isTerminal(this.state.status)) {
            throw ApplicationFailure.nonRetryable(
              `nothing left to cancel: the check has ended (${this.state.status})`,
              'CheckEnded',
            );
          }
          if (this.cancelReason !== undefined) {
            throw ApplicationFailure.nonRetryable('a cancel is already under way', 'CancelUnderWay');
          }
        },
      },
    );
  }

  /** Answers the pending cancel; the run carries on (a refused cancel leaves the check open). */
  answerCancel(took: boolean, detail: string): void {
    this.cancelReason = undefined;
    this.answer?.({ took, status: this.state.status, detail });
    this.answer = undefined;
  }

  /** The run has decided to end: a cancel arriving while its last Lever updates run is refused, not left hanging. */
  ending(): void {
    this.ended = true;
  }

  /** The run's result. An accepted cancel the run never reached is answered first, so no caller waits for nothing. */
  async close(): Promise<CheckState> {
    this.ending();
    if (this.cancelReason !== undefined) this.answerCancel(false, `the check ended first (${this.state.status})`);
    await condition(allHandlersFinished);
    return this.state;
  }

  /** A transition: the state, the search attributes (one upsert) and the UI's details all say it. */
  record(status: CheckStatus, detail?: string, opts: { publish?: boolean } = {}): void {
    const { state } = this;
    state.status = status;
    state.transitions.push({ at: new Date().toISOString(), status, ...(detail ? { detail } : {}) });
    if (opts.publish !== false) this.publish();
    setCurrentDetails(describe(state));
    log.info('check status', {
      teamId: this.teamId,
      opportunityId: this.opportunityId,
      status,
      caseId: state.caseId,
    });
  }

  /**
   * Lever first, then the state: what the query and the UI say is what the recruiter sees. `firstTag`: the read just
   * before showed no status tag on the opportunity, so the tag is added without removing the others (one call).
   */
  async showStatus(
    status: CheckStatus,
    detail?: string,
    opts: { publish?: boolean; firstTag?: boolean } = {},
  ): Promise<void> {
    const result = status === 'Complete' ? this.state.result : undefined;
    const tag = tagFor(status, result);
    // The result goes in only when there is one: the commands of a check without one stay as they were.
    if (tag) {
      await this.onLever(`tag ${tag}`, () =>
        opts.firstTag
          ? api.setStatusTag(this.teamId, this.opportunityId, status, result ?? null, { firstTag: true })
          : result
            ? api.setStatusTag(this.teamId, this.opportunityId, status, result)
            : api.setStatusTag(this.teamId, this.opportunityId, status),
      );
    }
    this.record(status, detail, opts);
  }

  /** Lever is presentation: a permanent failure there is recorded, and the check keeps tracking the case. */
  async onLever(what: string, fn: () => Promise<unknown>): Promise<boolean> {
    if (this.state.removedInLever === 'deleted') return false; // nothing left in Lever to write to
    try {
      await fn();
      return true;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      this.state.lastError = `${what}: ${err.cause?.message ?? err.message}`;
      log.warn('lever update failed', {
        teamId: this.teamId,
        opportunityId: this.opportunityId,
        what,
        error: this.state.lastError,
      });
      return false;
    }
  }

  /** Live details for the Temporal UI, after a change that is not a transition (an error, an attached file). */
  showDetails(): void {
    setCurrentDetails(describe(this.state));
  }

  /** Status, package and case in one upsert (each known one), and only when one of them changed. */
  private publish(): void {
    const { status, packageName, caseId } = this.state;
    const next = { status, package: packageName, case: caseId };
    const p = this.published;
    if (next.status === p.status && next.package === p.package && next.case === p.case) return;
    const pairs: SearchAttributePair[] = [{ key: SA_STATUS, value: status }];
    if (packageName) pairs.push({ key: SA_PACKAGE, value: packageName });
    if (caseId) pairs.push({ key: SA_CASE, value: caseId });
    upsertSearchAttributes(pairs);
    this.published = next;
  }
}

/** Live details for the Temporal UI (markdown). Ids and statuses only. */
function describe(state: CheckState): string {
  const lines = [
    `**Status:** ${state.status}`,
    `**Opportunity:** ${state.opportunityId}`,
    state.packageName ? `**Package:** ${state.packageName}` : undefined,
    state.caseId ? `**Certn case:** ${state.caseId} (${state.certnStatus ?? 'not read yet'})` : undefined,
    `**Report file attached:** ${state.fileAttached ? 'yes' : 'no'}`,
    state.lastError ? `**Last Lever error:** ${state.lastError}` : undefined,
  ];
  return lines.filter(Boolean).join('\n\n');
}
