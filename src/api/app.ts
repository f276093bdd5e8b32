// The service's HTTP front: health, metrics, the two webhook endpoints, the admin REST API (bearer token), its
// OpenAPI document and a minimal settings page. Responses never carry a secret: the store only hands out masks.
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CHECK_TYPE_CATALOGUE } from '../certn/schemas';
import { AppConfig, publicBaseUrl } from '../config';
import { createLogger } from '../logger';
import { checkWorkflowId } from '../workflows/definitions';
import { constantTimeEqual } from '../settings/crypto';
import {
  CancelBody,
  PackageCreateBody,
  PackageUpdateBody,
  TeamCreateBody,
  TeamUpdateBody,
  fieldErrors,
} from '../settings/schemas';
import { SettingsError, SettingsStore, TeamConfig, matchKey } from '../settings/store';
import { leverClientFor } from '../integrations/team-clients';
import { ReportLinks } from '../activities/report-links';
import { adminPageHtml } from './admin-page';
import { certnWebhookRouter } from './certn-webhook';
import { validateForEnable } from './enable-validation';
import { CheckGateway, TemporalUnavailableError } from './check-gateway';
import { CheckListDeps, checkListRouter } from './check-list';
import { leverWebhookRouter } from './lever-webhook';
import { METRIC, Metrics } from './metrics';
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
  /** Rejects while Temporal is unreachable; `/readyz` answers 503 then. */
  temporalReady?: () => Promise<void>;
}

/** A team as the admin API shows it: the store's masked view plus its webhook URLs. */
export type TeamView = TeamConfig & { webhookUrls: { lever: string; certn: string } };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? body.error));
  }
}

function validate<T extends z.ZodTypeAny>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new HttpError(400, { error: 'validation_error', fields: fieldErrors(r.error) });
  return r.data;
}

/** Wraps an async handler: known errors become their status, anything else a 500 without details. */
function h(fn: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return (req, res, next) => {
    fn(req, res).catch(next);
  };
}

