// Resilience, end to end, on Certn's side: an uncertain order (the case is created, the answer is a 500), 5xx
// bursts during the check, and callbacks duplicated, out of order or never sent. Callbacks are only nudges and a
// 1 s poll runs behind them, so every check completes on exactly one case, one file and one note, and its tags
// never go backwards.
import { System, Team, TRIGGER_STAGE } from '../harness/system';
import {
  MAIN_LINE,
  certnState,
  expectCompletedOnce,
  expectForwardOnly,
  runsOf,
  uniqueEmail,
  waitForCaseId,
  waitForTag,
} from './resilience-helpers';

let sys: System;
let team: Team;

beforeAll(async () => {
  sys = await System.start({ certnStepMs: null, pollIntervalMs: 1000 });
  team = await sys.setupTeam();
});
afterAll(async () => {
  await sys?.stop();
});
afterEach(async () => {
  await sys.certnCtl('DELETE', '/faults');
  await sys.certnCtl('PUT', '/tuning', { reportReadyMs: 100 });
});

interface Delivery {
  seq: number;
  event: { id: string; object_id: string; event_type: string };
  state: string;
  copy: number;
  deliveredSeq?: number;
}
async function deliveries(): Promise<Delivery[]> {
  return (await sys.certnCtl('GET', '/deliveries')).deliveries;
}
/** Ids Certn uses in callbacks about this case: the case and its checks. */
async function objectIdsOf(caseId: string): Promise<Set<string>> {
  const c = await sys.certnCtl('GET', `/cases/${caseId}`);
  return new Set([caseId, ...c.checks.map((k: { id: string }) => k.id)]);
}
async function deliveriesOf(caseId: string): Promise<Delivery[]> {
  const ids = await objectIdsOf(caseId);
  return (await deliveries()).filter((d) => ids.has(d.event.object_id));
}

/** Certn answers every public API request with `status` until `n` requests have failed; then it recovers. */
async function certnOutage(status: 500 | 503, n: number, during: () => Promise<unknown>): Promise<void> {
  await sys.certnCtl('PUT', '/faults', { errorRate: 1, errorStatus: status });
  // Counted after the fault is on: every request counted from here on is answered `status`.
  const { apiRequests } = await certnState(sys);
  await during();
  await sys.waitFor(
    `${n} Certn requests answered ${status}`,
    async () => (await certnState(sys)).apiRequests - apiRequests >= n,
  );
  await sys.certnCtl('PUT', '/faults', { errorRate: 0, errorStatus: 500 });
}

/** Walks the case along the main line, waiting for Lever to show each status before the next step. */
async function walk(opp: string, caseId: string): Promise<void> {
  await sys.advanceCase(caseId, 4);
  await waitForTag(sys, opp, 'CERTN - Analyzing');
  await sys.advanceCase(caseId, 2);
  await waitForTag(sys, opp, 'CERTN - Partial');
  await sys.advanceCase(caseId, 1);
}

