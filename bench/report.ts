// The benchmark report: the figures table of issue 12 (each figure beside its bar) and each figure's own section,
// printed by `npm run bench` and written to bench/results.md by `npm run bench:full`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as prettier from 'prettier';
import { table } from './stats';

export interface FigureRow {
  figure: string;
  measured: string;
  bar: string;
  /** undefined: informational, no bar to meet. */
  met?: boolean;
}

export interface FigureResult {
  rows: FigureRow[];
  /** Markdown: what was run and the details behind the rows. */
  section: string;
}

export function figuresTable(rows: FigureRow[]): string {
  return table(
    ['figure', 'measured', 'the bar', 'met'],
    rows.map((r) => [r.figure, r.measured, r.bar, r.met === undefined ? '—' : r.met ? 'yes' : '**no**']),
  );
}

export interface RunInfo {
  command: string;
  startedAt: Date;
  loadAtStart: string;
  cliVersion: string;
}

export function renderReport(info: RunInfo, figures: FigureResult[], footer: string[]): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    '# Benchmarks',
    '',
    `- Command: \`${info.command}\``,
    `- Date: ${info.startedAt.toISOString()} (took ${Math.round((Date.now() - info.startedAt.getTime()) / 1000)} s)`,
    `- Machine: ${os.cpus().length} CPUs (nproc), ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}; Node ${process.version}; load average at start ${info.loadAtStart} (1/5/15 min — other processes may share this machine: compare the ratios within the run)`,
    `- Temporal: ${info.cliVersion}, \`temporal server start-dev\` in memory, headless, on 127.0.0.1`,
    "- Layout: both sandboxes, the settings store and the load generator in this Node process (the test harness's",
    '  `System`), with the API app and the worker too, except: figures 3 and 7 run the API as a process of its own and',
    '  figures 6 and 7 the worker (`npm run api` / a worker process, as deployed, so their CPU and memory are their own',
    '  and the load does not share their event loop); the dev server in another process.',
    '',
    '## The figures',
    '',
    figuresTable(figures.flatMap((f) => f.rows)),
    '',
    ...figures.map((f) => f.section + '\n'),
    ...footer,
    '',
  ].join('\n');
}

/** Sections recorded by other scripts (bench:budget, the budget tests): kept below a new report. */
const KEPT_SECTION = /^## Lever budget/m;

/** Formatted like the rest of the repository, so `npm run format:check` stays green after a run. */
export async function writeResults(md: string): Promise<string> {
  const file = path.resolve(__dirname, 'results.md');
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const at = old.search(KEPT_SECTION);
  const kept = at >= 0 ? '\n' + old.slice(at) : '';
  const style = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(md + kept, { ...style, parser: 'markdown' }));
  return file;
}
