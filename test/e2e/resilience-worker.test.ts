// Resilience, end to end: the worker dies mid-check (a crash or a deploy) and comes back. The check picks up where
// its history says it was, catches up with what Certn did meanwhile, and still ends with one case, one file and
// one note.
import { System, Team, TRIGGER_STAGE } from '../harness/system';
import {
  MAIN_LINE,
  certnState,
  certnTags,
  expectCompletedOnce,
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
  await sys.certnCtl('DELETE', '/faults');
  await sys.certnCtl('PUT', '/tuning', { reportReadyMs: 100 });
});

describe('a worker killed mid-check', () => {
  it('while the case is in progress: callbacks queue up, the restarted worker catches up, one case/file/note', async () => {
    const email = uniqueEmail('worker-kill');
    const opp = await sys.createCandidate({ emails: [email] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await waitForCaseId(sys, team, opp);
    await sys.advanceCase(caseId, 4); // submitted
    await waitForTag(sys, opp, 'CERTN - Analyzing');

    await sys.stopWorker();
    // Certn moves on while no worker runs: in progress, then the first check completes (results appear).
    const before = (await sys.certnCtl('GET', '/deliveries')).deliveries.length;
    await sys.advanceCase(caseId, 2);
    // The callbacks were accepted (the API signals the open workflow; Temporal keeps the signals for the worker).
    const delivered = await sys.waitFor('the callbacks of the two steps', async () => {
      const ds = (await sys.certnCtl('GET', '/deliveries')).deliveries.slice(before);
      return ds.length >= 4 && ds.every((d: { state: string }) => d.state === 'delivered') ? ds : undefined;
    });
    expect(delivered.every((d: { attempts: { status: number }[] }) => d.attempts.at(-1)!.status === 200)).toBe(true);
    // Nobody acted on them: Lever still shows the old status.
    expect(await certnTags(sys, opp)).toEqual(['CERTN - Analyzing']);

    await sys.startWorker();
    await waitForTag(sys, opp, 'CERTN - Partial');
    await sys.advanceCase(caseId, 1); // the last check: the case is complete

    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    expect(await sys.certnTagSequence(opp)).toEqual(MAIN_LINE);
  });

  it('while the report PDF is being fetched: the restarted worker attaches it once', async () => {
    const email = uniqueEmail('worker-kill-report');
    const opp = await sys.createCandidate({ emails: [email] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await waitForCaseId(sys, team, opp);
    await sys.advanceCase(caseId, 4); // submitted
    await waitForTag(sys, opp, 'CERTN - Analyzing');
    await sys.advanceCase(caseId, 2); // first check complete
    await waitForTag(sys, opp, 'CERTN - Partial');

    // Certn takes its time rendering the report: the attach activity is waiting for it when the worker dies.
    await sys.certnCtl('PUT', '/tuning', { reportReadyMs: 60_000 });
    await sys.advanceCase(caseId, 1); // complete
    await sys.waitFor('a report file requested from Certn for the case', async () =>
      [...sys.certn.state.reportFiles.values()].some((rf) => rf.case_id === caseId),
    );
    await sys.stopWorker();
    expect((await sys.opportunity(opp)).files).toHaveLength(0);

    await sys.certnCtl('PUT', '/tuning', { reportReadyMs: 100 });
    await sys.startWorker();
    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    expect(await sys.certnTagSequence(opp)).toEqual(MAIN_LINE);
  });

  it('while the order is on its way to Certn (a deploy stops the worker): the case is ordered once', async () => {
    const email = uniqueEmail('worker-kill-order');
    const opp = await sys.createCandidate({ emails: [email] });
    const { orderCount } = await certnState(sys);
    const certnRequests = sys.certn.state.apiRequests;
    // Certn is slow (4 s): the order request is at Certn, unanswered, when the worker is told to stop.
    await sys.certnCtl('PUT', '/faults', { latencyMs: 4000 });
    await sys.moveTo(opp, TRIGGER_STAGE);
    // Stop only once the POST is at Certn (the check's first Certn request). Stopping at the Pending tag raced
    // Temporal handing the order activity to the stopping worker, which loses that attempt (a lost attempt is
    // retried after the heartbeat timeout: worker-crash.test.ts); this test is about the stop during the POST.
    await sys.waitFor('the order at Certn', async () => sys.certn.state.apiRequests > certnRequests);
    await sys.stopWorker();
    await sys.certnCtl('DELETE', '/faults');
    await sys.startWorker();

    const caseId = await waitForCaseId(sys, team, opp);
    await sys.advanceCase(caseId, 7);
    expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
    expect((await certnState(sys)).orderCount).toBe(orderCount + 1);
  });

  it('after it recorded the case and before Temporal heard of it: the retry returns that case, none is ordered twice', async () => {
    const email = uniqueEmail('worker-kill-after-order');
    const opp = await sys.createCandidate({ emails: [email] });
    const { orderCount } = await certnState(sys);
    // The first attempt orders and records its case, then its worker "dies": the attempt never reports its result.
    let lost = 0;
    const dying = new Proxy(sys.store, {
      get(target, prop, receiver) {
        if (prop !== 'resolveOrderIntent') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<typeof target.resolveOrderIntent>) => {
          await target.resolveOrderIntent(...args);
          if (args[1] && lost++ === 0) throw new Error('the worker died before it reported the order');
        };
      },
    });
    await sys.stopWorker();
    await sys.startWorker({ store: dying });
    try {
      await sys.moveTo(opp, TRIGGER_STAGE);
      const caseId = await waitForCaseId(sys, team, opp);
      expect(lost).toBe(1);
      await sys.advanceCase(caseId, 7);
      expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
      expect((await certnState(sys)).orderCount).toBe(orderCount + 1);
    } finally {
      await sys.stopWorker();
      await sys.startWorker();
    }
  });
});
