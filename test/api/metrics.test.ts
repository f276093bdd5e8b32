// /metrics over HTTP after real traffic (admin calls, an enable that calls the Lever sandbox, Lever and Certn reads
// of a candidate's records): valid Prometheus text exposition, and no secret, e-mail or record id in it.
import { randomBytes } from 'node:crypto';
import { CertnSandbox, startCertnSandbox } from '@lever-certn/sandbox/certn';
import { LeverSandbox, startLeverSandbox } from '@lever-certn/sandbox/lever';
import { createApiApp } from '../../src/api/app';
import { CertnClient } from '../../src/certn/client';
import { LeverClient } from '../../src/lever/client';
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
const EMAIL = `candidate-${randomBytes(4).toString('hex')}@example.org`;

/**
 * Checks the text exposition format line by line: every sample belongs to a family announced by HELP and TYPE
 * (histograms add _bucket/_sum/_count), label values are quoted and escaped, values are numbers.
 */
function expectValidExposition(text: string): void {
  const types = new Map<string, string>();
  const sample =
    /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help) continue;
    if (type) {
      expect(types.has(type[1]!)).toBe(false); // one TYPE per family
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = sample.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const name = m[1]!;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(family)) throw new Error(`sample of an undeclared family: ${line}`);
  }
  expect(types.size).toBeGreaterThan(5);
}

describe('/metrics', () => {
  let lever: LeverSandbox;
  let certn: CertnSandbox;
  let api: Listening;
  let http: Http;
  let logs: ReturnType<typeof captureLogs>;

  beforeAll(async () => {
    logs = captureLogs();
    lever = await startLeverSandbox();
    certn = await startCertnSandbox();
    const dir = tmpDir();
    api = await listen(
      createApiApp({
        store: openStore(dir),
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
    await lever?.stop();
    await certn?.stop();
    logs?.restore();
  });

  it('is valid Prometheus text with every family, and holds no secret, e-mail or record id', async () => {
    const team = await http.post('/api/admin/teams', {
      name: 'Acme',
      lever: { apiKey: LEVER_KEY, signatureToken: SIGNATURE_TOKEN, triggerStageName: 'Background Check' },
      certn: { apiKey: CERTN_KEY },
    });
    expect(team.status).toBe(201);
    const teamId = (team.json as { id: string }).id;
    await http.post(`/api/admin/teams/${teamId}/enable`, {}); // calls Lever (stages) with the team's key
    const opp = await fetch(`${lever.url}/_sandbox/opportunities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Jane Candidate', emails: [EMAIL], tags: ['Secret Project'] }),
    });
    const oppId = ((await opp.json()) as { data: { id: string } }).data.id;
    // What a worker does in its own process, recorded in this process's registry like the API's own calls.
    await new LeverClient({ baseUrl: `${lever.url}/v1`, apiKey: LEVER_KEY, budget: false }).getOpportunity(oppId);
    const missingCase = randomBytes(8).toString('hex');
    await expect(new CertnClient({ baseUrl: certn.url, apiKey: CERTN_KEY }).getCase(missingCase)).rejects.toThrow();

    const r = await http.get('/metrics', { token: null });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expectValidExposition(r.text);
    expect(r.text).toMatch(/^admin_api_requests_total\{status="2xx"\} [1-9]/m);
    expect(r.text).toMatch(/^team_enable_attempts_total\{result="(enabled|rejected)"\} 1$/m);
    expect(r.text).toMatch(
      /^external_call_duration_seconds_count\{service="lever",operation="GET \/v1\/opportunities\/:id",status_class="2xx"\} [1-9]/m,
    );
    expect(r.text).toMatch(
      /^external_call_errors_total\{service="certn",operation="GET [^"]*:id[^"]*",kind="http_4xx"\} [1-9]/m,
    );
    expect(r.text).toMatch(/^# TYPE lever_budget_wait_seconds histogram$/m);

    expectNoSecrets([r.text], [LEVER_KEY, CERTN_KEY, SIGNATURE_TOKEN, ADMIN_TOKEN, EMAIL, oppId, missingCase, teamId]);
    expect(r.text).not.toMatch(/@|Jane|Secret Project/);
  });
});
