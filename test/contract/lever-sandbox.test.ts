// The Lever sandbox driven over HTTP, through the project's LeverClient and raw fetch.
// Over 300 lines: one describe per contract section (auth, opportunities, files, notes, limits) on one sandbox.
import { LeverApiError, LeverClient, resetLeverRateLimiters } from '../../src/lever/client';
import { setSandboxLogSink } from '@lever-certn/sandbox';
import { LeverSandbox, SEED_STAGES, SEED_USER_ID, startLeverSandbox } from '@lever-certn/sandbox/lever';
import { api, basic, createOpp, ctl, SEED_KEY } from './lever-helpers';

let sb: LeverSandbox;
let client: LeverClient;

const BG = SEED_STAGES[2]!.id; // Background Check
const PHONE = SEED_STAGES[1]!.id;

async function leverErr(p: Promise<unknown>): Promise<LeverApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LeverApiError) return e;
    throw e;
  }
  throw new Error('expected LeverApiError');
}

beforeAll(async () => {
  setSandboxLogSink(() => undefined);
  sb = await startLeverSandbox({ webhookRetryBaseMs: 5 });
});
afterAll(async () => {
  await sb.stop();
});
beforeEach(async () => {
  expect((await ctl(sb, 'POST', '/reset')).status).toBe(200);
  resetLeverRateLimiters();
  client = new LeverClient({ baseUrl: `${sb.url}/v1`, apiKey: SEED_KEY, budget: false });
});

describe('seed', () => {
  it('has the seed key with all permissions and the seed stages', async () => {
    expect(await client.listStages()).toEqual(SEED_STAGES);
    expect(SEED_STAGES.map((s) => s.text)).toEqual(['New lead', 'Phone screen', 'Background Check', 'Offer', 'Hired']);
    expect(sb.state.config.rateLimit).toEqual({ perSecond: 10, burst: 20 });
  });
});

describe('authentication and permissions', () => {
  it('401 with a Lever error body for a missing, wrong or revoked key', async () => {
    const o = await createOpp(sb);
    for (const headers of [{}, { authorization: basic('nope') }, { authorization: 'Basic !!!' }] as Record<
      string,
      string
    >[]) {
      const r = await api(sb, 'GET', `/opportunities/${o.id}`, { key: null, headers });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ code: 'Unauthorized', message: expect.any(String) });
    }
    await ctl(sb, 'POST', '/api-keys', { key: 'k-revoke' });
    expect((await api(sb, 'GET', `/opportunities/${o.id}`, { key: 'k-revoke' })).status).toBe(200);
    expect((await ctl(sb, 'POST', '/api-keys/revoke', { key: 'k-revoke' })).status).toBe(200);
    expect((await api(sb, 'GET', `/opportunities/${o.id}`, { key: 'k-revoke' })).status).toBe(401);
    const err = await leverErr(
      new LeverClient({ baseUrl: `${sb.url}/v1`, apiKey: 'k-revoke', budget: false }).getOpportunity(o.id),
    );
    expect([err.status, err.code, err.retryable]).toEqual([401, 'Unauthorized', false]);
    expect(err.message).not.toContain('k-revoke');
  });

  it('403 for a key lacking the permission; the same key works where it has it', async () => {
    const o = await createOpp(sb);
    const created = await ctl(sb, 'POST', '/api-keys', {
      key: 'read-only',
      permissions: ['opportunities:read', 'stages:read'],
    });
    expect(created.status).toBe(201);
    const ro = new LeverClient({ baseUrl: `${sb.url}/v1`, apiKey: 'read-only', budget: false });
    expect((await ro.getOpportunity(o.id)).id).toBe(o.id);
    expect(await ro.listStages()).toHaveLength(5);
    for (const call of [
      () => ro.addTags(o.id, ['x']),
      () => ro.addLinks(o.id, ['https://x']),
      () => ro.moveStage(o.id, BG),
      () => ro.addNote(o.id, { value: 'n' }),
      () => ro.listNotes(o.id),
      () => ro.listFiles(o.id),
      () => ro.uploadFile(o.id, { name: 'a.pdf', content: new Uint8Array([1]), contentType: 'application/pdf' }, 'u'),
    ]) {
      const err = await leverErr(call());
      expect([err.status, err.code, err.retryable]).toEqual([403, 'Forbidden', false]);
    }
    expect((await ctl(sb, 'POST', '/api-keys', { permissions: ['bogus'] })).status).toBe(400);
  });

  it('Basic credentials must be the key as user name with an empty password', async () => {
    const b64 = (s: string) => 'Basic ' + Buffer.from(s).toString('base64');
    expect(
      (await api(sb, 'GET', '/stages', { key: null, headers: { authorization: b64(`${SEED_KEY}:`) } })).status,
    ).toBe(200);
    for (const authorization of [
      b64(`:${SEED_KEY}`), // key as password
      b64(`${SEED_KEY}:secret`), // non-empty password
      b64(SEED_KEY), // no user-pass separator
      `Api-Key ${SEED_KEY}`, // another scheme
      SEED_KEY,
    ]) {
      const r = await api(sb, 'GET', '/stages', { key: null, headers: { authorization } });
      expect([authorization, r.status, r.body]).toEqual([
        authorization,
        401,
        { code: 'Unauthorized', message: expect.any(String) },
      ]);
    }
  });

  it('accepts a Bearer token through the pluggable auth', async () => {
    const o = await createOpp(sb);
    const bearer = new LeverClient({
      baseUrl: `${sb.url}/v1`,
      apiKey: '',
      budget: false,
      auth: (h) => h.set('Authorization', `Bearer ${SEED_KEY}`),
    });
    expect((await bearer.getOpportunity(o.id)).id).toBe(o.id);
  });
});

