// What Certn Centric and Checkr do, end to end on the real dev server with the sandboxes: Clear or Review on complete,
// re-ordering after a case that ended without results, cancelling when Lever archives or deletes the candidate.
import { randomUUID } from 'node:crypto';
import { System, Team, TRIGGER_STAGE } from '../harness/system';

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
const certnTags = async (opp: string): Promise<string[]> =>
  (await sys.opportunity(opp)).data.tags.filter((t: string) => t.startsWith('CERTN - '));
const caseIdOf = (opp: string): Promise<string> =>
  sys.waitFor('the case id', async () => (await sys.state(team.id, opp)).caseId);

describe('Clear or Review', () => {
  it.each([
    ['CLEAR', 'CERTN - Complete (Clear)', 'Complete (Clear)'],
    ['REVIEW', 'CERTN - Complete (Review)', 'Complete (Review)'],
    [null, 'CERTN - Complete', 'Complete.'],
  ])('score %s tags %s and the note says which', async (score, tag, noteSays) => {
    const opp = await sys.createCandidate({ emails: [email()] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const caseId = await caseIdOf(opp);
    await sys.certnCtl('PUT', `/cases/${caseId}/score`, { score });
    await sys.advanceCase(caseId, 20);
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe('Complete');
    expect(done.result).toBe(score === null ? undefined : score === 'CLEAR' ? 'Clear' : 'Review');
    expect(await certnTags(opp)).toEqual([tag]);
    // Monotonic: one tag per step, never back, the result's tag last.
    const seq = await sys.certnTagSequence(opp);
    expect(seq.slice(-1)).toEqual([tag]);
    expect(seq).not.toContain(score === 'CLEAR' ? 'CERTN - Complete' : 'CERTN - Complete (Clear)');
    const o = await sys.opportunity(opp);
    expect(o.notes).toHaveLength(1);
    expect(o.notes[0].value).toContain(`Certn background check ${noteSays}`);
  });
});

describe('re-order without an operator', () => {
  /** Waits for a new run of the check (after `runId`) to show a case other than `caseId`. */
  const newCase = (opp: string, caseId: string) =>
    sys.waitFor('a new case', async () => {
      const s = await sys.state(team.id, opp);
      return s.caseId && s.caseId !== caseId ? s.caseId : undefined;
    });

  it.each([
    ['INVITE_UNDELIVERABLE', 0, 'InviteUndeliverable'],
    ['APPLICANT_EXPIRED', 1, 'ApplicantExpired'],
    ['CANCELLED', 1, 'Cancelled'],
  ])('after %s, moving the candidate into the stage again orders one new case', async (side, steps, ended) => {
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const first = await caseIdOf(opp);
    if (steps) await sys.advanceCase(first, steps);
    await sys.certnCtl('POST', `/cases/${first}/side-path`, { status: side });
    expect((await sys.result(team.id, opp)).status).toBe(ended);

    await sys.moveTo(opp, 'Phone Screen');
    await sys.moveTo(opp, TRIGGER_STAGE);
    const second = await newCase(opp, first);
    expect(await sys.casesFor(addr)).toHaveLength(2);
    await sys.waitForStatus(team.id, opp, 'Pending');
    expect(await certnTags(opp)).toEqual(['CERTN - Pending']);

    // While the new case is open, a re-entry orders nothing.
    await sys.moveTo(opp, 'Phone Screen');
    await sys.moveTo(opp, TRIGGER_STAGE);
    await sys.waitForIdle(team.id, opp);
    expect(await sys.casesFor(addr)).toHaveLength(2);

    await sys.advanceCase(second, 20);
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe('Complete');
    expect(done.caseId).toBe(second);

    // After Complete, a re-entry follows the complete case and orders nothing.
    const { runId } = await sys.handle(team.id, opp).describe();
    await sys.moveTo(opp, 'Phone Screen');
    await sys.moveTo(opp, TRIGGER_STAGE);
    await sys.waitFor('the re-entry run', async () => {
      const d = await sys.handle(team.id, opp).describe();
      return d.runId !== runId && d.status.name === 'COMPLETED' ? d : undefined;
    });
    const again = await sys.result(team.id, opp);
    expect(again.transitions.map((t) => t.status)).toEqual(['Resumed', 'Complete']);
    expect(again.caseId).toBe(second);
    expect(await sys.casesFor(addr)).toHaveLength(2);
    expect(await certnTags(opp)).toEqual(['CERTN - Complete']);
  });

  it('a case cancelled with results already in is not re-ordered', async () => {
    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const first = await caseIdOf(opp);
    await sys.advanceCase(first, 6); // submitted, in progress, one check complete
    await sys.waitForStatus(team.id, opp, 'Partial');
    await sys.certnCtl('POST', `/cases/${first}/side-path`, { status: 'CANCELLED' });
    expect((await sys.result(team.id, opp)).status).toBe('Cancelled');
    const { runId } = await sys.handle(team.id, opp).describe();
    await sys.moveTo(opp, 'Phone Screen');
    await sys.moveTo(opp, TRIGGER_STAGE);
    await sys.waitFor('the re-entry run', async () => {
      const d = await sys.handle(team.id, opp).describe();
      return d.runId !== runId && d.status.name === 'COMPLETED' ? d : undefined;
    });
    expect((await sys.result(team.id, opp)).caseId).toBe(first);
    expect(await sys.casesFor(addr)).toHaveLength(1);
  });
});

describe('check types as the account allows', () => {
  it('accepts any well-formed type; one Certn rejects is reported at the first order, with the package named', async () => {
    const bad = await sys.admin('POST', `/teams/${team.id}/packages`, { name: 'Odd', checkTypes: ['lower_case'] });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json.fields)).toEqual(['checkTypes.0']);
    const made = await sys.admin('POST', `/teams/${team.id}/packages`, {
      name: 'Overseas',
      checkTypes: ['CRIMINAL_RECORD_CHECK', 'MARS_COLONY_RECORD_1'],
    });
    expect(made.status).toBe(201);

    const addr = email();
    const opp = await sys.createCandidate({ emails: [addr], tags: ['Overseas'] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    const failure = await sys.result(team.id, opp).then(
      () => undefined,
      (err: Error & { cause?: Error }) => err,
    );
    expect(String(failure?.cause?.message ?? failure?.message)).toMatch(/package Overseas/);
    const state = await sys.state(team.id, opp);
    expect(state.status).toBe('NotOrdered');
    expect(state.lastError).toMatch(/Certn refused package Overseas: .*MARS_COLONY_RECORD_1/);
    expect(await certnTags(opp)).toEqual(['CERTN - Error (Not Ordered)']);
    expect(await sys.casesFor(addr)).toHaveLength(0);
  });
});
