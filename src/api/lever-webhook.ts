// POST /webhooks/lever/:hookId — Lever's signed candidate webhooks, one URL per team.
// Over 300 lines: every answer below is one branch of one request's story, kept in order in one file.
//
// Answers fast and does little: find the team, verify, dedupe, hand to Temporal. Status codes:
//   404 unknown hook id · 413 body over the limit · 400 not JSON / no token, triggeredAt and signature (no details:
//       an unauthenticated caller learns nothing of the schema)
//   401 bad signature (an acted-on event verifies with its own webhook's token only: lever-webhook-tokens.ts),
//       token_not_set (that event's token is not configured: the message names the setting), or triggeredAt further than LEVER_WEBHOOK_WINDOW_SECONDS from now (a replay or a stale
//       re-run: the signature does not cover `data`, so an old signed delivery must not be accepted again)
//   From here the signature verified, and the delivery spends its token whatever follows; the token is stored with
//   a hash of the body, so the same token with another body (a replayed signature with forged data) is refused:
//   409 token_reused · 400 malformed (field errors, only now) ·
//   200 accepted, ping, duplicate token, disabled team, other event (an unarchive too), other stage, no_open_check
//       (an archive or delete for a candidate without an open check) (all logged with the outcome)
//   202 queued: a stage change with Temporal unreachable, stored for the relay (lever-relay.ts; copies: duplicate)
//   503 Temporal unreachable for an archive/delete, or the queue write failed (the claim is released so Lever's
//       retry of the same body is accepted) · 500 (same)
//   503 in_flight: a copy of a delivery another request is handing to Temporal right now (never a 2xx: were that
//   attempt to fail, the 2xx would have ended Lever's retries); a claim a crash left unfinished lapses after
//   DELIVERY_CLAIM_LEASE_MS and the next copy takes it over.
import express, { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ArchiveChangeData, LeverWebhookBody, StageChangeData } from '../lever/schemas';
import { createLogger } from '../logger';
import { LeverHookTeam, SettingsStore } from '../settings/store';
import { fieldErrors } from '../settings/schemas';
import { CheckGateway, TemporalUnavailableError } from './check-gateway';
import { queueStageChange } from './lever-outbox-queue';
import { verifyLeverDelivery } from './lever-webhook-tokens';
import { METRIC, Metrics } from './metrics';

const log = createLogger('lever-webhook');

export const LEVER_WEBHOOK_MAX_BYTES = 64 * 1024;
/** Tokens are kept this long past the acceptance window (clock skew margin) before pruning. */
const PRUNE_MARGIN_MS = 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 1000;
/** A claim not handed over in this long was abandoned (the gateway gives Temporal 2 s): a copy may take it over. */
export const DELIVERY_CLAIM_LEASE_MS = 30 * 1000;

export interface LeverWebhookDeps {
  store: SettingsStore;
  gateway: CheckGateway;
  /** Accepted distance between triggeredAt and now, in ms. */
  windowMs: number;
  now: () => number;
  metrics: Metrics;
  maxBodyBytes?: number;
}

export type LeverOutcome =
  | 'accepted'
  | 'queued'
  | 'ping'
  | 'duplicate'
  | 'team_disabled'
  | 'event_ignored'
  | 'other_stage'
  | 'no_open_check'
  | 'unknown_hook'
  | 'too_large'
  | 'malformed'
  | 'invalid_signature'
  | 'token_not_set'
  | 'stale'
  | 'temporal_unavailable'
  | 'in_flight'
  | 'token_reused'
  | 'error';

const STATUS: Record<LeverOutcome, number> = {
  accepted: 200,
  queued: 202,
  ping: 200,
  duplicate: 200,
  team_disabled: 200,
  event_ignored: 200,
  other_stage: 200,
  no_open_check: 200,
  unknown_hook: 404,
  too_large: 413,
  malformed: 400,
  invalid_signature: 401,
  token_not_set: 401,
  stale: 401,
  temporal_unavailable: 503,
  in_flight: 503,
  token_reused: 409,
  error: 500,
};

/** What the signature needs (`event` picks the token): checked before anything, its failure names no field. */
const SignedEnvelope = z.object({
  event: z.unknown(),
  token: z.string().min(1).max(256),
  triggeredAt: z.number().int().nonnegative(),
  signature: z.string(),
});

