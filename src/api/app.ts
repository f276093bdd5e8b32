// The service's HTTP front: health, metrics, the two webhook endpoints, the admin REST API (bearer token), its
// OpenAPI document and a minimal settings page. Responses never carry a secret: the store only hands out masks.
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CHECK_TYPE_CATALOGUE } from '../certn/schemas';
import { CertnApiError, CertnClient } from '../certn/client';
import { AppConfig, publicBaseUrl } from '../config';
import { LeverApiError, LeverClient } from '../lever/client';
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
import { SettingsError, SettingsStore, TeamConfig, packageNameKey } from '../settings/store';
import { ReportLinks } from '../activities/report-links';
import { adminPageHtml } from './admin-page';
import { certnWebhookRouter } from './certn-webhook';
import { CheckGateway, TemporalUnavailableError } from './check-gateway';
import { leverWebhookRouter } from './lever-webhook';
import { METRIC, Metrics } from './metrics';
import { openApiDocument } from './openapi';
import { reportRouter } from './report-route';

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
  /** Rejects while Temporal is unreachable; `/readyz` answers 503 then. */
  temporalReady?: () => Promise<void>;
}

/** A team as the admin API shows it: the store's masked view plus its webhook URLs. */
export type TeamView = TeamConfig & { webhookUrls: { lever: string; certn: string } };

export interface EnableProblem {
  field: string;
  code: string;
  message: string;
  availableStages?: string[];
}

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
      await team(teamId);
      const t = await deps.store.updateTeam(teamId, body);
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
      const enabled = await deps.store.enableTeam(teamId, triggerStageId);
      metrics.inc(METRIC.enableAttempts, { result: 'enabled' });
      log.info('team enabled', { teamId, triggerStageId });
      const v = view(enabled);
      res.json({ team: v, webhookUrls: v.webhookUrls });
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
      const ok = await deps.gateway.cancel(teamId, opportunityId, body.reason ?? 'cancelled by an operator');
      if (!ok) throw new HttpError(404, { error: 'not_found', message: 'no open check for this opportunity' });
      log.info('check cancel requested by an operator', { teamId, opportunityId });
      res.status(202).json({ status: 'cancel_requested', workflowId: checkWorkflowId(teamId, opportunityId) });
    }),
  );

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
    log.error('admin request failed', { method: req.method, path: req.path, err });
    return res.status(500).json({ error: 'internal_error' });
  });

  app.use('/api/admin', admin);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    log.error('request failed', { err });
    res.status(500).json({ error: 'internal_error' });
  });

  return app;
}