describe('Certn failing', () => {
  it('an uncertain order is adopted by the retry, not ordered again, even when the retry meets a 5xx first', async () => {
    const email = uniqueEmail('certn-uncertain');
    const opp = await sys.createCandidate({ emails: [email] });
    const before = await certnState(sys);

    // The next order creates the case and then answers 500: the activity cannot know the case exists.
    await sys.certnCtl('PUT', '/faults', { orderCommitThenFail: 1 });
    await sys.moveTo(opp, TRIGGER_STAGE);
    await sys.waitFor('the uncertain order', async () => (await certnState(sys)).orderCount === before.orderCount + 1);
    // Certn is down when the retry comes to look for the case: the search fails once, then Certn recovers.
    await certnOutage(500, 1, async () => undefined);

    const caseId = await waitForCaseId(sys, team, opp);
    const after = await certnState(sys);
    expect(after.orderCount).toBe(before.orderCount + 1); // one case created …
    expect(after.orderRequests).toBe(before.orderRequests + 1); // … and no second order was even sent
    const cases = await sys.casesFor(email);
    expect(cases.map((c) => c.id)).toEqual([caseId]);

    // The adopted case is followed like any other: its callbacks reach this check.
    await walk(opp, caseId);
    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    expect(await sys.certnTagSequence(opp)).toEqual(MAIN_LINE);
  });

  it('an order answered too late is not sent again: the retry searches until the late case shows up and adopts it', async () => {
    const email = uniqueEmail('certn-late');
    const opp = await sys.createCandidate({ emails: [email] });
    const before = await certnState(sys);
    // Certn creates the case 6 s after the order arrives; the worker stops waiting for an answer after 1 s. The
    // retry's first search finds nothing: ordering then would bill a second case once the first one lands.
    await sys.stopWorker();
    await sys.startWorker({ certnTimeoutMs: 1000 });
    try {
      await sys.certnCtl('PUT', '/faults', { orderDelayMs: 6000 });
      await sys.moveTo(opp, TRIGGER_STAGE);
      const caseId = await waitForCaseId(sys, team, opp); // well before the order's 2.5 min window has passed
      const after = await certnState(sys);
      expect(after.orderRequests).toBe(before.orderRequests + 1);
      expect((await sys.casesFor(email)).map((c) => c.id)).toEqual([caseId]);
      await sys.certnCtl('DELETE', '/faults');
      await walk(opp, caseId);
      expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    } finally {
      await sys.stopWorker();
      await sys.startWorker();
    }
  });

  it('5xx bursts while the case progresses and while the report is fetched: one case, one file, one note', async () => {
    const email = uniqueEmail('certn-5xx');
    const opp = await sys.createCandidate({ emails: [email] });
    const before = await certnState(sys);
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await waitForCaseId(sys, team, opp);

    // Reads of the case fail (callbacks and polls alike) while the candidate submits, then while results arrive.
    await certnOutage(500, 2, () => sys.advanceCase(caseId, 4));
    await waitForTag(sys, opp, 'CERTN - Analyzing');
    await certnOutage(503, 2, () => sys.advanceCase(caseId, 2));
    await waitForTag(sys, opp, 'CERTN - Partial');

    // The case completes; Certn fails while the report is rendered, so the attach activity starts over.
    await sys.certnCtl('PUT', '/tuning', { reportReadyMs: 1000 });
    await sys.advanceCase(caseId, 1);
    await sys.waitFor('the report requested', async () =>
      [...sys.certn.state.reportFiles.values()].some((rf) => rf.case_id === caseId),
    );
    await certnOutage(503, 1, async () => undefined);
    await sys.certnCtl('PUT', '/tuning', { reportReadyMs: 100 });

    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    expect(await sys.certnTagSequence(opp)).toEqual(MAIN_LINE);
    const reports = [...sys.certn.state.reportFiles.values()].filter((rf) => rf.case_id === caseId);
    expect(reports.length).toBeGreaterThanOrEqual(2); // the attach really started over …
    expect((await sys.opportunity(opp)).files).toHaveLength(1); // … and attached once
    expect((await certnState(sys)).orderRequests).toBe(before.orderRequests + 1);
  });
});

