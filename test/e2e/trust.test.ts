// Trust, end to end (issue 8): one billed check per candidate, and nothing done that Lever did not say. Each test is
// one of the reproductions, on the real dev server with the sandboxes; each failed on the code before the fix.
import { randomBytes } from 'node:crypto';
import { SEED_STAGES } from '@lever-certn/sandbox/lever';
import { CERTN_KEY, LEVER_KEY, System, Team, TRIGGER_STAGE, leverHmac } from '../harness/system';
import { SEED_USER_ID } from '@lever-certn/sandbox/lever';
import { certnState, certnTags, uniqueEmail, waitForCaseId } from './resilience-helpers';

const BG = SEED_STAGES.find((s) => s.text === TRIGGER_STAGE)!;

let sys: System;
let team: Team;

beforeAll(async () => {
  sys = await System.start({ certnStepMs: null });
  team = await sys.setupTeam();
});
afterAll(async () => {
  await sys?.stop();
});
afterEach(async () => {
  await sys.certnCtl('DELETE', '/faults');
  await sys.leverCtl('DELETE', '/faults');
});

async function signatureToken(teamId: string): Promise<string> {
  return (await sys.store.getTeamSecrets(teamId))!.lever.signatureToken!;
}

/** A genuinely signed delivery, as Lever would send it now (its data is what the test says). */
async function deliver(opp: string, toStageId = BG.id): Promise<{ status: number; json: any }> {
  const token = randomBytes(24).toString('hex');
  const triggeredAt = Date.now();
  const body = {
    triggeredAt,
    event: 'candidateStageChange',
    data: { opportunityId: opp, candidateId: opp, toStageId, fromStageId: 'offer' },
    token,
    signature: leverHmac(await signatureToken(team.id), token, triggeredAt),
  };
  return sys.http('POST', team.leverHookUrl, body);
}

async function workflowExists(opp: string): Promise<boolean> {
  return sys
    .handle(team.id, opp)
    .describe()
    .then(() => true)
    .catch(() => false);
}

/** Puts the candidate into a stage without a webhook (moved before the team existed, say). */
async function place(opp: string, stageName: string, at?: number): Promise<void> {
  await sys.leverCtl('POST', `/opportunities/${opp}/move`, { stageName, notify: false, ...(at ? { at } : {}) });
}

describe('a Lever signature replayed with forged data orders nothing', () => {
  it('the verify-connection ping, re-sent as a stage change for a candidate in the trigger stage, is refused', async () => {
    const email = uniqueEmail('replay');
    const opp = await sys.createCandidate({ emails: [email] });
    await place(opp, TRIGGER_STAGE);
    const hook = (await sys.leverCtl('GET', '/webhooks')).data.find((w: any) => w.url === team.leverHookUrl);
    const ping = await sys.leverCtl('POST', `/webhooks/${hook.id}/verify`);
    await sys.lever.webhooksIdle();
    const delivered = (await sys.leverCtl('GET', `/deliveries/${ping.data.deliveryId}`)).data;
    expect(delivered.state).toBe('delivered');
    const original = typeof delivered.body === 'string' ? JSON.parse(delivered.body) : delivered.body;
    expect(original.event).toBe('candidateHired');
    const forged = {
      ...original,
      event: 'candidateStageChange',
      data: { opportunityId: opp, candidateId: opp, toStageId: BG.id, fromStageId: 'offer' },
    };
    const r = await sys.http('POST', team.leverHookUrl, forged);
    expect(r.status).toBe(409);
    expect(r.json.error).toBe('token_reused');
    await new Promise((res) => setTimeout(res, 1500));
    expect(await workflowExists(opp)).toBe(false);
    expect(await sys.casesFor(email)).toHaveLength(0);
    expect(await certnTags(sys, opp)).toEqual([]);
  });
});

describe('the stage confirmation is tied to this delivery', () => {
  it('an entry into the trigger stage from days ago does not confirm a delivery now', async () => {
    const email = uniqueEmail('old-entry');
    const opp = await sys.createCandidate({ emails: [email] });
    await place(opp, TRIGGER_STAGE, Date.now() - 3 * 24 * 3600_000);
    await place(opp, 'Offer');
    expect((await deliver(opp)).json.outcome).toBe('accepted');
    const result = await sys.result(team.id, opp);
    expect(result.status).toBe('NotInTriggerStage');
    expect(await sys.casesFor(email)).toHaveLength(0);
  });

  it('a move out of the stage soon after the entry still confirms it (the entry is near triggeredAt)', async () => {
    const email = uniqueEmail('moved-on');
    const opp = await sys.createCandidate({ emails: [email] });
    await place(opp, TRIGGER_STAGE);
    await place(opp, 'Offer');
    expect((await deliver(opp)).json.outcome).toBe('accepted');
    const caseId = await waitForCaseId(sys, team, opp);
    expect((await sys.casesFor(email)).map((c) => c.id)).toEqual([caseId]);
  });

  it('an archived opportunity orders nothing, even standing in the trigger stage', async () => {
    const email = uniqueEmail('archived');
    const opp = await sys.createCandidate({ emails: [email] });
    await place(opp, TRIGGER_STAGE);
    await sys.leverCtl('POST', `/opportunities/${opp}/archive`, { reason: 'hired elsewhere' });
    await sys.lever.webhooksIdle();
    expect((await deliver(opp)).json.outcome).toBe('accepted');
    expect((await sys.result(team.id, opp)).status).toBe('NotInTriggerStage');
    expect(await sys.casesFor(email)).toHaveLength(0);
  });
});

