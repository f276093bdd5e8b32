// Figure 7: many teams (Lever's limit does not bind: each team has its own key) — checks completed per second next
// to a bare workflow with the same number of no-op activities and timers on the same server, the engine's ceiling.
import os from 'node:os';
import { checkWorkflowId } from '../src/workflows/definitions';
import { System } from '../test/harness/system';
import { startRelay } from './relay';
import { DevServer } from '../src/temporal/dev-server';
import { BareRun, bareWorkflowsPerSecond } from './bare/run';
import { BareInput } from './bare/workflows';
import { cpuMeter, meanCpu, PhaseCpu } from './phase-cpu';
import { FigureResult } from './report';
import { KNOBS, progress, serviceLog, sleep } from './setup';
import { fmt, mapLimit, percentile } from './stats';
import { Candidate, createCandidates, moveAll, resultsOf, setupTeams } from './teams';

/** Certn's lifecycle steps for the two-check default package (invited … check 2 complete). */
const CERTN_STEPS = 7;

/** The median check's shape: activities scheduled, local activities run (each a marker), timers, history events. */
interface Shape {
  activities: number;
  localActivities: number;
  timers: number;
  events: number;
}

interface ChecksRun {
  /** The shape of 10 checks run first, alone (the bare workflow copies it). */
  pilot: Shape;
  /** The bare workflow run between the pilot and the checks. */
  bareBefore: BareRun;
  perSecond: number;
  wallMs: number;
  complete: number;
  /** The other endings, counted by status (empty when every check ended Complete). */
  others: string;
  n: number;
  activities: number;
  localActivities: number;
  timers: number;
  /** Median history events of a completed check. */
  events: number;
  leverRequests: number;
  /** Lever's stage-change deliveries: answered 2xx at the first attempt, at a later one, or given up on. */
  lever: { firstTry: number; later: number; gaveUp: number };
  /** Seconds from the first move to each check's start and close (server times): p50 / p90 / max. */
  spread: { started: number[]; closed: number[] };
  /** Certn's callbacks: events emitted, attempts made, attempts that timed out; the API's answers by outcome. */
  certn: { events: number; attempts: number; timeouts: number; outcomes: string };
  /** The relay's wait for the API's answer to Lever's deliveries, ms: p50 / p99 / max. */
  forward: number[];
  cpu: PhaseCpu;
}

/** The median shape of these checks' histories (10 of them). */
async function shapeOf(sys: System, candidates: Candidate[]): Promise<Shape> {
  const shapes = await mapLimit(candidates.slice(0, 10), 4, async (c) => {
    const events =
      (await sys.client.workflow.getHandle(checkWorkflowId(c.teamId, c.opportunityId)).fetchHistory()).events ?? [];
    return {
      activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
      localActivities: events.filter((e) => e.markerRecordedEventAttributes).length,
      events: events.length,
      timers: events.filter((e) => e.timerStartedEventAttributes).length,
    };
  });
  const median = (k: keyof Shape) =>
    percentile(
      shapes.map((x) => x[k]),
      50,
    );
  return {
    activities: median('activities'),
    localActivities: median('localActivities'),
    timers: median('timers'),
    events: median('events'),
  };
}

/**
 * The checks, with the bare workflow run just before them (`bare`, given the shape of a pilot of 10 checks) and,
 * by the caller, just after: the dev server grows slower as closed workflows pile up in it (1,000 bare workflows
 * three times over on one fresh server: 11.4, 9.8, 9.3 per second), so a bare run on one side only of the checks
 * would favour whichever ran first.
 */
