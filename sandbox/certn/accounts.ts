// Certn customer accounts in the sandbox: each has its own API keys, its own cases (a key sees only its account's
// cases) and its own account webhook. Two teams of the service can share one account (two keys, or one) or not.
import { randomBytes } from 'node:crypto';
import { SandboxError } from './errors';
import type { WebhookDispatcher, WebhookInfo } from './webhooks';

export const SEED_API_KEY = 'sandbox-certn-key';
export const SEED_ACCOUNT_ID = 'sandbox-account';

export interface SandboxAccount {
  id: string;
  name: string;
  apiKeys: Set<string>;
  webhooks: WebhookDispatcher;
}

export interface AccountView {
  id: string;
  name: string;
  apiKeys: string[];
  webhook: WebhookInfo;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export class CertnAccounts {
  private readonly byId = new Map<string, SandboxAccount>();

  constructor(private readonly newDispatcher: () => WebhookDispatcher) {
    this.seed();
  }

  /** The account of the seeded key; control routes without an account act on it. */
  get seedAccount(): SandboxAccount {
    return this.byId.get(SEED_ACCOUNT_ID)!;
  }

  all(): SandboxAccount[] {
    return [...this.byId.values()];
  }

  get(id: string): SandboxAccount {
    const a = this.byId.get(id);
    if (!a) throw new SandboxError(404, 'not_found', `No account ${id}.`);
    return a;
  }

  forKey(key: string): SandboxAccount | undefined {
    return this.all().find((a) => a.apiKeys.has(key));
  }

  create(input: { id?: string; name?: string; key?: string }): { account: SandboxAccount; key: string } {
    const id = input.id ?? `account-${randomBytes(6).toString('hex')}`;
    if (!ID.test(id)) throw new SandboxError(400, 'invalid', 'id must be 1–64 letters, digits, _ or -.');
    if (this.byId.has(id)) throw new SandboxError(409, 'exists', `Account ${id} exists.`);
    const account: SandboxAccount = { id, name: input.name ?? id, apiKeys: new Set(), webhooks: this.newDispatcher() };
    this.byId.set(id, account);
    return { account, key: this.addKey(id, input.key) };
  }

  /** A new key (random when omitted) on an account. A key names exactly one account. */
  addKey(accountId: string, key?: string): string {
    const account = this.get(accountId);
    const k = key && key.length > 0 ? key : `sandbox-${randomBytes(18).toString('base64url')}`;
    const owner = this.forKey(k);
    if (owner && owner !== account) throw new SandboxError(409, 'exists', 'This key belongs to another account.');
    account.apiKeys.add(k);
    return k;
  }

  revokeKey(key: string): boolean {
    const owner = this.forKey(key);
    return owner ? owner.apiKeys.delete(key) : false;
  }

  view(a: SandboxAccount): AccountView {
    return { id: a.id, name: a.name, apiKeys: [...a.apiKeys], webhook: a.webhooks.info() };
  }

  /** Back to the seed: one account with the seed key; other accounts' webhooks stop. */
  reset(): void {
    for (const a of this.all()) {
      if (a.id === SEED_ACCOUNT_ID) a.webhooks.reset();
      else a.webhooks.stop();
    }
    const seedHooks = this.seedAccount.webhooks;
    this.byId.clear();
    this.seed(seedHooks);
  }

  stop(): void {
    for (const a of this.all()) a.webhooks.stop();
  }

  private seed(webhooks = this.newDispatcher()): void {
    this.byId.set(SEED_ACCOUNT_ID, {
      id: SEED_ACCOUNT_ID,
      name: 'Sandbox account',
      apiKeys: new Set([SEED_API_KEY]),
      webhooks,
    });
  }
}
