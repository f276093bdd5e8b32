// Figure 3: ingest — the Lever webhook (verify, dedupe, signalWithStart) against a bare `signalWithStart` of the
// same workflow from a plain client on the same dev server, alternating in rounds at the same concurrency; no
// worker runs, so only the front door is measured. The API runs as a process of its own (`npm run api`, as
// deployed), so the load generator, which stands in for Lever, does not share its event loop. Beside them, the
// floors (ingest-floor.ts): the same HTTP request and Temporal call with no handler between — what any webhook
// reaches on these cores, measured rather than estimated — and the same with only the delivery guarantee's store
// writes. Also CPU per request in each process, with GET /healthz as the HTTP baseline.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TemporalCheckGateway, checkTimings } from '../src/api/check-gateway';
import { loadConfig } from '../src/config';
import type { CheckTimings } from '../src/workflows/definitions';
import { System, signedStageChange } from '../test/harness/system';
import { spawnService } from '../test/harness/service-processes';
import { FigureResult } from './report';
import type { DevServer } from '../src/temporal/dev-server';
import { KNOBS, progress } from './setup';
import { LoadResult, fmt, keepAliveHttp, percentile, procSample, runLoad, table } from './stats';

interface Pooled {
  result?: LoadResult;
  /** This process: the load generator (and the bare row's client). */
  cpuMs: number;
  /** The front door's process over the same loads: the API's, or the floor's (none for the bare call). */
  frontCpuMs: number;
  /** The dev server's CPU over the same loads. */
  serverCpuMs: number;
}

const pooled = (): Pooled => ({ cpuMs: 0, frontCpuMs: 0, serverCpuMs: 0 });

function pool(into: Pooled, r: LoadResult, cpu: Omit<Pooled, 'result'>): void {
  into.cpuMs += cpu.cpuMs;
  into.frontCpuMs += cpu.frontCpuMs;
  into.serverCpuMs += cpu.serverCpuMs;
  const a = into.result;
  if (!a) return void (into.result = r);
  const statuses = { ...a.statuses };
  for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const count = a.count + r.count;
  const wallMs = a.wallMs + r.wallMs;
  into.result = {
    count,
    wallMs,
    perSecond: (count / wallMs) * 1000,
    latenciesMs: [...a.latenciesMs, ...r.latenciesMs],
    statuses,
  };
}

async function measured(
  into: Pooled,
  pids: { server: number; front?: number },
  load: () => Promise<LoadResult>,
): Promise<void> {
  const frontCpu = () => (pids.front ? procSample(pids.front).cpuMs : 0);
  const cpu = process.cpuUsage();
  const server = procSample(pids.server).cpuMs;
  const front = frontCpu();
  const r = await load();
  const used = process.cpuUsage(cpu);
  pool(into, r, {
    cpuMs: (used.user + used.system) / 1000,
    frontCpuMs: frontCpu() - front,
    serverCpuMs: procSample(pids.server).cpuMs - server,
  });
}

/** The floor (ingest-floor.ts) as a process of its own, like the API: the same request and call, no handler. */
async function startFloor(sys: System, teamId: string, timings: CheckTimings, dataDir: string) {
  const proc = spawnService(path.join(__dirname, 'ingest-floor.ts'), {
    TEMPORAL_ADDRESS: sys.temporalAddress,
    TEMPORAL_TASK_QUEUE: sys.taskQueue,
    FLOOR_TEAM_ID: teamId,
    FLOOR_TIMINGS: JSON.stringify(timings),
    FLOOR_DATA_DIR: dataDir,
  });
  const ready = await proc.waitForLog('floor ready');
  return Object.assign(proc, { url: `http://${ready.listen}` });
}

