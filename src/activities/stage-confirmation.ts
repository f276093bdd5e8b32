// Whether Lever confirms the stage entry a delivery announced: the webhook's `data` is not signed, so only what the
// Lever API shows about this very move counts — never an entry from long ago, never an archived opportunity.
import type { Opportunity } from '../lever/schemas';
import { stageIdOf } from '../lever/schemas';

export function confirmsStageEntry(
  opp: Pick<Opportunity, 'stage' | 'stageChanges' | 'archived'>,
  triggerStageId: string | null,
  triggeredAt: number | undefined,
  windowMs: number,
): boolean {
  if (triggerStageId === null || opp.archived !== null) return false;
  if (stageIdOf(opp) === triggerStageId) return true;
  // Moved on since: the delivery's own entry must be in the history, near the time Lever signed.
  if (triggeredAt === undefined) return false;
  return opp.stageChanges.some(
    (c) => c.toStageId === triggerStageId && Math.abs(c.updatedAt - triggeredAt) <= windowMs,
  );
}
