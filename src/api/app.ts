// The service's HTTP front: health, metrics, the two webhook endpoints, the admin REST API (bearer token, routes in
// admin/), its OpenAPI document and a minimal settings page. Responses never carry a secret: the store only hands
// out masks.
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { AppConfig, publicBaseUrl } from '../config';
import type { LeverBudget } from '../lever/budget';
import { createLogger } from '../logger';
import { SettingsStore } from '../settings/store';
import { ReportLinks } from '../activities/report-links';
import { adminRouter } from './admin/router';
import { adminPageHtml } from './admin-page';
import { certnWebhookRouter } from './certn-webhook';
import { CheckGateway } from './check-gateway';
import { CheckListDeps } from './check-list';
import { leverWebhookRouter } from './lever-webhook';
import { Metrics, PROMETHEUS_CONTENT_TYPE } from './metrics';
import { openApiDocument } from './openapi';
import { reportRouter } from './report-route';
import { requestErrorStatus, requestGuard } from './request-guard';

const log = createLogger('api');

export interface ApiDeps {
  store: SettingsStore;
  gateway: CheckGateway;
  config: AppConfig;
  adminToken: string;
  /** Lever Data API base, e.g. `https://api.lever.co/v1` or `${sandbox.url}/v1`. */
  leverBaseUrl: string;
  /** Certn base, e.g. `https://api.sandbox.certn.co` or the sandbox url. */
  certnBaseUrl: string;
  now?: () => number;
  /** Counters; created when absent. */
  metrics?: Metrics;
  /** When given, serves the stable report links (`GET /reports/...`) written on Lever profiles. */
  reportLinks?: ReportLinks;
  /** When given, serves the checks list (`GET /api/admin/teams/:teamId/checks`) from Temporal's visibility. */
  checkList?: Omit<CheckListDeps, 'store'>;
  /** The Lever budget the workers share (PostgreSQL): the admin API's Lever look-ups spend from it too. */
  leverBudget?: LeverBudget;
  /** Rejects while Temporal is unreachable; `/readyz` answers 503 then. */
  temporalReady?: () => Promise<void>;
}

export function createApiApp(deps: ApiDeps): express.Express {
  const app = express();
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? new Metrics();
  const base = publicBaseUrl(deps.config);
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestGuard);

  // ---------------------------------------------------------------- public
  app.get('/healthz', async (_req, res) => {
    try {
      await deps.store.ping();
      res.json({ status: 'ok' });
    } catch (err) {
      log.error('health check failed', { err });
      res.status(503).json({ status: 'unavailable' });
    }
  });

  // Readiness for a load balancer: 503 while Temporal or the settings database cannot be reached, so webhooks go
  // to a replica that can hand them over (liveness stays /healthz: restarting would not bring Temporal back).
  app.get('/readyz', async (_req, res) => {
    const probe = async (name: string, fn?: () => Promise<void>) =>
      fn
        ? fn().then(
            () => [name, 'ok'],
            () => [name, 'unavailable'],
          )
        : [name, 'ok'];
    const checks = Object.fromEntries(
      await Promise.all([probe('settings', () => deps.store.ping()), probe('temporal', deps.temporalReady)]),
    );
    const ready = Object.values(checks).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });

  app.get('/metrics', (_req, res, next) => {
    metrics.render().then((text) => res.type(PROMETHEUS_CONTENT_TYPE).send(text), next);
  });

  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument(base));
  });

  const page: RequestHandler = (_req, res) => {
    const nonce = randomBytes(16).toString('base64');
    res
      .set(
        'Content-Security-Policy',
        `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; frame-ancestors 'none'`,
      )
      .set('X-Frame-Options', 'DENY')
      .set('Referrer-Policy', 'no-referrer')
      .type('html')
      .send(adminPageHtml(nonce));
  };
  app.get('/', page);
  app.get('/admin', page);

  // ---------------------------------------------------------------- webhooks
  app.use(
    leverWebhookRouter({
      store: deps.store,
      gateway: deps.gateway,
      windowMs: deps.config.LEVER_WEBHOOK_WINDOW_SECONDS * 1000,
      now,
      metrics,
    }),
  );
  app.use(certnWebhookRouter({ store: deps.store, gateway: deps.gateway, metrics }));
  if (deps.reportLinks) {
    app.use(reportRouter({ store: deps.store, reportLinks: deps.reportLinks, certnBaseUrl: deps.certnBaseUrl }));
  }

  // ---------------------------------------------------------------- admin
  app.use('/api/admin', adminRouter(deps, metrics));

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = requestErrorStatus(err);
    if (status) return res.status(status).json({ error: 'bad_request', message: 'the request could not be read' });
    log.error('request failed', { err });
    return res.status(500).json({ error: 'internal_error' });
  });

  return app;
}
