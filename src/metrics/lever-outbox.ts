// Metrics of the Lever outbox (stage changes queued while Temporal was unavailable, relayed later), on the process
// registry: counts only, no ids. Backlog = queued − relayed (summed over the API replicas).
import { Counter } from 'prom-client';
import { processRegistry } from './process';

export const leverDeliveriesQueued = new Counter({
  name: 'lever_deliveries_queued_total',
  help: 'Lever stage changes acknowledged while Temporal was unavailable and queued for the relay.',
  registers: [processRegistry],
});

export const leverDeliveriesRelayed = new Counter({
  name: 'lever_deliveries_relayed_total',
  help: 'Queued Lever stage changes the relay handed to Temporal, by result (relayed, failed: retried later).',
  labelNames: ['result'] as const,
  registers: [processRegistry],
});
