// The check's behaviour, end to end through the HTTP endpoints and the sandboxes, on the real dev server.
// Over 300 lines: the check's stories share one system and team; each test is one story of the tag table.
import { randomUUID } from 'node:crypto';
import { System, Team, TRIGGER_STAGE, LEVER_KEY, CERTN_KEY, leverHmac } from '../harness/system';

let sys: System;
let team: Team;

beforeAll(async () => {
  sys = await System.start({ certnStepMs: null, pollIntervalMs: 60_000 });
  team = await sys.setupTeam();
});
afterAll(async () => {
  await sys?.stop();
});

const email = () => `cand-${randomUUID().slice(0, 8)}@example.com`;
const checkTypesOf = (c: { checks: { check_type: string }[] }) => c.checks.map((k) => k.check_type).sort();

async function caseIdOf(opp: string): Promise<string> {
  return sys.waitFor('the case id', async () => (await sys.state(team.id, opp)).caseId);
}

/** Runs the case to completion step by step and waits for the workflow to finish. */
async function complete(opp: string) {
  const caseId = await caseIdOf(opp);
  await sys.advanceCase(caseId, 20);
  return sys.result(team.id, opp);
}

describe('package choice', () => {
  it('uses a package named by a candidate tag, trimmed and ignoring case', async () => {
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr], tags: ['referral', '  EXECUTIVE '] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const state = await sys.waitForStatus(team.id, opp, 'Pending');
    expect(state.packageName).toBe('Executive');
    await caseIdOf(opp);
    const [c] = await sys.casesFor(addr);
    expect(checkTypesOf(c)).toEqual(['CRIMINAL_RECORD_CHECK', 'EMPLOYMENT_VERIFICATIONS_1', 'IDENTITY_VERIFICATION_1']);
    expect((await complete(opp)).status).toBe('Complete');
  });

  it('uses a package named by a tag the candidate inherited from its posting', async () => {
    const posting = await sys.leverCtl('POST', '/postings', { text: 'CFO', tags: ['executive'] });
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr], postingId: posting.data.id });
    await sys.moveTo(opp, TRIGGER_STAGE);
    expect((await sys.waitForStatus(team.id, opp, 'Pending')).packageName).toBe('Executive');
    await caseIdOf(opp);
    expect(checkTypesOf((await sys.casesFor(addr))[0])).toHaveLength(3);
    await complete(opp);
  });

  it('uses the default package when no tag names one', async () => {
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr], tags: ['Executive Assistant'] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    expect((await sys.waitForStatus(team.id, opp, 'Pending')).packageName).toBe('Standard');
    await caseIdOf(opp);
    expect(checkTypesOf((await sys.casesFor(addr))[0])).toEqual(['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1']);
    await complete(opp);
  });
});

