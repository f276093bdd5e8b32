// A worker killed with SIGKILL mid-check (no shutdown, no cleanup): a new worker process picks the check up from
// its history alone, applies the Certn callbacks that arrived while no worker ran, and finishes right.
import { System, Team, TRIGGER_STAGE } from '../harness/system';

let sys: System;
let team: Team;

beforeAll(async () => {
  sys = await System.start({ worker: false, certnStepMs: null, pollIntervalMs: 1000 });
  team = await sys.setupTeam();
});
afterAll(async () => {
  await sys?.stop();
});

async function kill(child: import('node:child_process').ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

it('survives SIGKILLed workers between steps and ends with one case, one file, one note', async () => {
  const email = 'crash@example.com';
  const opp = await sys.createCandidate({ emails: [email] });
  let worker = await sys.spawnWorker();
  await sys.moveTo(opp, TRIGGER_STAGE);
  const caseId = await sys.waitFor('the case id', async () => (await sys.state(team.id, opp)).caseId);
  await sys.waitFor('the Pending tag', async () => (await sys.opportunity(opp)).data.tags.includes('CERTN - Pending'));
  await sys.waitForIdle(team.id, opp);

  await kill(worker);
  await sys.advanceCase(caseId, 4); // submitted: Certn's callbacks reach the API, which signals the check
  await sys.advanceCase(caseId, 2); // in progress, first check complete
  worker = await sys.spawnWorker(); // a fresh process: no cached workflow, full replay from history
  await sys.waitFor('the Partial tag', async () => (await sys.opportunity(opp)).data.tags.includes('CERTN - Partial'));
  await sys.waitForIdle(team.id, opp);

  await kill(worker);
  await sys.advanceCase(caseId, 20); // complete
  worker = await sys.spawnWorker();
  const done = await sys.result(team.id, opp);
  await kill(worker);

  expect(done.status).toBe('Complete');
  expect(await sys.casesFor(email)).toHaveLength(1);
  const o = await sys.opportunity(opp);
  expect(o.data.tags.filter((t: string) => t.startsWith('CERTN - '))).toEqual(['CERTN - Complete']);
  expect(o.files).toHaveLength(1);
  expect(o.notes).toHaveLength(1);
  // While no worker ran, Lever was not touched: the profile went straight from Pending to Partial to Complete.
  expect(await sys.certnTagSequence(opp)).toEqual(['CERTN - Pending', 'CERTN - Partial', 'CERTN - Complete']);
});

it('survives a worker SIGKILLed in the middle of an activity: the activity times out and runs again elsewhere', async () => {
  const email = 'crash-mid-activity@example.com';
  const opp = await sys.createCandidate({ emails: [email] });
  let worker = await sys.spawnWorker();
  await sys.moveTo(opp, TRIGGER_STAGE);
  const caseId = await sys.waitFor('the case id', async () => (await sys.state(team.id, opp)).caseId);
  // Certn is slow to render the report: the attach activity sits waiting for it, heartbeating, when the worker dies.
  await sys.certnCtl('PUT', '/tuning', { reportReadyMs: 120_000 });
  await sys.advanceCase(caseId, 20); // complete
  await sys.waitFor('the attach activity to be running', async () => {
    const { raw } = await sys.handle(team.id, opp).describe();
    return (raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'attachReportPdf');
  });
  await kill(worker);
  await sys.certnCtl('PUT', '/tuning', { reportReadyMs: 100 });

  // Nobody heartbeats for it any more: Temporal times the attempt out and hands a retry to the new worker.
  worker = await sys.spawnWorker();
  const done = await sys.result(team.id, opp);
  await kill(worker);

  expect(done.status).toBe('Complete');
  expect(done.fileAttached).toBe(true);
  expect(await sys.casesFor(email)).toHaveLength(1);
  const o = await sys.opportunity(opp);
  expect(o.files).toHaveLength(1);
  expect(o.notes).toHaveLength(1);
});

it('survives a worker SIGKILLed while its order is at Certn: the retry comes within the heartbeat timeout, one case', async () => {
  const email = 'crash-mid-order@example.com';
  const opp = await sys.createCandidate({ emails: [email] });
  let worker = await sys.spawnWorker();
  const certnRequests = sys.certn.state.apiRequests;
  // Certn is slow: it has the order and creates the case 3 s later, after the worker that sent it is dead.
  await sys.certnCtl('PUT', '/faults', { latencyMs: 3000 });
  await sys.moveTo(opp, TRIGGER_STAGE);
  await sys.waitFor('the order at Certn', async () => sys.certn.state.apiRequests > certnRequests);
  await kill(worker);
  await sys.certnCtl('DELETE', '/faults');

  // The lost attempt stops heartbeating: Temporal retries it after 20 s (not the 2-minute start-to-close timeout),
  // and the retry adopts the case the dead worker's POST created instead of ordering another.
  worker = await sys.spawnWorker();
  const caseId = await sys.waitFor('the case id', async () => (await sys.state(team.id, opp)).caseId, 60_000);
  await sys.advanceCase(caseId, 20);
  const done = await sys.result(team.id, opp);
  await kill(worker);

  expect(done.status).toBe('Complete');
  expect((await sys.casesFor(email)).map((c: { id: string }) => c.id)).toEqual([caseId]);
});
