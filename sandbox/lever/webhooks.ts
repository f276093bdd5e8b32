// Webhook deliveries of the Lever sandbox: signed bodies exactly as contracts/lever.md shows, Lever's retries
// (any non-2xx or timeout, up to `webhookMaxRetries` more attempts with doubling waits), a delivery log, re-runs
// of old deliveries with the byte-identical body, and the webhook fault knobs (drop, duplicate, delay, out of order).
import { createLogger } from '../log';
import { signLeverDelivery } from './signature';
import { DeliveryRec, LeverSandboxState, newId, randomToken, WebhookRec } from './state';

const log = createLogger('lever-sandbox-webhooks');

export class WebhookDispatcher {
  private stopped = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly sleepers = new Set<() => void>();
  private readonly controllers = new Set<AbortController>();
  private readonly inflight = new Set<Promise<void>>();
  private held: DeliveryRec[] = [];

  constructor(
    private readonly state: LeverSandboxState,
    private readonly now: () => number,
  ) {}

  /** A signed delivery of `event` to every webhook registered for it. Returns the new deliveries. */
  emit(event: string, data: Record<string, unknown>, opportunityId: string | null): DeliveryRec[] {
    const out: DeliveryRec[] = [];
    for (const hook of this.state.webhooks.values()) {
      if (hook.event === event) out.push(this.emitTo(hook, event, data, opportunityId));
    }
    return out;
  }

  /** A signed delivery to one webhook (also used for the verify ping). */
  emitTo(hook: WebhookRec, event: string, data: Record<string, unknown>, opportunityId: string | null): DeliveryRec {
    const triggeredAt = this.now();
    const token = randomToken(48);
    const signature = signLeverDelivery(hook.signatureToken, token, triggeredAt);
    const body = JSON.stringify({ triggeredAt, event, data, signature, token });
    const delivery = this.record({ webhookId: hook.id, event, url: hook.url, opportunityId, body });
    this.dispatch(delivery);
    return delivery;
  }

  /** Re-run an old delivery like Lever's UI does: the exact same body, to the webhook's current URL. */
  redeliver(deliveryId: string): DeliveryRec | undefined {
    const old = this.state.deliveries.find((d) => d.id === deliveryId);
    if (!old) return undefined;
    const url = this.state.webhooks.get(old.webhookId)?.url ?? old.url;
    const d = this.record({
      webhookId: old.webhookId,
      event: old.event,
      url,
      opportunityId: old.opportunityId,
      body: old.body,
    });
    d.redeliveryOf = old.id;
    this.send(d); // a manual re-run bypasses the fault knobs
    return d;
  }

  /** Send deliveries held by the outOfOrder fault, newest first. */
  flushHeld(): number {
    const held = this.held.reverse();
    this.held = [];
    for (const d of held) this.send(d);
    return held.length;
  }

  /** Resolves when no delivery is in flight or waiting for a retry (held deliveries do not count). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    for (const c of this.controllers) c.abort();
    this.controllers.clear();
  }

  private record(d: Omit<DeliveryRec, 'id' | 'createdAt' | 'state' | 'attempts'>): DeliveryRec {
    const rec: DeliveryRec = { id: newId(), createdAt: this.now(), state: 'pending', attempts: [], ...d };
    this.state.deliveries.push(rec);
    return rec;
  }

  private dispatch(d: DeliveryRec): void {
    const f = this.state.faults.webhook ?? {};
    if (f.drop !== undefined && f.drop > 0) {
      let drop = false;
      if (f.drop >= 1) {
        drop = true;
        f.drop = Math.floor(f.drop) - 1;
      } else drop = Math.random() < f.drop;
      if (drop) {
        d.state = 'dropped';
        log.info('webhook delivery dropped (fault)', { deliveryId: d.id, event: d.event });
        return;
      }
    }
    const batch = [d];
    if (f.duplicate === true || (typeof f.duplicate === 'number' && f.duplicate > 0)) {
      if (typeof f.duplicate === 'number') f.duplicate -= 1;
      const dup = this.record({
        webhookId: d.webhookId,
        event: d.event,
        url: d.url,
        opportunityId: d.opportunityId,
        body: d.body,
      });
      dup.duplicateOf = d.id;
      batch.push(dup);
    }
    if (f.outOfOrder) {
      if (this.held.length === 0) {
        for (const x of batch) x.state = 'held';
        this.held.push(...batch);
        return;
      }
      // The newer delivery goes out first; the ones it overtook follow once it is done (so arrival order is certain).
      const overtaken = this.held.reverse();
      this.held = [];
      let last: Promise<void> | undefined;
      for (const x of batch) last = this.send(x);
      for (const x of overtaken) last = this.send(x, last);
      return;
    }
    for (const x of batch) this.send(x);
  }

  /** Starts a delivery (after `after` settles, if given); tracked until it ends so idle() can wait for it. */
  private send(d: DeliveryRec, after?: Promise<void>): Promise<void> {
    d.state = 'pending';
    const p: Promise<void> = (after ? after.then(() => this.run(d)) : this.run(d)).finally(() =>
      this.inflight.delete(p),
    );
    this.inflight.add(p);
    return p;
  }

  private async run(d: DeliveryRec): Promise<void> {
    const delayMs = this.state.faults.webhook?.delayMs ?? 0;
    if (delayMs > 0) await this.sleep(delayMs);
    const { webhookMaxRetries, webhookRetryBaseMs } = this.state.config;
    for (let attempt = 0; attempt <= webhookMaxRetries; attempt++) {
      if (this.stopped) return;
      if (attempt > 0) await this.sleep(webhookRetryBaseMs * 2 ** (attempt - 1));
      if (this.stopped) return;
      const result = await this.post(d);
      d.attempts.push(result);
      if (result.ok) {
        d.state = 'delivered';
        return;
      }
    }
    d.state = 'failed';
    log.info('webhook delivery failed after retries', {
      deliveryId: d.id,
      event: d.event,
      attempts: d.attempts.length,
    });
  }

  private async post(d: DeliveryRec): Promise<DeliveryRec['attempts'][number]> {
    const at = this.now();
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), this.state.config.webhookTimeoutMs);
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Lever-Webhooks' },
        body: d.body,
        redirect: 'manual',
        signal: controller.signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      return { at, status: res.status, ok: res.status >= 200 && res.status < 300 };
    } catch (err) {
      const e = err as { name?: string; message?: string };
      return { at, ok: false, error: e?.name === 'AbortError' ? 'timeout' : (e?.message ?? String(err)) };
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.timers.delete(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.timers.add(t);
      this.sleepers.add(wake);
    });
  }
}
