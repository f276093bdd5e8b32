// GET /reports/:teamId/:caseId/:kind?sig=… — the stable link on a Lever profile. Certn's pdf_url is short-lived,
// so each click generates a fresh report and redirects to it. The signature makes the URL a capability.
import express from 'express';
import { ReportLinks } from '../activities/report-links';
import { CertnApiError } from '../certn/client';
import { renderReport } from '../certn/report';
import { certnClientFor } from '../integrations/team-clients';
import { createLogger } from '../logger';
import { SettingsStore } from '../settings/store';

const log = createLogger('report-route');

export function reportRouter(deps: {
  store: SettingsStore;
  reportLinks: ReportLinks;
  certnBaseUrl: string;
  /** How long to wait for Certn to render before answering 503 (the click can be retried). */
  waitMs?: number;
}): express.Router {
  const router = express.Router();
  router.get('/reports/:teamId/:caseId/:kind', (req, res, next) => {
    serve(req, res).catch(next); // a store failure becomes a 500, never an unhandled rejection
  });

  async function serve(req: express.Request, res: express.Response): Promise<void> {
    const { teamId, caseId, kind } = req.params as { teamId: string; caseId: string; kind: string };
    const sig = typeof req.query.sig === 'string' ? req.query.sig : '';
    if (!deps.reportLinks.verify(teamId, caseId, kind, sig)) {
      res.status(404).type('text/plain').send('No such report.');
      return;
    }
    const secrets = await deps.store.getTeamSecrets(teamId);
    const ref = await deps.store.findCheckByCertnObject(teamId, caseId);
    if (!secrets?.certn.apiKey || !ref) {
      res.status(404).type('text/plain').send('No such report.');
      return;
    }
    const certn = certnClientFor(deps, secrets.certn.apiKey);
    try {
      const report = await renderReport(certn, caseId, { pollMs: 500, maxWaitMs: deps.waitMs ?? 20_000 });
      if (report.status !== 'COMPLETE' || !report.pdf_url) {
        res
          .status(503)
          .set('Retry-After', '10')
          .type('text/plain')
          .send('The report is being prepared; try again shortly.');
        return;
      }
      res.redirect(302, report.pdf_url);
    } catch (err) {
      log.warn('report link failed', { teamId, caseId, error: err });
      const status = err instanceof CertnApiError && !err.retryable ? 502 : 503;
      res.status(status).type('text/plain').send('Certn could not provide the report right now.');
    }
  }
  return router;
}
