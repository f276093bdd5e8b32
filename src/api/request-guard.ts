// Refuses, before any route runs, the requests no route can serve: methods the service never answers (TRACE,
// TRACK, CONNECT → 405), paths with invalid percent-encoding (express would throw a URIError inside the routers,
// which answered 500 → 400 here) and compressed bodies (Lever, Certn and the admin page never compress; body-parser
// failing to inflate a plain body answered 500 → 415 here). Also maps request errors that carry a 4xx status to that
// status, for the app's last error handlers.
import { NextFunction, Request, Response } from 'express';

const REFUSED_METHODS = new Set(['TRACE', 'TRACK', 'CONNECT']);
export const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

function pathDecodes(path: string): boolean {
  try {
    for (const segment of path.split('/')) decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

export function requestGuard(req: Request, res: Response, next: NextFunction): void {
  if (REFUSED_METHODS.has(req.method.toUpperCase())) {
    res
      .status(405)
      .set('Allow', ALLOWED_METHODS)
      .json({
        error: 'method_not_allowed',
        message: `${req.method} is not supported`,
      });
    return;
  }
  if (!pathDecodes(req.path)) {
    res.status(400).json({ error: 'bad_request', message: 'the path has invalid percent-encoding' });
    return;
  }
  const encoding = (req.get('content-encoding') ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    res.status(415).json({
      error: 'unsupported_content_encoding',
      message: 'request bodies must not be compressed (send them without Content-Encoding)',
    });
    return;
  }
  next();
}

/** The 4xx status a request error carries (body-parser, express's param decoding), or null for a server fault. */
export function requestErrorStatus(err: unknown): number | null {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : NaN;
  if (err instanceof URIError) return 400;
  return status >= 400 && status < 500 ? status : null;
}
