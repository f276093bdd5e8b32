// Figure 2: the share of Lever's 10 req/s one busy team uses with zero 429s — B candidates of one team moved at
// once, Certn fast, so Lever's budget is what bounds the run; requests/s over the steady part ÷ 10, 429s as the
// Lever sandbox counted them, and checks completed per second.
import { System } from '../test/harness/system';
import { FigureResult } from './report';
import { KNOBS, progress } from './setup';
import { fmt, steadyRate } from './stats';
import { createCandidates, moveAll, resultsOf } from './teams';

/** Lever's published limit per API key. */
const LEVER_PER_SECOND = 10;

export async function busyTeamFigure(): Promise<FigureResult> {
  const n = KNOBS.busyTeam;
  progress(`(2) one busy team: ${n} candidates at once...`);
  const sys = await System.start({ certnStepMs: KNOBS.stepMs });
  try {
    const team = await sys.setupTeam();
    const candidates = await createCandidates(
      sys,
      [{ id: team.id, leverHookUrl: team.leverHookUrl, certnHookUrl: team.certnHookUrl }],
      n,
    );
    const started = Date.now();
    await moveAll(sys, candidates);
    const results = await resultsOf(sys, candidates);
    const wallS = (Date.now() - started) / 1000;

    const log = (await sys.leverCtl('GET', '/requests')).data as { at: number; status: number }[];
    const mine = log.filter((r) => r.at >= started);
    const rate = steadyRate(mine.map((r) => r.at));
    const share = rate.perSecond / LEVER_PER_SECOND;
    const rejected = mine.filter((r) => r.status === 429).length;
    const complete = results.filter((r) => r.status === 'Complete').length;
    const checksPerS = n / wallS;
    const section = [
      "## 2. One busy team: share of Lever's 10 req/s, 429s, checks per second",
      '',
      `${n} candidates of one team moved at once; Certn steps every ${KNOBS.stepMs} ms, so Lever's budget bounds the run.`,
      `${mine.length} Lever requests in ${fmt(wallS, 1)} s; over the steady part (the middle 80 % of the span between the`,
      `first and the last request, ${fmt(rate.windowMs / 1000, 1)} s) ${fmt(rate.perSecond, 2)} requests/s = **${fmt(share, 2)}** of 10/s;`,
      `**${rejected}** answered 429 by the sandbox (which enforces 10/s with a burst of 20 per key). ${complete}/${n} checks`,
      `ended Complete; **${fmt(checksPerS, 2)}** checks completed per second (all ${n}, from the first move to the last close).`,
    ].join('\n');
    return {
      section,
      rows: [
        {
          figure: "share of Lever's 10 req/s one busy team uses, 429s",
          measured: `${fmt(share, 2)}, ${rejected} × 429`,
          bar: '≥ 0.95, zero 429s',
          met: share >= 0.95 && rejected === 0,
        },
        {
          figure: 'checks per second for one busy team',
          measured: fmt(checksPerS, 2),
          bar: '≥ 0.95',
          met: checksPerS >= 0.95,
        },
      ],
    };
  } finally {
    await sys.stop();
  }
}
