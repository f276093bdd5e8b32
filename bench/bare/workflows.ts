// The engine's ceiling for figure 7: a workflow doing nothing but the same number of activities, local activities
// and timers as a check, all no-ops. Bundled and run by bench/bare/run.ts only.
import { proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export interface BareInput {
  activities: number;
  localActivities: number;
  timers: number;
  timerMs: number;
}

/** Alternates activities, local activities and timers, as a check alternates Lever/Certn calls and waits. */
export async function bareCheck(input: BareInput): Promise<void> {
  const steps = Math.max(input.activities, input.localActivities, input.timers);
  for (let i = 0; i < steps; i++) {
    if (i < input.activities) await noop();
    if (i < input.localActivities) await local.noop();
    if (i < input.timers) await sleep(input.timerMs);
  }
}
