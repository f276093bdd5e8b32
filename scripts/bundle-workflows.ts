// `npm run build` (second step): bundles the workflow code once into dist/workflow-bundle.js, as Temporal's
// samples-typescript `production/` does, so workers start without webpack. The compiled worker (dist/worker.js)
// loads it from beside itself; WORKFLOW_BUNDLE_PATH points elsewhere.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const out = process.argv[2] ?? path.resolve(__dirname, '../dist/workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: path.resolve(__dirname, '../src/workflows/index.ts') });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  process.stdout.write(`workflow bundle: ${out} (${Math.round(code.length / 1024)} KiB)\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
