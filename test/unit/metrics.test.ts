// One test per metric family: each value moves when the call, wait, delivery or status change it counts happens.
// Unit tests over fake transports; the process registry is shared, so every assertion compares before and after.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Counter, Histogram } from 'prom-client';
import { createActivities } from '../../src/activities';
import { ReportLinks } from '../../src/activities/report-links';
import { METRIC, Metrics } from '../../src/api/metrics';
import { CertnClient } from '../../src/certn/client';
import { InProcessLeverBudget } from '../../src/lever/budget';
import { LeverClient } from '../../src/lever/client';
import {
  callDuration,
  callErrors,
  checkStatusTransitions,
  leverBudgetWait,
  operationOf,
  rateLimited,
} from '../../src/metrics/process';
import { setLogSink } from '../../src/logger';
import type { SettingsStore, TeamConfig, TeamSecrets } from '../../src/settings/store';

beforeAll(() => setLogSink(() => undefined));

const OPP = '3f2b8c1e-0d4a-4e57-9b1a-6c8d2e7f9a01';

/** Sum of a counter's values, or a histogram's sample count, over the series matching `labels`. */
async function total(metric: Counter | Histogram, labels: Record<string, string> = {}): Promise<number> {
  const values = (await metric.get()).values as Array<{
    value: number;
    labels: Record<string, unknown>;
    metricName?: string;
  }>;
  const isHist = values.some((v) => String(v.metricName).endsWith('_count'));
  return values
    .filter((v) => !isHist || String(v.metricName).endsWith('_count'))
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((s, v) => s + v.value, 0);
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const opportunity = { id: OPP, name: 'x', emails: [], tags: [], stage: 'stage-1', stageChanges: [] };

function lever(fetchImpl: typeof fetch, budget: InProcessLeverBudget | false = false): LeverClient {
  return new LeverClient({ baseUrl: 'https://lever.test/v1', apiKey: 'lever-key-0123456789', fetchImpl, budget });
}

describe('operation labels', () => {
  it('keep only words and API versions (ids become :id) and drop the query string', () => {
    expect(operationOf('get', `/v1/opportunities/${OPP}/tags?x=a@b.c`)).toBe('GET /v1/opportunities/:id/tags');
    expect(operationOf('GET', '/api/public/cases/')).toBe('GET /api/public/cases/');
    expect(operationOf('GET', '/files/r.pdf')).toBe('GET /files/:id');
  });
});

describe('external_call_duration_seconds / external_call_errors_total / external_call_rate_limited_total', () => {
  const op = 'GET /v1/opportunities/:id';

  it('a Lever call that answers 2xx is one latency sample under its operation and status class', async () => {
    const before = await total(callDuration, { service: 'lever', operation: op, status_class: '2xx' });
    await lever((async () => json(200, { data: opportunity })) as unknown as typeof fetch)
      .getOpportunity(OPP)
      .catch(() => undefined); // the sample is taken whether or not the body parses
    expect(await total(callDuration, { service: 'lever', operation: op, status_class: '2xx' })).toBe(before + 1);
  });

  it('a 429 counts as an error and as a rate limit; a timeout as an error with no status class', async () => {
    const limited = await total(rateLimited, { service: 'lever' });
    const http4xx = await total(callErrors, { service: 'lever', operation: op, kind: 'http_4xx' });
    await expect(
      lever((async () =>
        json(429, { code: 'TooManyRequests' }, { 'retry-after': '1' })) as unknown as typeof fetch).getOpportunity(OPP),
    ).rejects.toThrow();
    expect(await total(rateLimited, { service: 'lever' })).toBe(limited + 1);
    expect(await total(callErrors, { service: 'lever', operation: op, kind: 'http_4xx' })).toBe(http4xx + 1);

    const timeouts = await total(callErrors, { service: 'certn', kind: 'timeout' });
    const noAnswer = await total(callDuration, { service: 'certn', status_class: 'error' });
    const hang = ((_u: unknown, init?: RequestInit) =>
      new Promise((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      )) as unknown as typeof fetch;
    const certn = new CertnClient({
      baseUrl: 'https://certn.test',
      apiKey: 'certn-key',
      fetchImpl: hang,
      timeoutMs: 20,
    });
    await expect(certn.getCase(OPP)).rejects.toThrow();
    expect(await total(callErrors, { service: 'certn', kind: 'timeout' })).toBe(timeouts + 1);
    expect(await total(callDuration, { service: 'certn', status_class: 'error' })).toBe(noAnswer + 1);
  });
});

describe('lever_budget_wait_seconds', () => {
  it('every Lever request is one sample, and requests beyond the burst add their wait to the sum', async () => {
    const stats = async () => {
      const values = (await leverBudgetWait.get()).values as Array<{ value: number; metricName?: string }>;
      const pick = (suffix: string) => values.find((v) => String(v.metricName).endsWith(suffix))?.value ?? 0;
      return { count: pick('_count'), sum: pick('_sum') };
    };
    const before = await stats();
    // 2 tokens at once (burst 4 less the 2 held back), then one every 50 ms.
    const budget = new InProcessLeverBudget({ perSecond: 20, burst: 4 });
    const ok = (async () => json(200, { data: opportunity })) as unknown as typeof fetch;
    const client = lever(ok, budget);
    await Promise.all(Array.from({ length: 5 }, () => client.getOpportunity(OPP).catch(() => undefined)));
    const after = await stats();
    expect(after.count - before.count).toBe(5);
    // the 3rd..5th waited ~50, 100, 150 ms
    expect(after.sum - before.sum).toBeGreaterThan(0.2);
  });
});

describe('check_status_transitions_total', () => {
  it('setting a status tag on Lever counts one transition to that status', async () => {
    const config = { id: 't1', lever: { triggerStageId: 's' }, packages: [], defaultPackageId: null } as unknown;
    const secrets: TeamSecrets = {
      lever: {
        apiKey: 'lever-key-0123',
        signatureToken: 'tok',
        archiveSignatureToken: null,
        deletedSignatureToken: null,
      },
      certn: { apiKey: 'certn-key-0123', webhookSecret: 'sec' },
    };
    const store = {
      getTeamConfig: async () => config as TeamConfig,
      getTeamSecrets: async () => secrets,
    } as unknown as SettingsStore;
    const activities = createActivities({
      store,
      leverBaseUrl: 'https://lever.test/v1',
      certnBaseUrl: 'https://certn.test',
      leverBudget: { acquire: async () => undefined, penalize: () => undefined },
      fetchImpl: (async () => new Response(null, { status: 204 })) as unknown as typeof fetch,
      reportLinks: new ReportLinks('https://svc.test', Buffer.alloc(32, 1)),
      reportPollMs: 1,
    });
    const before = await total(checkStatusTransitions, { status: 'Analyzing' });
    await new MockActivityEnvironment().run(activities.setStatusTag, 't1', OPP, 'Analyzing' as const);
    expect(await total(checkStatusTransitions, { status: 'Analyzing' })).toBe(before + 1);
  });
});

describe('webhook deliveries and the /metrics text', () => {
  it('counts deliveries by endpoint and outcome and renders API and process families together', async () => {
    const m = new Metrics();
    m.inc(METRIC.leverWebhooks, { outcome: 'accepted' });
    m.inc(METRIC.leverWebhooks, { outcome: 'accepted' });
    m.inc(METRIC.certnWebhooks, { outcome: 'signalled' });
    expect(await m.get(METRIC.leverWebhooks, { outcome: 'accepted' })).toBe(2);
    expect(await m.get(METRIC.certnWebhooks, { outcome: 'signalled' })).toBe(1);
    expect(await new Metrics().get(METRIC.leverWebhooks, { outcome: 'accepted' })).toBe(0); // one registry per app
    const text = await m.render();
    expect(text).toMatch(/^lever_webhook_deliveries_total\{outcome="accepted"\} 2$/m);
    expect(text).toMatch(/^# TYPE external_call_duration_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE lever_budget_wait_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE check_status_transitions_total counter$/m);
  });
});
