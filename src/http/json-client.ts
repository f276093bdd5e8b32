// The JSON-over-HTTP layer both API clients stand on: one deadline that covers the answer's body as well as its
// headers, a size cap, error building (each service names its errors through the two callbacks), zod parsing of
// answers, and a guard against pagination that never ends. It never retries: errors say whether a retry may help.
import { z } from 'zod';
import type { ApiError, TransportFault } from './api-error';
import { parseRetryAfter } from './retry';

export interface FaultInfo {
  what: string;
  fault: TransportFault;
  detail: string;
  /** HTTP status when an answer arrived (a bad or oversized body), else 0. */
  status: number;
  retryable: boolean;
}

export interface RejectionInfo {
  what: string;
  status: number;
  /** The error body as text (possibly empty or not JSON). */
  text: string;
  retryAfterMs?: number;
}

export interface JsonHttpConfig<E extends ApiError> {
  baseUrl: string;
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  /** Sets auth headers on every request to baseUrl (never on absolute URLs such as a signed download). */
  authorize: (headers: Headers) => void;
  /** The service's error for a non-2xx answer. */
  rejected: (info: RejectionInfo) => E;
  /** The service's error for a fault on our side of the wire or an unreadable answer. */
  faulted: (info: FaultInfo) => E;
  /** Awaited before every request (the Lever budget). */
  beforeRequest?: () => Promise<void>;
  /** Told about every 429 (the Lever budget slows down). */
  onRateLimited?: (retryAfterMs: number | undefined) => void;
  /** Told about every finished call, after the budget wait (metrics: latency, errors, 429s). */
  observe?: (o: CallTiming) => void;
}

export interface CallTiming {
  method: string;
  /** URL path only: no query string, which may carry a signature. */
  path: string;
  /** HTTP status, or 0 when no answer arrived. */
  status: number;
  seconds: number;
  /** The fault when the call failed on our side of the wire or the answer was unusable. */
  fault?: TransportFault;
}

export type Query = Array<[string, string | number | undefined]> | Record<string, string | number | undefined>;

export interface RequestSpec<S extends z.ZodTypeAny> {
  method: string;
  path: string;
  query?: Query;
  json?: unknown;
  form?: FormData;
  /** Parses the 2xx body; without one the body is read (inside the deadline) and ignored. */
  schema?: S;
  /** A 2xx whose body cannot be parsed is retryable (a POST that acted, say). Default false. */
  retryUnparsable?: boolean;
}

/** Upper bound on a JSON answer; a larger one is a broken or hostile server. */
const MAX_JSON_BYTES = 10 * 1024 * 1024;

