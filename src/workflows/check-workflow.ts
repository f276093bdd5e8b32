// The background check: one workflow per team + opportunity, from the stage change to the attached PDF.
// Deterministic: all I/O goes through activities; personal data (e-mails, names, tags) never enters this code or
// its history — activities read them from Lever and return only what the workflow decides on.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CheckActivities } from '../activities';
import {
  CheckState,
  CheckStatus,
  CheckWorkflowInput,
  cancelSignal,
  certnEventSignal,
  stageEnteredSignal,
  stateQuery,
} from './definitions';
import { SA_CASE, SA_PACKAGE, SA_STATUS } from './search-attributes';
import { CaseSnapshot, STATUS_TAGS, hasResults, isTerminal, nextStatus, statusFromCase } from './status';

// Lever and Certn calls: retried with backoff until they succeed (429, 5xx, timeouts); 4xx fail at once.
const api = proxyActivities<CheckActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
// Ordering costs money: its activity searches Certn before any retry, so a retry never orders twice.
const ordering = proxyActivities<CheckActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});
// The report PDF can take a while to render on Certn's side; the activity heartbeats while it waits, so an attempt
// lost with its worker is retried after the heartbeat timeout rather than the whole 10 minutes.
const reports = proxyActivities<CheckActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/** Failure types of orderCase that prove no case was created for this order (see activities/case-ordering.ts). */
const DEFINITELY_NOT_ORDERED = /^(NoEmail|NoPackage|MissingSetting|TeamNotFound|Lever\.|Certn\.)/;