describe('no e-mail', () => {
  it('tags Error (No Email), then proceeds once an e-mail is added and the candidate is moved again', async () => {
    const opp = await sys.createCandidate({ emails: [] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    await sys.waitForStatus(team.id, opp, 'ErrorNoEmail');
    expect((await sys.opportunity(opp)).data.tags).toContain('CERTN - Error (No Email)');
    expect((await sys.state(team.id, opp)).caseId).toBeUndefined();

    // Moving again without an e-mail changes nothing and orders nothing.
    await sys.moveTo(opp, 'Phone Screen');
    await sys.moveTo(opp, TRIGGER_STAGE);
    await new Promise((r) => setTimeout(r, 500));
    expect((await sys.state(team.id, opp)).status).toBe('ErrorNoEmail');

    const addr = email();
    await sys.leverCtl('PATCH', `/opportunities/${opp}`, { emails: [addr] });
    await sys.moveTo(opp, 'Phone Screen');
    await sys.moveTo(opp, TRIGGER_STAGE);
    await sys.waitForStatus(team.id, opp, 'Pending');
    const tags: string[] = (await sys.opportunity(opp)).data.tags;
    expect(tags.filter((t) => t.startsWith('CERTN - '))).toEqual(['CERTN - Pending']);
    await caseIdOf(opp);
    expect(await sys.casesFor(addr)).toHaveLength(1);
    expect((await complete(opp)).status).toBe('Complete');
    expect(await sys.certnTagSequence(opp)).toEqual([
      'CERTN - Error (No Email)',
      'CERTN - Pending',
      'CERTN - Complete',
    ]);
    await sys.recordHistory(team.id, opp, 'no-email-then-email');
  });
});

describe('one check per opportunity', () => {
  it('orders nothing new when the candidate re-enters the stage during and after a check', async () => {
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await caseIdOf(opp);
    const { runId } = await sys.handle(team.id, opp).describe();

    await sys.moveTo(opp, 'Phone Screen');
    await sys.moveTo(opp, TRIGGER_STAGE); // during: the signal reaches the open check
    await sys.advanceCase(caseId, 20);
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe('Complete');
    const tagsBefore = await sys.certnTagSequence(opp);

    await sys.moveTo(opp, 'Phone Screen');
    await sys.moveTo(opp, TRIGGER_STAGE); // after: a new run follows the finished case, orders nothing
    const after = await sys.waitFor('the re-entry run', async () => {
      const d = await sys.handle(team.id, opp).describe();
      return d.runId !== runId && d.status.name === 'COMPLETED' ? d : undefined;
    });
    expect(after).toBeDefined();
    const again = await sys.result(team.id, opp);
    expect(again.status).toBe('Complete');
    expect(again.caseId).toBe(caseId);
    expect(again.transitions.map((t) => t.status)).toEqual(['Resumed', 'Complete']);
    expect(await sys.certnTagSequence(opp)).toEqual(tagsBefore); // the profile was not touched again
    await sys.recordHistory(team.id, opp, 'resumed-after-complete');
    expect(await sys.casesFor(addr)).toHaveLength(1);
    const o = await sys.opportunity(opp);
    expect(o.files).toHaveLength(1);
    expect(o.notes).toHaveLength(1);
    expect(o.data.tags.filter((t: string) => t.startsWith('CERTN - '))).toEqual(['CERTN - Complete']);
  });

  it('resumes the open case when the candidate re-enters the stage after an operator terminated the check', async () => {
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await caseIdOf(opp);
    await sys.waitForIdle(team.id, opp);
    await sys.handle(team.id, opp).terminate('terminated by mistake in the UI');

    await sys.moveTo(opp, 'Phone Screen');
    await sys.moveTo(opp, TRIGGER_STAGE);
    await sys.waitFor('the resumed run', async () => (await sys.state(team.id, opp)).status === 'Pending');
    await sys.advanceCase(caseId, 20);
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe('Complete');
    expect(done.caseId).toBe(caseId);
    expect(done.fileAttached).toBe(true);
    expect(await sys.casesFor(addr)).toHaveLength(1);
    const o = await sys.opportunity(opp);
    expect(o.files).toHaveLength(1);
    expect(o.notes).toHaveLength(1);
  });

  it('rides out a Certn key that stops working while it follows a case, and finishes once it is fixed', async () => {
    const local = await System.start({ certnStepMs: null, pollIntervalMs: 60_000 });
    try {
      const t = await local.setupTeam();
      const addr = email();
      const opp = await local.createCandidate({ emails: [addr] });
      await local.moveTo(opp, TRIGGER_STAGE);
      const caseId = await local.waitFor('the case id', async () => (await local.state(t.id, opp)).caseId);
      await local.waitForIdle(t.id, opp);
      // The key expires (Certn answers 401 to every read); Certn's callbacks still arrive and nudge the check.
      expect((await local.admin('PATCH', `/teams/${t.id}`, { certn: { apiKey: 'expired-certn-key' } })).status).toBe(
        200,
      );
      await local.advanceCase(caseId, 4);
      const stuck = await local.waitFor('the failed read', async () => {
        const s = await local.state(t.id, opp);
        return s.lastError?.startsWith('read case:') ? s : undefined;
      });
      expect(stuck.lastError).toContain('401');
      expect(stuck.status).toBe('Pending');
      const d = await local.handle(t.id, opp).describe();
      expect(d.status.name).toBe('RUNNING');

      expect((await local.admin('PATCH', `/teams/${t.id}`, { certn: { apiKey: CERTN_KEY } })).status).toBe(200);
      await local.advanceCase(caseId, 20); // the next callback's read succeeds
      const done = await local.result(t.id, opp);
      expect(done.status).toBe('Complete');
      expect(await local.casesFor(addr)).toHaveLength(1);
      expect((await local.opportunity(opp)).files).toHaveLength(1);
      await local.recordHistory(t.id, opp, 'certn-read-failure');
    } finally {
      await local.stop();
    }
  });

  it('orders a second case only when an operator re-runs the check', async () => {
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    await caseIdOf(opp);
    const open = await sys.admin('POST', `/teams/${team.id}/checks/${opp}/rerun`);
    expect(open.status).toBe(409); // still open
    await complete(opp);

    const rerun = await sys.admin('POST', `/teams/${team.id}/checks/${opp}/rerun`);
    expect(rerun.status).toBe(202);
    await sys.waitFor('the second case', async () => (await sys.casesFor(addr)).length === 2);
    const second = (await sys.casesFor(addr)).map((c) => c.id);
    const state = await sys.waitFor('the re-run to order', async () => {
      const s = await sys.state(team.id, opp);
      return s.caseId && second.includes(s.caseId) && s.status === 'Pending' ? s : undefined;
    });
    await sys.advanceCase(state.caseId!, 20);
    expect((await sys.result(team.id, opp)).status).toBe('Complete');
    expect(await sys.casesFor(addr)).toHaveLength(2);
  });
});

describe('operator cancel', () => {
  it('cancels the Certn case and tags the candidate', async () => {
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await caseIdOf(opp);
    await sys.advanceCase(caseId, 2);
    const r = await sys.admin('POST', `/teams/${team.id}/checks/${opp}/cancel`, { reason: 'candidate withdrew' });
    expect(r.status).toBe(200);
    expect(r.json.check).toMatchObject({ took: true });
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe('Cancelled');
    const [c] = await sys.casesFor(addr);
    expect(c.overall_status).toBe('CANCELLED');
    const o = await sys.opportunity(opp);
    expect(o.data.tags.filter((t: string) => t.startsWith('CERTN - '))).toEqual(['CERTN - Cancelled']);
    expect(o.files).toHaveLength(0);
    expect(o.notes).toHaveLength(1);
    await sys.recordHistory(team.id, opp, 'operator-cancel');
  });

  it('orders nothing when the cancel lands while the Pending tag is being set', async () => {
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr] });
    await sys.leverCtl('POST', '/faults', { latencyMs: 1500 }); // Lever is slow: the tag update takes a while
    try {
      await sys.moveTo(opp, TRIGGER_STAGE);
      await sys.waitFor('the Pending tag update to be running', async () => {
        const { raw } = await sys.handle(team.id, opp).describe();
        return (raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'setStatusTag');
      });
      const r = await sys.admin('POST', `/teams/${team.id}/checks/${opp}/cancel`, { reason: 'withdrew' });
      expect(r.status).toBe(200);
      expect(r.json.check).toEqual({
        took: true,
        status: 'Cancelled',
        detail: 'the check was cancelled before anything was ordered',
      });
      const done = await sys.result(team.id, opp);
      expect(done.status).toBe('Cancelled');
      expect(done.caseId).toBeUndefined();
    } finally {
      await sys.leverCtl('DELETE', '/faults');
    }
    expect(await sys.casesFor(addr)).toHaveLength(0);
    const o = await sys.opportunity(opp);
    expect(o.data.tags.filter((t: string) => t.startsWith('CERTN - '))).toEqual(['CERTN - Cancelled']);
  });
});

