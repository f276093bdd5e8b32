// The admin API's operator routes against a real Temporal dev server with a worker (admin.test.ts scripts the
// gateway): read a check's state, refuse a re-run while it is open, cancel it (200 when it took, 409 when there is
// nothing left to cancel), read the closed check, re-run it.
import { checkWorkflowId } from '../../src/workflows/definitions';
import { CERTN_KEY, LEVER_KEY, System, TRIGGER_STAGE, Team } from '../harness/system';
import { captureLogs, expectNoSecrets } from './helpers';

const temporalAddress = process.env.TEMPORAL_ADDRESS;
const describeTemporal = process.env.TEST_NO_TEMPORAL === '1' || !temporalAddress ? describe.skip : describe;

describeTemporal('operator routes → a real Temporal server', () => {
  let sys: System;
  // One team for the file: the Lever sandbox is one account, so a second team's webhook would receive (and act on)
  // every stage change of the first team's candidates too.
  let team: Team;
  let logs: ReturnType<typeof captureLogs>;
  const bodies: string[] = [];

  beforeAll(async () => {
    logs = captureLogs();
    sys = await System.start({ certnStepMs: null }); // cases stay where they are unless a test moves them
    team = await sys.setupTeam();
  });
  afterAll(async () => {
    await sys?.stop();
    logs.restore();
  });

  const admin = async (method: string, p: string, body?: unknown) => {
    const r = await sys.admin(method, p, body);
    bodies.push(r.text);
    return r;
  };

  it('state, re-run refused while open, cancel, state of the closed check, re-run once closed', async () => {
    const opp = await sys.createCandidate({ emails: ['operator@example.com'] });
    const path = `/teams/${team.id}/checks/${opp}`;
    const workflowId = `certn-check:${team.id}:${opp}`;
    expect(checkWorkflowId(team.id, opp)).toBe(workflowId);

    expect((await admin('GET', path)).status).toBe(404);
    expect((await admin('POST', `${path}/cancel`, {})).status).toBe(404);

    await sys.moveTo(opp, TRIGGER_STAGE);
    const open = await sys.waitFor('the check to order its case', async () => {
      const r = await admin('GET', path);
      return r.status === 200 && r.json.state.caseId ? r : undefined;
    });
    expect(open.json).toMatchObject({
      workflowId,
      state: { teamId: team.id, opportunityId: opp, status: 'Pending' },
    });

    const refused = await admin('POST', `${path}/rerun`);
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: 'check_open', workflowId });

    const cancel = await admin('POST', `${path}/cancel`, { reason: 'candidate withdrew' });
    expect(cancel.status).toBe(200);
    expect(cancel.json).toEqual({
      status: 'cancelled',
      workflowId,
      check: { took: true, status: 'Pending', detail: 'Certn cancelled the case' },
    });
    expect((await sys.result(team.id, opp)).status).toBe('Cancelled');

    const again = await admin('POST', `${path}/cancel`, { reason: 'twice' });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error: 'check_closed', workflowId });

    const closed = await admin('GET', path);
    expect(closed.status).toBe(200);
    expect(closed.json.state.status).toBe('Cancelled');

    const rerun = await admin('POST', `${path}/rerun`);
    expect(rerun.status).toBe(202);
    expect(rerun.json).toEqual({ status: 'started', workflowId });
    expect((await sys.handle(team.id, opp).describe()).status.name).toBe('RUNNING');

    await expectSafe(team.id);
  });

  it('cancel answers 409 while a check that has ended still finishes its Lever updates', async () => {
    const opp = await sys.createCandidate({ emails: ['ended@example.com'] });
    const path = `/teams/${team.id}/checks/${opp}`;
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await sys.waitFor('the case id', async () => (await sys.state(team.id, opp)).caseId);
    await sys.leverCtl('POST', '/faults', { latencyMs: 1500 }); // the finish (link, PDF, note) takes seconds
    try {
      await sys.advanceCase(caseId, 20);
      await sys.waitFor('the check to show Complete while it finishes', async () => {
        const s = await sys.state(team.id, opp);
        return s.status === 'Complete' && (await sys.handle(team.id, opp).describe()).status.name === 'RUNNING';
      });
      const refused = await admin('POST', `${path}/cancel`, { reason: 'too late' });
      expect(refused.status).toBe(409);
      expect(refused.json).toMatchObject({ error: 'check_ended', workflowId: checkWorkflowId(team.id, opp) });
      expect(refused.json.message).toContain('nothing left to cancel');
    } finally {
      await sys.leverCtl('DELETE', '/faults');
    }
    expect((await sys.result(team.id, opp)).status).toBe('Complete');
    const cases = await sys.casesFor('ended@example.com');
    expect(cases.map((c) => [c.id, c.overall_status])).toEqual([[caseId, 'COMPLETE']]);
    await expectSafe(team.id);
  });

  async function expectSafe(teamId: string): Promise<void> {
    const secrets = await sys.store.getTeamSecrets(teamId);
    const all = [LEVER_KEY, CERTN_KEY, sys.adminToken, secrets!.lever.signatureToken!, secrets!.certn.webhookSecret!];
    expectNoSecrets(bodies, all);
    expect(logs.lines.length).toBeGreaterThan(0);
    expectNoSecrets(logs.lines, all);
  }
});
