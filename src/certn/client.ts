// Typed client for the CertnCentric public API (contracts/certn.md). Node 20 global fetch, no retries of its own:
// callers (Temporal activities) retry on `CertnApiError.retryable`. Errors and logs never contain the API key.
import { z } from 'zod';
import { createLogger } from '../logger';
import {
  CERTN_UNCONFIRMED,
  CaseListSchema,
  CertnCaseSchema,
  CertnErrorBodySchema,
  ReportFileSchema,
  type CertnCase,
  type CertnErrorItem,
  type ReportFile,
} from './schemas';
import { isRetryableStatus, parseRetryAfter } from '../http/retry';

const log = createLogger('certn-client');

export type CertnErrorType =
  'validation_error' | 'client_error' | 'server_error' | 'network_error' | 'bad_response' | string;

export class CertnApiError extends Error {
  override name = 'CertnApiError';
  /** HTTP status; 0 for timeouts and network failures. */
  readonly status: number;
  readonly type: CertnErrorType;
  readonly errors: CertnErrorItem[];
  readonly retryable: boolean;
  /** Parsed from Retry-After (seconds or HTTP date) when the server sent one. */
  readonly retryAfterMs?: number;

  constructor(init: {
    message: string;
    status: number;
    type: CertnErrorType;
    errors?: CertnErrorItem[];
    retryable?: boolean;
    retryAfterMs?: number;
  }) {
    super(init.message);
    this.status = init.status;
    this.type = init.type;
    this.errors = init.errors ?? [];
    this.retryable = init.retryable ?? isRetryableStatus(init.status);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

export interface CertnClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface ListCasesFilter {
  emailAddress?: string;
  /** ISO 8601 time. */
  orderTimeframeAfter?: string;
  orderTimeframeBefore?: string;
  overallStatus?: string[];
}

/** Defensive bound on list pagination: never follow more pages than this. */
export const MAX_LIST_PAGES = 50;
const LIST_PAGE_SIZE = 100;

interface RequestOptions {
  query?: [string, string][];
  body?: unknown;
}

export class CertnClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: CertnClientOptions) {
    if (!opts.baseUrl) throw new Error('CertnClient: baseUrl is required');
    if (!opts.apiKey) throw new Error('CertnClient: apiKey is required');
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.apiKey = opts.apiKey;
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  /** Orders a case in invite mode. NOT idempotent: a retried order creates a second case (see contracts). */
  async orderCase(input: { emailAddress: string; checkTypes: string[] }): Promise<CertnCase> {
    const checkTypesWithArguments: Record<string, Record<string, never>> = {};
    for (const t of input.checkTypes) checkTypesWithArguments[t] = {};
    const body = {
      email_address: input.emailAddress,
      send_invite_email: true,
      return_invite_link: false,
      check_types_with_arguments: checkTypesWithArguments,
    };
    return this.request('POST', '/api/public/cases/order/', CertnCaseSchema, { body });
  }

  async getCase(id: string): Promise<CertnCase> {
    return this.request('GET', `/api/public/cases/${seg(id)}/`, CertnCaseSchema);
  }

  /** Lists every case matching the filter, following all pages (bounded by MAX_LIST_PAGES). */
  async listCases(filter: ListCasesFilter = {}): Promise<CertnCase[]> {
    const base: [string, string][] = [];
    if (filter.emailAddress !== undefined) base.push(['email_address', filter.emailAddress]);
    if (filter.orderTimeframeAfter !== undefined) base.push(['order_timeframe_after', filter.orderTimeframeAfter]);
    if (filter.orderTimeframeBefore !== undefined) base.push(['order_timeframe_before', filter.orderTimeframeBefore]);
    for (const s of filter.overallStatus ?? []) base.push([CERTN_UNCONFIRMED.overallStatusParam, s]);
    base.push([CERTN_UNCONFIRMED.pageSizeParam, String(LIST_PAGE_SIZE)]);

    const out: CertnCase[] = [];
    const seen = new Set<string>();
    let page = 1;
    for (let i = 0; i < MAX_LIST_PAGES; i++) {
      const list = await this.request('GET', '/api/public/cases/', CaseListSchema, {
        query: [...base, [CERTN_UNCONFIRMED.pageParam, String(page)]],
      });
      for (const c of list.results) {
        if (seen.has(c.id)) continue; // a case created mid-walk can shift pages; never report one twice
        seen.add(c.id);
        out.push(c);
      }
      const next = nextPageNumber(list.pagination.next_page);
      if (next === null || next <= page) return out;
      page = next;
    }
    log.warn('listCases stopped at page bound', { maxPages: MAX_LIST_PAGES, results: out.length });
    return out;
  }

  async cancelCase(id: string): Promise<CertnCase> {
    return this.request('POST', `/api/public/cases/${seg(id)}/cancel/`, CertnCaseSchema, { body: {} });
  }

  async generateReport(caseId: string): Promise<ReportFile> {
    return this.request('POST', `/api/public/cases/${seg(caseId)}/generate-report/`, ReportFileSchema, { body: {} });
  }

  async getReportFile(id: string): Promise<ReportFile> {
    return this.request('GET', `/api/public/cases/report-files/${seg(id)}/`, ReportFileSchema);
  }