describe('statuses the seed does not name', () => {
  it.each([
    ['INVITE_UNDELIVERABLE', 0, 'CERTN - Invite Undeliverable', 'InviteUndeliverable'],
    ['APPLICANT_EXPIRED', 1, 'CERTN - Invite Expired', 'ApplicantExpired'],
  ])('%s ends the check with its own tag', async (side, stepsFirst, tag, status) => {
    const opp = await sys.createCandidate({ emails: [email()] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await caseIdOf(opp);
    if (stepsFirst) await sys.advanceCase(caseId, stepsFirst);
    await sys.certnCtl('POST', `/cases/${caseId}/side-path`, { status: side });
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe(status);
    const o = await sys.opportunity(opp);
    expect(o.data.tags.filter((t: string) => t.startsWith('CERTN - '))).toEqual([tag]);
    expect(o.notes).toHaveLength(1);
  });

  it('shows a dispute or a required action, then returns to where the check had got to', async () => {
    const opp = await sys.createCandidate({ emails: [email()] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await caseIdOf(opp);
    await sys.advanceCase(caseId, 4); // invited, opened, started, submitted
    await sys.waitForStatus(team.id, opp, 'Analyzing');
    await sys.advanceCase(caseId, 2); // in progress, first check complete
    await sys.waitForStatus(team.id, opp, 'Partial');
    await sys.certnCtl('POST', `/cases/${caseId}/side-path`, { status: 'IN_DISPUTE' });
    await sys.waitForStatus(team.id, opp, 'InDispute');
    await sys.certnCtl('POST', `/cases/${caseId}/side-path`, { status: 'CLIENT_ACTION_REQUIRED' });
    await sys.waitForStatus(team.id, opp, 'ActionRequired');
    await sys.certnCtl('POST', `/cases/${caseId}/side-path`, { status: 'IN_PROGRESS' });
    await sys.waitForStatus(team.id, opp, 'Partial');
    await sys.advanceCase(caseId, 20);
    expect((await sys.result(team.id, opp)).status).toBe('Complete');
    expect(await sys.certnTagSequence(opp)).toEqual([
      'CERTN - Pending',
      'CERTN - Analyzing',
      'CERTN - Partial',
      'CERTN - In Dispute',
      'CERTN - Action Required',
      'CERTN - Partial',
      'CERTN - Complete',
    ]);
    await sys.recordHistory(team.id, opp, 'dispute-and-action-required');
  });
});

describe('an order Certn refuses', () => {
  it('tags Error (Not Ordered), fails the run with the cause, and an operator re-run orders once the key is fixed', async () => {
    const local = await System.start({ certnStepMs: null, pollIntervalMs: 60_000 });
    try {
      const t = await local.setupTeam();
      const addr = email();
      const opp = await local.createCandidate({ emails: [addr] });
      // The admin pastes a wrong Certn key: Certn answers 401, which no retry can fix.
      const patched = await local.admin('PATCH', `/teams/${t.id}`, { certn: { apiKey: 'revoked-certn-key' } });
      expect(patched.status).toBe(200);
      await local.moveTo(opp, TRIGGER_STAGE);
      const failure = await local.result(t.id, opp).then(
        () => undefined,
        (err: { cause?: { type?: string } }) => err.cause,
      );
      expect(failure?.type).toBe('Certn.client_error');
      const state = await local.state(t.id, opp);
      expect(state.status).toBe('NotOrdered');
      expect(state.caseId).toBeUndefined();
      expect(state.lastError).toContain('401');
      expect(JSON.stringify(state)).not.toContain('revoked-certn-key');
      expect(await local.casesFor(addr)).toHaveLength(0);
      const certnTags = async () =>
        (await local.opportunity(opp)).data.tags.filter((tag: string) => tag.startsWith('CERTN - '));
      expect(await certnTags()).toEqual(['CERTN - Error (Not Ordered)']);
      await local.recordHistory(t.id, opp, 'not-ordered');

      expect((await local.admin('PATCH', `/teams/${t.id}`, { certn: { apiKey: CERTN_KEY } })).status).toBe(200);
      expect((await local.admin('POST', `/teams/${t.id}/checks/${opp}/rerun`)).status).toBe(202);
      const caseId = await local.waitFor('the case id', async () => (await local.state(t.id, opp)).caseId);
      await local.advanceCase(caseId, 20);
      expect((await local.result(t.id, opp)).status).toBe('Complete');
      expect(await local.casesFor(addr)).toHaveLength(1);
      expect(await certnTags()).toEqual(['CERTN - Complete']);
    } finally {
      await local.stop();
    }
  });
});

describe('forged webhook data', () => {
  it('orders nothing when Lever does not show the stage entry the (unsigned) data claims', async () => {
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr] }); // never moved to the trigger stage
    const hooks = await sys.leverCtl('GET', '/webhooks');
    const signatureToken: string = hooks.data[hooks.data.length - 1].signatureToken;
    const stages = await sys.leverCtl('GET', '/stages');
    const trigger = stages.data.find((s: { text: string }) => s.text === TRIGGER_STAGE).id;
    const token = randomUUID().replace(/-/g, '');
    const triggeredAt = Date.now();
    const res = await sys.http('POST', team.leverHookUrl, {
      triggeredAt,
      event: 'candidateStageChange',
      data: { opportunityId: opp, candidateId: opp, contactId: 'c', toStageId: trigger, fromStageId: null },
      signature: leverHmac(signatureToken, token, triggeredAt),
      token,
    });
    expect(res.status).toBe(200);
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe('NotInTriggerStage');
    expect(await sys.casesFor(addr)).toHaveLength(0);
    expect((await sys.opportunity(opp)).data.tags).toEqual([]);
  });
});

describe('no secret or personal data in workflow history', () => {
  it('keeps keys, tokens and e-mails out of the recorded history', async () => {
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    await complete(opp);
    const history = JSON.stringify(await sys.handle(team.id, opp).fetchHistory());
    const hooks = await sys.leverCtl('GET', '/webhooks');
    for (const secret of [
      LEVER_KEY,
      CERTN_KEY,
      addr,
      'Ada Lovelace',
      ...hooks.data.map((h: { signatureToken: string }) => h.signatureToken),
    ]) {
      expect(history.includes(secret) ? secret : 'absent').toBe('absent');
    }
  });
});

describe('long checks', () => {
  it('continues as new to keep history bounded, and still finishes right', async () => {
    const local = await System.start({ certnStepMs: null, pollIntervalMs: 200, maxHistoryEvents: 60 });
    try {
      const t = await local.setupTeam();
      const opp = await local.createCandidate({ emails: [email()] });
      await local.moveTo(opp, TRIGGER_STAGE);
      const caseId = await local.waitFor('the case id', async () => (await local.state(t.id, opp)).caseId);
      const first = await local.handle(t.id, opp).describe();
      await local.waitFor(
        'a continue-as-new',
        async () => (await local.handle(t.id, opp).describe()).runId !== first.runId,
        60_000,
      );
      await local.advanceCase(caseId, 20);
      const done = await local.result(t.id, opp);
      expect(done.status).toBe('Complete');
      expect(done.fileAttached).toBe(true);
      const o = await local.opportunity(opp);
      expect(o.files).toHaveLength(1);
      expect(o.notes).toHaveLength(1);
      const events = await local.recordHistory(t.id, opp, 'continued-as-new');
      expect(events).toBeLessThan(200);
    } finally {
      await local.stop();
    }
  });
});
