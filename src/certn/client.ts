// Typed client for the CertnCentric public API (contracts/certn.md), on the shared JSON-over-HTTP layer. No retries
// of its own: callers (Temporal activities) retry on `CertnApiError.retryable`. Errors and logs never carry the key.
import { ApiError, type ApiErrorInit, type TransportFault } from '../http/api-error';
import { JsonHttp } from '../http/json-client';
import { createLogger } from '../logger';
import { CERTN_UNCONFIRMED, CaseList, CertnCase, CertnErrorBody, type CertnErrorItem, ReportFile } from './schemas';
import { observeCalls } from '../metrics/process';

const log = createLogger('certn-client');

/** Certn's error `type` (validation_error, client_error, server_error), or ours: timeout, network_error, … */
export type CertnErrorType =
  | 'validation_error'
  | 'client_error'
  | 'server_error'
  | 'timeout'
  | 'network_error'
  | 'bad_response'
  | 'too_large'
  | string;

const FAULT_CODES: Record<TransportFault, CertnErrorType> = {
  timeout: 'network_error', // a timeout and a dropped connection mean the same to a caller: no answer
  network: 'network_error',
  bad_response: 'bad_response',
  too_large: 'too_large',
};

/** `code` is Certn's error type; `type` is kept as its name in Certn's own vocabulary. */
export class CertnApiError extends ApiError {
  readonly errors: CertnErrorItem[];

  /** `type` is accepted as another name for `code`. */
  constructor(init: Omit<ApiErrorInit, 'code'> & { code?: string; type?: string; errors?: CertnErrorItem[] }) {
    super({ ...init, code: init.code ?? init.type ?? 'client_error' });
    this.errors = init.errors ?? [];
  }

  get type(): CertnErrorType {
    return this.code;
  }
}

export interface CertnClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Covers the whole exchange, body included. */
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

/** Defensive bound on list pagination: a server that pages on beyond it is broken (BadResponse). */
export const MAX_LIST_PAGES = 50;
const LIST_PAGE_SIZE = 100;
/** Every report ends up on Lever, which takes files up to 30 MB: a larger PDF can never be attached. */
export const DEFAULT_MAX_PDF_BYTES = 30 * 1024 * 1024;

export class CertnClient {
  private readonly http: JsonHttp<CertnApiError>;

