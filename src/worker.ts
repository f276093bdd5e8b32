// The Temporal worker running check workflows and their activities.
import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { ActivityDeps, createActivities } from './activities';

export interface CheckWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /** A prebundled workflow file (tests and production); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string;
  /** Extra worker options (tests use them to tune concurrency). */
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxCachedWorkflows'>>;
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
