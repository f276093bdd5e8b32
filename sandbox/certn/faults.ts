// Fault knobs and timing of the Certn sandbox: their defaults and the partial merge the control surface applies.
import { DEFAULT_WEBHOOK_FAULTS, DEFAULT_WEBHOOK_TUNING, type WebhookFaults, type WebhookTuning } from './webhooks';

/** How the answer to an order that Certn committed is lost: a 500 or 502, the connection dropped, or no answer. */
export const ORDER_FAILURE_MODES = [500, 502, 'drop', 'hang'] as const;
export type OrderFailureMode = (typeof ORDER_FAILURE_MODES)[number];

export interface Faults {
  /** Added to every /api/public request. */
  latencyMs: number;
  /** Order requests only: the case is created this long after the order arrived, whatever the client does meanwhile. */
  orderDelayMs: number;
  /** Fraction [0,1] of /api/public requests answered with `errorStatus` (server_error body). */
  errorRate: number;
  errorStatus: 500 | 502 | 503 | 504;
  /** The next `requests` /api/public requests get 429 with Retry-After: retryAfterSeconds. */
  rateLimitStorm: { requests: number; retryAfterSeconds: number };
  /** The next n order requests create the case and then lose the answer (an "uncertain" failure)… */
  orderCommitThenFail: number;
  /** …this way: 500 or 502, `drop` (connection closed, no answer) or `hang` (no answer until the client gives up). */
  orderFailureMode: OrderFailureMode;
  /** Report files end FAILED instead of COMPLETE. */
  reportFailure: boolean;
  webhook: WebhookFaults;
}

export interface Tuning extends WebhookTuning {
  /** How long a report file stays PENDING. */
  reportReadyMs: number;
  /** Lifetime of a signed pdf_url (0 = already expired, for tests). */
  pdfUrlTtlMs: number;
}

export function defaultFaults(): Faults {
  return {
    latencyMs: 0,
    orderDelayMs: 0,
    errorRate: 0,
    errorStatus: 500,
    rateLimitStorm: { requests: 0, retryAfterSeconds: 1 },
    orderCommitThenFail: 0,
    orderFailureMode: 500,
    reportFailure: false,
    webhook: { ...DEFAULT_WEBHOOK_FAULTS },
  };
}

export function defaultTuning(): Tuning {
  return { ...DEFAULT_WEBHOOK_TUNING, reportReadyMs: 100, pdfUrlTtlMs: 5 * 60_000 };
}

/** Merges a partial faults object; null resets everything. Returns an error string on bad input. */
export function mergeFaults(current: Faults, body: unknown): Faults | string {
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
      case 'orderDelayMs':
      case 'orderCommitThenFail':
        if (!nonNeg(v)) return `${k} must be a non-negative number`;
        next[k] = v;
        break;
      case 'errorRate':
        if (!nonNeg(v) || v > 1) return 'errorRate must be in [0,1]';
        next.errorRate = v;
        break;
      case 'errorStatus':
        if (v !== 500 && v !== 502 && v !== 503 && v !== 504)
          return 'errorStatus must be 500, 502, 503 or 504 (502 and 504: a gateway that gave up on Certn)';
        next.errorStatus = v;
        break;
      case 'orderFailureMode':
        if (!(ORDER_FAILURE_MODES as readonly unknown[]).includes(v)) {
          return `orderFailureMode must be one of ${ORDER_FAILURE_MODES.join(', ')}`;
        }
        next.orderFailureMode = v as OrderFailureMode;
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
