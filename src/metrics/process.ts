// The process-wide Prometheus registry and the metric families the clients, the Lever budget and the activities feed.
// Labels are bounded by construction (service, operation with ids replaced, status class, check status): no ids,
// no personal data, no secrets.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry });

export type Service = 'lever' | 'certn';

export const callDuration = new Histogram({
  name: 'external_call_duration_seconds',
  help: 'Lever and Certn API call latency by service, operation and HTTP status class (error = no answer).',
  labelNames: ['service', 'operation', 'status_class'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
  registers: [processRegistry],
});

export const callErrors = new Counter({
  name: 'external_call_errors_total',
  help: 'Lever and Certn API calls that failed, by service, operation and kind (http_4xx, http_5xx, timeout, ...).',
  labelNames: ['service', 'operation', 'kind'] as const,
  registers: [processRegistry],
});

export const rateLimited = new Counter({
  name: 'external_call_rate_limited_total',
  help: 'HTTP 429 answers by service.',
  labelNames: ['service'] as const,
  registers: [processRegistry],
});

export const leverBudgetWait = new Histogram({
  name: 'lever_budget_wait_seconds',
  help: 'Time a Lever request waited for its API key budget before going out.',
  buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [processRegistry],
});

export const checkStatusTransitions = new Counter({
  name: 'check_status_transitions_total',
  help: 'Checks moved to a status (the Lever status tag was set), by status.',
  labelNames: ['status'] as const,
  registers: [processRegistry],
});

/**
 * `GET /v1/opportunities/9f1c…/tags` → `GET /v1/opportunities/:id/tags`: only plain words and API versions stay, so
 * ids (anything else) never become label values.
 */
export function operationOf(method: string, path: string): string {
  const clean = path.split('?')[0] ?? '';
  const segments = clean.split('/').map((s) => (s === '' || /^([a-z_-]+|v\d+)$/i.test(s) ? s : ':id'));
  return `${method.toUpperCase()} ${segments.join('/')}`;
}

export interface CallObservation {
  method: string;
  path: string;
  /** HTTP status, or 0 when no answer arrived. */
  status: number;
  seconds: number;
  /** Set when the call failed without an HTTP error status (timeout, network, bad_response, too_large). */
  fault?: string;
}

/** The timing hook a JsonHttp client is given: one histogram sample per call, errors and 429s counted. */
export function observeCalls(service: Service): (o: CallObservation) => void {
  return (o) => {
    const operation = operationOf(o.method, o.path);
    const statusClass = o.status > 0 ? `${Math.floor(o.status / 100)}xx` : 'error';
    callDuration.observe({ service, operation, status_class: statusClass }, o.seconds);
    const kind = o.fault ?? (o.status >= 400 ? `http_${statusClass}` : undefined);
    if (kind) callErrors.inc({ service, operation, kind });
    if (o.status === 429) rateLimited.inc({ service });
  };
}

/** Wraps a budget acquire so the time it takes lands in lever_budget_wait_seconds. */
export async function timedAcquire(acquire: () => Promise<void>): Promise<void> {
  const end = leverBudgetWait.startTimer();
  try {
    await acquire();
  } finally {
    end();
  }
}
