// A few counters in Prometheus text format. One instance per API app (no global registry), so tests stay isolated.

type Labels = Record<string, string>;

interface Counter {
  help: string;
  values: Map<string, number>;
}

export const METRIC = {
  leverWebhooks: 'lever_webhook_deliveries_total',
  certnWebhooks: 'certn_webhook_deliveries_total',
  adminRequests: 'admin_api_requests_total',
  enableAttempts: 'team_enable_attempts_total',
} as const;

const HELP: Record<string, string> = {
  [METRIC.leverWebhooks]: 'Lever webhook deliveries by outcome.',
  [METRIC.certnWebhooks]: 'Certn webhook deliveries by outcome.',
  [METRIC.adminRequests]: 'Admin API requests by HTTP status class.',
  [METRIC.enableAttempts]: 'Team enable attempts by result.',
};

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

export class Metrics {
  private readonly counters = new Map<string, Counter>();
  private readonly startedAt = Date.now();

  constructor() {
    for (const name of Object.values(METRIC)) this.counters.set(name, { help: HELP[name] ?? name, values: new Map() });
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    let c = this.counters.get(name);
    if (!c) {
      c = { help: HELP[name] ?? name, values: new Map() };
      this.counters.set(name, c);
    }
    const key = labelKey(labels);
    c.values.set(key, (c.values.get(key) ?? 0) + by);
  }

  /** Current value (tests). */
  get(name: string, labels: Labels = {}): number {
    return this.counters.get(name)?.values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, c] of this.counters) {
      lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [key, v] of c.values) lines.push(key ? `${name}{${key}} ${v}` : `${name} ${v}`);
    }
    lines.push(
      '# HELP process_uptime_seconds Seconds since the API started.',
      '# TYPE process_uptime_seconds gauge',
      `process_uptime_seconds ${Math.round((Date.now() - this.startedAt) / 1000)}`,
    );
    return lines.join('\n') + '\n';
  }
}
