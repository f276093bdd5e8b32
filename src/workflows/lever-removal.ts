// A candidate archived or deleted in Lever cancels the open check. The webhook's data is unsigned, so the run acts
// only once Lever itself confirms it: archived means Lever shows the opportunity archived, deleted means a 404.
import { ActivityFailure } from '@temporalio/workflow';
import type { CheckRun } from './check-run';
import { api } from './proxies';

const WHY = { archived: 'the candidate was archived in Lever', deleted: 'the candidate was deleted in Lever' };

/** The reason to cancel when Lever confirms the pending removal, else undefined (the removal is dropped). */
export async function confirmedRemoval(run: CheckRun): Promise<string | undefined> {
  const removal = run.removal;
  run.removal = undefined;
  if (!removal) return undefined;
  let gone = false;
  try {
    gone = await api.confirmRemovedFromLever(run.teamId, run.opportunityId, removal.kind);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    run.state.lastError = `confirm ${removal.kind}: ${err.cause?.message ?? err.message}`;
  }
  if (!gone) {
    run.state.transitions.push({
      at: new Date().toISOString(),
      status: run.state.status,
      detail: `Lever does not confirm the candidate ${removal.kind}: ignored`,
    });
    run.showDetails();
    return undefined;
  }
  run.state.removedInLever = removal.kind;
  return WHY[removal.kind];
}

/** Asks Certn to cancel the case; the read that follows shows it CANCELLED and the finish says why. */
export async function cancelForRemoval(run: CheckRun, caseId: string, reason: string): Promise<void> {
  try {
    await api.cancelCase(run.teamId, caseId);
    run.state.transitions.push({ at: new Date().toISOString(), status: run.state.status, detail: `cancel: ${reason}` });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    run.state.lastError = `cancel: ${err.cause?.message ?? err.message}`;
    run.showDetails();
  }
}

export function removalReason(kind: 'archived' | 'deleted'): string {
  return WHY[kind];
}
