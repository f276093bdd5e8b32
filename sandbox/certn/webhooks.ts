// Certn sandbox webhook dispatcher: endpoint verification (challenge), signed thin payloads, retries with
// exponential backoff, fault injection (drop, duplicate, delay, out-of-order) and a delivery log.
// Over 300 lines: verification, signing, retries and every delivery fault share one queue and its log.
import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger } from '../log';
import { signCertnBody } from './signature';
import type { WebhookEvent } from './catalogue';

const log = createLogger('certn-sandbox-webhooks');

export type WebhookStatus = 'unset' | 'verifying' | 'active' | 'disabled';

export interface WebhookFaults {
  /** true drops every event; a number in [0,1] drops that fraction. Dropped events are logged, never sent. */
  drop: boolean | number;
  /** Send every event twice (same event id, same body). */
  duplicate: boolean;
  /** Extra delay before the first delivery attempt of each event. */
  delayMs: number;
  /** Hold events and deliver each batch in reverse order (batch = 2 events, or what is held after a short window). */
  outOfOrder: boolean;
}

export interface WebhookTuning {
  retryBaseMs: number;
  maxAttempts: number;
  attemptTimeoutMs: number;
  challengeTimeoutMs: number;
  /** How long an out-of-order batch waits for a second event before it is flushed anyway. */
  outOfOrderWindowMs: number;
}

export const DEFAULT_WEBHOOK_FAULTS: WebhookFaults = { drop: false, duplicate: false, delayMs: 0, outOfOrder: false };
export const DEFAULT_WEBHOOK_TUNING: WebhookTuning = {
  retryBaseMs: 100,
  maxAttempts: 5,
  attemptTimeoutMs: 10_000,
  challengeTimeoutMs: 10_000,
  outOfOrderWindowMs: 150,
};

export interface DeliveryAttempt {
  at: string;
  status: number | null;
  error?: string;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'dropped' | 'skipped';

export interface DeliveryRecord {
  /** Order in which the sandbox emitted the event (1-based, monotonic across resets of the log). */
  seq: number;
  event: WebhookEvent;
  state: DeliveryState;
  /** Why an event was skipped or dropped. */
  reason?: string;
  /** 1 for the original, 2 for the injected duplicate. */
  copy: number;
  attempts: DeliveryAttempt[];
  /** Order in which the receiver actually got it (set on the successful attempt). */
  deliveredSeq?: number;
}

export interface WebhookInfo {
  url: string | null;
  hasSecret: boolean;
  status: WebhookStatus;
  reason?: string;
  verifiedAt?: string;
}

export class WebhookDispatcher {
  private url: string | null = null;
  private secret = '';
  private status: WebhookStatus = 'unset';
  private reason: string | undefined;
  private verifiedAt: string | undefined;
  private verification: Promise<void> | null = null;
  private generation = 0;

  readonly deliveries: DeliveryRecord[] = [];
  private seq = 0;
  private deliveredSeq = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly controllers = new Set<AbortController>();
  private held: DeliveryRecord[] = [];
  private heldTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly getFaults: () => WebhookFaults,
    private readonly getTuning: () => WebhookTuning,
  ) {}

