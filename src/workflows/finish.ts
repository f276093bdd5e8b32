// The finish of a check whose case closed: the final report link, the PDF attached once, one summary note.
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
  if (!state.noteAdded) {
    await run.onLever('summary note', async () => {
      const outcome =
        status === 'Complete' && state.result
          ? `${status} (${state.result})`
          : status === 'Cancelled' && state.removedInLever
            ? `${status} (${removalReason(state.removedInLever)})`
            : status;
      await api.addSummaryNote(teamId, opportunityId, summaryOf(state, outcome), { mayExist });
      state.noteAdded = true;
    });
  }
  run.showDetails();
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
