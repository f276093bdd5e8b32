// Temporal unreachable while Lever delivers a stage change: the API stores the hand-over and answers 202, so Lever
// stops retrying however long the outage lasts; the API's relay starts the check once Temporal is back. And a relay
// that dies after Temporal took a row but before marking it hands it again: the check counts one entry, one case.
// Uses a second dev server of its own, stopped and restarted on the same port, so the shared one stays up.
import { LeverRelay } from '../../src/api/lever-relay';
import { LeverOutbox } from '../../src/settings/store';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { DevServer, freePort, startDevServer } from '../../src/temporal/dev-server';
import { stageEnteredSignal } from '../../src/workflows/definitions';
import { System, TRIGGER_STAGE, Team } from '../harness/system';
import { certnState, expectCompletedOnce, metric, runsOf, uniqueEmail, waitForCaseId } from './resilience-helpers';

let cliPath: string;
let port: number;
let server: DevServer | undefined;
let sys: System;
let team: Team;

beforeAll(async () => {
  cliPath = await ensureTemporalCli();
  port = await freePort();
  server = await startDevServer({ cliPath, port, headless: true });
  // Lever would retry after 1, 2, 4, 8 and 16 s: a retry within the test's wait would show in its deliveries log.
  sys = await System.start({ temporalAddress: server.address, leverRetryBaseMs: 1000 });
  team = await sys.setupTeam();
});
afterAll(async () => {
  await sys?.stop();
  await server?.stop();
});

const deliveriesOf = async (opp: string) =>
  (await sys.leverCtl('GET', `/deliveries?opportunityId=${opp}&event=candidateStageChange`)).data as {
    id: string;
    attempts: { status: number }[];
  }[];

/** Stops Temporal, moves the candidate into the trigger stage, waits for Lever's first attempt; returns its status. */
async function moveWhileTemporalDown(opp: string): Promise<number> {
  await server!.stop();
  await sys.moveTo(opp, TRIGGER_STAGE);
  const first = await sys.waitFor('the first attempt', async () => (await deliveriesOf(opp))[0]?.attempts[0]);
  return first.status;
}

async function signalsOf(opp: string): Promise<number> {
  const history = await sys.handle(team.id, opp).fetchHistory();
  return (history.events ?? []).filter(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === stageEnteredSignal.name,
  ).length;
}

it('answers 202 queued while Temporal is down: Lever does not retry, and the relay starts the check once it is back', async () => {
  const email = uniqueEmail('temporal-down');
  const opp = await sys.createCandidate({ emails: [email] });
  const { orderRequests } = await certnState(sys);
  const queuedBefore = await metric(sys, 'lever_webhook_deliveries_total', { outcome: 'queued' });
  const relayedBefore = await metric(sys, 'lever_deliveries_relayed_total', { result: 'relayed' });

  expect(await moveWhileTemporalDown(opp)).toBe(202);
  // Lever's first retry would come 1 s later: none comes, the 2xx ended its retries.
  await new Promise((r) => setTimeout(r, 2_500));
  await sys.lever.webhooksIdle();
  const [delivery] = await deliveriesOf(opp);
  expect(delivery!.attempts.map((a) => a.status)).toEqual([202]);
  expect(await metric(sys, 'lever_webhook_deliveries_total', { outcome: 'queued' })).toBe(queuedBefore + 1);

  server = await startDevServer({ cliPath, port, headless: true });
  // The System's relay (every 200 ms, as an API process runs it) hands it over; the check orders and completes.
  await waitForCaseId(sys, team, opp);
  await expectCompletedOnce(sys, team, opp, email);
  expect(await signalsOf(opp)).toBe(1);
  expect(await metric(sys, 'lever_deliveries_relayed_total', { result: 'relayed' })).toBe(relayedBefore + 1);

  // Lever's UI re-runs the queued delivery: acknowledged as a duplicate, nothing more.
  const rerun = await sys.leverCtl('POST', `/deliveries/${delivery!.id}/redeliver`);
  await sys.lever.webhooksIdle();
  const again = (await sys.leverCtl('GET', `/deliveries/${rerun.data.id}`)).data;
  expect(again.attempts.map((a: { status: number }) => a.status)).toEqual([200]);
  expect(await runsOf(sys, team, opp)).toBe(1);
  expect(await signalsOf(opp)).toBe(1);
  expect((await certnState(sys)).orderRequests).toBe(orderRequests + 1);
  expect(await sys.casesFor(email)).toHaveLength(1);
});

it('a relay that dies after Temporal took the row and before marking it hands it again: one entry, one case', async () => {
  await sys.relay!.stop(); // this test runs its own relay, one whose first mark fails like a crash at that point
  await sys.certnCtl('PUT', '/auto-advance', { enabled: false });
  const email = uniqueEmail('relay-crash');
  const opp = await sys.createCandidate({ emails: [email] });
  const { orderRequests } = await certnState(sys);

  expect(await moveWhileTemporalDown(opp)).toBe(202);
  server = await startDevServer({ cliPath, port, headless: true });

  let marks = 0;
  const crashing: LeverOutbox = {
    queueLeverDelivery: (...a) => sys.store.queueLeverDelivery(...a),
    leaseQueuedDeliveries: (o) => sys.store.leaseQueuedDeliveries(o),
    releaseDeliveryLease: (id) => sys.store.releaseDeliveryLease(id),
    markDeliveryRelayed: async (row) => {
      if (++marks === 1) throw new Error('relay process died before the mark');
      return sys.store.markDeliveryRelayed(row);
    },
  };
  const relay = new LeverRelay({ store: crashing, gateway: sys.gateway, intervalMs: 200, leaseMs: 1_500 }).start();
  try {
    // Handed, not marked; the lease lapses; handed again to the open check and marked this time.
    await sys.waitFor('the second hand-over', async () => marks >= 2, 30_000);
  } finally {
    await relay.stop();
  }
  // Both signals for the one entry reached the check (a signal sent while a workflow task runs shows after it).
  await sys.waitFor('two stage-entered signals in the history', async () => (await signalsOf(opp)) === 2);
  const caseId = await waitForCaseId(sys, team, opp);
  await sys.waitForIdle(team.id, opp);
  await sys.advanceCase(caseId, 7);
  expect(await expectCompletedOnce(sys, team, opp, email)).toBe(caseId);
  expect(await runsOf(sys, team, opp)).toBe(1);
  expect(await signalsOf(opp)).toBe(2);
  expect((await certnState(sys)).orderRequests).toBe(orderRequests + 1);
  expect(await sys.casesFor(email)).toHaveLength(1);
  // Nothing left queued.
  expect(await sys.store.leaseQueuedDeliveries({ limit: 10, leaseMs: 1 })).toEqual([]);
});
