// Generate a Certn report and wait for it to render: the one loop both the attach activity and the report link use.
import type { CertnClient } from './client';
import type { ReportFile } from './schemas';

export interface RenderOptions {
  /** Pause between polls. */
  pollMs: number;
  /** Stop polling after this long and return the still-PENDING report; default: poll until it leaves PENDING. */
  maxWaitMs?: number;
  /** How to wait (an activity's cancellable sleep); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Asks Certn for a fresh report and polls it until it is no longer PENDING (or maxWaitMs passed). */
export async function renderReport(certn: CertnClient, caseId: string, opts: RenderOptions): Promise<ReportFile> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const deadline = opts.maxWaitMs === undefined ? Infinity : now() + opts.maxWaitMs;
  let report = await certn.generateReport(caseId);
  while (report.status === 'PENDING' && now() < deadline) {
    await sleep(opts.pollMs);
    report = await certn.getReportFile(report.id);
  }
  return report;
}