describe('every endpoint: 401 / 403 / 404 / 400 with a {code, message} body', () => {
  const leverBody = (code: string) => ({ code, message: expect.any(String) });
  const form = () => {
    const f = new FormData();
    f.append('file', new Blob([new Uint8Array([1, 2, 3])], { type: 'application/pdf' }), 'a.pdf');
    return f;
  };
  type Call = { method: string; path: (opp: string, file: string) => string; perm: string; body?: () => any };
  const CALLS: Call[] = [
    { method: 'GET', path: (o) => `/opportunities/${o}`, perm: 'opportunities:read' },
    { method: 'GET', path: (o) => `/opportunities/${o}?expand=stage`, perm: 'opportunities:read' },
    {
      method: 'POST',
      path: (o) => `/opportunities/${o}/addTags`,
      perm: 'opportunities:write',
      body: () => ({ json: { tags: ['t'] } }),
    },
    {
      method: 'POST',
      path: (o) => `/opportunities/${o}/removeTags`,
      perm: 'opportunities:write',
      body: () => ({ json: { tags: ['t'] } }),
    },
    {
      method: 'POST',
      path: (o) => `/opportunities/${o}/addLinks`,
      perm: 'opportunities:write',
      body: () => ({ json: { links: ['https://x'] } }),
    },
    {
      method: 'POST',
      path: (o) => `/opportunities/${o}/removeLinks`,
      perm: 'opportunities:write',
      body: () => ({ json: { links: ['https://x'] } }),
    },
    {
      method: 'PUT',
      path: (o) => `/opportunities/${o}/stage`,
      perm: 'opportunities:write',
      body: () => ({ json: { stage: BG } }),
    },
    {
      method: 'POST',
      path: (o) => `/opportunities/${o}/files?perform_as=u`,
      perm: 'files:write',
      body: () => ({ body: form() }),
    },
    { method: 'GET', path: (o) => `/opportunities/${o}/files`, perm: 'files:read' },
    { method: 'GET', path: (o, f) => `/opportunities/${o}/files/${f}/download`, perm: 'files:read' },
    {
      method: 'POST',
      path: (o) => `/opportunities/${o}/notes`,
      perm: 'notes:write',
      body: () => ({ json: { value: 'n' } }),
    },
    { method: 'GET', path: (o) => `/opportunities/${o}/notes`, perm: 'notes:read' },
    { method: 'GET', path: () => '/stages', perm: 'stages:read' },
    { method: 'GET', path: () => `/stages/${BG}`, perm: 'stages:read' },
  ];

  beforeEach(async () => {
    await ctl(sb, 'POST', '/config', { rateLimit: { perSecond: 1000, burst: 1000 } }); // this matrix is not about 429
  });

  it('401 Unauthorized without a key and 403 Forbidden for a key lacking the permission, on every endpoint', async () => {
    const o = await createOpp(sb);
    const file = await client.uploadFile(
      o.id,
      { name: 'a.pdf', content: new Uint8Array([1]), contentType: 'application/pdf' },
      'u',
    );
    await ctl(sb, 'POST', '/api-keys', { key: 'no-perms', permissions: [] });
    for (const c of CALLS) {
      const path = c.path(o.id, file.id);
      const anon = await api(sb, c.method, path, { key: null, ...(c.body?.() ?? {}) });
      expect([c.method, path, anon.status, anon.body]).toEqual([c.method, path, 401, leverBody('Unauthorized')]);
      const denied = await api(sb, c.method, path, { key: 'no-perms', ...(c.body?.() ?? {}) });
      expect([c.method, path, denied.status, denied.body]).toEqual([c.method, path, 403, leverBody('Forbidden')]);
      // a key holding exactly that permission gets through
      const only = `only-${c.perm.replace(':', '-')}`; // a Basic user name cannot contain ':'
      await ctl(sb, 'POST', '/api-keys', { key: only, permissions: [c.perm] });
      const allowed = await api(sb, c.method, path, { key: only, ...(c.body?.() ?? {}) });
      expect([c.method, path, allowed.status < 300]).toEqual([c.method, path, true]);
    }
  });

  it('404 ResourceNotFound for an unknown opportunity, file or stage on every endpoint that takes an id', async () => {
    const o = await createOpp(sb);
    for (const c of CALLS.filter((x) => x.path('X', 'Y').includes('X'))) {
      const path = c.path('no-such-opportunity', 'no-such-file');
      const r = await api(sb, c.method, path, c.body?.() ?? {});
      expect([c.method, path, r.status, r.body]).toEqual([c.method, path, 404, leverBody('ResourceNotFound')]);
    }
    const noFile = await api(sb, 'GET', `/opportunities/${o.id}/files/no-such-file/download`);
    expect([noFile.status, noFile.body]).toEqual([404, leverBody('ResourceNotFound')]);
    const noStage = await api(sb, 'GET', '/stages/no-such-stage');
    expect([noStage.status, noStage.body]).toEqual([404, leverBody('ResourceNotFound')]);
    // a deleted opportunity is gone from the API
    await ctl(sb, 'DELETE', `/opportunities/${o.id}`);
    const gone = await api(sb, 'GET', `/opportunities/${o.id}`);
    expect([gone.status, gone.body]).toEqual([404, leverBody('ResourceNotFound')]);
  });

  it('400 BadRequest bodies are exactly {code, message}', async () => {
    const o = await createOpp(sb);
    for (const [method, path, opts] of [
      ['POST', `/opportunities/${o.id}/addTags`, { json: { tags: 'x' } }],
      ['POST', `/opportunities/${o.id}/removeTags`, { json: {} }],
      ['POST', `/opportunities/${o.id}/addLinks`, { json: { links: [1] } }],
      ['POST', `/opportunities/${o.id}/removeLinks`, { json: { links: 'x' } }],
      ['PUT', `/opportunities/${o.id}/stage`, { json: { stage: 'no-such-stage' } }],
      ['POST', `/opportunities/${o.id}/files`, { body: form() }],
      ['POST', `/opportunities/${o.id}/notes`, { json: { value: 'x', notifyFollowers: 'no' } }],
      ['GET', '/stages?limit=0', {}],
      ['GET', '/stages?offset=garbage', {}],
    ] as const) {
      const r = await api(sb, method, path, opts);
      expect([method, path, r.status, r.body]).toEqual([method, path, 400, leverBody('BadRequest')]);
    }
  });
});

