// The Certn sandbox's control surface under /_sandbox (no auth; a local test and demo tool): overview and reset,
// cases (inspect, advance, side paths, auto-advance, orders placed outside the service), faults and tuning;
// accounts, keys, webhooks and deliveries in control-accounts.ts.
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { CASE_SCORES, type CaseScore, isOrderableCheckType } from './catalogue';
import { addAccountRoutes } from './control-accounts';
import { mergeFaults, type Faults, type Tuning } from './faults';
import { controlBad as bad, controlWrap as wrap, queryString, zodMessage } from './http';
import { SIDE_PATHS, type SidePath } from './lifecycle';
import type { CertnSandboxState } from './state';

const OutsideOrder = z
  .object({
    email_address: z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an e-mail address'),
    check_types: z.array(z.string().min(1)).min(1),
    /** When the case was created (ISO time), e.g. minutes before the service's own order. */
    created: z.string().datetime({ offset: true }).optional(),
    account: z.string().min(1).optional(),
  })
  .strict();

export function createControlRouter(state: CertnSandboxState): express.Router {
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));

  r.get('/', (_req, res) => res.json(state.snapshot()));
  r.get('/state', (_req, res) => res.json(state.snapshot()));

  r.post('/reset', (_req, res) => {
    state.reset();
    res.json({ ok: true });
  });

  addAccountRoutes(r, state);

  r.get('/cases', (req, res) => {
    const email = queryString(req.query.email_address);
    const account = queryString(req.query.account);
    const list = [...state.cases.values()].filter(
      (c) => (!email || c.email_address.toLowerCase() === email.toLowerCase()) && (!account || c.accountId === account),
    );
    res.json({
      count: list.length,
      orderCount: state.orderCount,
      orderRequests: state.orderRequests,
      cases: list.map((c) => state.controlCase(c)),
    });
  });
  // A case ordered outside the service, as from Certn's dashboard: same lifecycle, not counted in orderCount.
  r.post(
    '/cases',
    wrap((req, res) => {
      const parsed = OutsideOrder.safeParse(req.body);
      if (!parsed.success) return bad(res, zodMessage(parsed.error));
      const b = parsed.data;
      const unknown = b.check_types.filter((t) => !isOrderableCheckType(t));
      if (unknown.length > 0) return bad(res, `unknown check types: ${unknown.join(', ')}`);
      const c = state.orderOutside({
        email: b.email_address,
        checkTypes: b.check_types,
        ...(b.account ? { accountId: b.account } : {}),
        ...(b.created ? { created: new Date(b.created).toISOString() } : {}),
      });
      res.status(201).json(state.controlCase(c));
    }),
  );
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
    '/cases/:id/score',
    wrap((req, res) => {
      const score = req.body?.score as unknown;
      if (score !== null && !(CASE_SCORES as readonly string[]).includes(score as string)) {
        return bad(res, `score must be null or one of ${CASE_SCORES.join(', ')}`);
      }
      res.json(state.controlCase(state.setScore(req.params.id!, score as CaseScore | null)));
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
