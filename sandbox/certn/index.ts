// Certn sandbox: a local HTTP server implementing contracts/certn.md plus a control surface (see README.md).
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLogger } from '../log';
import { createCertnSandboxApp } from './app';
import { CertnSandboxState } from './state';

export { CertnSandboxState } from './state';
export type { SandboxCase, SandboxCheck, SandboxReportFile, AutoAdvance } from './state';
export { SIDE_PATHS, type SidePath } from './lifecycle';
export { SEED_ACCOUNT_ID, SEED_API_KEY } from './accounts';
export type { AccountView, SandboxAccount } from './accounts';
export { ORDER_FAILURE_MODES } from './faults';
export type { Faults, OrderFailureMode, Tuning } from './faults';
export type { DeliveryRecord, WebhookInfo, WebhookFaults } from './webhooks';
export { createCertnSandboxApp } from './app';

const log = createLogger('certn-sandbox');

export interface CertnSandbox {
  /** Base URL, e.g. http://127.0.0.1:54321 — use it as the Certn client's baseUrl. */
  url: string;
  stop(): Promise<void>;
  state: CertnSandboxState;
}

export async function startCertnSandbox(opts: { port?: number; host?: string } = {}): Promise<CertnSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const state = new CertnSandboxState();
  const app = createCertnSandboxApp(state);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, host, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${urlHost}:${port}`;
  state.baseUrl = url;
  log.info('certn sandbox listening', { url });
  let stopped = false;
  return {
    url,
    state,
    async stop() {
      if (stopped) return;
      stopped = true;
      state.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
