// File routes of the Lever sandbox's public API: multipart upload (Lever's 30 MB limit, answered 413 after reading
// the body), list and download.
import Busboy from 'busboy';
import type express from 'express';
import type { LeverContext } from './context';
import { baseOf, drainThen, leverError, qstr } from './http';
import type { LeverModel } from './model';
import { newId, OpportunityRec } from './state';
import type { ApiGuards } from './api';

export function addFileRoutes(v1: express.Router, ctx: LeverContext, model: LeverModel, guards: ApiGuards): void {
  const { state, now } = ctx;
  const { renderFile } = model;
  const { need, oppOr404 } = guards;

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
}
