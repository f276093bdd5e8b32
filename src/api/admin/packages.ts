// Admin routes for a team's packages (named sets of Certn check types): create, update, delete, make default.
import express from 'express';
import { createLogger } from '../../logger';
import { PackageCreateBody, PackageUpdateBody } from '../../settings/schemas';
import { AdminContext, h, validate } from './http';

const log = createLogger('api');

export function packageRoutes(ctx: AdminContext): express.Router {
  const { deps, view, team } = ctx;
  const admin = express.Router();

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

  return admin;
}
