// Control routes of the Certn sandbox for accounts: create accounts, add and revoke API keys, set each account's
// webhook and read its delivery log. Routes without `/accounts/:account` act on the seed account.
import type express from 'express';
import type { Request } from 'express';
import { z } from 'zod';
import type { SandboxAccount } from './accounts';
import { controlBad as bad, controlWrap as wrap, zodMessage } from './http';
import type { CertnSandboxState } from './state';

const NewAccount = z
  .object({ id: z.string().min(1).optional(), name: z.string().min(1).optional(), key: z.string().min(1).optional() })
  .strict();
const NewKey = z.object({ key: z.string().min(1).optional(), account: z.string().min(1).optional() }).strict();
const Webhook = z.object({ url: z.string(), secret: z.string().min(1) });

export function addAccountRoutes(r: express.Router, state: CertnSandboxState): void {
  const { accounts } = state;
  const accountOf = (req: Request): SandboxAccount =>
    req.params.account ? accounts.get(req.params.account) : accounts.seedAccount;

  r.post(
    '/accounts',
    wrap((req, res) => {
      const parsed = NewAccount.safeParse(req.body ?? {});
      if (!parsed.success) return bad(res, zodMessage(parsed.error));
      const { account, key } = accounts.create(parsed.data);
      res.status(201).json({ ...accounts.view(account), key });
    }),
  );
  r.get('/accounts', (_req, res) => res.json({ accounts: accounts.all().map((a) => accounts.view(a)) }));
  r.get(
    '/accounts/:account',
    wrap((req, res) => res.json(accounts.view(accountOf(req)))),
  );

  r.post(
    '/api-keys',
    wrap((req, res) => {
      const parsed = NewKey.safeParse(req.body ?? {});
      if (!parsed.success) return bad(res, zodMessage(parsed.error));
      const account = parsed.data.account ?? accounts.seedAccount.id;
      res.status(201).json({ key: accounts.addKey(account, parsed.data.key), account });
    }),
  );
  r.delete('/api-keys/:key', (req, res) => {
    res.json({ revoked: accounts.revokeKey(req.params.key!) });
  });

  for (const base of ['', '/accounts/:account']) {
    r.put(
      `${base}/webhook`,
      wrap(async (req, res) => {
        const parsed = Webhook.safeParse(req.body ?? {});
        if (!parsed.success) return bad(res, 'url and secret are required');
        const account = accountOf(req);
        res.json(await account.webhooks.configure(parsed.data.url, parsed.data.secret));
      }),
    );
    r.get(
      `${base}/webhook`,
      wrap((req, res) => res.json(accountOf(req).webhooks.info())),
    );
    r.delete(
      `${base}/webhook`,
      wrap((req, res) => {
        const { webhooks } = accountOf(req);
        webhooks.clear();
        res.json(webhooks.info());
      }),
    );
    r.get(
      `${base}/deliveries`,
      wrap((req, res) => {
        const { webhooks } = accountOf(req);
        res.json({ webhook: webhooks.info(), deliveries: webhooks.deliveries });
      }),
    );
    r.delete(
      `${base}/deliveries`,
      wrap((req, res) => {
        accountOf(req).webhooks.clearLog();
        res.json({ ok: true });
      }),
    );
  }
}
