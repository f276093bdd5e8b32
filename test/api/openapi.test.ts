// The OpenAPI document against reality: every answer the app gives on happy and error paths (admin, webhooks,
// report links, guard) conforms to the documented status and schema, every route express serves is documented, and
// every documented operation is exercised here. Real Lever and Certn sandboxes in-process; a scripted gateway.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createApiApp } from '../../src/api/app';
import { CancelResult, TemporalUnavailableError } from '../../src/api/check-gateway';
import { ReportLinks } from '../../src/activities/report-links';
import { certnSignature } from '../../src/certn/signature';
import { leverSignature } from '../../src/lever/signature';
import { SqliteSettingsStore } from '../../src/settings/sqlite-store';
import { SEED_STAGES, LeverSandbox, startLeverSandbox } from '@lever-certn/sandbox/lever';
import { CertnSandbox, startCertnSandbox } from '@lever-certn/sandbox/certn';
import {
  ADMIN_TOKEN,
  FakeGateway,
  Http,
  HttpResult,
  Listening,
  captureLogs,
  listen,
  openStore,
  testConfig,
  tmpDir,
} from './helpers';
import { Answer, DocChecker, servedRoutes } from './openapi-conformance';

const SIG = 'sigtok-' + randomBytes(16).toString('hex');
const CERTN_SECRET = 'whsec-' + randomBytes(16).toString('hex');
const BG = SEED_STAGES.find((s) => s.text === 'Background Check')!;

