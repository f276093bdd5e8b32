// The API's Temporal connection (the Rust core's, connected lazily) keeps the caller's deadline even where core
// would not: a frontend that accepts TCP and never answers, or none at all, gives the caller the client's own
// deadline / unavailable errors on time, which the webhooks turn into 503 or a queued hand-over.
import net from 'node:net';
import { Client, isGrpcDeadlineError } from '@temporalio/client';
import { isTemporalUnavailable } from '../../src/api/check-gateway';
import { ApiTemporalConnection } from '../../src/temporal/api-connection';
import { freePort } from '../../src/temporal/dev-server';

let blackHole: net.Server;
let blackHoleAddress: string;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  // Accepts connections and never says a word: neither the HTTP/2 handshake nor an answer comes.
  blackHole = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
  blackHoleAddress = `127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => blackHole.close(r));
});

it('a frontend that never answers: the call ends at its deadline as the client deadline error', async () => {
  const connection = new ApiTemporalConnection({ address: blackHoleAddress });
  const started = Date.now();
  const err = await connection
    .withDeadline(Date.now() + 300, () => connection.workflowService.getSystemInfo({}))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(isGrpcDeadlineError(err)).toBe(true);
  expect(isTemporalUnavailable(err)).toBe(true);
  await connection.close();
});

it('a frontend that never answers: signalWithStart through a Client fails as unavailable at its deadline', async () => {
  // The client reads status details from a failed call's metadata: the deadline error must carry what it reads.
  const connection = new ApiTemporalConnection({ address: blackHoleAddress });
  const client = new Client({ connection });
  const started = Date.now();
  const err = await connection
    .withDeadline(Date.now() + 300, () =>
      client.workflow.signalWithStart('backgroundCheck', {
        workflowId: 'nobody',
        taskQueue: 'nobody',
        args: [],
        signal: 'stageEntered',
        signalArgs: [],
      }),
    )
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(err).not.toBeInstanceOf(TypeError);
  expect(isTemporalUnavailable(err)).toBe(true);
  await connection.close();
});

it('nothing listening: a signal through a Client fails as unavailable within its deadline, and the next call dials again', async () => {
  const connection = new ApiTemporalConnection({ address: `127.0.0.1:${await freePort()}` });
  const client = new Client({ connection });
  for (let i = 0; i < 2; i++) {
    const started = Date.now();
    const err = await connection
      .withDeadline(Date.now() + 1_000, () => client.workflow.getHandle('nobody').signal('nudge'))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(isTemporalUnavailable(err)).toBe(true);
  }
  await connection.close();
});

it('closed: calls fail at once as unavailable', async () => {
  const connection = new ApiTemporalConnection({ address: blackHoleAddress });
  await connection.close();
  const err = await connection.workflowService.getSystemInfo({}).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTemporalUnavailable(err)).toBe(true);
});
