// The mission end to end: a recruiter moves a candidate into the trigger stage in the Lever sandbox, which sends
// the signed webhook to the API; the workflow orders a Certn case in the Certn sandbox and keeps Lever current.
import { PDFDocument } from 'pdf-lib';
import { System, Team, TRIGGER_STAGE } from '../harness/system';

let sys: System;
let team: Team;

beforeAll(async () => {
  sys = await System.start({ certnStepMs: null });
  team = await sys.setupTeam();
});
afterAll(async () => {
  await sys?.stop();
});

describe('a check from stage change to attached PDF', () => {
  it('tags Pending → Analyzing → Partial → Complete, links the report, attaches one PDF, leaves one note', async () => {
    const opp = await sys.createCandidate({ emails: ['grace@example.com'] });
    await sys.moveTo(opp, TRIGGER_STAGE);

    // Certn moves one step at a time; after each step its callback reaches the workflow, which updates Lever.
    const pending = await sys.waitForStatus(team.id, opp, 'Pending');
    const caseId = await sys.waitFor('the case id', async () => (await sys.state(team.id, opp)).caseId);
    expect(pending.packageName).toBe('Standard');
    await sys.advanceCase(caseId, 4); // invited, opened, started, submitted
    await sys.waitForStatus(team.id, opp, 'Analyzing');
    await sys.advanceCase(caseId, 1); // in progress
    await sys.advanceCase(caseId, 1); // first check complete
    await sys.waitForStatus(team.id, opp, 'Partial');
    await sys.advanceCase(caseId, 1); // last check complete: the case is complete
    const result = await sys.result(team.id, opp);
    expect(result.status).toBe('Complete');
    expect(result.packageName).toBe('Standard');

    expect(await sys.certnTagSequence(opp)).toEqual([
      'CERTN - Pending',
      'CERTN - Analyzing',
      'CERTN - Partial',
      'CERTN - Complete',
    ]);
    const o = await sys.opportunity(opp);
    expect(o.data.tags.filter((t: string) => t.startsWith('CERTN - '))).toEqual(['CERTN - Complete']);

    // Exactly one case, for this candidate, with the default package's checks.
    const cases = await sys.casesFor('grace@example.com');
    expect(cases).toHaveLength(1);
    expect(cases[0].checks.map((c: { check_type: string }) => c.check_type).sort()).toEqual(
      ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1'].sort(),
    );
    expect(result.caseId).toBe(cases[0].id);

    // One live report link: the final one (the interim one was swapped out).
    const reportLinks = (o.links as string[]).filter((l) => l.includes('/reports/'));
    expect(reportLinks).toHaveLength(1);
    expect(reportLinks[0]).toContain('/final?sig=');

    // The link works: it redirects to a fresh PDF from Certn.
    const click = await fetch(reportLinks[0]!, { redirect: 'manual' });
    expect(click.status).toBe(302);
    const pdfRes = await fetch(click.headers.get('location')!);
    expect(
      Buffer.from(await pdfRes.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');

    // One file, a valid PDF.
    expect(o.files).toHaveLength(1);
    const file = await fetch(o.files[0].contentUrl);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const pdf = await PDFDocument.load(bytes);
    expect(pdf.getPageCount()).toBeGreaterThanOrEqual(1);

    // One summary note naming the case.
    expect(o.notes).toHaveLength(1);
    expect(JSON.stringify(o.notes[0])).toContain(cases[0].id);

    // happy-path.json keeps the shape before the lean following loop (patch lean-following-1); this one the new.
    const events = await sys.recordHistory(team.id, opp, 'happy-path-lean');
    // Issue 12's bar: a happy-path check in at most 90 events (124 before the lean shape, 58 after).
    console.log(`history events for one completed check: ${events}`);
    expect(events).toBeLessThanOrEqual(90);
  });
});
