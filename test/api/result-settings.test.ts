// The result settings over the admin API (issue 10, points 3 and 4): saved and validated like the other Lever
// settings; the advance stage is looked up in Lever at enable (and on save while enabled), like the trigger stage.
import { randomBytes } from 'node:crypto';
import { createApiApp } from '../../src/api/app';
import { SEED_STAGES, startLeverSandbox, LeverSandbox } from '@lever-certn/sandbox/lever';
import { startCertnSandbox, CertnSandbox } from '@lever-certn/sandbox/certn';
import { SqliteSettingsStore } from '../../src/settings/sqlite-store';
import { ADMIN_TOKEN, FakeGateway, Http, Listening, listen, openStore, testConfig, tmpDir } from './helpers';

let lever: LeverSandbox;
let certn: CertnSandbox;
let store: SqliteSettingsStore;
let api: Listening;
let http: Http;

beforeAll(async () => {
  lever = await startLeverSandbox();
  certn = await startCertnSandbox();
  const dir = tmpDir();
  store = openStore(dir);
  api = await listen(
    createApiApp({
      store,
      gateway: new FakeGateway(),
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
});

/** A team ready to enable, with these result settings. */
async function team(lev: Record<string, unknown> = {}): Promise<string> {
  const t = await http.post('/api/admin/teams', {
    name: `T ${randomBytes(3).toString('hex')}`,
    lever: {
      apiKey: 'sandbox-lever-key',
      signatureToken: 'sig-' + randomBytes(8).toString('hex'),
      triggerStageName: 'Background Check',
      performAsUserId: 'user-1',
      ...lev,
    },
    certn: { apiKey: 'sandbox-certn-key', webhookSecret: 'wh-' + randomBytes(8).toString('hex') },
  });
  expect(t.status).toBe(201);
  const p = await http.post(`/api/admin/teams/${t.json.id}/packages`, {
    name: 'Std',
    checkTypes: ['CRIMINAL_RECORD_CHECK'],
  });
  expect((await http.post(`/api/admin/teams/${t.json.id}/packages/${p.json.id}/default`)).status).toBe(200);
  return t.json.id;
}

describe('saving', () => {
  it('stores both settings, shows them, and clears the stage with null', async () => {
    const id = await team({ advanceStageName: ' Offer ', plainCompleteTag: true });
    const got = await http.get(`/api/admin/teams/${id}`);
    expect(got.json.lever).toMatchObject({ advanceStageName: 'Offer', plainCompleteTag: true });
    const cleared = await http.patch(`/api/admin/teams/${id}`, { lever: { advanceStageName: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.json.lever).toMatchObject({ advanceStageName: null, plainCompleteTag: true });
  });

  it('refuses bad values with a 400 naming the field, and changes nothing', async () => {
    const id = await team({ advanceStageName: 'Offer' });
    for (const [body, field] of [
      [{ advanceStageName: '   ' }, 'lever.advanceStageName'],
      [{ advanceStageName: 7 }, 'lever.advanceStageName'],
      [{ plainCompleteTag: 'yes' }, 'lever.plainCompleteTag'],
      [{ plainCompleteTag: null }, 'lever.plainCompleteTag'],
    ] as const) {
      const r = await http.patch(`/api/admin/teams/${id}`, { lever: body });
      expect(r.status).toBe(400);
      expect(Object.keys(r.json.fields)).toEqual([field]);
    }
    expect((await http.get(`/api/admin/teams/${id}`)).json.lever).toMatchObject({
      advanceStageName: 'Offer',
      plainCompleteTag: false,
    });
  });
});

describe('enable', () => {
  const problems = async (id: string) => {
    const r = await http.post(`/api/admin/teams/${id}/enable`);
    expect(r.status).toBe(422);
    return r.json.problems as { field: string; code: string; message: string; availableStages?: string[] }[];
  };

  it('an advance stage not in Lever is refused, naming the field and listing the stages', async () => {
    const [p, ...rest] = await problems(await team({ advanceStageName: 'Offers' }));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ field: 'lever.advanceStageName', code: 'stage_not_found' });
    expect(p!.availableStages).toEqual(SEED_STAGES.map((s) => s.text));
    expect(p!.message).toContain('No stage named "Offers"');
    expect(p!.message).toContain('"Offer"');
  });

  it('the advance stage must not be the trigger stage', async () => {
    const [p, ...rest] = await problems(await team({ advanceStageName: 'background check' }));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ field: 'lever.advanceStageName', code: 'same_as_trigger' });
  });

  it('a known advance stage (any case, trimmed) enables', async () => {
    const r = await http.post(`/api/admin/teams/${await team({ advanceStageName: '  OFFER ' })}/enable`);
    expect(r.status).toBe(200);
    expect(r.json.team.lever.advanceStageName).toBe('OFFER');
  });
});

describe('saving while enabled', () => {
  it('a new advance stage is looked up now: unknown or the trigger stage → 422, nothing changed', async () => {
    const id = await team();
    expect((await http.post(`/api/admin/teams/${id}/enable`)).status).toBe(200);
    const missing = await http.patch(`/api/admin/teams/${id}`, { lever: { advanceStageName: 'Nope' } });
    expect(missing.status).toBe(422);
    expect(missing.json).toMatchObject({ error: 'stage_not_found', field: 'lever.advanceStageName' });
    expect(missing.json.availableStages).toContain('Offer');
    const same = await http.patch(`/api/admin/teams/${id}`, { lever: { advanceStageName: 'Background Check' } });
    expect(same.status).toBe(422);
    expect(same.json).toMatchObject({ error: 'same_as_trigger', field: 'lever.advanceStageName' });
    expect((await http.get(`/api/admin/teams/${id}`)).json.lever.advanceStageName).toBeNull();

    expect((await http.patch(`/api/admin/teams/${id}`, { lever: { advanceStageName: 'Offer' } })).status).toBe(200);
    // Moving the trigger onto the advance stage is refused the same way.
    const onto = await http.patch(`/api/admin/teams/${id}`, { lever: { triggerStageName: 'Offer' } });
    expect(onto.status).toBe(422);
    expect(onto.json.error).toBe('same_as_trigger');
    const after = (await http.get(`/api/admin/teams/${id}`)).json;
    expect(after.lever).toMatchObject({ triggerStageName: 'Background Check', advanceStageName: 'Offer' });
    expect(after.enabled).toBe(true);
  });
});
