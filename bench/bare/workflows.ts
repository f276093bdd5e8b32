// The engine's ceiling for figure 7: a workflow doing nothing but the same number of activities and timers as a
// check, with no-op activities. Bundled and run by bench/fig-many-teams.ts only.
import { proxyActivities, sleep } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export interface BareInput {
  activities: number;
  timers: number;
  timerMs: number;
}

/** Alternates activities and timers, as a check alternates Lever/Certn calls and waits. */
export async function bareCheck(input: BareInput): Promise<void> {
  for (let i = 0; i < Math.max(input.activities, input.timers); i++) {
    if (i < input.activities) await noop();
    if (i < input.timers) await sleep(input.timerMs);
  }
}
