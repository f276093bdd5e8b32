// Every admin endpoint over HTTP, with the real Lever and Certn sandboxes in-process and a scripted gateway.
// Over 300 lines: one describe per admin resource, sharing one app and sandboxes (starting them is the cost).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createApiApp } from '../../src/api/app';
import { CancelResult, TemporalUnavailableError } from '../../src/api/check-gateway';
import { SEED_STAGES, startLeverSandbox, LeverSandbox } from '@lever-certn/sandbox/lever';
import { startCertnSandbox, CertnSandbox } from '@lever-certn/sandbox/certn';
import { SqliteSettingsStore } from '../../src/settings/sqlite-store';
import { checkWorkflowId } from '../../src/workflows/definitions';
import {
  ADMIN_TOKEN,
  FakeGateway,
  Http,
  Listening,
  captureLogs,
  expectNoSecrets,
  listen,
  openStore,
  testConfig,
  tmpDir,
} from './helpers';

const LEVER_KEY = 'sandbox-lever-key';
const CERTN_KEY = 'sandbox-certn-key';
const SIGNATURE_TOKEN = 'sigtok-' + randomBytes(16).toString('hex');
const CERTN_SECRET = 'whsec-' + randomBytes(16).toString('hex');
const BG_STAGE = SEED_STAGES.find((s) => s.text === 'Background Check')!;

