// Lever sandbox webhooks: signed deliveries received by a real HTTP receiver, retries, redelivery and faults.
import { createHmac } from 'node:crypto';
import { LeverClient, resetLeverRateLimiters } from '../../src/lever/client';
import { LeverWebhookBody, StageChangeData } from '../../src/lever/schemas';
import { verifyLeverSignature } from '../../src/lever/signature';
import { setLogSink } from '../../src/logger';
import { LeverSandbox, SEED_STAGES, startLeverSandbox } from '@lever-certn/sandbox/lever';
import { createOpp, ctl, SEED_KEY, startReceiver } from './lever-helpers';

const BG = SEED_STAGES[2]!.id;
const PHONE = SEED_STAGES[1]!.id;

let sb: LeverSandbox;
let rx: Awaited<ReturnType<typeof startReceiver>>;
let client: LeverClient;

const hmac = (key: string, token: string, triggeredAt: number) =>
  createHmac('sha256', key)
    .update(token + String(triggeredAt))
    .digest('hex');

async function register(
  event?: string,
  verify = true,
): Promise<{ id: string; signatureToken: string; verifyDeliveryId: string | null }> {
  const r = await ctl(sb, 'POST', '/webhooks', { url: rx.url, event, verify });
  expect(r.status).toBe(201);
  await sb.webhooksIdle();
  return r.body.data;
}

beforeAll(async () => {
  setLogSink(() => undefined);
  sb = await startLeverSandbox({ webhookRetryBaseMs: 5, webhookTimeoutMs: 300 });
});
afterAll(async () => {
  await sb.stop();
});
beforeEach(async () => {
  await ctl(sb, 'POST', '/reset');
  resetLeverRateLimiters();
  rx = await startReceiver();
  client = new LeverClient({ baseUrl: `${sb.url}/v1`, apiKey: SEED_KEY, budget: false });
});
afterEach(async () => {
  await sb.webhooksIdle();
  await rx.stop();
});

describe('registration', () => {
  it('returns a ~48-char signature token and sends a signed candidateHired verify ping with data {}', async () => {
    const hook = await register();
    expect(hook.signatureToken).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(rx.received).toHaveLength(1);
    const ping = rx.received[0]!;
    expect(ping.body.event).toBe('candidateHired');
    expect(ping.body.data).toEqual({});
    expect(ping.body.signature).toBe(hmac(hook.signatureToken, ping.body.token, ping.body.triggeredAt));
    expect(ping.headers['content-type']).toMatch(/^application\/json/);
    expect(ping.headers['user-agent']).toBe('Lever-Webhooks');
    const other = await register();
    expect(other.signatureToken).not.toBe(hook.signatureToken);
    expect((await ctl(sb, 'POST', '/webhooks', { url: 'ftp://x' })).status).toBe(400);
  });
});

