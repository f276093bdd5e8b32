// Resilience, end to end, on Lever's side: its API answering 429 and 5xx in bursts while several checks run, and
// its webhook deliveries duplicated, timed out and retried, dropped and re-run, or out of order. Every check ends
// with exactly one workflow run, one Certn case, one file and one note.
import { System, Team, TRIGGER_STAGE } from '../harness/system';
import {
  MAIN_LINE,
  certnState,
  expectCompletedOnce,
  leverAnswers,
  metric,
  runsOf,
  uniqueEmail,
  waitForCaseId,
  waitForTag,
} from './resilience-helpers';

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
  await sys.leverCtl('DELETE', '/faults');
  await sys.leverCtl('POST', '/config', { webhookTimeoutMs: 5000 });
  await sys.certnCtl('DELETE', '/faults');
  await sys.certnCtl('PUT', '/tuning', { reportReadyMs: 100 });
});

const clearLeverErrors = () => sys.leverCtl('POST', '/faults', { errorRate: null, errorStatus: null });

/** Waits until every opportunity has had at least `n` Lever answers with `status` (optionally on one path). */
async function eachHit(opps: string[], status: number, n: number, pathPart = ''): Promise<void> {
  for (const opp of opps) {
    await sys.waitFor(
      `${n}× HTTP ${status} from Lever for ${opp}`,
      async () => (await leverAnswers(sys, opp, status, pathPart)) >= n,
    );
  }
}

describe('Lever answering 429 and 5xx in bursts while four checks run', () => {
  it('every check ends right: one case, one file, one note, tags in order', async () => {
    const emails = [0, 1, 2, 3].map((i) => uniqueEmail(`lever-burst-${i}`));
    const opps: string[] = [];
    for (const email of emails) opps.push(await sys.createCandidate({ emails: [email] }));
    const { orderCount } = await certnState(sys);

    // 1. A 429 storm as the checks start: the next 16 Lever requests are refused with Retry-After.
    await sys.leverCtl('POST', '/faults', { rateLimitStorm: { requests: 16 } });
    await Promise.all(opps.map((opp) => sys.moveTo(opp, TRIGGER_STAGE)));
    const caseIds = await Promise.all(opps.map((opp) => waitForCaseId(sys, team, opp)));
    await Promise.all(opps.map((opp) => waitForTag(sys, opp, 'CERTN - Pending')));
    expect((await sys.leverCtl('GET', '/faults')).data.rateLimitStorm.requests).toBe(0); // the storm was used up
    for (const opp of opps) expect(await leverAnswers(sys, opp, 429)).toBeGreaterThanOrEqual(1);

    // 2. A burst of 500s while the candidates submit: every check is refused at least twice, then Lever recovers.
    await sys.leverCtl('POST', '/faults', { errorRate: 1, errorStatus: 500 });
    for (const id of caseIds) await sys.advanceCase(id, 4); // invited … submitted
    await eachHit(opps, 500, 2);
    await clearLeverErrors();
    await Promise.all(opps.map((opp) => waitForTag(sys, opp, 'CERTN - Analyzing')));

    // 3. A burst of 503s while the first results arrive (tag swap and interim report link).
    await sys.leverCtl('POST', '/faults', { errorRate: 1, errorStatus: 503 });
    for (const id of caseIds) await sys.advanceCase(id, 2); // in progress, first check complete
    await eachHit(opps, 503, 2);
    await clearLeverErrors();
    await Promise.all(opps.map((opp) => waitForTag(sys, opp, 'CERTN - Partial')));

    // 4. 500s while the PDF is uploaded, then a 429 storm on the summary notes. Certn renders the report slowly, so
    //    the upload is what meets the burst.
    await sys.certnCtl('PUT', '/tuning', { reportReadyMs: 2000 });
    for (const id of caseIds) await sys.advanceCase(id, 1); // complete
    await sys.waitFor('every check waiting for its report', async () =>
      caseIds.every((id) => [...sys.certn.state.reportFiles.values()].some((rf) => rf.case_id === id)),
    );
    await sys.leverCtl('POST', '/faults', { errorRate: 1, errorStatus: 500 });
    await eachHit(opps, 500, 1, '/files');
    await sys.leverCtl('POST', '/faults', { errorRate: null, errorStatus: null, rateLimitStorm: { requests: 8 } });

    for (let i = 0; i < opps.length; i++) {
      expect(await expectCompletedOnce(sys, team, opps[i]!, emails[i]!)).toBe(caseIds[i]);
      expect(await sys.certnTagSequence(opps[i]!)).toEqual(MAIN_LINE);
      expect(await runsOf(sys, team, opps[i]!)).toBe(1);
    }
    expect((await certnState(sys)).orderCount).toBe(orderCount + opps.length);
  });
});