describe('opportunities', () => {
  it('GET returns the contract fields; expand=stage gives {id,text}; unknown id is 404 ResourceNotFound', async () => {
    const o = await createOpp(sb, { tags: ['Senior'] });
    const plain = await client.getOpportunity(o.id);
    expect(plain).toMatchObject({
      id: o.id,
      name: 'Ada Lovelace',
      contact: expect.any(String),
      emails: ['ada@example.com'],
      tags: ['Senior'],
      stage: 'lead-new',
      archived: null,
      confidentiality: 'non-confidential',
    });
    expect(plain.stageChanges).toEqual([
      { toStageId: 'lead-new', toStageIndex: 0, userId: expect.any(String), updatedAt: expect.any(Number) },
    ]);
    expect((await client.getOpportunity(o.id, { expandStage: true })).stage).toEqual({
      id: 'lead-new',
      text: 'New lead',
    });
    const raw = await api(sb, 'GET', '/opportunities/does-not-exist');
    expect(raw.status).toBe(404);
    expect(raw.body).toEqual({ code: 'ResourceNotFound', message: expect.any(String) });
    const err = await leverErr(client.getOpportunity('does-not-exist'));
    expect([err.status, err.code, err.retryable]).toEqual([404, 'ResourceNotFound', false]);
  });

  it('posting tags are copied to the candidate; recruiters can patch emails and tags', async () => {
    const p = await ctl(sb, 'POST', '/postings', { text: 'Engineer', tags: ['Executive Package'] });
    const o = await createOpp(sb, { postingId: p.body.data.id, tags: ['x'], emails: [] });
    expect((await client.getOpportunity(o.id)).tags).toEqual(['Executive Package', 'x']);
    expect((await client.getOpportunity(o.id)).emails).toEqual([]);
    await ctl(sb, 'PATCH', `/opportunities/${o.id}`, { emails: ['late@example.com'], tags: ['x', 'y'] });
    const after = await client.getOpportunity(o.id);
    expect(after.emails).toEqual(['late@example.com']);
    expect(after.tags).toEqual(['x', 'y']);
    const log = (await ctl(sb, 'GET', `/opportunities/${o.id}`)).body.tagEvents.map(
      (e: any) => `${e.action}:${e.tag}:${e.via}`,
    );
    expect(log).toEqual(['remove:Executive Package:control', 'add:y:control']);
  });

  it('addTags/removeTags are deltas, harmless when repeated, and logged in order', async () => {
    const o = await createOpp(sb);
    await client.addTags(o.id, ['CERTN - Pending'], 'user-1');
    await client.addTags(o.id, ['CERTN - Pending']);
    await client.removeTags(o.id, ['CERTN - Pending']);
    await client.addTags(o.id, ['CERTN - Complete', 'other']);
    await client.removeTags(o.id, ['never-there']);
    expect((await client.getOpportunity(o.id)).tags).toEqual(['CERTN - Complete', 'other']);
    const events = (await ctl(sb, 'GET', `/opportunities/${o.id}`)).body.tagEvents;
    expect(events.map((e: any) => [e.action, e.tag, e.changed])).toEqual([
      ['add', 'CERTN - Pending', true],
      ['add', 'CERTN - Pending', false],
      ['remove', 'CERTN - Pending', true],
      ['add', 'CERTN - Complete', true],
      ['add', 'other', true],
      ['remove', 'never-there', false],
    ]);
    expect(events.map((e: any) => e.seq)).toEqual([...events.map((e: any) => e.seq)].sort((a, b) => a - b));
    expect(events.every((e: any) => typeof e.at === 'number')).toBe(true);
  });

  it('400 for bad bodies', async () => {
    const o = await createOpp(sb);
    for (const [path, json] of [
      ['addTags', { tags: 'x' }],
      ['addTags', {}],
      ['removeTags', { tags: [1] }],
      ['addLinks', { links: [''] }],
      ['removeLinks', { links: null }],
      ['notes', { value: '' }],
      ['notes', { value: 'x', secret: 'yes' }],
    ] as const) {
      const r = await api(sb, 'POST', `/opportunities/${o.id}/${path}`, { json });
      expect([path, r.status, r.body.code]).toEqual([path, 400, 'BadRequest']);
    }
    const broken = await api(sb, 'POST', `/opportunities/${o.id}/addTags`, {
      body: '{"tags": [',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('BadRequest');
    const err = await leverErr(client.addTags(o.id, [''] as string[]));
    expect([err.status, err.code]).toEqual([400, 'BadRequest']);
  });

  it('links live on the contact and show on all of its opportunities', async () => {
    const a = await createOpp(sb);
    const b = await createOpp(sb, { contactId: a.contact, name: 'Ada again' });
    const c = await createOpp(sb, { name: 'Someone else' });
    await client.addLinks(a.id, ['https://certn.example/report/1']);
    expect((await ctl(sb, 'GET', `/opportunities/${b.id}`)).body.links).toEqual(['https://certn.example/report/1']);
    expect(((await client.getOpportunity(b.id)) as any).links).toEqual(['https://certn.example/report/1']);
    expect((await ctl(sb, 'GET', `/opportunities/${c.id}`)).body.links).toEqual([]);
    await client.addLinks(b.id, ['https://certn.example/report/1', 'https://certn.example/final']);
    await client.removeLinks(a.id, ['https://certn.example/report/1']);
    expect((await ctl(sb, 'GET', `/opportunities/${a.id}`)).body.links).toEqual(['https://certn.example/final']);
  });

  it('PUT /stage moves, appends stageChanges; 400 for unknown or missing stage; same stage is a no-op', async () => {
    const o = await createOpp(sb);
    await client.moveStage(o.id, BG);
    const moved = await client.getOpportunity(o.id);
    expect(moved.stage).toBe(BG);
    expect(moved.stageChanges.map((c) => [c.toStageId, c.toStageIndex])).toEqual([
      ['lead-new', 0],
      [BG, 2],
    ]);
    await client.moveStage(o.id, BG);
    expect((await client.getOpportunity(o.id)).stageChanges).toHaveLength(2);
    expect((await leverErr(client.moveStage(o.id, 'no-such-stage'))).status).toBe(400);
    expect((await api(sb, 'PUT', `/opportunities/${o.id}/stage`, { json: {} })).status).toBe(400);
    expect((await leverErr(client.moveStage('nope', BG))).status).toBe(404);
    // control move accepts a stage name
    const r = await ctl(sb, 'POST', `/opportunities/${o.id}/move`, { stageName: 'phone screen' });
    expect(r.body.moved).toBe(true);
    expect((await client.getOpportunity(o.id)).stage).toBe(PHONE);
  });
});

describe('history knobs (for stage-confirmation tests)', () => {
  const LONG_AGO = Date.UTC(2020, 0, 2, 3, 4, 5);

  it('PUT /_sandbox/opportunities/:id/stage-changes sets the history with any times; the last entry is the stage', async () => {
    const o = await createOpp(sb);
    const hook = await ctl(sb, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/unused', verify: false });
    const r = await ctl(sb, 'PUT', `/opportunities/${o.id}/stage-changes`, {
      stageChanges: [
        { stageName: 'phone screen', updatedAt: LONG_AGO - 1000 },
        { toStageId: BG, updatedAt: LONG_AGO, userId: 'recruiter-1' },
      ],
    });
    expect(r.status).toBe(200);
    const got = await client.getOpportunity(o.id);
    expect(got.stage).toBe(BG);
    expect(got.stageChanges).toEqual([
      { toStageId: PHONE, toStageIndex: 1, userId: SEED_USER_ID, updatedAt: LONG_AGO - 1000 },
      { toStageId: BG, toStageIndex: 2, userId: 'recruiter-1', updatedAt: LONG_AGO },
    ]);
    expect((await api(sb, 'GET', `/opportunities/${o.id}`)).body.data.lastAdvancedAt).toBe(LONG_AGO);
    // Written by hand, not a recruiter's move: no webhook.
    expect((await ctl(sb, 'GET', `/deliveries?webhookId=${hook.body.data.id}`)).body.data).toEqual([]);
  });

  it('stage-changes: bad bodies are 400 and change nothing', async () => {
    const o = await createOpp(sb);
    const before = await client.getOpportunity(o.id);
    for (const body of [
      {},
      { stageChanges: [] },
      { stageChanges: [{ toStageId: 'no-such-stage', updatedAt: 1 }] },
      { stageChanges: [{ toStageId: BG }] },
      { stageChanges: [{ toStageId: BG, stageName: 'Offer', updatedAt: 1 }] },
      { stageChanges: [{ toStageId: BG, updatedAt: -5 }] },
    ]) {
      const r = await ctl(sb, 'PUT', `/opportunities/${o.id}/stage-changes`, body);
      expect([r.status, typeof r.body.message]).toEqual([400, 'string']);
    }
    expect(await client.getOpportunity(o.id)).toEqual(before);
    expect((await ctl(sb, 'PUT', '/opportunities/nope/stage-changes', { stageChanges: [] })).status).toBe(404);
  });

  it('archive sets archived (optionally at a given time) and archived:false clears it', async () => {
    const o = await createOpp(sb);
    await ctl(sb, 'POST', `/opportunities/${o.id}/archive`, { reason: 'withdrew', archivedAt: LONG_AGO });
    expect((await client.getOpportunity(o.id)).archived).toEqual({ archivedAt: LONG_AGO, reason: 'withdrew' });
    expect((await ctl(sb, 'POST', `/opportunities/${o.id}/archive`, { archivedAt: 'yesterday' })).status).toBe(400);
    await ctl(sb, 'POST', `/opportunities/${o.id}/archive`, { archived: false });
    expect((await client.getOpportunity(o.id)).archived).toBeNull();
  });
});

describe('files', () => {
  const MB = 1024 * 1024;

  it('uploads multipart field "file" (201), lists, downloads and exposes content to the control surface', async () => {
    const o = await createOpp(sb);
    const content = new TextEncoder().encode('%PDF-1.4 report');
    const file = await client.uploadFile(
      o.id,
      { name: 'Certn Report.pdf', content, contentType: 'application/pdf' },
      'user-1',
    );
    expect(file).toMatchObject({ name: 'Certn Report.pdf', ext: 'pdf', size: content.length, status: 'processed' });
    expect(file.downloadUrl).toContain(`/v1/opportunities/${o.id}/files/${file.id}/download`);
    expect(await client.listFiles(o.id)).toEqual([file]);
    const dl = await fetch(file.downloadUrl, { headers: { authorization: basic(SEED_KEY) } });
    expect(Buffer.from(await dl.arrayBuffer()).toString()).toBe('%PDF-1.4 report');
    const inspect = (await ctl(sb, 'GET', `/opportunities/${o.id}`)).body;
    expect(inspect.files).toHaveLength(1);
    expect(inspect.files[0]).toMatchObject({ id: file.id, performAs: 'user-1', contentType: 'application/pdf' });
    const raw = await fetch(inspect.files[0].contentUrl);
    expect(Buffer.from(await raw.arrayBuffer()).equals(Buffer.from(content))).toBe(true);
    // files are not idempotent: a second upload is a second file
    await client.uploadFile(o.id, { name: 'Certn Report.pdf', content, contentType: 'application/pdf' }, 'user-1');
    expect(await client.listFiles(o.id)).toHaveLength(2);
  });

  it('400 without perform_as, without the file field, or with a non-multipart body', async () => {
    const o = await createOpp(sb);
    const form = () => {
      const f = new FormData();
      f.append('file', new Blob([new Uint8Array([1, 2])], { type: 'application/pdf' }), 'a.pdf');
      return f;
    };
    const noPerform = await api(sb, 'POST', `/opportunities/${o.id}/files`, { body: form() });
    expect([noPerform.status, noPerform.body.code]).toEqual([400, 'BadRequest']);
    const wrongField = new FormData();
    wrongField.append('document', new Blob([new Uint8Array([1])]), 'a.pdf');
    const r2 = await api(sb, 'POST', `/opportunities/${o.id}/files?perform_as=u`, { body: wrongField });
    expect([r2.status, r2.body.code]).toEqual([400, 'BadRequest']);
    const r3 = await api(sb, 'POST', `/opportunities/${o.id}/files?perform_as=u`, { json: { file: 'x' } });
    expect([r3.status, r3.body.code]).toEqual([400, 'BadRequest']);
    const r4 = await api(sb, 'POST', `/opportunities/nope/files?perform_as=u`, { body: form() });
    expect(r4.status).toBe(404);
    expect(await client.listFiles(o.id)).toEqual([]);
  });

  it('accepts exactly 30 MB and rejects 30 MB + 1 byte with 413 RequestEntityTooLarge', async () => {
    const o = await createOpp(sb);
    const ok = await client.uploadFile(
      o.id,
      { name: 'big.pdf', content: new Uint8Array(30 * MB), contentType: 'application/pdf' },
      'u',
    );
    expect(ok.size).toBe(30 * MB);
    const err = await leverErr(
      client.uploadFile(
        o.id,
        { name: 'huge.pdf', content: new Uint8Array(30 * MB + 1), contentType: 'application/pdf' },
        'u',
      ),
    );
    expect([err.status, err.code, err.retryable]).toEqual([413, 'RequestEntityTooLarge', false]);
    expect((await client.listFiles(o.id)).map((f) => f.name)).toEqual(['big.pdf']);
  });
});

describe('notes', () => {
  it('POST 201 {data:{noteId}} and GET lists them in the real Lever shape', async () => {
    const o = await createOpp(sb);
    const raw = await api(sb, 'POST', `/opportunities/${o.id}/notes?perform_as=user-9`, {
      json: { value: 'first', secret: true },
    });
    expect(raw.status).toBe(201);
    expect(raw.body).toEqual({ data: { noteId: expect.any(String) } });
    const { noteId } = await client.addNote(o.id, { value: 'Certn check complete', notifyFollowers: false });
    const listed = await api(sb, 'GET', `/opportunities/${o.id}/notes`);
    expect(listed.body.data[0]).toMatchObject({
      id: raw.body.data.noteId,
      fields: [{ type: 'note', value: 'first' }],
      user: 'user-9',
      secret: true,
    });
    expect(await client.listNotes(o.id)).toEqual([
      { id: raw.body.data.noteId, value: 'first' },
      { id: noteId, value: 'Certn check complete' },
    ]);
  });

  it('notes are not idempotent: a retried POST creates a second note', async () => {
    const o = await createOpp(sb);
    const a = await api(sb, 'POST', `/opportunities/${o.id}/notes`, { json: { value: 'same' } });
    const b = await api(sb, 'POST', `/opportunities/${o.id}/notes`, { json: { value: 'same' } });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.data.noteId).not.toBe(b.body.data.noteId);
    expect((await client.listNotes(o.id)).map((n) => n.value)).toEqual(['same', 'same']);
  });
});

describe('stages and pagination', () => {
  it('pages with limit and an opaque next token; validates limit and offset', async () => {
    const p1 = await api(sb, 'GET', '/stages?limit=2');
    expect(p1.body).toEqual({ data: SEED_STAGES.slice(0, 2), hasNext: true, next: expect.any(String) });
    const p2 = await api(sb, 'GET', `/stages?limit=2&offset=${encodeURIComponent(p1.body.next)}`);
    expect(p2.body.data).toEqual(SEED_STAGES.slice(2, 4));
    const p3 = await api(sb, 'GET', `/stages?limit=2&offset=${encodeURIComponent(p2.body.next)}`);
    expect(p3.body).toEqual({ data: SEED_STAGES.slice(4), hasNext: false });
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'offset=garbage']) {
      const r = await api(sb, 'GET', `/stages?${q}`);
      expect([q, r.status, r.body.code]).toEqual([q, 400, 'BadRequest']);
    }
    expect((await api(sb, 'GET', '/stages?limit=100')).body.data).toHaveLength(5);
  });

  it('the client follows pages (limit=100) across 250 stages', async () => {
    for (let i = 0; i < 245; i++) await ctl(sb, 'POST', '/stages', { text: `Stage ${i}` });
    const byDefault = await api(sb, 'GET', '/stages'); // no limit: the contract's default of 100
    expect([byDefault.body.data.length, byDefault.body.hasNext, typeof byDefault.body.next]).toEqual([
      100,
      true,
      'string',
    ]);
    const stages = await client.listStages();
    expect(stages).toHaveLength(250);
    expect(new Set(stages.map((s) => s.id)).size).toBe(250);
    const listCalls = sb.state.requests.filter((r) => r.path === '/stages');
    expect(listCalls).toHaveLength(4); // the raw default-limit call above + three client pages
  });

  it('GET /stages/:id and 404', async () => {
    expect(await client.getStage(BG)).toEqual({ id: BG, text: 'Background Check' });
    const err = await leverErr(client.getStage('nope'));
    expect([err.status, err.code]).toEqual([404, 'ResourceNotFound']);
  });

  it('unknown endpoints are 404 with a Lever body', async () => {
    const r = await api(sb, 'GET', '/nothing-here');
    expect([r.status, r.body.code]).toEqual([404, 'ResourceNotFound']);
  });
});

