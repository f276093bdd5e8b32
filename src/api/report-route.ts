// GET /reports/:teamId/:caseId/:kind?sig=… — the stable link on a Lever profile. Certn's pdf_url is short-lived,
// so a click generates a report and redirects to it. The signature (per-team link key, revocable) makes the URL a
// capability; clicks are rate-limited per case and the generated report is reused for a few minutes, so a link
// passed around (or hammered) cannot exhaust the team's Certn quota.
import express from 'express';
import { ReportLinks } from '../activities/report-links';
import { CertnApiError } from '../certn/client';
import { renderReport } from '../certn/report';
import { certnClientFor } from '../integrations/team-clients';
import { createLogger } from '../logger';
import { SettingsStore } from '../settings/store';

const log = createLogger('report-route');

/** Clicks per case per minute before 429. */
export const REPORT_CLICKS_PER_MINUTE = 10;
/** How long a generated report's URL is reused (well inside the lifetime Certn gives a signed pdf_url). */
export const REPORT_CACHE_MS = 3 * 60_000;

export function reportRouter(deps: {
  store: SettingsStore;
  reportLinks: ReportLinks;
  certnBaseUrl: string;
  /** How long to wait for Certn to render before answering 503 (the click can be retried). */
  waitMs?: number;
  now?: () => number;
}): express.Router {
  const router = express.Router();
  const now = deps.now ?? Date.now;
  const clicks = new Map<string, number[]>(); // team/case → click times in the last minute
  const cache = new Map<string, { url: string; until: number }>(); // team/case → generated report URL

  router.get('/reports/:teamId/:caseId/:kind', (req, res, next) => {
    serve(req, res).catch(next); // a store failure becomes a 500, never an unhandled rejection
  });

  /** Sliding window per case; also sweeps entries nobody clicked for a minute (bounded memory). */
  function allowClick(key: string): boolean {
    const t = now();
    const recent = (clicks.get(key) ?? []).filter((at) => t - at < 60_000);
    if (recent.length >= REPORT_CLICKS_PER_MINUTE) {
      clicks.set(key, recent);
      return false;
    }
    recent.push(t);
    clicks.set(key, recent);
    if (clicks.size > 10_000) {
      for (const [k, v] of clicks) if (v.every((at) => t - at >= 60_000)) clicks.delete(k);
    }
    return true;
  }

  async function serve(req: express.Request, res: express.Response): Promise<void> {
    const { teamId, caseId, kind } = req.params as { teamId: string; caseId: string; kind: string };
    const sig = typeof req.query.sig === 'string' ? req.query.sig : '';
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
    if (!(await deps.reportLinks.verify(teamId, caseId, kind, sig))) {
      res.status(404).type('text/plain').send('No such report.');
      return;
    }
    const key = `${teamId}/${caseId}`;
    if (!allowClick(key)) {
      res.status(429).set('Retry-After', '60').type('text/plain').send('Too many requests for this report.');
      return;
    }
    const cached = cache.get(key);
    if (cached && cached.until > now()) {
      res.redirect(302, cached.url);
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
      cache.set(key, { url: report.pdf_url, until: now() + REPORT_CACHE_MS });
      res.redirect(302, report.pdf_url);
    } catch (err) {
      log.warn('report link failed', { teamId, caseId, error: err });
      const status = err instanceof CertnApiError && !err.retryable ? 502 : 503;
      res.status(status).type('text/plain').send('Certn could not provide the report right now.');
    }
  }
  return router;
}
