// Client CPU in one run on one dev server: the load generator's HTTP (node:http over kept-alive sockets,
// bench/stats.ts, against fetch) and, for the record, a Temporal client over the SDK's Rust-core `NativeConnection`
// against the grpc-js `Connection` the API uses. The Rust core is cheaper per call but was not adopted for the API:
// it retries a failed call with backoff and takes the caller's deadline per attempt, so a hand-over the API already
// reported as failed (and queued for the relay) can still reach Temporal seconds later. Node CPU of this process per
// call at concurrency 16, alternating in rounds; the dev server's CPU per call beside it.
// `npx tsx bench/client-cpu.ts` (about a minute); prints a markdown section for bench/results.md.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { TemporalCheckGateway, checkTimings } from '../src/api/check-gateway';
import { loadConfig } from '../src/config';
import { startRun, say } from './setup';
import { fmt, keepAliveHttp, procSample, runLoad, table } from './stats';

const ROUNDS = 3;
const CALLS = Number(process.env.BENCH_CLIENT_CALLS ?? 1000);
const C = 16;

interface Tally {
  calls: number;
  cpuMs: number;
  serverCpuMs: number;
  wallMs: number;
}

async function measure(into: Tally, serverPid: number | undefined, call: () => Promise<unknown>): Promise<void> {
  const cpu = process.cpuUsage();
  const server = serverPid ? procSample(serverPid).cpuMs : 0;
  const r = await runLoad(CALLS, C, async () => {
    await call();
    return 'ok';
  });
  if (Object.keys(r.statuses).some((s) => s !== 'ok')) throw new Error(`failed calls: ${JSON.stringify(r.statuses)}`);
  const used = process.cpuUsage(cpu);
  into.calls += CALLS;
  into.cpuMs += (used.user + used.system) / 1000;
  into.serverCpuMs += serverPid ? procSample(serverPid).cpuMs - server : 0;
  into.wallMs += r.wallMs;
}

const tally = (): Tally => ({ calls: 0, cpuMs: 0, serverCpuMs: 0, wallMs: 0 });

async function main(): Promise<void> {
  // HTTP: a bare node server in a process of its own answers a webhook-sized POST with a small JSON body.
  const srv = spawn(
    process.execPath,
    [
      '-e',
      `require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.setHeader('content-type','application/json');s.end('{"outcome":"accepted"}')})}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((r) => srv.stdout!.once('data', (d) => r(Number(String(d).trim()))));
  const url = `http://127.0.0.1:${port}/hook`;
  const body = JSON.stringify({
    triggeredAt: Date.now(),
    event: 'candidateStageChange',
    data: { opportunityId: randomUUID() },
    signature: 'a'.repeat(64),
    token: 'b'.repeat(48),
  });
  const send = keepAliveHttp(C);
  const viaFetch = async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    JSON.parse(await res.text());
  };
  const viaHttp = async () => JSON.parse((await send(url, 'POST', body)).body.toString());
  const [f, h] = [tally(), tally()];
  await runLoad(300, C, async () => (await viaFetch(), 'ok'));
  await runLoad(300, C, async () => (await viaHttp(), 'ok'));
  for (let i = 0; i < ROUNDS; i++) {
    await measure(f, undefined, viaFetch);
    await measure(h, undefined, viaHttp);
  }
  srv.kill();

  const run = await startRun();
  const serverPid = run.server.process.pid!;
  const address = run.server.address;
  const grpcConnection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const clients = {
    grpc: new Client({ connection: grpcConnection }),
    native: new Client({ connection: nativeConnection }),
  };
  // The API's very call (TemporalCheckGateway.stageEntered), over either connection; no worker runs.
  const timings = checkTimings(loadConfig({ DATA_DIR: os.tmpdir() }));
  const signalWithStart = (client: Client) => {
    const gateway = new TemporalCheckGateway(client, 'client-cpu-no-worker', timings);
    return () => gateway.stageEntered('team', randomUUID(), { triggeredAt: Date.now(), toStageId: 'stage' });
  };
  const [g, a] = [tally(), tally()];
  await runLoad(200, C, async () => (await signalWithStart(clients.grpc)(), 'ok'));
  await runLoad(200, C, async () => (await signalWithStart(clients.native)(), 'ok'));
  for (let i = 0; i < ROUNDS; i++) {
    await measure(g, serverPid, signalWithStart(clients.grpc));
    await measure(a, serverPid, signalWithStart(clients.native));
  }
  await nativeConnection.close();
  await grpcConnection.close();
  await run.stop();

  const row = (name: string, t: Tally, server: boolean) => [
    name,
    t.calls,
    fmt((t.calls / t.wallMs) * 1000, 0),
    fmt(t.cpuMs / t.calls, 3),
    server ? fmt(t.serverCpuMs / t.calls, 2) : '—',
  ];
  say(`## Client CPU: the load generator's HTTP and two Temporal connections — ${new Date().toISOString()}`);
  say('');
  say(
    `- Command: \`npx tsx bench/client-cpu.ts\` (${ROUNDS} alternating rounds of ${CALLS} calls each, concurrency ${C}).`,
  );
  say('');
  say(
    table(
      ['client', 'calls', 'calls/s', 'this process CPU ms / call', 'dev server CPU ms / call'],
      [
        row('POST, fetch (undici)', f, false),
        row('POST, node:http keep-alive (the load generator)', h, false),
        row('signalWithStart, grpc-js `Connection` (SDK default, the API)', g, true),
        row('signalWithStart, Rust core `NativeConnection` (not adopted)', a, true),
      ],
    ),
  );
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
