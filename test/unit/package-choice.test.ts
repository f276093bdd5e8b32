// Unit tests of package choice: candidate tags override the default, matched trimmed and case-insensitively.
import { choosePackage } from '../../src/activities/package-choice';
import type { Package } from '../../src/settings/store';

const pkg = (id: string, name: string): Package => ({
  id,
  teamId: 't',
  name,
  checkTypes: ['CRIMINAL_RECORD_CHECK'],
  createdAt: '',
  updatedAt: '',
});
const packages = [pkg('a', 'Standard'), pkg('b', 'Executive Plus'), pkg('c', 'Driver')];

describe('choosePackage', () => {
  it('takes a package named by a tag, trimmed and ignoring case', () => {
    expect(choosePackage(['referral', '  executive PLUS '], packages, 'a')?.id).toBe('b');
  });
  it('takes the first team package that a tag names when several do', () => {
    expect(choosePackage(['driver', 'executive plus'], packages, 'a')?.id).toBe('b');
  });
  it('falls back to the default', () => {
    expect(choosePackage(['nothing'], packages, 'c')?.id).toBe('c');
  });
  it('returns null without a match or a default', () => {
    expect(choosePackage([], packages, null)).toBeNull();
  });
});
