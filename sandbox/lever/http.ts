// Small HTTP helpers shared by the Lever sandbox's public API and control routes: Lever's error body, query and
// body checks, and draining a request before answering so the client never sees a reset connection.
import type { NextFunction, Request, Response } from 'express';

export type Handler = (req: Request, res: Response, next: NextFunction) => unknown;
/** Express 4 does not catch rejected promises: route them to the error handler. */
export const wrap =
  (fn: Handler): Handler =>
  (req, res, next) => {
    Promise.resolve(fn(req, res, next)).catch(next);
  };

export function leverError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ code, message });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim().length > 0);
}

export function qstr(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

/** When the request has a body still arriving, read it to the end before answering (no EPIPE at the client). */
export function drainThen(req: Request, send: () => void): void {
  if (req.complete) return send();
  req.on('end', send);
  req.on('error', send);
  req.resume();
}

export const baseOf = (req: Request): string => `${req.protocol}://${req.get('host') ?? 'localhost'}`;

/** Control-surface answers (same `{code, message}` body as the API). */
export const bad = (res: Response, message: string) => res.status(400).json({ code: 'BadRequest', message });
export const notFound = (res: Response, what: string) =>
  res.status(404).json({ code: 'ResourceNotFound', message: `${what} not found` });
