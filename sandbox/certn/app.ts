// Express app of the Certn sandbox: the public API (/api/public, per contracts/certn.md), the signed PDF file
// route (/_files, no Api-Key) and the control surface (/_sandbox, no auth — a local test/demo tool).
import express, { type NextFunction, type Request, type Response } from 'express';
import { createLogger } from '../log';
import { CASE_STATUSES, isOrderableCheckType, type ErrorItem } from './catalogue';
import {
  CertnSandboxState,
  SIDE_PATHS,
  SandboxError,
  defaultFaults,
  type Faults,
  type SidePath,
  type Tuning,
} from './state';

const log = createLogger('certn-sandbox-http');

type ErrorType = 'validation_error' | 'client_error' | 'server_error';

function sendError(res: Response, status: number, type: ErrorType, errors: ErrorItem[]): void {
  res.status(status).json({ type, errors });
}
const notFound = (res: Response): void =>
  sendError(res, 404, 'client_error', [{ code: 'not_found', detail: 'Not found.', attr: null }]);

// Deliberately simple: one @, no spaces, a dot in the domain.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

function handleSandboxError(res: Response, e: unknown): void {
  if (e instanceof SandboxError) {
    const type: ErrorType = e.status === 400 ? 'validation_error' : e.status >= 500 ? 'server_error' : 'client_error';
    sendError(res, e.status, type, [{ code: e.code, detail: e.message, attr: null }]);
    return;
  }
  log.error('sandbox handler failed', { error: e });
  sendError(res, 500, 'server_error', [{ code: 'error', detail: 'A server error occurred.', attr: null }]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Query values as a string list; accepts repeated keys and comma-separated values. */
function queryList(q: unknown): string[] {
  const raw = Array.isArray(q) ? q : q === undefined ? [] : [q];
  return raw
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : []))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function queryString(q: unknown): string | undefined {
  if (typeof q === 'string') return q;
  if (Array.isArray(q) && typeof q[0] === 'string') return q[0];
  return undefined;
}

export function createCertnSandboxApp(state: CertnSandboxState): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // `overall_status[]` must stay a plain key: use the simple (querystring) parser, no nested-object expansion.
  app.set('query parser', 'simple');

  // ── public API ───────────────────────────────────────────────────────────────────────────────────────────
  const api = express.Router();

  // Faults first: they simulate the edge (latency, 5xx, rate limiting) before auth.
  api.use(async (_req: Request, res: Response, next: NextFunction) => {
    state.apiRequests++;
    const f = state.faults;
    if (f.latencyMs > 0) await sleep(f.latencyMs);
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
    if (!m || !state.isValidKey(m[1]!)) {
      sendError(res, 401, 'client_error', [{ code: 'authentication_failed', detail: 'Invalid API key.', attr: null }]);
      return;
    }
    next();
  });

  api.use(express.json({ limit: '1mb' }));

  api.post('/cases/order/', (req, res) => {
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
      email: email as string,
      checkTypes: ctwa as Record<string, unknown>,
      sendInviteEmail: b.send_invite_email !== false,
    });
    if (state.faults.orderCommitThenFail > 0) {
      state.faults.orderCommitThenFail--;
      sendError(res, 500, 'server_error', [{ code: 'error', detail: 'A server error occurred.', attr: null }]);
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
      res.json(state.publicReportFile(state.getReportFile(req.params.id!)));
    } catch (e) {
      handleSandboxError(res, e);
    }
  });

  api.get('/cases/:id/', (req, res) => {
    try {
      res.json(state.publicCase(state.getCase(req.params.id!)));
    } catch (e) {
      handleSandboxError(res, e);
    }
  });

  api.post('/cases/:id/cancel/', (req, res) => {
    try {
      res.json(state.publicCase(state.cancel(req.params.id!)));
    } catch (e) {
      handleSandboxError(res, e);
    }
  });

  api.post('/cases/:id/generate-report/', (req, res) => {
    try {
      res.status(201).json(state.publicReportFile(state.generateReport(req.params.id!)));
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

  app.use('/api/public', api);

  // ── signed PDF files (no Api-Key; the signature is the credential) ────────────────────────────────────────
  app.get('/_files/report-files/:name', (req, res) => {
    const m = /^(.+)\.pdf$/.exec(req.params.name ?? '');
    const id = m?.[1];
    const rf = id ? state.reportFiles.get(id) : undefined;
    const verdict = id ? state.checkPdfSignature(id, req.query.expires, req.query.signature) : 'forged';
    if (verdict !== 'ok') {
      sendError(res, 403, 'client_error', [
        {
          code: verdict === 'expired' ? 'url_expired' : 'invalid_signature',
          detail: verdict === 'expired' ? 'This link has expired.' : 'Invalid signature.',
          attr: null,
        },
      ]);
      return;
    }
    if (!rf || !rf.pdf) {
      notFound(res);
      return;
    }
    res
      .status(200)
      .type('application/pdf')
      .setHeader('Content-Disposition', `inline; filename="certn-report-${rf.case_id}.pdf"`);
    res.end(Buffer.from(rf.pdf));
  });

  app.use('/_sandbox', createControlRouter(state));
  app.use((_req: Request, res: Response) => notFound(res));
  return app;
}

// ── control surface ────────────────────────────────────────────────────────────────────────────────────────
function createControlRouter(state: CertnSandboxState): express.Router {
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));
  const bad = (res: Response, detail: string): void => {
    res.status(400).json({ error: detail });
  };
  const wrap =
    (fn: (req: Request, res: Response) => unknown | Promise<unknown>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        await fn(req, res);
      } catch (e) {
        if (e instanceof SandboxError) res.status(e.status).json({ error: e.message, code: e.code });
        else {
          log.error('control handler failed', { error: e });
          res.status(500).json({ error: 'internal error' });
        }
      }
    };

  r.get('/', (_req, res) => res.json(state.snapshot()));
  r.get('/state', (_req, res) => res.json(state.snapshot()));

  r.post('/reset', (_req, res) => {
    state.reset();
    res.json({ ok: true });
  });

  r.post('/api-keys', (req, res) => {
    const key = typeof req.body?.key === 'string' ? (req.body.key as string) : undefined;
    res.status(201).json({ key: state.createApiKey(key) });
  });
  r.delete('/api-keys/:key', (req, res) => {
    res.json({ revoked: state.revokeApiKey(req.params.key!) });
  });

  r.put(
    '/webhook',
    wrap(async (req, res) => {
      const { url, secret } = (req.body ?? {}) as { url?: unknown; secret?: unknown };
      if (typeof url !== 'string' || typeof secret !== 'string' || secret === '')
        return bad(res, 'url and secret are required');
      res.json(await state.webhooks.configure(url, secret));
    }),
  );
  r.get('/webhook', (_req, res) => res.json(state.webhooks.info()));
  r.delete('/webhook', (_req, res) => {
    state.webhooks.clear();
    res.json(state.webhooks.info());
  });

  r.get('/cases', (req, res) => {
    const email = queryString(req.query.email_address);
    const list = [...state.cases.values()].filter(
      (c) => !email || c.email_address.toLowerCase() === email.toLowerCase(),
    );
    res.json({
      count: list.length,
      orderCount: state.orderCount,
      orderRequests: state.orderRequests,
      cases: list.map((c) => state.controlCase(c)),
    });
  });
  r.get(
    '/cases/:id',
    wrap((req, res) => res.json(state.controlCase(state.getCase(req.params.id!)))),
  );
  r.post(
    '/cases/:id/advance',
    wrap((req, res) => {
      const steps = req.body?.steps === undefined ? 1 : Number(req.body.steps);
      if (!Number.isInteger(steps) || steps < 1 || steps > 1000) return bad(res, 'steps must be an integer in 1..1000');
      let changed = 0;
      for (let i = 0; i < steps; i++) if (state.advance(req.params.id!)) changed++;
      res.json({ changed, case: state.controlCase(state.getCase(req.params.id!)) });
    }),
  );
  r.post(
    '/cases/:id/side-path',
    wrap((req, res) => {
      const status = req.body?.status as unknown;
      if (typeof status !== 'string' || !(SIDE_PATHS as readonly string[]).includes(status)) {
        return bad(res, `status must be one of ${SIDE_PATHS.join(', ')}`);
      }
      res.json(state.controlCase(state.sidePath(req.params.id!, status as SidePath)));
    }),
  );
  r.put(
    '/cases/:id/auto-advance',
    wrap((req, res) => {
      if (req.body === null || req.body?.enabled === null) {
        return res.json(state.controlCase(state.setCaseAutoAdvance(req.params.id!, null)));
      }
      const a = parseAutoAdvance(req.body, state.autoAdvance.stepDelayMs);
      if (typeof a === 'string') return bad(res, a);
      res.json(state.controlCase(state.setCaseAutoAdvance(req.params.id!, a)));
    }),
  );
  r.delete(
    '/cases/:id/auto-advance',
    wrap((req, res) => res.json(state.controlCase(state.setCaseAutoAdvance(req.params.id!, null)))),
  );
  r.put('/auto-advance', (req, res) => {
    const a = parseAutoAdvance(req.body, state.autoAdvance.stepDelayMs);
    if (typeof a === 'string') return bad(res, a);
    state.setGlobalAutoAdvance(a);
    res.json(state.autoAdvance);
  });

  r.get('/deliveries', (_req, res) =>
    res.json({ webhook: state.webhooks.info(), deliveries: state.webhooks.deliveries }),
  );
  r.delete('/deliveries', (_req, res) => {
    state.webhooks.clearLog();
    res.json({ ok: true });
  });

  r.get('/faults', (_req, res) => res.json(state.faults));
  r.put('/faults', (req, res) => {
    const next = mergeFaults(state.faults, req.body);
    if (typeof next === 'string') return bad(res, next);
    state.faults = next;
    res.json(state.faults);
  });
  r.delete('/faults', (_req, res) => {
    state.faults = mergeFaults(state.faults, null) as Faults;
    res.json(state.faults);
  });

  r.get('/tuning', (_req, res) => res.json(state.tuning));
  r.put('/tuning', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next: Tuning = { ...state.tuning };
    for (const [k, v] of Object.entries(body)) {
      if (!(k in next)) return bad(res, `unknown tuning field ${k}`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return bad(res, `${k} must be a non-negative number`);
      (next as unknown as Record<string, number>)[k] = v;
    }
    if (next.maxAttempts < 1) return bad(res, 'maxAttempts must be >= 1');
    state.tuning = next;
    res.json(state.tuning);
  });

  r.use((_req: Request, res: Response) => res.status(404).json({ error: 'unknown control endpoint' }));
  return r;
}

