// A nudge storm (issue 11): hundreds of concurrent Certn callbacks for one check, on a real dev server with a real
// worker. All are answered 2xx and the check's history grows by a handful of signals, not one per callback; with
// Temporal really down the same callbacks are still answered 503 so Certn retries.
import { certnSignature } from '../../src/certn/signature';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { DevServer, freePort, startDevServer } from '../../src/temporal/dev-server';
import { System, Team, TRIGGER_STAGE } from '../harness/system';

let server: DevServer | undefined;
let sys: System;
let team: Team;

beforeAll(async () => {
  const cliPath = await ensureTemporalCli();
  server = await startDevServer({ cliPath, port: await freePort(), headless: true, readyTimeoutMs: 120_000 });
  // No auto-advance and a long poll: the check parks on its timer, so every signal in its history is a callback's.
  sys = await System.start({ temporalAddress: server.address, certnStepMs: null, pollIntervalMs: 10 * 60_000 });
  team = await sys.setupTeam();
}, 180_000);
afterAll(async () => {
  await sys?.stop();
  await server?.stop();
});

async function signalsIn(opp: string): Promise<number> {
  const history = await sys.handle(team.id, opp).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
}

async function storm(caseId: string, n: number): Promise<{ status: number; body: string }[]> {
  const secret = (await sys.store.getTeamSecrets(team.id))!.certn.webhookSecret!;
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const body = JSON.stringify({
        id: `storm-${i}`,
        event_type: 'CASE_STATUS_CHANGED',
        object_type: 'CASE',
        object_id: caseId,
      });
      const res = await fetch(team.certnHookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': certnSignature(secret, body) },
        body,
      });
      return { status: res.status, body: await res.text() };
    }),
  );
}

it('200 concurrent callbacks for one check: all 2xx, a handful of signals; Temporal down: 503', async () => {
  const opp = await sys.createCandidate({ emails: ['storm@example.com'] });
  await sys.moveTo(opp, TRIGGER_STAGE);
  const caseId = await sys.waitFor('the case', async () => (await sys.state(team.id, opp)).caseId, 90_000);
  await sys.waitForIdle(team.id, opp);
  const before = await signalsIn(opp);

  const t0 = Date.now();
  const answers = await storm(caseId, 200);
  const stormMs = Date.now() - t0;
  const statuses = answers.map((a) => a.status);
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  expect(answers.every((a) => JSON.parse(a.body).outcome === 'signalled')).toBe(true);
  const added = (await signalsIn(opp)) - before;
  expect(added).toBeGreaterThanOrEqual(1);
  // One signal per 250 ms gap while the storm lasts, plus the follow-up (uncoalesced it was ~160 of 200 here).
  process.stdout.write(`nudge storm: 200 callbacks in ${stormMs} ms → ${added} signals\n`);
  expect(added).toBeLessThanOrEqual(Math.ceil(stormMs / 250) + 2);
  expect(added).toBeLessThanOrEqual(20);

  // Temporal really down: no callback is acknowledged.
  await sys.stopWorker();
  await server!.stop();
  server = undefined;
  const down = await storm(caseId, 50);
  expect(down.map((a) => a.status).filter((s) => s !== 503)).toEqual([]);
  expect(JSON.parse(down[0]!.body).error).toBe('temporal_unavailable');
}, 240_000);
