// `npm run worker`: the check worker alone — any number of them, on as many hosts — pointed at TEMPORAL_ADDRESS
// (TLS / API key from the environment, see src/temporal/connection-options.ts) and the shared settings store.
// Loads the prebuilt workflow bundle when there is one (`npm run build`); SIGTERM drains it: polling stops and
// in-flight tasks finish before the process exits.
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../config';
import { createLogger, setLogLevel } from '../logger';
import { serveProcessMetrics } from '../metrics/serve';
import { describeTarget } from '../temporal/connection-options';
import { createCheckWorker, effectiveTuning, prebuiltWorkflowBundle, workerTuning } from '../worker';
import { installSdkLogging, onTerminate, openSettings, reportLinksFor, splitProcessTarget } from './service-parts';

const log = createLogger('worker');

async function main(): Promise<void> {
  const config = loadConfig();
  setLogLevel(config.LOG_LEVEL);
  const target = splitProcessTarget('worker');
  installSdkLogging(config.LOG_LEVEL, config.TEMPORAL_METRICS_BIND);
  const { store, masterKey, leverBudget } = await openSettings(config);
  const connection = await NativeConnection.connect(target.connection);
  const workflowBundle = prebuiltWorkflowBundle();
  const worker = await createCheckWorker({
    connection,
    namespace: target.namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundlePath: workflowBundle,
    activities: {
      store,
      leverBaseUrl: config.LEVER_API_BASE_URL!,
      certnBaseUrl: config.CERTN_API_BASE_URL!,
      reportLinks: reportLinksFor(config, masterKey, store),
      ...(leverBudget ? { leverBudget } : {}),
      stageEntryWindowMs: config.STAGE_ENTRY_WINDOW_SECONDS * 1000,
    },
    tuning: workerTuning(config),
  });
  const running = worker.run();
  onTerminate(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
    await store.close();
    log.info('worker stopped');
  });
  log.info('worker ready', {
    ...describeTarget(target),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: workflowBundle ?? 'built at start',
    tuning: effectiveTuning(worker),
    ...(config.WORKER_METRICS_BIND ? { metrics: await serveProcessMetrics(config.WORKER_METRICS_BIND) } : {}),
  });
  // A fatal worker error (not a shutdown) ends the process with 1 through the catch below.
  await running;
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`Worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
