// Issue 11's "Known today" list, one test each: requests the first fuzz run answered 500 (or 404 for TRACE) must be
// answered 4xx with a clear message, start nothing in Temporal, change nothing in the store, and leave the API up.
import { deflateSync } from 'node:zlib';
import {
  FuzzEnv,
  apiUp,
  certnHeaders,
  leverDelivery,
  send,
  spentTokens,
  startFuzzEnv,
  stopFuzzEnv,
  storeDigest,
  workflowCount,
} from './fuzz-env';

let env: FuzzEnv;
let digest: string;

beforeAll(async () => {
  env = await startFuzzEnv();
  digest = storeDigest(env, SPENT_TOKENS);
});

/** Verified Lever deliveries spend their token whatever the outcome (issue 8): that table may grow, nothing else. */
const SPENT_TOKENS = ['lever_deliveries'];
afterAll(async () => {
  await stopFuzzEnv(env);
});

let tokensAtStart = 0;
beforeEach(() => {
  if (env) tokensAtStart = spentTokens(env);
});

async function expectNothingChanged(opts: { signed?: boolean } = {}): Promise<void> {
  expect(await workflowCount(env)).toBe(0);
  expect(storeDigest(env, SPENT_TOKENS)).toBe(digest);
  if (!opts.signed) expect(spentTokens(env)).toBe(tokensAtStart);
  expect(await apiUp(env)).toBe(true);
}

describe('invalid percent-encoding in a path parameter → 400', () => {
  const auth = () => ({ authorization: `Bearer ${env.sys.adminToken}` });
  it.each([
    ['POST', '/webhooks/lever/%ff'],
    ['POST', '/webhooks/lever/%E0%A4%A'],
    ['GET', '/webhooks/certn/%ff?challenge=x'],
    ['POST', '/webhooks/certn/%ff'],
    ['GET', '/reports/a/b/%ff?sig=x'],
    ['GET', '/reports/%ff/b/final?sig=x'],
    ['GET', '/api/admin/teams/%ff'],
    ['POST', '/api/admin/teams/%ff/enable'],
    ['GET', '/api/admin/teams/x/checks/%ff'],
  ])('%s %s', async (method, path) => {
    const r = await send(env, 'request-errors', method, path, method === 'POST' ? '{}' : undefined, {
      'content-type': 'application/json',
      ...auth(),
    });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'bad_request', message: expect.stringMatching(/percent-encoding/) });
    await expectNothingChanged();
  });
});

describe('Content-Encoding on a body that is not compressed → 4xx before anything else', () => {
  const cases: [string, string][] = [
    ['gzip', 'lever'],
    ['deflate', 'lever'],
    ['gzip', 'certn'],
    ['deflate', 'certn'],
    ['gzip', 'admin'],
    ['br', 'lever'],
  ];
  it.each(cases)('%s on the %s endpoint', async (encoding, endpoint) => {
    const body = JSON.stringify({ name: 'x' });
    const path = endpoint === 'lever' ? env.leverPath : endpoint === 'certn' ? env.certnPath : '/api/admin/teams';
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-encoding': encoding,
      authorization: `Bearer ${env.sys.adminToken}`,
      ...(endpoint === 'certn' ? certnHeaders(env.webhookSecret, body) : {}),
    };
    const r = await send(env, 'request-errors', 'POST', path, body, headers);
    expect([400, 415]).toContain(r.status);
    expect(typeof r.json?.error).toBe('string');
    await expectNothingChanged();
  });

  it('a really deflated signed Certn callback is still refused (415): Certn never compresses', async () => {
    const raw = JSON.stringify({ id: 'e1', event_type: 'CASE_STATUS_CHANGED', object_id: 'c1', object_type: 'CASE' });
    const r = await send(env, 'request-errors', 'POST', env.certnPath, deflateSync(raw), {
      ...certnHeaders(env.webhookSecret, raw),
      'content-encoding': 'deflate',
    });
    expect(r.status).toBe(415);
    await expectNothingChanged();
  });
});

describe('a validly signed stage change whose opportunityId cannot be a workflow id', () => {
  it.each([
    ['longer than Temporal allows', 'o'.repeat(1100)],
    ['a control character', 'opp\u0000x'],
    ['a path separator and spaces', '../../etc passwd'],
    ['unicode', 'opp-ümlaut-😀'],
  ])('%s → 400 malformed, nothing started, the token spent', async (_what, opportunityId) => {
    const tokensBefore = spentTokens(env);
    const body = leverDelivery(env.signatureToken, {
      opportunityId,
      toStageId: env.triggerStageId,
      fromStageId: null,
    });
    const r = await send(env, 'request-errors', 'POST', env.leverPath, JSON.stringify(body), {
      'content-type': 'application/json',
    });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'malformed', fields: { 'data.opportunityId': expect.any(String) } });
    // Spent: Lever's retries of a delivery that can never succeed are duplicates, not five more 400s.
    expect(spentTokens(env)).toBe(tokensBefore + 1);
    await expectNothingChanged({ signed: true });
  });
});

describe('methods', () => {
  it.each(['/', '/healthz', 'lever', '/api/admin/teams'])('TRACE %s → 405', async (p) => {
    const r = await send(env, 'request-errors', 'TRACE', p === 'lever' ? env.leverPath : p);
    expect(r.status).toBe(405);
    expect(r.json).toMatchObject({ error: 'method_not_allowed' });
    await expectNothingChanged();
  });
});
