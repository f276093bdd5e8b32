// The Lever sandbox's public API edge, in the order Lever applies it: request log, latency and maintenance faults,
// authentication, rate limits (storm fault, then the per-key token bucket), injected 5xx; then per-route guards.
import express, { NextFunction, Request, Response } from 'express';
import type { LeverContext } from './context';
import { drainThen, leverError, sleep, wrap } from './http';
import type { LeverModel } from './model';
import { ApiKeyRec, Permission } from './state';

const MAX_REQUEST_LOG = 10_000;

export function createApiEdge(ctx: LeverContext, model: LeverModel) {
  const { state, now, buckets } = ctx;
  const { findOpp } = model;
  const v1 = express.Router();

  v1.use((req, res, next) => {
    state.counters.requests++;
    res.on('finish', () => {
      if (res.statusCode === 429) state.counters.rateLimited++;
      state.requests.push({ at: now(), method: req.method, path: req.path, status: res.statusCode });
      if (state.requests.length > MAX_REQUEST_LOG) state.requests.splice(0, state.requests.length - MAX_REQUEST_LOG);
    });
    next();
  });

  v1.use(
    wrap(async (req, res, next) => {
      const f = state.faults;
      if (f.latencyMs && f.latencyMs > 0) await sleep(f.latencyMs);
      if (f.maintenance) {
        state.counters.faultErrors++;
        return drainThen(req, () => leverError(res, 503, 'ServiceUnavailable', 'Lever is down for maintenance'));
      }
      next();
    }),
  );

  // Authentication: Basic (key as user name, empty password); a Bearer token naming a key is accepted as well.
  v1.use((req, res, next) => {
    const header = req.get('authorization') ?? '';
    let key: string | undefined;
    const basic = /^Basic\s+(.+)$/i.exec(header);
    const bearer = /^Bearer\s+(.+)$/i.exec(header);
    if (basic) {
      // RFC 7617 user-pass: "<key>:" exactly — the key as user name and an empty password (contracts/lever.md).
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      key = colon > 0 && colon === decoded.length - 1 ? decoded.slice(0, colon) : undefined;
    } else if (bearer) key = bearer[1]!.trim();
    const rec = key ? state.apiKeys.get(key) : undefined;
    if (!rec || rec.revoked) {
      return drainThen(req, () => leverError(res, 401, 'Unauthorized', 'Invalid or revoked API key'));
    }
    res.locals.apiKey = rec;
    next();
  });

  // Rate limits: the storm fault first, then the per-key token bucket (10/s, burst 20 by default).
  v1.use((req, res, next) => {
    const rec = res.locals.apiKey as ApiKeyRec;
    const storm = state.faults.rateLimitStorm;
    if (storm && storm.requests > 0) {
      storm.requests--;
      res.set('Retry-After', '1');
      return drainThen(req, () => leverError(res, 429, 'TooManyRequests', 'Rate limit exceeded'));
    }
    const { perSecond, burst } = state.config.rateLimit;
    const t = performance.now();
    const b = buckets.get(rec.key) ?? { tokens: burst, last: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.last) / 1000) * perSecond);
    b.last = t;
    buckets.set(rec.key, b);
    if (b.tokens < 1) {
      const retryAfterS = Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
      res.set('Retry-After', String(retryAfterS));
      return drainThen(req, () =>
        leverError(res, 429, 'TooManyRequests', `Rate limit exceeded: ${perSecond} requests per second`),
      );
    }
    b.tokens -= 1;
    const { errorRate, errorStatus } = state.faults;
    if (errorRate && errorRate > 0 && Math.random() < errorRate) {
      state.counters.faultErrors++;
      const status = errorStatus ?? 500;
      return drainThen(req, () =>
        status === 503
          ? leverError(res, 503, 'ServiceUnavailable', 'Service unavailable')
          : leverError(res, 500, 'InternalServerError', 'Internal server error'),
      );
    }
    next();
  });

  const need =
    (perm: Permission) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const rec = res.locals.apiKey as ApiKeyRec;
      if (!rec.permissions.includes(perm)) {
        return drainThen(req, () => leverError(res, 403, 'Forbidden', `This API key lacks the ${perm} permission`));
      }
      next();
    };

  const oppOr404 = (req: Request, res: Response, next: NextFunction): void => {
    const o = findOpp(String(req.params.id));
    if (!o)
      return drainThen(req, () =>
        leverError(res, 404, 'ResourceNotFound', `Opportunity ${req.params.id} was not found`),
      );
    res.locals.opp = o;
    next();
  };

  const json = express.json({ limit: '1mb' });

  return { v1, need, oppOr404, json };
}
