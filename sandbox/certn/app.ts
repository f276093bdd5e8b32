// The Certn sandbox's HTTP surface: the public API (/api/public, api.ts), the signed PDF file route (/_files, no
// Api-Key) and the control surface (/_sandbox, control.ts, no auth — a local test/demo tool).
import express, { type Request, type Response } from 'express';
import { createPublicApi } from './api';
import { createControlRouter } from './control';
import { notFound, sendError } from './http';
import type { CertnSandboxState } from './state';

export function createCertnSandboxApp(state: CertnSandboxState): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // `overall_status[]` must stay a plain key: use the simple (querystring) parser, no nested-object expansion.
  app.set('query parser', 'simple');

  app.use('/api/public', createPublicApi(state));

  // ── signed PDF files (no Api-Key; the signature is the credential) ────────────────────────────────────────
  app.get('/_files/report-files/:name', (req, res) => {
    const m = /^(.+)\.pdf$/.exec(req.params.name ?? '');
    const id = m?.[1];
    const rf = id ? state.reportFiles.get(id) : undefined;
    const verdict = id ? state.checkPdfSignature(id, req.query.expires, req.query.signature) : 'forged';
    if (verdict !== 'ok') {
      sendError(res, 403, 'client_error', [
        {
          code: verdict === 'expired' ? 'url_expired' : 'invalid_signature',
          detail: verdict === 'expired' ? 'This link has expired.' : 'Invalid signature.',
          attr: null,
        },
      ]);
      return;
    }
    if (!rf || !rf.pdf) {
      notFound(res);
      return;
    }
    res
      .status(200)
      .type('application/pdf')
      .setHeader('Content-Disposition', `inline; filename="certn-report-${rf.case_id}.pdf"`);
    res.end(Buffer.from(rf.pdf));
  });

  app.use('/_sandbox', createControlRouter(state));
  app.use((_req: Request, res: Response) => notFound(res));
  return app;
}
