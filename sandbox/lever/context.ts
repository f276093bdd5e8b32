// What every part of the Lever sandbox's HTTP surface shares: the state, the webhook dispatcher, the clock and the
// per-key rate-limit buckets (the control surface clears them on reset and on a rate-limit change).
import type { LeverSandboxState } from './state';
import type { WebhookDispatcher } from './webhooks';

export interface LeverSandboxAppDeps {
  state: LeverSandboxState;
  dispatcher: WebhookDispatcher;
  now: () => number;
}

export interface LeverContext extends LeverSandboxAppDeps {
  buckets: Map<string, { tokens: number; last: number }>;
}
