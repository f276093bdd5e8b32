// The fault scenarios, one small object each: setup, the fault injected once half the batch is in, how it is healed,
// and the outcome the invariants hold it to. Adding a scenario is a few lines here. Issue 11 point 1 scenarios this
// code base cannot stage yet are listed in NOT_BUILT with the reason.
import { randomBytes } from 'node:crypto';
import { leverSignature } from '../../src/lever/signature';
import { TRIGGER_STAGE } from '../../test/harness/system';
import { Candidate } from './invariants';
import { FaultContext, Scenario, killWorker } from './runner';

const COMPLETE_ONCE = 'every check Complete once: one tag, one case, one link, one PDF, one note';

async function deliveriesOf(ctx: FaultContext, opp: string): Promise<{ id: string; body: string }[]> {
  return (await ctx.sys.leverCtl('GET', `/deliveries?opportunityId=${opp}&event=candidateStageChange`)).data;
}

async function waitForDelivery(ctx: FaultContext, opp: string): Promise<{ id: string; body: string }> {
  return ctx.sys.waitFor('the delivery', async () => (await deliveriesOf(ctx, opp))[0]);
}

/** POSTs a body straight to the team's Lever webhook URL, as a forger would; keeps the answer for the scan. */
async function postLever(ctx: FaultContext, body: unknown): Promise<number> {
  const r = await ctx.sys.http('POST', ctx.team.leverHookUrl, body);
  ctx.responses.push(r.text);
  return r.status;
}

/** A candidate in Lever who never entered the trigger stage, named in a delivery signed with the team's token. */
async function signedButUnconfirmed(ctx: FaultContext): Promise<Candidate> {
  const c = await ctx.newCandidate();
  const secrets = await ctx.sys.store.getTeamSecrets(ctx.team.id);
  const config = await ctx.sys.store.getTeamConfig(ctx.team.id);
  const token = randomBytes(24).toString('hex');
  const triggeredAt = Date.now();
  await postLever(ctx, {
    triggeredAt,
    event: 'candidateStageChange',
    data: { opportunityId: c.opp, toStageId: config!.lever.triggerStageId, fromStageId: null },
    token,
    signature: leverSignature(secrets!.lever.signatureToken!, token, triggeredAt),
  });
  ctx.unconfirmed.push(c);
  ctx.faults++;
  return c;
}

let apiRestart: Promise<void> | undefined;

