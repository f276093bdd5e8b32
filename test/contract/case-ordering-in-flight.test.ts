// Ordering exactly once when Certn's answer is lost: a POST our client gave up on (timeout) is not over at Certn,
// which may create the case after the retry has searched. The retry must then not order again (two billed cases,
// found by the bench at 1,000 checks at once); it waits out the POST's window and adopts the late case. A POST that
// Certn answered with a 5xx is over, so its retry still orders at once. Real Certn sandbox, real SQLite store.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { startCertnSandbox, type CertnSandbox } from '@lever-certn/sandbox/certn';
import { orderCaseOnce, postWindowLeft } from '../../src/activities/case-ordering';
import { CertnClient } from '../../src/certn/client';
import { setLogSink } from '../../src/logger';
import { SqliteSettingsStore } from '../../src/settings/sqlite-store';
import { SEED_KEY, control } from './certn-helpers';

const CHECKS = ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1'];
let sb: CertnSandbox;
let dir: string;
let store: SqliteSettingsStore;

beforeAll(async () => {
  setLogSink(() => undefined);
  sb = await startCertnSandbox();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'order-in-flight-'));
  store = new SqliteSettingsStore({ dataDir: dir, masterKey: randomBytes(32) });
});
afterAll(async () => {
  await store.close();
  await sb.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(() => control(sb.url, 'PUT', '/faults', { latencyMs: 0, errorRate: 0 }));

function attempt(email: string, opportunityId: string, timeoutMs: number, orderKey = `run-${opportunityId}/1`) {
  const certn = new CertnClient({ baseUrl: sb.url, apiKey: SEED_KEY, timeoutMs });
  const req = { teamId: 'team-1', opportunityId, workflowId: `wf-${opportunityId}`, checkTypes: CHECKS, orderKey };
  return orderCaseOnce(req, { store, certn, currentEmail: async () => email });
}
const casesFor = (email: string) => [...sb.state.cases.values()].filter((c) => c.email_address === email);

it('a timed-out order is not sent again while it may still create a case; the late case is adopted', async () => {
  const email = `late-${randomBytes(4).toString('hex')}@example.com`;
  // The POST sits in Certn for 1.5 s; our client gives up after 200 ms.
  await control(sb.url, 'PUT', '/faults', { latencyMs: 1500 });
  await expect(attempt(email, 'opp-late', 200)).rejects.toThrow(/within 200 ms|timeout|network/i);
  await control(sb.url, 'PUT', '/faults', { latencyMs: 0 });

  // The retry, before Certn has created the case: nothing to adopt, and no second POST.
  const retry = await attempt(email, 'opp-late', 5000).catch((e: unknown) => e);
  expect(retry).toBeInstanceOf(ApplicationFailure);
  expect((retry as ApplicationFailure).type).toBe('OrderInFlight');
  // It searches again soon (the late case is adopted within seconds), not only when the window has passed.
  expect(Number((retry as ApplicationFailure).nextRetryDelay)).toBeLessThanOrEqual(10_000);
  const open = await store.findOpenOrderIntent('team-1', 'opp-late');
  expect(open && postWindowLeft(open, Date.now())).toBeGreaterThan(60_000);

  // Certn finishes the first POST: one case, which the next attempt adopts.
  await new Promise((r) => setTimeout(r, 1600));
  expect(casesFor(email)).toHaveLength(1);
  const adopted = await attempt(email, 'opp-late', 5000);
  expect(adopted.caseId).toBe(casesFor(email)[0]!.id);
  expect(casesFor(email)).toHaveLength(1);
});

it('an order Certn answered with a 5xx is over: the retry orders again at once', async () => {
  const email = `fivexx-${randomBytes(4).toString('hex')}@example.com`;
  await control(sb.url, 'PUT', '/faults', { errorRate: 1, errorStatus: 503 });
  await expect(attempt(email, 'opp-5xx', 5000)).rejects.toThrow();
  await control(sb.url, 'PUT', '/faults', { errorRate: 0 });
  const open = await store.findOpenOrderIntent('team-1', 'opp-5xx');
  expect(open?.answered).toBe(true);
  const ordered = await attempt(email, 'opp-5xx', 5000);
  expect(casesFor(email).map((c) => c.id)).toEqual([ordered.caseId]);
});

it("a gateway's 504 is not an answer from Certn: the retry waits like after a timeout", async () => {
  const email = `gateway-${randomBytes(4).toString('hex')}@example.com`;
  await control(sb.url, 'PUT', '/faults', { errorRate: 1, errorStatus: 504 });
  await expect(attempt(email, 'opp-504', 5000)).rejects.toThrow();
  await control(sb.url, 'PUT', '/faults', { errorRate: 0 });
  expect((await store.findOpenOrderIntent('team-1', 'opp-504'))?.answered).toBe(false);
  const retry = await attempt(email, 'opp-504', 5000).catch((e: unknown) => e);
  expect((retry as ApplicationFailure).type).toBe('OrderInFlight');
  expect(casesFor(email)).toHaveLength(0);
});

it('an attempt that recorded its case and died before Temporal heard of it: the retry returns that case', async () => {
  const email = `lost-completion-${randomBytes(4).toString('hex')}@example.com`;
  const first = await attempt(email, 'opp-lost', 5000, 'run-a/7');
  // Temporal never got the first attempt's result: it retries the same activity (same run, same activity id).
  const retry = await attempt(email, 'opp-lost', 5000, 'run-a/7');
  expect(retry.caseId).toBe(first.caseId);
  expect(casesFor(email)).toHaveLength(1);

  // Another order for the opportunity (a stage re-entry after the case ended: another activity) orders anew.
  const reentry = await attempt(email, 'opp-lost', 5000, 'run-a/12');
  expect(reentry.caseId).not.toBe(first.caseId);
  expect(casesFor(email)).toHaveLength(2);
});

/**
 * An attempt that searched, found no open intent, and stalls there until `resume` (its worker lost Temporal, which
 * timed it out and started a retry, while the attempt itself still runs).
 */
async function stalledAttempt(email: string, opportunityId: string, orderKey: string) {
  let searched!: () => void;
  const hasSearched = new Promise<void>((r) => (searched = r));
  let resume!: () => void;
  const resumed = new Promise<void>((r) => (resume = r));
  const stalling = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'findOpenOrderIntent') return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<typeof target.findOpenOrderIntent>) => {
        const found = await target.findOpenOrderIntent(...args);
        searched();
        await resumed;
        return found;
      };
    },
  });
  const certn = new CertnClient({ baseUrl: sb.url, apiKey: SEED_KEY, timeoutMs: 5000 });
  const req = { teamId: 'team-1', opportunityId, workflowId: `wf-${opportunityId}`, checkTypes: CHECKS, orderKey };
  const outcome = orderCaseOnce(req, { store: stalling, certn, currentEmail: async () => email }).catch(
    (e: unknown) => e,
  );
  await hasSearched;
  return { resume, outcome };
}

