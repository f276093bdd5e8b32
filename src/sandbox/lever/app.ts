// The Lever sandbox's HTTP surface: the public Data API under /v1 (contracts/lever.md) and the control surface
// under /_sandbox (no auth) for tests and demos. See README.md next to this file.
import Busboy from 'busboy';
import express, { NextFunction, Request, Response } from 'express';
import { createLogger } from '../../logger';
import {
  ApiKeyRec,
  LeverSandboxState,
  newId,
  OpportunityRec,
  Permission,
  PERMISSIONS,
  randomToken,
  resetState,
  StageRec,
} from './state';
import { WebhookDispatcher } from './webhooks';

const log = createLogger('lever-sandbox');
const MAX_REQUEST_LOG = 10_000;

export interface LeverSandboxAppDeps {
  state: LeverSandboxState;
  dispatcher: WebhookDispatcher;
  now: () => number;
}

type Handler = (req: Request, res: Response, next: NextFunction) => unknown;
/** Express 4 does not catch rejected promises: route them to the error handler. */
const wrap =
  (fn: Handler): Handler =>
  (req, res, next) => {
    Promise.resolve(fn(req, res, next)).catch(next);
  };

function leverError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ code, message });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim().length > 0);
}

function qstr(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

/** Opaque page tokens: base64url of a position. */
const encodeOffset = (i: number) => Buffer.from(`stages:${i}`).toString('base64url');
function decodeOffset(token: string): number | undefined {
  const m = /^stages:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

/** When the request has a body still arriving, read it to the end before answering (no EPIPE at the client). */
function drainThen(req: Request, send: () => void): void {
  if (req.complete) return send();
  req.on('end', send);
  req.on('error', send);
  req.resume();
}

export function createLeverSandboxApp(deps: LeverSandboxAppDeps): express.Express {
  const { state, dispatcher, now } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // ---------------------------------------------------------------- domain helpers

  const stageById = (id: string): StageRec | undefined => state.stages.find((s) => s.id === id);

  function findOpp(id: string): OpportunityRec | undefined {
    const o = state.opportunities.get(id);
    return o && !o.deleted ? o : undefined;
  }

  function renderOpp(o: OpportunityRec, expandStage = false): Record<string, unknown> {
    const stage = stageById(o.stage);
    return {
      id: o.id,
      name: o.name,
      headline: '',
      contact: o.contact,
      emails: [...o.emails],
      phones: [],
      confidentiality: o.confidentiality,
      location: '',
      links: [...(state.contacts.get(o.contact)?.links ?? [])],
      archived: o.archived ? { ...o.archived } : null,
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
      lastInteractionAt: o.updatedAt,
      lastAdvancedAt: o.stageChanges.at(-1)?.updatedAt ?? o.createdAt,
      snoozedUntil: null,
      urls: { list: '', show: '' },
      isAnonymized: false,
      dataProtection: null,
      stage: expandStage ? { id: o.stage, text: stage?.text ?? '' } : o.stage,
      stageChanges: o.stageChanges.map((c) => ({ ...c })),
      owner: null,
      followers: [],
      tags: [...o.tags],
      sources: [],
      origin: 'sourced',
      sourcedBy: null,
      applications: o.postingId ? [`application-${o.id}`] : [],
    };
  }

  function changeTags(o: OpportunityRec, action: 'add' | 'remove', tags: string[], via: 'api' | 'control'): void {
    for (const tag of tags) {
      const has = o.tags.includes(tag);
      const changed = action === 'add' ? !has : has;
      if (changed) o.tags = action === 'add' ? [...o.tags, tag] : o.tags.filter((t) => t !== tag);
      state.tagEvents.push({
        seq: state.tagEvents.length + 1,
        at: now(),
        opportunityId: o.id,
        action,
        tag,
        changed,
        via,
      });
    }
    o.updatedAt = now();
  }

  function changeLinks(o: OpportunityRec, action: 'add' | 'remove', links: string[]): void {
    let contact = state.contacts.get(o.contact);
    if (!contact) {
      contact = { id: o.contact, links: [] };
      state.contacts.set(contact.id, contact);
    }
    for (const link of links) {
      const has = contact.links.includes(link);
      if (action === 'add' && !has) contact.links.push(link);
      if (action === 'remove' && has) contact.links = contact.links.filter((l) => l !== link);
    }
    o.updatedAt = now();
  }

  /** Moves the opportunity and fires candidateStageChange. Moving into the current stage is a no-op. */
  function moveOpp(
    o: OpportunityRec,
    toStageId: string,
    userId: string | null,
    opts: { at?: number; notify?: boolean } = {},
  ) {
    const from = o.stage;
    if (from === toStageId) return { moved: false, deliveries: [] as string[] };
    o.stage = toStageId;
    o.updatedAt = now();
    o.stageChanges.push({
      toStageId,
      toStageIndex: state.stages.findIndex((s) => s.id === toStageId),
      userId,
      updatedAt: opts.at ?? o.updatedAt,
    });
    if (opts.notify === false) return { moved: true, deliveries: [] as string[] };
    const deliveries = dispatcher.emit(
      'candidateStageChange',
      { opportunityId: o.id, candidateId: o.id, contactId: o.contact, toStageId, fromStageId: from },
      o.id,
    );
    return { moved: true, deliveries: deliveries.map((d) => d.id) };
  }

  function createOpp(input: {
    name: string;
    emails?: string[];
    tags?: string[];
    postingId?: string;
    stageId?: string;
    contactId?: string;
  }): OpportunityRec {
    const contactId = input.contactId ?? newId();
    if (!state.contacts.has(contactId)) state.contacts.set(contactId, { id: contactId, links: [] });
    const stageId = input.stageId ?? state.stages[0]?.id ?? 'lead-new';
    const t = now();
    const o: OpportunityRec = {
      id: newId(),
      name: input.name,
      contact: contactId,
      emails: [...(input.emails ?? [])],
      tags: [],
      stage: stageId,
      stageChanges: [
        {
          toStageId: stageId,
          toStageIndex: state.stages.findIndex((s) => s.id === stageId),
          userId: state.users[0] ?? null,
          updatedAt: t,
        },
      ],
      archived: null,
      confidentiality: 'non-confidential',
      postingId: input.postingId ?? null,
      createdAt: t,
      updatedAt: t,
      deleted: false,
    };
    const posting = input.postingId ? state.postings.get(input.postingId) : undefined;
    o.tags = [...new Set([...(posting?.tags ?? []), ...(input.tags ?? [])])];
    state.opportunities.set(o.id, o);
    return o;
  }

  function renderFile(f: (typeof state.files)[number], base: string) {
    return {
      id: f.id,
      downloadUrl: `${base}/v1/opportunities/${f.opportunityId}/files/${f.id}/download`,
      ext: f.ext,
      name: f.name,
      uploadedAt: f.uploadedAt,
      status: f.status,
      size: f.size,
    };
  }

  function renderNote(n: (typeof state.notes)[number]) {
    // Real Lever puts the note text in fields[].value.
    return {
      id: n.id,
      text: '',
      fields: [{ type: 'note', text: 'Note', value: n.value }],
      user: n.user,
      secret: n.secret,
      completedAt: n.createdAt,
      createdAt: n.createdAt,
      deletedAt: null,
    };
  }

  const baseOf = (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}`;

  // ---------------------------------------------------------------- public API: cross-cutting

  const v1 = express.Router();
  const buckets = new Map<string, { tokens: number; last: number }>();

  v1.use((req, res, next) => {
    state.counters.requests++;
    res.on('finish', () => {
      if (res.statusCode === 429) state.counters.rateLimited++;
      state.requests.push({ at: now(), method: req.method, path: req.path, status: res.statusCode });
      if (state.requests.length > MAX_REQUEST_LOG) state.requests.splice(0, state.requests.length - MAX_REQUEST_LOG);
    });
    next();
  });

  v1.use(
    wrap(async (req, res, next) => {
      const f = state.faults;
      if (f.latencyMs && f.latencyMs > 0) await sleep(f.latencyMs);
      if (f.maintenance) {
        state.counters.faultErrors++;
        return drainThen(req, () => leverError(res, 503, 'ServiceUnavailable', 'Lever is down for maintenance'));
      }
      next();
    }),
  );

  // Authentication: Basic (key as user name, empty password); a Bearer token naming a key is accepted as well.
  v1.use((req, res, next) => {
    const header = req.get('authorization') ?? '';
    let key: string | undefined;
    const basic = /^Basic\s+(.+)$/i.exec(header);
    const bearer = /^Bearer\s+(.+)$/i.exec(header);
    if (basic) {
      // RFC 7617 user-pass: "<key>:" exactly — the key as user name and an empty password (contracts/lever.md).
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      key = colon > 0 && colon === decoded.length - 1 ? decoded.slice(0, colon) : undefined;
    } else if (bearer) key = bearer[1]!.trim();
    const rec = key ? state.apiKeys.get(key) : undefined;
    if (!rec || rec.revoked) {
      return drainThen(req, () => leverError(res, 401, 'Unauthorized', 'Invalid or revoked API key'));
    }
    res.locals.apiKey = rec;
    next();
  });

  // Rate limits: the storm fault first, then the per-key token bucket (10/s, burst 20 by default).
  v1.use((req, res, next) => {
    const rec = res.locals.apiKey as ApiKeyRec;
    const storm = state.faults.rateLimitStorm;
    if (storm && storm.requests > 0) {
      storm.requests--;
      res.set('Retry-After', '1');
      return drainThen(req, () => leverError(res, 429, 'TooManyRequests', 'Rate limit exceeded'));
    }
    const { perSecond, burst } = state.config.rateLimit;
    const t = performance.now();
    const b = buckets.get(rec.key) ?? { tokens: burst, last: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.last) / 1000) * perSecond);
    b.last = t;
    buckets.set(rec.key, b);
    if (b.tokens < 1) {
      const retryAfterS = Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
      res.set('Retry-After', String(retryAfterS));
      return drainThen(req, () =>
        leverError(res, 429, 'TooManyRequests', `Rate limit exceeded: ${perSecond} requests per second`),
      );
    }
    b.tokens -= 1;
    const { errorRate, errorStatus } = state.faults;
    if (errorRate && errorRate > 0 && Math.random() < errorRate) {
      state.counters.faultErrors++;
      const status = errorStatus ?? 500;
      return drainThen(req, () =>
        status === 503
          ? leverError(res, 503, 'ServiceUnavailable', 'Service unavailable')
          : leverError(res, 500, 'InternalServerError', 'Internal server error'),
      );
    }
    next();
  });

  const need =
    (perm: Permission) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const rec = res.locals.apiKey as ApiKeyRec;
      if (!rec.permissions.includes(perm)) {
        return drainThen(req, () => leverError(res, 403, 'Forbidden', `This API key lacks the ${perm} permission`));
      }
      next();
    };

  const oppOr404 = (req: Request, res: Response, next: NextFunction): void => {
    const o = findOpp(String(req.params.id));
    if (!o)
      return drainThen(req, () =>
        leverError(res, 404, 'ResourceNotFound', `Opportunity ${req.params.id} was not found`),
      );
    res.locals.opp = o;
    next();
  };

  const json = express.json({ limit: '1mb' });

  // ---------------------------------------------------------------- public API: routes

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

  v1.post('/opportunities/:id/files', need('files:write'), oppOr404, (req, res) => {
    const o = res.locals.opp as OpportunityRec;
    const performAs = qstr(req.query.perform_as);
    if (!performAs)
      return drainThen(req, () => leverError(res, 400, 'BadRequest', 'perform_as is required to upload a file'));
    const max = state.config.maxFileBytes;
    let bb: ReturnType<typeof Busboy>;
    try {
      // busboy flags a file as truncated when it reaches the limit; allow one byte more to tell "= max" from "> max".
      bb = Busboy({ headers: req.headers, limits: { fileSize: max + 1, files: 1, fields: 20 } });
    } catch {
      return drainThen(req, () =>
        leverError(res, 400, 'BadRequest', 'Expected a multipart/form-data body with a "file" field'),
      );
    }
    let found: { name: string; mimeType: string; chunks: Buffer[]; size: number; truncated: boolean } | undefined;
    let failed = false;
    bb.on('file', (field, stream, info) => {
      if (field !== 'file' || found) {
        stream.resume();
        return;
      }
      const f = {
        name: info.filename || 'upload',
        mimeType: info.mimeType,
        chunks: [] as Buffer[],
        size: 0,
        truncated: false,
      };
      found = f;
      stream.on('data', (c: Buffer) => {
        f.chunks.push(c);
        f.size += c.length;
      });
      stream.on('limit', () => {
        f.truncated = true;
        f.chunks = [];
      });
    });
    bb.on('error', () => {
      failed = true;
      drainThen(req, () => {
        if (!res.headersSent) leverError(res, 400, 'BadRequest', 'Malformed multipart body');
      });
    });
    bb.on('close', () => {
      if (failed || res.headersSent) return;
      if (!found) return leverError(res, 400, 'BadRequest', 'Missing multipart field "file"');
      if (found.truncated) {
        return leverError(res, 413, 'RequestEntityTooLarge', `File exceeds the ${max / (1024 * 1024)} MB limit`);
      }
      const dot = found.name.lastIndexOf('.');
      const ext = dot > 0 ? found.name.slice(dot + 1).toLowerCase() : '';
      const supported = ['pdf', 'doc', 'docx', 'txt', 'rtf', 'odt', 'png', 'jpg', 'jpeg', 'html'].includes(ext);
      const rec = {
        id: newId(),
        opportunityId: o.id,
        name: found.name,
        ext,
        size: found.size,
        uploadedAt: now(),
        status: supported ? ('processed' as const) : ('unsupported' as const),
        contentType: found.mimeType,
        content: Buffer.concat(found.chunks),
        performAs,
      };
      state.files.push(rec);
      o.updatedAt = now();
      res.status(201).json({ data: renderFile(rec, baseOf(req)) });
    });
    req.pipe(bb);
  });

  v1.get('/opportunities/:id/files', need('files:read'), oppOr404, (req, res) => {
    const files = state.files
      .filter((f) => f.opportunityId === res.locals.opp.id)
      .map((f) => renderFile(f, baseOf(req)));
    res.json({ data: files, hasNext: false });
  });

  v1.get('/opportunities/:id/files/:fileId/download', need('files:read'), oppOr404, (req, res) => {
    const f = state.files.find((x) => x.id === req.params.fileId && x.opportunityId === res.locals.opp.id);
    if (!f) return leverError(res, 404, 'ResourceNotFound', `File ${req.params.fileId} was not found`);
    res.type(f.contentType || 'application/octet-stream').send(f.content);
  });

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

  app.use('/v1', v1);

  // ---------------------------------------------------------------- control surface (no auth)

  const ctl = express.Router();
  ctl.use(express.json({ limit: '5mb' }));
  const bad = (res: Response, message: string) => res.status(400).json({ code: 'BadRequest', message });
  const notFound = (res: Response, what: string) =>
    res.status(404).json({ code: 'ResourceNotFound', message: `${what} not found` });

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

  ctl.post('/opportunities/:id/archive', ctlOpp, (req, res) => {
    const o = res.locals.opp as OpportunityRec;
    const archive = req.body?.archived !== false;
    const from = o.archived;
    o.archived = archive ? { archivedAt: now(), reason: String(req.body?.reason ?? 'other') } : null;
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

  ctl.post('/webhooks', (req, res) => {
    const b = req.body ?? {};
    if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url)) return bad(res, '"url" must be an http(s) URL');
    const event = typeof b.event === 'string' && b.event ? b.event : 'candidateStageChange';
    const hook = { id: newId(), event, url: b.url, signatureToken: randomToken(48), createdAt: now() };
    state.webhooks.set(hook.id, hook);
    const verify = b.verify === false ? undefined : dispatcher.emitTo(hook, 'candidateHired', {}, null);
    res.status(201).json({ data: { ...hook, verifyDeliveryId: verify?.id ?? null } });
  });
  // Lever's "Verify connection" button: a signed candidateHired ping with empty data.
  ctl.post('/webhooks/:id/verify', (req, res) => {
    const hook = state.webhooks.get(req.params.id!);
    if (!hook) return notFound(res, 'webhook');
    const d = dispatcher.emitTo(hook, 'candidateHired', {}, null);
    res.status(201).json({ data: { deliveryId: d.id } });
  });
  ctl.get('/webhooks', (_req, res) => res.json({ data: [...state.webhooks.values()] }));
  ctl.delete('/webhooks/:id', (req, res) => {
    if (!state.webhooks.delete(req.params.id!)) return notFound(res, 'webhook');
    res.json({ ok: true });
  });
  ctl.post('/webhooks/flush', (_req, res) => res.json({ flushed: dispatcher.flushHeld() }));

  const renderDelivery = (d: (typeof state.deliveries)[number]) => ({ ...d, payload: JSON.parse(d.body) as unknown });
  ctl.get('/deliveries', (req, res) => {
    const opp = qstr(req.query.opportunityId);
    const hook = qstr(req.query.webhookId);
    const event = qstr(req.query.event);
    const list = state.deliveries.filter(
      (d) => (!opp || d.opportunityId === opp) && (!hook || d.webhookId === hook) && (!event || d.event === event),
    );
    res.json({ data: list.map(renderDelivery) });
  });
  ctl.get('/deliveries/:id', (req, res) => {
    const d = state.deliveries.find((x) => x.id === req.params.id);
    if (!d) return notFound(res, 'delivery');
    res.json({ data: renderDelivery(d) });
  });
  ctl.post('/deliveries/:id/redeliver', (req, res) => {
    const d = dispatcher.redeliver(req.params.id!);
    if (!d) return notFound(res, 'delivery');
    res.status(201).json({ data: renderDelivery(d) });
  });
  ctl.post(
    '/deliveries/idle',
    wrap(async (_req, res) => {
      await dispatcher.idle();
      res.json({ ok: true });
    }),
  );

  ctl.get('/faults', (_req, res) => res.json({ data: state.faults }));
  ctl.post('/faults', (req, res) => {
    const b = req.body ?? {};
    const num = (v: unknown, min: number, max: number) =>
      v === undefined || v === null || (typeof v === 'number' && v >= min && v <= max);
    if (!num(b.latencyMs, 0, 600_000)) return bad(res, 'latencyMs must be 0–600000');
    if (!num(b.errorRate, 0, 1)) return bad(res, 'errorRate must be 0–1');
    if (b.errorStatus !== undefined && b.errorStatus !== null && b.errorStatus !== 500 && b.errorStatus !== 503)
      return bad(res, 'errorStatus must be 500 or 503');
    if (b.rateLimitStorm !== undefined && !(b.rateLimitStorm === null || num(b.rateLimitStorm?.requests, 0, 1e9))) {
      return bad(res, 'rateLimitStorm must be {requests: n}');
    }
    const w = b.webhook;
    if (w !== undefined && w !== null) {
      if (!num(w.drop, 0, 1e9) || !num(w.delayMs, 0, 600_000))
        return bad(res, 'webhook.drop / webhook.delayMs out of range');
      if (
        w.duplicate !== undefined &&
        w.duplicate !== null &&
        typeof w.duplicate !== 'boolean' &&
        !num(w.duplicate, 0, 1e9)
      )
        return bad(res, 'webhook.duplicate must be boolean or n');
    }
    // Merge: a knob set to null is cleared.
    for (const [k, v] of Object.entries(b)) {
      if (k === 'webhook' && v && typeof v === 'object') {
        const merged: Record<string, unknown> = { ...(state.faults.webhook ?? {}) };
        for (const [wk, wv] of Object.entries(v)) {
          if (wv === null) delete merged[wk];
          else merged[wk] = wv;
        }
        state.faults.webhook = merged;
      } else if (v === null) delete (state.faults as Record<string, unknown>)[k];
      else (state.faults as Record<string, unknown>)[k] = typeof v === 'object' ? { ...v } : v;
    }
    res.json({ data: state.faults });
  });
  ctl.delete('/faults', (_req, res) => {
    state.faults = {};
    dispatcher.flushHeld();
    res.json({ data: state.faults });
  });

  ctl.get('/requests', (_req, res) => res.json({ data: state.requests, counters: state.counters }));

  ctl.post('/config', (req, res) => {
    const b = req.body ?? {};
    const c = state.config;
    if (b.rateLimit !== undefined) {
      if (!(b.rateLimit?.perSecond > 0 && b.rateLimit?.burst >= 1))
        return bad(res, 'rateLimit needs perSecond > 0, burst >= 1');
      c.rateLimit = { perSecond: b.rateLimit.perSecond, burst: b.rateLimit.burst };
      buckets.clear();
    }
    for (const k of ['webhookRetryBaseMs', 'webhookMaxRetries', 'webhookTimeoutMs', 'maxFileBytes'] as const) {
      if (b[k] !== undefined) {
        if (typeof b[k] !== 'number' || b[k] < 0) return bad(res, `${k} must be a number ≥ 0`);
        c[k] = b[k];
      }
    }
    res.json({ data: c });
  });

  ctl.use((_req, res) => notFound(res, 'control endpoint'));
  ctl.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; message?: string };
    if (e?.type === 'entity.parse.failed') return bad(res, 'Body is not valid JSON');
    log.error('sandbox control error', { err: e?.message });
    if (!res.headersSent) res.status(500).json({ code: 'InternalServerError', message: e?.message ?? 'error' });
  });

  app.use('/_sandbox', ctl);
  app.get('/', (_req, res) => res.json({ service: 'lever-sandbox', api: '/v1', control: '/_sandbox' }));
  return app;
}