/** Canonical JSON (keys sorted at every level): the same delivery hashes the same however it is spaced. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function deliveryBodyHash(json: unknown): string {
  return createHash('sha256').update(canonical(json), 'utf8').digest('hex');
}

export function leverWebhookRouter(deps: LeverWebhookDeps): express.Router {
  const router = express.Router();
  const limit = deps.maxBodyBytes ?? LEVER_WEBHOOK_MAX_BYTES;
  let lastPrune = 0;

  const reply = (res: Response, outcome: LeverOutcome, extra: Record<string, unknown> = {}) => {
    deps.metrics.inc(METRIC.leverWebhooks, { outcome });
    const status = STATUS[outcome];
    res.status(status).json(status < 300 ? { ok: true, outcome, ...extra } : { error: outcome, ...extra });
  };

  const findTeam = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const team = await deps.store.findLeverHook(String(req.params.hookId));
      if (!team) {
        log.warn('lever webhook for an unknown hook id');
        return reply(res, 'unknown_hook');
      }
      res.locals.team = team;
      next();
    } catch (err) {
      next(err);
    }
  };

  const maybePrune = () => {
    const now = deps.now();
    if (now - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now;
    deps.store
      .pruneLeverDeliveries(now - deps.windowMs - PRUNE_MARGIN_MS)
      .then((n) => n > 0 && log.debug('pruned old lever delivery tokens', { count: n }))
      .catch((err: unknown) => log.error('pruning lever delivery tokens failed', { err }));
  };

  const handle = async (req: Request, res: Response) => {
    const team = res.locals.team as LeverHookTeam;
    const teamId = team.teamId;
    const raw: unknown = req.body;
    let json: unknown;
    try {
      if (!Buffer.isBuffer(raw) || raw.length === 0) throw new Error('empty body');
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      log.warn('lever webhook body is not JSON', { teamId });
      return reply(res, 'malformed', { message: 'body is not JSON' });
    }
    const envelope = SignedEnvelope.safeParse(json);
    if (!envelope.success) {
      log.warn('lever webhook body is not a signed Lever delivery', { teamId });
      return reply(res, 'malformed', { message: 'not a Lever webhook body' });
    }
    const signed = envelope.data;
    const ctx = { teamId, triggeredAt: signed.triggeredAt };

    const verification = verifyLeverDelivery(team, signed.event, signed);
    if (verification.outcome !== 'verified') {
      log.warn('lever webhook signature rejected', { ...ctx, ...verification });
      if (verification.outcome === 'invalid_signature') return reply(res, 'invalid_signature');
      const message = `${verification.field} is not set: add this Lever webhook's signature token to the team`;
      return reply(res, 'token_not_set', { message });
    }
    const skewMs = deps.now() - signed.triggeredAt;
    if (Math.abs(skewMs) > deps.windowMs) {
      log.warn('lever webhook outside the acceptance window', { ...ctx, skewSeconds: Math.round(skewMs / 1000) });
      return reply(res, 'stale', { message: 'triggeredAt is outside the accepted window' });
    }

    // Signed and fresh: this delivery spends its token, whatever it turns out to be.
    maybePrune();
    const claim = await deps.store.claimLeverDelivery(teamId, signed.token, {
      triggeredAt: signed.triggeredAt,
      bodyHash: deliveryBodyHash(json),
      abandonedBefore: deps.now() - DELIVERY_CLAIM_LEASE_MS,
    });
    if (claim.outcome === 'token_reused') {
      log.warn('lever webhook refused: its token was already used with another body', ctx);
      return reply(res, 'token_reused', { message: 'this token was already used with a different body' });
    }
    if (claim.outcome === 'handed') {
      log.info('lever webhook ignored: delivery already seen', ctx);
      return reply(res, 'duplicate');
    }
    if (claim.outcome === 'in_flight') {
      // Never a 2xx here: should the first attempt fail, that answer would have ended Lever's retries.
      log.info('lever webhook copy of a delivery being handed over now: asking for a retry', ctx);
      return reply(res, 'in_flight', { message: 'this delivery is being handled; try again later' });
    }
    const { claimId } = claim;
    /** Acknowledged without a hand-over: the token stays spent (only this claim's holder may mark it). */
    const spend = async (outcome: LeverOutcome, message: string, extra: Record<string, unknown> = {}) => {
      await deps.store.markLeverDeliveryHanded(teamId, signed.token, claimId);
      log.info(message, ctx);
      return reply(res, outcome, extra);
    };

    const parsed = LeverWebhookBody.safeParse(json);
    if (!parsed.success) {
      return spend('malformed', 'lever webhook body is invalid', { fields: fieldErrors(parsed.error) });
    }
    const body = parsed.data;
    if (body.event === 'candidateHired' && Object.keys(body.data).length === 0) {
      return spend('ping', 'lever webhook ping');
    }
    if (!team.enabled) return spend('team_disabled', 'lever webhook ignored: team disabled');
    if (body.event === 'candidateArchiveChange' || body.event === 'candidateDeleted') {
      return removal(body.event, body, claimId, res, spend);
    }
    if (body.event !== 'candidateStageChange')
      return spend('event_ignored', 'lever webhook ignored: event not handled');
    const data = StageChangeData.safeParse(body.data);
    if (!data.success) {
      const fields = Object.fromEntries(Object.entries(fieldErrors(data.error)).map(([k, v]) => [`data.${k}`, v]));
      return spend('malformed', 'lever stage change data is invalid', { fields });
    }
    const { opportunityId, toStageId } = data.data;
    const octx = { ...ctx, opportunityId, toStageId };
    if (toStageId !== team.triggerStageId) return spend('other_stage', 'lever webhook ignored: not the trigger stage');

    try {
      await deps.gateway.stageEntered(teamId, opportunityId, { triggeredAt: body.triggeredAt, toStageId });
    } catch (err) {
      const handover = { opportunityId, triggeredAt: body.triggeredAt, toStageId };
      const unavailable = err instanceof TemporalUnavailableError;
      // A 2xx ends Lever's retries: only once the hand-over is durable (a store failure too → 503, Lever retries).
      if (unavailable && (await queueStageChange(deps.store, teamId, body.token, claimId, handover, err))) {
        return reply(res, 'queued');
      }
      return handOverFailed(err, body.token, claimId, octx, res);
    }
    // Temporal has it. Should this write fail (or the claim have lapsed to a copy), the copy hands it over again: a
    // second signal to the same check, which orders nothing new.
    await deps.store.markLeverDeliveryHanded(teamId, body.token, claimId);
    log.info('lever stage change handed to the check', octx);
    return reply(res, 'accepted');
  };

  /** Temporal did not take the delivery: the claim is released so Lever's retry of the same body is accepted. */
  const handOverFailed = async (
    err: unknown,
    token: string,
    claimId: string,
    logCtx: { teamId: string; triggeredAt: number; opportunityId: string },
    res: Response,
  ) => {
    try {
      await deps.store.releaseLeverDelivery(logCtx.teamId, token, claimId);
    } catch (releaseErr) {
      log.error('could not release a lever delivery token', { ...logCtx, err: releaseErr });
    }
    if (err instanceof TemporalUnavailableError) {
      log.warn('lever delivery not accepted: Temporal unavailable', { ...logCtx, err });
      return reply(res, 'temporal_unavailable', { message: 'try again later' });
    }
    log.error('lever delivery failed', { ...logCtx, err });
    return reply(res, 'error');
  };

  /**
   * Archived or deleted in Lever: the open check, if any, is told (it confirms with Lever before cancelling, since
   * `data` is unsigned). Unarchiving does nothing.
   */
  const removal = async (
    event: 'candidateArchiveChange' | 'candidateDeleted',
    { data: raw, triggeredAt, token }: LeverWebhookBody,
    claimId: string,
    res: Response,
    spend: (outcome: LeverOutcome, message: string, extra?: Record<string, unknown>) => Promise<unknown>,
  ) => {
    const team = res.locals.team as LeverHookTeam;
    const data = ArchiveChangeData.safeParse(raw);
    if (!data.success) {
      const fields = Object.fromEntries(Object.entries(fieldErrors(data.error)).map(([k, v]) => [`data.${k}`, v]));
      return spend('malformed', 'lever archive/delete data is invalid', { fields });
    }
    const { opportunityId, toArchived } = data.data;
    if (event === 'candidateArchiveChange' && !toArchived)
      return spend('event_ignored', 'lever unarchive: nothing to do');
    const kind = event === 'candidateDeleted' ? 'deleted' : 'archived';
    const octx = { teamId: team.teamId, triggeredAt, opportunityId };
    let told: boolean;
    try {
      told = await deps.gateway.leverRemoved(team.teamId, opportunityId, { kind, triggeredAt });
    } catch (err) {
      return handOverFailed(err, token, claimId, octx, res);
    }
    if (!told) return spend('no_open_check', `lever ${kind}: no open check`);
    await deps.store.markLeverDeliveryHanded(team.teamId, token, claimId);
    log.info(`lever ${kind} handed to the open check`, octx);
    return reply(res, 'accepted');
  };

  router.post('/webhooks/lever/:hookId', findTeam, express.raw({ type: () => true, limit }), (req, res, next) => {
    handle(req, res).catch(next);
  });

  // Body-parser errors (size, encoding) and unexpected failures of this router.
  router.use('/webhooks/lever', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const type = (err as { type?: string })?.type;
    if (type === 'entity.too.large') return reply(res, 'too_large');
    if (typeof type === 'string') return reply(res, 'malformed', { message: 'unreadable body' });
    log.error('lever webhook failed', { err });
    return reply(res, 'error');
  });

  return router;
}
