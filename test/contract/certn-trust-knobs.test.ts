// Certn sandbox knobs for the trust work: an order whose answer is lost (500, 502, dropped, hanging), cases ordered
// outside the service, several accounts with several keys each, cases and webhooks per account.
import { CertnApiError, CertnClient } from '../../src/certn/client';
import { setSandboxLogSink } from '@lever-certn/sandbox';
import { SEED_ACCOUNT_ID, startCertnSandbox, type CertnSandbox } from '@lever-certn/sandbox/certn';
import { SEED_KEY, api, control, startReceiver, waitFor, type Receiver } from './certn-helpers';

let sb: CertnSandbox;
let client: CertnClient;
const ORDER = { email_address: 'lost@example.com', check_types_with_arguments: { IDENTITY_VERIFICATION_1: {} } };

beforeAll(async () => {
  setSandboxLogSink(() => undefined);
  sb = await startCertnSandbox();
  client = new CertnClient({ baseUrl: sb.url, apiKey: SEED_KEY });
});
afterAll(async () => {
  await sb.stop();
});
beforeEach(async () => {
  await control(sb.url, 'POST', '/reset');
});

async function errOf(p: Promise<unknown>): Promise<CertnApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CertnApiError) return e;
    throw e;
  }
  throw new Error('expected CertnApiError');
}

/** The case exists and counts as an API order although its answer was lost; the knob is then used up. */
async function expectCommittedOnce(): Promise<void> {
  const cases = await control(sb.url, 'GET', '/cases?email_address=lost@example.com');
  expect([cases.count, cases.orderCount]).toEqual([1, 1]);
  expect((await control(sb.url, 'GET', '/faults')).orderCommitThenFail).toBe(0);
  expect((await api(sb.url, 'POST', '/api/public/cases/order/', { body: ORDER })).status).toBe(201);
}

