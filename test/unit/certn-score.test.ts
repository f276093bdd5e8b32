// The assumed `score` field of a Certn case (contracts/certn.md): read in one place, anything unknown is no split.
import { CertnCase } from '../../src/certn/schemas';

const base = { id: 'c1', email_address: 'a@example.com', overall_status: 'COMPLETE', created: 'x', modified: 'x' };

describe('CertnCase score', () => {
  it.each([
    ['CLEAR', 'CLEAR'],
    ['REVIEW', 'REVIEW'],
    ['clear', 'CLEAR'],
    [null, undefined],
    [undefined, undefined],
    ['CONSIDER', undefined],
    [3, undefined],
  ])('%p reads as %p', (score, expected) => {
    expect(CertnCase.parse({ ...base, score }).score).toBe(expected);
  });
});
