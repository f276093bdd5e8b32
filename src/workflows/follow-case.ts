// Phase 2 of a check, once a case exists: follow it to its end. Certn callbacks are nudges and a poll timer catches
// lost ones; every read may move the Lever tag (never backwards); a long wait continues as new.
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  workflowInfo,
} from '@temporalio/workflow';
import type { CheckRun } from './check-run';
import type { backgroundCheck } from './check-workflow';
import { finish, summaryOf } from './finish';
import { cancelForRemoval, confirmedRemoval } from './lever-removal';
import { api } from './proxies';
import { CaseSnapshot, hasResults, isTerminal, nextStatus, statusFromCase } from './status';

/** Returns when the check is over (the case closed, or it stayed open too long); continues as new meanwhile. */
export async function followCase(run: CheckRun): Promise<void> {
  const { teamId, opportunityId, state, timings } = run;
  const caseId = state.caseId as string;
  // From the state, not this run's start: a check continued as new (a resumed one too) keeps its deadline.
  const deadline = Date.parse(state.followingSince ?? new Date().toISOString()) + timings.caseMaxWaitMs;
  for (;;) {
    // Taken before the read: a nudge that lands while the read or the Lever updates run is not lost.
    const seen = run.nudges;
    if (run.cancelReason !== undefined) await cancelCase(run, caseId);
    if (run.removal !== undefined) {
      const reason = await confirmedRemoval(run);
      if (reason) await cancelForRemoval(run, caseId, reason);
    }
    const snapshot = await readCase(run, caseId);
    if (snapshot) {
      state.certnStatus = snapshot.overallStatus;
      const { shown, progress } = nextStatus(state.progress, statusFromCase(snapshot));
      state.progress = progress;
      if (shown === 'Complete' && snapshot.result) state.result = snapshot.result;
      if (isTerminal(shown)) run.ending();
      if (shown !== state.status) await run.showStatus(shown, `Certn: ${snapshot.overallStatus}`);

      if (hasResults(snapshot) && !state.reportLink && shown !== 'Complete') {
        await run.onLever('interim report link', async () => {
          state.interimLinkTried = true;
          state.reportLink = await api.setReportLink(teamId, opportunityId, caseId, 'interim');
        });
      }
      if (isTerminal(shown)) return finish(run, shown);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      run.ending();
      run.record(state.status, 'stopped following the case: it stayed open longer than the configured maximum');
      await run.onLever('summary note', () =>
        api.addSummaryNote(teamId, opportunityId, summaryOf(state, 'timed out'), { mayExist: state.resumed === true }),
      );
      return;
    }
    // The last wait ends at the deadline itself, so the check stops when the maximum says, not up to a poll later.
    await condition(
      () => run.nudges !== seen || run.cancelReason !== undefined || run.removal !== undefined,
      Math.min(timings.pollIntervalMs, left),
    );
    const longHistory =
      workflowInfo().historyLength > timings.maxHistoryEvents || workflowInfo().continueAsNewSuggested;
    // A pending cancel or Lever removal is handled first: it would not survive the hand-over to the next run.
    if (longHistory && run.cancelReason === undefined && run.removal === undefined) {
      await condition(allHandlersFinished); // an answered cancel's handler returns in the next activation
      await continueAsNew<typeof backgroundCheck>({
        teamId,
        opportunityId,
        timings,
        carried: state,
        rerun: run.input.rerun,
      });
    }
  }
}

/** Asks Certn to cancel the case and answers the operator; the read that follows shows the case CANCELLED. */
async function cancelCase(run: CheckRun, caseId: string): Promise<void> {
  const { state } = run;
  const reason = run.cancelReason as string;
  try {
    await api.cancelCase(run.teamId, caseId);
    state.transitions.push({
      at: new Date().toISOString(),
      status: state.status,
      detail: `cancel requested: ${reason}`,
    });
    run.answerCancel(true, 'Certn cancelled the case');
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    state.lastError = `cancel: ${err.cause?.message ?? err.message}`;
    run.showDetails();
    run.answerCancel(false, state.lastError);
  }
}

/**
 * The case as Certn has it now, or null after a Certn error no retry fixes (an expired key, say): the check then
 * waits for the next poll or nudge instead of failing, and carries on by itself once an admin fixes the setting.
 */
async function readCase(run: CheckRun, caseId: string): Promise<CaseSnapshot | null> {
  try {
    return await api.readCase(run.teamId, caseId, workflowInfo().workflowId);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    run.state.lastError = `read case: ${err.cause?.message ?? err.message}`;
    run.showDetails();
    log.warn('certn case read failed', {
      teamId: run.teamId,
      opportunityId: run.opportunityId,
      caseId,
      error: run.state.lastError,
    });
    return null;
  }
}
