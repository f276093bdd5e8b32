// The production clock, proven in seconds: the real check workflow on Temporal's Java test server with time skipping,
// its activities faked per test, its timings the configuration's defaults (loadConfig with no environment). Each
// assertion names the default in days, minutes or events, so a changed default fails here.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CheckActivities } from '../../src/activities';
import { syncCase as syncCaseWith } from '../../src/activities/case-sync';
import { checkTimings } from '../../src/api/check-gateway';
import { loadConfig } from '../../src/config';
import { backgroundCheck } from '../../src/workflows';
import { CheckState, CheckTimings, CheckWorkflowInput, stageEnteredSignal } from '../../src/workflows/definitions';
import type { CaseSnapshot } from '../../src/workflows/status';
import { TimeSkipping, checkWorker, startTimeSkipping } from '../harness/java-test-server';

const PRODUCTION: CheckTimings = checkTimings(loadConfig({}));
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const OPEN: CaseSnapshot = { overallStatus: 'APPLICANT_INVITED', checks: [{ id: 'k1', status: 'PENDING' }] };
const DONE: CaseSnapshot = { overallStatus: 'COMPLETE', checks: [{ id: 'k1', status: 'COMPLETE' }] };
const EventType = temporal.api.enums.v1.EventType;

/** The activities a check needs, answering as a quiet happy path; each test overrides what it looks at. */
function fakes(overrides: Partial<CheckActivities> = {}): CheckActivities {
  const acts: CheckActivities = {
    inspectOpportunity: async () => ({
      inTriggerStage: true,
      hasEmail: true,
      package: { name: 'Standard', checkTypes: ['CRIMINAL_RECORD_CHECK'] },
      existingCaseId: null,
    }),
    setStatusTag: async () => undefined,
    advanceOnClear: async () => ({ outcome: 'not_configured' }),
    orderCase: async () => ({ caseId: 'case-1' }),
    readCase: async () => OPEN,
    cancelCase: async () => undefined,
    confirmRemovedFromLever: async () => false,
    setReportLink: async (_team, _opp, _caseId, kind) => kind,
    attachReportPdf: async () => ({ fileId: 'file-1' }),
    addSummaryNote: async () => ({ noteId: 'note-1' }),
    // The real composition over the fakes above, so a test's readCase or setStatusTag is what the sync step calls.
    syncCase: (teamId, opportunityId, caseId, workflowId, seen) =>
      syncCaseWith(seen, {
        readCase: () => acts.readCase(teamId, caseId, workflowId),
        setStatusTag: (status, result) => acts.setStatusTag(teamId, opportunityId, status, result),
        setReportLink: (kind, interimAdded) =>
          acts.setReportLink(teamId, opportunityId, caseId, kind, { interimAdded }),
      }),
    ...overrides,
  };
  return acts;
}

/** Workflow time (server clock, skipped) at which the running activity was scheduled. */
const now = () => Context.current().info.currentAttemptScheduledTimestampMs;

const at = (state: CheckState, detail: string) => {
  const t = state.transitions.find((x) => x.detail?.includes(detail));
  if (!t) throw new Error(`no transition "${detail}" in ${JSON.stringify(state.transitions)}`);
  return Date.parse(t.at);
};

let server: TimeSkipping;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  server = await startTimeSkipping();
  env = server.env;
}, 10 * 60_000); // the first run fetches the server with Maven
afterAll(async () => {
  await server?.stop();
});

async function run(
  activities: CheckActivities,
  input: Partial<CheckWorkflowInput> = {},
  during?: (workflowId: string, firstRunId: string) => Promise<void>,
): Promise<{ state: CheckState; workflowId: string; firstRunId: string }> {
  const taskQueue = `ts-${randomUUID()}`;
  const workflowId = `certn-check:team-ts:${randomUUID()}`;
  const worker = await checkWorker(env, taskQueue, activities);
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(backgroundCheck, {
      taskQueue,
      workflowId,
      args: [{ teamId: 'team-ts', opportunityId: 'opp-ts', timings: PRODUCTION, trigger: TRIGGER, ...input }],
    });
    if (during) await during(workflowId, handle.firstExecutionRunId);
    return { state: await handle.result(), workflowId, firstRunId: handle.firstExecutionRunId };
  });
}
const TRIGGER = { triggeredAt: 1_700_000_000_000, toStageId: 'stage-bg' };