describe('an order Certn places whose answer is lost', () => {
  it.each([500, 502])('orderFailureMode %i: the answer is that status, the case exists', async (status) => {
    await control(sb.url, 'PUT', '/faults', { orderCommitThenFail: 1, orderFailureMode: status });
    const raw = await api(sb.url, 'POST', '/api/public/cases/order/', { body: ORDER });
    expect(raw.status).toBe(status);
    if (status === 502) expect(raw.headers.get('content-type')).toMatch(/text\/html/);
    await expectCommittedOnce();
  });

  it('orderFailureMode drop: the connection closes without an answer, the case exists', async () => {
    await control(sb.url, 'PUT', '/faults', { orderCommitThenFail: 1, orderFailureMode: 'drop' });
    await expect(api(sb.url, 'POST', '/api/public/cases/order/', { body: ORDER })).rejects.toThrow(/fetch failed/);
    await expectCommittedOnce();
  });

  it("orderFailureMode hang: no answer until the client's timeout, the case exists", async () => {
    await control(sb.url, 'PUT', '/faults', { orderCommitThenFail: 1, orderFailureMode: 'hang' });
    const impatient = new CertnClient({ baseUrl: sb.url, apiKey: SEED_KEY, timeoutMs: 300 });
    const e = await errOf(
      impatient.orderCase({ emailAddress: 'lost@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] }),
    );
    expect(e).toMatchObject({ status: 0, retryable: true });
    expect(e.message).toMatch(/timed out|no complete answer/);
    await expectCommittedOnce();
  });

  it('rejects an unknown failure mode and keeps the faults as they were', async () => {
    await expect(control(sb.url, 'PUT', '/faults', { orderFailureMode: 418 })).rejects.toMatchObject({ status: 400 });
    expect((await control(sb.url, 'GET', '/faults')).orderFailureMode).toBe(500);
  });
});

describe('a case ordered outside the service (as from Certn’s dashboard)', () => {
  it('POST /_sandbox/cases creates a case for the e-mail and check types at the given time, not counted as an order', async () => {
    const created = new Date(Date.now() - 5 * 60_000).toISOString();
    const c = await control(sb.url, 'POST', '/cases', {
      email_address: 'Manual@Example.com',
      check_types: ['CRIMINAL_RECORD_REPORT_1', 'CREDIT_REPORT_1'],
      created,
    });
    expect(c).toMatchObject({ source: 'outside', accountId: SEED_ACCOUNT_ID, created, overall_status: 'CASE_ORDERED' });
    const listed = await client.listCases({ emailAddress: 'manual@example.com' });
    expect(listed.map((x) => [x.id, x.created, x.checks.map((ch) => ch.check_type)])).toEqual([
      [c.id, created, ['CRIMINAL_RECORD_REPORT_1', 'CREDIT_REPORT_1']],
    ]);
    expect((await control(sb.url, 'GET', '/cases')).orderCount).toBe(0);
    // Same lifecycle as any case.
    await control(sb.url, 'POST', `/cases/${c.id}/advance`, { steps: 2 });
    expect((await client.getCase(c.id)).overall_status).toBe('APPLICANT_OPENED');
  });

  it('bad input is a 400 (unknown account 404) and creates nothing', async () => {
    for (const body of [
      { check_types: ['CREDIT_REPORT_1'] },
      { email_address: 'not-an-email', check_types: ['CREDIT_REPORT_1'] },
      { email_address: 'a@example.com', check_types: [] },
      { email_address: 'a@example.com', check_types: ['NO_SUCH_CHECK'] },
      { email_address: 'a@example.com', check_types: ['CREDIT_REPORT_1'], created: 'yesterday' },
    ]) {
      await expect(control(sb.url, 'POST', '/cases', body)).rejects.toMatchObject({ status: 400 });
    }
    await expect(
      control(sb.url, 'POST', '/cases', {
        email_address: 'a@example.com',
        check_types: ['CREDIT_REPORT_1'],
        account: 'nope',
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect((await control(sb.url, 'GET', '/cases')).count).toBe(0);
  });
});

describe('accounts: several keys on one account, several accounts', () => {
  let receivers: Receiver[] = [];
  afterEach(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    receivers = [];
  });

  it('two keys on one account see the same cases; another account sees none of them', async () => {
    const second = (await control(sb.url, 'POST', '/api-keys', { key: 'team-b-key' })).key;
    const other = await control(sb.url, 'POST', '/accounts', { id: 'acme', key: 'acme-key' });
    expect(other).toMatchObject({ id: 'acme', apiKeys: ['acme-key'], key: 'acme-key' });
    const a = await client.orderCase({ emailAddress: 'shared@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] });

    const viaSecond = new CertnClient({ baseUrl: sb.url, apiKey: second });
    expect((await viaSecond.getCase(a.id)).id).toBe(a.id);
    expect((await viaSecond.listCases({ emailAddress: 'shared@example.com' })).map((c) => c.id)).toEqual([a.id]);

    const acme = new CertnClient({ baseUrl: sb.url, apiKey: 'acme-key' });
    expect(await acme.listCases({ emailAddress: 'shared@example.com' })).toEqual([]);
    for (const call of [() => acme.getCase(a.id), () => acme.cancelCase(a.id), () => acme.generateReport(a.id)]) {
      expect(await errOf(call())).toMatchObject({ status: 404 });
    }
    const b = await acme.orderCase({ emailAddress: 'shared@example.com', checkTypes: ['CREDIT_REPORT_1'] });
    expect((await acme.listCases({ emailAddress: 'shared@example.com' })).map((c) => c.id)).toEqual([b.id]);
    expect((await client.listCases({ emailAddress: 'shared@example.com' })).map((c) => c.id)).toEqual([a.id]);
    expect((await control(sb.url, 'GET', '/cases?account=acme')).cases.map((c: any) => c.id)).toEqual([b.id]);
  });

  it('each account has its own webhook: a case’s events reach only its account’s URL', async () => {
    await control(sb.url, 'POST', '/accounts', { id: 'acme', key: 'acme-key' });
    const [seedRx, acmeRx] = (receivers = [await startReceiver(), await startReceiver()]);
    await control(sb.url, 'PUT', '/webhook', { url: seedRx!.url, secret: 'seed-secret' });
    expect(
      await control(sb.url, 'PUT', '/accounts/acme/webhook', { url: acmeRx!.url, secret: 'acme-secret' }),
    ).toMatchObject({
      status: 'active',
    });
    const a = await client.orderCase({ emailAddress: 'a@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] });
    const acme = new CertnClient({ baseUrl: sb.url, apiKey: 'acme-key' });
    const b = await acme.orderCase({ emailAddress: 'b@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] });
    await control(sb.url, 'POST', `/cases/${a.id}/advance`);
    await control(sb.url, 'POST', `/cases/${b.id}/advance`);
    await waitFor(() => seedRx!.hooks.length >= 1 && acmeRx!.hooks.length >= 1, 'one delivery to each account');
    expect(seedRx!.hooks.map((h) => h.json.object_id)).toEqual([a.id]);
    expect(acmeRx!.hooks.map((h) => h.json.object_id)).toEqual([b.id]);
    expect((await control(sb.url, 'GET', '/accounts/acme/deliveries')).deliveries).toHaveLength(1);
    expect((await control(sb.url, 'GET', '/deliveries')).deliveries).toHaveLength(1);
  });

  it('bad account input is a 4xx; reset leaves only the seed account', async () => {
    await control(sb.url, 'POST', '/accounts', { id: 'acme', key: 'acme-key' });
    await expect(control(sb.url, 'POST', '/accounts', { id: 'acme' })).rejects.toMatchObject({ status: 409 });
    await expect(control(sb.url, 'POST', '/accounts', { id: 'bad id!' })).rejects.toMatchObject({ status: 400 });
    await expect(control(sb.url, 'POST', '/api-keys', { key: 'acme-key' })).rejects.toMatchObject({ status: 409 });
    await expect(control(sb.url, 'POST', '/api-keys', { account: 'nope' })).rejects.toMatchObject({ status: 404 });
    await expect(
      control(sb.url, 'PUT', '/accounts/nope/webhook', { url: 'http://x', secret: 's' }),
    ).rejects.toMatchObject({
      status: 404,
    });
    await control(sb.url, 'POST', '/reset');
    expect((await control(sb.url, 'GET', '/accounts')).accounts.map((a: any) => a.id)).toEqual([SEED_ACCOUNT_ID]);
    expect((await api(sb.url, 'GET', '/api/public/cases/', { key: 'acme-key' })).status).toBe(401);
  });
});
