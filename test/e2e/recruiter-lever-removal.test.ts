// Archived or deleted in Lever cancels the open check, end to end on the real dev server with the sandboxes. The
// team has Lever's three webhooks as the settings page says (stage change, archive state change, deleted), each
// registered in the Lever sandbox with its own signature token saved in the team, so the archive and delete
// deliveries are the sandbox's own, signed as real Lever signs them. A delivery signed with another webhook's token
// is refused (401) and changes nothing.
import { randomUUID } from 'node:crypto';
import { System, Team, TRIGGER_STAGE, leverHmac } from '../harness/system';

let sys: System;
let team: Team;
let tokens: { stage: string; archive: string; deleted: string };

beforeAll(async () => {
  sys = await System.start({ certnStepMs: null, pollIntervalMs: 60_000 });
  team = await sys.setupTeam();
  const removal = await sys.addRemovalWebhooks(team);
  const hooks = (await sys.leverCtl('GET', '/webhooks')).data as { event: string; signatureToken: string }[];
  tokens = {
    stage: hooks.find((h) => h.event === 'candidateStageChange')!.signatureToken,
    archive: removal.archiveSignatureToken,
    deleted: removal.deletedSignatureToken,
  };
  expect(new Set(Object.values(tokens)).size).toBe(3); // Lever gives every webhook its own token
});
afterAll(async () => {
  await sys?.stop();
});

const email = () => `cand-${randomUUID().slice(0, 8)}@example.com`;

/** A delivery as Lever builds it, signed with the given webhook token (the sandbox's own are used where possible). */
function delivery(signatureToken: string, event: string, data: Record<string, unknown>, token = randomUUID()) {
  const triggeredAt = Date.now();
  return { token, triggeredAt, signature: leverHmac(signatureToken, token, triggeredAt), event, data };
}
const post = (body: unknown) => sys.http('POST', team.leverHookUrl, body);

/** The sandbox's deliveries of `event` for the opportunity, after they settled: their body and the answers. */
async function sandboxDeliveries(opp: string, event: string) {
  await sys.lever.webhooksIdle();
  const r = await sys.leverCtl('GET', `/deliveries?opportunityId=${opp}&event=${event}`);
  return r.data as { id: string; body: string; state: string; attempts: { status?: number }[] }[];
}

async function openCheck(): Promise<{ opp: string; caseId: string }> {
  const opp = await sys.createCandidate({ emails: [email()] });
  await sys.moveTo(opp, TRIGGER_STAGE);
  const caseId = await sys.waitFor('the case id', async () => (await sys.state(team.id, opp)).caseId);
  await sys.waitForIdle(team.id, opp);
  return { opp, caseId };
}

