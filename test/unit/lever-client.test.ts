// Unit tests of the Lever client over a fake fetch: auth, pagination, undocumented bodies, budget, deadlines.
// Over 300 lines: one describe per client concern, sharing the fake transport at the top.
import { parseRetryAfter } from '../../src/http/retry';
import { setLogSink } from '../../src/logger';
import { DEFAULT_ADAPTIVE, InProcessLeverBudget, type LeverBudget } from '../../src/lever/budget';
import { LeverApiError, LeverClient, resetLeverRateLimiters } from '../../src/lever/client';

const API_KEY = 'super-secret-lever-key-0123456789';

type Call = { url: string; init: RequestInit };
function fakeFetch(respond: (call: Call, n: number) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const impl = (async (url: string | URL, init?: RequestInit) => {
    const call = { url: String(url), init: init ?? {} };
    calls.push(call);
    return respond(call, calls.length);
  }) as unknown as typeof fetch;
  return { impl, calls };
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function client(fetchImpl: typeof fetch, extra: Partial<ConstructorParameters<typeof LeverClient>[0]> = {}) {
  return new LeverClient({ baseUrl: 'https://lever.test/v1/', apiKey: API_KEY, fetchImpl, budget: false, ...extra });
}

async function catchErr(p: Promise<unknown>): Promise<LeverApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LeverApiError);
    return e as LeverApiError;
  }
  throw new Error('expected a LeverApiError');
}

