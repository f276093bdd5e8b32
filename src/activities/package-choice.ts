// Which package a check orders: the first team package a candidate tag names (trimmed, any case), else the default.
import { Package, matchKey } from '../settings/store';

/**
 * The first team package (in the team's order) whose name matches one of the candidate's tags, trimmed and
 * ignoring case; otherwise the default package; null when neither exists.
 */
export function choosePackage(tags: string[], packages: Package[], defaultPackageId: string | null): Package | null {
  const tagKeys = new Set(tags.map(matchKey));
  const named = packages.find((p) => tagKeys.has(matchKey(p.name)));
  if (named) return named;
  return packages.find((p) => p.id === defaultPackageId) ?? null;
}
