// Figure 6: memory and idle cost of many open checks — checks across many teams held open (Certn cases not
// advancing, a long poll interval) by a worker in a process of its own whose cache (maxCachedWorkflows) is far
// smaller than the open checks; worker and Temporal server RSS, their CPU over an idle window, and callback → tag
// latency for a sample of checks (most of them evicted from the cache, so a callback means a replay).
import type { DevServer } from '../src/temporal/dev-server';
import { System } from '../test/harness/system';
import { startRelay } from './relay';
import { FigureResult } from './report';
import { KNOBS, progress, sleep } from './setup';
import { fmt, mapLimit, mib, percentile, procSample } from './stats';
import { createCandidates, moveAll, setupTeams } from './teams';

export async function memoryFigure(server: DevServer): Promise<FigureResult> {
  const { openChecks: n, openTeams, maxCached, idleSeconds, callbackSample } = KNOBS;
  const wave = Math.max(1, Math.floor(maxCached * 0.8));
  const perTeam = Math.ceil(n / openTeams);
  progress(`(6) memory: ${perTeam * openTeams} open checks in ${openTeams} teams, worker cache ${maxCached}...`);
  const sys = await System.start({
    worker: false,
    certnStepMs: null,
    pollIntervalMs: 24 * 3_600_000,
    leverRetryBaseMs: 1000,
  });
  const relay = await startRelay();
  try {
    const teams = await setupTeams(sys, relay, openTeams);
    const candidates = await createCandidates(sys, teams, perTeam, relay);
    process.env.WORKER_MAX_CACHED_WORKFLOWS = String(maxCached);
    const worker = await sys.spawnWorker();
    await sleep(1000);
    const serverPid = server.process.pid!;
    const workerBase = procSample(worker.pid!);
    const serverBase = procSample(serverPid);

    const started = Date.now();
    // Moved in waves no larger than the cache: checks opening at once all stay cached, so opening 10,000 costs no
    // replays (a wave far larger than the cache thrashes it: every task of an evicted check replays its history).
    // A wave is open when each of its candidates has a case and Lever has been quiet for a poll (the Pending tags
    // written). Deliveries the service refused under load are retried by the Lever sandbox; if nothing moves for a
    // minute, go on with what opened.
    const cases = () => [...sys.certn.state.cases.values()];
    // Round-robin over the teams, so each wave spreads over every team's Lever key.
    const rank = new Map<string, number>();
    const order = candidates
      .map((c) => ({ c, k: (rank.set(c.teamId, (rank.get(c.teamId) ?? -1) + 1), rank.get(c.teamId)!) }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.c);
    let opened = 0;
    let orders = 0;
    for (let from = 0; from < candidates.length; from += wave) {
      const moved = Math.min(candidates.length, from + wave);
      await moveAll(sys, order.slice(from, moved));
      let last = '';
      let still = 0;
      for (;;) {
        await sleep(1000);
        const lever = await sys.leverCtl('GET', '/requests');
        // Candidates with a case (a second order for the same candidate must not count as another open check).
        opened = new Set(cases().map((c) => c.email_address)).size;
        orders = cases().length;
        const now = `${opened}/${lever.counters.requests}`;
        still = now === last ? still + 1 : 0;
        last = now;
        if ((opened >= moved && still >= 1) || still >= 60) break;
      }
      progress(`(6) ${opened} of ${moved} checks open`);
    }
    const openS = (Date.now() - started) / 1000;

    const w0 = procSample(worker.pid!);
    const s0 = procSample(serverPid);
    await sleep(idleSeconds * 1000);
    const w1 = procSample(worker.pid!);
    const s1 = procSample(serverPid);
    const idleCpu = (a: { cpuMs: number }, b: { cpuMs: number }) => (b.cpuMs - a.cpuMs) / (idleSeconds * 1000);

    // Callback → tag: the earliest checks (evicted first) get their case moved to "submitted" one at a time.
    const step = Math.max(1, Math.floor(candidates.length / 2 / callbackSample));
    const sample = candidates.filter((_, i) => i % step === 0).slice(0, callbackSample);
    const measured = await mapLimit(sample, 1, async (c) => {
      const [kase] = await sys.casesFor(c.email);
      if (!kase) return NaN; // this check did not open
      const t0 = Date.now();
      await sys.advanceCase(kase.id, 4);
      const o = await sys.waitFor('the Analyzing tag', async () => {
        const opp = await sys.opportunity(c.opportunityId);
        return (opp.tagEvents as { tag: string; at: number; changed: boolean }[]).find(
          (e) => e.tag === 'CERTN - Analyzing' && e.changed,
        );
      });
      return o.at - t0;
    });
    const latencies = measured.filter((ms) => Number.isFinite(ms));
    const w2 = procSample(worker.pid!);
    const open = candidates.length;
    const perCheckKiB = ((w1.rssBytes - workerBase.rssBytes) / Math.min(open, maxCached) / 1024).toFixed(0);
    const section = [
      '## 6. Memory and idle cost of many open checks',
      '',
      `${open} checks in ${openTeams} teams (each with its own Lever key and Certn account; Lever's webhooks routed to the`,
      'owning team by bench/relay.ts, since the Lever sandbox models one account), Certn not advancing, poll interval 24 h; one worker',
      `in a process of its own with \`maxCachedWorkflows\` = ${maxCached} (set by WORKER_MAX_CACHED_WORKFLOWS in`,
      `test/harness/worker-process.ts). ${opened} of ${open} checks ordered their case (opened) in ${fmt(openS, 0)} s (${orders} cases ordered in all).`,
      '',
      `- Worker RSS: ${mib(workerBase.rssBytes)} MiB ready, **${mib(w1.rssBytes)} MiB** with the checks open and idle,`,
      `  ${mib(w2.rssBytes)} MiB after the callback sample (growth over the ready worker ÷ checks the cache can hold: ${perCheckKiB} KiB).`,
      `- Temporal dev server RSS (pid ${serverPid}): ${mib(serverBase.rssBytes)} MiB before, **${mib(s1.rssBytes)} MiB** after.`,
      `- Idle CPU over ${idleSeconds} s: worker **${fmt(idleCpu(w0, w1) * 100, 1)} %**, server **${fmt(idleCpu(s0, s1) * 100, 1)} %** of one core.`,
      `- Callback → tag (case moved to "submitted", the Analyzing tag written) for ${latencies.length} checks, one at a`,
      `  time: p50 **${fmt(percentile(latencies, 50), 0)} ms**, p99 **${fmt(percentile(latencies, 99), 0)} ms**.`,
      `- Deliveries the relay could not route: ${relay.unrouted()}.`,
    ].join('\n');
    return {
      section,
      rows: [
        {
          figure: `${open} open checks, worker cache ${maxCached}: worker / server RSS`,
          measured: `${mib(w1.rssBytes)} MiB / ${mib(s1.rssBytes)} MiB`,
          bar: '10,000 open checks ≤ 1 GiB worker RSS',
          met: open >= 10_000 ? w1.rssBytes <= 2 ** 30 : undefined,
        },
        {
          figure: `idle CPU over ${idleSeconds} s (worker / server); callback → tag p50 / p99`,
          measured: `${fmt(idleCpu(w0, w1) * 100, 1)} % / ${fmt(idleCpu(s0, s1) * 100, 1)} %; ${fmt(percentile(latencies, 50), 0)} / ${fmt(percentile(latencies, 99), 0)} ms`,
          bar: 'reported',
        },
      ],
    };
  } finally {
    delete process.env.WORKER_MAX_CACHED_WORKFLOWS;
    await relay.stop();
    await sys.stop();
  }
}
