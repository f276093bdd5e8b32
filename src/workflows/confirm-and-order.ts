// Phase 1 of a check, before a case exists: confirm the stage entry with Lever, wait for an e-mail if there is none,
// choose the package, and order the Certn case once (or follow the one this opportunity already has).
import { ActivityFailure, ApplicationFailure, condition, patched, workflowInfo } from '@temporalio/workflow';
import type { CheckRun } from './check-run';
import { confirmedRemoval } from './lever-removal';
import { LEAN } from './lean';
import { api, local, ordering } from './proxies';

/** 'following': a case exists now (ordered or resumed), phase 2 follows it. 'ended': the run is over. */
export async function confirmAndOrder(run: CheckRun): Promise<'following' | 'ended'> {
  const { teamId, opportunityId, input, state } = run;
  // Runs recorded before patch lean-1 replay the stage confirmation as a (remote) activity.
  const lean = patched(LEAN);
  for (;;) {
    if (run.cancelReason !== undefined) {
      await run.showStatus('Cancelled', run.cancelReason);
      run.answerCancel(true, 'the check was cancelled before anything was ordered');
      return 'ended';
    }
    if (run.removal !== undefined) {
      const reason = await confirmedRemoval(run);
      if (reason) {
        run.ending();
        await run.showStatus('Cancelled', reason);
        return 'ended';
      }
    }
    const entriesBefore = run.stageEntries; // a re-entry from here on wakes the no-e-mail wait below
    // Tied to the newest stage entry Lever told us about; an operator's re-run confirms none.
    const triggeredAt = input.rerun ? undefined : run.latestEntry?.triggeredAt;
    const confirm = { requireTriggerStage: !input.rerun, ...(triggeredAt !== undefined ? { triggeredAt } : {}) };
    const opp = lean
      ? await local.inspectOpportunity(teamId, opportunityId, confirm)
      : await api.inspectOpportunity(teamId, opportunityId, confirm);
    if (!opp.inTriggerStage) {
      // The webhook's data is unsigned: if Lever does not show the stage entry, nothing happens.
      run.record('NotInTriggerStage', 'Lever does not show the opportunity in the trigger stage');
      return 'ended';
    }
    if (opp.existingCaseId && !input.rerun && !opp.reorder) {
      // Never a second case by itself: follow the one this opportunity has (finished or not; links, file and
      // note are found, not repeated), so this run shows the check's real state.
      state.caseId = opp.existingCaseId;
      state.followingSince = new Date().toISOString();
      state.resumed = true;
      run.record('Resumed', `following case ${opp.existingCaseId}, ordered earlier for this opportunity`);
      return 'following';
    }
    // Lever shows no status tag yet (a fresh candidate): the first one is a single add.
    const firstTag = opp.hasStatusTag === false;
    if (!opp.hasEmail) {
      if (state.status !== 'ErrorNoEmail') await run.showStatus('ErrorNoEmail', undefined, { firstTag });
      const movedAgain = await condition(
        () => run.stageEntries > entriesBefore || run.cancelReason !== undefined || run.removal !== undefined,
        run.timings.noEmailWaitMs,
      );
      if (!movedAgain) {
        run.record('ErrorNoEmail', 'no e-mail was added within the waiting window; nothing was ordered');
        return 'ended';
      }
      continue;
    }
    if (opp.reorder && state.status !== 'ErrorNoEmail') {
      state.transitions.push({
        at: new Date().toISOString(),
        status: state.status,
        detail: `case ${opp.existingCaseId} ended without results; the stage entry orders a new one`,
      });
    }
    const pkg = opp.package;
    if (!pkg) return notOrdered(run, 'the team has no default package and no candidate tag names one', 'NoPackage');
    state.packageName = pkg.name;
    // The search attributes wait for the order: status, package and case then go in one upsert.
    await run.showStatus('Pending', `package ${pkg.name}`, { publish: false, firstTag });
    if (run.cancelReason !== undefined) continue; // cancelled while the tag was set: order nothing
    let order: { caseId: string };
    try {
      order = await ordering.orderCase({
        teamId,
        opportunityId,
        workflowId: workflowInfo().workflowId,
        checkTypes: pkg.checkTypes,
      });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
      // "Not Ordered" only when Certn provably has no case for this order; otherwise an operator must look.
      if (cause?.type && DEFINITELY_NOT_ORDERED.test(cause.type)) {
        // Certn refusing the order names the package: its check types may be ones this account cannot order.
        const why = cause.type.startsWith('Certn.')
          ? `Certn refused package ${pkg.name}: ${cause.message}`
          : cause.message;
        return notOrdered(run, why, cause.type);
      }
      return orderUncertain(run, cause?.message ?? err.message, cause?.type ?? 'OrderUncertain');
    }
    state.caseId = order.caseId;
    state.caseOrderedAt = new Date().toISOString();
    state.followingSince = state.caseOrderedAt;
    state.progress = 'Pending';
    run.record('Pending', `case ${order.caseId} ordered`);
    return 'following';
  }
}

/** Failure types of orderCase that prove no case was created for this order (see activities/case-ordering.ts). */
const DEFINITELY_NOT_ORDERED = /^(NoEmail|NoPackage|MissingSetting|TeamNotFound|Lever\.|Certn\.)/;

/**
 * Nothing could be ordered, for good: the recruiter sees an error tag instead of a Pending that never moves, and
 * the run fails with the cause's type so operators find it in the UI (an operator re-run tries again).
 */
async function notOrdered(run: CheckRun, reason: string, type: string): Promise<never> {
  run.ending();
  run.state.lastError = `order: ${reason}`;
  await run.showStatus('NotOrdered', reason);
  await run.close();
  throw ApplicationFailure.nonRetryable(`Nothing was ordered: ${reason}`, type);
}

/** A case may exist in Certn that this check does not follow (several match, or the search failed for good). */
async function orderUncertain(run: CheckRun, reason: string, type: string): Promise<never> {
  run.ending();
  run.state.lastError = `order: ${reason}`;
  await run.showStatus('OrderUncertain', reason);
  await run.close();
  throw ApplicationFailure.nonRetryable(`The order's outcome is uncertain: ${reason}`, type);
}