export async function backgroundCheck(input: CheckWorkflowInput): Promise<CheckState> {
  const { teamId, opportunityId } = input;
  const state: CheckState = input.carried ?? {
    teamId,
    opportunityId,
    status: 'Starting',
    fileAttached: false,
    noteAdded: false,
    transitions: [],
  };
  // Counters, not lists: a wait compares with the count taken before it, so nothing that lands meanwhile is lost.
  let stageEntries = 0;
  let nudges = 0;
  let cancelReason: string | undefined;

  setHandler(stateQuery, () => state);
  let triggeredAt = input.trigger?.triggeredAt; // the latest stage entry Lever announced: what Lever must confirm
  setHandler(stageEnteredSignal, (e) => {
    stageEntries++;
    triggeredAt = e.triggeredAt;
  });
  setHandler(certnEventSignal, () => {
    nudges++;
  });
  setHandler(cancelSignal, ({ reason }) => {
    cancelReason = reason || 'cancelled by an operator';
  });

  const record = (status: CheckStatus, detail?: string) => {
    state.status = status;
    state.transitions.push({ at: new Date().toISOString(), status, ...(detail ? { detail } : {}) });
    upsertSearchAttributes([{ key: SA_STATUS, value: status }]);
    setCurrentDetails(describe(state));
    log.info('check status', { teamId, opportunityId, status, caseId: state.caseId });
  };

  /** Lever is presentation: a permanent failure there is recorded, and the check keeps tracking the case. */
  const onLever = async (what: string, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      state.lastError = `${what}: ${err.cause?.message ?? err.message}`;
      log.warn('lever update failed', { teamId, opportunityId, what, error: state.lastError });
      return false;
    }
  };

  /** Lever first, then the state: what the query and the UI say is what the recruiter sees. */
  const showStatus = async (status: CheckStatus, detail?: string) => {
    const tag = STATUS_TAGS[status];
    if (tag) await onLever(`tag ${tag}`, () => api.setStatusTag(teamId, opportunityId, status));
    record(status, detail);
  };

  const timings = await api.checkTimings();

  // --- Before a case exists: confirm, find an e-mail, choose the package, order once. ---
  if (!state.caseId) {
    let ordered = false;
    while (!ordered) {
      if (cancelReason !== undefined) {
        await showStatus('Cancelled', cancelReason);
        return state;
      }
      const entriesBefore = stageEntries; // a re-entry from here on wakes the no-e-mail wait below
      const opp = await api.inspectOpportunity(teamId, opportunityId, {
        requireTriggerStage: !input.rerun,
        ...(triggeredAt !== undefined ? { triggeredAt } : {}),
      });
      if (!opp.inTriggerStage) {
        // The webhook's data is unsigned: if Lever does not show the stage entry, nothing happens.
        record('NotInTriggerStage', 'Lever does not show the opportunity in the trigger stage');
        return state;
      }
      if (opp.existingCaseId && !input.rerun) {
        // Never a second case by itself: follow the one this opportunity has (finished or not; links, file and
        // note are found, not repeated), so this run shows the check's real state.
        state.caseId = opp.existingCaseId;
        upsertSearchAttributes([{ key: SA_CASE, value: opp.existingCaseId }]);
        record('Resumed', `following case ${opp.existingCaseId}, ordered earlier for this opportunity`);
        break;
      }
      if (!opp.hasEmail) {
        if (state.status !== 'ErrorNoEmail') await showStatus('ErrorNoEmail');
        const movedAgain = await condition(
          () => stageEntries > entriesBefore || cancelReason !== undefined,
          timings.noEmailWaitMs,
        );
        if (!movedAgain) {
          record('ErrorNoEmail', 'no e-mail was added within the waiting window; nothing was ordered');
          return state;
        }
        continue;
      }
      const pkg = opp.package;
      if (!pkg) return notOrdered('the team has no default package and no candidate tag names one', 'NoPackage');
      state.packageName = pkg.name;
      upsertSearchAttributes([{ key: SA_PACKAGE, value: pkg.name }]);
      await showStatus('Pending', `package ${pkg.name}`);
      if (cancelReason !== undefined) continue; // cancelled while the tag was set: order nothing
      const orderedAfter = new Date(Date.now() - 2 * 60_000).toISOString(); // slack for clock skew with Certn
      let order: { caseId: string };
      try {
        order = await ordering.orderCase({
          teamId,
          opportunityId,
          workflowId: workflowInfo().workflowId,
          checkTypes: pkg.checkTypes,
          orderedAfter,
          earlierCaseIds: opp.existingCaseId ? [opp.existingCaseId] : [],
        });
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
        // "Not Ordered" only when Certn provably has no case for this order; otherwise an operator must look.
        if (cause?.type && DEFINITELY_NOT_ORDERED.test(cause.type)) return notOrdered(cause.message, cause.type);
        return orderUncertain(cause?.message ?? err.message, cause?.type ?? 'OrderUncertain');
      }
      state.caseId = order.caseId;
      state.caseOrderedAt = new Date().toISOString();
      upsertSearchAttributes([{ key: SA_CASE, value: order.caseId }]);
      record('Pending', `case ${order.caseId} ordered`);
      state.progress = 'Pending';
      ordered = true;
    }
  }

  // --- A case exists: follow it until it closes. Callbacks are nudges; the poll timer catches lost ones. ---
  const caseId = state.caseId as string;
  const followingSince = Date.parse(state.caseOrderedAt ?? new Date().toISOString());
  for (;;) {
    // Taken before the read: a nudge that lands while the read or the Lever updates run is not lost.
    const seen = nudges;
    if (cancelReason !== undefined) {
      const reason = cancelReason;
      cancelReason = undefined; // the case itself now says CANCELLED; the read below shows it
      try {
        await api.cancelCase(teamId, caseId);
        state.transitions.push({
          at: new Date().toISOString(),
          status: state.status,
          detail: `cancel requested: ${reason}`,
        });
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        state.lastError = `cancel: ${err.cause?.message ?? err.message}`;
      }
    }
    const snapshot = await readCase();
    if (snapshot) {
      state.certnStatus = snapshot.overallStatus;
      const { shown, progress } = nextStatus(state.progress, statusFromCase(snapshot));
      state.progress = progress;
      if (shown !== state.status) await showStatus(shown, `Certn: ${snapshot.overallStatus}`);

      if (hasResults(snapshot) && !state.reportLink && shown !== 'Complete') {
        await onLever('interim report link', async () => {
          state.reportLink = await api.setReportLink(teamId, opportunityId, caseId, 'interim');
        });
      }
      if (isTerminal(shown)) {
        await finish(shown);
        return state;
      }
    }
    if (Date.now() - followingSince > timings.caseMaxWaitMs) {
      record(state.status, 'stopped following the case: it stayed open longer than the configured maximum');
      await onLever('summary note', () => api.addSummaryNote(teamId, opportunityId, summaryOf(state, 'timed out')));
      return state;
    }
    await condition(() => nudges !== seen || cancelReason !== undefined, timings.pollIntervalMs);
    const longHistory =
      workflowInfo().historyLength > timings.maxHistoryEvents || workflowInfo().continueAsNewSuggested;
    // A pending cancel is handled first: it would not survive the hand-over to the next run.
    if (longHistory && cancelReason === undefined) {
      await continueAsNew<typeof backgroundCheck>({ teamId, opportunityId, carried: state, rerun: input.rerun });
    }
  }

  /**
   * The case as Certn has it now, or null after a Certn error no retry fixes (an expired key, say): the check then
   * waits for the next poll or nudge instead of failing, and carries on by itself once an admin fixes the setting.
   */
  async function readCase(): Promise<CaseSnapshot | null> {
    try {
      return await api.readCase(teamId, caseId, workflowInfo().workflowId);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      state.lastError = `read case: ${err.cause?.message ?? err.message}`;
      setCurrentDetails(describe(state));
      log.warn('certn case read failed', { teamId, opportunityId, caseId, error: state.lastError });
      return null;
    }
  }

  /**
   * Nothing could be ordered, for good: the recruiter sees an error tag instead of a Pending that never moves, and
   * the run fails with the cause's type so operators find it in the UI (an operator re-run tries again).
   */
  async function notOrdered(reason: string, type: string): Promise<never> {
    state.lastError = `order: ${reason}`;
    await showStatus('NotOrdered', reason);
    throw ApplicationFailure.nonRetryable(`Nothing was ordered: ${reason}`, type);
  }

  /** A case may exist in Certn that this check does not follow (several match, or the search failed for good). */
  async function orderUncertain(reason: string, type: string): Promise<never> {
    state.lastError = `order: ${reason}`;
    await showStatus('OrderUncertain', reason);
    throw ApplicationFailure.nonRetryable(`The order's outcome is uncertain: ${reason}`, type);
  }

  async function finish(status: CheckStatus): Promise<void> {
    if (status === 'Complete') {
      await onLever('final report link', async () => {
        state.reportLink = await api.setReportLink(teamId, opportunityId, caseId, 'final');
      });
      if (!state.fileAttached) {
        await onLever('report file', async () => {
          await reports.attachReportPdf(teamId, opportunityId, caseId);
          state.fileAttached = true;
        });
      }
    }
    if (!state.noteAdded) {
      await onLever('summary note', async () => {
        await api.addSummaryNote(teamId, opportunityId, summaryOf(state, status));
        state.noteAdded = true;
      });
    }
    setCurrentDetails(describe(state));
  }
}

function summaryOf(state: CheckState, outcome: string) {
  return {
    caseId: state.caseId ?? '',
    packageName: state.packageName ?? '',
    outcome,
    certnStatus: state.certnStatus ?? '',
  };
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
