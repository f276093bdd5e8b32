// Advance on clear: a Clear check moves the candidate to the team's advance stage, like Checkr's Lever integration —
// only from the trigger stage (a recruiter who moved the candidate on decides), and idempotent on retry.
import type { LeverClient } from '../lever/client';
import { stageIdOf } from '../lever/schemas';
import { TeamConfig, matchKey } from '../settings/store';
import type { AdvanceOutcome } from '../workflows/definitions';

export interface AdvanceResult {
  outcome: AdvanceOutcome;
  /** The advance stage's name as Lever spells it (team configuration, not personal data): the note names it. */
  stageName?: string;
  /** Why the stage could not be used (stage_missing). */
  problem?: string;
}

/**
 * One opportunity read (stage expanded) decides most cases without listing stages: already in the advance stage
 * (a retried attempt moved it) → done; anywhere but the trigger stage → a recruiter moved the candidate on. Only a
 * real move lists the stages, resolving the name as it is now (renamed or deleted since enable → stage_missing,
 * reported, never retried).
 */
export async function advanceOnClear(
  config: TeamConfig,
  lever: LeverClient,
  opportunityId: string,
): Promise<AdvanceResult> {
  const stageName = config.lever.advanceStageName;
  if (!stageName) return { outcome: 'not_configured' };
  const opp = await lever.getOpportunity(opportunityId, { expandStage: true });
  // A Lever that ignores `expand=stage` gives the id only: then the stage list below tells.
  const current = typeof opp.stage === 'string' ? { id: opp.stage, text: '' } : opp.stage;
  const movedOn = stageIdOf(opp) !== config.lever.triggerStageId;
  if (current.text !== '') {
    if (matchKey(current.text) === matchKey(stageName)) return { outcome: 'already_there', stageName: current.text };
    if (movedOn) return { outcome: 'moved_on', stageName };
  }
  const matches = (await lever.listStages()).filter((s) => matchKey(s.text) === matchKey(stageName));
  const target = matches.length === 1 ? matches[0]! : undefined;
  if (target?.id === current.id) return { outcome: 'already_there', stageName: target.text };
  if (movedOn) return { outcome: 'moved_on', stageName };
  if (!target) {
    const problem =
      matches.length === 0
        ? `no Lever stage is named "${stageName}" any more`
        : `${matches.length} Lever stages are named "${stageName}"`;
    return { outcome: 'stage_missing', stageName, problem };
  }
  await lever.moveStage(opportunityId, target.id, config.lever.performAsUserId ?? undefined);
  return { outcome: 'advanced', stageName: target.text };
}
