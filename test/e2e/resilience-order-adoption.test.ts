// Resilience, end to end: when an order attempt fails, the retry looks for a case the failed attempt may have created
// ("adopts" it) instead of ordering twice. The search must only find a case *this* order created. These tests make
// the first attempt fail *before* Certn created anything (a plain 5xx), while another case for the same e-mail and
// the same checks already exists: the retry must order a new case, not take over the other one.
import { System, Team, TRIGGER_STAGE } from '../harness/system';
import { certnState, expectCompletedOnce, uniqueEmail, waitForCaseId } from './resilience-helpers';

let sys: System;
let team: Team;

beforeAll(async () => {
  sys = await System.start({ certnStepMs: null });
  team = await sys.setupTeam();
});
afterAll(async () => {
  await sys?.stop();
});
afterEach(async () => {
  await sys.certnCtl('DELETE', '/faults');
});

/** Makes the check's next order attempt fail with a 500 before Certn creates anything, then lets Certn recover. */
async function failFirstOrderAttempt(opp: string, start: () => Promise<unknown>): Promise<void> {
  await sys.certnCtl('PUT', '/faults', { errorRate: 1, errorStatus: 500 });
  await start();
  await sys.waitFor('a failed order attempt', async () => {
    const d = await sys.handle(team.id, opp).describe();
    return (d.raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'orderCase' && (a.attempt ?? 0) >= 2);
  });
  await sys.certnCtl('PUT', '/faults', { errorRate: 0 });
}

async function complete(opp: string): Promise<string> {
  const caseId = await waitForCaseId(sys, team, opp);
  await sys.advanceCase(caseId, 7);
  await sys.result(team.id, opp);
  return caseId;
}

describe('an order retry adopts only a case its own order created', () => {
  it('control: an operator re-run without faults orders a second case', async () => {
    const email = uniqueEmail('rerun-ok');
    const opp = await sys.createCandidate({ emails: [email] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const first = await complete(opp);

    const r = await sys.admin('POST', `/teams/${team.id}/checks/${opp}/rerun`);
    expect(r.status).toBe(202);
    const second = await sys.waitFor('the re-run case', async () => {
      const id = (await sys.state(team.id, opp)).caseId;
      return id && id !== first ? id : undefined;
    });
    expect((await sys.casesFor(email)).map((c) => c.id).sort()).toEqual([first, second].sort());
    await sys.advanceCase(second, 7);
    expect((await sys.result(team.id, opp)).caseId).toBe(second);
  });

  it('an operator re-run whose first order attempt gets a 500 orders a new case instead of adopting the old one', async () => {
    const email = uniqueEmail('rerun-5xx');
    const opp = await sys.createCandidate({ emails: [email] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const first = await complete(opp);
    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(first);
    const { orderCount } = await certnState(sys);

    await failFirstOrderAttempt(opp, async () => {
      expect((await sys.admin('POST', `/teams/${team.id}/checks/${opp}/rerun`)).status).toBe(202);
    });
    // The re-run's own run orders its own case (the retry must not adopt the previous run's completed case).
    const rerun = await sys.waitFor('the re-run to order', async () => {
      const s = await sys.state(team.id, opp);
      return s.caseId && s.status === 'Pending' ? s : undefined;
    });
    expect(rerun.caseId).not.toBe(first);
    expect((await certnState(sys)).orderCount).toBe(orderCount + 1);
    expect(await sys.casesFor(email)).toHaveLength(2);
  });

  it('a second opportunity for the same e-mail whose first order attempt gets a 500 gets its own case', async () => {
    // The same person applied twice (two opportunities, one e-mail); both reach the trigger stage.
    const email = uniqueEmail('same-email');
    const oppA = await sys.createCandidate({ emails: [email] });
    const oppB = await sys.createCandidate({ emails: [email] });
    await sys.moveTo(oppA, TRIGGER_STAGE);
    const caseA = await waitForCaseId(sys, team, oppA);
    const { orderCount } = await certnState(sys);

    await failFirstOrderAttempt(oppB, () => sys.moveTo(oppB, TRIGGER_STAGE));
    const caseB = await waitForCaseId(sys, team, oppB);
    expect(caseB).not.toBe(caseA); // B's retry must not adopt A's case (nor re-map A's callbacks to B)
    expect((await certnState(sys)).orderCount).toBe(orderCount + 1);
    expect(await sys.casesFor(email)).toHaveLength(2);
  });
});
