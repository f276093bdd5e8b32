// The Lever outbox in the settings store, on both backends: a claimed stage change queued while Temporal is down
// is spent (copies see `handed`), leased by one relay at a time, marked relayed, and kept by pruning until then.
import { randomBytes } from 'node:crypto';
import { LeasedHandover, SettingsStore } from '../../src/settings/store';
import { BACKENDS, Location } from './backends';

const HANDOVER = { opportunityId: 'opp-1', triggeredAt: 1_000, toStageId: 'stage-bg' };

async function claim(s: SettingsStore, token: string, triggeredAt = 1_000): Promise<string> {
  const c = await s.claimLeverDelivery('team-1', token, { triggeredAt, bodyHash: 'body', abandonedBefore: 0 });
  if (c.outcome !== 'claimed') throw new Error(`expected a claim, got ${c.outcome}`);
  return c.claimId;
}

async function queue(s: SettingsStore, token: string, opportunityId = 'opp-1'): Promise<void> {
  const claimId = await claim(s, token);
  expect(await s.queueLeverDelivery('team-1', token, claimId, { ...HANDOVER, opportunityId })).toBe(true);
}

describe.each(BACKENDS)('$name Lever outbox', (backend) => {
  let loc: Location;
  let key: Buffer;
  let store: SettingsStore;

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  beforeEach(async () => {
    loc = await backend.fresh();
    key = randomBytes(32);
    store = await loc.open(key);
  });
  afterEach(async () => {
    await store.close();
    await loc.cleanup();
  });

  it('queues a claimed delivery: only its holder may, and copies then see it spent', async () => {
    const claimId = await claim(store, 'tok-1');
    expect(await store.queueLeverDelivery('team-1', 'tok-1', 'not-the-holder', HANDOVER)).toBe(false);
    expect(await store.queueLeverDelivery('team-1', 'tok-1', claimId, HANDOVER)).toBe(true);
    // Spent: a copy of the same body is a duplicate, another body a reused token; the former holder cannot release.
    const copy = { triggeredAt: 1_000, bodyHash: 'body', abandonedBefore: Date.now() + 60_000 };
    expect((await store.claimLeverDelivery('team-1', 'tok-1', copy)).outcome).toBe('handed');
    const forged = { ...copy, bodyHash: 'other' };
    expect((await store.claimLeverDelivery('team-1', 'tok-1', forged)).outcome).toBe('token_reused');
    expect(await store.releaseLeverDelivery('team-1', 'tok-1', claimId)).toBe(false);
    expect(await store.queueLeverDelivery('team-1', 'tok-1', claimId, HANDOVER)).toBe(false);
    // Only ids reach the row (no token in clear).
    const rows = await loc.rows('lever_deliveries');
    expect(rows).toHaveLength(1);
    expect(JSON.parse(String(rows[0]!.handover))).toEqual(HANDOVER);
    expect(JSON.stringify(rows)).not.toContain('tok-1');
  });

  it('leases queued rows oldest first, not again while leased, again once released or lapsed; marks them relayed', async () => {
    await queue(store, 'a', 'opp-a');
    await queue(store, 'b', 'opp-b');
    await queue(store, 'c', 'opp-c');
    const first = await store.leaseQueuedDeliveries({ limit: 2, leaseMs: 60_000 });
    expect(first.map((r) => r.opportunityId)).toEqual(['opp-a', 'opp-b']);
    expect(first[0]).toMatchObject({ teamId: 'team-1', triggeredAt: 1_000, toStageId: 'stage-bg' });
    const second = await store.leaseQueuedDeliveries({ limit: 10, leaseMs: 60_000 });
    expect(second.map((r) => r.opportunityId)).toEqual(['opp-c']);
    expect(await store.leaseQueuedDeliveries({ limit: 10, leaseMs: 60_000 })).toEqual([]);

    expect(await store.markDeliveryRelayed(first[0]!)).toBe(true);
    expect(await store.markDeliveryRelayed(first[0]!)).toBe(false); // once
    expect(await store.markDeliveryRelayed({ ...first[1]!, leaseId: 'someone-else' })).toBe(false);
    expect(await store.releaseDeliveryLease(first[0]!.leaseId)).toBe(1); // opp-b only: opp-a has left the queue
    const again = await store.leaseQueuedDeliveries({ limit: 10, leaseMs: 1 });
    expect(again.map((r) => r.opportunityId)).toEqual(['opp-b']);
    // A lease that ran out (its holder died) is taken over, and the old holder can no longer mark the row.
    await new Promise((r) => setTimeout(r, 20));
    const lapsed = await store.leaseQueuedDeliveries({ limit: 10, leaseMs: 60_000 });
    expect(lapsed.map((r) => r.opportunityId)).toEqual(['opp-b']);
    expect(await store.markDeliveryRelayed(again[0]!)).toBe(false);
    expect(await store.markDeliveryRelayed(lapsed[0]!)).toBe(true);
    expect(await store.markDeliveryRelayed(second[0]!)).toBe(true);
    // Relayed rows stay spent tokens.
    const copy = { triggeredAt: 1_000, bodyHash: 'body', abandonedBefore: Date.now() + 60_000 };
    expect((await store.claimLeverDelivery('team-1', 'a', copy)).outcome).toBe('handed');
    await store.releaseDeliveryLease(lapsed[0]!.leaseId);
    expect(await store.leaseQueuedDeliveries({ limit: 10, leaseMs: 60_000 })).toEqual([]);
  });

  it('two stores on one database (two replicas) leasing at once get disjoint rows, all of them', async () => {
    const other = await loc.open(key);
    try {
      const tokens = Array.from({ length: 30 }, (_, i) => `race-${i}`);
      for (const t of tokens) await queue(store, t, `opp-${t}`);
      const leased: LeasedHandover[][] = await Promise.all(
        [store, other, store, other, store, other].map((s) => s.leaseQueuedDeliveries({ limit: 7, leaseMs: 60_000 })),
      );
      const all = leased.flat().map((r) => r.opportunityId);
      expect(new Set(all).size).toBe(all.length); // nobody got a row another leaser holds
      expect(all.length).toBe(Math.min(30, 6 * 7));
      expect(new Set(all)).toEqual(new Set(tokens.map((t) => `opp-${t}`)));
    } finally {
      await other.close();
    }
  });

  it('pruning keeps queued rows however old, and drops them once relayed', async () => {
    await queue(store, 'old-queued');
    const handedId = await claim(store, 'old-handed');
    await store.markLeverDeliveryHanded('team-1', 'old-handed', handedId);
    expect(await store.pruneLeverDeliveries(2_000)).toBe(1);
    const [row] = await store.leaseQueuedDeliveries({ limit: 10, leaseMs: 60_000 });
    expect(row?.opportunityId).toBe('opp-1');
    expect(await store.pruneLeverDeliveries(2_000)).toBe(0); // leased, still queued
    expect(await store.markDeliveryRelayed(row!)).toBe(true);
    expect(await store.pruneLeverDeliveries(2_000)).toBe(1);
    expect(await loc.rows('lever_deliveries')).toEqual([]);
  });
});