  constructor(opts: CertnClientOptions) {
    if (!opts.baseUrl) throw new Error('CertnClient: baseUrl is required');
    if (!opts.apiKey) throw new Error('CertnClient: apiKey is required');
    const auth = `Api-Key ${opts.apiKey}`;
    this.http = new JsonHttp<CertnApiError>({
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs ?? 20_000,
      ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}),
      authorize: (h) => h.set('Authorization', auth),
      observe: observeCalls('certn'),
      rejected: ({ what, status, text, retryAfterMs }) => {
        const err = rejection(what, status, text, retryAfterMs);
        log.warn('certn request failed', { what, status, type: err.code, retryable: err.retryable });
        return err;
      },
      faulted: ({ what, fault, detail, status, retryable }) => {
        log.warn('certn request failed', { what, type: FAULT_CODES[fault], retryable });
        return new CertnApiError({ status, code: FAULT_CODES[fault], message: `${what}: ${detail}`, retryable });
      },
    });
  }

  /** Orders a case in invite mode. NOT idempotent: a retried order creates a second case (see contracts). */
  async orderCase(input: { emailAddress: string; checkTypes: string[] }): Promise<CertnCase> {
    const checkTypesWithArguments: Record<string, Record<string, never>> = {};
    for (const t of input.checkTypes) checkTypesWithArguments[t] = {};
    const json = {
      email_address: input.emailAddress,
      send_invite_email: true,
      return_invite_link: false,
      check_types_with_arguments: checkTypesWithArguments,
    };
    return this.post('/api/public/cases/order/', json, CertnCase);
  }

  async getCase(id: string): Promise<CertnCase> {
    return this.http.request({ method: 'GET', path: `/api/public/cases/${seg(id)}/`, schema: CertnCase });
  }

  /** Lists every case matching the filter, following all pages (at most MAX_LIST_PAGES). */
  async listCases(filter: ListCasesFilter = {}): Promise<CertnCase[]> {
    const base: [string, string][] = [];
    if (filter.emailAddress !== undefined) base.push(['email_address', filter.emailAddress]);
    if (filter.orderTimeframeAfter !== undefined) base.push(['order_timeframe_after', filter.orderTimeframeAfter]);
    if (filter.orderTimeframeBefore !== undefined) base.push(['order_timeframe_before', filter.orderTimeframeBefore]);
    for (const s of filter.overallStatus ?? []) base.push([CERTN_UNCONFIRMED.overallStatusParam, s]);
    base.push([CERTN_UNCONFIRMED.pageSizeParam, String(LIST_PAGE_SIZE)]);

    const seen = new Set<string>();
    const all = await this.http.collectPages<CertnCase, number>('GET /api/public/cases/', MAX_LIST_PAGES, async (p) => {
      const page = p ?? 1;
      const list = await this.http.request({
        method: 'GET',
        path: '/api/public/cases/',
        query: [...base, [CERTN_UNCONFIRMED.pageParam, String(page)]],
        schema: CaseList,
      });
      const next = nextPageNumber(list.pagination.next_page ?? null);
      return { items: list.results, next: next === null || next <= page ? null : next };
    });
    // A case created mid-walk can shift pages; never report one twice.
    return all.filter((c) => !seen.has(c.id) && seen.add(c.id));
  }

  async cancelCase(id: string): Promise<CertnCase> {
    return this.post(`/api/public/cases/${seg(id)}/cancel/`, {}, CertnCase);
  }

  async generateReport(caseId: string): Promise<ReportFile> {
    return this.post(`/api/public/cases/${seg(caseId)}/generate-report/`, {}, ReportFile);
  }

  async getReportFile(id: string): Promise<ReportFile> {
    return this.http.request({ method: 'GET', path: `/api/public/cases/report-files/${seg(id)}/`, schema: ReportFile });
  }

  /**
   * Downloads a signed, absolute `pdf_url` (no Api-Key sent), refusing one over maxBytes with a permanent `too_large`
   * error (early from Content-Length, else while streaming). Expired URL → CertnApiError 403 (fetch a new one).
   */
  async downloadPdf(url: string, maxBytes: number = DEFAULT_MAX_PDF_BYTES): Promise<Uint8Array> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badPdfUrl('Certn pdf_url is not an absolute URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw badPdfUrl('Certn pdf_url has an unsupported scheme');
    }
    const what = `GET report PDF ${parsed.origin}${parsed.pathname}`; // never the signed query string
    const bytes = await this.http.download(what, parsed, maxBytes, 'application/pdf');
    if (!startsWithPdfMagic(bytes)) {
      throw new CertnApiError({
        message: `${what}: body is not a PDF`,
        status: 200,
        code: 'bad_response',
        retryable: false,
      });
    }
    return bytes;
  }

  /** A cheap authenticated call; resolves when the key works, otherwise throws CertnApiError (401 for a bad key). */
  async verifyKey(): Promise<void> {
    await this.http.request({
      method: 'GET',
      path: '/api/public/cases/',
      query: [
        [CERTN_UNCONFIRMED.pageSizeParam, '1'],
        [CERTN_UNCONFIRMED.pageParam, '1'],
      ],
      schema: CaseList,
    });
  }

  /**
   * A 2xx to a POST whose body we cannot read: Certn has acted (an order placed, say). Retryable, so the activity
   * reconciles on its next attempt (an order looks for the case it placed) instead of giving up on a paid case.
   */
  private post<S extends typeof CertnCase | typeof ReportFile>(path: string, json: unknown, schema: S) {
    return this.http.request({ method: 'POST', path, json, schema, retryUnparsable: true });
  }
}

function rejection(what: string, status: number, text: string, retryAfterMs: number | undefined): CertnApiError {
  let type: CertnErrorType = status >= 500 ? 'server_error' : status === 400 ? 'validation_error' : 'client_error';
  let errors: CertnErrorItem[] = [];
  try {
    const parsed = CertnErrorBody.safeParse(JSON.parse(text));
    if (parsed.success) {
      type = parsed.data.type;
      errors = parsed.data.errors;
    }
  } catch {
    /* non-JSON error body (proxy page etc.) */
  }
  const details = errors
    .map((e) => [e.attr, e.code, e.detail].filter(Boolean).join(': '))
    .filter(Boolean)
    .slice(0, 5)
    .join('; ');
  return new CertnApiError({
    message: `${what}: HTTP ${status} ${type}${details ? ` (${details})` : ''}`,
    status,
    code: type,
    errors,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function badPdfUrl(message: string): CertnApiError {
  return new CertnApiError({ message, status: 0, code: 'bad_response', retryable: false });
}

function seg(id: string): string {
  if (!id) throw new CertnApiError({ message: 'empty id', status: 0, code: 'bad_request', retryable: false });
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
