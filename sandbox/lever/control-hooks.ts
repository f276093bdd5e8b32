// Control routes of the Lever sandbox for its webhooks and their faults: register and verify webhooks, the delivery
// log and re-runs, fault knobs, the request log and run-time config.
import type express from 'express';
import type { LeverContext } from './context';
import { bad, notFound, qstr, wrap } from './http';
import { newId, randomToken } from './state';

export function addHookRoutes(ctl: express.Router, ctx: LeverContext): void {
  const { state, dispatcher, now, buckets } = ctx;

  ctl.post('/webhooks', (req, res) => {
    const b = req.body ?? {};
    if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url)) return bad(res, '"url" must be an http(s) URL');
    const event = typeof b.event === 'string' && b.event ? b.event : 'candidateStageChange';
    const hook = { id: newId(), event, url: b.url, signatureToken: randomToken(48), createdAt: now() };
    state.webhooks.set(hook.id, hook);
    const verify = b.verify === false ? undefined : dispatcher.emitTo(hook, 'candidateHired', {}, null);
    res.status(201).json({ data: { ...hook, verifyDeliveryId: verify?.id ?? null } });
  });
  // Lever's "Verify connection" button: a signed candidateHired ping with empty data.
  ctl.post('/webhooks/:id/verify', (req, res) => {
    const hook = state.webhooks.get(req.params.id!);
    if (!hook) return notFound(res, 'webhook');
    const d = dispatcher.emitTo(hook, 'candidateHired', {}, null);
    res.status(201).json({ data: { deliveryId: d.id } });
  });
  ctl.get('/webhooks', (_req, res) => res.json({ data: [...state.webhooks.values()] }));
  ctl.delete('/webhooks/:id', (req, res) => {
    if (!state.webhooks.delete(req.params.id!)) return notFound(res, 'webhook');
    res.json({ ok: true });
  });
  ctl.post('/webhooks/flush', (_req, res) => res.json({ flushed: dispatcher.flushHeld() }));

  const renderDelivery = (d: (typeof state.deliveries)[number]) => ({ ...d, payload: JSON.parse(d.body) as unknown });
  ctl.get('/deliveries', (req, res) => {
    const opp = qstr(req.query.opportunityId);
    const hook = qstr(req.query.webhookId);
    const event = qstr(req.query.event);
    const list = state.deliveries.filter(
      (d) => (!opp || d.opportunityId === opp) && (!hook || d.webhookId === hook) && (!event || d.event === event),
    );
    res.json({ data: list.map(renderDelivery) });
  });
  ctl.get('/deliveries/:id', (req, res) => {
    const d = state.deliveries.find((x) => x.id === req.params.id);
    if (!d) return notFound(res, 'delivery');
    res.json({ data: renderDelivery(d) });
  });
  ctl.post('/deliveries/:id/redeliver', (req, res) => {
    const d = dispatcher.redeliver(req.params.id!);
    if (!d) return notFound(res, 'delivery');
    res.status(201).json({ data: renderDelivery(d) });
  });
  ctl.post(
    '/deliveries/idle',
    wrap(async (_req, res) => {
      await dispatcher.idle();
      res.json({ ok: true });
    }),
  );

  ctl.get('/faults', (_req, res) => res.json({ data: state.faults }));
  ctl.post('/faults', (req, res) => {
    const b = req.body ?? {};
    const num = (v: unknown, min: number, max: number) =>
      v === undefined || v === null || (typeof v === 'number' && v >= min && v <= max);
    if (!num(b.latencyMs, 0, 600_000)) return bad(res, 'latencyMs must be 0–600000');
    if (!num(b.errorRate, 0, 1)) return bad(res, 'errorRate must be 0–1');
    if (b.errorStatus !== undefined && b.errorStatus !== null && b.errorStatus !== 500 && b.errorStatus !== 503)
      return bad(res, 'errorStatus must be 500 or 503');
    if (b.rateLimitStorm !== undefined && !(b.rateLimitStorm === null || num(b.rateLimitStorm?.requests, 0, 1e9))) {
      return bad(res, 'rateLimitStorm must be {requests: n}');
    }
    const w = b.webhook;
    if (w !== undefined && w !== null) {
      if (!num(w.drop, 0, 1e9) || !num(w.delayMs, 0, 600_000))
        return bad(res, 'webhook.drop / webhook.delayMs out of range');
      if (
        w.duplicate !== undefined &&
        w.duplicate !== null &&
        typeof w.duplicate !== 'boolean' &&
        !num(w.duplicate, 0, 1e9)
      )
        return bad(res, 'webhook.duplicate must be boolean or n');
    }
    // Merge: a knob set to null is cleared.
    for (const [k, v] of Object.entries(b)) {
      if (k === 'webhook' && v && typeof v === 'object') {
        const merged: Record<string, unknown> = { ...(state.faults.webhook ?? {}) };
        for (const [wk, wv] of Object.entries(v)) {
          if (wv === null) delete merged[wk];
          else merged[wk] = wv;
        }
        state.faults.webhook = merged;
      } else if (v === null) delete (state.faults as Record<string, unknown>)[k];
      else (state.faults as Record<string, unknown>)[k] = typeof v === 'object' ? { ...v } : v;
    }
    res.json({ data: state.faults });
  });
  ctl.delete('/faults', (_req, res) => {
    state.faults = {};
    dispatcher.flushHeld();
    res.json({ data: state.faults });
  });

  ctl.get('/requests', (_req, res) => res.json({ data: state.requests, counters: state.counters }));

  ctl.post('/config', (req, res) => {
    const b = req.body ?? {};
    const c = state.config;
    if (b.rateLimit !== undefined) {
      if (!(b.rateLimit?.perSecond > 0 && b.rateLimit?.burst >= 1))
        return bad(res, 'rateLimit needs perSecond > 0, burst >= 1');
      c.rateLimit = { perSecond: b.rateLimit.perSecond, burst: b.rateLimit.burst };
      buckets.clear();
    }
    for (const k of ['webhookRetryBaseMs', 'webhookMaxRetries', 'webhookTimeoutMs', 'maxFileBytes'] as const) {
      if (b[k] !== undefined) {
        if (typeof b[k] !== 'number' || b[k] < 0) return bad(res, `${k} must be a number ≥ 0`);
        c[k] = b[k];
      }
    }
    res.json({ data: c });
  });
}
