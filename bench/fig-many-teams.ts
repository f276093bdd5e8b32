// Figure 7: many teams (Lever's limit does not bind: each team has its own key) — checks completed per second next
// to a bare workflow with the same number of no-op activities and timers on the same server, the engine's ceiling.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { checkWorkflowId } from '../src/workflows/definitions';
import { System } from '../test/harness/system';
import { startRelay } from './relay';
import { FigureResult } from './report';
import { KNOBS, progress, quietBundlerLogger } from './setup';
import { fmt, mapLimit, percentile } from './stats';
import { createCandidates, moveAll, resultOf, setupTeams } from './teams';

/** Certn's lifecycle steps for the two-check default package (invited … check 2 complete). */
const CERTN_STEPS = 7;

interface ChecksRun {
  perSecond: number;
  wallMs: number;
  complete: number;
  n: number;
  activities: number;
  timers: number;
  leverRequests: number;
}

async function checksPerSecond(): Promise<ChecksRun> {
  const sys = await System.start({ certnStepMs: KNOBS.stepMs });
  const relay = await startRelay(sys);
  try {
    const teams = await setupTeams(sys, relay, KNOBS.manyTeams);
    const candidates = await createCandidates(sys, teams, KNOBS.perTeam, relay);
    const leverBefore: number = (await sys.leverCtl('GET', '/requests')).counters.requests;
    const t0 = Date.now();
    await moveAll(sys, candidates);
    const results = await Promise.all(candidates.map((c) => resultOf(sys, c)));
    const wallMs = Date.now() - t0;
    // The bare workflow copies the median check's shape: activities scheduled and timers started.
    const shapes = await mapLimit(candidates.slice(0, 10), 4, async (c) => {
      const events =
        (await sys.client.workflow.getHandle(checkWorkflowId(c.teamId, c.opportunityId)).fetchHistory()).events ?? [];
      return {
        activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
        timers: events.filter((e) => e.timerStartedEventAttributes).length,
      };
    });
    const leverRequests = (await sys.leverCtl('GET', '/requests')).counters.requests - leverBefore;
    return {
      perSecond: (candidates.length / wallMs) * 1000,
      wallMs,
      leverRequests,
      complete: results.filter((r) => r.status === 'Complete').length,
      n: candidates.length,
      activities: percentile(
        shapes.map((s) => s.activities),
        50,
      ),
      timers: percentile(
        shapes.map((s) => s.timers),
        50,
      ),
    };
  } finally {
    await relay.stop();
    await sys.stop();
  }
}

async function bareWorkflowsPerSecond(
  address: string,
  n: number,
  activities: number,
  timers: number,
  timerMs: number,
): Promise<number> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, 'bare/workflows.ts'),
    logger: quietBundlerLogger,
  });
  const connection = await NativeConnection.connect({ address });
  const taskQueue = `bench-bare-${randomUUID()}`;
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: { code },
    activities: { noop: async () => undefined },
  });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  try {
    const t0 = Date.now();
    await mapLimit(
      Array.from({ length: n }, (_, i) => i),
      64,
      async () => {
        const h = await client.workflow.start('bareCheck', {
          workflowId: `bare-${randomUUID()}`,
          taskQueue,
          args: [{ activities, timers, timerMs }],
        });
        return h;
      },
    ).then((handles) => Promise.all(handles.map((h) => h.result())));
    return (n / (Date.now() - t0)) * 1000;
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await clientConnection.close();
  }
}

export async function manyTeamsFigure(address: string): Promise<FigureResult> {
  progress(`(7) many teams: ${KNOBS.manyTeams} teams × ${KNOBS.perTeam} candidates, then the bare workflow...`);
  const checks = await checksPerSecond();
  // The bare workflow waits Certn's pace for one case too, spread over its timers (at least one), so both face the
  // same outside wait; only the engine's work differs.
  const timers = Math.max(1, checks.timers);
  const timerMs = Math.ceil((CERTN_STEPS * KNOBS.stepMs) / timers);
  const bare = await bareWorkflowsPerSecond(address, checks.n, checks.activities, timers, timerMs);
  const ratio = checks.perSecond / bare;
  const leverBoundS = Math.max(0, checks.leverRequests / KNOBS.manyTeams - 20) / 10;
  const section = [
    "## 7. Many teams: checks per second vs the engine's ceiling",
    '',
    `${KNOBS.manyTeams} teams × ${KNOBS.perTeam} candidates moved at once (each team its own Lever key, webhooks routed by`,
    `bench/relay.ts), Certn stepping every ${KNOBS.stepMs} ms: ${checks.complete}/${checks.n} Complete, **${fmt(checks.perSecond, 2)}** checks/s`,
    `from the first move to the last close. The bare workflow (bench/bare/workflows.ts), ${checks.n} started at once on the`,
    `same server with an in-process worker: ${checks.activities} no-op activities and ${timers} timer(s) of ${timerMs} ms (the median`,
    `check has ${checks.activities} activities and ${checks.timers} timers; the bare timers add up to Certn's ${CERTN_STEPS} steps of ${KNOBS.stepMs} ms):`,
    `**${fmt(bare, 2)}** workflows/s. Ratio **${fmt(ratio, 2)}**.`,
    '',
    `Lever's share: ${checks.leverRequests} Lever requests, ${fmt(checks.leverRequests / KNOBS.manyTeams, 0)} per team; at 10/s per key after a burst of`,
    `20 that alone takes ≥ ${fmt(leverBoundS, 1)} s per team, against ${fmt(checks.wallMs / 1000, 1)} s for the whole run — if the two are close,`,
    "Lever's limit bound the run, not the engine.",
  ].join('\n');
  return {
    section,
    rows: [
      {
        figure: `many teams (${KNOBS.manyTeams} × ${KNOBS.perTeam}): checks/s ÷ bare workflow/s`,
        measured: `${fmt(checks.perSecond, 2)} ÷ ${fmt(bare, 2)} = ${fmt(ratio, 2)}`,
        bar: '≥ 0.7',
        met: ratio >= 0.7,
      },
    ],
  };
}