/** Everything enable can check, each failure with its own message. Returns the resolved trigger stage id. */
export async function validateForEnable(
  t: TeamConfig,
  deps: Pick<ApiDeps, 'store' | 'leverBaseUrl' | 'certnBaseUrl'>,
): Promise<{ problems: EnableProblem[]; triggerStageId: string | null }> {
  const problems: EnableProblem[] = [];
  const secrets = await deps.store.getTeamSecrets(t.id);
  let triggerStageId: string | null = null;

  const leverCheck = async () => {
    const apiKey = secrets?.lever.apiKey;
    if (!apiKey) {
      problems.push({ field: 'lever.apiKey', code: 'missing', message: 'The Lever API key is not set.' });
    }
    const stageName = t.lever.triggerStageName;
    if (!stageName) {
      problems.push({
        field: 'lever.triggerStageName',
        code: 'missing',
        message: 'The trigger stage name is not set.',
      });
    }
    if (!apiKey) return;
    let stages: { id: string; text: string }[];
    try {
      stages = await new LeverClient({ baseUrl: deps.leverBaseUrl, apiKey }).listStages();
    } catch (err) {
      problems.push(leverKeyProblem(err));
      return;
    }
    if (!stageName) return;
    const wanted = packageNameKey(stageName);
    const matches = stages.filter((s) => packageNameKey(s.text) === wanted);
    const names = stages.map((s) => s.text);
    if (matches.length === 0) {
      problems.push({
        field: 'lever.triggerStageName',
        code: 'stage_not_found',
        message: `No stage named "${stageName}" in this Lever account. Its stages are: ${names.map((n) => `"${n}"`).join(', ')}.`,
        availableStages: names,
      });
    } else if (matches.length > 1) {
      problems.push({
        field: 'lever.triggerStageName',
        code: 'stage_ambiguous',
        message: `${matches.length} Lever stages are named "${stageName}"; rename one in Lever so the trigger is unambiguous.`,
        availableStages: names,
      });
    } else {
      triggerStageId = matches[0]!.id;
    }
  };

  const certnCheck = async () => {
    const apiKey = secrets?.certn.apiKey;
    if (!apiKey) {
      problems.push({ field: 'certn.apiKey', code: 'missing', message: 'The Certn API key is not set.' });
      return;
    }
    try {
      await new CertnClient({ baseUrl: deps.certnBaseUrl, apiKey }).verifyKey();
    } catch (err) {
      problems.push(certnKeyProblem(err));
    }
  };

  await Promise.all([leverCheck(), certnCheck()]);

  if (!secrets?.lever.signatureToken) {
    problems.push({
      field: 'lever.signatureToken',
      code: 'missing',
      message: "The Lever webhook signature token is not set (copy it from the webhook's settings in Lever).",
    });
  }
  if (!t.lever.performAsUserId) {
    problems.push({
      field: 'lever.performAsUserId',
      code: 'missing',
      message: 'The Lever user id to upload files as (perform_as) is not set.',
    });
  }
  if (!secrets?.certn.webhookSecret) {
    problems.push({ field: 'certn.webhookSecret', code: 'missing', message: 'The Certn webhook secret is not set.' });
  }
  if (!t.defaultPackageId || !t.packages.some((p) => p.id === t.defaultPackageId)) {
    problems.push({
      field: 'defaultPackageId',
      code: 'missing',
      message:
        t.packages.length === 0
          ? 'No package exists: create one and make it the default.'
          : 'No default package: make one of the packages the default.',
    });
  }
  const order = [
    'lever.apiKey',
    'lever.signatureToken',
    'lever.triggerStageName',
    'lever.performAsUserId',
    'certn.apiKey',
    'certn.webhookSecret',
    'defaultPackageId',
  ];
  problems.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
  return { problems, triggerStageId };
}

function leverKeyProblem(err: unknown): EnableProblem {
  if (err instanceof LeverApiError && (err.status === 401 || err.status === 403)) {
    return {
      field: 'lever.apiKey',
      code: 'rejected',
      message:
        err.status === 401
          ? 'Lever rejected the API key (401 Unauthorized): check it was copied whole and is not revoked.'
          : 'The Lever API key may not read stages (403 Forbidden): give it access to stages and opportunities.',
    };
  }
  const detail = err instanceof LeverApiError ? `${err.status || 'no response'} ${err.code}` : 'network error';
  log.warn('enable: Lever unreachable', { err });
  return {
    field: 'lever.apiKey',
    code: 'unreachable',
    message: `Could not check the Lever API key: Lever did not answer usefully (${detail}). Try again later.`,
  };
}

function certnKeyProblem(err: unknown): EnableProblem {
  if (err instanceof CertnApiError && (err.status === 401 || err.status === 403)) {
    return {
      field: 'certn.apiKey',
      code: 'rejected',
      message: `Certn rejected the API key (${err.status}): check it was copied whole and has not expired.`,
    };
  }
  const detail = err instanceof CertnApiError ? `${err.status || 'no response'} ${err.type}` : 'network error';
  log.warn('enable: Certn unreachable', { err });
  return {
    field: 'certn.apiKey',
    code: 'unreachable',
    message: `Could not check the Certn API key: Certn did not answer usefully (${detail}). Try again later.`,
  };
}
