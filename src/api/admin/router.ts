// The admin REST API under /api/admin: bearer-token check, JSON body parsing, the per-resource route files, and the
// one error handler that turns thrown errors into the documented 4xx/5xx answers (see openapi.ts).
import express, { NextFunction, Request, Response } from 'express';
import { publicBaseUrl } from '../../config';
import { createLogger } from '../../logger';
import { constantTimeEqual } from '../../settings/crypto';
import { SettingsError, TeamConfig } from '../../settings/store';
import type { ApiDeps } from '../app';
import { TemporalUnavailableError } from '../check-gateway';
import { METRIC, Metrics } from '../metrics';
import { requestErrorStatus } from '../request-guard';
import { checkRoutes } from './checks';
import { AdminContext, HttpError, TeamView } from './http';
import { packageRoutes } from './packages';
import { reportLinkRoutes } from './report-links';
import { teamRoutes } from './teams';

const log = createLogger('api');

export function adminRouter(deps: ApiDeps, metrics: Metrics): express.Router {
  const base = publicBaseUrl(deps.config);
  const ctx: AdminContext = {
    deps,
    metrics,
    view: (t: TeamConfig): TeamView => ({
      ...t,
      webhookUrls: {
        lever: `${base}/webhooks/lever/${t.leverWebhookId}`,
        certn: `${base}/webhooks/certn/${t.certnWebhookId}`,
      },
    }),
    team: async (teamId) => {
      const t = await deps.store.getTeamConfig(teamId);
      if (!t) throw new HttpError(404, { error: 'not_found', message: `team ${teamId} not found` });
      return t;
    },
  };

  const admin = express.Router();
  admin.use((req, res, next) => {
    res.on('finish', () => metrics.inc(METRIC.adminRequests, { status: `${Math.floor(res.statusCode / 100)}xx` }));
    res.set('Cache-Control', 'no-store');
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m || !constantTimeEqual(m[1] ?? '', deps.adminToken)) {
      log.warn('admin request rejected: bad or missing bearer token', { method: req.method, path: req.path });
      res.set('WWW-Authenticate', 'Bearer realm="admin"').status(401).json({ error: 'unauthorized' });
      return;
    }
    next();
  });
  admin.use(express.json({ limit: '100kb' }));

  admin.use(teamRoutes(ctx));
  admin.use(packageRoutes(ctx));
  admin.use(reportLinkRoutes(ctx));
  admin.use(checkRoutes(ctx));

  admin.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such admin route' });
  });

  admin.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof HttpError) return res.status(err.status).json(err.body);
    if (err instanceof SettingsError) {
      const status = err.kind === 'not_found' ? 404 : 409;
      return res
        .status(status)
        .json({ error: err.kind, message: err.message, ...(err.field ? { field: err.field } : {}) });
    }
    if (err instanceof TemporalUnavailableError) {
      log.warn('admin request failed: Temporal unavailable', { method: req.method, path: req.path });
      return res
        .status(503)
        .json({ error: 'temporal_unavailable', message: 'Temporal is unreachable, try again later' });
    }
    const type = (err as { type?: string })?.type;
    if (type === 'entity.parse.failed')
      return res.status(400).json({ error: 'malformed_json', message: 'body is not JSON' });
    if (type === 'entity.too.large') return res.status(413).json({ error: 'too_large' });
    const status = requestErrorStatus(err);
    if (status) return res.status(status).json({ error: 'bad_request', message: 'the request could not be read' });
    log.error('admin request failed', { method: req.method, path: req.path, err });
    return res.status(500).json({ error: 'internal_error' });
  });

  return admin;
}
