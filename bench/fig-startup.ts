// Figure 5: worker start-up with the prebuilt workflow bundle loaded from a file vs the workflows bundled at start:
// from Worker.create to the first workflow task handled (a check already waiting in the worker's queue), and the
// bundle build alone. The worker is created the way src/worker.ts does it (`workflowBundle.codePath` or
// `workflowsPath`), polling workflow tasks only: the service's activities play no part in start-up.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { FigureResult } from './report';
import { KNOBS, progress, WORKFLOWS_PATH, quietBundlerLogger, sleep } from './setup';
import { fmt, percentile, table } from './stats';

interface Start {
  createMs: number;
  firstTaskMs: number;
}

async function oneStart(address: string, client: Client, prebuilt: string | undefined): Promise<Start> {
  const taskQueue = `bench-start-${randomUUID()}`;
  const workflowId = `bench-start-${randomUUID()}`;
  // A check waiting for a worker: its first workflow task is handed out as soon as the worker polls.
  const handle = await client.workflow.start('backgroundCheck', {
    workflowId,
    taskQueue,
    args: [{ teamId: 'bench', opportunityId: randomUUID(), trigger: { triggeredAt: Date.now(), toStageId: 'x' } }],
  });
  const connection = await NativeConnection.connect({ address });
  const t0 = Date.now();
  const worker = await Worker.create({
    connection,
    taskQueue,
    ...(prebuilt ? { workflowBundle: { codePath: prebuilt } } : { workflowsPath: WORKFLOWS_PATH }),
    // Workflow tasks only: the check's first activity stays in the queue (it is terminated once its first workflow
    // task is handled), instead of reaching a worker that has none of the service's activities. One idle activity
    // keeps the SDK from warning that none is registered; eager dispatch would hand the activity over anyway.
    activities: { benchIdle: async () => undefined },
    enableNonLocalActivities: false,
    maxEagerActivityReservationsPerWorkflowTask: 0,
  });
  const createMs = Date.now() - t0;
  const running = worker.run();
  let firstTaskMs = NaN;
  for (let i = 0; i < 600 && Number.isNaN(firstTaskMs); i++) {
    const events = (await handle.fetchHistory()).events ?? [];
    // Completed or failed: either way the worker has loaded the workflow code and handled a task.
    const done = events.find((e) => e.workflowTaskCompletedEventAttributes || e.workflowTaskFailedEventAttributes);
    const at = done?.eventTime?.seconds;
    if (done && at !== undefined && at !== null)
      firstTaskMs = Number(at) * 1000 + Math.floor((done.eventTime?.nanos ?? 0) / 1e6) - t0;
    else await sleep(20);
  }
  worker.shutdown();
  await running;
  await connection.close();
  await handle.terminate('benchmark start-up probe').catch(() => undefined);
  return { createMs, firstTaskMs };
}

export async function startupFigure(address: string, bundlePath: string): Promise<FigureResult> {
  progress(`(5) worker start-up: ${KNOBS.starts} × prebuilt bundle, ${KNOBS.starts} × bundled at start...`);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  try {
    const prebuilt: Start[] = [];
    const building: Start[] = [];
    const builds: number[] = [];
    for (let i = 0; i < KNOBS.starts; i++) {
      prebuilt.push(await oneStart(address, client, bundlePath));
      building.push(await oneStart(address, client, undefined));
      const t = performance.now();
      await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
      builds.push(performance.now() - t);
    }
    const med = (xs: Start[], f: (s: Start) => number) => percentile(xs.map(f), 50);
    const section = [
      '## 5. Worker start-up',
      '',
      `Median of ${KNOBS.starts} start-ups each, alternating; "first task" is from \`Worker.create\` to the first workflow task`,
      'of a check that was already waiting in the queue (server event time; same machine). Created like',
      "src/worker.ts does (`workflowBundle.codePath` vs `workflowsPath`), without the service's activities.",
      '',
      table(
        ['worker', 'Worker.create ms', 'to first workflow task ms'],
        [
          [
            'prebuilt bundle loaded from a file',
            fmt(
              med(prebuilt, (s) => s.createMs),
              0,
            ),
            fmt(
              med(prebuilt, (s) => s.firstTaskMs),
              0,
            ),
          ],
          [
            'workflows bundled at start',
            fmt(
              med(building, (s) => s.createMs),
              0,
            ),
            fmt(
              med(building, (s) => s.firstTaskMs),
              0,
            ),
          ],
        ],
      ),
      '',
      `\`bundleWorkflowCode\` alone: median ${fmt(percentile(builds, 50), 0)} ms.`,
      '',
      "The time to the first task also holds the dev server's hand-over of a task already queued to a new poller,",
      'which varies from run to run whatever the worker: `Worker.create` is where loading and bundling differ.',
    ].join('\n');
    const create = (xs: Start[]) =>
      fmt(
        med(xs, (s) => s.createMs),
        0,
      );
    const first = (xs: Start[]) =>
      fmt(
        med(xs, (s) => s.firstTaskMs),
        0,
      );
    return {
      section,
      rows: [
        {
          figure: 'worker start-up, prebuilt / bundled at start: Worker.create; to first workflow task',
          measured: `${create(prebuilt)} / ${create(building)} ms; ${first(prebuilt)} / ${first(building)} ms (bundle build ${fmt(percentile(builds, 50), 0)} ms)`,
          bar: 'prebuilt, loaded',
        },
      ],
    };
  } finally {
    await connection.close();
  }
}