describe('OpenAPI document vs the running app', () => {
  let lever: LeverSandbox;
  let certn: CertnSandbox;
  let store: SqliteSettingsStore;
  let api: Listening;
  let app: ReturnType<typeof createApiApp>;
  let logs: ReturnType<typeof captureLogs>;
  const gateway = new FakeGateway();
  const answers: Answer[] = [];
  let http: Http;

  /** Every request goes through here: its answer is kept for the conformance check. */
  async function call(
    method: string,
    path: string,
    body?: unknown,
    opts?: Parameters<Http['req']>[3],
  ): Promise<HttpResult> {
    const r = await http.req(method, path, body, opts);
    const contentType = r.headers.get('content-type') ?? '';
    answers.push({
      method,
      path: path.split('?')[0]!,
      status: r.status,
      contentType,
      body: contentType.startsWith('application/json') ? r.json : r.text,
    });
    return r;
  }
  const expectStatus = async (p: Promise<HttpResult>, status: number) => {
    const r = await p;
    expect(r.status).toBe(status);
    return r;
  };

  beforeAll(async () => {
    logs = captureLogs();
    lever = await startLeverSandbox();
    certn = await startCertnSandbox();
    const dir = tmpDir();
    store = openStore(dir);
    app = createApiApp({
      store,
      gateway,
      config: testConfig(dir),
      adminToken: ADMIN_TOKEN,
      leverBaseUrl: `${lever.url}/v1`,
      certnBaseUrl: certn.url,
      reportLinks: new ReportLinks('http://unused.test', randomBytes(32)),
      // Mounts the checks list; the answers exercised here (400, 404) are given before Temporal is asked.
      checkList: { client: {} as Client },
    });
    api = await listen(app);
    http = new Http(api.url);
  });

  afterAll(async () => {
    await api?.close();
    await store?.close();
    await lever?.stop();
    await certn?.stop();
    logs.restore();
  });

  it('answers on happy and error paths', async () => {
    // public
    await expectStatus(call('GET', '/healthz'), 200);
    await expectStatus(call('GET', '/readyz'), 200);
    await expectStatus(call('GET', '/metrics'), 200);
    await expectStatus(call('GET', '/api/openapi.json'), 200);
    await expectStatus(call('GET', '/'), 200);
    await expectStatus(call('GET', '/admin'), 200);

    // admin: auth, guard, bodies
    await expectStatus(call('GET', '/api/admin/teams', undefined, { token: null }), 401);
    await expectStatus(call('GET', '/api/admin/check-types'), 200);
    await expectStatus(call('GET', '/api/admin/teams/%ff'), 400);
    const gz = { 'content-encoding': 'gzip', 'content-type': 'application/json' };
    await expectStatus(call('POST', '/api/admin/teams', undefined, { raw: '{"name":"x"}', headers: gz }), 415);
    const json = { 'content-type': 'application/json' };
    await expectStatus(call('POST', '/api/admin/teams', undefined, { raw: '{"name":', headers: json }), 400);
    await expectStatus(call('POST', '/api/admin/teams', { name: '', extra: 1 }), 400);
    await expectStatus(call('POST', '/api/admin/teams', { name: 'x'.repeat(200_000) }), 413);
    const bare = (await expectStatus(call('POST', '/api/admin/teams', { name: 'Bare' }), 201)).json.id as string;
    await expectStatus(call('POST', `/api/admin/teams/${bare}/enable`), 422);
    const t = await expectStatus(
      call('POST', '/api/admin/teams', {
        name: 'Acme',
        lever: {
          apiKey: 'sandbox-lever-key',
          signatureToken: SIG,
          archiveSignatureToken: SIG,
          triggerStageName: 'Background Check',
        },
        certn: { apiKey: 'sandbox-certn-key', webhookSecret: CERTN_SECRET },
      }),
      201,
    );
    const id = t.json.id as string;
    await expectStatus(call('GET', '/api/admin/teams'), 200);
    await expectStatus(call('GET', `/api/admin/teams/${id}`), 200);
    await expectStatus(call('GET', '/api/admin/teams/no-such-team'), 404);
    await expectStatus(call('PATCH', `/api/admin/teams/${id}`), 200);
    await expectStatus(call('PATCH', `/api/admin/teams/${id}`, { lever: { apiKey: 5 } }), 400);
    await expectStatus(call('PATCH', `/api/admin/teams/${id}`, { lever: { performAsUserId: 'user-1' } }), 200);

    // packages
    const pkgs = `/api/admin/teams/${id}/packages`;
    await expectStatus(call('POST', pkgs, { name: 'Std', checkTypes: ['not a check'] }), 400);
    const p = (await expectStatus(call('POST', pkgs, { name: 'Std', checkTypes: ['CRIMINAL_RECORD_CHECK'] }), 201)).json
      .id as string;
    await expectStatus(call('POST', pkgs, { name: 'std', checkTypes: ['CRIMINAL_RECORD_CHECK'] }), 409);
    await expectStatus(call('PATCH', `${pkgs}/${p}`, {}), 400);
    await expectStatus(call('PATCH', `${pkgs}/${p}`, { name: 'Standard' }), 200);
    await expectStatus(call('POST', `${pkgs}/${p}/default`), 200);
    await expectStatus(
      call('POST', `/api/admin/teams/nope/packages`, { name: 'A', checkTypes: ['CRIMINAL_RECORD_CHECK'] }),
      404,
    );

    // enable, then what an enabled team refuses
    const en = await expectStatus(call('POST', `/api/admin/teams/${id}/enable`), 200);
    await expectStatus(call('PATCH', `/api/admin/teams/${id}`, { lever: { triggerStageName: 'No such stage' } }), 422);
    await expectStatus(call('PATCH', `/api/admin/teams/${id}`, { lever: { apiKey: null } }), 409);
    await expectStatus(call('DELETE', `${pkgs}/${p}`), 409);
    await expectStatus(call('POST', `/api/admin/teams/${id}/report-links/rotate`), 200);
    await expectStatus(call('POST', `/api/admin/teams/nope/report-links/rotate`), 404);

    // checks
    const checks = `/api/admin/teams/${id}/checks`;
    await expectStatus(call('GET', `${checks}?pageSize=0`), 400);
    await expectStatus(call('GET', `/api/admin/teams/nope/checks`), 404);
    await expectStatus(call('GET', `${checks}/opp-1`), 404);
    gateway.stateImpl = async (teamId, opportunityId) => ({
      teamId,
      opportunityId,
      status: 'Pending',
      caseId: 'case-1',
      fileAttached: false,
      noteAdded: false,
      transitions: [{ at: new Date().toISOString(), status: 'Pending' }],
    });
    await expectStatus(call('GET', `${checks}/opp-1`), 200);
    gateway.stateImpl = async () => {
      throw new TemporalUnavailableError(new Error('14 UNAVAILABLE'));
    };
    await expectStatus(call('GET', `${checks}/opp-1`), 503);
    await expectStatus(call('POST', `${checks}/opp-1/rerun`), 202);
    gateway.rerunImpl = async () => 'open';
    await expectStatus(call('POST', `${checks}/opp-1/rerun`), 409);
    const cancels: [CancelResult, number][] = [
      [{ result: 'cancelled', outcome: { took: true, status: 'Cancelled', detail: 'cancelled' } }, 200],
      [{ result: 'requested' }, 202],
      [{ result: 'refused', outcome: { took: false, status: 'Complete', detail: 'done' } }, 409],
      [{ result: 'not_found' }, 404],
    ];
    for (const [answer, status] of cancels) {
      gateway.cancelImpl = async () => answer;
      await expectStatus(call('POST', `${checks}/opp-1/cancel`, { reason: 'duplicate' }), status);
    }
    await expectStatus(call('POST', `${checks}/opp-1/cancel`, { reason: 7 }), 400);

    // Lever webhook
    const leverPath = new URL(en.json.webhookUrls.lever).pathname;
    const delivery = (token = randomBytes(12).toString('hex'), opportunityId = 'opp-9') => {
      const triggeredAt = Date.now();
      return {
        triggeredAt,
        token,
        event: 'candidateStageChange',
        data: { opportunityId, candidateId: opportunityId, toStageId: BG.id, fromStageId: 'x' },
        signature: leverSignature(SIG, token, triggeredAt),
      };
    };
    await expectStatus(call('POST', '/webhooks/lever/unknown-hook', delivery()), 404);
    await expectStatus(call('POST', leverPath, undefined, { raw: 'not json', headers: json }), 400);
    await expectStatus(call('POST', leverPath, { ...delivery(), signature: '0'.repeat(64) }), 401);
    const d = delivery();
    await expectStatus(call('POST', leverPath, d), 200);
    await expectStatus(call('POST', leverPath, d), 200);
    await expectStatus(call('POST', leverPath, { ...d, data: { ...d.data, opportunityId: 'other' } }), 409);
    await expectStatus(call('POST', leverPath, undefined, { raw: 'x'.repeat(70 * 1024), headers: json }), 413);
    gateway.stageEnteredImpl = async () => {
      throw new TemporalUnavailableError(new Error('14 UNAVAILABLE'));
    };
    await expectStatus(call('POST', leverPath, delivery()), 202); // queued for the relay
    gateway.leverRemovedImpl = async () => {
      throw new TemporalUnavailableError(new Error('14 UNAVAILABLE'));
    };
    const archived = delivery();
    const archive = {
      ...archived,
      event: 'candidateArchiveChange',
      data: { opportunityId: 'opp-9', toArchived: { reason: 'r' } },
    };
    await expectStatus(call('POST', leverPath, archive), 503); // removals only signal an open check: Lever retries

    // Certn webhook
    const certnPath = new URL(en.json.webhookUrls.certn).pathname;
    await expectStatus(call('GET', `${certnPath}?challenge=abc`), 200);
    await expectStatus(call('GET', certnPath), 400);
    await expectStatus(call('GET', '/webhooks/certn/unknown-hook?challenge=a'), 404);
    const ev = JSON.stringify({ id: 'e1', event_type: 'case.updated', object_id: 'c-x', object_type: 'case' });
    const signedHeaders = (b: string) => ({ ...json, 'x-signature': certnSignature(CERTN_SECRET, b) });
    await expectStatus(call('POST', certnPath, undefined, { raw: ev, headers: signedHeaders(ev) }), 200);
    await expectStatus(call('POST', certnPath, undefined, { raw: ev, headers: signedHeaders('other') }), 401);
    await expectStatus(call('POST', certnPath, undefined, { raw: '{}', headers: signedHeaders('{}') }), 400);
    await expectStatus(call('POST', '/webhooks/certn/unknown-hook', undefined, { raw: ev, headers: json }), 404);
    const huge = 'x'.repeat(70 * 1024);
    await expectStatus(call('POST', certnPath, undefined, { raw: huge, headers: signedHeaders(huge) }), 413);

    // report links, then disable and delete
    await expectStatus(call('GET', `/reports/${id}/case-1/pdf?sig=forged`), 404);
    await expectStatus(call('POST', `/api/admin/teams/${id}/disable`), 200);
    await expectStatus(call('POST', `${checks}/opp-1/rerun`), 409);
    const other = (
      await expectStatus(call('POST', pkgs, { name: 'Other', checkTypes: ['CRIMINAL_RECORD_CHECK'] }), 201)
    ).json.id as string;
    await expectStatus(call('DELETE', `${pkgs}/${other}`), 204);
    await expectStatus(call('GET', '/no/such/route'), 404);
  });

  it('every answer conforms to the document (status, media type, body schema)', async () => {
    const doc = (await http.get('/api/openapi.json', { token: null })).json;
    const checker = new DocChecker(doc);
    const found = answers.filter((a) => a.path !== '/no/such/route').flatMap((a) => checker.mismatches(a));
    expect(found).toEqual([]);
  });

  it('every route express serves is documented, and every documented operation was exercised above', async () => {
    const doc = (await http.get('/api/openapi.json', { token: null })).json;
    const checker = new DocChecker(doc);
    const documented = checker.operations();
    expect(servedRoutes(app).filter((r) => !documented.includes(r))).toEqual([]);
    const exercised = new Set(answers.map((a) => checker.operationOf(a.method, a.path)));
    expect(documented.filter((op) => !exercised.has(op))).toEqual([]);
  });
});
