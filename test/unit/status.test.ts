// Unit tests of status derivation: Certn case → check status → Lever tag, monotonic progress.
import { CaseSnapshot, STATUS_TAGS, isCertnTag, nextStatus, statusFromCase } from '../../src/workflows/status';

const snap = (overallStatus: string, checks: string[] = []): CaseSnapshot => ({
  overallStatus,
  checks: checks.map((status, i) => ({ id: `k${i}`, status })),
});

describe('statusFromCase (the tag table of contracts/certn.md)', () => {
  it.each([
    ['CASE_ORDERED', [], 'Pending'],
    ['APPLICANT_INVITED', [], 'Pending'],
    ['APPLICANT_OPENED', [], 'Pending'],
    ['APPLICANT_STARTED', [], 'Pending'],
    ['APPLICANT_SUBMITTED', ['PENDING', 'PENDING'], 'Analyzing'],
    ['IN_PROGRESS', ['IN_PROGRESS', 'PENDING'], 'Analyzing'],
    ['IN_PROGRESS', ['COMPLETE', 'IN_PROGRESS'], 'Partial'],
    ['COMPLETE', ['COMPLETE', 'COMPLETE'], 'Complete'],
    ['CANCELLED', [], 'Cancelled'],
    ['INVITE_UNDELIVERABLE', [], 'InviteUndeliverable'],
    ['APPLICANT_EXPIRED', [], 'ApplicantExpired'],
    ['IN_DISPUTE', ['COMPLETE'], 'InDispute'],
    ['APPLICANT_ACTION_REQUIRED', [], 'ActionRequired'],
    ['CLIENT_ACTION_REQUIRED', [], 'ActionRequired'],
    ['SOMETHING_NEW', [], 'Pending'],
  ])('%s with checks %j → %s', (overall, checks, expected) => {
    expect(statusFromCase(snap(overall, checks as string[]))).toBe(expected);
  });
});

describe('nextStatus never moves the main line back', () => {
  it('moves forward', () => {
    expect(nextStatus('Pending', 'Analyzing')).toEqual({ shown: 'Analyzing', progress: 'Analyzing' });
    expect(nextStatus('Analyzing', 'Partial')).toEqual({ shown: 'Partial', progress: 'Partial' });
  });
  it('holds the highest status reached when a read says less', () => {
    expect(nextStatus('Partial', 'Analyzing')).toEqual({ shown: 'Partial', progress: 'Partial' });
    expect(nextStatus('Analyzing', 'Pending')).toEqual({ shown: 'Analyzing', progress: 'Analyzing' });
  });
  it('shows side states and comes back to the highest main-line status', () => {
    const side = nextStatus('Partial', 'InDispute');
    expect(side).toEqual({ shown: 'InDispute', progress: 'Partial' });
    expect(nextStatus(side.progress, 'Analyzing')).toEqual({ shown: 'Partial', progress: 'Partial' });
  });
});

describe('tags', () => {
  it('names the five seed tags exactly', () => {
    expect(STATUS_TAGS.Pending).toBe('CERTN - Pending');
    expect(STATUS_TAGS.Analyzing).toBe('CERTN - Analyzing');
    expect(STATUS_TAGS.Partial).toBe('CERTN - Partial');
    expect(STATUS_TAGS.Complete).toBe('CERTN - Complete');
    expect(STATUS_TAGS.ErrorNoEmail).toBe('CERTN - Error (No Email)');
  });
  it('recognises the family, ignoring case and spaces around', () => {
    expect(isCertnTag(' certn - Pending')).toBe(true);
    expect(isCertnTag('Certification')).toBe(false);
    expect(isCertnTag('Standard')).toBe(false);
  });
});
