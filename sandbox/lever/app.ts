// The Lever sandbox's HTTP surface: the public Data API under /v1 (api.ts, contracts/lever.md) and the control
// surface under /_sandbox (control.ts, no auth) for tests and demos. See README.md next to this file.
import express from 'express';
import { createPublicApi } from './api';
import type { LeverContext, LeverSandboxAppDeps } from './context';
import { createControl } from './control';
import { createLeverModel } from './model';

export type { LeverSandboxAppDeps } from './context';

export function createLeverSandboxApp(deps: LeverSandboxAppDeps): express.Express {
  const ctx: LeverContext = { ...deps, buckets: new Map() };
  const model = createLeverModel(ctx);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/v1', createPublicApi(ctx, model));
  app.use('/_sandbox', createControl(ctx, model));
  app.get('/', (_req, res) => res.json({ service: 'lever-sandbox', api: '/v1', control: '/_sandbox' }));
  return app;
}
