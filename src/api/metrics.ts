// The API's Prometheus metrics on prom-client: webhook deliveries by endpoint and outcome, admin requests, enable
// attempts. Each API app has its own registry for these (tests stay isolated); /metrics serves them together with the
// process registry (src/metrics/process.ts: Lever/Certn call latency, errors, 429s, budget waits, check statuses).
import { Counter, Registry } from 'prom-client';
import { processRegistry } from '../metrics/process';

type Labels = Record<string, string>;

export const METRIC = {
  leverWebhooks: 'lever_webhook_deliveries_total',
  certnWebhooks: 'certn_webhook_deliveries_total',
  adminRequests: 'admin_api_requests_total',
  enableAttempts: 'team_enable_attempts_total',
} as const;

type MetricName = (typeof METRIC)[keyof typeof METRIC];

const FAMILIES: Record<MetricName, { help: string; label: string }> = {
  [METRIC.leverWebhooks]: { help: 'Lever webhook deliveries by outcome.', label: 'outcome' },
  [METRIC.certnWebhooks]: { help: 'Certn webhook deliveries by outcome.', label: 'outcome' },
  [METRIC.adminRequests]: { help: 'Admin API requests by HTTP status class.', label: 'status' },
  [METRIC.enableAttempts]: { help: 'Team enable attempts by result.', label: 'result' },
};

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export class Metrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();

  /** processWide: the process registry to serve alongside (off in unit tests that want only the API's own). */
  constructor(private readonly processWide: Registry | undefined = processRegistry) {
    for (const [name, f] of Object.entries(FAMILIES)) {
      this.counters.set(name, new Counter({ name, help: f.help, labelNames: [f.label], registers: [this.registry] }));
    }
  }

  inc(name: MetricName, labels: Labels = {}, by = 1): void {
    this.counter(name).inc(labels, by);
  }

  /** Current value (tests). */
  async get(name: MetricName, labels: Labels = {}): Promise<number> {
    const { values } = await this.counter(name).get();
    const want = Object.entries(labels);
    const hit = values.find((v) => want.every(([k, x]) => v.labels[k] === x));
    return hit?.value ?? 0;
  }

  async render(): Promise<string> {
    const registry = this.processWide ? Registry.merge([this.registry, this.processWide]) : this.registry;
    return registry.metrics();
  }

  private counter(name: string): Counter {
    const c = this.counters.get(name);
    if (!c) throw new Error(`unknown metric ${name}`);
    return c;
  }
}
