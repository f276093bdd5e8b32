// Advance on clear (what Checkr's Lever integration does) and the plain "CERTN - Complete" setting, end to end on the
// real dev server with the sandboxes. One team in this file: every team's webhook hears every stage change.
import { randomUUID } from 'node:crypto';
import { System, Team, TRIGGER_STAGE } from '../harness/system';

const OFFER_ID = 'offer'; // the Lever sandbox's seed stage "Offer"
const TRIGGER_ID = '3f0c4b2e-8b1a-4c55-9a70-6d2b0f1e1a02';

let sys: System;
let team: Team;

beforeAll(async () => {
  sys = await System.start({ certnStepMs: null, pollIntervalMs: 60_000 });
  team = await sys.setupTeam();
  const set = await sys.admin('PATCH', `/teams/${team.id}`, { lever: { advanceStageName: ' offer ' } });
  expect(set.status).toBe(200);
  expect(set.json.lever).toMatchObject({ advanceStageName: 'offer', plainCompleteTag: false });
});
afterAll(async () => {
  await sys?.stop();
});

const email = () => `cand-${randomUUID().slice(0, 8)}@example.com`;
const certnTags = async (opp: string): Promise<string[]> =>
  (await sys.opportunity(opp)).data.tags.filter((t: string) => t.startsWith('CERTN - '));
const stageChanges = async (opp: string): Promise<{ toStageId: string }[]> =>
  (await sys.opportunity(opp)).data.stageChanges;
const stageOf = async (opp: string): Promise<string> => (await sys.opportunity(opp)).data.stage.id;

/** A candidate in the trigger stage with an open case; returns both. */
async function ordered(addr = email()): Promise<{ opp: string; caseId: string; addr: string }> {
  const opp = await sys.createCandidate({ emails: [addr] });
  await sys.moveTo(opp, TRIGGER_STAGE);
  const caseId = await sys.waitFor('the case id', async () => (await sys.state(team.id, opp)).caseId);
  return { opp, caseId, addr };
}

async function complete(caseId: string, score: 'CLEAR' | 'REVIEW' | null) {
  await sys.certnCtl('PUT', `/cases/${caseId}/score`, { score });
  await sys.advanceCase(caseId, 20);
}

describe('advance on clear', () => {
  it('Clear moves the candidate to the advance stage once; the webhook of that move orders nothing', async () => {
    const { opp, caseId, addr } = await ordered();
    const before = await stageChanges(opp);
    const { runId } = await sys.handle(team.id, opp).describe();
    await complete(caseId, 'CLEAR');
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe('Complete');
    expect(done.advance).toBe('advanced');
    expect(done.transitions.at(-1)).toMatchObject({ status: 'Complete', detail: 'moved to stage "Offer"' });
    expect(await stageOf(opp)).toBe(OFFER_ID);
    const after = await stageChanges(opp);
    expect(after).toHaveLength(before.length + 1); // exactly one move, by the service
    expect(after.at(-1)!.toStageId).toBe(OFFER_ID);
    expect(await certnTags(opp)).toEqual(['CERTN - Complete (Clear)']);
    const o = await sys.opportunity(opp);
    expect(o.notes).toHaveLength(1);
    expect(o.notes[0].value).toContain('Certn background check Complete (Clear), moved to stage "Offer".');

    // Lever told us about our own move: delivered (2xx), and it is not the trigger stage, so nothing started.
    await sys.lever.webhooksIdle();
    const deliveries = (await sys.leverCtl('GET', `/deliveries?opportunityId=${opp}`)).data as {
      state: string;
      payload: { data: { toStageId: string } };
    }[];
    const ours = deliveries.filter((d) => d.payload.data.toStageId === OFFER_ID);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.state).toBe('delivered');
    const d = await sys.handle(team.id, opp).describe();
    expect(d.runId).toBe(runId);
    expect(d.status.name).toBe('COMPLETED');
    expect(await sys.casesFor(addr)).toHaveLength(1);
    await sys.recordHistory(team.id, opp, 'advanced-on-clear'); // the replay fixture (RECORD_HISTORIES=1)
  });

  it.each([['REVIEW'], [null]] as const)('score %s leaves the candidate where they are', async (score) => {
    const { opp, caseId } = await ordered();
    const before = await stageChanges(opp);
    await complete(caseId, score);
    const done = await sys.result(team.id, opp);
    expect(done.status).toBe('Complete');
    expect(done.advance).toBeUndefined();
    expect(await stageOf(opp)).toBe(TRIGGER_ID);
    expect(await stageChanges(opp)).toHaveLength(before.length);
  });

  it('a candidate the recruiter moved on before Complete is not moved, and the note says so', async () => {
    const { opp, caseId } = await ordered();
    await sys.moveTo(opp, 'Phone screen');
    const before = await stageChanges(opp);
    await complete(caseId, 'CLEAR');
    const done = await sys.result(team.id, opp);
    expect(done.advance).toBe('moved_on');
    expect(done.transitions.at(-1)!.detail).toMatch(/not moved to stage "offer": the candidate had already left/);
    expect(await stageOf(opp)).toBe('3f0c4b2e-8b1a-4c55-9a70-6d2b0f1e1a01');
    expect(await stageChanges(opp)).toHaveLength(before.length);
    expect((await sys.opportunity(opp)).notes[0].value).toMatch(/Complete \(Clear\), not moved to stage "offer"/);
  });

  it('an advance stage renamed in Lever since it was saved is reported, and the check still finishes', async () => {
    // Saving checks the name against Lever; renaming the stage in Lever afterwards is what this covers.
    const offer = sys.lever.state.stages.find((s) => s.id === OFFER_ID)!;
    offer.text = 'Offer (old)';
    try {
      const { opp, caseId } = await ordered();
      await complete(caseId, 'CLEAR');
      const done = await sys.result(team.id, opp);
      expect(done.status).toBe('Complete');
      expect(done.advance).toBe('stage_missing');
      expect(done.lastError).toBe('advance stage: no Lever stage is named "offer" any more');
      expect(done.transitions.at(-1)!.detail).toMatch(/not moved: no Lever stage is named "offer"/);
      expect(await stageOf(opp)).toBe(TRIGGER_ID);
      expect(done.noteAdded).toBe(true);
    } finally {
      offer.text = 'Offer';
    }
  });
});

describe('plain "CERTN - Complete"', () => {
  it('tags the plain Complete even with a result; the note still says Clear', async () => {
    const set = await sys.admin('PATCH', `/teams/${team.id}`, { lever: { plainCompleteTag: true } });
    expect(set.json.lever.plainCompleteTag).toBe(true);
    try {
      const { opp, caseId } = await ordered();
      await sys.certnCtl('POST', `/cases/${caseId}/advance`, { steps: 1 }); // a status tag before Complete
      await complete(caseId, 'CLEAR');
      const done = await sys.result(team.id, opp);
      expect(done.result).toBe('Clear');
      expect(await certnTags(opp)).toEqual(['CERTN - Complete']);
      expect(await sys.certnTagSequence(opp)).not.toContain('CERTN - Complete (Clear)');
      expect((await sys.opportunity(opp)).notes[0].value).toContain('Certn background check Complete (Clear)');
    } finally {
      await sys.admin('PATCH', `/teams/${team.id}`, { lever: { plainCompleteTag: false } });
    }
  });
});