export class JsonHttp<E extends ApiError> {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly cfg: JsonHttpConfig<E>) {
    this.baseUrl = cfg.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = cfg.fetchImpl ?? fetch;
  }

  get timeoutMs(): number {
    return this.cfg.timeoutMs;
  }

  /** One JSON request; resolves with the parsed body (undefined without a schema). */
  async request<S extends z.ZodTypeAny = z.ZodUnknown>(spec: RequestSpec<S>): Promise<z.output<S>> {
    const url = new URL(this.baseUrl + spec.path);
    const pairs = Array.isArray(spec.query) ? spec.query : Object.entries(spec.query ?? {});
    for (const [k, v] of pairs) if (v !== undefined && v !== '') url.searchParams.append(k, String(v));
    const headers = new Headers({ Accept: 'application/json' });
    let body: string | FormData | undefined;
    if (spec.json !== undefined) {
      headers.set('Content-Type', 'application/json');
      body = JSON.stringify(spec.json);
    } else if (spec.form) {
      body = spec.form; // fetch sets the multipart boundary itself
    }
    this.cfg.authorize(headers);
    const what = `${spec.method} ${spec.path}`;
    const { status, body: bytes } = await this.exchange(
      what,
      url,
      { method: spec.method, headers, body },
      MAX_JSON_BYTES,
    );
    if (!spec.schema) return undefined as z.output<S>;
    const text = new TextDecoder().decode(bytes);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.fault(what, 'bad_response', 'response is not JSON', status, spec.retryUnparsable ?? false);
    }
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw this.fault(
        what,
        'bad_response',
        `unexpected response shape (${issues.join('; ')})`,
        status,
        spec.retryUnparsable ?? false,
      );
    }
    return parsed.data as z.output<S>;
  }

  /**
   * Downloads an absolute URL without auth headers (a signed link), refusing a body over maxBytes: early from
   * Content-Length, else while streaming. `what` names it in errors without the signed query string.
   */
  async download(what: string, url: URL, maxBytes: number, accept: string): Promise<Uint8Array> {
    const { body } = await this.exchange(
      what,
      url,
      { method: 'GET', headers: new Headers({ Accept: accept }) },
      maxBytes,
    );
    return body;
  }

  /** Follows pages until `next` is null; a repeated cursor or more than maxPages is a broken server. */
  async collectPages<T, C extends string | number>(
    what: string,
    maxPages: number,
    page: (cursor: C | undefined) => Promise<{ items: T[]; next: C | null }>,
  ): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<C>();
    let cursor: C | undefined;
    for (let i = 0; i < maxPages; i++) {
      const { items, next } = await page(cursor);
      out.push(...items);
      if (next === null) return out;
      if (seen.has(next)) throw this.fault(what, 'bad_response', 'pagination loop (next page repeated)', 200, false);
      seen.add(next);
      cursor = next;
    }
    throw this.fault(what, 'bad_response', `more than ${maxPages} pages`, 200, false);
  }

  private fault(what: string, fault: TransportFault, detail: string, status: number, retryable: boolean): E {
    return this.cfg.faulted({ what, fault, detail, status, retryable });
  }

  /** fetch + read the whole body under one deadline; non-2xx answers become the service's error. */
  private async exchange(
    what: string,
    url: URL,
    init: { method: string; headers: Headers; body?: string | FormData },
    maxBytes: number,
  ): Promise<{ status: number; body: Uint8Array }> {
    if (this.cfg.beforeRequest) await this.cfg.beforeRequest();
    const started = performance.now();
    let outcome: { status: number; fault?: TransportFault } = { status: 0 };
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.cfg.timeoutMs);
    let res: Response | undefined;
    try {
      res = await this.fetchImpl(url, { ...init, signal: ac.signal });
      const answer = res;
      // An error answer whose body breaks off (a server that answers 413 and closes while we still send) is still
      // that error: its status says everything that matters.
      const bytes = await readCapped(answer, maxBytes, ac.signal).catch((err: unknown) => {
        if (answer.ok) throw err;
        return new Uint8Array(0);
      });
      outcome = { status: res.status };
      if (bytes === 'too_large') {
        outcome = { status: res.status, fault: 'too_large' };
        throw this.fault(what, 'too_large', `answer larger than ${maxBytes} bytes`, res.status, false);
      }
      if (!res.ok) {
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        if (res.status === 429) this.cfg.onRateLimited?.(retryAfterMs);
        throw this.cfg.rejected({
          what,
          status: res.status,
          text: new TextDecoder().decode(bytes),
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
      }
      return { status: res.status, body: bytes };
    } catch (err) {
      if (isApiError(err)) throw err;
      const timedOut = ac.signal.aborted;
      outcome = { status: 0, fault: timedOut ? 'timeout' : 'network' };
      throw this.fault(
        what,
        timedOut ? 'timeout' : 'network',
        timedOut
          ? `no complete answer within ${this.cfg.timeoutMs} ms`
          : `network error${res ? ' reading the answer' : ''} (${describe(err)})`,
        0,
        true,
      );
    } finally {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      this.cfg.observe?.({ method: init.method, path: url.pathname, seconds, ...outcome });
    }
  }
}

function isApiError(err: unknown): err is ApiError {
  return err instanceof Error && 'retryable' in err && 'status' in err && 'code' in err;
}

/** The body, or 'too_large' as soon as it is known to exceed maxBytes. Aborting the signal ends the read. */
async function readCapped(res: Response, maxBytes: number, signal: AbortSignal): Promise<Uint8Array | 'too_large'> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    return 'too_large';
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  // A fetch implementation that ignores the signal for the body would otherwise let a slow body outlive the deadline.
  const aborted = new Promise<never>((_, reject) => {
    const stop = () => reject(new Error('aborted'));
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  aborted.catch(() => undefined);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return 'too_large';
      }
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    throw err;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : '';
    return code ? `${e.name}: ${code}` : e.name;
  }
  return 'unknown';
}
