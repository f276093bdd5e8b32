// `npm run bench` (short sizes, a few minutes) and `npm run bench:full` (the recorded sizes; writes
// bench/results.md): runs each figure of issue 12 on one Temporal dev server and prints it beside its bar.
// Benchmarks run on purpose, never by the tests. BENCH_ONLY=1,3 runs some figures only (a quick look while working);
// knobs and their short/full sizes are in bench/setup.ts. Ratios are taken within the run, so they say more than
// absolute numbers on a busy machine.
import os from 'node:os';
import path from 'node:path';
import { busyTeamFigure } from './fig-busy-team';
import { ingestFigure } from './fig-ingest';
import { leverCallsFigure } from './fig-lever-calls';
import { manyTeamsFigure } from './fig-many-teams';
import { memoryFigure } from './fig-memory';
import { startupFigure } from './fig-startup';
import { FigureResult, figuresTable, renderReport, writeResults } from './report';
import { FULL, knobsFromEnv, progress, quietServiceLog, say, serviceLog, startRun } from './setup';
import { System } from '../test/harness/system';

const only = new Set((process.env.BENCH_ONLY ?? '1,2,3,5,6,7').split(',').map((s) => s.trim()));

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  quietServiceLog();
  progress(`bench (${FULL ? 'full' : 'short'}): starting the Temporal dev server and bundling the workflows...`);
  const run = await startRun();
  const figures: FigureResult[] = [];
  try {
    // Installs the quiet SDK runtime before any worker is created.
    await (await System.start({ worker: false, certnStepMs: null })).stop();
    if (only.has('1') || only.has('4')) figures.push((await leverCallsFigure()).result);
    if (only.has('2')) figures.push(await busyTeamFigure());
    if (only.has('3')) figures.push(await ingestFigure(run.server));
    if (only.has('5')) figures.push(await startupFigure(run.server.address, run.bundlePath));
    if (only.has('6')) figures.push(await memoryFigure(run.server));
    if (only.has('7')) figures.push(await manyTeamsFigure(run.server));

    const script = FULL ? 'npm run bench:full' : 'npm run bench';
    const command = `${knobsFromEnv()}${process.env.BENCH_ONLY ? `BENCH_ONLY=${process.env.BENCH_ONLY} ` : ''}${script}`;
    const footer = [
      `Service log: ${serviceLog.lines} lines, ${serviceLog.errors.length} at error level (sandboxes: ${serviceLog.sandboxLines} lines, not shown).`,
    ];
    const md = renderReport({ command, startedAt, loadAtStart, cliVersion: run.cliVersion }, figures, footer);
    say('');
    say(md);
    if (FULL) say(`written to ${path.relative(process.cwd(), await writeResults(md))}`);
    else {
      say('The figures beside their bars:');
      say(figuresTable(figures.flatMap((f) => f.rows)));
    }
    for (const l of serviceLog.errors.slice(0, 5)) say(`service error: ${l}`);
  } finally {
    await run.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    // A workflow's failure says why in its cause chain (the SDK's error only says that it failed).
    for (
      let c = (err as { cause?: unknown })?.cause, depth = 0;
      c && depth < 5;
      c = (c as { cause?: unknown }).cause, depth++
    )
      process.stderr.write(`  caused by: ${c instanceof Error ? `${c.name}: ${c.message}` : String(c)}\n`);
    // The service's error lines so far (the figures print them only when they finish).
    for (const line of serviceLog.errors) process.stderr.write(`  service error: ${line}\n`);
    process.exit(1);
  },
);