describe('archived or deleted in Lever', () => {
  it('archived: Lever’s own archive webhook delivery cancels the Certn case, tags Cancelled, a note says why', async () => {
    const { opp, caseId } = await openCheck();
    await sys.leverCtl('POST', `/opportunities/${opp}/archive`, { reason: 'hired elsewhere' });
    const [d] = await sandboxDeliveries(opp, 'candidateArchiveChange');
    expect(d!.state).toBe('delivered');
    expect(d!.attempts.map((a) => a.status)).toEqual([200]);
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
    const archive = delivery(tokens.archive, 'candidateArchiveChange', { opportunityId: opp, toArchived: { r: 'x' } });
    const r = await post(archive);
    expect(r.json.outcome).toBe('accepted');
    await sys.waitFor('the removal to be looked at', async () =>
      (await sys.state(team.id, opp)).transitions.some((t) => /does not confirm/.test(t.detail ?? '')),
    );
    await sys.leverCtl('POST', `/opportunities/${opp}/archive`, { archived: false });
    const [u] = await sandboxDeliveries(opp, 'candidateArchiveChange');
    expect(u!.attempts.map((a) => a.status)).toEqual([200]);
    await sys.waitForIdle(team.id, opp);
    expect((await sys.state(team.id, opp)).status).toBe('Pending');
    expect((await sys.certnCtl('GET', `/cases/${caseId}`)).overall_status).not.toBe('CANCELLED');
    await sys.advanceCase(caseId, 20);
    expect((await sys.result(team.id, opp)).status).toBe('Complete');
  });

  it('deleted: Lever’s own delete webhook delivery cancels the Certn case; nothing is written to Lever', async () => {
    const { opp, caseId } = await openCheck();
    await sys.leverCtl('DELETE', `/opportunities/${opp}`);
    const [d] = await sandboxDeliveries(opp, 'candidateDeleted');
    expect(d!.attempts.map((a) => a.status)).toEqual([200]);
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe('Cancelled');
    expect(done.removedInLever).toBe('deleted');
    expect(done.noteAdded).toBe(false);
    expect(done.lastError).toBeUndefined(); // no Lever write was even tried
    expect((await sys.certnCtl('GET', `/cases/${caseId}`)).overall_status).toBe('CANCELLED');
  });

  it('a delivery signed with another webhook’s token → 401 and nothing changes; its own token then acts', async () => {
    const { opp, caseId } = await openCheck();
    // Lever shows the candidate archived, but its delivery is lost on the way (to be re-run from Lever's UI below).
    await sys.leverCtl('POST', '/faults', { webhook: { drop: 1 } });
    await sys.leverCtl('POST', `/opportunities/${opp}/archive`, { reason: 'withdrew' });
    const [lost] = await sandboxDeliveries(opp, 'candidateArchiveChange');
    expect(lost!.state).toBe('dropped');
    const data = { opportunityId: opp, toArchived: { reason: 'withdrew' } };
    for (const wrong of [tokens.stage, tokens.deleted]) {
      const r = await post(delivery(wrong, 'candidateArchiveChange', data));
      expect([r.status, r.json.error]).toEqual([401, 'invalid_signature']);
    }
    for (const wrong of [tokens.stage, tokens.archive]) {
      const r = await post(delivery(wrong, 'candidateDeleted', { opportunityId: opp }));
      expect([r.status, r.json.error]).toEqual([401, 'invalid_signature']);
    }
    // A stage change signed with a removal webhook's token starts nothing either.
    const other = await sys.createCandidate({ emails: [email()] });
    await sys.leverCtl('POST', `/opportunities/${other}/move`, { stageName: TRIGGER_STAGE, notify: false });
    const toStageId = (await sys.opportunity(other)).data.stage.id;
    const stage = delivery(tokens.archive, 'candidateStageChange', { opportunityId: other, toStageId });
    expect((await post(stage)).status).toBe(401);
    await expect(sys.handle(team.id, other).describe()).rejects.toThrow(/not found/i);
    // Nothing changed: the check is open, the case not cancelled, the profile untouched.
    const s = await sys.state(team.id, opp);
    expect(s.status).toBe('Pending');
    expect(s.removedInLever).toBeUndefined();
    expect((await sys.certnCtl('GET', `/cases/${caseId}`)).overall_status).not.toBe('CANCELLED');
    expect((await sys.opportunity(opp)).notes).toHaveLength(0);
    // Lever's re-run of the lost delivery, signed with the archive webhook's own token, cancels the check.
    await sys.leverCtl('POST', `/deliveries/${lost!.id}/redeliver`);
    await sys.lever.webhooksIdle();
    expect((await sys.result(team.id, opp)).status).toBe('Cancelled');
    expect((await sys.certnCtl('GET', `/cases/${caseId}`)).overall_status).toBe('CANCELLED');
  });

  it('no check open: nothing happens; the same replay defences as stage changes', async () => {
    const opp = await sys.createCandidate({ emails: [email()] });
    await sys.leverCtl('POST', `/opportunities/${opp}/archive`, {});
    const [d] = await sandboxDeliveries(opp, 'candidateArchiveChange');
    expect(d!.attempts.map((a) => a.status)).toEqual([200]);
    const body = JSON.parse(d!.body) as ReturnType<typeof delivery>;
    expect((await post(body)).json.outcome).toBe('duplicate'); // Lever re-running the delivery
    const forged = await post({ ...body, data: { opportunityId: randomUUID(), toArchived: {} } });
    expect(forged.status).toBe(409);
    const own = delivery(tokens.deleted, 'candidateDeleted', { opportunityId: opp });
    expect((await post(own)).json.outcome).toBe('no_open_check');
    const badSig = await post({
      ...delivery(tokens.deleted, 'candidateDeleted', { opportunityId: opp }),
      signature: 'f'.repeat(64),
    });
    expect(badSig.status).toBe(401);
  });
});
