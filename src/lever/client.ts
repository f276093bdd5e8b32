// Typed client for Lever's Data API (contracts/lever.md). The base URL is configuration: the real Lever, the
// project's sandbox or any other implementation of the contract.
//
// - Every request first takes a token from a process-wide bucket per (baseUrl, API key) so the whole service stays
//   under Lever's 10 req/s per key on its own; requests wait for a token, they never fail for it.
// - No retries here: errors say whether they are retryable and the caller (a Temporal activity) retries.
//   Notes and files are not idempotent on Lever, so blind retries inside the client would duplicate them.
// - Errors never carry the API key.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { createLogger } from '../logger';
import {
  dataEnvelope,
  LeverErrorBody,
  LeverFile,
  LeverNote,
  listEnvelope,
  NoteCreated,
  noteValueOf,
  Opportunity,
  Stage,
} from './schemas';
import { isRetryableStatus, parseRetryAfter } from '../http/retry';

const log = createLogger('lever-client');

// ---------------------------------------------------------------- errors

export class LeverApiError extends Error {
  /** HTTP status; 0 for timeouts and network errors. */
  readonly status: number;
  /** Lever's error code (`ResourceNotFound`, `TooManyRequests`…), or ours: Timeout, NetworkError, BadResponse, HttpNNN. */
  readonly code: string;
  readonly retryable: boolean;
  /** From Retry-After when the server sent one. */
  readonly retryAfterMs?: number;

  constructor(opts: { status: number; code: string; message: string; retryable?: boolean; retryAfterMs?: number }) {
    super(opts.message);
    this.name = 'LeverApiError';
    this.status = opts.status;
    this.code = opts.code;
    this.retryable = opts.retryable ?? isRetryableStatus(opts.status);
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
  }
}

// ---------------------------------------------------------------- rate limiting

export interface RateLimit {
  perSecond: number;
  burst: number;
}
export const DEFAULT_LEVER_RATE_LIMIT: RateLimit = { perSecond: 8, burst: 10 };

/** FIFO token bucket: acquire() resolves when a token is available; callers are served in call order. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly waiters: Array<() => void> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Tokens handed out immediately / after waiting (for tests and metrics). */
  granted = 0;
  waited = 0;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new Error('rate limit needs perSecond > 0 and burst >= 1');
    this.tokens = limit.burst;
    this.last = this.now();
  }

  acquire(): Promise<void> {
    if (this.waiters.length === 0 && this.take()) {
      this.granted++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.waiters.push(() => {
        this.granted++;
        this.waited++;
        resolve();
      });
      this.schedule();
    });
  }

  get pending(): number {
    return this.waiters.length;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((t - this.last) / 1000) * this.limit.perSecond);
    this.last = t;
  }

  private take(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    while (this.waiters.length > 0 && this.take()) this.waiters.shift()!();
    if (this.waiters.length === 0) return;
    const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) / this.limit.perSecond) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, waitMs);
  }
}

const buckets = new Map<string, TokenBucket>();

/** Bucket id: base URL + SHA-256 of the key, so keys never sit in memory as map keys. */
function bucketId(baseUrl: string, apiKey: string): string {
  return `${normaliseBaseUrl(baseUrl)}#${createHash('sha256').update(apiKey).digest('hex')}`;
}

/**
 * The shared bucket for a key. The first client for a key fixes the limit; later clients with the same key share
 * it whatever they pass (one key = one Lever budget).
 */
export function leverRateLimiterFor(
  baseUrl: string,
  apiKey: string,
  limit: RateLimit = DEFAULT_LEVER_RATE_LIMIT,
): TokenBucket {
  const id = bucketId(baseUrl, apiKey);
  let bucket = buckets.get(id);
  if (!bucket) {
    bucket = new TokenBucket(limit);
    buckets.set(id, bucket);
  }
  return bucket;
}

/** Tests: forget all buckets. */
export function resetLeverRateLimiters(): void {
  buckets.clear();
}

// ---------------------------------------------------------------- client

export type LeverAuth = (headers: Headers) => void;

export interface LeverClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  /** Client-side pacing, shared per key across instances; false disables it. Default 8/s, burst 10. */
  rateLimit?: RateLimit | false;
  /** Sets auth headers; default HTTP Basic with the API key as user name and an empty password. */
  auth?: LeverAuth;
}

export interface UploadFileInput {
  name: string;
  content: Uint8Array;
  contentType: string;
}

