// Operator routes for one check (state, re-run, cancel) and the team's checks list (check-list.ts, from Temporal's
// visibility, mounted when configured).
import express from 'express';
import { createLogger } from '../../logger';
import { CancelBody } from '../../settings/schemas';
import { checkWorkflowId } from '../../workflows/definitions';
import { checkListRouter } from '../check-list';
import { AdminContext, HttpError, h, validate } from './http';

const log = createLogger('api');

export function checkRoutes(ctx: AdminContext): express.Router {
  const { deps, team } = ctx;
  const admin = express.Router();

  admin.get(
    '/teams/:teamId/checks/:opportunityId',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const opportunityId = String(req.params.opportunityId);
      await team(teamId);
      const state = await deps.gateway.state(teamId, opportunityId);
      if (!state) throw new HttpError(404, { error: 'not_found', message: 'no check for this opportunity' });
      res.json({ workflowId: checkWorkflowId(teamId, opportunityId), state });
    }),
  );

  admin.post(
    '/teams/:teamId/checks/:opportunityId/rerun',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const opportunityId = String(req.params.opportunityId);
      const t = await team(teamId);
      if (!t.enabled) {
        throw new HttpError(409, { error: 'team_disabled', message: 'enable the team before re-running a check' });
      }
      const r = await deps.gateway.rerun(teamId, opportunityId);
      const workflowId = checkWorkflowId(teamId, opportunityId);
      if (r === 'open') {
        throw new HttpError(409, {
          error: 'check_open',
          message: 'the check is still open: cancel it first',
          workflowId,
        });
      }
      log.info('check re-run started by an operator', { teamId, opportunityId });
      res.status(202).json({ status: 'started', workflowId });
    }),
  );

  admin.post(
    '/teams/:teamId/checks/:opportunityId/cancel',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const opportunityId = String(req.params.opportunityId);
      const body = validate(CancelBody, req.body);
      await team(teamId);
      const workflowId = checkWorkflowId(teamId, opportunityId);
      const r = await deps.gateway.cancel(teamId, opportunityId, body.reason ?? 'cancelled by an operator');
      log.info('check cancel requested by an operator', { teamId, opportunityId, result: r.result });
      switch (r.result) {
        case 'cancelled':
          return res.status(200).json({ status: 'cancelled', workflowId, check: r.outcome });
        case 'requested': // accepted; the check's answer did not come in time and shows in its state later
          return res.status(202).json({ status: 'cancel_requested', workflowId });
        case 'refused':
          throw new HttpError(409, { error: 'cancel_refused', message: r.outcome.detail, workflowId });
        case 'ended':
          throw new HttpError(409, { error: 'check_ended', message: r.message, workflowId });
        case 'under_way':
          throw new HttpError(409, { error: 'cancel_under_way', message: r.message, workflowId });
        case 'closed':
          throw new HttpError(409, { error: 'check_closed', message: 'the check is closed', workflowId });
        case 'not_found':
          throw new HttpError(404, { error: 'not_found', message: 'no check for this opportunity' });
      }
    }),
  );

  if (deps.checkList) admin.use(checkListRouter({ store: deps.store, ...deps.checkList }));
  return admin;
}
