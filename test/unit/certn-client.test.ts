// Unit tests of the Certn client over a fake fetch: contract variants, errors, retries, deadlines, PDF size caps.
// Over 300 lines: one describe per client concern, sharing the fake transport at the top.
import { CertnApiError, CertnClient, MAX_LIST_PAGES } from '../../src/certn/client';
import { parseRetryAfter } from '../../src/http/retry';
import { setLogLevel, setLogSink } from '../../src/logger';
import { CASE_STATUSES, CHECK_TYPE_CATALOGUE, CertnCase } from '../../src/certn/schemas';

const KEY = 'super-secret-key-123';
const BASE = 'https://certn.test';

const aCase = (id = 'case-1') => ({
  id,
  email_address: 'a@example.com',
  overall_status: 'CASE_ORDERED',
  created: '2025-01-01T00:00:00.000Z',
  modified: '2025-01-01T00:00:00.000Z',
  checks: [{ id: 'ch-1', check_type: 'IDENTITY_VERIFICATION_1', status: 'PENDING' }],
  extra_field: 'kept',
});

type Call = { url: string; init: RequestInit };
function mockFetch(handler: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    calls.push({ url, init: init ?? {} });
    return handler(url, init ?? {});
  }) as typeof fetch;
  return { fn, calls };
}
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function client(fetchImpl: typeof fetch, timeoutMs?: number) {
  return new CertnClient({ baseUrl: BASE + '/', apiKey: KEY, fetchImpl, ...(timeoutMs ? { timeoutMs } : {}) });
}

async function catchErr(p: Promise<unknown>): Promise<CertnApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CertnApiError);
    return e as CertnApiError;
  }
  throw new Error('expected a CertnApiError');
}

describe('schemas', () => {
  it('lists the 14 overall statuses in precedence order', () => {
    expect(CASE_STATUSES[0]).toBe('DRAFT');
    expect(CASE_STATUSES[CASE_STATUSES.length - 1]).toBe('COMPLETE');
    expect(CASE_STATUSES).toHaveLength(14);
    expect(CASE_STATUSES.indexOf('IN_DISPUTE')).toBeLessThan(CASE_STATUSES.indexOf('IN_PROGRESS'));
  });
  it('catalogue has the contract example types and no duplicates', () => {
    expect(CHECK_TYPE_CATALOGUE).toEqual(expect.arrayContaining(['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1']));
    expect(new Set(CHECK_TYPE_CATALOGUE).size).toBe(CHECK_TYPE_CATALOGUE.length);
  });
  it('passes unknown case fields through, and keeps a case with an overall status it does not know readable', () => {
    expect(CertnCase.parse(aCase())).toMatchObject({ extra_field: 'kept' });
    expect(CertnCase.parse({ ...aCase(), overall_status: 'SOMETHING_NEW' }).overall_status).toBe('SOMETHING_NEW');
  });
});