describe('Lever webhook delivery faults', () => {
  async function deliveriesOf(
    opp: string,
  ): Promise<{ id: string; state: string; attempts: { ok: boolean; status?: number; error?: string }[] }[]> {
    return (await sys.leverCtl('GET', `/deliveries?opportunityId=${opp}&event=candidateStageChange`)).data;
  }

  it('a duplicated delivery, and Lever re-running it after the check, start one workflow and order one case', async () => {
    const email = uniqueEmail('lever-dup');
    const opp = await sys.createCandidate({ emails: [email] });
    const { orderRequests } = await certnState(sys);
    const duplicatesBefore = await metric(sys, 'lever_webhook_deliveries_total', { outcome: 'duplicate' });

    await sys.leverCtl('POST', '/faults', { webhook: { duplicate: 1 } });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const ds = await deliveriesOf(opp);
    expect(ds).toHaveLength(2); // the delivery and its duplicate, same body
    expect(ds.map((d) => d.state)).toEqual(['delivered', 'delivered']);
    expect(await metric(sys, 'lever_webhook_deliveries_total', { outcome: 'duplicate' })).toBe(duplicatesBefore + 1);

    const caseId = await waitForCaseId(sys, team, opp);
    await sys.advanceCase(caseId, 7);
    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);

    // Lever's UI re-runs the original delivery after the check completed: acknowledged, nothing new.
    const rerun = await sys.leverCtl('POST', `/deliveries/${ds[0]!.id}/redeliver`);
    await sys.lever.webhooksIdle();
    expect((await sys.leverCtl('GET', `/deliveries/${rerun.data.id}`)).data.state).toBe('delivered');
    expect(await metric(sys, 'lever_webhook_deliveries_total', { outcome: 'duplicate' })).toBe(duplicatesBefore + 2);

    expect(await runsOf(sys, team, opp)).toBe(1);
    expect((await certnState(sys)).orderRequests).toBe(orderRequests + 1);
    expect(await sys.casesFor(email)).toHaveLength(1);
  });

  it('attempts that time out at Lever are retried by Lever: one workflow, one case', async () => {
    const email = uniqueEmail('lever-retry');
    const opp = await sys.createCandidate({ emails: [email] });
    const { orderRequests } = await certnState(sys);

    // Lever gives up on each attempt at once (whether or not the API got it) and retries with backoff.
    await sys.leverCtl('POST', '/config', { webhookTimeoutMs: 0 });
    await sys.leverCtl('POST', '/opportunities/' + opp + '/move', { stageName: TRIGGER_STAGE });
    const failed = await sys.waitFor('two failed attempts', async () => {
      const d = (await deliveriesOf(opp))[0];
      return d && d.attempts.length >= 2 ? d : undefined;
    });
    expect(failed.attempts.slice(0, 2).every((a) => !a.ok && a.error === 'timeout')).toBe(true);
    await sys.leverCtl('POST', '/config', { webhookTimeoutMs: 5000 });
    await sys.lever.webhooksIdle();

    const [d] = await deliveriesOf(opp);
    expect(d!.state).toBe('delivered'); // a later retry got through
    expect(d!.attempts.at(-1)!.status).toBe(200);

    const caseId = await waitForCaseId(sys, team, opp);
    await sys.advanceCase(caseId, 7);
    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    expect(await runsOf(sys, team, opp)).toBe(1);
    expect((await certnState(sys)).orderRequests).toBe(orderRequests + 1);
  });

  it('a dropped delivery starts nothing; Lever re-running it starts the check once', async () => {
    const email = uniqueEmail('lever-drop');
    const opp = await sys.createCandidate({ emails: [email] });
    const { orderRequests } = await certnState(sys);

    await sys.leverCtl('POST', '/faults', { webhook: { drop: 1 } });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const [dropped] = await deliveriesOf(opp);
    expect(dropped!.state).toBe('dropped');
    expect(await runsOf(sys, team, opp)).toBe(0);

    // The re-run (Lever's UI, byte-identical body) and a second one.
    await sys.leverCtl('POST', `/deliveries/${dropped!.id}/redeliver`);
    await sys.lever.webhooksIdle();
    const caseId = await waitForCaseId(sys, team, opp);
    await sys.leverCtl('POST', `/deliveries/${dropped!.id}/redeliver`);
    await sys.lever.webhooksIdle();

    await sys.advanceCase(caseId, 7);
    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    expect(await runsOf(sys, team, opp)).toBe(1);
    expect((await certnState(sys)).orderRequests).toBe(orderRequests + 1);
  });

  it('the trigger-stage delivery overtaken by a later move still starts the check once', async () => {
    const email = uniqueEmail('lever-order');
    const opp = await sys.createCandidate({ emails: [email] });
    const { orderRequests } = await certnState(sys);

    // Background Check, then Offer; Lever delivers Offer first, then Background Check.
    await sys.leverCtl('POST', '/faults', { webhook: { outOfOrder: true } });
    await sys.leverCtl('POST', `/opportunities/${opp}/move`, { stageName: TRIGGER_STAGE });
    await sys.leverCtl('POST', `/opportunities/${opp}/move`, { stageName: 'Offer' });
    await sys.lever.webhooksIdle();
    await sys.leverCtl('POST', '/faults', { webhook: { outOfOrder: null } });
    const ds = (await sys.leverCtl('GET', `/deliveries?opportunityId=${opp}`)).data as {
      payload: { data: { toStageId: string } };
      attempts: { at: number }[];
    }[];
    expect(ds).toHaveLength(2);
    expect(ds.every((d) => d.attempts.length === 1)).toBe(true);
    // The trigger-stage delivery (created first) went out only after the Offer one was done.
    expect(ds[0]!.attempts[0]!.at).toBeGreaterThanOrEqual(ds[1]!.attempts[0]!.at);

    // The opportunity is in Offer now; Lever's stageChanges show it entered the trigger stage: the check runs.
    const caseId = await waitForCaseId(sys, team, opp);
    await sys.advanceCase(caseId, 7);
    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    expect(await runsOf(sys, team, opp)).toBe(1);
    expect((await certnState(sys)).orderRequests).toBe(orderRequests + 1);
  });
});