  info(): WebhookInfo {
    return {
      url: this.url,
      hasSecret: this.secret !== '',
      status: this.status,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.verifiedAt ? { verifiedAt: this.verifiedAt } : {}),
    };
  }

  /** Sets the account webhook and verifies it (GET url?challenge=…). Resolves with the resulting info. */
  async configure(url: string, secret: string): Promise<WebhookInfo> {
    this.generation++;
    this.url = url;
    this.secret = secret;
    this.status = 'verifying';
    this.reason = undefined;
    this.verifiedAt = undefined;
    const gen = this.generation;
    this.verification = this.verify(url, gen);
    await this.verification;
    return this.info();
  }

  clear(): void {
    this.generation++;
    this.url = null;
    this.secret = '';
    this.status = 'unset';
    this.reason = undefined;
    this.verifiedAt = undefined;
    this.verification = null;
  }

  private async verify(url: string, gen: number): Promise<void> {
    const challenge = randomBytes(16).toString('hex');
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      this.finishVerification(gen, false, 'webhook url is not an absolute URL');
      return;
    }
    target.searchParams.set('challenge', challenge);
    const ac = new AbortController();
    this.controllers.add(ac);
    const timer = setTimeout(() => ac.abort(), this.getTuning().challengeTimeoutMs);
    try {
      const res = await fetch(target, { method: 'GET', signal: ac.signal, headers: { 'User-Agent': 'certn-sandbox' } });
      const body = await res.text();
      if (res.status !== 200) this.finishVerification(gen, false, `challenge answered HTTP ${res.status}`);
      else if (body.trim() !== challenge)
        this.finishVerification(gen, false, 'challenge answered with a different body');
      else this.finishVerification(gen, true);
    } catch {
      this.finishVerification(gen, false, ac.signal.aborted ? 'challenge timed out' : 'challenge request failed');
    } finally {
      clearTimeout(timer);
      this.controllers.delete(ac);
    }
  }

  private finishVerification(gen: number, ok: boolean, reason?: string): void {
    if (gen !== this.generation) return; // reconfigured meanwhile
    this.status = ok ? 'active' : 'disabled';
    this.reason = reason;
    if (ok) this.verifiedAt = new Date().toISOString();
    log.info('webhook verification finished', { status: this.status, reason });
  }

  /** Emits one thin event. Never throws; the outcome is visible in the delivery log. */
  emit(eventType: string, objectType: string, objectId: string): WebhookEvent {
    const event: WebhookEvent = {
      id: randomUUID(),
      event_type: eventType,
      object_id: objectId,
      object_type: objectType,
    };
    const seq = ++this.seq;
    const faults = this.getFaults();
    const record: DeliveryRecord = { seq, event, state: 'pending', copy: 1, attempts: [] };
    this.deliveries.push(record);
    const skipReason = this.stopped
      ? 'sandbox stopped'
      : this.status === 'unset'
        ? 'no webhook configured'
        : this.status === 'disabled'
          ? `webhook delivery disabled: ${this.reason ?? 'verification failed'}`
          : null;
    if (skipReason) {
      this.skip(record, skipReason);
      return event;
    }
    const dropRate = faults.drop === true ? 1 : typeof faults.drop === 'number' ? faults.drop : 0;
    if (dropRate > 0 && Math.random() < dropRate) {
      record.state = 'dropped';
      record.reason = 'fault: drop';
      return event;
    }
    const records = [record];
    if (faults.duplicate) {
      const dup: DeliveryRecord = { seq, event, state: 'pending', copy: 2, attempts: [] };
      this.deliveries.push(dup);
      records.push(dup);
    }
    const gen = this.generation;
    for (const r of records) {
      if (faults.outOfOrder) this.hold(r, gen);
      else this.later(faults.delayMs, () => void this.deliver(r, gen, 1));
    }
    return event;
  }

  private skip(record: DeliveryRecord, reason: string): void {
    record.state = 'skipped';
    record.reason = reason;
  }

  private hold(record: DeliveryRecord, gen: number): void {
    this.held.push(record);
    if (this.held.length >= 2) {
      this.flushHeld(gen);
      return;
    }
    if (!this.heldTimer) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.heldTimer = null;
        this.flushHeld(gen);
      }, this.getTuning().outOfOrderWindowMs);
      this.heldTimer = t;
      this.timers.add(t);
    }
  }

  private flushHeld(gen: number): void {
    if (this.heldTimer) {
      clearTimeout(this.heldTimer);
      this.timers.delete(this.heldTimer);
      this.heldTimer = null;
    }
    const batch = this.held.reverse();
    this.held = [];
    const delay = this.getFaults().delayMs;
    // Sequential so the receiver sees the reversed order deterministically.
    this.later(delay, () => {
      void (async () => {
        for (const r of batch) await this.deliver(r, gen, 1);
      })();
    });
  }

  private later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        if (!this.stopped) fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(t);
  }

  private async deliver(record: DeliveryRecord, gen: number, attempt: number): Promise<void> {
    if (this.stopped) return;
    if (this.verification) await this.verification;
    if (gen !== this.generation || this.status !== 'active' || !this.url) {
      this.skip(record, 'webhook changed or disabled before delivery');
      return;
    }
    const tuning = this.getTuning();
    const body = JSON.stringify(record.event);
    const ac = new AbortController();
    this.controllers.add(ac);
    const timer = setTimeout(() => ac.abort(), tuning.attemptTimeoutMs);
    const at = new Date().toISOString();
    let ok = false;
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        signal: ac.signal,
        headers: {
          'Content-Type': 'application/json',
          'X-Signature': signCertnBody(this.secret, body),
          'User-Agent': 'certn-sandbox',
        },
        body,
      });
      await res.arrayBuffer().catch(() => undefined);
      record.attempts.push({ at, status: res.status });
      ok = res.status >= 200 && res.status < 300;
    } catch {
      record.attempts.push({ at, status: null, error: ac.signal.aborted ? 'timeout' : 'network error' });
    } finally {
      clearTimeout(timer);
      this.controllers.delete(ac);
    }
    if (ok) {
      record.state = 'delivered';
      record.deliveredSeq = ++this.deliveredSeq;
      return;
    }
    if (attempt >= tuning.maxAttempts || this.stopped) {
      record.state = 'failed';
      record.reason = `gave up after ${attempt} attempt(s)`;
      log.warn('webhook delivery failed', { eventId: record.event.id, attempts: attempt });
      return;
    }
    const backoff = tuning.retryBaseMs * 2 ** (attempt - 1);
    await new Promise<void>((resolve) => {
      if (this.stopped) return resolve();
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, backoff);
      this.timers.add(t);
    });
    if (this.stopped) return;
    await this.deliver(record, gen, attempt + 1);
  }

  clearLog(): void {
    this.deliveries.length = 0;
    this.held = [];
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.controllers) c.abort();
    this.controllers.clear();
  }

  /** Reset keeps the dispatcher usable (unlike stop). */
  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.controllers) c.abort();
    this.controllers.clear();
    this.heldTimer = null;
    this.clear();
    this.clearLog();
  }
}
