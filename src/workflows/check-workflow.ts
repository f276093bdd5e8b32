// The background check: one workflow per team + opportunity, from the stage change to the attached PDF.
// Deterministic: all I/O goes through activities; personal data (e-mails, names, tags) never enters this code or
// its history — activities read them from Lever and return only what the workflow decides on.
import { setup } from './check-run';
import { confirmAndOrder } from './confirm-and-order';
import type { CheckState, CheckWorkflowInput } from './definitions';
import { followCase } from './follow-case';

/**
 * The business rule, phase by phase:
 * 1. confirm the stage entry with Lever and order the case once (phase 1, skipped when a case is carried over);
 * 2. follow the case to its end, moving the Lever tag as Certn reports progress (phase 2);
 * 3. finish: final report link, PDF, summary note — or stop after the configured maximum.
 */
export async function backgroundCheck(input: CheckWorkflowInput): Promise<CheckState> {
  const run = setup(input);
  if (!run.state.caseId && (await confirmAndOrder(run)) === 'ended') return run.close();
  await followCase(run);
  return run.close();
}
