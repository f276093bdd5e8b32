// Figures 1 and 4: Lever calls per completed check (K moved at once, and one check that sees every status) counted
// per endpoint from the Lever sandbox's request log, beside the design's minimum; history events per check.
import { randomBytes } from 'node:crypto';
import { checkWorkflowId } from '../src/workflows/definitions';
import { System } from '../test/harness/system';
import { minimumLeverCalls, minimumTable } from './lever-minimum';
import { FigureResult } from './report';
import { KNOBS, progress, sleep } from './setup';
import { fmt, mapLimit, percentile, table } from './stats';
import { Candidate, moveAll, resultsOf } from './teams';

interface Phase {
  checks: number;
  perEndpoint: Record<string, number>;
  calls: number;
  minimum: number;
  history: number[];
  tagSequences: string[][];
  ok: number;
}

const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

async function phase(sys: System, teamId: string, k: number): Promise<Phase> {
  const suffix = randomBytes(3).toString('hex');
  const candidates: Candidate[] = await mapLimit(
    Array.from({ length: k }, (_, i) => `bench-${suffix}-${i}@example.com`),
    8,
    async (email) => ({ teamId, email, opportunityId: await sys.createCandidate({ emails: [email] }) }),
  );
  await moveAll(sys, candidates);
  const results = await resultsOf(sys, candidates);

  // Calls are attributed by the opportunity id in their path, so nothing else running can be counted.
  const mine = new Set(candidates.map((c) => c.opportunityId));
  const log = (await sys.leverCtl('GET', '/requests')).data as { method: string; path: string }[];
  const perEndpoint: Record<string, number> = {};
  let calls = 0;
  for (const r of log) {
    const ids = r.path.match(ID) ?? [];
    if (!ids.some((id) => mine.has(id))) continue;
    const key = `${r.method} /v1${r.path.replace(ID, ':id')}`;
    perEndpoint[key] = (perEndpoint[key] ?? 0) + 1;
    calls++;
  }
  const details = await mapLimit(candidates, 4, async (c) => {
    const [tags, history] = await Promise.all([
      sys.certnTagSequence(c.opportunityId),
      sys.client.workflow.getHandle(checkWorkflowId(teamId, c.opportunityId)).fetchHistory(),
    ]);
    return { tags, events: history.events?.length ?? 0 };
  });
  return {
    checks: k,
    perEndpoint,
    calls,
    minimum: details.reduce((s, d) => s + minimumLeverCalls(d.tags).total, 0),
    history: details.map((d) => d.events),
    tagSequences: details.map((d) => d.tags),
    ok: results.filter((r) => r.status === 'Complete').length,
  };
}

export async function leverCallsFigure(): Promise<{ result: FigureResult; historyEvents: number[] }> {
  const k = KNOBS.callsAtOnce;
  progress(`(1, 4) Lever calls and history events: one check seeing every status, then ${k} at once...`);
  const sys = await System.start({ certnStepMs: KNOBS.stepMs });
  try {
    const team = await sys.setupTeam();
    await phase(sys, team.id, 1); // warm-up: worker cache, connections
    await sys.certnCtl('PUT', '/auto-advance', { enabled: true, stepDelayMs: KNOBS.slowStepMs });
    const single = await phase(sys, team.id, 1);
    await sys.certnCtl('PUT', '/auto-advance', { enabled: true, stepDelayMs: KNOBS.stepMs });
    await sleep(2500); // the team's Lever budget fills up again
    const many = await phase(sys, team.id, k);

    const seq = single.tagSequences[0] ?? [];
    const everyStatus = ['Pending', 'Analyzing', 'Partial', 'Complete'].every((s) => seq.includes(`CERTN - ${s}`));
    const perCheck = (p: Phase) => p.calls / p.checks;
    const endpoints = [...new Set([...Object.keys(single.perEndpoint), ...Object.keys(many.perEndpoint)])].sort();
    const history = [...single.history, ...many.history];
    const section = [
      '## 1. Lever calls per completed check',
      '',
      `One check alone with Certn stepping every ${KNOBS.slowStepMs} ms (so that each status is read: it showed`,
      `${seq.map((t) => t.replace('CERTN - ', '')).join(' → ') || 'no tags'}${everyStatus ? '' : ' — **not every status; raise BENCH_SLOW_STEP_MS**'}), then`,
      `${k} moved at once with Certn stepping every ${KNOBS.stepMs} ms. Counted from the Lever sandbox's request log,`,
      'by the opportunity id in the path; "design minimum" adds up, for the tags each check actually showed, the',
      'calls the table below cannot do without.',
      '',
      table(
        ['Lever endpoint', 'one check, every status', `${k} at once, per check`],
        endpoints.map((e) => [`\`${e}\``, single.perEndpoint[e] ?? 0, fmt((many.perEndpoint[e] ?? 0) / k, 2)]),
      ),
      `| **total** | **${single.calls}** (minimum ${single.minimum}) | **${fmt(perCheck(many), 2)}** (minimum ${fmt(many.minimum / k, 2)}) |`,
      '',
      `Checks ending Complete: ${single.ok}/1 and ${many.ok}/${k}.`,
      '',
      "The design's minimum per path and why: the webhook's data is unsigned, so one read confirms the stage entry and",
      "gives the e-mails and tags at once; Lever's tag endpoints are deltas, so a status change costs a remove and an",
      'add (the first tag only an add); one report link is live, so the final link replaces the interim one only if',
      'that was added; the PDF and the note are one call each, with no listing before them unless the run is a retry',
      'or a resumed one.',
      '',
      minimumTable(),
      '',
      '## 4. History events per completed happy-path check',
      '',
      `Over the ${history.length} checks of figure 1: median ${percentile(history, 50)}, max ${Math.max(...history)}`,
      `(the one seeing every status: ${single.history[0] ?? 'n/a'}).`,
    ].join('\n');
    return {
      historyEvents: history,
      result: {
        section,
        rows: [
          {
            figure: `Lever calls per completed check, ${k} at once`,
            measured: `${fmt(perCheck(many), 1)} (design minimum ${fmt(many.minimum / k, 1)})`,
            bar: '≤ 10',
            met: perCheck(many) <= 10,
          },
          {
            figure: 'Lever calls per completed check, one seeing every status',
            measured: `${single.calls} (design minimum ${single.minimum}${everyStatus ? '' : '; not every status seen'})`,
            bar: '≤ 14',
            met: single.calls <= 14 && everyStatus,
          },
          {
            figure: 'history events per completed happy-path check',
            measured: `median ${percentile(history, 50)}, max ${Math.max(...history)}`,
            bar: '≤ 90',
            met: Math.max(...history) <= 90,
          },
        ],
      },
    };
  } finally {
    await sys.stop();
  }
}