describe('candidateStageChange', () => {
  it('a public PUT /stage delivers the contract body, signed, with a fresh token each time', async () => {
    const hook = await register(undefined, false);
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    await sb.webhooksIdle(); // deliveries run concurrently: wait so arrival order is the move order
    await client.moveStage(o.id, PHONE);
    await sb.webhooksIdle();
    expect(rx.received).toHaveLength(2);
    const [first, second] = rx.received.map((r) => r);
    expect(Object.keys(first!.body)).toEqual(['triggeredAt', 'event', 'data', 'signature', 'token']);
    const body = LeverWebhookBody.parse(first!.body);
    expect(body.event).toBe('candidateStageChange');
    expect(Number.isInteger(body.triggeredAt)).toBe(true);
    expect(body.token).toHaveLength(48);
    expect(StageChangeData.parse(body.data)).toEqual({
      opportunityId: o.id,
      candidateId: o.id,
      contactId: o.contact,
      toStageId: BG,
      fromStageId: 'lead-new',
    });
    expect(body.signature).toBe(hmac(hook.signatureToken, body.token, body.triggeredAt));
    expect(verifyLeverSignature(hook.signatureToken, body)).toBe(true);
    expect(verifyLeverSignature('wrong-token', body)).toBe(false);
    expect(second!.body.data).toMatchObject({ toStageId: PHONE, fromStageId: BG });
    expect(second!.body.token).not.toBe(first!.body.token);
    expect(first!.headers['user-agent']).toBe('Lever-Webhooks');
    // the delivery log records each delivery and attempt
    const log = (await ctl(sb, 'GET', `/deliveries?opportunityId=${o.id}`)).body.data;
    expect(log.map((d: any) => [d.state, d.attempts.length, d.attempts[0].status])).toEqual([
      ['delivered', 1, 200],
      ['delivered', 1, 200],
    ]);
    expect(log[0].body).toBe(first!.raw);
  });

  it('a control move fires too; a move into the current stage does not; other events go to their own hooks', async () => {
    await register(undefined, false);
    const archiveHook = await register('candidateArchiveChange', false);
    const deleteHook = await register('candidateDeleted', false);
    const o = await createOpp(sb);
    const r = await ctl(sb, 'POST', `/opportunities/${o.id}/move`, { stageId: BG });
    expect(r.body.deliveryIds).toHaveLength(1);
    expect((await ctl(sb, 'POST', `/opportunities/${o.id}/move`, { stageId: BG })).body).toMatchObject({
      moved: false,
      deliveryIds: [],
    });
    await sb.webhooksIdle();
    await ctl(sb, 'POST', `/opportunities/${o.id}/archive`, { reason: 'hired' });
    await sb.webhooksIdle();
    await ctl(sb, 'DELETE', `/opportunities/${o.id}`);
    await sb.webhooksIdle();
    expect(rx.received.map((x) => x.body.event)).toEqual([
      'candidateStageChange',
      'candidateArchiveChange',
      'candidateDeleted',
    ]);
    const archive = rx.received[1]!.body;
    expect(archive.data).toMatchObject({
      opportunityId: o.id,
      fromArchived: null,
      toArchived: { reason: 'hired', archivedAt: expect.any(Number) },
    });
    expect(archive.signature).toBe(hmac(archiveHook.signatureToken, archive.token, archive.triggeredAt));
    const del = rx.received[2]!.body;
    expect(del.signature).toBe(hmac(deleteHook.signatureToken, del.token, del.triggeredAt));
    expect((await client.getOpportunity(o.id).catch((e) => e)).status).toBe(404);
  });
});

describe('retries', () => {
  it('retries non-2xx (3xx included) until a 2xx', async () => {
    await register(undefined, false);
    rx.script.push(500, 302, 404);
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    await sb.webhooksIdle();
    expect(rx.received).toHaveLength(4);
    expect(new Set(rx.received.map((r) => r.raw)).size).toBe(1); // the same body each attempt
    const [d] = (await ctl(sb, 'GET', `/deliveries?opportunityId=${o.id}`)).body.data;
    expect(d.state).toBe('delivered');
    expect(d.attempts.map((a: any) => a.status)).toEqual([500, 302, 404, 200]);
  });

  it('gives up after five more attempts (six in all)', async () => {
    await register(undefined, false);
    rx.script.push(500, 500, 500, 503, 500, 500, 500);
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    await sb.webhooksIdle();
    expect(rx.received).toHaveLength(6);
    const [d] = (await ctl(sb, 'GET', `/deliveries?opportunityId=${o.id}`)).body.data;
    expect(d.state).toBe('failed');
    expect(d.attempts).toHaveLength(6);
  });

  it('treats a receiver that does not answer in time as a failure and retries', async () => {
    await register(undefined, false);
    rx.script.push('hang');
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    await sb.webhooksIdle();
    const [d] = (await ctl(sb, 'GET', `/deliveries?opportunityId=${o.id}`)).body.data;
    expect(d.attempts.map((a: any) => a.error ?? a.status)).toEqual(['timeout', 200]);
    expect(d.state).toBe('delivered');
  });

  it('redeliver re-sends the byte-identical body (like re-running from Lever UI)', async () => {
    await register(undefined, false);
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    await sb.webhooksIdle();
    const [d] = (await ctl(sb, 'GET', `/deliveries?opportunityId=${o.id}`)).body.data;
    const re = await ctl(sb, 'POST', `/deliveries/${d.id}/redeliver`);
    expect(re.status).toBe(201);
    expect(re.body.data.redeliveryOf).toBe(d.id);
    await sb.webhooksIdle();
    expect(rx.received).toHaveLength(2);
    expect(rx.received[1]!.raw).toBe(rx.received[0]!.raw);
    expect((await ctl(sb, 'POST', '/deliveries/nope/redeliver')).status).toBe(404);
  });
});