export function createApiApp(deps: ApiDeps): express.Express {
  const app = express();
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? new Metrics();
  const base = publicBaseUrl(deps.config);
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestGuard);

  const view = (t: TeamConfig): TeamView => ({
    ...t,
    webhookUrls: {
      lever: `${base}/webhooks/lever/${t.leverWebhookId}`,
      certn: `${base}/webhooks/certn/${t.certnWebhookId}`,
    },
  });

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

  app.get('/metrics', (_req, res) => {
    res.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render());
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

  const team = async (teamId: string): Promise<TeamConfig> => {
    const t = await deps.store.getTeamConfig(teamId);
    if (!t) throw new HttpError(404, { error: 'not_found', message: `team ${teamId} not found` });
    return t;
  };

  /**
   * An enabled team whose trigger stage name changes keeps working: the new name is resolved to its Lever stage id
   * now (with the key the team will have after the patch), or the patch is refused saying why.
   */
  const resolveNewStage = async (
    t: TeamConfig,
    body: z.output<typeof TeamUpdateBody>,
  ): Promise<{ triggerStageId: string; expectedVersion: number } | undefined> => {
    const name = body.lever?.triggerStageName;
    if (!t.enabled || typeof name !== 'string') return undefined;
    if (matchKey(name) === matchKey(t.lever.triggerStageName ?? '')) return undefined;
    const apiKey = body.lever?.apiKey ?? (await deps.store.getTeamSecrets(t.id))?.lever.apiKey;
    if (!apiKey) return undefined; // the store refuses clearing the key of an enabled team
    let stages: { id: string; text: string }[];
    try {
      stages = await leverClientFor(deps, apiKey).listStages();
    } catch (err) {
      log.warn('trigger stage change: Lever unreachable', { teamId: t.id, err });
      throw new HttpError(503, {
        error: 'lever_unavailable',
        message: 'Could not look the new stage name up in Lever; nothing was changed. Try again later.',
      });
    }
    const matches = stages.filter((s) => matchKey(s.text) === matchKey(name));
    if (matches.length !== 1) {
      throw new HttpError(422, {
        error: matches.length === 0 ? 'stage_not_found' : 'stage_ambiguous',
        field: 'lever.triggerStageName',
        message:
          matches.length === 0
            ? `No stage named "${name}" in this Lever account; nothing was changed.`
            : `${matches.length} Lever stages are named "${name}"; nothing was changed.`,
        availableStages: stages.map((s) => s.text),
      });
    }
    return { triggerStageId: matches[0]!.id, expectedVersion: t.version };
  };

  admin.get('/check-types', (_req, res) => {
    res.json({ checkTypes: CHECK_TYPE_CATALOGUE });
  });

  admin.get(
    '/teams',
    h(async (_req, res) => {
      res.json({ teams: (await deps.store.listTeams()).map(view) });
    }),
  );

  admin.post(
    '/teams',
    h(async (req, res) => {
      const body = validate(TeamCreateBody, req.body);
      const t = await deps.store.createTeam(body);
      log.info('team created', { teamId: t.id });
      res.status(201).location(`/api/admin/teams/${t.id}`).json(view(t));
    }),
  );

  admin.get(
    '/teams/:teamId',
    h(async (req, res) => {
      res.json(view(await team(String(req.params.teamId))));
    }),
  );

  admin.patch(
    '/teams/:teamId',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const body = validate(TeamUpdateBody, req.body);
      const before = await team(teamId);
      const t = await deps.store.updateTeam(teamId, body, await resolveNewStage(before, body));
      log.info('team updated', {
        teamId,
        fields: [
          ...Object.keys(body).filter((k) => k === 'name'),
          ...Object.keys(body.lever ?? {}).map((k) => `lever.${k}`),
          ...Object.keys(body.certn ?? {}).map((k) => `certn.${k}`),
        ],
        enabled: t.enabled,
      });
      res.json(view(t));
    }),
  );

  admin.post(
    '/teams/:teamId/packages',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const body = validate(PackageCreateBody, req.body);
      await team(teamId);
      const p = await deps.store.createPackage(teamId, body);
      log.info('package created', { teamId, packageId: p.id });
      res.status(201).json(p);
    }),
  );

  admin.patch(
    '/teams/:teamId/packages/:packageId',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const body = validate(PackageUpdateBody, req.body);
      await team(teamId);
      const p = await deps.store.updatePackage(teamId, String(req.params.packageId), body);
      log.info('package updated', { teamId, packageId: p.id });
      res.json(p);
    }),
  );

  admin.delete(
    '/teams/:teamId/packages/:packageId',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      await team(teamId);
      await deps.store.deletePackage(teamId, String(req.params.packageId));
      log.info('package deleted', { teamId, packageId: req.params.packageId });
      res.status(204).end();
    }),
  );

  admin.post(
    '/teams/:teamId/packages/:packageId/default',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      await team(teamId);
      const t = await deps.store.setDefaultPackage(teamId, String(req.params.packageId));
      log.info('default package set', { teamId, packageId: req.params.packageId });
      res.json(view(t));
    }),
  );

  admin.post(
    '/teams/:teamId/enable',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const t = await team(teamId);
      const { problems, triggerStageId } = await validateForEnable(t, deps);
      if (problems.length > 0 || !triggerStageId) {
        metrics.inc(METRIC.enableAttempts, { result: 'rejected' });
        log.info('enable refused', { teamId, problems: problems.map((p) => `${p.field}:${p.code}`) });
        res.status(422).json({
          error: 'enable_failed',
          message: problems.map((p) => p.message).join(' '),
          problems,
        });
        return;
      }
      // Commits only if the team is still what was validated (a PATCH meanwhile makes this a 409, nothing enabled).
      const enabled = await deps.store.enableTeam(teamId, triggerStageId, { expectedVersion: t.version });
      metrics.inc(METRIC.enableAttempts, { result: 'enabled' });
      log.info('team enabled', { teamId, triggerStageId });
      const v = view(enabled);
      res.json({ team: v, webhookUrls: v.webhookUrls });
    }),
  );

  // Revokes every report link the team has on Lever profiles (new links are signed with the new key).
  admin.post(
    '/teams/:teamId/report-links/rotate',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      await team(teamId);
      await deps.store.rotateReportLinkKey(teamId);
      log.info('report link key rotated', { teamId });
      res.json({ rotated: true });
    }),
  );

  admin.post(
    '/teams/:teamId/disable',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      await team(teamId);
      const t = await deps.store.disableTeam(teamId);
      log.info('team disabled', { teamId });
      res.json(view(t));
    }),
  );

  // Operator routes for one check.
  admin.get(
    '/teams/:teamId/checks/:opportunityId',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const opportunityId = String(req.params.opportunityId);
      await team(teamId);
      const state = await deps.gateway.state(teamId, opportunityId);
      if (!state) throw new HttpError(404, { error: 'not_found', message: 'no check for this opportunity' });
      res.json({ workflowId: checkWorkflowId(teamId, opportunityId), state });
    }),
  );

  admin.post(
    '/teams/:teamId/checks/:opportunityId/rerun',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const opportunityId = String(req.params.opportunityId);
      const t = await team(teamId);
      if (!t.enabled) {
        throw new HttpError(409, { error: 'team_disabled', message: 'enable the team before re-running a check' });
      }
      const r = await deps.gateway.rerun(teamId, opportunityId);
      const workflowId = checkWorkflowId(teamId, opportunityId);
      if (r === 'open') {
        throw new HttpError(409, {
          error: 'check_open',
          message: 'the check is still open: cancel it first',
          workflowId,
        });
      }
      log.info('check re-run started by an operator', { teamId, opportunityId });
      res.status(202).json({ status: 'started', workflowId });
    }),
  );

  admin.post(
    '/teams/:teamId/checks/:opportunityId/cancel',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const opportunityId = String(req.params.opportunityId);
      const body = validate(CancelBody, req.body);
      await team(teamId);
      const workflowId = checkWorkflowId(teamId, opportunityId);
      const r = await deps.gateway.cancel(teamId, opportunityId, body.reason ?? 'cancelled by an operator');
      log.info('check cancel requested by an operator', { teamId, opportunityId, result: r.result });
      switch (r.result) {
        case 'cancelled':
          return res.status(200).json({ status: 'cancelled', workflowId, check: r.outcome });
        case 'requested': // accepted; the check's answer did not come in time and shows in its state later
          return res.status(202).json({ status: 'cancel_requested', workflowId });
        case 'refused':
          throw new HttpError(409, { error: 'cancel_refused', message: r.outcome.detail, workflowId });
        case 'ended':
          throw new HttpError(409, { error: 'check_ended', message: r.message, workflowId });
        case 'under_way':
          throw new HttpError(409, { error: 'cancel_under_way', message: r.message, workflowId });
        case 'closed':
          throw new HttpError(409, { error: 'check_closed', message: 'the check is closed', workflowId });
        case 'not_found':
          throw new HttpError(404, { error: 'not_found', message: 'no check for this opportunity' });
      }
    }),
  );

  if (deps.checkList) admin.use(checkListRouter({ store: deps.store, ...deps.checkList }));

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

  app.use('/api/admin', admin);

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
