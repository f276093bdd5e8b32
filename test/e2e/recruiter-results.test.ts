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