describe('rate limiting', () => {
  it('429 TooManyRequests with Retry-After once a key exhausts its bucket; other keys are unaffected', async () => {
    await ctl(sb, 'POST', '/config', { rateLimit: { perSecond: 0.01, burst: 5 } });
    await ctl(sb, 'POST', '/api-keys', { key: 'other' });
    const results = await Promise.all(Array.from({ length: 12 }, () => api(sb, 'GET', '/stages')));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    const limited = results.find((r) => r.status === 429)!;
    expect(limited.body).toEqual({ code: 'TooManyRequests', message: expect.any(String) });
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api(sb, 'GET', '/stages', { key: 'other' })).status).toBe(200);
    const err = await leverErr(client.getStage(BG));
    expect([err.status, err.code, err.retryable]).toEqual([429, 'TooManyRequests', true]);
    expect(err.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(sb.state.counters.rateLimited).toBe(8);
  });

  it('the client paces itself under the default sandbox limit: 40 concurrent calls, zero 429s', async () => {
    // A key no earlier test spent: the sandbox keeps its buckets across /reset, and the client paces at exactly
    // the sandbox's budget, so it must start in step with it.
    await ctl(sb, 'POST', '/api-keys', { key: 'pacer-key' });
    const paced = new LeverClient({ baseUrl: `${sb.url}/v1`, apiKey: 'pacer-key' }); // default 10/s burst 20
    const other = new LeverClient({ baseUrl: `${sb.url}/v1`, apiKey: 'pacer-key' }); // shares the bucket
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? paced : other).getStage(BG).then(() => order.push(i))),
    );
    expect(order).toHaveLength(40);
    expect(sb.state.counters.rateLimited).toBe(0);
    expect(sb.state.requests.filter((r) => r.status === 200)).toHaveLength(40);
  }, 30_000);

  it('without client pacing the same burst does get 429s (so the test above can fail)', async () => {
    const unpaced = new LeverClient({ baseUrl: `${sb.url}/v1`, apiKey: SEED_KEY, budget: false });
    const settled = await Promise.allSettled(Array.from({ length: 40 }, () => unpaced.getStage(BG)));
    expect(settled.filter((s) => s.status === 'rejected').length).toBeGreaterThan(0);
    expect(sb.state.counters.rateLimited).toBeGreaterThan(0);
  });
});

