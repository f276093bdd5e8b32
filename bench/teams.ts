// Teams and candidates for the benchmarks: many teams in one pair of sandboxes (each with its own Lever key, so
// each has Lever's 10 req/s of its own, and its own Certn account; Lever's webhooks routed through the relay),
// candidates moved into the trigger stage through the Lever sandbox, and waiting for checks to close.
import { randomBytes, randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { checkWorkflowId } from '../src/workflows/definitions';
import { System, TRIGGER_STAGE } from '../test/harness/system';
import { Relay } from './relay';
import { mapLimit } from './stats';
import { sleep } from './setup';

export interface BenchTeam {
  id: string;
  leverHookUrl: string;
  certnHookUrl: string;
}

const SEED_USER_ID = 'f0c3a1d2-5b6e-4c7d-8e9f-0a1b2c3d4e5f';

/**
 * `n` enabled teams, set up the way an admin does (README's four steps), each with its own Lever key and its own Certn
 * account (key and webhook, as each customer has): Certn's callbacks go straight to the team's hook, and only Lever's
 * webhooks, which the Lever sandbox sends to one URL for all teams, pass through the relay. `apiUrl` is the API that
 * takes the deliveries (an API process of its own, or the in-process one); the hook URLs returned point at it.
 */
export async function setupTeams(sys: System, relay: Relay, n: number, apiUrl = sys.apiUrl): Promise<BenchTeam[]> {
  const hook = await sys.leverCtl('POST', '/webhooks', { url: `${relay.url}/lever`, verify: false });
  const signatureToken: string = hook.data.signatureToken;
  const atApi = (url: string) => url.replace(sys.apiUrl, apiUrl);
  return mapLimit(
    Array.from({ length: n }, (_, i) => i),
    4,
    async (i) => {
      const leverKey = `bench-lever-${i}-${randomBytes(6).toString('hex')}`;
      await sys.leverCtl('POST', '/api-keys', { key: leverKey, permissions: 'all' });
      const account = await sys.certnCtl('POST', '/accounts', { name: `Bench ${i}` });
      const certnSecret = `certn-secret-${randomUUID()}`;
      const created = await sys.admin('POST', '/teams', {
        name: `Bench ${i}`,
        lever: { apiKey: leverKey, triggerStageName: TRIGGER_STAGE, performAsUserId: SEED_USER_ID },
        certn: { apiKey: account.key, webhookSecret: certnSecret },
      });
      if (created.status !== 201) throw new Error(`create team: ${created.status} ${created.text}`);
      const id: string = created.json.id;
      const pkg = await sys.admin('POST', `/teams/${id}/packages`, {
        name: 'Standard',
        checkTypes: ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1'],
      });
      await sys.admin('POST', `/teams/${id}/packages/${pkg.json.id}/default`);
      await sys.admin('PATCH', `/teams/${id}`, { lever: { signatureToken } });
      const enabled = await sys.admin('POST', `/teams/${id}/enable`);
      if (enabled.status !== 200) throw new Error(`enable: ${enabled.status} ${enabled.text}`);
      const certnHookUrl = atApi(created.json.webhookUrls.certn);
      const webhook = await sys.certnCtl('PUT', `/accounts/${account.id}/webhook`, {
        url: certnHookUrl,
        secret: certnSecret,
      });
      if (webhook.status !== 'active') throw new Error(`certn webhook: ${JSON.stringify(webhook)}`);
      return { id, leverHookUrl: atApi(created.json.webhookUrls.lever), certnHookUrl };
    },
  );
}

export interface Candidate {
  teamId: string;
  opportunityId: string;
  email: string;
}

/** Creates `perTeam` candidates with an e-mail in each team (their stage changes routed by the relay when one is given). */
export async function createCandidates(
  sys: System,
  teams: BenchTeam[],
  perTeam: number,
  relay?: Relay,
): Promise<Candidate[]> {
  const suffix = randomBytes(3).toString('hex');
  const wanted = teams.flatMap((t) => Array.from({ length: perTeam }, (_, i) => ({ t, i })));
  return mapLimit(wanted, 8, async ({ t, i }) => {
    const email = `bench-${suffix}-${t.id.slice(0, 8)}-${i}@example.com`;
    const opportunityId = await sys.createCandidate({ emails: [email] });
    relay?.route(opportunityId, t.leverHookUrl);
    return { teamId: t.id, opportunityId, email };
  });
}

/** Moves each candidate into the trigger stage (the Lever sandbox sends the signed webhook); returns when each moved. */
export async function moveAll(sys: System, candidates: Candidate[], concurrency = 32): Promise<number[]> {
  return mapLimit(candidates, concurrency, async (c) => {
    const t = Date.now();
    await sys.leverCtl('POST', `/opportunities/${c.opportunityId}/move`, { stageName: TRIGGER_STAGE });
    return t;
  });
}

const failureText = (cause: unknown): string =>
  cause instanceof Error ? `${(cause as { type?: string }).type ?? cause.name}: ${cause.message}` : String(cause);

/** How long a check may take to appear after Lever gave up on its webhook (the API may still act on a late attempt). */
const AFTER_GIVING_UP_MS = 30_000;

/**
 * The check's result once its run closes (waiting for the webhook to start it first). A check whose stage change
 * Lever gave up delivering never starts: counted as "never started", with Lever's attempts, not waited for.
 */
async function resultOf(sys: System, c: Candidate, timeoutMs = 15 * 60_000): Promise<{ status: string }> {
  const handle = sys.client.workflow.getHandle(checkWorkflowId(c.teamId, c.opportunityId));
  const deadline = Date.now() + timeoutMs;
  // Backing off matters: 1,000 checks not yet started, each asked for every 100 ms, are 10,000 calls a second from
  // this process, which shares its event loop with the API under test.
  let waitMs = 100;
  let gaveUpAt: number | undefined;
  for (;;) {
    try {
      return (await handle.result()) as { status: string };
    } catch (err) {
      // A check that ended in failure (nothing ordered, an uncertain order) is counted as not Complete, with why.
      if (err instanceof WorkflowFailedError) return { status: `failed: ${failureText(err.cause)}` };
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const sent = sys.lever.state.deliveries.filter((d) => d.opportunityId === c.opportunityId);
      if (sent.length > 0 && sent.every((d) => d.state === 'failed')) gaveUpAt ??= Date.now();
      if (gaveUpAt !== undefined && Date.now() - gaveUpAt > AFTER_GIVING_UP_MS) {
        return { status: `never started (Lever gave up on its webhook: ${attemptsOf(sent)})` };
      }
      if (Date.now() > deadline) {
        throw new Error(`no check started for ${c.opportunityId} in ${timeoutMs / 60_000} min: ${attemptsOf(sent)}`);
      }
      await sleep(waitMs); // the webhook has not started the check yet
      waitMs = Math.min(waitMs * 2, 3000);
    }
  }
}

/**
 * Each candidate's check result, once every check has closed or never started. Waits by counting the task queue's
 * closed checks (one visibility call a second), not by a long poll per check: 1,000 long polls cost this process,
 * which also runs both stand-ins, CPU the stand-ins then lack (their answers, Lever's webhooks among them, slow down).
 */
export async function resultsOf(
  sys: System,
  candidates: Candidate[],
  timeoutMs = 15 * 60_000,
  /** Checks of the task queue closed before these were moved (not theirs). */
  closedBefore = 0,
): Promise<{ status: string }[]> {
  const deadline = Date.now() + timeoutMs;
  const closed = `TaskQueue = '${sys.taskQueue}' AND ExecutionStatus != 'Running' AND ExecutionStatus != 'ContinuedAsNew'`;
  const ours = new Set(candidates.map((c) => c.opportunityId));
  const gaveUpAt = new Map<string, number>();
  for (;;) {
    const count = (await sys.client.workflow.count(closed)).count - closedBefore;
    // Lever gave up on each of these candidates' stage changes (every delivery failed): they may never start.
    const failedOnly = new Map<string, boolean>();
    for (const d of sys.lever.state.deliveries) {
      if (d.opportunityId && ours.has(d.opportunityId)) {
        failedOnly.set(d.opportunityId, (failedOnly.get(d.opportunityId) ?? true) && d.state === 'failed');
      }
    }
    for (const [opp, failed] of failedOnly) if (failed && !gaveUpAt.has(opp)) gaveUpAt.set(opp, Date.now());
    const given = [...gaveUpAt.values()].filter((at) => Date.now() - at > AFTER_GIVING_UP_MS).length;
    if (count + given >= candidates.length) break;
    if (Date.now() > deadline) {
      throw new Error(`${count} of ${candidates.length} checks closed in ${timeoutMs / 60_000} min`);
    }
    await sleep(1000);
  }
  // Each check has closed (or never started): its result is one history read.
  return mapLimit(candidates, 16, (c) => resultOf(sys, c));
}

/** What Lever's attempts got: each one's status or error, e.g. "timeout ×6". */
function attemptsOf(sent: System['lever']['state']['deliveries']): string {
  const answers = sent.flatMap((d) => d.attempts.map((a) => String(a.status ?? a.error ?? '?')));
  const counted = new Map<string, number>();
  for (const a of answers) counted.set(a, (counted.get(a) ?? 0) + 1);
  return [...counted].map(([a, k]) => `${a} ×${k}`).join(', ') || 'no delivery';
}