it('a timed-out attempt that goes on after its retry got the case returns that case and orders none', async () => {
  const email = `twin-${randomBytes(4).toString('hex')}@example.com`;
  const stalled = await stalledAttempt(email, 'opp-twin', 'run-t/3');
  const retry = await attempt(email, 'opp-twin', 5000, 'run-t/3');
  stalled.resume();
  expect(await stalled.outcome).toEqual({ caseId: retry.caseId });
  expect(casesFor(email).map((c) => c.id)).toEqual([retry.caseId]);
});

it('a timed-out attempt that goes on while its retry is ordering does not order: it searches again later', async () => {
  const email = `twin-open-${randomBytes(4).toString('hex')}@example.com`;
  const stalled = await stalledAttempt(email, 'opp-twin-open', 'run-u/3');
  await control(sb.url, 'PUT', '/faults', { latencyMs: 1000 });
  const retry = attempt(email, 'opp-twin-open', 5000, 'run-u/3');
  await waitUntil(async () => (await store.findOpenOrderIntent('team-1', 'opp-twin-open')) !== null);
  stalled.resume();
  const late = await stalled.outcome;
  expect(late).toBeInstanceOf(ApplicationFailure);
  expect((late as ApplicationFailure).type).toBe('OrderInFlight');
  const { caseId } = await retry;
  expect(casesFor(email).map((c) => c.id)).toEqual([caseId]);
});

async function waitUntil(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await probe()); i++) await new Promise((r) => setTimeout(r, 20));
}
