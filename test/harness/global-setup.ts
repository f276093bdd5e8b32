// One Temporal dev server for the whole test run (in memory, headless, free port), and the workflow bundle built
// once. Both are handed to test files through environment variables.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { DevServer, startDevServer } from '../../src/temporal/dev-server';

declare global {
  var __TEMPORAL_DEV_SERVER__: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_NO_TEMPORAL === '1') return;
  const cliPath = await ensureTemporalCli();
  const server = await startDevServer({ cliPath, headless: true, readyTimeoutMs: 120_000 });
  globalThis.__TEMPORAL_DEV_SERVER__ = server;
  process.env.TEMPORAL_ADDRESS = server.address;

  const workflowsPath = path.resolve(__dirname, '../../src/workflows/index.ts');
  if (fs.existsSync(workflowsPath)) {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certn-bundle-'));
    const bundlePath = path.join(dir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, code);
    process.env.WORKFLOW_BUNDLE_PATH = bundlePath;
  }
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
