// The Lever webhook's durable hand-over when Temporal is unavailable: the claimed stage change is queued in the
// outbox for the relay (lever-relay.ts). True only once the record is durable (then the webhook may answer 2xx).
import { leverDeliveriesQueued } from '../metrics/lever-outbox';
import { createLogger } from '../logger';
import { LeverOutbox, QueuedHandover } from '../settings/store';
import { TemporalUnavailableError } from './check-gateway';

const log = createLogger('lever-webhook');

export async function queueStageChange(
  store: LeverOutbox,
  teamId: string,
  token: string,
  claimId: string,
  handover: QueuedHandover,
  cause: TemporalUnavailableError,
): Promise<boolean> {
  const ctx = { teamId, triggeredAt: handover.triggeredAt, opportunityId: handover.opportunityId };
  try {
    // False: this request no longer holds the claim (it lapsed to a copy, which hands the delivery over itself).
    if (!(await store.queueLeverDelivery(teamId, token, claimId, handover))) return false;
  } catch (err) {
    log.error('could not queue a lever stage change', { ...ctx, err });
    return false;
  }
  leverDeliveriesQueued.inc();
  log.warn('lever stage change queued: Temporal unavailable, the relay hands it over later', { ...ctx, err: cause });
  return true;
}
