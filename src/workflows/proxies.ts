// How the check workflow calls its activities: three retry policies, each for a kind of side effect.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { CheckActivities } from '../activities';

// Lever and Certn calls: retried with backoff until they succeed (429, 5xx, timeouts); 4xx fail at once.
export const api = proxyActivities<CheckActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

// Ordering costs money: its activity searches Certn before any retry, so a retry never orders twice. It heartbeats,
// so an attempt lost with its worker (a crash, or a task handed to a worker as it stopped) is retried after 20 s.
export const ordering = proxyActivities<CheckActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

// The report PDF can take a while to render on Certn's side; the activity heartbeats while it waits, so an attempt
// lost with its worker is retried after the heartbeat timeout rather than the whole 10 minutes.
export const reports = proxyActivities<CheckActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

// Reads and the updates they call for (the stage confirmation; each step of following a case) as local activities:
// a marker in history instead of an activity's three events and a workflow task of its own (issue 12: smaller
// histories). Retried like `api`; past a minute between attempts the SDK waits on a timer, not in the task.
export const local = proxyLocalActivities<CheckActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '3 days',
  localRetryThreshold: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
