// Figure 3's floors, a process of its own: the HTTP front door and the API's Temporal call with no handler between —
// express, the raw body parsed as JSON, TemporalCheckGateway.stageEntered over a lazy grpc-js Connection, as
// api-main.ts builds them. POST /hook does only that: what a webhook handler costing nothing would reach on these
// cores. POST /hook-durable adds the delivery guarantee's two store writes, through the service's SQLite store as
// the API makes them (the token claimed before the call, marked handed and synced before the 200), and nothing
// else: no signature, settings look-up, validation, log line or middleware. Bench only: it starts a check for
// anyone who can reach it.
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express, { Response } from 'express';
import { Client, Connection } from '@temporalio/client';
import { TemporalCheckGateway } from '../src/api/check-gateway';
import { DELIVERY_CLAIM_LEASE_MS, LEVER_WEBHOOK_MAX_BYTES, deliveryBodyHash } from '../src/api/lever-webhook';
import { openSqliteSettingsStore } from '../src/settings/sqlite-store';
import type { CheckTimings } from '../src/workflows/definitions';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const teamId = env('FLOOR_TEAM_ID');
const timings = JSON.parse(env('FLOOR_TIMINGS')) as CheckTimings;
const connection = Connection.lazy({ address: env('TEMPORAL_ADDRESS') });
const gateway = new TemporalCheckGateway(new Client({ connection }), env('TEMPORAL_TASK_QUEUE'), timings);
// A store file of its own (the claims need no team row): the API's code path, not the API's file.
const store = openSqliteSettingsStore(env('FLOOR_DATA_DIR'), randomBytes(32));

/** The Lever webhook's body, read for the fields the hand-over and the claim need (the same bytes the API gets). */
interface Body {
  token: string;
  triggeredAt: number;
  data: { opportunityId: string; toStageId: string };
}

const handOver = (body: Body) =>
  gateway.stageEntered(teamId, body.data.opportunityId, {
    triggeredAt: body.triggeredAt,
    toStageId: body.data.toStageId,
  });

const answer = (res: Response, work: Promise<unknown>) =>
  work.then(
    () => res.json({ ok: true, outcome: 'accepted' }),
    (err: unknown) => res.status(503).json({ error: err instanceof Error ? err.name : 'error' }),
  );

const raw = express.raw({ type: () => true, limit: LEVER_WEBHOOK_MAX_BYTES });
const app = express();
app.post('/hook', raw, (req, res) => {
  const body = JSON.parse((req.body as Buffer).toString('utf8')) as Body;
  void answer(res, handOver(body));
});
app.post('/hook-durable', raw, (req, res) => {
  const json: unknown = JSON.parse((req.body as Buffer).toString('utf8'));
  const body = json as Body;
  const durable = async () => {
    const claim = await store.claimLeverDelivery(teamId, body.token, {
      triggeredAt: body.triggeredAt,
      bodyHash: deliveryBodyHash(json),
      abandonedBefore: Date.now() - DELIVERY_CLAIM_LEASE_MS,
    });
    if (claim.outcome !== 'claimed') throw new Error(`claim ${claim.outcome}`);
    await handOver(body);
    await store.markLeverDeliveryHanded(teamId, body.token, claim.claimId);
  };
  void answer(res, durable());
});

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'floor ready', listen: `127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void Promise.allSettled([connection.close(), store.close()]).finally(() => process.exit(0));
});
