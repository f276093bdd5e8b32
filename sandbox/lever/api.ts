// The Lever sandbox's public Data API under /v1 (contracts/lever.md): opportunities, tags, links, stage moves,
// notes and stages; files in api-files.ts, the edge (auth, rate limits, faults) in api-edge.ts.
import express, { NextFunction, Request, Response } from 'express';
import { createApiEdge } from './api-edge';
import { addFileRoutes } from './api-files';
import type { LeverContext } from './context';
import { isStringArray, leverError, qstr } from './http';
import { createLogger } from '../log';
import type { LeverModel } from './model';
import { newId } from './state';

const log = createLogger('lever-sandbox');

export type ApiGuards = Pick<ReturnType<typeof createApiEdge>, 'need' | 'oppOr404'>;

/** Opaque page tokens: base64url of a position. */
const encodeOffset = (i: number) => Buffer.from(`stages:${i}`).toString('base64url');
function decodeOffset(token: string): number | undefined {
  const m = /^stages:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

export function createPublicApi(ctx: LeverContext, model: LeverModel): express.Router {
  const { state, now } = ctx;
  const { stageById, renderOpp, changeTags, changeLinks, moveOpp, renderNote } = model;
  const { v1, need, oppOr404, json } = createApiEdge(ctx, model);

  v1.get('/opportunities/:id', need('opportunities:read'), oppOr404, (req, res) => {
    const expand = ([] as unknown[]).concat(req.query.expand ?? []).map(String);
    res.json({ data: renderOpp(res.locals.opp, expand.includes('stage')) });
  });

  for (const action of ['add', 'remove'] as const) {
    v1.post(`/opportunities/:id/${action}Tags`, need('opportunities:write'), oppOr404, json, (req, res) => {
      const tags = req.body?.tags;
      if (!isStringArray(tags))
        return leverError(res, 400, 'BadRequest', '"tags" must be an array of non-empty strings');
      changeTags(res.locals.opp, action, tags, 'api');
      res.json({ data: renderOpp(res.locals.opp) });
    });
    v1.post(`/opportunities/:id/${action}Links`, need('opportunities:write'), oppOr404, json, (req, res) => {
      const links = req.body?.links;
      if (!isStringArray(links))
        return leverError(res, 400, 'BadRequest', '"links" must be an array of non-empty strings');
      changeLinks(res.locals.opp, action, links);
      res.json({ data: renderOpp(res.locals.opp) });
    });
  }

  v1.put('/opportunities/:id/stage', need('opportunities:write'), oppOr404, json, (req, res) => {
    const stageId = req.body?.stage;
    if (typeof stageId !== 'string' || stageId.length === 0)
      return leverError(res, 400, 'BadRequest', '"stage" must be a stage id');
    if (!stageById(stageId)) return leverError(res, 400, 'BadRequest', `Stage ${stageId} does not exist`);
    const performAs = qstr(req.query.perform_as);
    moveOpp(res.locals.opp, stageId, performAs ?? state.users[0] ?? null);
    res.json({ data: renderOpp(res.locals.opp) });
  });

  addFileRoutes(v1, ctx, model, { need, oppOr404 });

  v1.post('/opportunities/:id/notes', need('notes:write'), oppOr404, json, (req, res) => {
    const b = req.body ?? {};
    if (typeof b.value !== 'string' || b.value.trim() === '')
      return leverError(res, 400, 'BadRequest', '"value" must be a non-empty string');
    if (b.secret !== undefined && typeof b.secret !== 'boolean')
      return leverError(res, 400, 'BadRequest', '"secret" must be a boolean');
    if (b.notifyFollowers !== undefined && typeof b.notifyFollowers !== 'boolean') {
      return leverError(res, 400, 'BadRequest', '"notifyFollowers" must be a boolean');
    }
    const note = {
      id: newId(),
      opportunityId: res.locals.opp.id,
      value: b.value,
      secret: b.secret ?? false,
      notifyFollowers: b.notifyFollowers ?? false,
      user: qstr(req.query.perform_as) ?? state.users[0] ?? null,
      createdAt: now(),
    };
    state.notes.push(note);
    res.status(201).json({ data: { noteId: note.id } });
  });

  v1.get('/opportunities/:id/notes', need('notes:read'), oppOr404, (_req, res) => {
    res.json({
      data: state.notes.filter((n) => n.opportunityId === res.locals.opp.id).map(renderNote),
      hasNext: false,
    });
  });

  v1.get('/stages', need('stages:read'), (req, res) => {
    const limitRaw = qstr(req.query.limit);
    let limit = 100;
    if (limitRaw !== undefined) {
      if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 100) {
        return leverError(res, 400, 'BadRequest', '"limit" must be an integer between 1 and 100');
      }
      limit = Number(limitRaw);
    }
    const offsetRaw = qstr(req.query.offset);
    let start = 0;
    if (offsetRaw !== undefined) {
      const s = decodeOffset(offsetRaw);
      if (s === undefined) return leverError(res, 400, 'BadRequest', 'Invalid "offset" token');
      start = s;
    }
    if (state.faults.stagesPaginationLoop) {
      return res.json({ data: state.stages.slice(0, limit), hasNext: true, next: encodeOffset(0) });
    }
    const page = state.stages.slice(start, start + limit);
    const hasNext = start + limit < state.stages.length;
    res.json(hasNext ? { data: page, hasNext, next: encodeOffset(start + limit) } : { data: page, hasNext });
  });

  v1.get('/stages/:id', need('stages:read'), (req, res) => {
    const s = stageById(req.params.id!);
    if (!s) return leverError(res, 404, 'ResourceNotFound', `Stage ${req.params.id} was not found`);
    res.json({ data: { ...s } });
  });

  v1.use((req, res) => leverError(res, 404, 'ResourceNotFound', `No such endpoint: ${req.method} ${req.path}`));
  v1.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.parse.failed') return leverError(res, 400, 'BadRequest', 'Body is not valid JSON');
    if (e?.type === 'entity.too.large') return leverError(res, 413, 'RequestEntityTooLarge', 'Body too large');
    log.error('sandbox error', { path: req.path, err: e?.message });
    if (!res.headersSent) leverError(res, 500, 'InternalServerError', 'Internal server error');
  });

  return v1;
}
