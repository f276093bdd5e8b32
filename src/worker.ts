// The Temporal worker running check workflows and their activities.
import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { ActivityDeps, createActivities } from './activities';
import type { WorkerTuningConfig } from './config';

/** The worker options an operator may tune (WORKER_* in src/config.ts); absent ones keep the SDK's defaults. */
export type WorkerTuning = Partial<
  Pick<
    WorkerOptions,
    'maxCachedWorkflows' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions'
  >
>;

export interface CheckWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /** A prebundled workflow file (tests and production); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string;
  tuning?: WorkerTuning;
}

/** The configured tuning as worker options, leaving out what is unset. */
export function workerTuning(config: WorkerTuningConfig): WorkerTuning {
  const tuning: WorkerTuning = {};
  if (config.WORKER_MAX_CACHED_WORKFLOWS !== undefined) tuning.maxCachedWorkflows = config.WORKER_MAX_CACHED_WORKFLOWS;
  if (config.WORKER_MAX_CONCURRENT_ACTIVITIES !== undefined)
    tuning.maxConcurrentActivityTaskExecutions = config.WORKER_MAX_CONCURRENT_ACTIVITIES;
  if (config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS !== undefined)
    tuning.maxConcurrentWorkflowTaskExecutions = config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS;
  return tuning;
}

/** What a created worker actually runs with (the SDK's compiled options), for its readiness log line. */
export function effectiveTuning(worker: Worker): Record<keyof WorkerTuning, number | string> {
  const { maxCachedWorkflows, tuner } = worker.options;
  // The SDK turns the two concurrency limits into fixed-size slot suppliers.
  const slots = (s: { type: string; numSlots?: number }) => s.numSlots ?? s.type;
  return {
    maxCachedWorkflows,
    maxConcurrentActivityTaskExecutions: slots(tuner.activityTaskSlotSupplier),
    maxConcurrentWorkflowTaskExecutions: slots(tuner.workflowTaskSlotSupplier),
  };
}

/** WORKFLOW_BUNDLE_PATH, else the bundle `npm run build` writes beside the compiled worker, else none. */
export function prebuiltWorkflowBundle(env = process.env): string | undefined {
  const beside = path.join(__dirname, 'workflow-bundle.js');
  return env.WORKFLOW_BUNDLE_PATH || (fs.existsSync(beside) ? beside : undefined);
}

export async function createCheckWorker(opts: CheckWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities(opts.activities),
    ...opts.tuning,
  });
}