describe('webhook faults', () => {
  it('drop: n drops exactly the next n deliveries (logged as dropped, redeliverable)', async () => {
    await register(undefined, false);
    await ctl(sb, 'POST', '/faults', { webhook: { drop: 1 } });
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    await client.moveStage(o.id, PHONE);
    await sb.webhooksIdle();
    expect(rx.received.map((r) => r.body.data.toStageId)).toEqual([PHONE]);
    const log = (await ctl(sb, 'GET', `/deliveries?opportunityId=${o.id}`)).body.data;
    expect(log.map((d: any) => d.state)).toEqual(['dropped', 'delivered']);
    await ctl(sb, 'POST', `/deliveries/${log[0].id}/redeliver`);
    await sb.webhooksIdle();
    expect(rx.received.map((r) => r.body.data.toStageId)).toEqual([PHONE, BG]);
  });

  it('drop: a rate of 0.999… drops (almost) everything; 0 drops nothing', async () => {
    await register(undefined, false);
    await ctl(sb, 'POST', '/faults', { webhook: { drop: 0.9999999 } });
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    await sb.webhooksIdle();
    expect(rx.received).toHaveLength(0);
    await ctl(sb, 'POST', '/faults', { webhook: { drop: 0 } });
    await client.moveStage(o.id, PHONE);
    await sb.webhooksIdle();
    expect(rx.received).toHaveLength(1);
  });

  it('duplicate sends the identical body twice', async () => {
    await register(undefined, false);
    await ctl(sb, 'POST', '/faults', { webhook: { duplicate: 1 } });
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    await client.moveStage(o.id, PHONE);
    await sb.webhooksIdle();
    expect(rx.received).toHaveLength(3);
    expect(rx.received.filter((r) => r.body.data.toStageId === BG)).toHaveLength(2);
    const bg = rx.received.filter((r) => r.body.data.toStageId === BG);
    expect(bg[0]!.raw).toBe(bg[1]!.raw);
  });

  it('duplicate: true sends every delivery twice, each pair byte-identical and validly signed', async () => {
    const hook = await register(undefined, false);
    await ctl(sb, 'POST', '/faults', { webhook: { duplicate: true } });
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    await sb.webhooksIdle();
    await client.moveStage(o.id, PHONE);
    await sb.webhooksIdle();
    expect(rx.received.map((r) => r.body.data.toStageId)).toEqual([BG, BG, PHONE, PHONE]);
    expect(rx.received[0]!.raw).toBe(rx.received[1]!.raw);
    expect(rx.received[2]!.raw).toBe(rx.received[3]!.raw);
    for (const r of rx.received)
      expect(r.body.signature).toBe(hmac(hook.signatureToken, r.body.token, r.body.triggeredAt));
    const log = (await ctl(sb, 'GET', `/deliveries?opportunityId=${o.id}`)).body.data;
    expect(log.filter((d: any) => d.duplicateOf).length).toBe(2);
    await ctl(sb, 'POST', '/faults', { webhook: { duplicate: null } });
    await client.moveStage(o.id, BG);
    await sb.webhooksIdle();
    expect(rx.received).toHaveLength(5);
  });

  it('outOfOrder delivers the newer event before the one it overtook', async () => {
    await register(undefined, false);
    await ctl(sb, 'POST', '/faults', { webhook: { outOfOrder: true } });
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    await sb.webhooksIdle();
    expect(rx.received).toHaveLength(0); // held
    await client.moveStage(o.id, PHONE);
    await sb.webhooksIdle();
    expect(rx.received.map((r) => r.body.data.toStageId)).toEqual([PHONE, BG]);
    expect(rx.received[0]!.body.triggeredAt).toBeGreaterThanOrEqual(rx.received[1]!.body.triggeredAt);
    // a held delivery can be flushed explicitly
    await client.moveStage(o.id, BG);
    expect((await ctl(sb, 'POST', '/webhooks/flush')).body.flushed).toBe(1);
    await sb.webhooksIdle();
    expect(rx.received).toHaveLength(3);
  });

  it('delayMs holds the first attempt back', async () => {
    await register(undefined, false);
    await ctl(sb, 'POST', '/faults', { webhook: { delayMs: 400 } });
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    const [d] = (await ctl(sb, 'GET', `/deliveries?opportunityId=${o.id}`)).body.data;
    expect([d.state, d.attempts.length, rx.received.length]).toEqual(['pending', 0, 0]);
    await sb.webhooksIdle();
    expect(rx.received).toHaveLength(1);
  });
});