describe('CertnClient (mocked fetch)', () => {
  const lines: string[] = [];
  beforeAll(() => {
    setLogSink((l) => lines.push(l));
    setLogLevel('debug');
  });
  afterAll(() => {
    // The whole file's log output (successes, failures, timeouts) never carries the API key.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(KEY);
    setLogLevel('info');
  });

  it('orders in invite mode with Api-Key auth', async () => {
    const m = mockFetch(() => json(aCase(), 201));
    const c = await client(m.fn).orderCase({
      emailAddress: 'a@example.com',
      checkTypes: ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1'],
    });
    expect(c.id).toBe('case-1');
    const call = m.calls[0]!;
    expect(call.url).toBe(`${BASE}/api/public/cases/order/`);
    expect(call.init.method).toBe('POST');
    expect(new Headers(call.init.headers).get('authorization')).toBe(`Api-Key ${KEY}`);
    expect(JSON.parse(String(call.init.body))).toEqual({
      email_address: 'a@example.com',
      send_invite_email: true,
      return_invite_link: false,
      check_types_with_arguments: { CRIMINAL_RECORD_CHECK: {}, IDENTITY_VERIFICATION_1: {} },
    });
  });

  it('maps 4xx to permanent errors carrying the Certn error items, never the key', async () => {
    const m = mockFetch(() =>
      json({ type: 'validation_error', errors: [{ code: 'invalid', detail: 'bad', attr: 'email_address' }] }, 400),
    );
    const e = await catchErr(client(m.fn).getCase('x'));
    expect(e.status).toBe(400);
    expect(e.type).toBe('validation_error');
    expect(e.retryable).toBe(false);
    expect(e.errors[0]).toMatchObject({ attr: 'email_address', code: 'invalid' });
    expect(e.message).not.toContain(KEY);
    expect(JSON.stringify(e)).not.toContain(KEY);
  });

  it.each([
    [401, false],
    [403, false],
    [404, false],
    [429, true],
    [500, true],
    [503, true],
  ])('HTTP %i retryable=%s', async (status, retryable) => {
    const m = mockFetch(() => new Response('<html>proxy</html>', { status }));
    const e = await catchErr(client(m.fn).getCase('x'));
    expect(e.status).toBe(status);
    expect(e.retryable).toBe(retryable);
  });

  it('parses Retry-After as seconds or HTTP date', async () => {
    const m = mockFetch(() => json({ type: 'client_error', errors: [] }, 429, { 'retry-after': '7' }));
    const e = await catchErr(client(m.fn).getCase('x'));
    expect(e.retryAfterMs).toBe(7000);
    expect(parseRetryAfter(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5000);
    expect(parseRetryAfter('garbage')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('turns network failures and timeouts into retryable status-0 errors', async () => {
    const down = mockFetch(() => {
      throw new TypeError('fetch failed');
    });
    const e1 = await catchErr(client(down.fn).getCase('x'));
    expect(e1).toMatchObject({ status: 0, retryable: true, type: 'network_error' });

    const hang = mockFetch(
      (_u, init) =>
        new Promise<Response>((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const e2 = await catchErr(client(hang.fn, 20).getCase('x'));
    expect(e2).toMatchObject({ status: 0, retryable: true });
    expect(e2.message).toMatch(/no complete answer within 20 ms/);
  });

  it('rejects unexpected shapes as non-retryable bad_response', async () => {
    const e1 = await catchErr(client(mockFetch(() => json({ id: 1 })).fn).getCase('x'));
    expect(e1).toMatchObject({ type: 'bad_response', retryable: false });
    const e2 = await catchErr(client(mockFetch(() => new Response('not json', { status: 200 })).fn).getCase('x'));
    expect(e2).toMatchObject({ type: 'bad_response', retryable: false });
    const e3 = await catchErr(
      client(mockFetch(() => json({ id: 'r', status: 'DONE', pdf_url: null })).fn).getReportFile('r'),
    );
    expect(e3.type).toBe('bad_response');
  });

  it('treats an unreadable 2xx to a POST as retryable: Certn acted (an order was placed), the retry reconciles', async () => {
    const order = { emailAddress: 'a@example.com', checkTypes: ['CRIMINAL_RECORD_CHECK'] };
    const e1 = await catchErr(client(mockFetch(() => json({ id: 'c1' }, 201)).fn).orderCase(order));
    expect(e1).toMatchObject({ type: 'bad_response', retryable: true });
    const e2 = await catchErr(client(mockFetch(() => new Response('<html>', { status: 201 })).fn).orderCase(order));
    expect(e2).toMatchObject({ type: 'bad_response', retryable: true });
  });

  it('listCases follows pages and fails (never truncates silently) if the server never stops', async () => {
    const m = mockFetch((url) => {
      const page = Number(new URL(url).searchParams.get('page'));
      return json({
        pagination: {
          result_count: 1e6,
          page_count: 1e6,
          page_size: 1,
          current_page: page,
          next_page: page + 1,
          previous_page: null,
        },
        results: [aCase(`c${page}`)],
      });
    });
    // A truncated search could miss the case an earlier attempt ordered and so order a second one: fail instead.
    const e = await catchErr(
      client(m.fn).listCases({
        emailAddress: 'a@example.com',
        overallStatus: ['COMPLETE', 'CANCELLED'],
      }),
    );
    expect(e).toMatchObject({ type: 'bad_response', retryable: false });
    expect(m.calls).toHaveLength(MAX_LIST_PAGES);
    const u = new URL(m.calls[0]!.url);
    expect(u.searchParams.get('email_address')).toBe('a@example.com');
    expect(u.searchParams.getAll('overall_status[]')).toEqual(['COMPLETE', 'CANCELLED']);
  });

  it('listCases accepts next_page as a URL', async () => {
    const m = mockFetch((url) => {
      const page = Number(new URL(url).searchParams.get('page'));
      return json({
        pagination: {
          result_count: 2,
          page_count: 2,
          page_size: 1,
          current_page: page,
          next_page: page === 1 ? `${BASE}/api/public/cases/?page=2` : null,
          previous_page: null,
        },
        results: [aCase(`c${page}`)],
      });
    });
    expect((await client(m.fn).listCases()).map((c) => c.id)).toEqual(['c1', 'c2']);
  });

  it('downloadPdf sends no Api-Key and verifies the PDF magic', async () => {
    const ok = mockFetch(() => new Response(Buffer.from('%PDF-1.7\n...'), { status: 200 }));
    const bytes = await client(ok.fn).downloadPdf('https://files.test/r.pdf?sig=abc');
    expect(Buffer.from(bytes).subarray(0, 5).toString()).toBe('%PDF-');
    expect(new Headers(ok.calls[0]!.init.headers).get('authorization')).toBeNull();

    const html = mockFetch(() => new Response('<html></html>', { status: 200 }));
    expect(await catchErr(client(html.fn).downloadPdf('https://files.test/r.pdf'))).toMatchObject({
      type: 'bad_response',
      retryable: false,
    });
    const expired = mockFetch(() => json({ type: 'client_error', errors: [] }, 403));
    const e = await catchErr(client(expired.fn).downloadPdf('https://files.test/r.pdf?signature=secretsig'));
    expect(e.status).toBe(403);
    expect(e.message).not.toContain('secretsig');
  });

  it('listCases reads pagination under a `pagination` key or flat beside `results`', async () => {
    const flat = mockFetch((url) => {
      const page = Number(new URL(url).searchParams.get('page'));
      return json({
        result_count: 3,
        page_count: 3,
        page_size: 1,
        current_page: page,
        next_page: page < 3 ? String(page + 1) : null,
        previous_page: null,
        results: [aCase(`c${page}`)],
      });
    });
    expect((await client(flat.fn).listCases()).map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
    const bare = mockFetch(() => json({ results: [aCase('only')] })); // no pagination at all: one page
    expect((await client(bare.fn).listCases()).map((c) => c.id)).toEqual(['only']);
    expect(bare.calls).toHaveLength(1);
  });

  it('listCases never reports a case twice when pages shift', async () => {
    const m = mockFetch((url) => {
      const page = Number(new URL(url).searchParams.get('page'));
      return json({ pagination: { next_page: page < 2 ? 2 : null }, results: [aCase('same'), aCase(`c${page}`)] });
    });
    expect((await client(m.fn).listCases()).map((c) => c.id)).toEqual(['same', 'c1', 'c2']);
  });

  it.each([
    ['documented', { id: 'k1', check_type: 'IDENTITY_VERIFICATION_1', status: 'COMPLETE' }],
    ['numeric id', { id: 17, check_type: 'IDENTITY_VERIFICATION_1', status: 'COMPLETE' }],
    ['type instead of check_type', { id: 'k1', type: 'IDENTITY_VERIFICATION_1', status: 'COMPLETE' }],
    ['check_status instead of status', { id: 'k1', check_type: 'IDENTITY_VERIFICATION_1', check_status: 'COMPLETE' }],
  ])('reads a case whose checks are shaped %s', async (_name, check) => {
    const m = mockFetch(() => json({ ...aCase(), checks: [check] }));
    const c = await client(m.fn).getCase('case-1');
    expect(c.checks).toEqual([
      expect.objectContaining({ id: String(check.id), check_type: 'IDENTITY_VERIFICATION_1', status: 'COMPLETE' }),
    ]);
  });

  it('reads a case whose checks are null or absent as having none, and rejects a check with no type', async () => {
    for (const checks of [null, undefined]) {
      const m = mockFetch(() => json({ ...aCase(), checks }));
      expect((await client(m.fn).getCase('case-1')).checks).toEqual([]);
    }
    const bad = mockFetch(() => json({ ...aCase(), checks: [{ id: 'k', status: 'COMPLETE' }] }));
    expect(await catchErr(client(bad.fn).getCase('case-1'))).toMatchObject({ type: 'bad_response' });
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const m = mockFetch(() => json({ type: 'client_error', errors: [] }, 429, { 'retry-after': at }));
    const e = await catchErr(client(m.fn).getCase('x'));
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBeGreaterThan(25_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('the timeout covers reading the body, not just the headers', async () => {
    const slow = mockFetch(
      () =>
        new Response(
          new ReadableStream({
            start(ctl) {
              ctl.enqueue(new TextEncoder().encode('{"id": "case-1", '));
            },
          }),
          { status: 200 },
        ),
    );
    const e = await catchErr(client(slow.fn, 50).getCase('case-1'));
    expect(e).toMatchObject({ status: 0, retryable: true, type: 'network_error' });
    const pdf = mockFetch(
      () =>
        new Response(
          new ReadableStream({
            start(ctl) {
              ctl.enqueue(new TextEncoder().encode('%PDF-1.7'));
            },
          }),
          { status: 200 },
        ),
    );
    expect(await catchErr(client(pdf.fn, 50).downloadPdf('https://files.test/r.pdf'))).toMatchObject({
      status: 0,
      retryable: true,
    });
  });

  it('refuses a PDF over the limit early from Content-Length, without reading it', async () => {
    let pulled = 0;
    const m = mockFetch(
      () =>
        new Response(
          new ReadableStream({
            pull(ctl) {
              pulled++;
              ctl.enqueue(new Uint8Array(1024));
            },
          }),
          { status: 200, headers: { 'content-length': String(31 * 1024 * 1024) } },
        ),
    );
    const e = await catchErr(client(m.fn).downloadPdf('https://files.test/r.pdf'));
    expect(e).toMatchObject({ type: 'too_large', retryable: false });
    expect(pulled).toBeLessThanOrEqual(1); // the stream may pre-pull one chunk; nothing more is read
  });

  it('refuses a PDF over the limit while streaming when Content-Length is absent', async () => {
    let sent = 0;
    const m = mockFetch(
      () =>
        new Response(
          new ReadableStream({
            pull(ctl) {
              sent += 64 * 1024;
              ctl.enqueue(
                sent === 64 * 1024
                  ? new TextEncoder().encode('%PDF-'.padEnd(64 * 1024, 'x'))
                  : new Uint8Array(64 * 1024),
              );
            },
          }),
          { status: 200 },
        ),
    );
    const e = await catchErr(client(m.fn).downloadPdf('https://files.test/r.pdf', 1024 * 1024));
    expect(e).toMatchObject({ type: 'too_large', retryable: false });
    expect(sent).toBeLessThanOrEqual(1024 * 1024 + 3 * 64 * 1024); // stopped right after the cap
  });
});
