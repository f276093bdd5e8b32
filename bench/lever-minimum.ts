// The design's minimum number of Lever calls for a check, from the status tags it showed: what the Lever API
// cannot do with fewer calls, stated next to the measured count (issue 12 point 1).
import { table } from './stats';

export interface MinimumCalls {
  total: number;
  parts: Record<string, number>;
}

/**
 * - 1 read: the webhook's `data` is unsigned, so the stage entry is confirmed from the API; the same read gives the
 *   e-mails and the tags (package choice). No other read is needed on a first, uninterrupted run.
 * - first status tag: 1 `addTags` (the read showed no `CERTN - …` tag on a fresh candidate).
 * - each later status: 2 — Lever's tag endpoints are deltas (`addTags`, `removeTags`), there is no "replace".
 * - report link: 1 `addLinks` at first results (Partial); at completion 1 `addLinks` for the final link, plus
 *   1 `removeLinks` only if the interim one was added (one live link).
 * - completion: 1 file upload (the PDF) and 1 note; no listing before them unless the run is a retry or resumed.
 */
export function minimumLeverCalls(tags: string[]): MinimumCalls {
  const parts: Record<string, number> = { 'read opportunity': 1 };
  if (tags.length > 0) parts['status tags'] = 1 + 2 * (tags.length - 1);
  const interim = tags.includes('CERTN - Partial');
  const complete = tags.includes('CERTN - Complete');
  const links = (interim ? 1 : 0) + (complete ? 1 + (interim ? 1 : 0) : 0);
  if (links > 0) parts['report links'] = links;
  if (complete) {
    parts['PDF upload'] = 1;
    parts['summary note'] = 1;
  }
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

const PATHS: [string, string[]][] = [
  ['sees every status', ['CERTN - Pending', 'CERTN - Analyzing', 'CERTN - Partial', 'CERTN - Complete']],
  ['Certn finishes before the check catches up', ['CERTN - Pending', 'CERTN - Complete']],
  ['one intermediate status seen', ['CERTN - Pending', 'CERTN - Analyzing', 'CERTN - Complete']],
  ['no e-mail (nothing ordered)', ['CERTN - Error (No Email)']],
  ['cancelled while Pending', ['CERTN - Pending', 'CERTN - Cancelled']],
];

/** The short table for the report: the design's minimum per path and why. */
export function minimumTable(): string {
  return table(
    ['path', 'tags shown', 'minimum Lever calls', 'made of'],
    PATHS.map(([name, tags]) => {
      const m = minimumLeverCalls(tags);
      return [
        name,
        tags.map((t) => t.replace('CERTN - ', '')).join(' → '),
        m.total,
        Object.entries(m.parts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ];
    }),
  );
}
