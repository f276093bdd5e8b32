// Admin route for a team's report links: rotating the signing key revokes every link on Lever profiles (new links
// are signed with the new key).
import express from 'express';
import { createLogger } from '../../logger';
import { AdminContext, h } from './http';

const log = createLogger('api');

export function reportLinkRoutes(ctx: AdminContext): express.Router {
  const admin = express.Router();
  admin.post(
    '/teams/:teamId/report-links/rotate',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      await ctx.team(teamId);
      await ctx.deps.store.rotateReportLinkKey(teamId);
      log.info('report link key rotated', { teamId });
      res.json({ rotated: true });
    }),
  );
  return admin;
}
