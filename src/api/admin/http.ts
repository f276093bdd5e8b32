// What every admin route file shares: the deps they get, the error a handler throws to answer a 4xx/5xx, body
// validation with the request schemas the OpenAPI document is built from, and the async handler wrapper.
import { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { fieldErrors } from '../../settings/schemas';
import { TeamConfig } from '../../settings/store';
import type { ApiDeps } from '../app';
import { Metrics } from '../metrics';

/** A team as the admin API shows it: the store's masked view plus its webhook URLs. */
export type TeamView = TeamConfig & { webhookUrls: { lever: string; certn: string } };

export interface AdminContext {
  deps: ApiDeps;
  metrics: Metrics;
  view(t: TeamConfig): TeamView;
  /** The team, or a 404 thrown. */
  team(teamId: string): Promise<TeamConfig>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? body.error));
  }
}

export function validate<T extends z.ZodTypeAny>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new HttpError(400, { error: 'validation_error', fields: fieldErrors(r.error) });
  return r.data;
}

/** Wraps an async handler: known errors become their status, anything else a 500 without details. */
export function h(fn: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return (req, res, next) => {
    fn(req, res).catch(next);
  };
}
