// The relay of the Lever outbox: hands the stage changes the webhook queued while Temporal was unavailable to their
// checks, through the same gateway call the webhook makes. Runs in every API process, at start and then every
// LEVER_RELAY_INTERVAL_SECONDS; leases rows so replicas on one database never hand the same row at once.
// Delivery is at least once: a crash after Temporal took a row and before it is marked hands it again when the lease
// runs out — a second stage-entered signal for the same entry, which the check treats as a re-entry (no new order).
import { leverDeliveriesRelayed } from '../metrics/lever-outbox';
import { createLogger } from '../logger';
import { LeverOutbox } from '../settings/store';
import { CheckGateway, TemporalUnavailableError } from './check-gateway';

const log = createLogger('lever-relay');

export interface LeverRelayOptions {
  store: LeverOutbox;
  gateway: Pick<CheckGateway, 'stageEntered'>;
  intervalMs: number;
  /** How long a leased row is this relay's (longer than a batch of gateway calls at their 2 s deadline). */
  leaseMs?: number;
  batch?: number;
}

export class LeverRelay {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private stopped = false;
  private readonly leaseMs: number;
  private readonly batch: number;

  constructor(private readonly opts: LeverRelayOptions) {
    this.batch = opts.batch ?? 10;
    this.leaseMs = opts.leaseMs ?? 60_000;
  }

  /** Runs a pass now, then one every interval (never two at once). */
  start(): this {
    this.stopped = false;
    this.tick();
    return this;
  }

  /** No new pass; waits for the one under way (each of its gateway calls is bounded by the gateway's deadline). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
  }

  private tick(): void {
    this.pass = this.runOnce()
      .then(() => undefined)
      .catch((err: unknown) => log.error('lever relay pass failed', { err }))
      .finally(() => {
        if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.opts.intervalMs);
      });
  }

  /** Hands over everything queued (batch by batch) until the queue is empty or Temporal fails; returns how many. */
  async runOnce(): Promise<number> {
    let relayed = 0;
    for (;;) {
      const rows = await this.opts.store.leaseQueuedDeliveries({ limit: this.batch, leaseMs: this.leaseMs });
      if (rows.length === 0) return relayed;
      for (const row of rows) {
        if (this.stopped) {
          // Shutting down: the rest of the batch is free at once for another replica (or the next start).
          await this.opts.store.releaseDeliveryLease(row.leaseId);
          return relayed;
        }
        const ctx = { teamId: row.teamId, opportunityId: row.opportunityId, triggeredAt: row.triggeredAt };
        try {
          await this.opts.gateway.stageEntered(row.teamId, row.opportunityId, {
            triggeredAt: row.triggeredAt,
            toStageId: row.toStageId,
          });
        } catch (err) {
          leverDeliveriesRelayed.inc({ result: 'failed' });
          if (err instanceof TemporalUnavailableError) {
            // Still down: give the batch back so the next pass retries it at once, and stop this one.
            log.warn('lever relay: Temporal unavailable, retrying on the next pass', { ...ctx, err });
            await this.opts.store.releaseDeliveryLease(row.leaseId);
            return relayed;
          }
          // Anything else stays leased: retried when the lease runs out (a slow retry, not a hot loop).
          log.error('lever relay: hand-over failed', { ...ctx, err });
          continue;
        }
        if (await this.opts.store.markDeliveryRelayed(row)) {
          relayed++;
          leverDeliveriesRelayed.inc({ result: 'relayed' });
          log.info('queued lever stage change handed to the check', ctx);
        }
      }
    }
  }
}
