// A check worker in a process of its own, so a test can kill it with SIGKILL mid-check, the way a crash or an
// OOM kill does, and start another. Everything it needs comes from the environment (see System.spawnWorker).
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { ReportLinks } from '../../src/activities/report-links';
import { openSqliteSettingsStore } from '../../src/settings/sqlite-store';
import { loadWorkerTuning } from '../../src/config';
import { createCheckWorker, workerTuning } from '../../src/worker';

async function main(): Promise<void> {
  const env = (name: string): string => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is required`);
    return v;
  };
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const store = openSqliteSettingsStore(env('WORKER_DATA_DIR'), Buffer.from(env('WORKER_MASTER_KEY'), 'hex'));
  const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
  const worker = await createCheckWorker({
    connection,
    namespace: 'default',
    taskQueue: env('WORKER_TASK_QUEUE'),
    workflowBundlePath: env('WORKFLOW_BUNDLE_PATH'),
    activities: {
      store,
      leverBaseUrl: env('WORKER_LEVER_BASE_URL'),
      certnBaseUrl: env('WORKER_CERTN_BASE_URL'),
      reportLinks: new ReportLinks(env('WORKER_PUBLIC_BASE_URL'), Buffer.from(env('WORKER_REPORT_KEY'), 'hex'), store),
      reportPollMs: 50,
    },
    // WORKER_MAX_* as in production: the benchmark sets a cache far smaller than the open checks (bench/fig-memory.ts).
    tuning: workerTuning(loadWorkerTuning()),
  });
  process.stdout.write('worker ready\n');
  await worker.run();
}

main().catch((err) => {
  process.stderr.write(`worker process failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
