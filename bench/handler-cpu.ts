// The Lever webhook handler's own CPU with Temporal left out: the API app (createApiApp, the real settings store and
// team) with a gateway that does nothing, against a bare express handler parsing the same body, alternating in
// rounds in this one process. The difference per delivery is the handler: team look-up, signature, token claim,
// validation, durable mark, log line, middleware. `npx tsx bench/handler-cpu.ts`; run it under
// `node --cpu-prof --import tsx` to see which of those the time goes to.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { createApiApp } from '../src/api/app';
import type { CheckGateway } from '../src/api/check-gateway';
import { loadConfig } from '../src/config';
import { System, signedStageChange } from '../test/harness/system';
import { quietServiceLog, say, startRun } from './setup';
import { fmt, keepAliveHttp, runLoad } from './stats';

const DELIVERIES = 2000;
const ROUNDS = 5;
const CONCURRENCY = 16;

const listen = (app: express.Express) =>
  new Promise<string>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });

async function main(): Promise<void> {
  quietServiceLog();
  const run = await startRun();
  const sys = await System.start({ worker: false, certnStepMs: null, relayIntervalMs: null });
  try {
    const team = await sys.setupTeam();
    const triggerStageId: string = (await sys.admin('GET', `/teams/${team.id}`)).json.lever.triggerStageId;
    const hooks = (await sys.leverCtl('GET', '/webhooks')).data as { url: string; signatureToken: string }[];
    const signatureToken = hooks.find((h) => h.url === team.leverHookUrl)!.signatureToken;

    // Only stageEntered is reached by these deliveries: it resolves at once, as if Temporal took it in no time.
    const gateway = { stageEntered: async () => undefined } as unknown as CheckGateway;
    const api = createApiApp({
      store: sys.store,
      gateway,
      config: loadConfig({ DATA_DIR: os.tmpdir(), LEVER_WEBHOOK_WINDOW_SECONDS: '300' }),
      adminToken: randomUUID(),
      leverBaseUrl: `${sys.lever.url}/v1`,
      certnBaseUrl: sys.certn.url,
    });
    const bare = express();
    bare.post('/hook', express.raw({ type: () => true }), (req, res) => {
      JSON.parse((req.body as Buffer).toString('utf8'));
      res.json({ ok: true, outcome: 'accepted' });
    });
    const urls = {
      handler: `${await listen(api)}${new URL(team.leverHookUrl).pathname}`,
      bare: `${await listen(bare)}/hook`,
    };

    const send = keepAliveHttp(CONCURRENCY);
    const stageChange = () => signedStageChange(signatureToken, triggerStageId);
    const post = (url: string) => async () => {
      const res = await send(url, 'POST', stageChange());
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${res.body.toString()}`);
      return String(res.status);
    };
    const loads = { handler: post(urls.handler), bare: post(urls.bare) };

    for (const load of Object.values(loads)) await runLoad(500, CONCURRENCY, load); // warm-up
    const cpuMs = { handler: 0, bare: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, load] of Object.entries(loads) as [keyof typeof loads, () => Promise<string>][]) {
        const before = process.cpuUsage();
        await runLoad(DELIVERIES, CONCURRENCY, load);
        const used = process.cpuUsage(before);
        cpuMs[name] += (used.user + used.system) / 1000;
      }
    }
    const per = (ms: number) => ms / (DELIVERIES * ROUNDS);
    say(
      `CPU per delivery (this process: load generator and server): API app ${fmt(per(cpuMs.handler), 3)} ms, ` +
        `bare express ${fmt(per(cpuMs.bare), 3)} ms; the handler's own: ` +
        `${fmt(per(cpuMs.handler) - per(cpuMs.bare), 3)} ms (${DELIVERIES * ROUNDS} deliveries each, ${ROUNDS} rounds)`,
    );
  } finally {
    await sys.stop();
    await run.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
