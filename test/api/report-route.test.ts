// The report link route's failure paths (the working redirect is covered end to end in test/e2e/happy-path).
import { randomBytes } from 'node:crypto';
import { ReportLinks } from '../../src/activities/report-links';
import { createApiApp } from '../../src/api/app';
import { SqliteSettingsStore } from '../../src/settings/sqlite-store';
import { ADMIN_TOKEN, FakeGateway, Http, Listening, listen, testConfig, tmpDir } from './helpers';

describe('GET /reports/:team/:case/:kind', () => {
  let store: SqliteSettingsStore;
  let app: Listening;
  let http: Http;
  let links: ReportLinks;

  beforeAll(async () => {
    const dir = tmpDir('report-route-');
    store = new SqliteSettingsStore({ dataDir: dir, masterKey: randomBytes(32) });
    links = new ReportLinks('http://unused.test', randomBytes(32));
    app = await listen(
      createApiApp({
        store,
        gateway: new FakeGateway(),
        config: testConfig(dir),
        adminToken: ADMIN_TOKEN,
        leverBaseUrl: 'http://127.0.0.1:9/v1',
        certnBaseUrl: 'http://127.0.0.1:9',
        reportLinks: links,
      }),
    );
    http = new Http(app.url);
  });
  afterAll(async () => {
    await app?.close();
  });

  const pathOf = (url: string) => url.replace('http://unused.test', '');

  it('answers 404 for a forged or mismatched signature, and for a case this service never ordered', async () => {
    const good = pathOf(await links.url('team-1', 'case-1', 'final'));
    expect((await http.get(good.replace(/sig=.*/, 'sig=forged'), { token: null })).status).toBe(404);
    expect((await http.get(good.replace('/final?', '/interim?'), { token: null })).status).toBe(404);
    expect((await http.get(good, { token: null })).status).toBe(404); // signed, but no such team or case
  });

  it('answers 500 when the settings store fails, and the server keeps answering', async () => {
    await store.close(); // every store call now throws
    const r = await http.get(pathOf(await links.url('team-1', 'case-1', 'final')), { token: null });
    expect(r.status).toBe(500);
    expect((await http.get('/metrics', { token: null })).status).toBe(200);
  });
});