  /** Downloads a signed, absolute `pdf_url` (no Api-Key sent). Expired URL → CertnApiError 403 (fetch a new one). */
  async downloadPdf(url: string): Promise<Uint8Array> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CertnApiError({
        message: 'Certn pdf_url is not an absolute URL',
        status: 0,
        type: 'bad_response',
        retryable: false,
      });
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new CertnApiError({
        message: 'Certn pdf_url has an unsupported scheme',
        status: 0,
        type: 'bad_response',
        retryable: false,
      });
    }
    const what = `GET report PDF ${parsed.origin}${parsed.pathname}`; // never the signed query string
    const res = await this.send(what, url, { method: 'GET', headers: { Accept: 'application/pdf' } });
    if (!res.ok) throw await this.toError(what, res);
    const bytes = new Uint8Array(await this.readBody(what, res, 'arrayBuffer'));
    if (!startsWithPdfMagic(bytes)) {
      throw new CertnApiError({
        message: `${what}: body is not a PDF`,
        status: res.status,
        type: 'bad_response',
        retryable: false,
      });
    }
    return bytes;
  }

  /** A cheap authenticated call; resolves when the key works, otherwise throws CertnApiError (401 for a bad key). */
  async verifyKey(): Promise<void> {
    await this.request('GET', '/api/public/cases/', CaseListSchema, {
      query: [
        [CERTN_UNCONFIRMED.pageSizeParam, '1'],
        [CERTN_UNCONFIRMED.pageParam, '1'],
      ],
    });
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────────────────────

  private async request<T>(
    method: string,
    path: string,
    schema: z.ZodType<T, z.ZodTypeDef, unknown>,
    opts: RequestOptions = {},
  ): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of opts.query ?? []) url.searchParams.append(k, v);
    const what = `${method} ${path}`;
    const headers: Record<string, string> = {
      Authorization: `Api-Key ${this.apiKey}`,
      Accept: 'application/json',
    };
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const started = Date.now();
    const res = await this.send(what, url.toString(), { method, headers, body });
    if (!res.ok) {
      const err = await this.toError(what, res);
      log.warn('certn request failed', { method, path, status: err.status, type: err.type, retryable: err.retryable });
      throw err;
    }
    // A 2xx to a POST whose body we cannot read: Certn has acted (an order placed, say). Retryable, so the activity
    // reconciles on its next attempt (an order looks for the case it placed) instead of giving up on a paid case.
    const actedOn = method === 'POST';
    const text = await this.readBody(what, res, 'text');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CertnApiError({
        message: `${what}: response is not JSON`,
        status: res.status,
        type: 'bad_response',
        retryable: actedOn,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new CertnApiError({
        message: `${what}: unexpected response shape (${issues.join('; ')})`,
        status: res.status,
        type: 'bad_response',
        retryable: actedOn,
      });
    }
    log.debug('certn request ok', { method, path, status: res.status, ms: Date.now() - started });
    return parsed.data;
  }

  /** fetch with a timeout; network failures and timeouts become retryable CertnApiError with status 0. */
  private async send(what: string, url: string, init: RequestInit): Promise<Response> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.timeoutMs);
    try {
      return await this.fetchImpl(url, { ...init, signal: ac.signal });
    } catch (e) {
      const timedOut = ac.signal.aborted;
      throw new CertnApiError({
        message: timedOut ? `${what}: timed out after ${this.timeoutMs} ms` : `${what}: network error (${describe(e)})`,
        status: 0,
        type: 'network_error',
        retryable: true,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private async readBody(what: string, res: Response, as: 'text'): Promise<string>;
  private async readBody(what: string, res: Response, as: 'arrayBuffer'): Promise<ArrayBuffer>;
  private async readBody(what: string, res: Response, as: 'text' | 'arrayBuffer'): Promise<string | ArrayBuffer> {
    try {
      return as === 'text' ? await res.text() : await res.arrayBuffer();
    } catch (e) {
      throw new CertnApiError({
        message: `${what}: reading response failed (${describe(e)})`,
        status: 0,
        type: 'network_error',
        retryable: true,
      });
    }
  }

  private async toError(what: string, res: Response): Promise<CertnApiError> {
    let text = '';
    try {
      text = await res.text();
    } catch {
      /* body unreadable: fall back to status only */
    }
    let type: CertnErrorType =
      res.status >= 500 ? 'server_error' : res.status === 400 ? 'validation_error' : 'client_error';
    let errors: CertnErrorItem[] = [];
    try {
      const parsed = CertnErrorBodySchema.safeParse(JSON.parse(text));
      if (parsed.success) {
        type = parsed.data.type;
        errors = parsed.data.errors;
      }
    } catch {
      /* non-JSON error body (proxy page etc.) */
    }
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    const details = errors
      .map((e) => [e.attr, e.code, e.detail].filter(Boolean).join(': '))
      .filter(Boolean)
      .slice(0, 5)
      .join('; ');
    return new CertnApiError({
      message: `${what}: HTTP ${res.status} ${type}${details ? ` (${details})` : ''}`,
      status: res.status,
      type,
      errors,
      retryable: isRetryableStatus(res.status),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
}

function seg(id: string): string {
  if (!id) throw new CertnApiError({ message: 'empty id', status: 0, type: 'bad_request', retryable: false });
  return encodeURIComponent(id);
}

/** `next_page` may be a page number, a numeric string or a URL carrying `page=` (unconfirmed; accept all three). */
function nextPageNumber(next: number | string | null): number | null {
  if (next === null) return null;
  if (typeof next === 'number') return next;
  if (/^\d+$/.test(next)) return Number(next);
  try {
    const p = new URL(next, 'http://x').searchParams.get(CERTN_UNCONFIRMED.pageParam);
    return p && /^\d+$/.test(p) ? Number(p) : null;
  } catch {
    return null;
  }
}

export function startsWithPdfMagic(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 5 &&
    bytes[0] === 0x25 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x44 &&
    bytes[3] === 0x46 &&
    bytes[4] === 0x2d
  );
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : '';
    return code ? `${e.name}: ${code}` : e.name;
  }
  return 'unknown';
}