describe('Certn callbacks that misbehave (a 1 s poll behind them)', () => {
  it('duplicated: every callback arrives twice; the tags move once per status', async () => {
    const email = uniqueEmail('certn-dup');
    const opp = await sys.createCandidate({ emails: [email] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await waitForCaseId(sys, team, opp);
    await sys.certnCtl('PUT', '/faults', { webhook: { duplicate: true } });
    await walk(opp, caseId);

    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    expect(await sys.certnTagSequence(opp)).toEqual(MAIN_LINE);
    // Every copy is answered 2xx in the end; the last ones may still be on their way (coalesced callbacks are
    // answered once a signal sent after them reached the check, a fraction of a second later).
    const ds = await sys.waitFor('every callback answered', async () => {
      const all = await deliveriesOf(caseId);
      return all.every((d) => d.state !== 'pending') ? all : undefined;
    });
    const copies = ds.filter((d) => d.copy === 2);
    expect(copies.length).toBeGreaterThanOrEqual(7); // at least one per lifecycle step
    expect(copies.length * 2).toBe(ds.length);
    expect(ds.every((d) => d.state === 'delivered')).toBe(true);
  });

  it('out of order: later events arrive before earlier ones; the tags never go back', async () => {
    const email = uniqueEmail('certn-ooo');
    const opp = await sys.createCandidate({ emails: [email] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await waitForCaseId(sys, team, opp);
    await sys.certnCtl('PUT', '/faults', { webhook: { outOfOrder: true } });
    await walk(opp, caseId);

    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    expect(await sys.certnTagSequence(opp)).toEqual(MAIN_LINE);
    const delivered = (await deliveriesOf(caseId)).filter((d) => d.state === 'delivered');
    const overtaken = delivered.filter((a) =>
      delivered.some((b) => b.seq > a.seq && b.deliveredSeq! < a.deliveredSeq!),
    );
    expect(overtaken.length).toBeGreaterThanOrEqual(3); // the reordering really happened
  });

  it('never sent: every callback is dropped; the poll alone carries the check to the end', async () => {
    const email = uniqueEmail('certn-drop');
    const opp = await sys.createCandidate({ emails: [email] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await waitForCaseId(sys, team, opp);
    await sys.certnCtl('PUT', '/faults', { webhook: { drop: true } });
    await walk(opp, caseId);

    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    expect(await sys.certnTagSequence(opp)).toEqual(MAIN_LINE);
    const ds = await deliveriesOf(caseId);
    expect(ds.length).toBeGreaterThanOrEqual(7);
    expect(ds.every((d) => d.state === 'dropped')).toBe(true);
  });

  it('all at once, three checks advancing on their own: duplicated, reordered and half-dropped callbacks', async () => {
    const emails = [0, 1, 2].map((i) => uniqueEmail(`certn-chaos-${i}`));
    const opps: string[] = [];
    for (const email of emails) opps.push(await sys.createCandidate({ emails: [email] }));
    const before = await certnState(sys);
    await sys.certnCtl('PUT', '/faults', { webhook: { duplicate: true, outOfOrder: true, drop: 0.5 } });
    await Promise.all(opps.map((opp) => sys.moveTo(opp, TRIGGER_STAGE)));
    const caseIds = await Promise.all(opps.map((opp) => waitForCaseId(sys, team, opp)));
    for (const id of caseIds)
      await sys.certnCtl('PUT', `/cases/${id}/auto-advance`, { enabled: true, stepDelayMs: 150 });

    for (let i = 0; i < opps.length; i++) {
      expect(await expectCompletedOnce(sys, team, opps[i]!, emails[i]!)).toBe(caseIds[i]);
      expectForwardOnly(await sys.certnTagSequence(opps[i]!));
      expect(await runsOf(sys, team, opps[i]!)).toBe(1);
    }
    const after = await certnState(sys);
    expect(after.orderRequests).toBe(before.orderRequests + opps.length);
    // The faults really bit: some callbacks of these cases were dropped, some duplicated, some overtaken.
    const ds = (await Promise.all(caseIds.map((id) => deliveriesOf(id)))).flat();
    expect(ds.some((d) => d.state === 'dropped')).toBe(true);
    expect(ds.some((d) => d.copy === 2 && d.state === 'delivered')).toBe(true);
    const delivered = ds.filter((d) => d.state === 'delivered');
    expect(delivered.some((a) => delivered.some((b) => b.seq > a.seq && b.deliveredSeq! < a.deliveredSeq!))).toBe(true);
  });
});
