// Admin routes for teams: the check-type catalogue, list/create/read/update, enable (validated against Lever and
// Certn by enable-validation.ts) and disable.
import express from 'express';
import { z } from 'zod';
import { CHECK_TYPE_CATALOGUE } from '../../certn/schemas';
import { leverClientFor } from '../../integrations/team-clients';
import { createLogger } from '../../logger';
import { TeamCreateBody, TeamUpdateBody } from '../../settings/schemas';
import { TeamConfig, matchKey } from '../../settings/store';
import { validateForEnable } from '../enable-validation';
import { METRIC } from '../metrics';
import { AdminContext, HttpError, h, validate } from './http';

const log = createLogger('api');

export function teamRoutes(ctx: AdminContext): express.Router {
  const { deps, metrics, view, team } = ctx;
  const admin = express.Router();

  /**
   * An enabled team whose trigger or advance stage name changes keeps working: the new names are looked up in Lever
   * now (with the key the team will have after the patch), or the patch is refused saying why. Returns the new
   * trigger stage's id when it changed.
   */
  const resolveNewStages = async (
    t: TeamConfig,
    body: z.output<typeof TeamUpdateBody>,
  ): Promise<{ triggerStageId: string; expectedVersion: number } | undefined> => {
    const changed = (name: string | null | undefined, was: string | null): name is string =>
      t.enabled && typeof name === 'string' && matchKey(name) !== matchKey(was ?? '');
    const trigger = body.lever?.triggerStageName;
    const advance = body.lever?.advanceStageName;
    const newTrigger = changed(trigger, t.lever.triggerStageName);
    const newAdvance = changed(advance, t.lever.advanceStageName);
    if (!newTrigger && !newAdvance) return undefined;
    const apiKey = body.lever?.apiKey ?? (await deps.store.getTeamSecrets(t.id))?.lever.apiKey;
    if (!apiKey) return undefined; // the store refuses clearing the key of an enabled team
    let stages: { id: string; text: string }[];
    try {
      stages = await leverClientFor(deps, apiKey).listStages();
    } catch (err) {
      log.warn('stage change: Lever unreachable', { teamId: t.id, err });
      throw new HttpError(503, {
        error: 'lever_unavailable',
        message: 'Could not look the new stage name up in Lever; nothing was changed. Try again later.',
      });
    }
    const one = (name: string, field: string): string => {
      const matches = stages.filter((s) => matchKey(s.text) === matchKey(name));
      if (matches.length === 1) return matches[0]!.id;
      throw new HttpError(422, {
        error: matches.length === 0 ? 'stage_not_found' : 'stage_ambiguous',
        field,
        message:
          matches.length === 0
            ? `No stage named "${name}" in this Lever account; nothing was changed.`
            : `${matches.length} Lever stages are named "${name}"; nothing was changed.`,
        availableStages: stages.map((s) => s.text),
      });
    };
    const triggerStageId = newTrigger ? one(trigger, 'lever.triggerStageName') : t.lever.triggerStageId;
    const advanceName = advance === undefined ? t.lever.advanceStageName : advance;
    const advanceIds = advanceName
      ? newAdvance
        ? [one(advanceName, 'lever.advanceStageName')]
        : stages.filter((s) => matchKey(s.text) === matchKey(advanceName)).map((s) => s.id)
      : [];
    if (triggerStageId && advanceIds.includes(triggerStageId)) {
      throw new HttpError(422, {
        error: 'same_as_trigger',
        field: 'lever.advanceStageName',
        message: 'The advance stage must differ from the trigger stage; nothing was changed.',
      });
    }
    return newTrigger && triggerStageId ? { triggerStageId, expectedVersion: t.version } : undefined;
  };

  admin.get('/check-types', (_req, res) => {
    res.json({ checkTypes: CHECK_TYPE_CATALOGUE });
  });

  admin.get(
    '/teams',
    h(async (_req, res) => {
      res.json({ teams: (await deps.store.listTeams()).map(view) });
    }),
  );

  admin.post(
    '/teams',
    h(async (req, res) => {
      const body = validate(TeamCreateBody, req.body);
      const t = await deps.store.createTeam(body);
      log.info('team created', { teamId: t.id });
      res.status(201).location(`/api/admin/teams/${t.id}`).json(view(t));
    }),
  );

  admin.get(
    '/teams/:teamId',
    h(async (req, res) => {
      res.json(view(await team(String(req.params.teamId))));
    }),
  );

  admin.patch(
    '/teams/:teamId',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const body = validate(TeamUpdateBody, req.body);
      const before = await team(teamId);
      const t = await deps.store.updateTeam(teamId, body, await resolveNewStages(before, body));
      log.info('team updated', {
        teamId,
        fields: [
          ...Object.keys(body).filter((k) => k === 'name'),
          ...Object.keys(body.lever ?? {}).map((k) => `lever.${k}`),
          ...Object.keys(body.certn ?? {}).map((k) => `certn.${k}`),
        ],
        enabled: t.enabled,
      });
      res.json(view(t));
    }),
  );

  admin.post(
    '/teams/:teamId/enable',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      const t = await team(teamId);
      const { problems, triggerStageId } = await validateForEnable(t, deps);
      if (problems.length > 0 || !triggerStageId) {
        metrics.inc(METRIC.enableAttempts, { result: 'rejected' });
        log.info('enable refused', { teamId, problems: problems.map((p) => `${p.field}:${p.code}`) });
        res.status(422).json({
          error: 'enable_failed',
          message: problems.map((p) => p.message).join(' '),
          problems,
        });
        return;
      }
      // Commits only if the team is still what was validated (a PATCH meanwhile makes this a 409, nothing enabled).
      const enabled = await deps.store.enableTeam(teamId, triggerStageId, { expectedVersion: t.version });
      metrics.inc(METRIC.enableAttempts, { result: 'enabled' });
      log.info('team enabled', { teamId, triggerStageId });
      const v = view(enabled);
      res.json({ team: v, webhookUrls: v.webhookUrls });
    }),
  );

  admin.post(
    '/teams/:teamId/disable',
    h(async (req, res) => {
      const teamId = String(req.params.teamId);
      await team(teamId);
      const t = await deps.store.disableTeam(teamId);
      log.info('team disabled', { teamId });
      res.json(view(t));
    }),
  );

  return admin;
}