describe('a lost order answer never bills twice', () => {
  /** The first order POST creates the case at Certn, and its answer is lost (a 500). */
  async function orderWithLostAnswer(email: string): Promise<{ opp: string; caseId: string }> {
    const opp = await sys.createCandidate({ emails: [email] });
    await sys.certnCtl('PUT', '/faults', { orderCommitThenFail: 1 });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const cases = await sys.waitFor('the committed order', async () => {
      const c = await sys.casesFor(email);
      return c.length === 1 ? c : undefined;
    });
    return { opp, caseId: cases[0].id };
  }

  it('the recruiter corrects the e-mail before the retry: the retry adopts the case sent to the first address', async () => {
    const first = uniqueEmail('lost-first');
    const second = uniqueEmail('lost-second');
    const { opp, caseId } = await orderWithLostAnswer(first);
    await sys.leverCtl('PATCH', `/opportunities/${opp}`, { emails: [second] });
    expect(await waitForCaseId(sys, team, opp)).toBe(caseId);
    expect(await sys.casesFor(first)).toHaveLength(1);
    expect(await sys.casesFor(second)).toHaveLength(0);
  });

  it('the recruiter removes the e-mail before the retry: the paid case is followed, not "Not Ordered"', async () => {
    const email = uniqueEmail('lost-removed');
    const { opp, caseId } = await orderWithLostAnswer(email);
    await sys.leverCtl('PATCH', `/opportunities/${opp}`, { emails: [] });
    expect(await waitForCaseId(sys, team, opp)).toBe(caseId);
    expect((await sys.state(team.id, opp)).status).not.toBe('NotOrdered');
    expect(await sys.casesFor(email)).toHaveLength(1);
  });

  it('two cases match the lost order: nothing adopted or ordered, an error tag, a typed failure', async () => {
    const email = uniqueEmail('lost-ambiguous');
    const { opp } = await orderWithLostAnswer(email);
    // someone orders the same checks for the same e-mail by hand within the same seconds
    const manual = await sys.http(
      'POST',
      `${sys.certn.url}/api/public/cases/order/`,
      {
        email_address: email,
        send_invite_email: true,
        return_invite_link: false,
        check_types_with_arguments: { CRIMINAL_RECORD_CHECK: {}, IDENTITY_VERIFICATION_1: {} },
      },
      { authorization: `Api-Key ${CERTN_KEY}` },
    );
    expect(manual.status).toBe(201);
    const err = await sys.result(team.id, opp).then(
      () => undefined,
      (e: any) => e,
    );
    expect(err?.cause?.type).toBe('AmbiguousOrder');
    expect(await certnTags(sys, opp)).toEqual(['CERTN - Error (Order Unconfirmed)']);
    expect(await sys.casesFor(email)).toHaveLength(2);
  });

  it('an operator terminates the run during the order: the next run reconciles first and adopts the case', async () => {
    const email = uniqueEmail('lost-terminated');
    const { opp, caseId } = await orderWithLostAnswer(email);
    await sys.handle(team.id, opp).terminate('operator: stuck order');
    const { orderCount } = await certnState(sys);
    await sys.moveTo(opp, 'Offer');
    await sys.moveTo(opp, TRIGGER_STAGE);
    expect(await waitForCaseId(sys, team, opp)).toBe(caseId);
    expect(await sys.casesFor(email)).toHaveLength(1);
    expect((await certnState(sys)).orderCount).toBe(orderCount);
  });
});

