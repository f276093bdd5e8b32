// The Lever relay's pass on a scripted outbox and gateway (one piece, no Temporal): it hands rows over and marks them,
// gives the batch back and stops when Temporal is down, skips a row that fails otherwise, and stops cleanly.
import { TemporalUnavailableError } from '../../src/api/check-gateway';
import { LeverRelay } from '../../src/api/lever-relay';
import { LeasedHandover, LeverOutbox } from '../../src/settings/store';

const row = (opp: string, leaseId = 'lease-1'): LeasedHandover => ({
  teamId: 't',
  tokenHash: `h-${opp}`,
  leaseId,
  opportunityId: opp,
  triggeredAt: 1,
  toStageId: 's',
});

function outbox(batches: LeasedHandover[][]) {
  const log: string[] = [];
  const store: LeverOutbox = {
    queueLeverDelivery: async () => true,
    leaseQueuedDeliveries: async () => batches.shift() ?? [],
    markDeliveryRelayed: async (r) => (log.push(`mark ${r.opportunityId}`), true),
    releaseDeliveryLease: async (id) => (log.push(`release ${id}`), 1),
  };
  return { store, log };
}

it('hands every leased row over and marks it, batch after batch', async () => {
  const { store, log } = outbox([[row('a'), row('b')], [row('c', 'lease-2')]]);
  const handed: string[] = [];
  const gateway = { stageEntered: async (_t: string, opp: string) => void handed.push(opp) };
  expect(await new LeverRelay({ store, gateway, intervalMs: 1000 }).runOnce()).toBe(3);
  expect(handed).toEqual(['a', 'b', 'c']);
  expect(log).toEqual(['mark a', 'mark b', 'mark c']);
});

it('Temporal down: gives the batch back and ends the pass; another failure skips the row (retried after its lease)', async () => {
  const { store, log } = outbox([[row('a'), row('b'), row('c')], [row('d', 'lease-2')]]);
  const gateway = {
    stageEntered: async (_t: string, opp: string) => {
      if (opp === 'a') throw new Error('workflow id too long');
      if (opp === 'c') throw new TemporalUnavailableError(new Error('14 UNAVAILABLE'));
    },
  };
  expect(await new LeverRelay({ store, gateway, intervalMs: 1000 }).runOnce()).toBe(1);
  expect(log).toEqual(['mark b', 'release lease-1']); // d is left for the next pass
});

it('stop() waits for the pass under way and gives back the rows it did not reach', async () => {
  const { store, log } = outbox([[row('a'), row('b')]]);
  let entered!: () => void;
  const inFlight = new Promise<void>((r) => (entered = r));
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const handed: string[] = [];
  const gateway = {
    stageEntered: async (_t: string, opp: string) => {
      handed.push(opp);
      entered();
      await gate;
    },
  };
  const relay = new LeverRelay({ store, gateway, intervalMs: 10 }).start();
  await inFlight; // row a is with Temporal
  const stopped = relay.stop();
  open();
  await stopped;
  expect(handed).toEqual(['a']);
  expect(log).toEqual(['mark a', 'release lease-1']);
});
