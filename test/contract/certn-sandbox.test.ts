// Contract tests of the Certn sandbox over HTTP, through CertnClient and raw fetch (contracts/certn.md).
// Over 300 lines: one describe per contract section (auth, orders, lists, reports, errors) on one sandbox.
import { PDFDocument } from 'pdf-lib';
import { CertnApiError, CertnClient } from '../../src/certn/client';
import { CertnCase, CaseList, ReportFile } from '../../src/certn/schemas';
import { setLogSink } from '../../src/logger';
import { startCertnSandbox, type CertnSandbox } from '@lever-certn/sandbox/certn';
import { SEED_KEY, api, control, extractPdfText, waitFor } from './certn-helpers';

let sb: CertnSandbox;
let client: CertnClient;

beforeAll(async () => {
  setLogSink(() => undefined);
  sb = await startCertnSandbox({ port: 0 });
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

const order = (email = 'jane@example.com', checkTypes = ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1']) =>
  client.orderCase({ emailAddress: email, checkTypes });

describe('authentication', () => {
  it('401 client_error without a key, with a bad key, and with a revoked key', async () => {
    const none = await api(sb.url, 'GET', '/api/public/cases/', { key: null });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({
      type: 'client_error',
      errors: [expect.objectContaining({ code: expect.any(String), detail: expect.any(String) })],
    });
    const bad = await api(sb.url, 'GET', '/api/public/cases/', { key: 'nope' });
    expect(bad.status).toBe(401);
    expect(bad.body.type).toBe('client_error');
    const bearer = await fetch(`${sb.url}/api/public/cases/`, { headers: { Authorization: `Bearer ${SEED_KEY}` } });
    expect(bearer.status).toBe(401);

    const { key } = await control(sb.url, 'POST', '/api-keys', {});
    expect((await api(sb.url, 'GET', '/api/public/cases/', { key })).status).toBe(200);
    await control(sb.url, 'DELETE', `/api-keys/${encodeURIComponent(key)}`);
    expect((await api(sb.url, 'GET', '/api/public/cases/', { key })).status).toBe(401);
  });

  it('several keys are active at once; verifyKey passes for good keys and throws 401 otherwise', async () => {
    const { key } = await control(sb.url, 'POST', '/api-keys', { key: 'second-key' });
    expect(key).toBe('second-key');
    await expect(client.verifyKey()).resolves.toBeUndefined();
    await expect(new CertnClient({ baseUrl: sb.url, apiKey: 'second-key' }).verifyKey()).resolves.toBeUndefined();
    const e = await errOf(new CertnClient({ baseUrl: sb.url, apiKey: 'wrong-key-value' }).verifyKey());
    expect(e).toMatchObject({ status: 401, type: 'client_error', retryable: false });
    expect(e.message).not.toContain('wrong-key-value');
  });
});

/** The contract's error body, to the letter: {type, errors: [{code, detail, attr}]}, nothing else. */
function expectCertnError(body: any, type: 'validation_error' | 'client_error' | 'server_error'): void {
  expect(Object.keys(body).sort()).toEqual(['errors', 'type']);
  expect(body.type).toBe(type);
  expect(body.errors.length).toBeGreaterThan(0);
  for (const e of body.errors) {
    expect(Object.keys(e).sort()).toEqual(['attr', 'code', 'detail']);
    expect(typeof e.code).toBe('string');
    expect(typeof e.detail).toBe('string');
    expect(e.attr === null || typeof e.attr === 'string').toBe(true);
  }
}

describe('every endpoint', () => {
  const ENDPOINTS = (caseId: string, fileId: string): [string, string, unknown?][] => [
    [
      'POST',
      '/api/public/cases/order/',
      { email_address: 'e@example.com', check_types_with_arguments: { IDENTITY_VERIFICATION_1: {} } },
    ],
    ['GET', '/api/public/cases/'],
    ['GET', `/api/public/cases/?email_address=e@example.com&order_timeframe_after=${new Date(0).toISOString()}`],
    ['GET', `/api/public/cases/${caseId}/`],
    ['POST', `/api/public/cases/${caseId}/generate-report/`],
    ['GET', `/api/public/cases/report-files/${fileId}/`],
    ['POST', `/api/public/cases/${caseId}/cancel/`],
  ];

  it('401 client_error without the Api-Key header, with another scheme or with a bad key', async () => {
    const c = await order();
    const rf = await client.generateReport(c.id);
    const before = (await control(sb.url, 'GET', '/cases')).orderCount;
    for (const [method, path, body] of ENDPOINTS(c.id, rf.id)) {
      for (const authorization of [undefined, SEED_KEY, `Bearer ${SEED_KEY}`, `Token ${SEED_KEY}`, 'Api-Key nope']) {
        const res = await fetch(sb.url + path, {
          method,
          headers: {
            ...(authorization ? { Authorization: authorization } : {}),
            ...(body ? { 'Content-Type': 'application/json' } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
        });
        expect([method, path, authorization, res.status]).toEqual([method, path, authorization, 401]);
        expectCertnError(await res.json(), 'client_error');
      }
      const ok = await api(sb.url, method, path, { body });
      expect([method, path, ok.status < 300]).toEqual([method, path, true]);
    }
    expect((await control(sb.url, 'GET', '/cases')).orderCount).toBe(before + 1); // only the authenticated order
    expect((await client.getCase(c.id)).overall_status).toBe('CANCELLED'); // the authenticated cancel went through
  });

  it('404 client_error for an unknown case or report file on every endpoint that takes an id', async () => {
    for (const [method, path] of ENDPOINTS('no-such-case', 'no-such-file').filter(([, p]) => p.includes('no-such'))) {
      const r = await api(sb.url, method, path);
      expect([method, path, r.status]).toEqual([method, path, 404]);
      expectCertnError(r.body, 'client_error');
    }
  });

  it('error bodies are exactly {type, errors:[{code, detail, attr}]} for 400, 401, 403, 404, 429 and 500', async () => {
    const v = await api(sb.url, 'POST', '/api/public/cases/order/', { body: { email_address: 'x' } });
    expect(v.status).toBe(400);
    expectCertnError(v.body, 'validation_error');
    const listBad = await api(sb.url, 'GET', '/api/public/cases/?page_size=0');
    expect(listBad.status).toBe(400);
    expectCertnError(listBad.body, 'validation_error');
    const u = await api(sb.url, 'GET', '/api/public/cases/', { key: null });
    expect(u.status).toBe(401);
    expectCertnError(u.body, 'client_error');
    const f = await fetch(`${sb.url}/_files/report-files/x.pdf?expires=1&signature=${'0'.repeat(64)}`);
    expect(f.status).toBe(403);
    expectCertnError(await f.json(), 'client_error');
    const nf = await api(sb.url, 'GET', '/api/public/cases/missing/');
    expect(nf.status).toBe(404);
    expectCertnError(nf.body, 'client_error');
    await control(sb.url, 'PUT', '/faults', { rateLimitStorm: { requests: 1 } });
    const rl = await api(sb.url, 'GET', '/api/public/cases/');
    expect(rl.status).toBe(429);
    expectCertnError(rl.body, 'client_error');
    await control(sb.url, 'PUT', '/faults', { errorRate: 1, errorStatus: 500 });
    const se = await api(sb.url, 'GET', '/api/public/cases/');
    expect(se.status).toBe(500);
    expectCertnError(se.body, 'server_error');
  });
});

describe('ordering', () => {
  it('creates a case in CASE_ORDERED with one PENDING check per type (201)', async () => {
    const raw = await api(sb.url, 'POST', '/api/public/cases/order/', {
      body: {
        email_address: 'jane@example.com',
        send_invite_email: true,
        return_invite_link: false,
        check_types_with_arguments: { CRIMINAL_RECORD_CHECK: {}, IDENTITY_VERIFICATION_1: {} },
      },
    });
    expect(raw.status).toBe(201);
    const c = CertnCase.parse(raw.body);
    expect(c.overall_status).toBe('CASE_ORDERED');
    expect(c.email_address).toBe('jane@example.com');
    expect(c.checks.map((x) => [x.check_type, x.status])).toEqual([
      ['CRIMINAL_RECORD_CHECK', 'PENDING'],
      ['IDENTITY_VERIFICATION_1', 'PENDING'],
    ]);
    expect(new Set(c.checks.map((x) => x.id)).size).toBe(2);
    expect(raw.body.invite_link).toBeUndefined();

    const viaClient = await order('john@example.com', ['EMPLOYMENT_VERIFICATIONS_1']);
    expect(viaClient.checks).toHaveLength(1);
    const cases = await control(sb.url, 'GET', '/cases');
    expect(cases.count).toBe(2);
    expect(cases.orderCount).toBe(2);
  });

  it('has no idempotency: the same order sent twice creates two cases, both found by the look-up', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const body = {
      email_address: 'twice@example.com',
      send_invite_email: true,
      return_invite_link: false,
      check_types_with_arguments: { CRIMINAL_RECORD_CHECK: {} },
    };
    const a = await api(sb.url, 'POST', '/api/public/cases/order/', { body });
    const b = await api(sb.url, 'POST', '/api/public/cases/order/', { body });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    const found = await api(
      sb.url,
      'GET',
      `/api/public/cases/?email_address=twice%40example.com&order_timeframe_after=${encodeURIComponent(since)}`,
    );
    expect(found.body.pagination.result_count).toBe(2);
    expect(found.body.results.map((c: { id: string }) => c.id).sort()).toEqual([a.body.id, b.body.id].sort());
  });

  it('returns an invite link only when asked', async () => {
    const raw = await api(sb.url, 'POST', '/api/public/cases/order/', {
      body: {
        email_address: 'a@example.com',
        send_invite_email: false,
        return_invite_link: true,
        check_types_with_arguments: { IDENTITY_VERIFICATION_1: {} },
      },
    });
    expect(raw.status).toBe(201);
    expect(raw.body.invite_link).toMatch(/^http/);
  });

  it('400 validation_error with per-field errors', async () => {
    const bad = await api(sb.url, 'POST', '/api/public/cases/order/', {
      body: {
        email_address: 'not-an-email',
        check_types_with_arguments: { NOT_A_CHECK: {}, IDENTITY_VERIFICATION_1: {} },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('validation_error');
    const attrs = bad.body.errors.map((e: { attr: string }) => e.attr);
    expect(attrs).toEqual(expect.arrayContaining(['email_address', 'check_types_with_arguments.NOT_A_CHECK']));
    expect(attrs).not.toContain('check_types_with_arguments.IDENTITY_VERIFICATION_1');

    const empty = await api(sb.url, 'POST', '/api/public/cases/order/', {
      body: { email_address: 'a@example.com', check_types_with_arguments: {} },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([expect.objectContaining({ attr: 'check_types_with_arguments' })]);

    const missing = await api(sb.url, 'POST', '/api/public/cases/order/', { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { attr: string }) => e.attr).sort()).toEqual([
      'check_types_with_arguments',
      'email_address',
    ]);

    const malformed = await api(sb.url, 'POST', '/api/public/cases/order/', { rawBody: '{"email_address": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.type).toBe('validation_error');

    const e = await errOf(order('a@example.com', ['BOGUS_1']));
    expect(e).toMatchObject({ status: 400, type: 'validation_error', retryable: false });
    expect(e.errors[0]?.attr).toBe('check_types_with_arguments.BOGUS_1');

    const state = await control(sb.url, 'GET', '/cases');
    expect(state.count).toBe(0);
    expect(state.orderCount).toBe(0);
    expect(state.orderRequests).toBe(4); // malformed JSON never reaches the order handler
  });
});

describe('reading and listing', () => {
  it('gets a case; 404 client_error for an unknown id and unknown routes', async () => {
    const c = await order();
    expect(await client.getCase(c.id)).toEqual(c);
    const nf = await api(sb.url, 'GET', '/api/public/cases/does-not-exist/');
    expect(nf.status).toBe(404);
    expect(nf.body).toEqual({ type: 'client_error', errors: [expect.objectContaining({ code: 'not_found' })] });
    expect((await errOf(client.getCase('nope'))).status).toBe(404);
    expect((await api(sb.url, 'GET', '/api/public/nothing-here/')).status).toBe(404);
  });

  it('paginates with page/page_size and the pagination object', async () => {
    for (let i = 0; i < 5; i++) await order(`p${i}@example.com`);
    const p1 = await api(sb.url, 'GET', '/api/public/cases/?page_size=2');
    expect(p1.status).toBe(200);
    const l1 = CaseList.parse(p1.body);
    expect(l1.pagination).toEqual({
      result_count: 5,
      page_count: 3,
      page_size: 2,
      current_page: 1,
      next_page: 2,
      previous_page: null,
    });
    expect(l1.results).toHaveLength(2);
    const l3 = CaseList.parse((await api(sb.url, 'GET', '/api/public/cases/?page_size=2&page=3')).body);
    expect(l3.pagination).toMatchObject({ current_page: 3, next_page: null, previous_page: 2 });
    expect(l3.results).toHaveLength(1);
    const l2 = CaseList.parse((await api(sb.url, 'GET', '/api/public/cases/?page_size=2&page=2')).body);
    const ids = [...l1.results, ...l2.results, ...l3.results].map((c) => c.id);
    expect(new Set(ids).size).toBe(5);
    expect((await api(sb.url, 'GET', '/api/public/cases/?page_size=2&page=4')).status).toBe(404);
    expect((await api(sb.url, 'GET', '/api/public/cases/?page=zero')).status).toBe(400);
  });

  it('client.listCases follows every page', async () => {
    for (let i = 0; i < 130; i++)
      sb.state.order({ email: 'many@example.com', checkTypes: { IDENTITY_VERIFICATION_1: {} }, sendInviteEmail: true });
    await order('other@example.com');
    const all = await client.listCases({ emailAddress: 'many@example.com' });
    expect(all).toHaveLength(130);
    expect(new Set(all.map((c) => c.id)).size).toBe(130);
    expect(await client.listCases()).toHaveLength(131);
  });

  it('filters by email_address, overall_status[] and order timeframe', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    const a = await order('filter-a@example.com');
    const b = await order('filter-b@example.com');
    await control(sb.url, 'POST', `/cases/${b.id}/advance`, { steps: 1 });
    expect((await client.listCases({ emailAddress: 'FILTER-A@example.com' })).map((c) => c.id)).toEqual([a.id]);
    expect((await client.listCases({ overallStatus: ['APPLICANT_INVITED'] })).map((c) => c.id)).toEqual([b.id]);
    expect(
      (await client.listCases({ overallStatus: ['APPLICANT_INVITED', 'CASE_ORDERED'] })).map((c) => c.id).sort(),
    ).toEqual([a.id, b.id].sort());
    expect(await client.listCases({ emailAddress: 'filter-a@example.com', orderTimeframeAfter: before })).toHaveLength(
      1,
    );
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await client.listCases({ orderTimeframeAfter: future })).toHaveLength(0);
    expect(await client.listCases({ orderTimeframeBefore: before })).toHaveLength(0);
    expect(await client.listCases({ orderTimeframeBefore: future })).toHaveLength(2);
    const badDate = await api(sb.url, 'GET', '/api/public/cases/?order_timeframe_after=yesterday');
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors[0].attr).toBe('order_timeframe_after');
    const badStatus = await api(sb.url, 'GET', '/api/public/cases/?overall_status[]=WHATEVER');
    expect(badStatus.status).toBe(400);
  });
});

describe('cancel', () => {
  it('cancels (idempotently), closes open checks, refuses a completed case', async () => {
    const c = await order();
    const cancelled = await client.cancelCase(c.id);
    expect(cancelled.overall_status).toBe('CANCELLED');
    expect(cancelled.checks.every((x) => x.status === 'CANCELLED')).toBe(true);
    expect((await client.cancelCase(c.id)).overall_status).toBe('CANCELLED');

    const done = await order();
    await control(sb.url, 'POST', `/cases/${done.id}/advance`, { steps: 50 });
    const e = await errOf(client.cancelCase(done.id));
    expect(e).toMatchObject({ status: 400, type: 'validation_error', retryable: false });
    expect((await errOf(client.cancelCase('missing'))).status).toBe(404);
  });
});

describe('lifecycle', () => {
  it('walks the main path, then completes checks one by one, then COMPLETE', async () => {
    const c = await order('life@example.com', [
      'CRIMINAL_RECORD_CHECK',
      'IDENTITY_VERIFICATION_1',
      'EMPLOYMENT_VERIFICATIONS_1',
    ]);
    const seen: string[] = [];
    const step = async () => {
      await control(sb.url, 'POST', `/cases/${c.id}/advance`);
      const now = await client.getCase(c.id);
      seen.push(`${now.overall_status}:${now.checks.map((x) => x.status).join(',')}`);
      return now;
    };
    for (let i = 0; i < 5; i++) await step();
    expect(seen).toEqual([
      'APPLICANT_INVITED:PENDING,PENDING,PENDING',
      'APPLICANT_OPENED:PENDING,PENDING,PENDING',
      'APPLICANT_STARTED:PENDING,PENDING,PENDING',
      'APPLICANT_SUBMITTED:PENDING,PENDING,PENDING',
      'IN_PROGRESS:IN_PROGRESS,IN_PROGRESS,IN_PROGRESS',
    ]);
    expect((await step()).overall_status).toBe('IN_PROGRESS');
    expect((await step()).overall_status).toBe('IN_PROGRESS');
    const last = await step();
    expect(seen.slice(5)).toEqual([
      'IN_PROGRESS:COMPLETE,IN_PROGRESS,IN_PROGRESS',
      'IN_PROGRESS:COMPLETE,COMPLETE,IN_PROGRESS',
      'COMPLETE:COMPLETE,COMPLETE,COMPLETE',
    ]);
    expect(last.overall_status).toBe('COMPLETE');
    const r = await control(sb.url, 'POST', `/cases/${c.id}/advance`);
    expect(r.changed).toBe(0);
    const inspected = await control(sb.url, 'GET', `/cases/${c.id}`);
    expect(inspected.history.map((h: { status: string }) => h.status)).toEqual([
      'CASE_ORDERED',
      'APPLICANT_INVITED',
      'APPLICANT_OPENED',
      'APPLICANT_STARTED',
      'APPLICANT_SUBMITTED',
      'IN_PROGRESS',
      'COMPLETE',
    ]);
  });

  it('auto-advances globally and per case', async () => {
    const a = await order('auto-a@example.com');
    await control(sb.url, 'PUT', '/auto-advance', { enabled: true, stepDelayMs: 2 });
    await waitFor(async () => (await client.getCase(a.id)).overall_status === 'COMPLETE', 'global auto-advance');

    await control(sb.url, 'PUT', '/auto-advance', { enabled: false });
    const b = await order('auto-b@example.com');
    const c = await order('auto-c@example.com');
    const perCase = await control(sb.url, 'PUT', `/cases/${b.id}/auto-advance`, { enabled: true, stepDelayMs: 2 });
    expect(perCase.effectiveAutoAdvance).toEqual({ enabled: true, stepDelayMs: 2 });
    await waitFor(async () => (await client.getCase(b.id)).overall_status === 'COMPLETE', 'per-case auto-advance');
    expect((await client.getCase(c.id)).overall_status).toBe('CASE_ORDERED');
  });

  it('auto-advance stops at a hold and resumes after the control pushes it back', async () => {
    const c = await order();
    await control(sb.url, 'POST', `/cases/${c.id}/advance`, { steps: 5 });
    await control(sb.url, 'POST', `/cases/${c.id}/side-path`, { status: 'CLIENT_ACTION_REQUIRED' });
    await control(sb.url, 'PUT', `/cases/${c.id}/auto-advance`, { enabled: true, stepDelayMs: 1 });
    const held = await control(sb.url, 'GET', `/cases/${c.id}`);
    expect(held.overall_status).toBe('CLIENT_ACTION_REQUIRED');
    await control(sb.url, 'POST', `/cases/${c.id}/side-path`, { status: 'IN_PROGRESS' });
    await waitFor(async () => (await client.getCase(c.id)).overall_status === 'COMPLETE', 'resume after hold');
  });

  it.each([
    ['INVITE_UNDELIVERABLE', 0],
    ['INVITE_UNDELIVERABLE', 1],
    ['APPLICANT_EXPIRED', 3],
    ['CANCELLED', 6],
    ['IN_DISPUTE', 5],
    ['APPLICANT_ACTION_REQUIRED', 4],
    ['CLIENT_ACTION_REQUIRED', 6],
  ])('side path %s after %i steps', async (status, steps) => {
    const c = await order();
    if (steps > 0) await control(sb.url, 'POST', `/cases/${c.id}/advance`, { steps });
    const pushed = await control(sb.url, 'POST', `/cases/${c.id}/side-path`, { status });
    expect(pushed.overall_status).toBe(status);
    expect((await client.getCase(c.id)).overall_status).toBe(status);
    const afterAdvance = (await control(sb.url, 'POST', `/cases/${c.id}/advance`)).case.overall_status;
    if (['IN_DISPUTE', 'APPLICANT_ACTION_REQUIRED', 'CLIENT_ACTION_REQUIRED'].includes(status))
      expect(afterAdvance).toBe('IN_PROGRESS');
    else expect(afterAdvance).toBe(status); // terminal
  });

  it('refuses side paths that make no sense (409) and unknown statuses (400)', async () => {
    const c = await order();
    await expect(control(sb.url, 'POST', `/cases/${c.id}/side-path`, { status: 'IN_DISPUTE' })).rejects.toMatchObject({
      status: 409,
    });
    await expect(control(sb.url, 'POST', `/cases/${c.id}/side-path`, { status: 'IN_PROGRESS' })).rejects.toMatchObject({
      status: 409,
    });
    await expect(control(sb.url, 'POST', `/cases/${c.id}/side-path`, { status: 'COMPLETE' })).rejects.toMatchObject({
      status: 400,
    });
    await control(sb.url, 'POST', `/cases/${c.id}/advance`, { steps: 4 });
    await expect(
      control(sb.url, 'POST', `/cases/${c.id}/side-path`, { status: 'INVITE_UNDELIVERABLE' }),
    ).rejects.toMatchObject({ status: 409 });
    await expect(control(sb.url, 'POST', `/cases/missing/side-path`, { status: 'CANCELLED' })).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('reports', () => {
  it('generates a report: PENDING, then COMPLETE with a signed pdf_url serving a real PDF', async () => {
    const c = await order('report@example.com', ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1']);
    await control(sb.url, 'POST', `/cases/${c.id}/advance`, { steps: 6 }); // one check complete
    const raw = await api(sb.url, 'POST', `/api/public/cases/${c.id}/generate-report/`);
    expect(raw.status).toBe(201);
    const rf = ReportFile.parse(raw.body);
    expect(rf).toMatchObject({ status: 'PENDING', pdf_url: null });

    const done = await waitFor(async () => {
      const f = await client.getReportFile(rf.id);
      return f.status === 'COMPLETE' ? f : null;
    }, 'report COMPLETE');
    expect(done.pdf_url).toMatch(new RegExp(`^${sb.url}/`));
    const url = done.pdf_url!;

    // No Api-Key needed for the signed URL.
    const plain = await fetch(url);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toMatch(/application\/pdf/);

    const bytes = await client.downloadPdf(url);
    expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(1);
    expect(doc.getTitle()).toContain(c.id);
    const text = extractPdfText(bytes);
    expect(text).toContain(c.id);
    expect(text).toContain('report@example.com');
    expect(text).toContain('Overall status: IN_PROGRESS');
    expect(text).toContain('CRIMINAL_RECORD_CHECK: COMPLETE');
    expect(text).toContain('IDENTITY_VERIFICATION_1: IN_PROGRESS');
    expect(text).toMatch(/Generated: \d{4}-\d\d-\d\dT/);
    expect(text).not.toContain('some-other-case-id');
  });

  it('403 for forged or expired signatures; FAILED reports have no URL; 404s', async () => {
    const c = await order();
    const rf = await client.generateReport(c.id);
    const done = await waitFor(async () => {
      const f = await client.getReportFile(rf.id);
      return f.status === 'COMPLETE' ? f : null;
    }, 'COMPLETE');
    const u = new URL(done.pdf_url!);
    const forged = new URL(u);
    forged.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 1000));
    const f = await fetch(forged);
    expect(f.status).toBe(403);
    expect(await f.json()).toMatchObject({ type: 'client_error' });
    const noSig = new URL(u);
    noSig.search = '';
    expect((await fetch(noSig)).status).toBe(403);
    expect((await errOf(client.downloadPdf(forged.toString()))).status).toBe(403);

    await control(sb.url, 'PUT', '/tuning', { pdfUrlTtlMs: 0 });
    const expiredUrl = (await client.getReportFile(rf.id)).pdf_url!;
    const ex = await fetch(expiredUrl);
    expect(ex.status).toBe(403);
    expect(((await ex.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('url_expired');

    await control(sb.url, 'PUT', '/faults', { reportFailure: true });
    const failing = await client.generateReport(c.id);
    const failed = await waitFor(async () => {
      const x = await client.getReportFile(failing.id);
      return x.status !== 'PENDING' ? x : null;
    }, 'report FAILED');
    expect(failed).toMatchObject({ status: 'FAILED', pdf_url: null });

    expect((await errOf(client.getReportFile('missing'))).status).toBe(404);
    expect((await errOf(client.generateReport('missing'))).status).toBe(404);
  });
});
