// Typed client for Lever's Data API (contracts/lever.md). The base URL is configuration: the real Lever, the
// project's sandbox or any other implementation of the contract.
//
// - Every request first takes a token from the key's LeverBudget (./budget), so the whole service stays within
//   Lever's 10 req/s per key on its own; a 429 slows that key down for every client using it.
// - No retries here: errors say whether they are retryable and the caller (a Temporal activity) retries.
//   Notes and files are not idempotent on Lever, so blind retries inside the client would duplicate them.
// - Errors never carry the API key.
import { observeCalls, timedAcquire } from '../metrics/process';
import { z } from 'zod';
import { ApiError, type ApiErrorInit, type TransportFault } from '../http/api-error';
import { JsonHttp, type Query } from '../http/json-client';
import { createLogger } from '../logger';
import { leverBudgetKey, processLeverBudget, type LeverBudget } from './budget';
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

export { resetLeverRateLimiters } from './budget';

const log = createLogger('lever-client');

/** Lever refuses files over 30 MB (contracts/lever.md); a report PDF is capped at this while it downloads. */
export const LEVER_MAX_FILE_BYTES = 30 * 1024 * 1024;

/** Lever's own code (`ResourceNotFound`, `TooManyRequests`…), or ours: Timeout, NetworkError, BadResponse, TooLarge. */
export class LeverApiError extends ApiError {}

const FAULT_CODES: Record<TransportFault, string> = {
  timeout: 'Timeout',
  network: 'NetworkError',
  bad_response: 'BadResponse',
  too_large: 'TooLarge',
};

export type LeverAuth = (headers: Headers) => void;

export interface LeverClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  /** Pacing shared per key; default the process-wide in-memory budget; false disables pacing (tests). */
  budget?: LeverBudget | false;
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

function seg(id: string): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new LeverApiError({ status: 400, code: 'BadRequest', message: 'empty id', retryable: false });
  }
  return encodeURIComponent(id);
}

export class LeverClient {
  private readonly http: JsonHttp<LeverApiError>;

  constructor(opts: LeverClientOptions) {
    if (!opts.baseUrl) throw new Error('LeverClient: baseUrl is required');
    const apiKey = opts.apiKey ?? '';
    const basic = 'Basic ' + Buffer.from(`${apiKey}:`).toString('base64');
    const budget = opts.budget === false ? undefined : (opts.budget ?? processLeverBudget);
    const key = leverBudgetKey(opts.baseUrl, apiKey);
    const redact = (s: string) => (apiKey.length >= 4 ? s.split(apiKey).join('[redacted]') : s);
    const error = (init: ApiErrorInit) => new LeverApiError({ ...init, message: redact(init.message) });
    this.http = new JsonHttp<LeverApiError>({
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs ?? 15_000,
      ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}),
      authorize: opts.auth ?? ((h) => h.set('Authorization', basic)),
      observe: observeCalls('lever'),
      ...(budget
        ? {
            beforeRequest: () => timedAcquire(() => budget.acquire(key)),
            onRateLimited: (retryAfterMs: number | undefined) => budget.penalize(key, retryAfterMs),
          }
        : {}),
      rejected: ({ what, status, text, retryAfterMs }) => {
        const body = parseErrorBody(text);
        const code = body?.code || `Http${status}`;
        const message = body ? body.message : text.slice(0, 200);
        log.warn('lever request rejected', { what, status, code, retryAfterMs });
        return error({
          status,
          code,
          message: `${what}: ${status} ${code}${message ? `: ${message}` : ''}`,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
      },
      faulted: ({ what, fault, detail, status, retryable }) => {
        log.warn('lever request failed', { what, code: FAULT_CODES[fault] });
        return error({ status, code: FAULT_CODES[fault], message: `${what}: ${detail}`, retryable });
      },
    });
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

  /**
   * Moves the opportunity as a recruiter would (Lever then fires candidateStageChange). The answer's body is
   * undocumented and unused: any 2xx counts, whatever its shape (even empty), so it is not parsed.
   */
  async moveStage(id: string, stageId: string, performAs?: string): Promise<void> {
    await this.request('PUT', `/opportunities/${seg(id)}/stage`, {
      query: { perform_as: performAs },
      json: { stage: stageId },
    });
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

  /** Follows hasNext/next; BadResponse if the server repeats a token or never ends. */
  private async paginate<T extends z.ZodTypeAny>(path: string, item: T, withLimit: boolean): Promise<z.output<T>[]> {
    return this.http.collectPages<z.output<T>, string>(`GET ${path}`, MAX_PAGES, async (offset) => {
      const res = await this.request('GET', path, {
        query: { limit: withLimit ? 100 : undefined, offset },
        schema: listEnvelope(item),
      });
      let next = res.hasNext ? (res.next ?? null) : null;
      if (res.hasNext && !next) {
        log.warn('lever list says hasNext without a next token; stopping', { path });
        next = null;
      }
      return { items: res.data as z.output<T>[], next };
    });
  }

  private request<S extends z.ZodTypeAny = z.ZodUnknown>(
    method: string,
    path: string,
    opts: { query?: Query; json?: unknown; body?: FormData; schema?: S } = {},
  ): Promise<z.output<S>> {
    return this.http.request({
      method,
      path,
      ...(opts.query ? { query: opts.query } : {}),
      ...(opts.json !== undefined ? { json: opts.json } : {}),
      ...(opts.body ? { form: opts.body } : {}),
      ...(opts.schema ? { schema: opts.schema } : {}),
    });
  }
}

function parseErrorBody(text: string): LeverErrorBody | undefined {
  try {
    const parsed = LeverErrorBody.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
