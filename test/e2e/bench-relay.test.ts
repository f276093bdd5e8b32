// The benchmarks' many-team set-up (bench/teams.ts + bench/relay.ts) on the real dev server and sandboxes, with the
// API as a process of its own as figure 7 runs it (System.spawnApi): each team's candidate is checked by that team
// (Lever's stage change routed by the relay, nothing unrouted), in the team's own Certn account, whose callbacks
// reach the team's hook on the API process directly.
import { startRelay } from '../../bench/relay';
import { createCandidates, moveAll, resultsOf, setupTeams } from '../../bench/teams';
import { System } from '../harness/system';

describe('benchmark teams behind the webhook relay', () => {
  let sys: System;
  beforeAll(async () => {
    // A day-long poll: a check can only finish in time if Certn's callbacks reach its team.
    sys = await System.start({ certnStepMs: 50, pollIntervalMs: 24 * 3_600_000 });
  });
  afterAll(async () => {
    await sys.stop();
  });

  it('runs one check per candidate in the owning team, callbacks routed', async () => {
    const relay = await startRelay();
    try {
      const api = await sys.spawnApi();
      const teams = await setupTeams(sys, relay, 2, api.url);
      expect(teams.every((t) => t.leverHookUrl.startsWith(api.url) && t.certnHookUrl.startsWith(api.url))).toBe(true);
      const candidates = await createCandidates(sys, teams, 1, relay);
      await moveAll(sys, candidates);
      const results = await resultsOf(sys, candidates, 60_000);
      expect(results.map((r) => r.status)).toEqual(['Complete', 'Complete']);
      expect(candidates.map((c) => c.teamId)).toEqual(teams.map((t) => t.id));
      for (const c of candidates) expect(await sys.casesFor(c.email)).toHaveLength(1);
      expect(relay.unrouted()).toBe(0);
      // The deliveries were the API process's to handle: its log shows each stage change and callbacks handed over.
      expect(api.lines.filter((l) => l.msg === 'lever stage change handed to the check')).toHaveLength(2);
      expect(api.lines.some((l) => l.msg === 'certn event handed to the check')).toBe(true);
      const accounts = sys.certn.state.accounts.all();
      expect(accounts.filter((a) => a.id !== sys.certn.state.accounts.seedAccount.id)).toHaveLength(2);
      for (const a of accounts) {
        const states = a.webhooks.deliveries.map((d) => d.state);
        if (a === sys.certn.state.accounts.seedAccount) expect(states).toEqual([]);
        else expect(states.length > 0 && states.every((st) => st === 'delivered')).toBe(true);
      }
    } finally {
      await relay.stop();
    }
  });
});