describe('production timings on a time-skipping server', () => {
  it('uses the configuration defaults', () => {
    expect(PRODUCTION).toEqual({
      pollIntervalMs: 15 * MINUTE,
      noEmailWaitMs: 30 * DAY,
      caseMaxWaitMs: 120 * DAY,
      maxHistoryEvents: 2000,
    });
  });

  it('a check without an e-mail waits 30 days for one, then gives up without ordering', async () => {
    let orders = 0;
    const { state } = await run(
      fakes({
        inspectOpportunity: async () => ({
          inTriggerStage: true,
          hasEmail: false,
          package: null,
          existingCaseId: null,
        }),
        orderCase: async () => {
          orders++;
          return { caseId: 'never' };
        },
      }),
    );
    const waited = at(state, 'no e-mail was added') - Date.parse(state.transitions[0]!.at);
    expect(state.status).toBe('ErrorNoEmail');
    expect(waited).toBeGreaterThanOrEqual(30 * DAY);
    expect(waited).toBeLessThan(30 * DAY + MINUTE);
    expect(orders).toBe(0);
  });

  it('polls Certn every 15 minutes when no callback arrives', async () => {
    const reads: number[] = [];
    const { state, workflowId } = await run(
      fakes({
        readCase: async () => {
          reads.push(now());
          return reads.length < 5 ? OPEN : DONE;
        },
      }),
    );
    expect(state.status).toBe('Complete');
    expect(reads).toHaveLength(5); // the read after the order, then one per poll
    // The reads run as local activities, whose own clock is the worker's, not the skipped one: workflow time is read
    // from the transitions (order → Complete) and the poll timers in the history.
    const took = at(state, 'Certn: COMPLETE') - at(state, 'case case-1 ordered');
    expect(took).toBeGreaterThanOrEqual(4 * 15 * MINUTE);
    expect(took).toBeLessThan(4 * 15 * MINUTE + 2 * MINUTE);
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const timers = (history.events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_STARTED);
    const fired = (history.events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED);
    const seconds = timers.map((e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds));
    expect(seconds).toEqual([900, 900, 900, 900]);
    expect(fired).toHaveLength(4);
  });

  it('stops following a case still open after 120 days, at 120 days, with a note', async () => {
    const notes: string[] = [];
    // Polling every 15 minutes for 120 days is 11,520 reads; a weekly poll reaches the same deadline in 18.
    const { state } = await run(
      fakes({
        addSummaryNote: async (_t, _o, summary) => {
          notes.push(summary.outcome);
          return { noteId: 'n' };
        },
      }),
      { timings: { ...PRODUCTION, pollIntervalMs: 7 * DAY } },
    );
    const followed = at(state, 'stopped following') - Date.parse(state.followingSince!);
    expect(followed).toBeGreaterThanOrEqual(120 * DAY);
    expect(followed).toBeLessThan(120 * DAY + MINUTE);
    expect(notes).toEqual(['timed out']);
  });

  it('a resumed check also stops after 120 days, though it continued as new on the way', async () => {
    const runs = new Set<string>();
    let reads = 0;
    const { state } = await run(
      fakes({
        inspectOpportunity: async () => ({
          inTriggerStage: true,
          hasEmail: true,
          package: null,
          existingCaseId: 'case-earlier',
        }),
        readCase: async () => {
          runs.add(Context.current().info.workflowExecution?.runId ?? '');
          return ++reads < 400 ? OPEN : DONE; // a deadline restarted by every new run would end here instead
        },
      }),
      { timings: { ...PRODUCTION, pollIntervalMs: DAY, maxHistoryEvents: 50 } },
    );
    expect(state.transitions[0]).toMatchObject({ status: 'Resumed' });
    expect(runs.size).toBeGreaterThan(5);
    const followed = at(state, 'stopped following') - at(state, 'following case case-earlier');
    expect(followed).toBeGreaterThanOrEqual(120 * DAY);
    expect(followed).toBeLessThan(120 * DAY + MINUTE);
  });

  it('continues as new once its history passes 2000 events', async () => {
    let first: string | undefined;
    const { state, workflowId, firstRunId } = await run(
      fakes({
        // Open in the first run; the next run (after continue-as-new) sees the case complete.
        readCase: async () => {
          const runId = Context.current().info.workflowExecution?.runId ?? '';
          first ??= runId;
          return runId === first ? OPEN : DONE;
        },
      }),
    );
    expect(state.status).toBe('Complete');
    const history = await env.client.workflow.getHandle(workflowId, firstRunId).fetchHistory();
    const events = history.events ?? [];
    expect(events[events.length - 1]?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
    expect(events.length).toBeGreaterThan(2000);
    expect(events.length).toBeLessThan(2000 + 20); // one poll's worth of events past the bound
  });
});

describe('search attributes', () => {
  it('one upsert per transition carrying status, package and case; Pending upserted once', async () => {
    const snapshots: CaseSnapshot[] = [
      OPEN,
      { overallStatus: 'APPLICANT_SUBMITTED', checks: [{ id: 'k1', status: 'PENDING' }] },
      {
        overallStatus: 'IN_PROGRESS',
        checks: [
          { id: 'k1', status: 'COMPLETE' },
          { id: 'k2', status: 'PENDING' },
        ],
      },
      DONE,
    ];
    let reads = 0;
    const { state, workflowId } = await run(fakes({ readCase: async () => snapshots[Math.min(reads++, 3)]! }));
    expect(state.status).toBe('Complete');
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const upserts = (history.events ?? [])
      .map((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields)
      .filter((fields) => fields)
      .map((fields) =>
        Object.fromEntries(
          Object.entries(fields!).map(([k, p]) => [k, JSON.parse(Buffer.from(p.data!).toString('utf8'))]),
        ),
      );
    // Where the server supports it, the SDK records the patch (lean-1) in Temporal's own attribute: not ours.
    const ours = upserts.filter((u) => !('TemporalChangeVersion' in u));
    const attrs = (status: string) => ({ CertnCheckStatus: status, CertnPackage: 'Standard', CertnCase: 'case-1' });
    expect(ours).toEqual([attrs('Pending'), attrs('Analyzing'), attrs('Partial'), attrs('Complete')]);
  });
});

describe('the workflow side of the stage confirmation', () => {
  it('passes the newest stage entry it received to inspectOpportunity; a re-run passes none', async () => {
    const seen: { requireTriggerStage: boolean; triggeredAt?: number }[] = [];
    const noEmailYet = fakes({
      inspectOpportunity: async (_t, _o, opts) => {
        seen.push(opts);
        const pkg = { name: 'Standard', checkTypes: ['CRIMINAL_RECORD_CHECK'] };
        return { inTriggerStage: true, hasEmail: seen.length > 1, package: pkg, existingCaseId: null };
      },
      readCase: async () => DONE,
    });
    await run(noEmailYet, {}, async (workflowId) => {
      const handle = env.client.workflow.getHandle(workflowId);
      await env.sleep(DAY); // parked on the no-e-mail wait
      // An older delivery arriving late does not replace the newer entry.
      await handle.signal(stageEnteredSignal, { triggeredAt: TRIGGER.triggeredAt + DAY, toStageId: 'stage-bg' });
      await handle.signal(stageEnteredSignal, { triggeredAt: TRIGGER.triggeredAt + 1, toStageId: 'stage-bg' });
    });
    expect(seen[0]).toEqual({ requireTriggerStage: true, triggeredAt: TRIGGER.triggeredAt });
    expect(seen[seen.length - 1]).toEqual({ requireTriggerStage: true, triggeredAt: TRIGGER.triggeredAt + DAY });

    seen.length = 0;
    await run(noEmailYet, { trigger: undefined, rerun: true }, async (workflowId) => {
      await env.sleep(DAY);
      await env.client.workflow
        .getHandle(workflowId)
        .signal(stageEnteredSignal, { triggeredAt: 1, toStageId: 'stage-bg' });
    });
    expect(seen[0]).toEqual({ requireTriggerStage: false });
  });
});
