// Archived or deleted in Lever cancels the open check, end to end on the real dev server with the sandboxes. The
// deliveries are signed here with the team's Lever signature token (see the report: Lever gives each webhook its own
// token, and the team stores one), posted to the team's Lever URL like Lever would.
import { randomUUID } from 'node:crypto';
import { System, Team, TRIGGER_STAGE, leverHmac } from '../harness/system';

let sys: System;
let team: Team;
let signatureToken: string;

beforeAll(async () => {
  sys = await System.start({ certnStepMs: null, pollIntervalMs: 60_000 });
  team = await sys.setupTeam();
  const hooks = (await sys.leverCtl('GET', '/webhooks')).data as { url: string; signatureToken: string }[];
  signatureToken = hooks.find((h) => h.url === team.leverHookUrl)!.signatureToken;
});
afterAll(async () => {
  await sys?.stop();
});

const email = () => `cand-${randomUUID().slice(0, 8)}@example.com`;

function delivery(event: string, data: Record<string, unknown>, token = randomUUID()) {
  const triggeredAt = Date.now();
  return { token, triggeredAt, signature: leverHmac(signatureToken, token, triggeredAt), event, data };
}
const post = (body: unknown) => sys.http('POST', team.leverHookUrl, body);

async function openCheck(): Promise<{ opp: string; caseId: string; addr: string }> {
  const addr = email();
  const opp = await sys.createCandidate({ emails: [addr] });
  await sys.moveTo(opp, TRIGGER_STAGE);
  const caseId = await sys.waitFor('the case id', async () => (await sys.state(team.id, opp)).caseId);
  await sys.waitForIdle(team.id, opp);
  return { opp, caseId, addr };
}

describe('archived or deleted in Lever', () => {
  it('archived: the Certn case is cancelled, the tag becomes Cancelled, a note says why', async () => {
    const { opp, caseId } = await openCheck();
    await sys.leverCtl('POST', `/opportunities/${opp}/archive`, { reason: 'hired elsewhere' });
    const r = await post(delivery('candidateArchiveChange', { opportunityId: opp, toArchived: { reason: 'x' } }));
    expect(r.status).toBe(200);
    expect(r.json.outcome).toBe('accepted');
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe('Cancelled');
    expect(done.removedInLever).toBe('archived');
    expect((await sys.certnCtl('GET', `/cases/${caseId}`)).overall_status).toBe('CANCELLED');
    const o = await sys.opportunity(opp);
    expect(o.data.tags.filter((t: string) => t.startsWith('CERTN - '))).toEqual(['CERTN - Cancelled']);
    expect(o.notes).toHaveLength(1);
    expect(o.notes[0].value).toContain('archived in Lever');
  });

  it('an archive Lever does not show is ignored (the data is unsigned); unarchiving does nothing', async () => {
    const { opp, caseId } = await openCheck();
    const r = await post(delivery('candidateArchiveChange', { opportunityId: opp, toArchived: { reason: 'x' } }));
    expect(r.json.outcome).toBe('accepted');
    await sys.waitFor('the removal to be looked at', async () =>
      (await sys.state(team.id, opp)).transitions.some((t) => /does not confirm/.test(t.detail ?? '')),
    );
    const u = await post(delivery('candidateArchiveChange', { opportunityId: opp, toArchived: null }));
    expect(u.json.outcome).toBe('event_ignored');
    await sys.waitForIdle(team.id, opp);
    expect((await sys.state(team.id, opp)).status).toBe('Pending');
    expect((await sys.certnCtl('GET', `/cases/${caseId}`)).overall_status).not.toBe('CANCELLED');
    await sys.advanceCase(caseId, 20);
    expect((await sys.result(team.id, opp)).status).toBe('Complete');
  });

  it('deleted: the Certn case is cancelled and nothing is written to Lever', async () => {
    const { opp, caseId } = await openCheck();
    await sys.leverCtl('DELETE', `/opportunities/${opp}`);
    const r = await post(delivery('candidateDeleted', { opportunityId: opp }));
    expect(r.json.outcome).toBe('accepted');
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe('Cancelled');
    expect(done.removedInLever).toBe('deleted');
    expect(done.noteAdded).toBe(false);
    expect(done.lastError).toBeUndefined(); // no Lever write was even tried
    expect((await sys.certnCtl('GET', `/cases/${caseId}`)).overall_status).toBe('CANCELLED');
  });

  it('no check open: nothing happens; the same and replay defences as stage changes', async () => {
    const opp = await sys.createCandidate({ emails: [email()] });
    await sys.leverCtl('POST', `/opportunities/${opp}/archive`, {});
    const d = delivery('candidateArchiveChange', { opportunityId: opp, toArchived: { reason: 'x' } });
    expect((await post(d)).json.outcome).toBe('no_open_check');
    expect((await post(d)).json.outcome).toBe('duplicate');
    const forged = await post({ ...d, data: { opportunityId: randomUUID(), toArchived: {} } });
    expect(forged.status).toBe(409);
    const badSig = await post({ ...delivery('candidateDeleted', { opportunityId: opp }), signature: 'f'.repeat(64) });
    expect(badSig.status).toBe(401);
  });
});