export async function ingestFigure(server: DevServer): Promise<FigureResult> {
  const serverPid = server.process.pid!;
  const { ingest: n, concurrency: c, rounds } = KNOBS;
  progress(`(3) ingest: ${n} webhook deliveries vs ${n} bare signalWithStart at concurrency ${c}, ${rounds} rounds...`);
  const sys = await System.start({ worker: false, certnStepMs: null });
  // The bare row's client is the API's kind (the SDK's grpc-js `Connection`), so the rows differ only by what the
  // webhook adds, and the API's Temporal client cost can be told from its handler's.
  const connection = await Connection.connect({ address: sys.temporalAddress });
  let floor: Awaited<ReturnType<typeof startFloor>> | undefined;
  const floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certn-floor-'));
  try {
    const team = await sys.setupTeam();
    const triggerStageId: string = (await sys.admin('GET', `/teams/${team.id}`)).json.lever.triggerStageId;
    const hooks = (await sys.leverCtl('GET', '/webhooks')).data as { url: string; signatureToken: string }[];
    const signatureToken = hooks.find((h) => h.url === team.leverHookUrl)!.signatureToken;
    // The team was set up through the in-process API; the deliveries go to the API process (same store), whose
    // check clock is the configuration's default: the bare call and the floor send the same input.
    const api = await sys.spawnApi();
    const timings = checkTimings(loadConfig({ DATA_DIR: os.tmpdir() }));
    floor = await startFloor(sys, team.id, timings, floorDir);
    const hookUrl = team.leverHookUrl.replace(sys.apiUrl, api.url);
    const apiPids = { server: serverPid, front: api.child.pid! };
    const floorPids = { server: serverPid, front: floor.child.pid! };

    const send = keepAliveHttp(c);
    const stageChange = () => signedStageChange(signatureToken, triggerStageId);
    const post = (url: string) => async (): Promise<string> => {
      const res = await send(url, 'POST', stageChange());
      const json = JSON.parse(res.body.toString()) as { outcome?: string; error?: string };
      return `${res.status} ${json.outcome ?? json.error ?? ''}`.trim();
    };
    const webhook = post(hookUrl);
    const floorHook = post(`${floor.url}/hook`);
    const durableHook = post(`${floor.url}/hook-durable`);
    // The very call the API makes (TemporalCheckGateway.stageEntered: type, input, signal, search attributes,
    // summary, deadline), from a plain client, without HTTP, signature, dedupe or settings look-up: the engine alone.
    const plain = new TemporalCheckGateway(new Client({ connection }), sys.taskQueue, timings);
    const bare = async (): Promise<string> => {
      await plain.stageEntered(team.id, randomUUID(), { triggeredAt: Date.now(), toStageId: triggerStageId });
      return 'ok';
    };
    const health = async (): Promise<string> => {
      const res = await send(`${api.url}/healthz`);
      return String(res.status);
    };

    // Warm-up: connections, prepared statements, all clients.
    await runLoad(100, c, health);
    await runLoad(100, c, webhook);
    await runLoad(100, c, floorHook);
    await runLoad(100, c, durableHook);
    await runLoad(100, c, bare);

    const per = Math.ceil(n / rounds);
    const [h, w, f, d, b] = [pooled(), pooled(), pooled(), pooled(), pooled()];
    const loads = [
      () => measured(w, apiPids, () => runLoad(per, c, webhook)),
      () => measured(f, floorPids, () => runLoad(per, c, floorHook)),
      () => measured(d, floorPids, () => runLoad(per, c, durableHook)),
      () => measured(b, { server: serverPid }, () => runLoad(per, c, bare)),
    ];
    for (let r = 0; r < rounds; r++) {
      await measured(h, apiPids, () => runLoad(per, c, health));
      // Each round starts with another of the four: the dev server slows as started workflows pile up in it, so a
      // fixed order would favour whichever load always ran first.
      for (let i = 0; i < loads.length; i++) await loads[(r + i) % loads.length]!();
    }
    const [wr, fr, br] = [w.result!, f.result!, b.result!];
    const throughput = wr.perSecond / br.perSecond;
    const p99Of = (r: LoadResult) => percentile(r.latenciesMs, 99);
    const p99 = p99Of(wr) / p99Of(br);
    const floorThroughput = fr.perSecond / br.perSecond;
    const floorP99 = p99Of(fr) / p99Of(br);
    const durableThroughput = d.result!.perSecond / br.perSecond;
    const durableP99 = p99Of(d.result!) / p99Of(br);
    const cpu = (p: Pooled) => p.cpuMs / p.result!.count;
    const frontCpu = (p: Pooled) => p.frontCpuMs / p.result!.count;
    const serverCpu = (p: Pooled) => p.serverCpuMs / p.result!.count;
    /** CPU per request, the three processes together (ms). */
    const total = (p: Pooled) => cpu(p) + frontCpu(p) + serverCpu(p);
    /** The three processes' CPU over the load's wall time, in cores (the machine has os.cpus().length). */
    const cores = (p: Pooled) => (total(p) * p.result!.count) / p.result!.wallMs;
    /** The handler's own CPU: the API's per delivery less the floor's per request (the same request and call). */
    const handlerMs = frontCpu(w) - frontCpu(f);
    const row = (name: string, p: Pooled) => {
      const r = p.result!;
      return [
        name,
        r.count,
        Object.entries(r.statuses)
          .map(([s, k]) => `${s}: ${k}`)
          .join(', '),
        fmt(r.perSecond, 0),
        fmt(percentile(r.latenciesMs, 50), 2),
        fmt(percentile(r.latenciesMs, 99), 2),
        fmt(cpu(p), 3),
        fmt(frontCpu(p), 3),
        fmt(serverCpu(p), 3),
        fmt(cores(p), 2),
      ];
    };
    const cpus = os.cpus().length;
    const saturated = Math.min(cores(w), cores(f), cores(d), cores(b)) >= 0.8 * cpus;
    const section = [
      `## 3. Ingest: the Lever webhook vs a bare signalWithStart, concurrency ${c}`,
      '',
      `${per} requests per load in each of ${rounds} alternating rounds (figures pool the rounds), on one dev server, no`,
      'worker. "Webhook": a signed `candidateStageChange` for a new opportunity, sent by this process to the API process',
      '(`npm run api`) — signature, token claimed in SQLite, `signalWithStart`, the claim marked handed (durable) before',
      'the 200. "Bare": the very `signalWithStart` the API makes (`TemporalCheckGateway.stageEntered`: type, input,',
      "signal, search attributes, summary) from a plain client in this process, the API's kind (grpc-js). The floors:",
      'the same signed body sent to a process of its own (bench/ingest-floor.ts) that parses it and makes that call with',
      'no handler between (what a webhook costing nothing would reach here), and with only the delivery guarantee',
      "between: the token claimed and, after the call, marked handed and synced, through the service's SQLite store as",
      "the API does. The load generator sends over kept-alive node:http sockets, a quarter to a third of fetch's CPU per request",
      '(bench/client-cpu.ts). CPU per request around each load: this process (the load generator, standing in for Lever;',
      "the bare row's client), the front door's process (the API's, or the floors') and the dev server; \"cores busy\":",
      `the three together over the load's wall time, out of the machine's ${cpus}.`,
      '',
      table(
        [
          'load',
          'requests',
          'answers',
          'req/s',
          'p50 ms',
          'p99 ms',
          'load generator CPU ms / request',
          'API (floor) CPU ms / request',
          'server CPU ms / request',
          'cores busy (all)',
        ],
        [
          row('GET /healthz (HTTP baseline)', h),
          row('Lever webhook → signalWithStart', w),
          row('floor: same request → same call, no handler', f),
          row('floor + the delivery guarantee (token claim, durable mark)', d),
          row('bare signalWithStart (plain client)', b),
        ],
      ),
      '',
      `Throughput webhook ÷ bare **${fmt(throughput, 2)}**, p99 webhook ÷ bare **${fmt(p99, 2)}×**.`,
      '',
      `Where the ceiling is: the floor reached **${fmt(floorThroughput, 2)}** of the bare call (p99 ${fmt(floorP99, 2)}×). No webhook`,
      'handler, however cheap, goes above that on these cores, beyond the noise between runs: the request, its sender and',
      'its HTTP server take CPU from',
      'the same cores as the dev server (in production Lever sends from its own machines and the API has cores of its',
      `own). The webhook reached **${fmt(throughput / floorThroughput, 2)}** of the floor. The floor doing only the delivery guarantee's two`,
      'writes — the token claim, and the mark synced to disk before the 200: what stops a replayed or re-signed delivery',
      'from acting twice, and a 2xx from going out before the hand-over is on disk — reached',
      `**${fmt(durableThroughput / floorThroughput, 2)}** of it (${fmt(durableThroughput, 2)} of the bare call, p99 ${fmt(durableP99, 2)}×): the ceiling of any webhook that keeps the guarantee,`,
      'which the issue says not to weaken.',
      throughput >= 0.97 * durableThroughput
        ? 'The webhook is at that ceiling (within 3 %).'
        : "What the webhook loses beyond it is the signature, the team's settings, validation, the log line and the API's middleware.",
      `The handler's own CPU per delivery, the API's less the floor's`,
      `for the same request and call: **${fmt(handlerMs, 3)} ms** (${fmt(frontCpu(w), 3)} − ${fmt(frontCpu(f), 3)} ms), of which the guarantee's writes`,
      `${fmt(frontCpu(d) - frontCpu(f), 3)} ms (estimated as before, the API's less its /healthz cost and the bare row's client: ${fmt(frontCpu(w) - frontCpu(h) - cpu(b), 3)} ms).`,
      `The loads kept ${[w, f, d, b].map((p) => fmt(cores(p), 2)).join(', ')} of the ${cpus} cores busy (webhook, floor, floor with the guarantee, bare;`,
      `the three processes together)${saturated ? ', so each ran as fast as the CPU it costs per request allows' : ': not all saturated, so CPU per request explains the ratios only in part'}; per`,
      `request, all processes: ${[w, f, d, b].map((p) => fmt(total(p), 2)).join(', ')} ms. At a fixed concurrency a request takes`,
      "concurrency ÷ throughput on average (Little's law), so the latency bar meets the same bound.",
    ].join('\n');
    return {
      section,
      rows: [
        {
          figure: 'webhook ingest ÷ bare signalWithStart, concurrency 16',
          measured: `${fmt(throughput, 2)} (p99 ${fmt(p99, 2)}×)`,
          bar: '≥ 0.9, p99 ≤ 1.1×',
          met: throughput >= 0.9 && p99 <= 1.1,
        },
        {
          figure: "ingest ceilings on these cores, measured ÷ bare: no handler; only the delivery guarantee's writes",
          measured: `${fmt(floorThroughput, 2)} (p99 ${fmt(floorP99, 2)}×); ${fmt(durableThroughput, 2)} (p99 ${fmt(durableP99, 2)}×)`,
          bar: 'explain the row above',
        },
        {
          figure:
            "webhook handler's own cost: Node CPU per delivery (the guarantee's writes); throughput ÷ no handler's",
          measured: `${fmt(handlerMs, 3)} ms (${fmt(frontCpu(d) - frontCpu(f), 3)}); ${fmt(throughput / floorThroughput, 2)}`,
          bar: 'lower is better (was ≈ 1.85 ms)',
        },
      ],
    };
  } finally {
    floor?.child.kill('SIGKILL');
    fs.rmSync(floorDir, { recursive: true, force: true });
    await connection.close();
    await sys.stop();
  }
}
