// `npm run faults`: the full fault suite. Starts a Temporal dev server and bundles the workflows (as the jest
// global setup does), runs every scenario with FAULT_CHECKS checks (default 50; FAULT_ONLY=<text> filters by name),
// prints one line per scenario, then the markdown table for RELIABILITY.md. Exits 1 on any violation or finding.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { startDevServer } from '../../src/temporal/dev-server';
import { NO_CALLBACKS, ScenarioResult, formatLine, markdownTable, runScenario } from './runner';
import { NOT_BUILT, SCENARIOS } from './scenarios';

async function main(): Promise<void> {
  const checks = Math.max(1, Number(process.env.FAULT_CHECKS ?? '') || 50);
  const only = process.env.FAULT_ONLY?.toLowerCase();
  const chosen = SCENARIOS.filter((s) => !only || s.name.toLowerCase().includes(only));

  const server = await startDevServer({ cliPath: await ensureTemporalCli(), headless: true, readyTimeoutMs: 120_000 });
  process.env.TEMPORAL_ADDRESS = server.address;
  const noop = () => undefined;
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../src/workflows/index.ts'),
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop },
  });
  const bundle = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'faults-bundle-')), 'workflow-bundle.js');
  fs.writeFileSync(bundle, code);
  process.env.WORKFLOW_BUNDLE_PATH = bundle;

  const results: ScenarioResult[] = [];
  const started = new Date().toISOString();
  try {
    for (const scenario of chosen) {
      const r = await runScenario(scenario, checks, { settleMs: 600_000 }).catch((err: unknown): ScenarioResult => ({
        name: scenario.name,
        checks: 0,
        faults: 0,
        violations: [`the scenario failed to run: ${err instanceof Error ? err.message : String(err)}`],
        lever429s: 0,
        certnCallbacks: NO_CALLBACKS,
        maxLoopStallMs: 0,
        errorLines: [],
        secretsFound: [],
        ms: 0,
      }));
      results.push(r);
      console.log(formatLine(r));
      for (const v of [...r.violations, ...r.secretsFound]) console.log(`    ${v}`);
      for (const l of r.errorLines) console.log(`    service error: ${l.slice(0, 600)}`);
    }
  } finally {
    await server.stop();
  }
  console.log(`\nFault suite, ${started}, FAULT_CHECKS=${checks} (npm run faults)\n`);
  console.log(markdownTable(results, chosen));
  for (const n of NOT_BUILT) console.log(`\nNot built: ${n.name} — ${n.why}`);
  process.exitCode = results.some((r) => r.violations.length > 0 || r.secretsFound.length > 0) ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
