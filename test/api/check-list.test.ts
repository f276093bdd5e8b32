// The checks list against a real Temporal dev server with a worker and the sandboxes: newest first, filtered by
// status, paged with Temporal's token, one team's checks only, links to the Temporal UI, 400/401/404 at the door.
import { checkListQuery, visibilityLiteral } from '../../src/api/check-list';
import { System, TRIGGER_STAGE } from '../harness/system';

const temporalAddress = process.env.TEMPORAL_ADDRESS;
const describeTemporal = process.env.TEST_NO_TEMPORAL === '1' || !temporalAddress ? describe.skip : describe;
const UI = 'http://temporal-ui.test:8233';

describe('visibility query', () => {
  it('quotes and escapes every value', () => {
    expect(visibilityLiteral('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(checkListQuery('t-1', 'Complete')).toBe(
      'WorkflowType = "backgroundCheck" AND CertnTeam = "t-1" AND ExecutionStatus != "ContinuedAsNew" AND CertnCheckStatus = "Complete"',
    );
  });
});

describeTemporal('GET /api/admin/teams/:teamId/checks → Temporal visibility', () => {
  let sys: System;
  let teamId: string;
  const opps: string[] = [];
  const cases: Record<string, string> = {};
  let otherTeamId: string;
  let stranger: string;

  beforeAll(async () => {
    sys = await System.start({ certnStepMs: null, temporalUiUrl: UI }); // cases move only when the test says
    const team = await sys.setupTeam();
    teamId = team.id;
    // Three candidates in order: the first completes, the second is cancelled, the third stays open.
    for (const n of [1, 2, 3]) {
      const opp = await sys.createCandidate({ emails: [`list${n}@example.com`] });
      await sys.moveTo(opp, TRIGGER_STAGE);
      const s = await sys.waitFor('the case to be ordered', async () => (await sys.state(teamId, opp)).caseId);
      opps.push(opp);
      cases[opp] = s;
    }
    await sys.advanceCase(cases[opps[0]!]!, 20);
    expect((await sys.result(teamId, opps[0]!)).status).toBe('Complete');
    expect((await sys.admin('POST', `/teams/${teamId}/checks/${opps[1]}/cancel`, {})).status).toBeLessThan(300);
    expect((await sys.result(teamId, opps[1]!)).status).toBe('Cancelled');
    // A second team on the same Lever account: its list holds only what it was sent (the stranger, not ours).
    const other = await sys.setupTeam();
    otherTeamId = other.id;
    stranger = await sys.createCandidate({ emails: ['stranger@example.com'] });
    await sys.moveTo(stranger, TRIGGER_STAGE);
    await sys.waitFor('the other check', async () => (await sys.state(other.id, stranger)).caseId);
  });
  afterAll(async () => {
    await sys?.stop();
  });

  const list = (query = '') => sys.admin('GET', `/teams/${teamId}/checks${query}`);

  /** Visibility is eventually consistent: wait until the list shows what Temporal already knows. */
  const settled = async (query: string, want: (checks: any[]) => boolean) => {
    let last = '';
    try {
      return await sys.waitFor(`the list ${query}`, async () => {
        const r = await list(query);
        last = `${r.status} ${r.text}`;
        return r.status === 200 && want(r.json.checks) ? r.json : undefined;
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}; last answer: ${last}`);
    }
  };

  it('lists every check of the team, open first, then most recently closed first, with its details', async () => {
    // The stranger was sent to this team too (both teams hooked the same Lever account): it is the newest open one.
    const body = await settled('', (c) => c.length === 4 && c[2].status === 'Cancelled' && c[3].status === 'Complete');
    expect(body.checks.map((c: any) => c.opportunityId)).toEqual([stranger, opps[2], opps[1], opps[0]]);
    const [, open, cancelled, complete] = body.checks;
    expect(open).toMatchObject({
      runState: 'running',
      closeStatus: null,
      packageName: 'Standard',
      caseId: cases[opps[2]!],
      workflowId: `certn-check:${teamId}:${opps[2]}`,
    });
    expect(open.changedAt).toBe(open.startedAt);
    expect(open.temporalUiUrl).toBe(
      `${UI}/namespaces/default/workflows/${encodeURIComponent(open.workflowId)}/${open.runId}/history`,
    );
    expect(cancelled).toMatchObject({ runState: 'closed', caseId: cases[opps[1]!], packageName: 'Standard' });
    expect(complete).toMatchObject({ runState: 'closed', closeStatus: 'Completed', caseId: cases[opps[0]!] });
    expect(Date.parse(cancelled.changedAt)).toBeGreaterThanOrEqual(Date.parse(complete.changedAt));
    expect(Date.parse(complete.changedAt)).toBeGreaterThan(Date.parse(complete.startedAt));
    expect(body.nextPageToken).toBeNull();
    // Ids and statuses only: no e-mail, no name.
    expect(JSON.stringify(body)).not.toMatch(/@example\.com|Ada|Lovelace/);
  });

  it("lists one team's checks only", async () => {
    const r = await sys.waitFor('the other list', async () => {
      const l = await sys.admin('GET', `/teams/${otherTeamId}/checks`);
      return l.status === 200 && l.json.checks.length > 0 ? l : undefined;
    });
    expect(r.json.checks.map((c: any) => c.opportunityId)).toEqual([stranger]);
  });

  it('filters by status', async () => {
    const cancelled = await settled('?status=Cancelled', (c) => c.length === 1);
    expect(cancelled.checks[0].opportunityId).toBe(opps[1]);
    const pending = await settled('?status=Pending', (c) => c.length === 2);
    expect(pending.checks.map((c: any) => c.opportunityId)).toEqual([stranger, opps[2]]);
    expect((await list('?status=NotOrdered')).json).toEqual({ checks: [], nextPageToken: null });
  });

  it('pages with the opaque token, in the same order, without repeats', async () => {
    await settled('', (c) => c.length === 4);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const r = await list(`?pageSize=2${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.json.checks.length).toBeLessThanOrEqual(2);
      seen.push(...r.json.checks.map((c: any) => c.opportunityId));
      token = r.json.nextPageToken;
      pages++;
    } while (token && pages < 5);
    expect(seen).toEqual([stranger, opps[2], opps[1], opps[0]]);
    expect(pages).toBeGreaterThanOrEqual(2);
  });

  it('answers 400 naming the parameter, 401 without the token, 404 for an unknown team', async () => {
    const bad = async (q: string, field: string) => {
      const r = await list(q);
      expect(r.status).toBe(400);
      expect(r.json.error).toBe('validation_error');
      expect(Object.keys(r.json.fields)).toContain(field);
    };
    await bad('?status=Done', 'status');
    await bad('?status=Complete&status=Pending', 'status');
    await bad('?status=%22%20OR%20CertnTeam%20!%3D%20%22x', 'status');
    await bad('?pageSize=0', 'pageSize');
    await bad('?pageSize=101', 'pageSize');
    await bad('?pageSize=ten', 'pageSize');
    await bad('?pageToken=not%20a%20token', 'pageToken');
    await bad('?pageToken=AAAAAAAAAAAAAAAAAAAA', 'pageToken'); // well-formed, but not one this list gave out
    // A real token belongs to its query: another status filter or another team cannot use it.
    const first = await list('?pageSize=1');
    expect(first.json.nextPageToken).toEqual(expect.any(String));
    await bad(`?pageSize=1&status=Pending&pageToken=${first.json.nextPageToken}`, 'pageToken');
    const foreign = await sys.admin('GET', `/teams/${otherTeamId}/checks?pageToken=${first.json.nextPageToken}`);
    expect(foreign.status).toBe(400);
    await bad('?sort=asc', 'sort');

    const unauth = await sys.http('GET', `${sys.apiUrl}/api/admin/teams/${teamId}/checks`);
    expect(unauth.status).toBe(401);
    const wrong = await sys.http('GET', `${sys.apiUrl}/api/admin/teams/${teamId}/checks`, undefined, {
      authorization: 'Bearer not-the-token',
    });
    expect(wrong.status).toBe(401);
    expect((await sys.admin('GET', '/teams/00000000-0000-4000-8000-000000000000/checks')).status).toBe(404);
    expect((await sys.admin('GET', '/teams/a%22b/checks')).status).toBe(404);
  });
});
