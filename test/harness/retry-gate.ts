// Lets a Temporal client connection be closed while calls are still being retried. The SDK's gRPC retry waits in a
// timer between attempts; closing the channel during that wait makes the next attempt throw "Channel has been shut
// down" from the timer, an uncaught exception that kills the process (it ended `npm run bench` in figure 7, from
// calls the previous figure's API handlers were still retrying when its System stopped). The gate wraps the SDK's
// own retry (same policy): `drain()` stops new retries and waits out the backoffs already scheduled, after which
// the connection can be closed.
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

type Interceptor = ReturnType<typeof makeGrpcRetryInterceptor>;

export interface RetryGate {
  /** For `Connection.connect({ interceptors })`: the SDK's default retry, gated. */
  interceptors: Interceptor[];
  /** No new retries from now; resolves once every retry already scheduled has been attempted. */
  drain(): Promise<void>;
}

export function retryGate(): RetryGate {
  const base = defaultGrpcRetryOptions();
  let draining = false;
  let lastRetryAt = 0;
  const retry = makeGrpcRetryInterceptor({
    retryableDecider: (attempt, status) => !draining && base.retryableDecider(attempt, status),
    delayFunction: (attempt, status) => {
      const ms = base.delayFunction(attempt, status);
      lastRetryAt = Math.max(lastRetryAt, Date.now() + ms);
      return ms;
    },
  });
  return {
    interceptors: [retry],
    async drain() {
      draining = true;
      // A retry attempt starts its call synchronously in its timer: a few ms past the last one, all have started.
      const wait = lastRetryAt + 20 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    },
  };
}