export const SCENARIOS: Scenario[] = [
  { name: 'baseline (no fault)', expected: COMPLETE_ONCE },
  {
    name: 'worker SIGKILLed and restarted',
    expected: COMPLETE_ONCE + '; in-flight activities retried after their timeout',
    setup: { spawnedWorkers: 1 },
    async inject(ctx) {
      await killWorker(ctx.workers[0]!);
      ctx.faults++;
      await new Promise((r) => setTimeout(r, 1000));
      ctx.workers[0] = await ctx.sys.spawnWorker();
    },
  },
  {
    name: 'two workers, one SIGKILLed',
    expected: COMPLETE_ONCE + '; the survivor takes over',
    setup: { spawnedWorkers: 2 },
    async inject(ctx) {
      await killWorker(ctx.workers[0]!);
      ctx.faults++;
    },
  },
  {
    name: 'Temporal stopped and restarted',
    expected: COMPLETE_ONCE + '; stage changes queued (202) while it was down, relayed once it is back',
    setup: { ownTemporal: true },
    async inject(ctx) {
      await ctx.temporal!.restart(2000);
      ctx.faults++;
    },
  },
  {
    name: 'Temporal unreachable for 10 s',
    expected: COMPLETE_ONCE + '; 202 queued to Lever meanwhile, relayed after recovery',
    setup: { ownTemporal: true, system: { leverRetryBaseMs: 1500 } },
    async inject(ctx) {
      await ctx.temporal!.restart(10_000);
      ctx.faults++;
    },
  },
  {
    name: 'API restarted mid-batch',
    expected: COMPLETE_ONCE + '; deliveries cut off or refused meanwhile are retried by Lever',
    inject(ctx) {
      // Not awaited: the second half of the batch is moved while the API is down for 2 s (cut-off and refused
      // deliveries, retried by Lever); heal waits for the new API.
      apiRestart = ctx.sys.restartApi(2000);
      ctx.faults++;
      return Promise.resolve();
    },
    async heal(ctx) {
      await apiRestart;
      await ctx.sys.lever.webhooksIdle();
      // Each delivery the restart cut off or refused is a fault the batch had to survive.
      const all = (await ctx.sys.leverCtl('GET', '/deliveries?event=candidateStageChange')).data as {
        attempts: { ok: boolean }[];
      }[];
      ctx.faults += all.filter((d) => d.attempts.some((a) => !a.ok)).length;
    },
  },
  {
    name: 'Lever deliveries ×3 concurrently + re-runs + forged',
    expected: COMPLETE_ONCE + '; nothing ordered for forged or unconfirmed deliveries',
    async afterMove(ctx, c) {
      const d = await waitForDelivery(ctx, c.opp);
      await Promise.all([1, 2, 3].map(() => ctx.sys.leverCtl('POST', `/deliveries/${d.id}/redeliver`)));
      ctx.faults += 3;
    },
    async heal(ctx) {
      await ctx.sys.lever.webhooksIdle();
      for (const c of ctx.candidates.slice(0, 5)) {
        // a re-run of an old delivery from Lever's UI, and the same signed envelope carrying another opportunity
        const d = await waitForDelivery(ctx, c.opp);
        await ctx.sys.leverCtl('POST', `/deliveries/${d.id}/redeliver`);
        const victim = await ctx.newCandidate();
        const forged = { ...JSON.parse(d.body), data: { ...JSON.parse(d.body).data, opportunityId: victim.opp } };
        await postLever(ctx, forged);
        ctx.unconfirmed.push(victim);
        ctx.faults += 2;
      }
      for (let i = 0; i < 3; i++) await signedButUnconfirmed(ctx);
    },
  },
  {
    name: 'Certn callbacks dropped, duplicated, reordered, forged',
    expected: COMPLETE_ONCE + '; forged callbacks 401; lost ones caught up by polling',
    async inject(ctx) {
      await ctx.sys.certnCtl('PUT', '/faults', { webhook: { drop: 0.3, duplicate: true, outOfOrder: true } });
      ctx.faults++;
      for (let i = 0; i < 10; i++) {
        const body = JSON.stringify({
          id: `evt-${i}`,
          event_type: 'CASE_STATUS_CHANGED',
          object_id: 'x',
          object_type: 'CASE',
        });
        const r = await ctx.sys.http('POST', ctx.team.certnHookUrl, JSON.parse(body), {
          'x-signature': randomBytes(32).toString('hex'),
        });
        ctx.responses.push(r.text);
        if (r.status !== 401) throw new Error(`a forged Certn callback was answered ${r.status}`);
        ctx.faults++;
      }
    },
    async heal(ctx) {
      await new Promise((r) => setTimeout(r, 3000));
      await ctx.sys.certnCtl('DELETE', '/faults');
    },
  },
  {
    name: 'Lever latency, 5xx and 429 storm',
    expected: COMPLETE_ONCE + '; retried with back-off',
    async inject(ctx) {
      await ctx.sys.leverCtl('POST', '/faults', {
        latencyMs: 150,
        errorRate: 0.2,
        errorStatus: 503,
        rateLimitStorm: { requests: 40 },
      });
      ctx.faults += 40;
    },
    async heal(ctx) {
      await new Promise((r) => setTimeout(r, 5000));
      await ctx.sys.leverCtl('DELETE', '/faults');
    },
  },
  {
    name: 'Certn latency, 5xx and 429 storm',
    expected: COMPLETE_ONCE + '; retried with back-off',
    async inject(ctx) {
      await ctx.sys.certnCtl('PUT', '/faults', {
        latencyMs: 150,
        errorRate: 0.2,
        errorStatus: 503,
        rateLimitStorm: { requests: 30, retryAfterSeconds: 1 },
      });
      ctx.faults += 30;
    },
    async heal(ctx) {
      await new Promise((r) => setTimeout(r, 5000));
      await ctx.sys.certnCtl('DELETE', '/faults');
    },
  },
  {
    name: 'Certn orders whose answers are lost',
    expected: COMPLETE_ONCE + '; the uncertain order adopted, never placed twice',
    async inject(ctx) {
      const n = Math.max(1, Math.floor(ctx.candidates.length / 2));
      await ctx.sys.certnCtl('PUT', '/faults', { orderCommitThenFail: n });
      ctx.faults += n;
    },
  },
  {
    name: 'e-mails edited and removed mid-check',
    expected: COMPLETE_ONCE + '; on the case ordered first, none for the new address',
    async inject(ctx) {
      for (const [i, c] of ctx.candidates.entries()) {
        await ctx.sys.waitFor('the case', async () => (await ctx.sys.state(ctx.team.id, c.opp)).caseId, 120_000);
        const edited = `edited-${randomBytes(4).toString('hex')}@example.com`;
        const emails = i % 2 === 0 ? [edited] : [];
        await ctx.sys.leverCtl('PATCH', `/opportunities/${c.opp}`, { emails });
        if (emails.length > 0) ctx.noCaseEmails.push(edited);
        ctx.faults++;
      }
    },
  },
  {
    name: 'stage re-entries mid-check',
    expected: COMPLETE_ONCE + '; a re-entry orders nothing new',
    async inject(ctx) {
      for (const c of ctx.candidates) {
        await ctx.sys.waitFor('the case', async () => (await ctx.sys.state(ctx.team.id, c.opp)).caseId, 120_000);
        await ctx.sys.leverCtl('POST', `/opportunities/${c.opp}/move`, { stageName: 'Phone screen' });
        await ctx.sys.leverCtl('POST', `/opportunities/${c.opp}/move`, { stageName: TRIGGER_STAGE });
        ctx.faults++;
      }
    },
  },
];

/** Issue 11 point 1 scenarios not staged yet, and why (none left). */
export const NOT_BUILT: { name: string; why: string }[] = [];