async function checksPerSecond(serverPid: number, bare: (shape: Shape) => Promise<BareRun>): Promise<ChecksRun> {
  // The API and the worker each in a process of its own, as deployed (README: the API and the worker separately):
  // neither queues behind the sandboxes, the relay and the load generator on one JavaScript thread. With the API in
  // this process, its event loop fell so far behind under 1,000 moves that Lever's 5 s timeout cut off most
  // deliveries (the 2 s deadline on the Temporal call could not help: the answer waited for the loop).
  const sys = await System.start({ certnStepMs: KNOBS.stepMs, worker: false });
  const relay = await startRelay();
  try {
    const worker = await sys.spawnWorker();
    const api = await sys.spawnApi({ CERTN_POLL_INTERVAL_SECONDS: '60' });
    // Teams are set up through the in-process API; their deliveries go to the API process (same store).
    const teams = await setupTeams(sys, relay, KNOBS.manyTeams, api.url);
    // The pilot: 10 checks of the first team alone (their Lever budget refills during the bare run).
    const pilotCandidates = await createCandidates(sys, teams.slice(0, 1), 10, relay);
    await moveAll(sys, pilotCandidates);
    await resultsOf(sys, pilotCandidates);
    const pilot = await shapeOf(sys, pilotCandidates);
    const bareBefore = await bare(pilot);
    const candidates = await createCandidates(sys, teams, KNOBS.perTeam, relay);
    const leverBefore: number = (await sys.leverCtl('GET', '/requests')).counters.requests;
    const t0 = Date.now();
    const meter = cpuMeter(serverPid, { apiPid: api.child.pid!, workerPid: worker.pid! });
    await moveAll(sys, candidates);
    const results = await resultsOf(sys, candidates, undefined, pilotCandidates.length);
    const cpu = meter();
    const wallMs = Date.now() - t0;
    const shape = await shapeOf(sys, candidates);
    const leverRequests = (await sys.leverCtl('GET', '/requests')).counters.requests - leverBefore;
    const complete = results.filter((r) => r.status === 'Complete').length;
    // Lever's side of the stage changes: a check can start from an attempt whose answer came after Lever's timeout.
    const delivered = sys.lever.state.deliveries.filter((d) =>
      candidates.some((c) => c.opportunityId === d.opportunityId),
    );
    const firstTry = delivered.filter((d) => d.state === 'delivered' && d.attempts.length === 1).length;
    const later = delivered.filter((d) => d.state === 'delivered' && d.attempts.length > 1).length;
    const gaveUp = delivered.filter((d) => d.state === 'failed').length;
    const spread = await spreadOf(sys, t0);
    const certnDeliveries = sys.certn.state.accounts.all().flatMap((a) => a.webhooks.deliveries);
    const certnAttempts = certnDeliveries.flatMap((d) => d.attempts);
    const outcomes = new Map<string, number>();
    for (const l of api.lines) {
      const m = l.msg;
      if (typeof m === 'string' && /^certn (event|webhook)/.test(m)) outcomes.set(m, (outcomes.get(m) ?? 0) + 1);
    }
    // The API process's log lines join the service log the run reports.
    serviceLog.lines += api.lines.length;
    for (const l of api.lines.filter((x) => x.level === 'error').slice(0, 20))
      serviceLog.errors.push(JSON.stringify(l));
    return {
      perSecond: (complete / wallMs) * 1000, // checks that never started (Lever gave up) are not counted
      lever: { firstTry, later, gaveUp },
      spread,
      forward: [50, 99, 100].map((p) => percentile(relay.forwardMs, p)),
      certn: {
        events: certnDeliveries.length,
        attempts: certnAttempts.length,
        timeouts: certnAttempts.filter((a) => a.error === 'timeout').length,
        outcomes: [...outcomes].map(([m, k]) => `${k} × "${m}"`).join(', '),
      },
      wallMs,
      leverRequests,
      cpu,
      complete,
      others: othersOf(results.filter((r) => r.status !== 'Complete').map((r) => r.status)),
      n: candidates.length,
      ...shape,
      pilot,
      bareBefore,
    };
  } finally {
    await sleep(1000); // Certn's callbacks for the last steps, still on their way, land before the system stops
    await relay.stop();
    await sys.stop();
  }
}

/** When the checks started and closed, in seconds after `t0` (the first move), from the server's visibility. */
async function spreadOf(sys: System, t0: number): Promise<{ started: number[]; closed: number[] }> {
  const started: number[] = [];
  const closed: number[] = [];
  for await (const w of sys.client.workflow.list({ query: `TaskQueue = '${sys.taskQueue}'` })) {
    if (w.startTime.getTime() < t0) continue; // the pilot's
    started.push((w.startTime.getTime() - t0) / 1000);
    if (w.closeTime) closed.push((w.closeTime.getTime() - t0) / 1000);
  }
  const three = (xs: number[]) => [percentile(xs, 50), percentile(xs, 90), Math.max(...xs)];
  return { started: three(started), closed: three(closed) };
}