describe('faults', () => {
  it('errorRate 1 with errorStatus 503 / 500, then back to normal', async () => {
    await ctl(sb, 'POST', '/faults', { errorRate: 1, errorStatus: 503 });
    let err = await leverErr(client.getStage(BG));
    expect([err.status, err.code, err.retryable]).toEqual([503, 'ServiceUnavailable', true]);
    await ctl(sb, 'POST', '/faults', { errorStatus: 500 });
    err = await leverErr(client.getStage(BG));
    expect([err.status, err.code, err.retryable]).toEqual([500, 'InternalServerError', true]);
    await ctl(sb, 'POST', '/faults', { errorRate: 0 });
    expect((await client.getStage(BG)).id).toBe(BG);
    expect(sb.state.counters.faultErrors).toBe(2);
    expect((await ctl(sb, 'POST', '/faults', { errorRate: 2 })).status).toBe(400);
    expect((await ctl(sb, 'POST', '/faults', { errorStatus: 502 })).status).toBe(400);
  });

  it('maintenance answers 503 to everything', async () => {
    await ctl(sb, 'POST', '/faults', { maintenance: true });
    const r = await api(sb, 'GET', '/stages');
    expect([r.status, r.body.code]).toEqual([503, 'ServiceUnavailable']);
    await ctl(sb, 'DELETE', '/faults');
    expect((await api(sb, 'GET', '/stages')).status).toBe(200);
  });

  it('rateLimitStorm: exactly the next n requests get 429 with Retry-After', async () => {
    await ctl(sb, 'POST', '/faults', { rateLimitStorm: { requests: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api(sb, 'GET', '/stages');
      statuses.push(r.status);
      if (r.status === 429) expect(r.headers.get('retry-after')).toBe('1');
    }
    expect(statuses).toEqual([429, 429, 429, 200, 200]);
  });

  it('latencyMs delays answers (a client with a shorter timeout times out)', async () => {
    await ctl(sb, 'POST', '/faults', { latencyMs: 1000 });
    expect((await ctl(sb, 'GET', '/faults')).body.data).toEqual({ latencyMs: 1000 });
    // 300 ms against 1000 ms of latency: the timeout is the latency's, not a loaded machine's.
    const impatient = new LeverClient({ baseUrl: `${sb.url}/v1`, apiKey: SEED_KEY, budget: false, timeoutMs: 300 });
    const err = await leverErr(impatient.getStage(BG));
    expect([err.status, err.code, err.retryable]).toEqual([0, 'Timeout', true]);
    expect((await ctl(sb, 'POST', '/faults', { latencyMs: null })).body.data).toEqual({});
    expect((await client.getStage(BG)).id).toBe(BG); // answered again (a 50 ms client flaked here under load)
  });

  it('stagesPaginationLoop: the client refuses to loop forever', async () => {
    await ctl(sb, 'POST', '/faults', { stagesPaginationLoop: true });
    const err = await leverErr(client.listStages());
    expect([err.code, err.retryable]).toEqual(['BadResponse', false]);
    expect(sb.state.requests.filter((r) => r.path === '/stages').length).toBeLessThanOrEqual(3);
  });

  it('control surface needs no auth and reset clears state', async () => {
    const o = await createOpp(sb);
    expect((await ctl(sb, 'GET', `/opportunities/${o.id}`)).status).toBe(200);
    await ctl(sb, 'POST', '/reset');
    expect((await ctl(sb, 'GET', `/opportunities/${o.id}`)).status).toBe(404);
    expect((await ctl(sb, 'POST', '/opportunities', {})).status).toBe(400);
  });
});
