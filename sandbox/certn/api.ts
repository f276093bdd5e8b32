// The Certn sandbox's public API under /api/public (contracts/certn.md): edge faults, Api-Key auth (a key acts for
// its account, and sees only that account's cases), order, list, read, cancel, generate-report.
import express, { type NextFunction, type Request, type Response } from 'express';
import { CASE_STATUSES, isOrderableCheckType, type ErrorItem } from './catalogue';
import type { OrderFailureMode } from './faults';
import { handleSandboxError, notFound, queryList, queryString, sendError, sleep } from './http';
import type { CertnSandboxState } from './state';

// Deliberately simple: one @, no spaces, a dot in the domain.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

export function createPublicApi(state: CertnSandboxState): express.Router {
  const api = express.Router();

  const readBody = express.json({ limit: '1mb' });
  // Faults first: they simulate the edge (latency, 5xx, rate limiting) before auth.
  api.use(async (req: Request, res: Response, next: NextFunction) => {
    state.apiRequests++;
    const f = state.faults;
    if (f.latencyMs > 0) {
      // Certn has the whole request before it is slow: a client giving up meanwhile does not stop an order, which
      // is then created after the client saw a timeout (the case ordering must not order it again).
      const unreadable = await new Promise<unknown>((resolve) => readBody(req, res, resolve));
      if (unreadable) return next(unreadable);
      await sleep(f.latencyMs);
    }
    if (f.rateLimitStorm.requests > 0) {
      f.rateLimitStorm.requests--;
      res.setHeader('Retry-After', String(f.rateLimitStorm.retryAfterSeconds));
      sendError(res, 429, 'client_error', [{ code: 'throttled', detail: 'Request was throttled.', attr: null }]);
      return;
    }
    if (f.errorRate > 0 && Math.random() < f.errorRate) {
      sendError(res, f.errorStatus, 'server_error', [
        { code: 'error', detail: 'A server error occurred.', attr: null },
      ]);
      return;
    }
    next();
  });

  api.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (!header) {
      sendError(res, 401, 'client_error', [
        { code: 'not_authenticated', detail: 'Authentication credentials were not provided.', attr: null },
      ]);
      return;
    }
    const m = /^Api-Key\s+(\S+)\s*$/i.exec(header);
    const account = m ? state.accounts.forKey(m[1]!) : undefined;
    if (!account) {
      sendError(res, 401, 'client_error', [{ code: 'authentication_failed', detail: 'Invalid API key.', attr: null }]);
      return;
    }
    res.locals.accountId = account.id;
    next();
  });

  api.use(express.json({ limit: '1mb' }));

  // A slow Certn still creates the case after the client gave up: searches meanwhile find nothing.
  const orderDelay = (_req: Request, _res: Response, next: NextFunction) => {
    const ms = state.faults.orderDelayMs;
    if (ms > 0) setTimeout(next, ms);
    else next();
  };
  api.post('/cases/order/', orderDelay, (req, res) => {
    state.orderRequests++;
    const body: unknown = req.body;
    const errors: ErrorItem[] = [];
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      sendError(res, 400, 'validation_error', [{ code: 'invalid', detail: 'Expected a JSON object.', attr: null }]);
      return;
    }
    const b = body as Record<string, unknown>;
    const email = b.email_address;
    if (email === undefined || email === null || email === '') {
      errors.push({ code: 'required', detail: 'This field is required.', attr: 'email_address' });
    } else if (typeof email !== 'string' || !EMAIL.test(email)) {
      errors.push({ code: 'invalid', detail: 'Enter a valid email address.', attr: 'email_address' });
    }
    for (const flag of ['send_invite_email', 'return_invite_link'] as const) {
      if (b[flag] !== undefined && typeof b[flag] !== 'boolean') {
        errors.push({ code: 'invalid', detail: 'Must be a valid boolean.', attr: flag });
      }
    }
    const ctwa = b.check_types_with_arguments;
    if (ctwa === undefined || ctwa === null) {
      errors.push({ code: 'required', detail: 'This field is required.', attr: 'check_types_with_arguments' });
    } else if (typeof ctwa !== 'object' || Array.isArray(ctwa)) {
      errors.push({
        code: 'invalid',
        detail: 'Expected an object of check types.',
        attr: 'check_types_with_arguments',
      });
    } else {
      const entries = Object.entries(ctwa as Record<string, unknown>);
      if (entries.length === 0) {
        errors.push({
          code: 'empty',
          detail: 'At least one check type is required.',
          attr: 'check_types_with_arguments',
        });
      }
      for (const [type, args] of entries) {
        if (!isOrderableCheckType(type)) {
          errors.push({
            code: 'invalid_choice',
            detail: `"${type}" is not a valid check type.`,
            attr: `check_types_with_arguments.${type}`,
          });
        } else if (!args || typeof args !== 'object' || Array.isArray(args)) {
          errors.push({
            code: 'invalid',
            detail: 'Check arguments must be an object.',
            attr: `check_types_with_arguments.${type}`,
          });
        }
      }
    }
    if (errors.length > 0) {
      sendError(res, 400, 'validation_error', errors);
      return;
    }
    const c = state.order({
      accountId: res.locals.accountId as string,
      email: email as string,
      checkTypes: ctwa as Record<string, unknown>,
      sendInviteEmail: b.send_invite_email !== false,
    });
    if (state.faults.orderCommitThenFail > 0) {
      state.faults.orderCommitThenFail--;
      loseAnswer(state, res, state.faults.orderFailureMode);
      return;
    }
    const out: Record<string, unknown> = { ...state.publicCase(c) };
    if (b.return_invite_link === true) out.invite_link = `${state.baseUrl}/_invite/${c.id}`;
    res.status(201).json(out);
  });

  api.get('/cases/', (req, res) => {
    const errors: ErrorItem[] = [];
    const statuses = queryList(req.query['overall_status[]']).concat(queryList(req.query.overall_status));
    for (const s of statuses) {
      if (!(CASE_STATUSES as readonly string[]).includes(s)) {
        errors.push({ code: 'invalid_choice', detail: `"${s}" is not a valid choice.`, attr: 'overall_status' });
      }
    }
    const parseTime = (name: 'order_timeframe_after' | 'order_timeframe_before'): number | undefined => {
      const v = queryString(req.query[name]);
      if (v === undefined || v === '') return undefined;
      const t = Date.parse(v);
      if (Number.isNaN(t)) errors.push({ code: 'invalid', detail: 'Enter a valid date/time.', attr: name });
      return t;
    };
    const after = parseTime('order_timeframe_after');
    const before = parseTime('order_timeframe_before');
    const pageRaw = queryString(req.query.page) ?? '1';
    const sizeRaw = queryString(req.query.page_size) ?? String(DEFAULT_PAGE_SIZE);
    if (!/^\d+$/.test(pageRaw) || Number(pageRaw) < 1)
      errors.push({ code: 'invalid', detail: 'A valid page number is required.', attr: 'page' });
    if (!/^\d+$/.test(sizeRaw) || Number(sizeRaw) < 1)
      errors.push({ code: 'invalid', detail: 'A valid page size is required.', attr: 'page_size' });
    if (errors.length > 0) {
      sendError(res, 400, 'validation_error', errors);
      return;
    }
    const email = queryString(req.query.email_address);
    const all = state.listCases({
      accountId: res.locals.accountId as string,
      ...(email ? { email } : {}),
      ...(after !== undefined ? { after } : {}),
      ...(before !== undefined ? { before } : {}),
      statuses,
    });
    const pageSize = Math.min(Number(sizeRaw), MAX_PAGE_SIZE);
    const pageCount = Math.max(1, Math.ceil(all.length / pageSize));
    const page = Number(pageRaw);
    if (page > pageCount) {
      sendError(res, 404, 'client_error', [{ code: 'not_found', detail: 'Invalid page.', attr: 'page' }]);
      return;
    }
    const results = all.slice((page - 1) * pageSize, page * pageSize).map((c) => state.publicCase(c));
    res.json({
      pagination: {
        result_count: all.length,
        page_count: pageCount,
        page_size: pageSize,
        current_page: page,
        next_page: page < pageCount ? page + 1 : null,
        previous_page: page > 1 ? page - 1 : null,
      },
      results,
    });
  });

  api.get('/cases/report-files/:id/', (req, res) => {
    try {
      res.json(state.publicReportFile(state.getReportFile(req.params.id!, res.locals.accountId as string)));
    } catch (e) {
      handleSandboxError(res, e);
    }
  });

  api.get('/cases/:id/', (req, res) => {
    try {
      res.json(state.publicCase(state.getCase(req.params.id!, res.locals.accountId as string)));
    } catch (e) {
      handleSandboxError(res, e);
    }
  });

  api.post('/cases/:id/cancel/', (req, res) => {
    try {
      res.json(state.publicCase(state.cancel(req.params.id!, res.locals.accountId as string)));
    } catch (e) {
      handleSandboxError(res, e);
    }
  });

  api.post('/cases/:id/generate-report/', (req, res) => {
    try {
      res
        .status(201)
        .json(state.publicReportFile(state.generateReport(req.params.id!, res.locals.accountId as string)));
    } catch (e) {
      handleSandboxError(res, e);
    }
  });

  api.use((_req: Request, res: Response) => notFound(res));
  api.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number };
    if (e && e.type === 'entity.parse.failed') {
      sendError(res, 400, 'validation_error', [{ code: 'parse_error', detail: 'Malformed JSON.', attr: null }]);
      return;
    }
    if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      sendError(res, e.status, e.status === 400 ? 'validation_error' : 'client_error', [
        { code: 'invalid', detail: 'Bad request.', attr: null },
      ]);
      return;
    }
    handleSandboxError(res, err);
  });
  return api;
}

/** The answer to an order Certn has committed is lost: an error status, a dropped connection, or no answer at all. */
function loseAnswer(state: CertnSandboxState, res: Response, mode: OrderFailureMode): void {
  if (mode === 500) {
    sendError(res, 500, 'server_error', [{ code: 'error', detail: 'A server error occurred.', attr: null }]);
  } else if (mode === 502) {
    // What a gateway in front of Certn answers: not Certn's JSON error body.
    res.status(502).type('text/html').send('<html><body><h1>502 Bad Gateway</h1></body></html>');
  } else if (mode === 'drop') {
    res.socket?.destroy();
  } else {
    // Hang until the client gives up (its socket closes) or the sandbox resets or stops.
    const held = { destroy: () => res.socket?.destroy() };
    state.hanging.add(held);
    res.on('close', () => state.hanging.delete(held));
  }
}
