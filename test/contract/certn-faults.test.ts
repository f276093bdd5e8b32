// Certn sandbox fault knobs: latency, error rate, rate-limit storm, uncertain orders, webhook drop/duplicate/delay/out-of-order.
import { CertnApiError, CertnClient } from '../../src/certn/client';
import { setLogSink } from '../../src/logger';
import { startCertnSandbox, type CertnSandbox } from '@lever-certn/sandbox/certn';
import { SEED_KEY, api, control, startReceiver, waitFor, type Receiver } from './certn-helpers';

let sb: CertnSandbox;
let client: CertnClient;

beforeAll(async () => {
  setLogSink(() => undefined);
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

describe('API faults', () => {
  it('latencyMs delays responses (a client timeout shorter than the latency fires)', async () => {
    await control(sb.url, 'PUT', '/faults', { latencyMs: 1500 });
    const impatient = new CertnClient({ baseUrl: sb.url, apiKey: SEED_KEY, timeoutMs: 300 });
    const e = await errOf(impatient.listCases());
    expect(e).toMatchObject({ status: 0, retryable: true, type: 'network_error' });
    await control(sb.url, 'PUT', '/faults', { latencyMs: 0 });
    // The deadline covers the body too: a patient client shows the latency is gone without racing a busy machine.
    const patient = new CertnClient({ baseUrl: sb.url, apiKey: SEED_KEY, timeoutMs: 5_000 });
    await expect(patient.listCases()).resolves.toEqual([]);
  });

  it.each([500, 503])('errorRate 1 answers %i server_error (retryable); errorRate 0 recovers', async (status) => {
    await control(sb.url, 'PUT', '/faults', { errorRate: 1, errorStatus: status });
    const raw = await api(sb.url, 'GET', '/api/public/cases/');
    expect(raw.status).toBe(status);
    expect(raw.body.type).toBe('server_error');
    const e = await errOf(client.getCase('x'));
    expect(e).toMatchObject({ status, type: 'server_error', retryable: true });
    await control(sb.url, 'PUT', '/faults', { errorRate: 0 });
    await expect(client.listCases()).resolves.toEqual([]);
  });

  it('rejects invalid fault settings', async () => {
    await expect(control(sb.url, 'PUT', '/faults', { errorStatus: 418 })).rejects.toMatchObject({ status: 400 });
    await expect(control(sb.url, 'PUT', '/faults', { errorRate: 2 })).rejects.toMatchObject({ status: 400 });
    await expect(control(sb.url, 'PUT', '/faults', { bogus: 1 })).rejects.toMatchObject({ status: 400 });
  });

  it('rateLimitStorm: the next n requests get 429 with Retry-After, then service resumes', async () => {
    await control(sb.url, 'PUT', '/faults', { rateLimitStorm: { requests: 2, retryAfterSeconds: 3 } });
    const raw = await api(sb.url, 'GET', '/api/public/cases/');
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('3');
    expect(raw.body.type).toBe('client_error');
    const e = await errOf(client.listCases());
    expect(e).toMatchObject({ status: 429, retryable: true, retryAfterMs: 3000 });
    await expect(client.listCases()).resolves.toEqual([]);
    expect((await control(sb.url, 'GET', '/faults')).rateLimitStorm.requests).toBe(0);
  });

  it('orderCommitThenFail: the case exists although the order answered 500 (find it before re-ordering)', async () => {
    await control(sb.url, 'PUT', '/faults', { orderCommitThenFail: 1 });
    const since = new Date(Date.now() - 1000).toISOString();
    const e = await errOf(
      client.orderCase({ emailAddress: 'uncertain@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] }),
    );
    expect(e).toMatchObject({ status: 500, retryable: true });
    const found = await client.listCases({ emailAddress: 'uncertain@example.com', orderTimeframeAfter: since });
    expect(found).toHaveLength(1);
    const cases = await control(sb.url, 'GET', '/cases');
    expect(cases.count).toBe(1);
    expect(cases.orderCount).toBe(1);
    // The knob is consumed: the next order succeeds.
    await expect(
      client.orderCase({ emailAddress: 'next@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] }),
    ).resolves.toMatchObject({
      overall_status: 'CASE_ORDERED',
    });
  });

  it('DELETE /faults resets every knob', async () => {
    await control(sb.url, 'PUT', '/faults', { errorRate: 1, webhook: { duplicate: true } });
    const reset = await control(sb.url, 'DELETE', '/faults');
    expect(reset).toMatchObject({ errorRate: 0, webhook: { duplicate: false } });
    await expect(client.listCases()).resolves.toEqual([]);
  });
});

describe('webhook faults', () => {
  let rx: Receiver;
  let caseId: string;
  beforeEach(async () => {
    rx = await startReceiver();
    await control(sb.url, 'PUT', '/webhook', { url: rx.url, secret: 's3cret' });
    caseId = (await client.orderCase({ emailAddress: 'wf@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] })).id;
  });
  afterEach(async () => {
    await rx.close();
  });
  const advance = (steps = 1) => control(sb.url, 'POST', `/cases/${caseId}/advance`, { steps });

  it('drop: events are logged as dropped and never sent', async () => {
    await control(sb.url, 'PUT', '/faults', { webhook: { drop: true } });
    await advance();
    await control(sb.url, 'PUT', '/faults', { webhook: { drop: false } });
    await advance(); // barrier: delivered after the dropped one was decided
    await waitFor(() => rx.hooks.length === 1, 'barrier event');
    const log = await control(sb.url, 'GET', '/deliveries');
    expect(log.deliveries.map((d: { state: string }) => d.state)).toEqual(['dropped', 'delivered']);
    expect(rx.hooks[0]!.json.id).toBe(log.deliveries[1].event.id);
  });

  it('drop: a fraction drops (almost) every event; 0 drops none', async () => {
    await control(sb.url, 'PUT', '/faults', { webhook: { drop: 0.9999999 } });
    await advance(2);
    await control(sb.url, 'PUT', '/faults', { webhook: { drop: 0 } });
    await advance(); // barrier
    await waitFor(() => rx.hooks.length === 1, 'barrier event');
    const log = await control(sb.url, 'GET', '/deliveries');
    expect(log.deliveries.map((d: { state: string }) => d.state)).toEqual(['dropped', 'dropped', 'delivered']);
    await expect(control(sb.url, 'PUT', '/faults', { webhook: { drop: 1.5 } })).rejects.toMatchObject({ status: 400 });
  });

  it('reportFailure: the report file ends FAILED with no pdf_url and no CASE_REPORT_READY is sent', async () => {
    await control(sb.url, 'PUT', '/faults', { reportFailure: true });
    await control(sb.url, 'PUT', '/tuning', { reportReadyMs: 10 });
    const rf = await client.generateReport(caseId);
    expect(rf).toMatchObject({ status: 'PENDING', pdf_url: null });
    const failed = await waitFor(async () => {
      const x = await api(sb.url, 'GET', `/api/public/cases/report-files/${rf.id}/`);
      return x.body.status !== 'PENDING' ? x : null;
    }, 'report FAILED');
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ id: rf.id, status: 'FAILED', pdf_url: null });
    // The knob off again: the next report completes and announces itself (so the absence above is meaningful).
    await control(sb.url, 'PUT', '/faults', { reportFailure: false });
    const ok = await client.generateReport(caseId);
    await waitFor(() => rx.hooks.some((h) => h.json.event_type === 'CASE_REPORT_READY'), 'CASE_REPORT_READY');
    expect(rx.hooks.filter((h) => h.json.event_type === 'CASE_REPORT_READY')).toHaveLength(1);
    expect((await client.getReportFile(ok.id)).status).toBe('COMPLETE');
    expect((await client.getReportFile(rf.id)).status).toBe('FAILED');
  });

  it('duplicate: the same event (same id and body) arrives twice', async () => {
    await control(sb.url, 'PUT', '/faults', { webhook: { duplicate: true } });
    await advance();
    await waitFor(() => rx.hooks.length === 2, 'two copies');
    expect(rx.hooks[0]!.json.id).toBe(rx.hooks[1]!.json.id);
    expect(rx.hooks[0]!.rawBody).toBe(rx.hooks[1]!.rawBody);
  });

  it('delayMs: delivery waits; the log shows pending until it is sent', async () => {
    await control(sb.url, 'PUT', '/faults', { webhook: { delayMs: 400 } });
    await advance();
    const log = await control(sb.url, 'GET', '/deliveries');
    expect(log.deliveries[0].state).toBe('pending');
    expect(rx.hooks).toHaveLength(0);
    await waitFor(() => rx.hooks.length === 1, 'delayed event');
  });

  it('outOfOrder: a later event reaches the receiver before an earlier one', async () => {
    await control(sb.url, 'PUT', '/faults', { webhook: { outOfOrder: true } });
    await advance(2);
    await waitFor(() => rx.hooks.length === 2, 'both events');
    const log = await control(sb.url, 'GET', '/deliveries');
    const bySeq = [...log.deliveries]
      .sort((a: { seq: number }, b: { seq: number }) => a.seq - b.seq)
      .map((d: { event: { id: string } }) => d.event.id);
    expect(rx.hooks.map((h) => h.json.id)).toEqual([...bySeq].reverse());
    const history = (await control(sb.url, 'GET', `/cases/${caseId}`)).overall_status;
    expect(history).toBe('APPLICANT_OPENED');
  });

  it('outOfOrder with a single event still delivers it (after the hold window)', async () => {
    await control(sb.url, 'PUT', '/faults', { webhook: { outOfOrder: true } });
    await advance(1);
    await waitFor(() => rx.hooks.length === 1, 'the held event');
  });
});