const logLines: string[] = [];
beforeAll(() => setLogSink((l) => logLines.push(l)));
beforeEach(() => resetLeverRateLimiters());

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('parses delta-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });
  it('parses an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });
  it('ignores absent or invalid values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('LeverClient request building', () => {
  it('sends Basic auth with the key as user and an empty password, JSON bodies and perform_as', async () => {
    const f = fakeFetch(() => json(200, { data: {} }));
    await client(f.impl).addTags('opp 1', ['CERTN - Pending'], 'user-1');
    const call = f.calls[0]!;
    expect(call.url).toBe('https://lever.test/v1/opportunities/opp%201/addTags?perform_as=user-1');
    expect(call.init.method).toBe('POST');
    const h = new Headers(call.init.headers);
    expect(h.get('authorization')).toBe('Basic ' + Buffer.from(`${API_KEY}:`).toString('base64'));
    expect(h.get('content-type')).toBe('application/json');
    expect(JSON.parse(String(call.init.body))).toEqual({ tags: ['CERTN - Pending'] });
  });

  it('supports pluggable auth', async () => {
    const f = fakeFetch(() => json(200, { data: { id: 's', text: 'S' } }));
    await client(f.impl, { auth: (h) => h.set('Authorization', 'Bearer oauth-token') }).getStage('s');
    expect(new Headers(f.calls[0]!.init.headers).get('authorization')).toBe('Bearer oauth-token');
  });

  it('moveStage PUTs {stage}; getOpportunity expands stage on request', async () => {
    const f = fakeFetch((c) =>
      c.init.method === 'PUT'
        ? json(200, {})
        : json(200, { data: { id: 'o', contact: 'c', stage: { id: 's', text: 'S' } } }),
    );
    await client(f.impl).moveStage('o', 's2');
    expect(f.calls[0]!.url).toBe('https://lever.test/v1/opportunities/o/stage');
    expect(f.calls[0]!.init.method).toBe('PUT');
    expect(JSON.parse(String(f.calls[0]!.init.body))).toEqual({ stage: 's2' });
    const o = await client(f.impl).getOpportunity('o', { expandStage: true });
    expect(f.calls[1]!.url).toBe('https://lever.test/v1/opportunities/o?expand=stage');
    expect(o.stage).toEqual({ id: 's', text: 'S' });
  });
});

describe('LeverClient errors', () => {
  it('classifies 4xx as permanent and 429/5xx as retryable, with Retry-After', async () => {
    const cases: Array<[number, string, boolean]> = [
      [400, 'BadRequest', false],
      [401, 'Unauthorized', false],
      [403, 'Forbidden', false],
      [404, 'ResourceNotFound', false],
      [429, 'TooManyRequests', true],
      [500, 'InternalServerError', true],
      [503, 'ServiceUnavailable', true],
    ];
    for (const [status, code, retryable] of cases) {
      const f = fakeFetch(() => json(status, { code, message: 'm' }, status === 429 ? { 'Retry-After': '7' } : {}));
      const err = await catchErr(client(f.impl).getStage('s'));
      expect([err.status, err.code, err.retryable]).toEqual([status, code, retryable]);
      expect(err.retryAfterMs).toBe(status === 429 ? 7000 : undefined);
    }
  });

  it('handles a non-JSON error body', async () => {
    const f = fakeFetch(() => new Response('<html>bad gateway</html>', { status: 502 }));
    const err = await catchErr(client(f.impl).getStage('s'));
    expect([err.status, err.code, err.retryable]).toEqual([502, 'Http502', true]);
  });

  it('turns a timeout into a retryable status-0 error', async () => {
    const f = fakeFetch(
      (c) =>
        new Promise<Response>((_resolve, reject) => {
          c.init.signal!.addEventListener('abort', () => reject(c.init.signal!.reason));
        }),
    );
    const err = await catchErr(client(f.impl, { timeoutMs: 20 }).getStage('s'));
    expect([err.status, err.code, err.retryable]).toEqual([0, 'Timeout', true]);
  });

  it('turns a network failure into a retryable status-0 error without leaking the key', async () => {
    const f = fakeFetch(() => {
      throw new TypeError(`fetch failed: connect ECONNREFUSED (key ${API_KEY})`);
    });
    const err = await catchErr(client(f.impl).getStage('s'));
    expect([err.status, err.code, err.retryable]).toEqual([0, 'NetworkError', true]);
    expect(err.message).not.toContain(API_KEY);
    expect(JSON.stringify(err)).not.toContain(API_KEY);
  });

  it('never puts the API key in error messages, even when the server echoes it', async () => {
    const f = fakeFetch(() => json(401, { code: 'Unauthorized', message: `key ${API_KEY} is revoked` }));
    const err = await catchErr(client(f.impl).getStage('s'));
    expect(err.message).not.toContain(API_KEY);
    expect(err.stack ?? '').not.toContain(API_KEY);
    expect(logLines.join('\n')).not.toContain(API_KEY);
  });

  it('rejects an unexpected response shape as a permanent BadResponse', async () => {
    const f = fakeFetch(() => json(200, { data: { id: 'o' } })); // no stage
    const err = await catchErr(client(f.impl).getOpportunity('o'));
    expect([err.status, err.code, err.retryable]).toEqual([200, 'BadResponse', false]);
    const g = fakeFetch(() => new Response('not json', { status: 200 }));
    expect((await catchErr(client(g.impl).getStage('s'))).code).toBe('BadResponse');
  });
});

describe('LeverClient pagination', () => {
  it('follows next tokens with limit=100 until hasNext is false', async () => {
    const pages: Record<string, unknown> = {
      '': { data: [{ id: 'a', text: 'A' }], hasNext: true, next: 'p2' },
      p2: { data: [{ id: 'b', text: 'B' }], hasNext: true, next: 'p3' },
      p3: { data: [{ id: 'c', text: 'C' }], hasNext: false },
    };
    const f = fakeFetch((c) => json(200, pages[new URL(c.url).searchParams.get('offset') ?? '']));
    const stages = await client(f.impl).listStages();
    expect(stages.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(f.calls.map((c) => new URL(c.url).searchParams.get('limit'))).toEqual(['100', '100', '100']);
  });

  it('stops with BadResponse when the server repeats a next token', async () => {
    const f = fakeFetch(() => json(200, { data: [{ id: 'a', text: 'A' }], hasNext: true, next: 'same' }));
    const err = await catchErr(client(f.impl).listStages());
    expect(err.code).toBe('BadResponse');
    expect(f.calls.length).toBe(2);
  });

  it('stops when hasNext is true but next is missing', async () => {
    const f = fakeFetch(() => json(200, { data: [{ id: 'a', text: 'A' }], hasNext: true }));
    expect(await client(f.impl).listStages()).toHaveLength(1);
    expect(f.calls.length).toBe(1);
  });
});

describe('LeverClient rate limiting is shared per key', () => {
  it('two instances with the same key share one bucket; another key has its own', async () => {
    const f = fakeFetch(() => json(200, { data: { id: 's', text: 'S' } }));
    const limit = new InProcessLeverBudget({ perSecond: 1, burst: 3 }, undefined, {
      ...DEFAULT_ADAPTIVE,
      headroomTokens: 0,
    });
    const a = new LeverClient({
      baseUrl: 'https://lever.test/v1',
      apiKey: API_KEY,
      fetchImpl: f.impl,
      budget: limit,
    });
    const b = new LeverClient({
      baseUrl: 'https://lever.test/v1',
      apiKey: API_KEY,
      fetchImpl: f.impl,
      budget: limit,
    });
    const other = new LeverClient({
      baseUrl: 'https://lever.test/v1',
      apiKey: 'another-key',
      fetchImpl: f.impl,
      budget: limit,
    });
    const done: string[] = [];
    const all = [a, b, a, b, other, other].map((c, i) => c.getStage('s').then(() => done.push(`c${i}`)));
    // Let every request that has a token complete.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    // Shared key: burst 3 across both instances → exactly 3 of the 4 went out; the other key's 2 are unaffected.
    expect(done.filter((d) => ['c0', 'c1', 'c2', 'c3'].includes(d))).toEqual(['c0', 'c1', 'c2']);
    expect(done.filter((d) => ['c4', 'c5'].includes(d)).sort()).toEqual(['c4', 'c5']);
    expect(f.calls.length).toBe(5);
    await Promise.all(all); // the 4th is released by the refill
    expect(f.calls.length).toBe(6);
  });
});

describe('LeverClient tolerates undocumented answers', () => {
  // contracts/lever.md: the tag and link endpoints' response bodies are undocumented; nothing may depend on them.
  it.each([
    ['an empty 204', () => new Response(null, { status: 204 })],
    ['an empty 200', () => new Response('', { status: 200 })],
    ['plain text', () => new Response('ok', { status: 200 })],
    ['the opportunity in data', () => json(200, { data: { id: 'o', tags: ['x'] } })],
    ['something else', () => json(200, { result: [1, 2, 3] })],
  ])('addTags/removeTags/addLinks/removeLinks accept %s', async (_name, respond) => {
    const f = fakeFetch(() => respond());
    const c = client(f.impl);
    await c.addTags('o', ['CERTN - Pending']);
    await c.removeTags('o', ['CERTN - Error (No Email)']);
    await c.addLinks('o', ['https://x/r']);
    await c.removeLinks('o', ['https://x/r']);
    expect(f.calls).toHaveLength(4);
  });
});

describe('LeverClient deadline and size', () => {
  it('the timeout covers the body: headers on time, body never finishing → Timeout', async () => {
    const f = fakeFetch(
      () =>
        new Response(
          new ReadableStream({
            start(ctl) {
              ctl.enqueue(new TextEncoder().encode('{"data": {"id": "s", '));
              // never closes
            },
          }),
          { status: 200 },
        ),
    );
    const started = Date.now();
    const err = await catchErr(client(f.impl, { timeoutMs: 50 }).getStage('s'));
    expect([err.status, err.code, err.retryable]).toEqual([0, 'Timeout', true]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('LeverClient and its budget', () => {
  it('takes a token before every request and reports each 429 with its Retry-After (seconds or HTTP date)', async () => {
    const seen: string[] = [];
    const budget: LeverBudget = {
      acquire: async (key) => void seen.push(`acquire ${key.length > 0}`),
      penalize: (_key, ms) => void seen.push(`penalize ${ms === undefined ? 'none' : ms > 0 ? 'some' : ms}`),
    };
    const answers = [
      () => json(429, { code: 'TooManyRequests', message: 'slow down' }, { 'Retry-After': '2' }),
      () =>
        json(
          429,
          { code: 'TooManyRequests', message: 'slow down' },
          { 'Retry-After': new Date(Date.now() + 60_000).toUTCString() },
        ),
      () => json(429, { code: 'TooManyRequests', message: 'slow down' }),
      () => json(200, { data: { id: 's', text: 'S' } }),
    ];
    const f = fakeFetch((_c, n) => answers[n - 1]!());
    const c = client(f.impl, { budget });
    const e1 = await catchErr(c.getStage('s'));
    expect(e1.retryAfterMs).toBe(2000);
    const e2 = await catchErr(c.getStage('s'));
    expect(e2.retryAfterMs).toBeGreaterThan(50_000);
    const e3 = await catchErr(c.getStage('s'));
    expect(e3.retryAfterMs).toBeUndefined();
    await c.getStage('s');
    expect(seen).toEqual([
      'acquire true',
      'penalize some',
      'acquire true',
      'penalize some',
      'acquire true',
      'penalize none',
      'acquire true',
    ]);
  });
});

describe('LeverClient error answers whose body breaks off', () => {
  it('a 413 whose body cannot be read is still the 413 (not a network error)', async () => {
    const f = fakeFetch(
      () =>
        new Response(
          new ReadableStream({
            pull(ctl) {
              ctl.error(new TypeError('other side closed'));
            },
          }),
          { status: 413 },
        ),
    );
    const err = await catchErr(client(f.impl).getStage('s'));
    expect([err.status, err.code, err.retryable]).toEqual([413, 'Http413', false]);
  });
});