function parseAutoAdvance(body: unknown, defaultDelay: number): { enabled: boolean; stepDelayMs: number } | string {
  const b = (body ?? {}) as { enabled?: unknown; stepDelayMs?: unknown };
  if (typeof b.enabled !== 'boolean') return 'enabled (boolean) is required';
  const delay = b.stepDelayMs === undefined ? defaultDelay : b.stepDelayMs;
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0)
    return 'stepDelayMs must be a non-negative number';
  return { enabled: b.enabled, stepDelayMs: delay };
}

/** Merges a partial faults object; null resets everything. Returns an error string on bad input. */
function mergeFaults(current: Faults, body: unknown): Faults | string {
  if (body === null) {
    return defaultFaults();
  }
  if (typeof body !== 'object' || Array.isArray(body)) return 'expected an object';
  const b = body as Record<string, unknown>;
  const next: Faults = { ...current, rateLimitStorm: { ...current.rateLimitStorm }, webhook: { ...current.webhook } };
  const nonNeg = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  for (const [k, v] of Object.entries(b)) {
    switch (k) {
      case 'latencyMs':
      case 'orderCommitThenFail':
        if (!nonNeg(v)) return `${k} must be a non-negative number`;
        next[k] = v;
        break;
      case 'errorRate':
        if (!nonNeg(v) || v > 1) return 'errorRate must be in [0,1]';
        next.errorRate = v;
        break;
      case 'errorStatus':
        if (v !== 500 && v !== 503) return 'errorStatus must be 500 or 503';
        next.errorStatus = v;
        break;
      case 'reportFailure':
        if (typeof v !== 'boolean') return 'reportFailure must be a boolean';
        next.reportFailure = v;
        break;
      case 'rateLimitStorm': {
        const s = (v ?? {}) as Record<string, unknown>;
        if (s.requests !== undefined) {
          if (!nonNeg(s.requests)) return 'rateLimitStorm.requests must be a non-negative number';
          next.rateLimitStorm.requests = Math.floor(s.requests);
        }
        if (s.retryAfterSeconds !== undefined) {
          if (!nonNeg(s.retryAfterSeconds)) return 'rateLimitStorm.retryAfterSeconds must be a non-negative number';
          next.rateLimitStorm.retryAfterSeconds = s.retryAfterSeconds;
        }
        break;
      }
      case 'webhook': {
        const w = (v ?? {}) as Record<string, unknown>;
        for (const [wk, wv] of Object.entries(w)) {
          if (wk === 'drop') {
            if (typeof wv !== 'boolean' && !(nonNeg(wv) && wv <= 1))
              return 'webhook.drop must be a boolean or a number in [0,1]';
            next.webhook.drop = wv;
          } else if (wk === 'duplicate' || wk === 'outOfOrder') {
            if (typeof wv !== 'boolean') return `webhook.${wk} must be a boolean`;
            next.webhook[wk] = wv;
          } else if (wk === 'delayMs') {
            if (!nonNeg(wv)) return 'webhook.delayMs must be a non-negative number';
            next.webhook.delayMs = wv;
          } else return `unknown webhook fault ${wk}`;
        }
        break;
      }
      default:
        return `unknown fault ${k}`;
    }
  }
  return next;
}
