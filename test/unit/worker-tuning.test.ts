// Worker tuning is configuration: WORKER_MAX_* are validated with the rest of the environment (a clear error naming
// the variable), absent ones keep the SDK's defaults, and a created worker runs with what was configured.
import { randomUUID } from 'node:crypto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig, loadWorkerTuning } from '../../src/config';
import { createCheckWorker, effectiveTuning, workerTuning } from '../../src/worker';

beforeAll(() => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed already by another file in this jest process
  }
});

describe('worker tuning from the environment', () => {
  it('maps each variable to its worker option', () => {
    const config = loadConfig({
      WORKER_MAX_CACHED_WORKFLOWS: '500',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '50',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
    });
    expect(workerTuning(config)).toEqual({
      maxCachedWorkflows: 500,
      maxConcurrentActivityTaskExecutions: 50,
      maxConcurrentWorkflowTaskExecutions: 20,
    });
  });

  it('leaves unset (or empty) ones out, so the SDK defaults stay what they were', () => {
    expect(workerTuning(loadConfig({}))).toEqual({});
    expect(workerTuning(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '' }))).toEqual({});
    expect(workerTuning(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '0' }))).toEqual({ maxCachedWorkflows: 0 });
  });

  it.each([
    [{ WORKER_MAX_CACHED_WORKFLOWS: 'lots' }, 'WORKER_MAX_CACHED_WORKFLOWS'],
    [{ WORKER_MAX_CACHED_WORKFLOWS: '-1' }, 'WORKER_MAX_CACHED_WORKFLOWS'],
    [{ WORKER_MAX_CACHED_WORKFLOWS: '1' }, 'WORKER_MAX_CACHED_WORKFLOWS: must be 0 (no cache) or at least 2'],
    [{ WORKER_MAX_CONCURRENT_ACTIVITIES: '0' }, 'WORKER_MAX_CONCURRENT_ACTIVITIES'],
    [{ WORKER_MAX_CONCURRENT_ACTIVITIES: '2.5' }, 'WORKER_MAX_CONCURRENT_ACTIVITIES'],
    [{ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' }, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'],
    [
      { WORKER_MAX_CACHED_WORKFLOWS: '10', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20' },
      'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: must not exceed WORKER_MAX_CACHED_WORKFLOWS (10)',
    ],
  ])('refuses %j with an error naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
    expect(() => loadWorkerTuning(env)).toThrow(message);
  });

  it('reaches the worker the SDK creates', async () => {
    const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    try {
      const worker = await createCheckWorker({
        connection,
        namespace: 'default',
        taskQueue: `tuning-probe-${randomUUID()}`,
        workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH,
        activities: {} as never, // no task is ever sent to this queue
        tuning: workerTuning(
          loadWorkerTuning({
            WORKER_MAX_CACHED_WORKFLOWS: '7',
            WORKER_MAX_CONCURRENT_ACTIVITIES: '3',
            WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '5',
          }),
        ),
      });
      // Run briefly so shutting down releases the connection.
      await worker.runUntil(async () =>
        expect(effectiveTuning(worker)).toEqual({
          maxCachedWorkflows: 7,
          maxConcurrentActivityTaskExecutions: 3,
          maxConcurrentWorkflowTaskExecutions: 5,
        }),
      );
    } finally {
      await connection.close();
    }
  });
});
