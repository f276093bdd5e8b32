// Certn's thin callbacks, one URL per team:
//   GET  /webhooks/certn/:hookId?challenge=x → 200 text/plain `x` (endpoint verification); 404 unknown hook
//   POST /webhooks/certn/:hookId → X-Signature (HMAC-SHA256 of the raw body, team's webhook secret) checked (401),
//        body parsed (400), the check found through the durable Certn object mapping (whichever team owns the
//        object: one Certn account may serve several teams through one URL) and nudged. An unknown object
//        or a closed check is acknowledged (200, logged); Temporal unreachable → 503 so Certn retries.
//        Nudges for one check are coalesced (nudge-coalescer.ts): a storm of callbacks costs the check two signals.
// Nudges still reach open checks of a disabled team: disabling stops new checks, not the ones under way.
import express, { NextFunction, Request, Response } from 'express';
import { CertnWebhookEvent } from '../certn/schemas';
import { verifyCertnSignature } from '../certn/signature';
import { createLogger } from '../logger';
import { CertnHookTeam, SettingsStore } from '../settings/store';
import { fieldErrors } from '../settings/schemas';
import type { CertnNudge } from '../workflows/definitions';
import { CheckGateway, TemporalUnavailableError } from './check-gateway';
import { METRIC, Metrics } from './metrics';
import { NudgeCoalescer } from './nudge-coalescer';

const log = createLogger('certn-webhook');

export const CERTN_WEBHOOK_MAX_BYTES = 64 * 1024;
const CHALLENGE_MAX = 1024;

export interface CertnWebhookDeps {
  store: SettingsStore;
  gateway: CheckGateway;
  metrics: Metrics;
  maxBodyBytes?: number;
}

export type CertnOutcome =
  | 'signalled'
  | 'check_closed'
  | 'unknown_object'
  | 'challenge'
  | 'unknown_hook'
  | 'too_large'
  | 'malformed'
  | 'invalid_signature'
  | 'temporal_unavailable'
  | 'error';

const STATUS: Record<CertnOutcome, number> = {
  signalled: 200,
  check_closed: 200,
  unknown_object: 200,
  challenge: 200,
  unknown_hook: 404,
  too_large: 413,
  malformed: 400,
  invalid_signature: 401,
  temporal_unavailable: 503,
  error: 500,
};

export function certnWebhookRouter(deps: CertnWebhookDeps): express.Router {
  const router = express.Router();
  const limit = deps.maxBodyBytes ?? CERTN_WEBHOOK_MAX_BYTES;
  const nudges = new NudgeCoalescer<CertnNudge>((workflowId, nudge) => deps.gateway.certnEvent(workflowId, nudge));

  const count = (outcome: CertnOutcome) => deps.metrics.inc(METRIC.certnWebhooks, { outcome });
  const reply = (res: Response, outcome: CertnOutcome, extra: Record<string, unknown> = {}) => {
    count(outcome);
    const status = STATUS[outcome];
    res.status(status).json(status < 300 ? { ok: true, outcome, ...extra } : { error: outcome, ...extra });
  };

  const findTeam = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const team = await deps.store.findCertnHook(String(req.params.hookId));
      if (!team) {
        log.warn('certn webhook for an unknown hook id', { method: req.method });
        return reply(res, 'unknown_hook');
      }
      res.locals.team = team;
      next();
    } catch (err) {
      next(err);
    }
  };

  router.get('/webhooks/certn/:hookId', findTeam, (req, res) => {
    const team = res.locals.team as CertnHookTeam;
    const challenge = req.query.challenge;
    if (typeof challenge !== 'string' || challenge.length === 0 || challenge.length > CHALLENGE_MAX) {
      return reply(res, 'malformed', { message: 'expected ?challenge=<value>' });
    }
    count('challenge');
    log.info('certn endpoint verification answered', { teamId: team.teamId });
    res.status(200).type('text/plain; charset=utf-8').set('X-Content-Type-Options', 'nosniff').send(challenge);
  });

  const handle = async (req: Request, res: Response) => {
    const started = Date.now();
    const team = res.locals.team as CertnHookTeam;
    const teamId = team.teamId;
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = req.get('x-signature');
    if (!team.webhookSecret || !verifyCertnSignature(team.webhookSecret, raw, header)) {
      log.warn('certn webhook signature rejected', { teamId, secretConfigured: Boolean(team.webhookSecret) });
      return reply(res, 'invalid_signature');
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      log.warn('certn webhook body is not JSON', { teamId });
      return reply(res, 'malformed', { message: 'body is not JSON' });
    }
    const parsed = CertnWebhookEvent.safeParse(json);
    if (!parsed.success) {
      log.warn('certn webhook body is invalid', { teamId, fields: Object.keys(fieldErrors(parsed.error)) });
      return reply(res, 'malformed', { fields: fieldErrors(parsed.error) });
    }
    const ev = parsed.data;
    const ctx = {
      teamId,
      eventId: ev.id,
      eventType: ev.event_type,
      objectType: ev.object_type,
      objectId: ev.object_id,
    };
    // One Certn account can serve several teams but has one webhook URL: the object, not the URL, names the check.
    // Safe because a callback is only a nudge (the check re-reads the case with its own team's key).
    const ref = await deps.store.findCertnObjectOwner(ev.object_id);
    if (!ref) {
      log.info('certn webhook for an object no check knows', ctx);
      return reply(res, 'unknown_object');
    }
    const wctx = { ...ctx, workflowId: ref.workflowId, caseId: ref.caseId, ownerTeamId: ref.teamId };
    // How long the callback waited for its (coalesced) signal: Certn gives up on an attempt after a few seconds.
    const took = () => ({ ...wctx, ms: Date.now() - started });
    try {
      const delivered = await nudges.nudge(ref.workflowId, {
        eventId: ev.id,
        eventType: ev.event_type,
        objectType: ev.object_type,
        objectId: ev.object_id,
      });
      log.info(delivered ? 'certn event handed to the check' : 'certn event for a closed check', took());
      return reply(res, delivered ? 'signalled' : 'check_closed');
    } catch (err) {
      if (err instanceof TemporalUnavailableError) {
        log.warn('certn event not accepted: Temporal unavailable', { ...took(), err });
        return reply(res, 'temporal_unavailable', { message: 'try again later' });
      }
      log.error('certn event failed', { ...took(), err });
      return reply(res, 'error');
    }
  };

  router.post('/webhooks/certn/:hookId', findTeam, express.raw({ type: () => true, limit }), (req, res, next) => {
    handle(req, res).catch(next);
  });

  router.use('/webhooks/certn', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const type = (err as { type?: string })?.type;
    if (type === 'entity.too.large') return reply(res, 'too_large');
    if (typeof type === 'string') return reply(res, 'malformed', { message: 'unreadable body' });
    log.error('certn webhook failed', { err });
    return reply(res, 'error');
  });

  return router;
}