describe('admin API', () => {
  let lever: LeverSandbox;
  let certn: CertnSandbox;
  let store: SqliteSettingsStore;
  let api: Listening;
  let http: Http;
  let gateway: FakeGateway;
  let logs: ReturnType<typeof captureLogs>;
  const extraSecrets: string[] = [];

  beforeAll(async () => {
    logs = captureLogs();
    lever = await startLeverSandbox();
    certn = await startCertnSandbox();
    const dir = tmpDir();
    store = openStore(dir);
    gateway = new FakeGateway();
    api = await listen(
      createApiApp({
        store,
        gateway,
        config: testConfig(dir),
        adminToken: ADMIN_TOKEN,
        leverBaseUrl: `${lever.url}/v1`,
        certnBaseUrl: certn.url,
      }),
    );
    http = new Http(api.url);
  });

  afterAll(async () => {
    await api?.close();
    await store?.close();
    await lever?.stop();
    await certn?.stop();
    logs.restore();
  });

  afterEach(() => {
    gateway.calls = [];
  });

  /** A team with every setting right and a default package. */
  async function readyTeam(name = 'Acme'): Promise<{ id: string; packageId: string }> {
    const t = await http.post('/api/admin/teams', {
      name,
      lever: {
        apiKey: LEVER_KEY,
        signatureToken: SIGNATURE_TOKEN,
        triggerStageName: 'Background Check',
        performAsUserId: 'user-1',
      },
      certn: { apiKey: CERTN_KEY, webhookSecret: CERTN_SECRET },
    });
    expect(t.status).toBe(201);
    const p = await http.post(`/api/admin/teams/${t.json.id}/packages`, {
      name: 'Standard',
      checkTypes: ['CRIMINAL_RECORD_CHECK'],
    });
    expect(p.status).toBe(201);
    expect((await http.post(`/api/admin/teams/${t.json.id}/packages/${p.json.id}/default`)).status).toBe(200);
    return { id: t.json.id, packageId: p.json.id };
  }

  describe('public routes', () => {
    it('GET /healthz', async () => {
      const r = await http.get('/healthz', { token: null });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ status: 'ok' });
    });

    it('GET /metrics is Prometheus text', async () => {
      await http.get('/api/admin/teams');
      await http.get('/api/admin/teams', { token: null });
      const r = await http.get('/metrics', { token: null });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/text\/plain/);
      expect(r.text).toMatch(/# TYPE lever_webhook_deliveries_total counter/);
      expect(r.text).toMatch(/admin_api_requests_total\{status="2xx"\} [1-9]/);
      expect(r.text).toMatch(/admin_api_requests_total\{status="4xx"\} [1-9]/);
    });

    it('GET /api/openapi.json documents every admin and webhook route', async () => {
      const r = await http.get('/api/openapi.json', { token: null });
      expect(r.status).toBe(200);
      expect(r.json.openapi).toMatch(/^3\./);
      expect(r.json.servers[0].url).toBe('https://checks.example.test');
      const paths = Object.keys(r.json.paths);
      for (const p of [
        '/api/admin/teams',
        '/api/admin/teams/{teamId}',
        '/api/admin/teams/{teamId}/packages',
        '/api/admin/teams/{teamId}/packages/{packageId}',
        '/api/admin/teams/{teamId}/packages/{packageId}/default',
        '/api/admin/teams/{teamId}/enable',
        '/api/admin/teams/{teamId}/disable',
        '/api/admin/teams/{teamId}/report-links/rotate',
        '/api/admin/teams/{teamId}/checks/{opportunityId}',
        '/api/admin/teams/{teamId}/checks/{opportunityId}/rerun',
        '/api/admin/teams/{teamId}/checks/{opportunityId}/cancel',
        '/webhooks/lever/{hookId}',
        '/webhooks/certn/{hookId}',
      ]) {
        expect(paths).toContain(p);
      }
      // every $ref resolves
      const refs = JSON.stringify(r.json).match(/#\/components\/schemas\/\w+/g) ?? [];
      for (const ref of refs) expect(r.json.components.schemas[ref.split('/').pop()!]).toBeDefined();
    });

    it('serves the settings page at / and /admin with a nonce CSP', async () => {
      for (const p of ['/', '/admin']) {
        const r = await http.get(p, { token: null });
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toMatch(/text\/html/);
        expect(r.text).toContain('Validate and enable');
        const nonce = /script-src 'nonce-([^']+)'/.exec(r.headers.get('content-security-policy') ?? '')?.[1];
        expect(nonce).toBeTruthy();
        expect(r.text).toContain(`<script nonce="${nonce}">`);
      }
    });
  });

  describe('authentication', () => {
    const routes: [string, string][] = [
      ['GET', '/api/admin/teams'],
      ['POST', '/api/admin/teams'],
      ['GET', '/api/admin/teams/x'],
      ['PATCH', '/api/admin/teams/x'],
      ['POST', '/api/admin/teams/x/packages'],
      ['PATCH', '/api/admin/teams/x/packages/y'],
      ['DELETE', '/api/admin/teams/x/packages/y'],
      ['POST', '/api/admin/teams/x/packages/y/default'],
      ['POST', '/api/admin/teams/x/enable'],
      ['POST', '/api/admin/teams/x/disable'],
      ['GET', '/api/admin/teams/x/checks/o'],
      ['POST', '/api/admin/teams/x/checks/o/rerun'],
      ['POST', '/api/admin/teams/x/checks/o/cancel'],
      ['GET', '/api/admin/check-types'],
      ['GET', '/api/admin/no-such-route'],
    ];
    it.each(routes)('%s %s without a token → 401', async (method, p) => {
      const r = await http.req(method, p, method === 'GET' || method === 'DELETE' ? undefined : {}, { token: null });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: 'unauthorized' });
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('rejects a wrong token, a near miss, and another scheme', async () => {
      expect((await http.get('/api/admin/teams', { token: 'wrong-token-wrong-token' })).status).toBe(401);
      expect((await http.get('/api/admin/teams', { token: ADMIN_TOKEN + 'x' })).status).toBe(401);
      expect((await http.get('/api/admin/teams', { token: ADMIN_TOKEN.slice(0, -1) })).status).toBe(401);
      const basic = await http.get('/api/admin/teams', {
        token: null,
        headers: { authorization: 'Basic ' + Buffer.from(`${ADMIN_TOKEN}:`).toString('base64') },
      });
      expect(basic.status).toBe(401);
      expect((await http.get('/api/admin/teams')).status).toBe(200);
    });
  });

  describe('teams', () => {
    it('creates, reads, lists and updates a team; secrets only masked', async () => {
      const c = await http.post('/api/admin/teams', {
        name: '  Globex ',
        lever: { apiKey: LEVER_KEY, signatureToken: SIGNATURE_TOKEN },
      });
      expect(c.status).toBe(201);
      expect(c.headers.get('location')).toBe(`/api/admin/teams/${c.json.id}`);
      expect(c.json.name).toBe('Globex');
      expect(c.json.enabled).toBe(false);
      expect(c.json.lever.apiKey).toEqual({ set: true, masked: '••••-key' });
      expect(c.json.lever.signatureToken).toEqual({ set: true, masked: '••••' + SIGNATURE_TOKEN.slice(-4) });
      expect(c.json.certn.apiKey).toEqual({ set: false, masked: null });
      expect(c.json.webhookUrls.lever).toBe(`https://checks.example.test/webhooks/lever/${c.json.leverWebhookId}`);
      expect(c.json.webhookUrls.certn).toBe(`https://checks.example.test/webhooks/certn/${c.json.certnWebhookId}`);

      const g = await http.get(`/api/admin/teams/${c.json.id}`);
      expect(g.status).toBe(200);
      expect(g.json).toEqual(c.json);
      const l = await http.get('/api/admin/teams');
      expect(l.json.teams.map((t: { id: string }) => t.id)).toContain(c.json.id);

      const u = await http.patch(`/api/admin/teams/${c.json.id}`, {
        name: 'Globex Corp',
        lever: { triggerStageName: 'Background Check', performAsUserId: 'user-9', apiKey: null },
        certn: { apiKey: CERTN_KEY },
      });
      expect(u.status).toBe(200);
      expect(u.json.name).toBe('Globex Corp');
      expect(u.json.lever.apiKey.set).toBe(false);
      expect(u.json.lever.signatureToken.set).toBe(true);
      expect(u.json.lever.performAsUserId).toBe('user-9');
      expect(u.json.certn.apiKey.set).toBe(true);
    });

    it('the archive and delete webhooks’ own tokens: optional, saved sealed, masked, cleared with null while enabled', async () => {
      const { id } = await readyTeam('Three webhooks');
      const fresh = await http.get(`/api/admin/teams/${id}`);
      expect(fresh.json.lever.archiveSignatureToken).toEqual({ set: false, masked: null });
      expect(fresh.json.lever.deletedSignatureToken).toEqual({ set: false, masked: null });
      // Not needed to enable: they are recommended (they cancel an open check), not required.
      expect((await http.post(`/api/admin/teams/${id}/enable`)).status).toBe(200);
      const archive = 'archive-tok-' + randomBytes(16).toString('hex');
      const deleted = 'deleted-tok-' + randomBytes(16).toString('hex');
      extraSecrets.push(archive, deleted);
      const u = await http.patch(`/api/admin/teams/${id}`, {
        lever: { archiveSignatureToken: ` ${archive} `, deletedSignatureToken: deleted },
      });
      expect(u.status).toBe(200);
      expect(u.json.lever.archiveSignatureToken).toEqual({ set: true, masked: '••••' + archive.slice(-4) });
      expect(u.json.lever.deletedSignatureToken).toEqual({ set: true, masked: '••••' + deleted.slice(-4) });
      expect(u.json.lever.signatureToken).toEqual({ set: true, masked: '••••' + SIGNATURE_TOKEN.slice(-4) });
      const hook = await store.findLeverHook(u.json.leverWebhookId);
      expect(hook).toMatchObject({ signatureToken: SIGNATURE_TOKEN, archiveSignatureToken: archive });
      expect(hook?.deletedSignatureToken).toBe(deleted);
      expect((await store.getTeamSecrets(id))?.lever).toMatchObject({ archiveSignatureToken: archive });
      for (const f of [store.filename, `${store.filename}-wal`]) {
        const raw = fs.existsSync(f) ? fs.readFileSync(f, 'latin1') : '';
        expect([f, raw.includes(archive) || raw.includes(deleted)]).toEqual([f, false]);
      }
      const empty = await http.patch(`/api/admin/teams/${id}`, { lever: { deletedSignatureToken: '' } });
      expect(empty.status).toBe(400);
      expect(empty.json.fields).toEqual({ 'lever.deletedSignatureToken': 'must not be empty' });
      const c = await http.patch(`/api/admin/teams/${id}`, { lever: { deletedSignatureToken: null } });
      expect(c.status).toBe(200);
      expect(c.json.enabled).toBe(true);
      expect(c.json.lever.deletedSignatureToken).toEqual({ set: false, masked: null });
      expect(c.json.lever.archiveSignatureToken.set).toBe(true);
      expect((await store.findLeverHook(c.json.leverWebhookId))?.deletedSignatureToken).toBeNull();
    });

    it('validates bodies with per-field errors', async () => {
      const r1 = await http.post('/api/admin/teams', { lever: { apiKey: '' } });
      expect(r1.status).toBe(400);
      expect(r1.json.error).toBe('validation_error');
      expect(r1.json.fields).toEqual({ name: 'Required', 'lever.apiKey': 'must not be empty' });

      const r2 = await http.post('/api/admin/teams', { name: 'x', lever: { apiKey: 5, bogus: 1 }, extra: true });
      expect(r2.status).toBe(400);
      expect(r2.json.fields['lever.apiKey']).toMatch(/string/i);
      expect(r2.json.fields['lever.bogus']).toBe('unknown field');
      expect(r2.json.fields['extra']).toBe('unknown field');

      const r3 = await http.post('/api/admin/teams', { name: '   ' });
      expect(r3.json.fields).toEqual({ name: 'must not be empty' });

      const r4 = await http.post('/api/admin/teams', undefined, {
        raw: '{"name": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(r4.status).toBe(400);
      expect(r4.json.error).toBe('malformed_json');

      const t = await http.post('/api/admin/teams', { name: 'V' });
      const r5 = await http.patch(`/api/admin/teams/${t.json.id}`, { certn: { webhookSecret: '' }, name: '' });
      expect(r5.status).toBe(400);
      expect(r5.json.fields).toEqual({ 'certn.webhookSecret': 'must not be empty', name: 'must not be empty' });
    });

    it('404 for an unknown team on every team route', async () => {
      const id = '00000000-0000-0000-0000-000000000000';
      expect((await http.get(`/api/admin/teams/${id}`)).status).toBe(404);
      expect((await http.patch(`/api/admin/teams/${id}`, { name: 'x' })).status).toBe(404);
      expect(
        (await http.post(`/api/admin/teams/${id}/packages`, { name: 'x', checkTypes: ['CREDIT_REPORT_1'] })).status,
      ).toBe(404);
      expect((await http.post(`/api/admin/teams/${id}/enable`)).status).toBe(404);
      expect((await http.post(`/api/admin/teams/${id}/disable`)).status).toBe(404);
      expect((await http.get(`/api/admin/teams/${id}/checks/opp`)).status).toBe(404);
      expect((await http.get('/api/admin/nothing-here')).status).toBe(404);
    });
  });

  describe('packages', () => {
    it('create, rename, change types, default, delete', async () => {
      const t = (await http.post('/api/admin/teams', { name: 'Pkgs' })).json;
      const base = `/api/admin/teams/${t.id}/packages`;
      const p1 = await http.post(base, {
        name: ' Standard ',
        checkTypes: ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1'],
      });
      expect(p1.status).toBe(201);
      expect(p1.json).toMatchObject({
        name: 'Standard',
        teamId: t.id,
        checkTypes: ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1'],
      });
      const p2 = await http.post(base, { name: 'Premium', checkTypes: ['CREDIT_REPORT_1'] });
      expect(p2.status).toBe(201);

      const dup = await http.post(base, { name: 'standard', checkTypes: ['CREDIT_REPORT_1'] });
      expect(dup.status).toBe(409);
      expect(dup.json).toMatchObject({ error: 'conflict', field: 'name' });

      const ren = await http.patch(`${base}/${p2.json.id}`, { name: 'Premium Plus' });
      expect(ren.status).toBe(200);
      expect(ren.json.name).toBe('Premium Plus');
      const clash = await http.patch(`${base}/${p2.json.id}`, { name: ' STANDARD ' });
      expect(clash.status).toBe(409);
      const types = await http.patch(`${base}/${p2.json.id}`, { checkTypes: ['CREDIT_REPORT_1', 'ADVERSE_MEDIA_1'] });
      expect(types.json.checkTypes).toEqual(['CREDIT_REPORT_1', 'ADVERSE_MEDIA_1']);

      const def = await http.post(`${base}/${p1.json.id}/default`);
      expect(def.status).toBe(200);
      expect(def.json.defaultPackageId).toBe(p1.json.id);
      expect(def.json.packages).toHaveLength(2);

      expect((await http.post(`${base}/nope/default`)).status).toBe(404);
      expect((await http.patch(`${base}/nope`, { name: 'x' })).status).toBe(404);
      expect((await http.del(`${base}/nope`)).status).toBe(404);

      const del = await http.del(`${base}/${p2.json.id}`);
      expect(del.status).toBe(204);
      const after = await http.get(`/api/admin/teams/${t.id}`);
      expect(after.json.packages.map((p: { name: string }) => p.name)).toEqual(['Standard']);
    });

    it('validates packages per field', async () => {
      const t = (await http.post('/api/admin/teams', { name: 'PkgV' })).json;
      const base = `/api/admin/teams/${t.id}/packages`;
      const r1 = await http.post(base, { name: '', checkTypes: [] });
      expect(r1.status).toBe(400);
      expect(r1.json.fields).toEqual({ name: 'must not be empty', checkTypes: 'at least one check type' });
      const r2 = await http.post(base, { name: 'X', checkTypes: ['CRIMINAL_RECORD_CHECK', 'not a check'] });
      expect(r2.status).toBe(400);
      expect(Object.keys(r2.json.fields)).toEqual(['checkTypes.1']);
      const r3 = await http.post(base, { name: 'X', checkTypes: ['CREDIT_REPORT_1', 'CREDIT_REPORT_1'] });
      expect(r3.json.fields).toEqual({ checkTypes: 'check types must not repeat' });
      const p = await http.post(base, { name: 'X', checkTypes: ['CREDIT_REPORT_1'] });
      const r4 = await http.patch(`${base}/${p.json.id}`, {});
      expect(r4.status).toBe(400);
      expect(r4.json.fields).toEqual({ _: 'give name or checkTypes' });
    });

    it('lists the check type catalogue', async () => {
      const r = await http.get('/api/admin/check-types');
      expect(r.json.checkTypes).toContain('CRIMINAL_RECORD_CHECK');
    });
  });

  describe('enable', () => {
    async function problems(teamId: string): Promise<Record<string, string>> {
      const r = await http.post(`/api/admin/teams/${teamId}/enable`);
      expect(r.status).toBe(422);
      expect(r.json.error).toBe('enable_failed');
      return Object.fromEntries(r.json.problems.map((p: { field: string; code: string }) => [p.field, p.code]));
    }

    it('enables a complete team, resolving the stage name case-insensitively, and returns both webhook URLs', async () => {
      const { id } = await readyTeam('Enable OK');
      await http.patch(`/api/admin/teams/${id}`, { lever: { triggerStageName: '  background CHECK ' } });
      const r = await http.post(`/api/admin/teams/${id}/enable`);
      expect(r.status).toBe(200);
      expect(r.json.team.enabled).toBe(true);
      expect(r.json.team.lever.triggerStageId).toBe(BG_STAGE.id);
      expect(r.json.webhookUrls.lever).toMatch(/^https:\/\/checks\.example\.test\/webhooks\/lever\/[A-Za-z0-9_-]{32}$/);
      expect(r.json.webhookUrls.certn).toMatch(/^https:\/\/checks\.example\.test\/webhooks\/certn\/[A-Za-z0-9_-]{32}$/);
      expect((await store.findLeverHook(r.json.team.leverWebhookId))?.triggerStageId).toBe(BG_STAGE.id);

      const d = await http.post(`/api/admin/teams/${id}/disable`);
      expect(d.status).toBe(200);
      expect(d.json.enabled).toBe(false);
    });

    it('reports every missing setting at once', async () => {
      const t = (await http.post('/api/admin/teams', { name: 'Empty' })).json;
      expect(await problems(t.id)).toEqual({
        'lever.apiKey': 'missing',
        'lever.signatureToken': 'missing',
        'lever.triggerStageName': 'missing',
        'lever.performAsUserId': 'missing',
        'certn.apiKey': 'missing',
        'certn.webhookSecret': 'missing',
        defaultPackageId: 'missing',
      });
      expect((await http.get(`/api/admin/teams/${t.id}`)).json.enabled).toBe(false);
    });

    it('fails when Lever rejects the key', async () => {
      const { id } = await readyTeam('Bad Lever key');
      await http.patch(`/api/admin/teams/${id}`, { lever: { apiKey: 'not-a-real-lever-key' } });
      const r = await http.post(`/api/admin/teams/${id}/enable`);
      expect(r.status).toBe(422);
      expect(r.json.problems).toEqual([
        expect.objectContaining({ field: 'lever.apiKey', code: 'rejected', message: expect.stringMatching(/401/) }),
      ]);
    });

    it('fails when the Lever key may not read stages', async () => {
      const limitedKey = 'limited-' + randomBytes(8).toString('hex');
      extraSecrets.push(limitedKey);
      lever.state.apiKeys.set(limitedKey, {
        key: limitedKey,
        name: 'limited',
        permissions: ['opportunities:read'],
        revoked: false,
      });
      const { id } = await readyTeam('Limited Lever key');
      await http.patch(`/api/admin/teams/${id}`, { lever: { apiKey: limitedKey } });
      const r = await http.post(`/api/admin/teams/${id}/enable`);
      expect(r.json.problems).toEqual([
        expect.objectContaining({ field: 'lever.apiKey', code: 'rejected', message: expect.stringMatching(/403/) }),
      ]);
    });

    it('fails when the stage name is not in that Lever account, listing the stages that are', async () => {
      const { id } = await readyTeam('Bad stage');
      await http.patch(`/api/admin/teams/${id}`, { lever: { triggerStageName: 'Background Checks' } });
      const r = await http.post(`/api/admin/teams/${id}/enable`);
      expect(r.status).toBe(422);
      const p = r.json.problems[0];
      expect(r.json.problems).toHaveLength(1);
      expect(p.field).toBe('lever.triggerStageName');
      expect(p.code).toBe('stage_not_found');
      expect(p.availableStages).toEqual(SEED_STAGES.map((s) => s.text));
      expect(p.message).toContain('"Background Check"');
      expect(p.message).toContain('"Phone screen"');
    });

    it('fails when Certn rejects the key', async () => {
      const { id } = await readyTeam('Bad Certn key');
      await http.patch(`/api/admin/teams/${id}`, { certn: { apiKey: 'wrong-certn-key' } });
      expect(await problems(id)).toEqual({ 'certn.apiKey': 'rejected' });
    });

    it('fails without a default package', async () => {
      const { id, packageId } = await readyTeam('No default');
      await http.del(`/api/admin/teams/${id}/packages/${packageId}`);
      expect(await problems(id)).toEqual({ defaultPackageId: 'missing' });
      const r = await http.post(`/api/admin/teams/${id}/enable`);
      expect(r.json.problems[0].message).toMatch(/No package exists/);
    });

    it('fails when packages exist but none is the default', async () => {
      const t = await http.post('/api/admin/teams', {
        name: 'Packages, no default',
        lever: {
          apiKey: LEVER_KEY,
          signatureToken: SIGNATURE_TOKEN,
          triggerStageName: 'Background Check',
          performAsUserId: 'user-1',
        },
        certn: { apiKey: CERTN_KEY, webhookSecret: CERTN_SECRET },
      });
      const p = await http.post(`/api/admin/teams/${t.json.id}/packages`, {
        name: 'Standard',
        checkTypes: ['CRIMINAL_RECORD_CHECK'],
      });
      expect(p.status).toBe(201);
      const r = await http.post(`/api/admin/teams/${t.json.id}/enable`);
      expect(r.status).toBe(422);
      expect(r.json.problems).toEqual([
        expect.objectContaining({
          field: 'defaultPackageId',
          code: 'missing',
          message: expect.stringMatching(/No default package/),
        }),
      ]);
      expect((await http.get(`/api/admin/teams/${t.json.id}`)).json.enabled).toBe(false);
      expect((await http.post(`/api/admin/teams/${t.json.id}/packages/${p.json.id}/default`)).status).toBe(200);
      expect((await http.post(`/api/admin/teams/${t.json.id}/enable`)).status).toBe(200);
    });

    it('fails without the perform-as user or the webhook secrets', async () => {
      const { id } = await readyTeam('No perform-as');
      await http.patch(`/api/admin/teams/${id}`, {
        lever: { performAsUserId: null, signatureToken: null },
        certn: { webhookSecret: null },
      });
      expect(await problems(id)).toEqual({
        'lever.signatureToken': 'missing',
        'lever.performAsUserId': 'missing',
        'certn.webhookSecret': 'missing',
      });
    });

    it('says when Lever or Certn cannot be reached', async () => {
      const dir = tmpDir();
      const s2 = openStore(dir);
      const app2 = await listen(
        createApiApp({
          store: s2,
          gateway,
          config: testConfig(dir),
          adminToken: ADMIN_TOKEN,
          leverBaseUrl: 'http://127.0.0.1:9/v1', // discard port: nothing listens
          certnBaseUrl: 'http://127.0.0.1:9',
        }),
      );
      try {
        const h2 = new Http(app2.url);
        const t = await h2.post('/api/admin/teams', {
          name: 'Offline',
          lever: {
            apiKey: LEVER_KEY,
            signatureToken: SIGNATURE_TOKEN,
            triggerStageName: 'Background Check',
            performAsUserId: 'u',
          },
          certn: { apiKey: CERTN_KEY, webhookSecret: CERTN_SECRET },
        });
        const p = await h2.post(`/api/admin/teams/${t.json.id}/packages`, {
          name: 'S',
          checkTypes: ['CREDIT_REPORT_1'],
        });
        await h2.post(`/api/admin/teams/${t.json.id}/packages/${p.json.id}/default`);
        const r = await h2.post(`/api/admin/teams/${t.json.id}/enable`);
        expect(r.status).toBe(422);
        expect(
          Object.fromEntries(r.json.problems.map((x: { field: string; code: string }) => [x.field, x.code])),
        ).toEqual({
          'lever.apiKey': 'unreachable',
          'certn.apiKey': 'unreachable',
        });
        http.bodies.push(...h2.bodies);
      } finally {
        await app2.close();
        await s2.close();
      }
    });

    it('a new trigger stage name is resolved on save (or refused), never a silent disable; required settings stay', async () => {
      const { id, packageId } = await readyTeam('Rename stage');
      expect((await http.post(`/api/admin/teams/${id}/enable`)).status).toBe(200);
      const clear = await http.patch(`/api/admin/teams/${id}`, { lever: { apiKey: null } });
      expect(clear.status).toBe(409);
      expect(clear.json.field).toBe('lever.apiKey');
      const delDefault = await http.del(`/api/admin/teams/${id}/packages/${packageId}`);
      expect(delDefault.status).toBe(409);
      const u = await http.patch(`/api/admin/teams/${id}`, { lever: { triggerStageName: 'Offer' } });
      expect(u.status).toBe(200);
      expect(u.json.enabled).toBe(true);
      expect(u.json.lever.triggerStageId).toBe('offer');
      const missing = await http.patch(`/api/admin/teams/${id}`, { lever: { triggerStageName: 'No Such Stage' } });
      expect(missing.status).toBe(422);
      expect(missing.json.error).toBe('stage_not_found');
      expect(missing.json.availableStages).toContain('Offer');
      const after = await http.get(`/api/admin/teams/${id}`);
      expect(after.json.enabled).toBe(true);
      expect(after.json.lever.triggerStageName).toBe('Offer');
      expect(after.json.lever.triggerStageId).toBe('offer');
    });
  });

  describe('check operator routes', () => {
    it('state: 404 when no check, the state otherwise', async () => {
      const { id } = await readyTeam('Checks');
      expect((await http.get(`/api/admin/teams/${id}/checks/opp-1`)).status).toBe(404);
      gateway.stateImpl = async (teamId, opportunityId) => ({
        teamId,
        opportunityId,
        status: 'Pending',
        fileAttached: false,
        noteAdded: false,
        transitions: [],
      });
      const r = await http.get(`/api/admin/teams/${id}/checks/opp-1`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({
        workflowId: checkWorkflowId(id, 'opp-1'),
        state: expect.objectContaining({ status: 'Pending', opportunityId: 'opp-1' }),
      });
      gateway.stateImpl = async () => null;
    });

    it('rerun: 202 when closed, 409 while open or while the team is disabled', async () => {
      const { id } = await readyTeam('Rerun');
      const disabled = await http.post(`/api/admin/teams/${id}/checks/opp-2/rerun`);
      expect(disabled.status).toBe(409);
      expect(disabled.json.error).toBe('team_disabled');
      await http.post(`/api/admin/teams/${id}/enable`);
      const ok = await http.post(`/api/admin/teams/${id}/checks/opp-2/rerun`);
      expect(ok.status).toBe(202);
      expect(ok.json).toEqual({ status: 'started', workflowId: checkWorkflowId(id, 'opp-2') });
      expect(gateway.calls).toEqual([{ method: 'rerun', args: [id, 'opp-2'] }]);
      gateway.rerunImpl = async () => 'open';
      const open = await http.post(`/api/admin/teams/${id}/checks/opp-2/rerun`);
      expect(open.status).toBe(409);
      expect(open.json.error).toBe('check_open');
      gateway.rerunImpl = async () => 'started';
    });

    it('cancel: 200 when it took, 202 while pending, 409 when refused or ended or closed, 404, validated reason', async () => {
      const { id } = await readyTeam('Cancel');
      const workflowId = checkWorkflowId(id, 'opp-3');
      const r = await http.post(`/api/admin/teams/${id}/checks/opp-3/cancel`, { reason: 'candidate withdrew' });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({
        status: 'cancelled',
        workflowId,
        check: { took: true, status: 'Cancelled', detail: 'Certn cancelled the case' },
      });
      expect(gateway.calls).toEqual([{ method: 'cancel', args: [id, 'opp-3', 'candidate withdrew'] }]);
      const noBody = await http.post(`/api/admin/teams/${id}/checks/opp-3/cancel`);
      expect(noBody.status).toBe(200);
      expect(gateway.calls[1]?.args[2]).toBe('cancelled by an operator');
      const bad = await http.post(`/api/admin/teams/${id}/checks/opp-3/cancel`, { reason: 7 });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.json.fields)).toEqual(['reason']);
      const answers: [CancelResult, number, string | undefined][] = [
        [{ result: 'requested' }, 202, undefined],
        [
          { result: 'refused', outcome: { took: false, status: 'Pending', detail: 'cancel: no' } },
          409,
          'cancel_refused',
        ],
        [{ result: 'ended', message: 'nothing left to cancel' }, 409, 'check_ended'],
        [{ result: 'under_way', message: 'a cancel is already under way' }, 409, 'cancel_under_way'],
        [{ result: 'closed' }, 409, 'check_closed'],
        [{ result: 'not_found' }, 404, 'not_found'],
      ];
      for (const [answer, status, error] of answers) {
        gateway.cancelImpl = async () => answer;
        const res = await http.post(`/api/admin/teams/${id}/checks/opp-3/cancel`, {});
        expect({ status: res.status, error: res.json.error }).toEqual({ status, error });
      }
      gateway.cancelImpl = new FakeGateway().cancelImpl;
    });

    it('503 when Temporal is unreachable', async () => {
      const { id } = await readyTeam('Temporal down');
      gateway.stateImpl = async () => {
        throw new TemporalUnavailableError(new Error('14 UNAVAILABLE'));
      };
      const r = await http.get(`/api/admin/teams/${id}/checks/opp-4`);
      expect(r.status).toBe(503);
      expect(r.json.error).toBe('temporal_unavailable');
      gateway.stateImpl = async () => null;
    });
  });

  it('never returns or logs a secret', () => {
    expect(http.bodies.length).toBeGreaterThan(50);
    const secrets = [LEVER_KEY, CERTN_KEY, SIGNATURE_TOKEN, CERTN_SECRET, ADMIN_TOKEN, ...extraSecrets];
    expectNoSecrets(http.bodies, secrets);
    expect(logs.lines.length).toBeGreaterThan(10);
    expectNoSecrets(logs.lines, secrets);
  });
});
