// The Lever sandbox: a local HTTP server implementing contracts/lever.md plus a control surface (README.md).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../log';
import { createLeverSandboxApp } from './app';
import { createState, LeverSandboxState, SandboxConfig } from './state';
import { WebhookDispatcher } from './webhooks';

export { createLeverSandboxApp } from './app';
export type { LeverSandboxAppDeps } from './app';
export * from './state';
export { WebhookDispatcher } from './webhooks';

const log = createLogger('lever-sandbox');

export interface LeverSandboxOptions extends Partial<SandboxConfig> {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Clock for timestamps (triggeredAt, updatedAt…); rate limiting always uses the real monotonic clock. */
  now?: () => number;
}

export interface LeverSandbox {
  /** e.g. http://127.0.0.1:43123 — the client's baseUrl is `${url}/v1`. */
  url: string;
  state: LeverSandboxState;
  dispatcher: WebhookDispatcher;
  /** Waits until no webhook delivery is in flight or waiting for a retry. */
  webhooksIdle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLeverSandbox(opts: LeverSandboxOptions = {}): Promise<LeverSandbox> {
  const { port = 0, host = '127.0.0.1', now = Date.now, ...config } = opts;
  const state = createState(config);
  const dispatcher = new WebhookDispatcher(state, now);
  const app = createLeverSandboxApp({ state, dispatcher, now });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
  log.info('lever sandbox listening', { url });
  return {
    url,
    state,
    dispatcher,
    webhooksIdle: () => dispatcher.idle(),
    stop: async () => {
      dispatcher.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
