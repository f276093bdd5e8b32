// Phase 2 of a check, once a case exists: follow it to its end. Certn callbacks are nudges and a poll timer catches
// lost ones; every read may move the Lever tag (never backwards); a long wait continues as new.
import {
  ActivityFailure,
  CancelledFailure,
  TemporalFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { CaseSync } from '../activities/case-sync';
import type { CheckRun } from './check-run';
import type { backgroundCheck } from './check-workflow';
import { finish, summaryOf } from './finish';
import { cancelForRemoval, confirmedRemoval } from './lever-removal';
import { LEAN } from './lean';
import { api, local } from './proxies';
import type { CheckStatus } from './definitions';
import { CaseSnapshot, hasResults, isTerminal, nextStatus, statusFromCase } from './status';

/** Returns when the check is over (the case closed, or it stayed open too long); continues as new meanwhile. */
export async function followCase(run: CheckRun): Promise<void> {
  const { teamId, opportunityId, state, timings } = run;
  const caseId = state.caseId as string;
  // From the state, not this run's start: a check continued as new (a resumed one too) keeps its deadline.
  const deadline = Date.parse(state.followingSince ?? new Date().toISOString()) + timings.caseMaxWaitMs;
  // Runs recorded before this change replay the old commands: an activity per read and per Lever update, and a
  // poll timer started and cancelled around every wait.
  const lean = patched(LEAN);
  const poll = { running: false, due: false };
  for (;;) {
    // Taken before the read: a nudge that lands while the read or the Lever updates run is not lost.
    const seen = run.nudges;
    if (run.cancelReason !== undefined) await cancelCase(run, caseId);
    if (run.removal !== undefined) {
      const reason = await confirmedRemoval(run);
      if (reason) await cancelForRemoval(run, caseId, reason);
    }
    if (lean) {
      const sync = await syncCase(run, caseId);
      if (sync) {
        const shown = applySync(run, sync);
        if (isTerminal(shown)) return finish(run, shown);
      }
    }
    const snapshot = lean ? null : await readCase(run, caseId);
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
    if (lean) {
      // One poll timer stands across nudges (started when none runs, never cancelled): a nudge costs no timer events.
      if (!poll.running) {
        poll.running = true;
        void sleep(Math.min(timings.pollIntervalMs, left)).then(
          () => {
            poll.running = false;
            poll.due = true;
          },
          () => undefined, // the workflow itself was cancelled: nothing left to poll for
        );
      }
      await condition(
        () => run.nudges !== seen || run.cancelReason !== undefined || run.removal !== undefined || poll.due,
      );
      poll.due = false;
    } else {
      await condition(
        () => run.nudges !== seen || run.cancelReason !== undefined || run.removal !== undefined,
        Math.min(timings.pollIntervalMs, left),
      );
    }
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

/**
 * One local activity reads the case and makes the Lever updates it calls for; null after a failure no retry fixes
 * (the check then waits for the next poll or nudge, as readCase below).
 */
async function syncCase(run: CheckRun, caseId: string): Promise<CaseSync | null> {
  const { state } = run;
  try {
    return await local.syncCase(run.teamId, run.opportunityId, caseId, workflowInfo().workflowId, {
      status: state.status,
      ...(state.progress ? { progress: state.progress } : {}),
      ...(state.reportLink ? { reportLink: state.reportLink } : {}),
      interimAdded: state.resumed === true || state.interimLinkTried === true,
      lever: state.removedInLever !== 'deleted',
    });
  } catch (err) {
    // A local activity's failure reaches the workflow as its cause itself (an ApplicationFailure, or a timeout).
    if (!(err instanceof TemporalFailure) || err instanceof CancelledFailure) throw err;
    state.lastError = `read case: ${(err instanceof ActivityFailure ? err.cause : undefined)?.message ?? err.message}`;
    run.showDetails();
    log.warn('certn case read failed', {
      teamId: run.teamId,
      opportunityId: run.opportunityId,
      caseId,
      error: state.lastError,
    });
    return null;
  }
}

/** The state after a sync step: the same rule the activity applied, now recorded (Lever was updated first). */
function applySync(run: CheckRun, sync: CaseSync): CheckStatus {
  const { state } = run;
  const { snapshot } = sync;
  state.certnStatus = snapshot.overallStatus;
  const { shown, progress } = nextStatus(state.progress, statusFromCase(snapshot));
  state.progress = progress;
  if (shown === 'Complete' && snapshot.result) state.result = snapshot.result;
  if (isTerminal(shown)) run.ending();
  for (const e of sync.leverErrors ?? []) {
    state.lastError = e;
    log.warn('lever update failed', { teamId: run.teamId, opportunityId: run.opportunityId, error: e });
  }
  if (sync.linkTried === 'interim') state.interimLinkTried = true;
  if (sync.link) state.reportLink = sync.link;
  if (shown !== state.status) run.record(shown, `Certn: ${snapshot.overallStatus}`);
  else run.showDetails();
  return shown;
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
