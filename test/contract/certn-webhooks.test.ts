// Certn sandbox webhooks: endpoint verification, signed thin payloads, event kinds, retries, delivery log.
import { createHmac } from 'node:crypto';
import { CertnClient } from '../../src/certn/client';
import { CertnWebhookEvent } from '../../src/certn/schemas';
import { setLogSink } from '../../src/logger';
import { startCertnSandbox, type CertnSandbox } from '@lever-certn/sandbox/certn';
import { SEED_KEY, control, startReceiver, waitFor, type Receiver } from './certn-helpers';

const SECRET = 'whsec_sandbox_test';
let sb: CertnSandbox;
let client: CertnClient;
let rx: Receiver;

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
  await control(sb.url, 'PUT', '/tuning', { retryBaseMs: 5 });
  rx = await startReceiver();
});
afterEach(async () => {
  await rx.close();
});

const hmacHex = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

describe('endpoint verification', () => {
  it('verifies with GET ?challenge= and activates delivery', async () => {
    const info = await control(sb.url, 'PUT', '/webhook', { url: rx.url, secret: SECRET });
    expect(info).toMatchObject({ url: rx.url, status: 'active', hasSecret: true });
    expect(info.secret).toBeUndefined();
    expect(rx.challenges).toHaveLength(1);
    expect(rx.challenges[0]).toMatch(/^[0-9a-f]{16,}$/);
  });

  it.each(['wrong', 'status500'] as const)('a receiver failing the challenge (%s) gets no deliveries', async (mode) => {
    rx.challengeMode = mode;
    const info = await control(sb.url, 'PUT', '/webhook', { url: rx.url, secret: SECRET });
    expect(info.status).toBe('disabled');
    expect(info.reason).toEqual(expect.any(String));
    expect((await control(sb.url, 'GET', '/state')).webhook.status).toBe('disabled');

    const c = await client.orderCase({ emailAddress: 'x@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] });
    await control(sb.url, 'POST', `/cases/${c.id}/advance`, { steps: 3 });
    const log = await control(sb.url, 'GET', '/deliveries');
    expect(log.deliveries).toHaveLength(3);
    expect(
      log.deliveries.every(
        (d: { state: string; attempts: unknown[] }) => d.state === 'skipped' && d.attempts.length === 0,
      ),
    ).toBe(true);

    // Proof that nothing is merely late: a working receiver configured afterwards gets only new events.
    const rx2 = await startReceiver();
    try {
      await control(sb.url, 'PUT', '/webhook', { url: rx2.url, secret: SECRET });
      await control(sb.url, 'POST', `/cases/${c.id}/advance`);
      await waitFor(() => rx2.hooks.length === 1, 'delivery to the second receiver');
    } finally {
      await rx2.close();
    }
    expect(rx.hooks).toHaveLength(0);
  });

  it('sends the challenge GET before any delivery: an event raised while verifying waits for the answer', async () => {
    rx.challengeDelayMs = 300;
    const c = await client.orderCase({ emailAddress: 'early@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] });
    const configuring = control(sb.url, 'PUT', '/webhook', { url: rx.url, secret: SECRET });
    await waitFor(() => rx.challenges.length === 1, 'challenge GET');
    await control(sb.url, 'POST', `/cases/${c.id}/advance`); // emitted while the webhook is still verifying
    expect((await configuring).status).toBe('active');
    await waitFor(() => rx.hooks.length === 1, 'the event raised during verification');
    expect(rx.arrivals).toEqual(['challenge', 'challenge-answered', 'hook']);
    expect(rx.hooks[0]!.signature).toBe(hmacHex(SECRET, rx.hooks[0]!.rawBody));
    // re-configuring verifies again, with a fresh challenge value
    await control(sb.url, 'PUT', '/webhook', { url: rx.url, secret: SECRET });
    expect(rx.challenges).toHaveLength(2);
    expect(rx.challenges[1]).not.toBe(rx.challenges[0]);
  });

  it('a challenge not answered within the timeout (10 s by default) disables delivery', async () => {
    expect((await control(sb.url, 'GET', '/tuning')).challengeTimeoutMs).toBe(10_000);
    await control(sb.url, 'PUT', '/tuning', { challengeTimeoutMs: 100 });
    rx.challengeDelayMs = 1000;
    const info = await control(sb.url, 'PUT', '/webhook', { url: rx.url, secret: SECRET });
    expect(info).toMatchObject({ status: 'disabled', reason: expect.stringMatching(/timed out/) });
    const c = await client.orderCase({ emailAddress: 'slow@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] });
    await control(sb.url, 'POST', `/cases/${c.id}/advance`);
    const log = await control(sb.url, 'GET', '/deliveries');
    expect(log.deliveries.map((d: { state: string }) => d.state)).toEqual(['skipped']);
    expect(rx.arrivals.filter((a) => a === 'hook')).toHaveLength(0);
  });

  it('an unreachable webhook URL is disabled', async () => {
    const dead = rx.url;
    await rx.close();
    const info = await control(sb.url, 'PUT', '/webhook', { url: dead, secret: SECRET });
    expect(info.status).toBe('disabled');
    rx = await startReceiver();
  });
});

describe('deliveries', () => {
  beforeEach(async () => {
    await control(sb.url, 'PUT', '/webhook', { url: rx.url, secret: SECRET });
  });

  it('sends thin, signed CASE_STATUS_CHANGED / CHECK_STATUS_CHANGED / CASE_REPORT_READY events', async () => {
    const c = await client.orderCase({
      emailAddress: 'hooks@example.com',
      checkTypes: ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1'],
    });
    await control(sb.url, 'POST', `/cases/${c.id}/advance`, { steps: 1 });
    await waitFor(() => rx.hooks.length === 1, 'first event');
    const first = rx.hooks[0]!;
    expect(first.signature).toBe(hmacHex(SECRET, first.rawBody));
    expect(first.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(first.signature).not.toBe(hmacHex('another-secret', first.rawBody));
    expect(Object.keys(first.json).sort()).toEqual(['event_type', 'id', 'object_id', 'object_type']);
    expect(first.json).toMatchObject({ event_type: 'CASE_STATUS_CHANGED', object_type: 'CASE', object_id: c.id });
    expect(CertnWebhookEvent.safeParse(first.json).success).toBe(true);

    // 3 more case steps, IN_PROGRESS (1 case + 2 check events), then both checks complete (2 check + 1 case event).
    await control(sb.url, 'POST', `/cases/${c.id}/advance`, { steps: 6 });
    const rf = await client.generateReport(c.id);
    await waitFor(() => rx.hooks.some((h) => h.json.event_type === 'CASE_REPORT_READY'), 'CASE_REPORT_READY');
    await waitFor(() => rx.hooks.length === 1 + 5 + 4 + 1, 'all events');
    expect(rx.hooks.filter((h) => h.json.event_type === 'CASE_STATUS_CHANGED')).toHaveLength(6);
    for (const h of rx.hooks) expect(h.signature).toBe(hmacHex(SECRET, h.rawBody));

    const checkIds = new Set(c.checks.map((x) => x.id));
    const checkEvents = rx.hooks.filter((h) => h.json.event_type === 'CHECK_STATUS_CHANGED');
    expect(checkEvents).toHaveLength(4);
    for (const h of checkEvents) {
      expect(h.json.object_type).toBe('CHECK');
      expect(checkIds.has(h.json.object_id)).toBe(true);
    }
    const ready = rx.hooks.find((h) => h.json.event_type === 'CASE_REPORT_READY')!;
    expect(ready.json).toMatchObject({ object_type: 'CASE', object_id: c.id });
    expect((await client.getReportFile(rf.id)).status).toBe('COMPLETE');
    expect(new Set(rx.hooks.map((h) => h.json.id)).size).toBe(rx.hooks.length);

    const log = await control(sb.url, 'GET', '/deliveries');
    expect(log.deliveries.every((d: { state: string }) => d.state === 'delivered')).toBe(true);
  });

  it('retries failed deliveries with backoff and records every attempt', async () => {
    rx.failNext = [500, 503];
    const c = await client.orderCase({ emailAddress: 'retry@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] });
    await control(sb.url, 'POST', `/cases/${c.id}/advance`);
    await waitFor(() => rx.hooks.length === 1, 'delivery after retries');
    const log = await control(sb.url, 'GET', '/deliveries');
    expect(log.deliveries).toHaveLength(1);
    expect(log.deliveries[0]).toMatchObject({ state: 'delivered' });
    expect(log.deliveries[0].attempts.map((a: { status: number }) => a.status)).toEqual([500, 503, 200]);
  });

  it('gives up after maxAttempts and marks the delivery failed', async () => {
    await control(sb.url, 'PUT', '/tuning', { maxAttempts: 3 });
    rx.failNext = [500, 500, 500, 500];
    const c = await client.orderCase({ emailAddress: 'giveup@example.com', checkTypes: ['IDENTITY_VERIFICATION_1'] });
    await control(sb.url, 'POST', `/cases/${c.id}/advance`);
    const d = await waitFor(async () => {
      const log = await control(sb.url, 'GET', '/deliveries');
      return log.deliveries[0]?.state === 'failed' ? log.deliveries[0] : null;
    }, 'failed delivery');
    expect(d.attempts).toHaveLength(3);
    expect(rx.hooks).toHaveLength(0);
  });
});
