// One step of following a case (activities/case-sync.ts): the Lever updates a Certn read calls for, and only those.
// One piece under test, its three parts faked.
import { ApplicationFailure } from '@temporalio/common';
import { CaseSync, SyncSeen, syncCase } from '../../src/activities/case-sync';
import { LeverApiError } from '../../src/lever/client';
import type { CaseSnapshot } from '../../src/workflows/status';

const INVITED: CaseSnapshot = { overallStatus: 'APPLICANT_INVITED', checks: [{ id: 'k1', status: 'PENDING' }] };
const SUBMITTED: CaseSnapshot = { overallStatus: 'APPLICANT_SUBMITTED', checks: [{ id: 'k1', status: 'PENDING' }] };
const PARTIAL: CaseSnapshot = {
  overallStatus: 'IN_PROGRESS',
  checks: [
    { id: 'k1', status: 'COMPLETE' },
    { id: 'k2', status: 'PENDING' },
  ],
};
const DONE: CaseSnapshot = { overallStatus: 'COMPLETE', checks: [{ id: 'k1', status: 'COMPLETE' }], result: 'Clear' };

function step(snapshot: CaseSnapshot, seen: Partial<SyncSeen>, fail?: { tag?: unknown; link?: unknown }) {
  const calls: string[] = [];
  const run = syncCase(
    { status: 'Pending', progress: 'Pending', interimAdded: false, lever: true, ...seen },
    {
      readCase: async () => snapshot,
      setStatusTag: async (status, result) => {
        calls.push(`tag ${status}${result ? ` ${result}` : ''}`);
        if (fail?.tag) throw fail.tag;
      },
      setReportLink: async (kind, interimAdded) => {
        calls.push(`link ${kind}${interimAdded ? ' replacing interim' : ''}`);
        if (fail?.link) throw fail.link;
      },
    },
  );
  return { run, calls };
}

const lever = (status: number) => new LeverApiError({ status, code: 'Err', message: 'lever said no' });

describe('syncCase', () => {
  it('a read that changes nothing writes nothing to Lever', async () => {
    const { run, calls } = step(INVITED, {});
    expect(await run).toEqual({ snapshot: INVITED });
    expect(calls).toEqual([]);
  });

  it('a new status swaps the tag; first results add the interim link in the same step', async () => {
    const a = step(SUBMITTED, {});
    await a.run;
    expect(a.calls).toEqual(['tag Analyzing']);
    const b = step(PARTIAL, { status: 'Analyzing', progress: 'Analyzing' });
    expect(await b.run).toMatchObject({ link: 'interim', linkTried: 'interim' });
    expect(b.calls).toEqual(['tag Partial', 'link interim']);
  });

  it('completion shows the result tag and the final link, which replaces the interim one', async () => {
    const { run, calls } = step(DONE, {
      status: 'Partial',
      progress: 'Partial',
      reportLink: 'interim',
      interimAdded: true,
    });
    expect(await run).toMatchObject({ link: 'final' });
    expect(calls).toEqual(['tag Complete Clear', 'link final replacing interim']);
  });

  it('never backwards: a late read of an earlier status writes nothing', async () => {
    const { run, calls } = step(SUBMITTED, { status: 'Partial', progress: 'Partial', reportLink: 'interim' });
    await run;
    expect(calls).toEqual([]);
  });

  it('a Lever refusal for good is reported, the step still returns the case; a passing error retries the step', async () => {
    const refused = step(PARTIAL, { status: 'Analyzing', progress: 'Analyzing' }, { tag: lever(403) });
    const out: CaseSync = await refused.run;
    expect(out.leverErrors).toHaveLength(1);
    expect(out.leverErrors![0]).toMatch(/^tag Partial: Lever 403/);
    expect(out.link).toBe('interim'); // the link is still added
    const busy = step(SUBMITTED, {}, { tag: lever(503) });
    await expect(busy.run).rejects.toBeInstanceOf(ApplicationFailure);
  });

  it('an opportunity deleted in Lever: the case is read, nothing is written', async () => {
    const { run, calls } = step(DONE, { lever: false });
    expect(await run).toEqual({ snapshot: DONE });
    expect(calls).toEqual([]);
  });
});