describe('a retry adopts only the case its own order created', () => {
  it('a case ordered by hand for the same e-mail, then a 429 on the first attempt: the check orders its own', async () => {
    const email = uniqueEmail('manual');
    const manual = await sys.http(
      'POST',
      `${sys.certn.url}/api/public/cases/order/`,
      {
        email_address: email,
        send_invite_email: true,
        return_invite_link: false,
        check_types_with_arguments: { CRIMINAL_RECORD_CHECK: {} },
      },
      { authorization: `Api-Key ${CERTN_KEY}` },
    );
    expect(manual.status).toBe(201);
    const opp = await sys.createCandidate({ emails: [email] });
    await sys.certnCtl('PUT', '/faults', { rateLimitStorm: { requests: 1, retryAfterSeconds: 1 } });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await waitForCaseId(sys, team, opp);
    expect(caseId).not.toBe(manual.json.id);
    const cases = await sys.casesFor(email);
    expect(cases).toHaveLength(2);
    const own = cases.find((c) => c.id === caseId);
    expect(own.checks.map((k: any) => k.check_type).sort()).toEqual([
      'CRIMINAL_RECORD_CHECK',
      'IDENTITY_VERIFICATION_1',
    ]);
  });
});

describe('enable commits only what it validated', () => {
  it('a PATCH clearing the secrets while a slow enable validates leaves the team disabled (409)', async () => {
    const created = await sys.admin('POST', '/teams', {
      name: 'Race',
      lever: {
        apiKey: LEVER_KEY,
        signatureToken: 'a-signature-token-long-enough',
        triggerStageName: TRIGGER_STAGE,
        performAsUserId: SEED_USER_ID,
      },
      certn: { apiKey: CERTN_KEY, webhookSecret: 'a-webhook-secret-long-enough' },
    });
    const id: string = created.json.id;
    const pkg = await sys.admin('POST', `/teams/${id}/packages`, { name: 'P', checkTypes: ['CRIMINAL_RECORD_CHECK'] });
    await sys.admin('POST', `/teams/${id}/packages/${pkg.json.id}/default`);
    await sys.leverCtl('POST', '/faults', { latencyMs: 1500 });
    const enabling = sys.admin('POST', `/teams/${id}/enable`);
    await new Promise((r) => setTimeout(r, 300));
    const patch = await sys.admin('PATCH', `/teams/${id}`, {
      lever: { apiKey: null, signatureToken: null },
      certn: { webhookSecret: null },
    });
    expect(patch.status).toBe(200);
    const enable = await enabling;
    expect(enable.status).toBe(409);
    const after = await sys.admin('GET', `/teams/${id}`);
    expect(after.json.enabled).toBe(false);
    expect(after.json.lever.apiKey.set).toBe(false);
  });
});

describe('report links', () => {
  it('work for the profile, are rate-limited and cached per case, revocable per team, and stay out of history', async () => {
    const email = uniqueEmail('links');
    const opp = await sys.createCandidate({ emails: [email] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await waitForCaseId(sys, team, opp);
    await sys.advanceCase(caseId, 7);
    const result = await sys.result(team.id, opp);
    expect(result.status).toBe('Complete');
    expect(result.reportLink).toBe('final');
    const history = JSON.stringify(await sys.handle(team.id, opp).fetchHistory());
    expect(history).not.toContain('/reports/');
    expect(history).not.toContain('sig=');

    const link = ((await sys.opportunity(opp)).links as string[]).find((l) => l.includes('/reports/'))!;
    const click = () => fetch(link, { redirect: 'manual' });
    const first = await click();
    expect(first.status).toBe(302);
    const { apiRequests } = await certnState(sys);
    for (let i = 1; i < 10; i++) expect((await click()).status).toBe(302); // served from the cache
    expect((await certnState(sys)).apiRequests).toBe(apiRequests);
    expect((await click()).status).toBe(429);

    expect((await sys.admin('POST', `/teams/${team.id}/report-links/rotate`)).status).toBe(200);
    expect((await click()).status).toBe(404); // revoked
  });
});

describe('one Certn account, several teams', () => {
  it('a callback reaches the check of the team that owns the case, whichever team’s URL Certn calls', async () => {
    // A second team on the same Certn account: setting it up points the account's one webhook at its URL.
    const other = await sys.setupTeam();
    const hooks = (await sys.leverCtl('GET', '/webhooks')).data as { id: string; url: string }[];
    for (const h of hooks.filter((w) => w.url === other.leverHookUrl))
      await sys.leverCtl('DELETE', `/webhooks/${h.id}`);
    const email = uniqueEmail('two-teams');
    const opp = await sys.createCandidate({ emails: [email] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await waitForCaseId(sys, team, opp);
    await sys.advanceCase(caseId, 7);
    // The poll timer is a minute away: only the callbacks (sent to the other team's URL) can move the check now.
    await sys.waitFor(
      'the check to complete',
      async () => (await sys.state(team.id, opp)).status === 'Complete',
      30_000,
    );
    expect(await sys.store.findCheckByCertnObject(other.id, caseId)).toBeNull();
  });
});
