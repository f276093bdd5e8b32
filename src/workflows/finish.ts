// The finish of a check whose case closed: the final report link, the PDF attached once, a Clear candidate advanced
// (when the team has an advance stage), one summary note.
import { patched } from '@temporalio/workflow';
import type { CheckRun } from './check-run';
import type { CheckState, CheckStatus } from './definitions';
import { removalReason } from './lever-removal';
import { api, reports } from './proxies';

export async function finish(run: CheckRun, status: CheckStatus): Promise<void> {
  const { teamId, opportunityId, state } = run;
  const caseId = state.caseId as string;
  // Lever is only listed (files, notes) or cleaned (the interim link) when it may hold something: saves Lever calls.
  const mayExist = state.resumed === true;
  if (status === 'Complete') {
    // The following loop's sync step adds the final link along with the Complete tag (runs since patch lean-1).
    if (state.reportLink !== 'final') {
      await run.onLever('final report link', async () => {
        state.reportLink = await api.setReportLink(teamId, opportunityId, caseId, 'final', {
          interimAdded: mayExist || state.interimLinkTried === true,
        });
      });
    }
    if (!state.fileAttached) {
      await run.onLever('report file', async () => {
        await reports.attachReportPdf(teamId, opportunityId, caseId, { mayExist });
        state.fileAttached = true;
      });
    }
  }
  const advanced = await advance(run, status);
  if (!state.noteAdded) {
    await run.onLever('summary note', async () => {
      const outcome =
        status === 'Complete' && state.result
          ? `${status} (${state.result})${advanced ? `, ${advanced}` : ''}`
          : status === 'Cancelled' && state.removedInLever
            ? `${status} (${removalReason(state.removedInLever)})`
            : status;
      await api.addSummaryNote(teamId, opportunityId, summaryOf(state, outcome), { mayExist });
      state.noteAdded = true;
    });
  }
  run.showDetails();
}

/**
 * Advance on clear, at most once per check: only the run that followed the case to Complete (a resumed run means a
 * recruiter moved the candidate back into the trigger stage, their call) and only with result Clear. Histories from
 * before this step replay without it (patched). Returns what the note says about it, if anything.
 */
async function advance(run: CheckRun, status: CheckStatus): Promise<string | undefined> {
  const { teamId, opportunityId, state } = run;
  const eligible = status === 'Complete' && state.result === 'Clear' && !state.resumed && state.advance === undefined;
  if (!eligible || !patched('advance-on-clear')) return undefined;
  let said: string | undefined;
  await run.onLever('advance stage', async () => {
    const r = await api.advanceOnClear(teamId, opportunityId);
    state.advance = r.outcome;
    const stage = `"${r.stageName ?? ''}"`;
    switch (r.outcome) {
      case 'advanced':
      case 'already_there':
        said = `moved to stage ${stage}`;
        break;
      case 'moved_on':
        said = `not moved to stage ${stage}: the candidate had already left the trigger stage`;
        break;
      case 'stage_missing':
        said = `not moved: ${r.problem}`;
        state.lastError = `advance stage: ${r.problem}`;
        break;
      case 'not_configured':
        return;
    }
    run.record(status, said);
  });
  return said;
}

/** The note's facts: ids and statuses, no personal data. */
export function summaryOf(state: CheckState, outcome: string) {
  return {
    caseId: state.caseId ?? '',
    packageName: state.packageName ?? '',
    outcome,
    certnStatus: state.certnStatus ?? '',
  };
}
