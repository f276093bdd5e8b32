// The Lever sandbox's control surface under /_sandbox (no auth; a local test and demo tool): reset and overview, API
// keys, stages, postings, opportunities as a recruiter edits them; webhooks, deliveries and faults in control-hooks.ts.
import express, { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { LeverContext } from './context';
import { addHookRoutes } from './control-hooks';
import { bad, baseOf, isStringArray, notFound } from './http';
import { createLogger } from '../log';
import type { LeverModel } from './model';
import {
  ApiKeyRec,
  newId,
  OpportunityRec,
  Permission,
  PERMISSIONS,
  randomToken,
  resetState,
  StageChangeRec,
} from './state';

const StageChangesBody = z.object({
  stageChanges: z
    .array(
      z
        .object({
          toStageId: z.string().min(1).optional(),
          stageName: z.string().min(1).optional(),
          updatedAt: z.number().int().nonnegative(),
          userId: z.string().min(1).nullable().optional(),
        })
        .strict()
        .refine((e) => (e.toStageId === undefined) !== (e.stageName === undefined), 'give toStageId or stageName'),
    )
    .min(1, 'at least one entry: Lever always has the entry into the current stage'),
});

const zodMessage = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');

const log = createLogger('lever-sandbox');

export function createControl(ctx: LeverContext, model: LeverModel): express.Router {
  const { state, dispatcher, now, buckets } = ctx;
  const { stageById, findOpp, renderOpp, changeTags, moveOpp, createOpp, renderFile } = model;

  const ctl = express.Router();
  ctl.use(express.json({ limit: '5mb' }));

  ctl.post('/reset', (_req, res) => {
    dispatcher.flushHeld();
    resetState(state);
    buckets.clear();
    res.json({ ok: true });
  });

  ctl.get('/state', (_req, res) => {
    res.json({
      stages: state.stages,
      postings: [...state.postings.values()],
      opportunities: [...state.opportunities.values()].filter((o) => !o.deleted).map((o) => renderOpp(o)),
      webhooks: [...state.webhooks.values()],
      faults: state.faults,
      counters: state.counters,
      config: state.config,
    });
  });

  ctl.post('/api-keys', (req, res) => {
    const b = req.body ?? {};
    let permissions: Permission[] = [...PERMISSIONS];
    if (b.permissions !== undefined && b.permissions !== 'all') {
      if (
        !Array.isArray(b.permissions) ||
        !b.permissions.every((p: unknown) => (PERMISSIONS as readonly unknown[]).includes(p))
      ) {
        return bad(res, `permissions must be "all" or a list of: ${PERMISSIONS.join(', ')}`);
      }
      permissions = b.permissions;
    }
    const key = typeof b.key === 'string' && b.key ? b.key : randomToken(32);
    const rec: ApiKeyRec = { key, name: typeof b.name === 'string' ? b.name : 'key', permissions, revoked: false };
    state.apiKeys.set(key, rec);
    res.status(201).json(rec);
  });

  ctl.post('/api-keys/revoke', (req, res) => {
    const rec = state.apiKeys.get(String(req.body?.key ?? ''));
    if (!rec) return notFound(res, 'API key');
    rec.revoked = true;
    res.json({ ok: true });
  });

  ctl.get('/stages', (_req, res) => res.json({ data: state.stages }));
  ctl.post('/stages', (req, res) => {
    const b = req.body ?? {};
    if (typeof b.text !== 'string' || !b.text) return bad(res, '"text" is required');
    const id = typeof b.id === 'string' && b.id ? b.id : newId();
    if (stageById(id)) return bad(res, `stage ${id} exists`);
    const s = { id, text: b.text };
    state.stages.push(s);
    res.status(201).json({ data: s });
  });

  ctl.post('/postings', (req, res) => {
    const b = req.body ?? {};
    if (typeof b.text !== 'string' || !b.text) return bad(res, '"text" is required');
    if (b.tags !== undefined && !isStringArray(b.tags)) return bad(res, '"tags" must be a list of strings');
    const p = { id: newId(), text: b.text, tags: b.tags ?? [] };
    state.postings.set(p.id, p);
    res.status(201).json({ data: p });
  });

  ctl.post('/opportunities', (req, res) => {
    const b = req.body ?? {};
    if (typeof b.name !== 'string' || !b.name) return bad(res, '"name" is required');
    if (b.emails !== undefined && !(Array.isArray(b.emails) && b.emails.every((e: unknown) => typeof e === 'string'))) {
      return bad(res, '"emails" must be a list of strings');
    }
    if (b.tags !== undefined && !isStringArray(b.tags)) return bad(res, '"tags" must be a list of strings');
    if (b.postingId !== undefined && !state.postings.has(b.postingId))
      return bad(res, `posting ${b.postingId} does not exist`);
    if (b.stageId !== undefined && !stageById(b.stageId)) return bad(res, `stage ${b.stageId} does not exist`);
    if (b.contactId !== undefined && typeof b.contactId !== 'string') return bad(res, '"contactId" must be a string');
    const o = createOpp(b);
    res.status(201).json({ data: renderOpp(o) });
  });

  const ctlOpp = (req: Request, res: Response, next: NextFunction): void => {
    const o = findOpp(String(req.params.id));
    if (!o) return void notFound(res, 'opportunity');
    res.locals.opp = o;
    next();
  };

  ctl.get('/opportunities/:id', ctlOpp, (req, res) => {
    const o = res.locals.opp as OpportunityRec;
    const base = baseOf(req);
    res.json({
      data: renderOpp(o, true),
      contact: state.contacts.get(o.contact) ?? { id: o.contact, links: [] },
      links: [...(state.contacts.get(o.contact)?.links ?? [])],
      files: state.files
        .filter((f) => f.opportunityId === o.id)
        .map((f) => ({
          ...renderFile(f, base),
          contentType: f.contentType,
          performAs: f.performAs,
          contentUrl: `${base}/_sandbox/opportunities/${o.id}/files/${f.id}/content`,
        })),
      notes: state.notes.filter((n) => n.opportunityId === o.id).map((n) => ({ ...n })),
      tagEvents: state.tagEvents.filter((e) => e.opportunityId === o.id),
      deliveries: state.deliveries.filter((d) => d.opportunityId === o.id).map((d) => d.id),
    });
  });

  ctl.get('/opportunities/:id/files/:fileId/content', ctlOpp, (req, res) => {
    const f = state.files.find((x) => x.id === req.params.fileId && x.opportunityId === res.locals.opp.id);
    if (!f) return notFound(res, 'file');
    res.type(f.contentType || 'application/octet-stream').send(f.content);
  });

  ctl.patch('/opportunities/:id', ctlOpp, (req, res) => {
    const o = res.locals.opp as OpportunityRec;
    const b = req.body ?? {};
    if (b.name !== undefined) {
      if (typeof b.name !== 'string' || !b.name) return bad(res, '"name" must be a string');
      o.name = b.name;
    }
    if (b.emails !== undefined) {
      if (!(Array.isArray(b.emails) && b.emails.every((e: unknown) => typeof e === 'string')))
        return bad(res, '"emails" must be a list of strings');
      o.emails = [...b.emails];
    }
    for (const k of ['tags', 'addTags', 'removeTags'] as const) {
      if (b[k] !== undefined && !isStringArray(b[k])) return bad(res, `"${k}" must be a list of strings`);
    }
    if (b.tags !== undefined) {
      const wanted: string[] = b.tags;
      changeTags(
        o,
        'remove',
        o.tags.filter((t) => !wanted.includes(t)),
        'control',
      );
      changeTags(
        o,
        'add',
        wanted.filter((t) => !o.tags.includes(t)),
        'control',
      );
    }
    if (b.addTags) changeTags(o, 'add', b.addTags, 'control');
    if (b.removeTags) changeTags(o, 'remove', b.removeTags, 'control');
    o.updatedAt = now();
    res.json({ data: renderOpp(o) });
  });

  ctl.post('/opportunities/:id/move', ctlOpp, (req, res) => {
    const b = req.body ?? {};
    let stageId: string | undefined = typeof b.stageId === 'string' ? b.stageId : undefined;
    if (!stageId && typeof b.stageName === 'string') {
      stageId = state.stages.find((s) => s.text.toLowerCase() === b.stageName.toLowerCase())?.id;
    }
    if (!stageId || !stageById(stageId)) return bad(res, 'a valid "stageId" or "stageName" is required');
    if (b.at !== undefined && (typeof b.at !== 'number' || !Number.isFinite(b.at))) {
      return bad(res, '"at" must be epoch milliseconds');
    }
    const r = moveOpp(res.locals.opp, stageId, typeof b.userId === 'string' ? b.userId : (state.users[0] ?? null), {
      ...(typeof b.at === 'number' ? { at: b.at } : {}),
      notify: b.notify !== false,
    });
    res.json({ data: renderOpp(res.locals.opp), moved: r.moved, deliveryIds: r.deliveries });
  });

  // A history written by hand (no webhook): "entered the stage long ago", several entries, any times. The last entry
  // becomes the current stage, as in Lever, where stageChanges always ends with the current stage.
  ctl.put('/opportunities/:id/stage-changes', ctlOpp, (req, res) => {
    const parsed = StageChangesBody.safeParse(req.body);
    if (!parsed.success) return bad(res, zodMessage(parsed.error));
    const entries: StageChangeRec[] = [];
    for (const e of parsed.data.stageChanges) {
      const stageId = e.toStageId ?? state.stages.find((s) => s.text.toLowerCase() === e.stageName?.toLowerCase())?.id;
      if (!stageId || !stageById(stageId)) return bad(res, `unknown stage ${e.toStageId ?? e.stageName}`);
      const toStageIndex = state.stages.findIndex((s) => s.id === stageId);
      entries.push({
        toStageId: stageId,
        toStageIndex,
        userId: e.userId ?? state.users[0] ?? null,
        updatedAt: e.updatedAt,
      });
    }
    const o = res.locals.opp as OpportunityRec;
    o.stageChanges = entries;
    o.stage = entries.at(-1)!.toStageId;
    o.updatedAt = now();
    res.json({ data: renderOpp(o) });
  });

  ctl.post('/opportunities/:id/archive', ctlOpp, (req, res) => {
    const o = res.locals.opp as OpportunityRec;
    const archive = req.body?.archived !== false;
    const at = req.body?.archivedAt;
    if (at !== undefined && !(Number.isInteger(at) && at >= 0)) return bad(res, '"archivedAt" must be epoch ms');
    const from = o.archived;
    o.archived = archive ? { archivedAt: at ?? now(), reason: String(req.body?.reason ?? 'other') } : null;
    o.updatedAt = now();
    const ds = dispatcher.emit(
      'candidateArchiveChange',
      { opportunityId: o.id, contactId: o.contact, fromArchived: from, toArchived: o.archived },
      o.id,
    );
    res.json({ data: renderOpp(o), deliveryIds: ds.map((d) => d.id) });
  });

  ctl.delete('/opportunities/:id', ctlOpp, (_req, res) => {
    const o = res.locals.opp as OpportunityRec;
    o.deleted = true;
    const ds = dispatcher.emit('candidateDeleted', { opportunityId: o.id, contactId: o.contact }, o.id);
    res.json({ ok: true, deliveryIds: ds.map((d) => d.id) });
  });

  addHookRoutes(ctl, ctx);

  ctl.use((_req, res) => notFound(res, 'control endpoint'));
  ctl.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; message?: string };
    if (e?.type === 'entity.parse.failed') return bad(res, 'Body is not valid JSON');
    log.error('sandbox control error', { err: e?.message });
    if (!res.headersSent) res.status(500).json({ code: 'InternalServerError', message: e?.message ?? 'error' });
  });

  return ctl;
}
