// Small HTTP helpers of the Certn sandbox: Certn's error body, domain errors turned into it, query parsing.
import type { Request, Response } from 'express';
import type { z } from 'zod';
import { createLogger } from '../log';
import type { ErrorItem } from './catalogue';
import { SandboxError } from './errors';

const log = createLogger('certn-sandbox-http');

export type ErrorType = 'validation_error' | 'client_error' | 'server_error';

export function sendError(res: Response, status: number, type: ErrorType, errors: ErrorItem[]): void {
  res.status(status).json({ type, errors });
}
export const notFound = (res: Response): void =>
  sendError(res, 404, 'client_error', [{ code: 'not_found', detail: 'Not found.', attr: null }]);

export function handleSandboxError(res: Response, e: unknown): void {
  if (e instanceof SandboxError) {
    const type: ErrorType = e.status === 400 ? 'validation_error' : e.status >= 500 ? 'server_error' : 'client_error';
    sendError(res, e.status, type, [{ code: e.code, detail: e.message, attr: null }]);
    return;
  }
  log.error('sandbox handler failed', { error: e });
  sendError(res, 500, 'server_error', [{ code: 'error', detail: 'A server error occurred.', attr: null }]);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Query values as a string list; accepts repeated keys and comma-separated values. */
export function queryList(q: unknown): string[] {
  const raw = Array.isArray(q) ? q : q === undefined ? [] : [q];
  return raw
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : []))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function queryString(q: unknown): string | undefined {
  if (typeof q === 'string') return q;
  if (Array.isArray(q) && typeof q[0] === 'string') return q[0];
  return undefined;
}

/** Control-surface answers: `{error}` bodies (not Certn's), domain errors with their status. */
export const controlBad = (res: Response, detail: string): void => {
  res.status(400).json({ error: detail });
};
export const controlWrap =
  (fn: (req: Request, res: Response) => unknown | Promise<unknown>) =>
  async (req: Request, res: Response): Promise<void> => {
    try {
      await fn(req, res);
    } catch (e) {
      if (e instanceof SandboxError) res.status(e.status).json({ error: e.message, code: e.code });
      else {
        log.error('control handler failed', { error: e });
        res.status(500).json({ error: 'internal error' });
      }
    }
  };

export const zodMessage = (e: z.ZodError): string =>
  e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