/** "3 × never started; 1 × failed: …", each kind with one full example (statuses differ in their detail). */
function othersOf(statuses: string[]): string {
  const byKind = new Map<string, { k: number; example: string }>();
  for (const s of statuses) {
    const kind = s.replace(/ \(.*$/, '');
    const seen = byKind.get(kind) ?? { k: 0, example: s };
    byKind.set(kind, { ...seen, k: seen.k + 1 });
  }
  return [...byKind.values()].map(({ k, example }) => `${k} × ${example}`).join('; ');
}

export async function manyTeamsFigure(server: DevServer): Promise<FigureResult> {
  progress(
    `(7) many teams: 10 pilot checks, the bare workflow, ${KNOBS.manyTeams} teams × ${KNOBS.perTeam} candidates, the bare workflow...`,
  );
  // The bare workflow waits Certn's pace for one case too, spread over its timers (at least one), so both face the
  // same outside wait; only the engine's work differs.
  const bareInput = (shape: Shape): BareInput => {
    const timers = Math.max(1, shape.timers);
    const { activities, localActivities } = shape;
    return { activities, localActivities, timers, timerMs: Math.ceil((CERTN_STEPS * KNOBS.stepMs) / timers) };
  };
  const n = KNOBS.manyTeams * KNOBS.perTeam;
  const checks = await checksPerSecond(server.process.pid!, (shape) =>
    bareWorkflowsPerSecond(server, n, bareInput(shape)),
  );
  const { timers, timerMs } = bareInput(checks.pilot);
  const bareAfter = await bareWorkflowsPerSecond(server, n, bareInput(checks.pilot));
  /** Both bare runs together: 2n workflows over their summed wall time. */
  const bare = 2 / (1 / checks.bareBefore.perSecond + 1 / bareAfter.perSecond);
  const bareCpu = meanCpu(checks.bareBefore, bareAfter);
  const bareEvents = bareAfter.events;
  const ratio = checks.perSecond / bare;
  const pct = (x: number) => `${fmt(x * 100, 0)} %`;
  const ms = (share: number, perSecond: number) => (share * 1000) / perSecond;
  const total = (c: PhaseCpu) => c.nodeShare + c.apiShare + c.workerShare + c.serverShare;
  /** The service's own CPU per completed check: the API, the worker and the server (no stand-in, no load generator). */
  const serviceMs = ms(checks.cpu.apiShare + checks.cpu.workerShare + checks.cpu.serverShare, checks.perSecond);
  /** CPU ms per item completed: cores busy × 1000 ÷ items per second. */
  const perItem = (c: PhaseCpu, perSecond: number) => (total(c) * 1000) / perSecond;
  /** Both phases used at least 80 % of the machine's cores: CPU, not waiting, set their pace. */
  const saturated = Math.min(total(checks.cpu), total(bareCpu)) >= 0.8 * os.cpus().length;
  const leverBoundS = Math.max(0, checks.leverRequests / KNOBS.manyTeams - 20) / 10;
  const section = [
    "## 7. Many teams: checks per second vs the engine's ceiling",
    '',
    `${KNOBS.manyTeams} teams × ${KNOBS.perTeam} candidates moved at once (each team its own Lever key and Certn account; Lever's`,
    `webhooks routed by bench/relay.ts), Certn stepping every ${KNOBS.stepMs} ms: ${checks.complete}/${checks.n} Complete${checks.others ? ` (the others: ${checks.others})` : ''}, **${fmt(checks.perSecond, 2)}** checks/s`,
    `from the first move to the last close. The bare workflow (bench/bare/workflows.ts), ${checks.n} started at once on the`,
    `same server with an in-process worker: ${checks.pilot.activities} no-op activities, ${checks.pilot.localActivities} no-op local activities and ${timers} timer(s)`,
    `of ${timerMs} ms (the median of 10 checks run first, alone: ${checks.pilot.activities} activities, ${checks.pilot.localActivities} local activities and ${checks.pilot.timers} timers; the bare timers`,
    `add up to Certn's ${CERTN_STEPS} steps of ${KNOBS.stepMs} ms; under load the median check had ${checks.activities}, ${checks.localActivities} and ${checks.timers}), run once just before the checks`,
    `and once just after — the dev server slows as closed workflows pile up in it, so one run on one side would favour`,
    `whichever ran first: **${fmt(checks.bareBefore.perSecond, 2)}** and **${fmt(bareAfter.perSecond, 2)}** workflows/s, **${fmt(bare, 2)}** for both together. Ratio **${fmt(ratio, 2)}**.`,
    '',
    `Where the ceiling is — CPU while each ran, as a share of one core over its wall time (the machine has ${os.cpus().length}): the`,
    `checks used ${pct(checks.cpu.nodeShare)} in the bench process (sandboxes, relay and load generator), ${pct(checks.cpu.apiShare)} in the API's process, ${pct(checks.cpu.workerShare)} in the worker's`,
    `process and ${pct(checks.cpu.serverShare)} in the dev server, ${pct(total(checks.cpu))} in all; the bare workflow (both runs) ${pct(bareCpu.nodeShare)} (its worker) and`,
    `${pct(bareCpu.serverShare)} (the server), ${pct(total(bareCpu))}. ${saturated ? 'Both kept the cores busy, so each ran as fast as its CPU per item allows' : 'The cores were not both kept busy, so CPU per item explains the ratio only in part'}:`,
    `**${fmt(perItem(checks.cpu, checks.perSecond), 0)} ms** per completed check against **${fmt(perItem(bareCpu, bare), 0)} ms** per bare workflow, a ratio of **${fmt(perItem(bareCpu, bare) / perItem(checks.cpu, checks.perSecond), 2)}**`,
    `(measured: ${fmt(ratio, 2)}). Of a check's CPU, ${fmt(ms(checks.cpu.nodeShare, checks.perSecond), 0)} ms is the bench process (mostly the Lever and Certn`,
    `stand-ins, which in production run on Lever's and Certn's machines), ${fmt(ms(checks.cpu.apiShare, checks.perSecond), 0)} ms the API (one Lever webhook and Certn's`,
    `callbacks), ${fmt(ms(checks.cpu.workerShare, checks.perSecond), 0)} ms the worker (its real HTTP calls to both, the PDF copied from Certn to Lever) and`,
    `${fmt(ms(checks.cpu.serverShare, checks.perSecond), 0)} ms the server, against ${fmt(ms(bareCpu.serverShare, bare), 0)} ms for a bare`,
    `workflow: a check's history is ${checks.events} events (median), the bare workflow's ${bareEvents}, and a check is also signalled by`,
    `Certn's callbacks. Even with the bench process costing nothing, the service alone (API, worker and server) bounds`,
    `the ratio at ${fmt(perItem(bareCpu, bare) / serviceMs, 2)} on these cores.`,
    '',
    `Lever's stage-change deliveries, as the Lever stand-in saw them: ${checks.lever.firstTry} answered 2xx at the first attempt,`,
    `${checks.lever.later} at a later one, ${checks.lever.gaveUp} given up after every attempt timed out (5 s each); the relay meanwhile had`,
    `the API's answer within ${checks.forward.map((x) => fmt(x, 0)).join(' / ')} ms (p50 / p99 / max), so an attempt's wait beyond that was spent in`,
    'this process (the stand-ins, the relay and the load generator share its one thread). A check whose delivery Lever',
    'gave up on still ran: the API acted on an attempt whose answer reached the Lever stand-in too late (the Complete',
    `count above). Certn's callbacks (each team's account calls its hook directly; the pilot's included): ${checks.certn.events} events, ${checks.certn.attempts} attempts,`,
    `${checks.certn.timeouts} of them timed out (10 s); the API logged ${checks.certn.outcomes || 'none'} (an object no check`,
    "knows yet: Certn's first callback for a new case can come before the order's answer is recorded; the check reads",
    'the case right after ordering, so nothing waits on it).',
    `The checks started ${checks.spread.started.map((x) => fmt(x, 1)).join(' / ')} s and closed ${checks.spread.closed.map((x) => fmt(x, 1)).join(' / ')} s after the first move (p50 / p90 / max).`,
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
      {
        figure:
          'many teams ceiling on these cores: CPU per bare workflow ÷ per check (all / API + worker + server only)',
        measured: `${fmt(perItem(bareCpu, bare) / perItem(checks.cpu, checks.perSecond), 2)} / ${fmt(perItem(bareCpu, bare) / serviceMs, 2)}`,
        bar: 'explains the row above',
      },
    ],
  };
}