export interface NoteInput {
  value: string;
  secret?: boolean;
  notifyFollowers?: boolean;
}

/** Upper bound on pages followed by a list call; a server that keeps saying hasNext beyond it is broken. */
const MAX_PAGES = 1000;

function normaliseBaseUrl(u: string): string {
  return u.replace(/\/+$/, '');
}

function seg(id: string): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new LeverApiError({ status: 400, code: 'BadRequest', message: 'empty id', retryable: false });
  }
  return encodeURIComponent(id);
}

type Query = Record<string, string | number | undefined>;

export class LeverClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly auth: LeverAuth;
  private readonly bucket: TokenBucket | undefined;

  constructor(opts: LeverClientOptions) {
    if (!opts.baseUrl) throw new Error('LeverClient: baseUrl is required');
    this.baseUrl = normaliseBaseUrl(opts.baseUrl);
    this.apiKey = opts.apiKey ?? '';
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.fetchImpl = opts.fetchImpl ?? fetch;
    const basic = 'Basic ' + Buffer.from(`${this.apiKey}:`).toString('base64');
    this.auth = opts.auth ?? ((h) => h.set('Authorization', basic));
    this.bucket =
      opts.rateLimit === false
        ? undefined
        : leverRateLimiterFor(this.baseUrl, this.apiKey, opts.rateLimit ?? DEFAULT_LEVER_RATE_LIMIT);
  }

  // ------------------------------------------------------------ opportunities

  async getOpportunity(id: string, opts: { expandStage?: boolean } = {}): Promise<Opportunity> {
    const res = await this.request('GET', `/opportunities/${seg(id)}`, {
      query: { expand: opts.expandStage ? 'stage' : undefined },
      schema: dataEnvelope(Opportunity),
    });
    return res.data;
  }

  async addTags(id: string, tags: string[], performAs?: string): Promise<void> {
    await this.request('POST', `/opportunities/${seg(id)}/addTags`, {
      query: { perform_as: performAs },
      json: { tags },
    });
  }

  async removeTags(id: string, tags: string[], performAs?: string): Promise<void> {
    await this.request('POST', `/opportunities/${seg(id)}/removeTags`, {
      query: { perform_as: performAs },
      json: { tags },
    });
  }

  async addLinks(id: string, links: string[]): Promise<void> {
    await this.request('POST', `/opportunities/${seg(id)}/addLinks`, { json: { links } });
  }

  async removeLinks(id: string, links: string[]): Promise<void> {
    await this.request('POST', `/opportunities/${seg(id)}/removeLinks`, { json: { links } });
  }

  async moveStage(id: string, stageId: string): Promise<void> {
    await this.request('PUT', `/opportunities/${seg(id)}/stage`, { json: { stage: stageId } });
  }

  // ------------------------------------------------------------ files

  /** Not idempotent: a retried upload makes a second file. Check listFiles() after an uncertain failure. */
  async uploadFile(id: string, file: UploadFileInput, performAs: string): Promise<LeverFile> {
    if (!performAs) {
      throw new LeverApiError({
        status: 400,
        code: 'BadRequest',
        message: 'uploadFile needs performAs',
        retryable: false,
      });
    }
    const form = new FormData();
    form.append('file', new Blob([file.content], { type: file.contentType }), file.name);
    const res = await this.request('POST', `/opportunities/${seg(id)}/files`, {
      query: { perform_as: performAs },
      body: form,
      schema: dataEnvelope(LeverFile),
    });
    return res.data;
  }

  async listFiles(id: string): Promise<LeverFile[]> {
    return this.paginate(`/opportunities/${seg(id)}/files`, LeverFile, false);
  }

  // ------------------------------------------------------------ notes

  /** Not idempotent: a retried POST duplicates the note. Check listNotes() after an uncertain failure. */
  async addNote(id: string, note: NoteInput, performAs?: string): Promise<{ noteId: string }> {
    const body: Record<string, unknown> = { value: note.value };
    if (note.secret !== undefined) body.secret = note.secret;
    if (note.notifyFollowers !== undefined) body.notifyFollowers = note.notifyFollowers;
    const res = await this.request('POST', `/opportunities/${seg(id)}/notes`, {
      query: { perform_as: performAs },
      json: body,
      schema: NoteCreated,
    });
    return { noteId: res.data.noteId };
  }

  async listNotes(id: string): Promise<{ id: string; value: string }[]> {
    const notes = await this.paginate(`/opportunities/${seg(id)}/notes`, LeverNote, false);
    return notes.map((n) => ({ id: n.id, value: noteValueOf(n) }));
  }

  // ------------------------------------------------------------ stages

  async listStages(): Promise<Stage[]> {
    return this.paginate('/stages', Stage, true);
  }

  async getStage(id: string): Promise<Stage> {
    const res = await this.request('GET', `/stages/${seg(id)}`, { schema: dataEnvelope(Stage) });
    return res.data;
  }

  // ------------------------------------------------------------ plumbing

  /** Follows hasNext/next; throws BadResponse if the server repeats a token or never ends. */
  private async paginate<T extends z.ZodTypeAny>(path: string, item: T, withLimit: boolean): Promise<z.output<T>[]> {
    const out: z.output<T>[] = [];
    const seen = new Set<string>();
    let offset: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.request('GET', path, {
        query: { limit: withLimit ? 100 : undefined, offset },
        schema: listEnvelope(item),
      });
      out.push(...(res.data as z.output<T>[]));
      if (!res.hasNext) return out;
      const next = res.next ?? undefined;
      if (!next) {
        log.warn('lever list says hasNext without a next token; stopping', { path });
        return out;
      }
      if (seen.has(next)) {
        throw new LeverApiError({
          status: 502,
          code: 'BadResponse',
          message: `GET ${path}: pagination loop (next token repeated)`,
          retryable: false,
        });
      }
      seen.add(next);
      offset = next;
    }
    throw new LeverApiError({
      status: 502,
      code: 'BadResponse',
      message: `GET ${path}: more than ${MAX_PAGES} pages`,
      retryable: false,
    });
  }

  private redact(s: string): string {
    return this.apiKey.length >= 4 ? s.split(this.apiKey).join('[redacted]') : s;
  }

  private async request<S extends z.ZodTypeAny = z.ZodUnknown>(
    method: string,
    path: string,
    opts: { query?: Query; json?: unknown; body?: FormData; schema?: S } = {},
  ): Promise<z.output<S>> {
    if (this.bucket) await this.bucket.acquire();

    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const headers = new Headers({ Accept: 'application/json' });
    let body: string | FormData | undefined;
    if (opts.json !== undefined) {
      headers.set('Content-Type', 'application/json');
      body = JSON.stringify(opts.json);
    } else if (opts.body) {
      body = opts.body; // fetch sets the multipart boundary itself
    }
    this.auth(headers);
    const what = `${method} ${path}`;

    let res: Response;
    try {
      res = await this.fetchImpl(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const e = err as { name?: string; message?: string };
      const timeout = e?.name === 'TimeoutError' || e?.name === 'AbortError';
      const error = new LeverApiError({
        status: 0,
        code: timeout ? 'Timeout' : 'NetworkError',
        message: this.redact(
          `${what}: ${timeout ? `no answer within ${this.timeoutMs} ms` : `network error: ${e?.message ?? String(err)}`}`,
        ),
        retryable: true,
      });
      log.warn('lever request failed', { method, path, code: error.code });
      throw error;
    }

    const text = await res.text().catch(() => '');
    if (!res.ok) {
      let code = `Http${res.status}`;
      let message = '';
      try {
        const parsed = LeverErrorBody.safeParse(JSON.parse(text));
        if (parsed.success) {
          code = parsed.data.code || code;
          message = parsed.data.message;
        }
      } catch {
        message = text.slice(0, 200);
      }
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      const error = new LeverApiError({
        status: res.status,
        code,
        message: this.redact(`${what}: ${res.status} ${code}${message ? `: ${message}` : ''}`),
        retryable: isRetryableStatus(res.status),
        retryAfterMs,
      });
      log.warn('lever request rejected', { method, path, status: res.status, code, retryAfterMs });
      throw error;
    }

    if (!opts.schema) return undefined as z.output<S>;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new LeverApiError({
        status: 502,
        code: 'BadResponse',
        message: `${what}: response is not JSON`,
        retryable: false,
      });
    }
    const parsed = opts.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LeverApiError({
        status: 502,
        code: 'BadResponse',
        message: `${what}: unexpected response shape${issue ? ` at ${issue.path.join('.') || '(root)'}: ${issue.message}` : ''}`,
        retryable: false,
      });
    }
    return parsed.data as z.output<S>;
  }
}
