// The fault suite's CI form: every scenario of bench/faults/scenarios.ts with FAULT_CHECKS checks (default 10) on
// the run's Temporal dev server; each must end with zero invariant violations and nothing secret or personal found
// by the scan. `npm run faults` is the full form (50 checks per scenario, markdown table). FAULT_ONLY=<text> runs
// the scenarios whose name contains it.
import { acknowledgedReachedTemporal, completedOnce, orderedNothing } from '../../bench/faults/invariants';
import { formatLine, runScenario } from '../../bench/faults/runner';
import { System } from '../harness/system';
import { SCENARIOS } from '../../bench/faults/scenarios';

const CHECKS = Math.max(10, Number(process.env.FAULT_CHECKS ?? '') || 10);
const only = process.env.FAULT_ONLY?.toLowerCase();
const chosen = SCENARIOS.filter((s) => !only || s.name.toLowerCase().includes(only));

describe('fault suite (CI form)', () => {
  it.each(chosen.map((s) => [s.name, s] as const))(
    '%s: zero violations, nothing secret found',
    async (_name, scenario) => {
      const r = await runScenario(scenario, CHECKS, { settleMs: 300_000 });
      process.stdout.write(formatLine(r) + '\n');
      expect(r.checks).toBeGreaterThanOrEqual(10);
      expect(r.violations).toEqual([]);
      expect(r.secretsFound).toEqual([]);
      // The tally is read from the Certn sandbox's own delivery log: every check produced callbacks.
      expect(r.certnCallbacks.sent).toBeGreaterThanOrEqual(r.checks);
    },
    600_000,
  );
});

describe('the invariants can fail', () => {
  it('flag a check that never ran as incomplete (and pass it as having ordered nothing)', async () => {
    const sys = await System.start({ worker: false, certnStepMs: null });
    try {
      const team = await sys.setupTeam();
      const email = 'never-moved@example.com';
      const opp = (await sys.leverCtl('POST', '/opportunities', { name: 'Never Moved', emails: [email] })).data.id;
      const c = { opp, email, name: 'Never Moved' };
      const v = await completedOnce(sys, team, c);
      expect(v).toEqual(expect.arrayContaining([`${opp}: 0 Certn cases`, `${opp}: 0 files`, `${opp}: 0 notes`]));
      expect(await orderedNothing(sys, team, c)).toEqual([]);
    } finally {
      await sys.stop();
    }
  });

  it('flag a stage change acknowledged as queued (202) but never relayed to Temporal', async () => {
    const sys = await System.start({ worker: false, certnStepMs: null, relayIntervalMs: null });
    try {
      const team = await sys.setupTeam();
      const claim = await sys.store.claimLeverDelivery(team.id, 'queued-token', {
        triggeredAt: Date.now(),
        bodyHash: 'body',
        abandonedBefore: 0,
      });
      if (claim.outcome !== 'claimed') throw new Error(`unexpected claim outcome ${claim.outcome}`);
      const handover = { opportunityId: 'opp-queued', triggeredAt: Date.now(), toStageId: 'stage' };
      expect(await sys.store.queueLeverDelivery(team.id, 'queued-token', claim.claimId, handover)).toBe(true);
      expect(await acknowledgedReachedTemporal(sys, team, [])).toEqual([
        'opp-queued: a stage change acknowledged as queued was never relayed to Temporal',
      ]);
    } finally {
      await sys.stop();
    }
  });
});
