// Row mapping of the Lever outbox (queued hand-overs in lever_deliveries), shared by both store dialects: the
// handover column holds JSON written by the store itself, still parsed with zod since it comes back from disk.
import { z } from 'zod';
import { LeasedHandover, QueuedHandover } from './store';

const HandoverJson = z.object({
  opportunityId: z.string().min(1),
  triggeredAt: z.number().int().nonnegative(),
  toStageId: z.string().min(1),
});

export interface OutboxRow {
  team_id: string;
  token_hash: string;
  handover: string;
}

/** Only the listed fields reach the column: nothing else a caller passes is stored. */
export function handoverJson(h: QueuedHandover): string {
  return JSON.stringify(HandoverJson.parse(h));
}

export function toLeased(row: OutboxRow, leaseId: string): LeasedHandover {
  const h = HandoverJson.parse(JSON.parse(row.handover));
  return { ...h, teamId: row.team_id, tokenHash: row.token_hash, leaseId };
}
