// Heartbeats while an activity waits on something slow, so Temporal retries an attempt lost with its worker after
// the activity's heartbeat timeout instead of its whole start-to-close timeout.
import { Context } from '@temporalio/activity';

export async function whileBeating<T>(work: () => Promise<T>, everyMs = 2_000): Promise<T> {
  const ctx = Context.current();
  const beat = setInterval(() => ctx.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
