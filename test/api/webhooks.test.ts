// Both webhook endpoints over HTTP. Part 1 uses a scripted gateway (every branch, fast); part 2 uses a real
// Temporal dev server (process.env.TEMPORAL_ADDRESS from the harness) with a unique task queue and no worker, so
// started workflows stay open and can be counted.
// Over 300 lines: every branch of both webhook endpoints, in two parts sharing their setup.
import { randomBytes } from 'node:crypto';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { createApiApp } from '../../src/api/app';
import {
  CheckGateway,
  TemporalCheckGateway,
  TemporalUnavailableError,
  checkTimings,
} from '../../src/api/check-gateway';
import { DELIVERY_CLAIM_LEASE_MS, deliveryBodyHash } from '../../src/api/lever-webhook';
import { LeverRelay } from '../../src/api/lever-relay';
import { CertnClient } from '../../src/certn/client';
import { loadConfig } from '../../src/config';
import { certnSignature } from '../../src/certn/signature';
import { leverSignature } from '../../src/lever/signature';
import { SEED_STAGES, LeverSandbox, startLeverSandbox } from '@lever-certn/sandbox/lever';
import { CertnSandbox, startCertnSandbox } from '@lever-certn/sandbox/certn';
import { SqliteSettingsStore } from '../../src/settings/sqlite-store';
import { freePort } from '../../src/temporal/dev-server';
import {
  CHECK_WORKFLOW_TYPE,
  checkWorkflowId,
  certnEventSignal,
  stageEnteredSignal,
} from '../../src/workflows/definitions';
import {
  ADMIN_TOKEN,
  FakeGateway,
  Http,
  Listening,
  captureLogs,
  expectNoSecrets,
  listen,
  openStore,
  testConfig,
  tmpDir,
} from './helpers';

const BG = SEED_STAGES.find((s) => s.text === 'Background Check')!;
const PHONE = SEED_STAGES.find((s) => s.text === 'Phone screen')!;
const LEVER_KEY = 'sandbox-lever-key';
const CERTN_KEY = 'sandbox-certn-key';
const CERTN_SECRET = 'certn-whsec-' + randomBytes(16).toString('hex');
const WINDOW_MS = 900 * 1000;

/** Routes calls to whichever gateway is current (lets a test take Temporal "down" and bring it back). */
class SwitchGateway implements CheckGateway {
  constructor(public target: CheckGateway) {}
  stageEntered(...a: Parameters<CheckGateway['stageEntered']>) {
    return this.target.stageEntered(...a);
  }
  certnEvent(...a: Parameters<CheckGateway['certnEvent']>) {
    return this.target.certnEvent(...a);
  }
  rerun(...a: Parameters<CheckGateway['rerun']>) {
    return this.target.rerun(...a);
  }
  cancel(...a: Parameters<CheckGateway['cancel']>) {
    return this.target.cancel(...a);
  }
  leverRemoved(...a: Parameters<CheckGateway['leverRemoved']>) {
    return this.target.leverRemoved(...a);
  }
  state(...a: Parameters<CheckGateway['state']>) {
    return this.target.state(...a);
  }
}

interface Hooked {
  id: string;
  leverPath: string;
  certnPath: string;
  signatureToken: string;
}

interface Env {
  lever: LeverSandbox;
  certn: CertnSandbox;
  store: SqliteSettingsStore;
  api: Listening;
  http: Http;
  gateway: SwitchGateway;
  clock: { offsetMs: number };
  team: Hooked & { archiveToken: string; deletedToken: string };
  disabledTeam: Hooked;
  close(): Promise<void>;
}

/** Sandboxes, store, API; an enabled team wired to a Lever sandbox webhook, and a disabled one. */
async function setup(initial: CheckGateway): Promise<Env> {
  const lever = await startLeverSandbox({ webhookMaxRetries: 0 });
  const certn = await startCertnSandbox();
  const dir = tmpDir('webhooks-');
  const store = openStore(dir);
  const gateway = new SwitchGateway(initial);
  const clock = { offsetMs: 0 };
  const api = await listen(
    createApiApp({
      store,
      gateway,
      config: testConfig(dir),
      adminToken: ADMIN_TOKEN,
      leverBaseUrl: `${lever.url}/v1`,
      certnBaseUrl: certn.url,
      now: () => Date.now() + clock.offsetMs,
    }),
  );
  const http = new Http(api.url);

  const makeTeam = async (name: string, enable: boolean) => {
    const t = await http.post('/api/admin/teams', {
      name,
      lever: { apiKey: LEVER_KEY, triggerStageName: 'Background Check', performAsUserId: 'user-1' },
      certn: { apiKey: CERTN_KEY, webhookSecret: CERTN_SECRET },
    });
    const leverPath = new URL(t.json.webhookUrls.lever).pathname;
    const certnPath = new URL(t.json.webhookUrls.certn).pathname;
    // Step 3 of the setup: register the URL in Lever, which generates the webhook's signature token; paste it back.
    const hookToken = async (event: string) =>
      (
        (await (
          await fetch(`${lever.url}/_sandbox/webhooks`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ url: api.url + leverPath, event, verify: false }),
          })
        ).json()) as { data: { signatureToken: string } }
      ).data.signatureToken;
    const signatureToken = await hookToken('candidateStageChange');
    await http.patch(`/api/admin/teams/${t.json.id}`, { lever: { signatureToken } });
    const p = await http.post(`/api/admin/teams/${t.json.id}/packages`, {
      name: 'Standard',
      checkTypes: ['CRIMINAL_RECORD_CHECK'],
    });
    await http.post(`/api/admin/teams/${t.json.id}/packages/${p.json.id}/default`);
    if (enable) {
      const e = await http.post(`/api/admin/teams/${t.json.id}/enable`);
      if (e.status !== 200) throw new Error('enable failed: ' + e.text);
    }
    return { id: t.json.id as string, leverPath, certnPath, signatureToken, hookToken };
  };
  // The enabled team has all three Lever webhooks (each with its own token); the disabled one only the stage change's.
  const { hookToken, ...acme } = await makeTeam('Acme', true);
  const archiveToken = await hookToken('candidateArchiveChange');
  const deletedToken = await hookToken('candidateDeleted');
  const saved = await http.patch(`/api/admin/teams/${acme.id}`, {
    lever: { archiveSignatureToken: archiveToken, deletedSignatureToken: deletedToken },
  });
  if (saved.status !== 200) throw new Error('saving the webhook tokens failed: ' + saved.text);
  const team = { ...acme, archiveToken, deletedToken };
  const { hookToken: _unused, ...disabledTeam } = await makeTeam('Dormant', false);
  return {
    lever,
    certn,
    store,
    api,
    http,
    gateway,
    clock,
    team,
    disabledTeam,
    close: async () => {
      await api.close();
      await store.close();
      await lever.stop();
      await certn.stop();
    },
  };
}

function signed(
  signatureToken: string,
  event: string,
  data: Record<string, unknown>,
  o: { triggeredAt?: number; token?: string } = {},
) {
  const triggeredAt = o.triggeredAt ?? Date.now();
  const token = o.token ?? randomBytes(24).toString('hex');
  return { triggeredAt, event, data, token, signature: leverSignature(signatureToken, token, triggeredAt) };
}

function stageChange(
  signatureToken: string,
  opportunityId: string,
  toStageId = BG.id,
  o: { triggeredAt?: number; token?: string } = {},
) {
  return signed(
    signatureToken,
    'candidateStageChange',
    { opportunityId, candidateId: opportunityId, toStageId, fromStageId: PHONE.id },
    o,
  );
}

function certnEvent(objectId: string, eventType = 'CASE_STATUS_CHANGED', objectType = 'CASE') {
  return JSON.stringify({
    id: 'evt-' + randomBytes(6).toString('hex'),
    event_type: eventType,
    object_id: objectId,
    object_type: objectType,
  });
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v as T;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// ------------------------------------------------------------------------------------------------------------------
describe('webhooks with a scripted gateway', () => {
  let env: Env;
  let fake: FakeGateway;
  let logs: ReturnType<typeof captureLogs>;

  beforeAll(async () => {
    logs = captureLogs();
    fake = new FakeGateway();
    env = await setup(fake);
  });
  afterAll(async () => {
    await env?.close();
    logs.restore();
  });
  beforeEach(() => {
    fake.calls = [];
    fake.stageEnteredImpl = async () => undefined;
    fake.certnEventImpl = async () => true;
    env.clock.offsetMs = 0;
  });

  const postLever = (path: string, body: unknown) => env.http.post(path, body, { token: null });

  describe('Lever', () => {
    it('hands a trigger-stage change to the gateway, once', async () => {
      const body = stageChange(env.team.signatureToken, 'opp-1');
      const r = await postLever(env.team.leverPath, body);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ ok: true, outcome: 'accepted' });
      expect(fake.calls).toEqual([
        { method: 'stageEntered', args: [env.team.id, 'opp-1', { triggeredAt: body.triggeredAt, toStageId: BG.id }] },
      ]);
      const again = await postLever(env.team.leverPath, body);
      expect(again.json.outcome).toBe('duplicate');
      expect(fake.calls).toHaveLength(1);
    });

    it('the same delivery three times at once reaches the gateway once', async () => {
      const body = stageChange(env.team.signatureToken, 'opp-2');
      const rs = await Promise.all([1, 2, 3].map(() => postLever(env.team.leverPath, body)));
      expect(rs.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(rs.map((r) => r.json.outcome).sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
      expect(fake.calls).toHaveLength(1);
    });

    it('answers the candidateHired ping', async () => {
      const r = await postLever(env.team.leverPath, signed(env.team.signatureToken, 'candidateHired', {}));
      expect(r.status).toBe(200);
      expect(r.json.outcome).toBe('ping');
      const d = await postLever(
        env.disabledTeam.leverPath,
        signed(env.disabledTeam.signatureToken, 'candidateHired', {}),
      );
      expect(d.json.outcome).toBe('ping');
      expect(fake.calls).toEqual([]);
    });

    it('acknowledges and ignores other stages (still consuming the token), other events and disabled teams', async () => {
      const other = stageChange(env.team.signatureToken, 'opp-3', PHONE.id);
      expect((await postLever(env.team.leverPath, other)).json).toEqual({ ok: true, outcome: 'other_stage' });
      expect((await postLever(env.team.leverPath, other)).json.outcome).toBe('duplicate');
      const archive = signed(env.team.archiveToken, 'candidateArchiveChange', {
        opportunityId: 'opp-3',
        toArchived: null,
      });
      expect((await postLever(env.team.leverPath, archive)).json.outcome).toBe('event_ignored');
      const hired = signed(env.team.signatureToken, 'candidateHired', { opportunityId: 'opp-3' });
      expect((await postLever(env.team.leverPath, hired)).json.outcome).toBe('event_ignored');
      const dis = stageChange(env.disabledTeam.signatureToken, 'opp-3');
      const r = await postLever(env.disabledTeam.leverPath, dis);
      expect(r.status).toBe(200);
      expect(r.json.outcome).toBe('team_disabled');
      expect(fake.calls).toEqual([]);
    });

    it('401 for a forged signature, another team’s token, or a missing signature token', async () => {
      const good = stageChange(env.team.signatureToken, 'opp-4');
      const forged = { ...good, signature: leverSignature('not-the-token', good.token, good.triggeredAt) };
      expect((await postLever(env.team.leverPath, forged)).status).toBe(401);
      const tampered = { ...good, triggeredAt: good.triggeredAt + 1 };
      expect((await postLever(env.team.leverPath, tampered)).status).toBe(401);
      const otherTeam = stageChange(env.disabledTeam.signatureToken, 'opp-4');
      const r = await postLever(env.team.leverPath, otherTeam);
      expect(r.status).toBe(401);
      expect(r.json.error).toBe('invalid_signature');
      expect(fake.calls).toEqual([]);
      // the forged attempts did not burn the real token
      expect((await postLever(env.team.leverPath, good)).json.outcome).toBe('accepted');
    });

    it('each event verifies with its own webhook’s token only: no fallback to another event’s token', async () => {
      const t = env.team;
      const forgedWith = [
        signed(t.archiveToken, 'candidateStageChange', { opportunityId: 'opp-x1', toStageId: BG.id }),
        signed(t.deletedToken, 'candidateStageChange', { opportunityId: 'opp-x1', toStageId: BG.id }),
        signed(t.signatureToken, 'candidateDeleted', { opportunityId: 'opp-x2' }),
        signed(t.archiveToken, 'candidateDeleted', { opportunityId: 'opp-x2' }),
        signed(t.signatureToken, 'candidateArchiveChange', { opportunityId: 'opp-x3', toArchived: { reason: 'x' } }),
        signed(t.deletedToken, 'candidateArchiveChange', { opportunityId: 'opp-x3', toArchived: { reason: 'x' } }),
      ];
      for (const body of forgedWith) {
        const r = await postLever(t.leverPath, body);
        expect([body.event, r.status, r.json.error]).toEqual([body.event, 401, 'invalid_signature']);
      }
      expect(fake.calls).toEqual([]);
      // Signed with their own tokens, the same deliveries go through (the 401s spent no token).
      const own = [
        {
          ...forgedWith[0]!,
          signature: leverSignature(t.signatureToken, forgedWith[0]!.token, forgedWith[0]!.triggeredAt),
        },
        {
          ...forgedWith[2]!,
          signature: leverSignature(t.deletedToken, forgedWith[2]!.token, forgedWith[2]!.triggeredAt),
        },
        {
          ...forgedWith[4]!,
          signature: leverSignature(t.archiveToken, forgedWith[4]!.token, forgedWith[4]!.triggeredAt),
        },
      ];
      for (const body of own) expect((await postLever(t.leverPath, body)).json.outcome).toBe('accepted');
      expect(fake.calls.map((c) => [c.method, c.args[1]])).toEqual([
        ['stageEntered', 'opp-x1'],
        ['leverRemoved', 'opp-x2'],
        ['leverRemoved', 'opp-x3'],
      ]);
      // Lever's "Verify connection" ping comes from each webhook with its own token: all three are answered.
      for (const key of [t.signatureToken, t.archiveToken, t.deletedToken]) {
        expect((await postLever(t.leverPath, signed(key, 'candidateHired', {}))).json.outcome).toBe('ping');
      }
    });

    it('401 naming the setting for an event whose token is not set; nothing claimed', async () => {
      const t = env.disabledTeam; // has only the stage change webhook's token
      const del = signed(t.signatureToken, 'candidateDeleted', { opportunityId: 'opp-u1' });
      const r = await postLever(t.leverPath, del);
      expect(r.status).toBe(401);
      expect(r.json).toEqual({
        error: 'token_not_set',
        message: "lever.deletedSignatureToken is not set: add this Lever webhook's signature token to the team",
      });
      const arch = signed(t.signatureToken, 'candidateArchiveChange', { opportunityId: 'opp-u1', toArchived: {} });
      expect((await postLever(t.leverPath, arch)).json.message).toMatch(/^lever\.archiveSignatureToken is not set/);
      // The token was not claimed: the same token in a stage change of this team is taken (not token_reused).
      const same = stageChange(t.signatureToken, 'opp-u1', BG.id, { token: del.token, triggeredAt: del.triggeredAt });
      expect((await postLever(t.leverPath, same)).json.outcome).toBe('team_disabled');
      expect(fake.calls).toEqual([]);
    });

    it('401 for triggeredAt outside the window, either side', async () => {
      const old = stageChange(env.team.signatureToken, 'opp-5', BG.id, {
        triggeredAt: Date.now() - WINDOW_MS - 60_000,
      });
      const r = await postLever(env.team.leverPath, old);
      expect(r.status).toBe(401);
      expect(r.json.error).toBe('stale');
      const future = stageChange(env.team.signatureToken, 'opp-5', BG.id, {
        triggeredAt: Date.now() + WINDOW_MS + 60_000,
      });
      expect((await postLever(env.team.leverPath, future)).status).toBe(401);
      const edge = stageChange(env.team.signatureToken, 'opp-5', BG.id, {
        triggeredAt: Date.now() - WINDOW_MS + 60_000,
      });
      expect((await postLever(env.team.leverPath, edge)).json.outcome).toBe('accepted');
      expect(fake.calls).toHaveLength(1);
    });

    it('400 for malformed bodies, 404 for an unknown hook, 413 over 64 KB', async () => {
      const notJson = await env.http.post(env.team.leverPath, undefined, {
        token: null,
        raw: '{"event":',
        headers: { 'content-type': 'application/json' },
      });
      expect(notJson.status).toBe(400);
      const empty = await env.http.post(env.team.leverPath, undefined, {
        token: null,
        raw: '',
        headers: { 'content-type': 'application/json' },
      });
      expect(empty.status).toBe(400);
      const missing = await postLever(env.team.leverPath, { event: 'candidateStageChange', data: {} });
      expect(missing.status).toBe(400);
      // before the signature verified, no field names: an unauthenticated caller learns nothing of the schema
      expect(missing.json).toEqual({ error: 'malformed', message: 'not a Lever webhook body' });
      const unsignedBad = await postLever(env.team.leverPath, {
        ...stageChange('not-the-token', 'opp-x'),
        event: 42,
      });
      expect(unsignedBad.status).toBe(401);
      expect(unsignedBad.json.fields).toBeUndefined();
      const noOpp = signed(env.team.signatureToken, 'candidateStageChange', { toStageId: BG.id });
      const r = await postLever(env.team.leverPath, noOpp);
      expect(r.status).toBe(400);
      expect(Object.keys(r.json.fields)).toEqual(['data.opportunityId']);

      const unknown = await postLever(
        '/webhooks/lever/' + randomBytes(24).toString('base64url'),
        stageChange(env.team.signatureToken, 'o'),
      );
      expect(unknown.status).toBe(404);
      // a Certn hook id is not a Lever hook id
      expect(
        (await postLever(env.team.certnPath.replace('/certn/', '/lever/'), stageChange(env.team.signatureToken, 'o')))
          .status,
      ).toBe(404);

      const huge = stageChange(env.team.signatureToken, 'opp-6');
      const big = await postLever(env.team.leverPath, {
        ...huge,
        data: { ...huge.data, padding: 'x'.repeat(70 * 1024) },
      });
      expect(big.status).toBe(413);
      expect(fake.calls).toEqual([]);
    });

    it('202 queued when Temporal is unreachable: the hand-over is stored for the relay, copies are duplicates', async () => {
      fake.stageEnteredImpl = async () => {
        throw new TemporalUnavailableError(new Error('14 UNAVAILABLE: connect ECONNREFUSED'));
      };
      const body = stageChange(env.team.signatureToken, 'opp-7');
      const r = await postLever(env.team.leverPath, body);
      expect(r.status).toBe(202);
      expect(r.json).toEqual({ ok: true, outcome: 'queued' });
      fake.stageEnteredImpl = async () => undefined;
      const copy = await postLever(env.team.leverPath, body);
      expect(copy.status).toBe(200);
      expect(copy.json.outcome).toBe('duplicate');
      expect(fake.calls).toHaveLength(1);
      const leased = await env.store.leaseQueuedDeliveries({ limit: 100, leaseMs: 60_000 });
      const row = leased.find((q) => q.opportunityId === 'opp-7');
      expect(row).toMatchObject({ teamId: env.team.id, triggeredAt: body.triggeredAt, toStageId: BG.id });
      for (const q of leased) await env.store.markDeliveryRelayed(q);
    });

    it('a queue write that fails answers 503 and releases the token: Lever’s retry of the same body is accepted, never forged data', async () => {
      fake.stageEnteredImpl = async () => {
        throw new TemporalUnavailableError(new Error('14 UNAVAILABLE: connect ECONNREFUSED'));
      };
      const queueFails = jest
        .spyOn(env.store, 'queueLeverDelivery')
        .mockRejectedValueOnce(new Error('SQLITE_IOERR: disk I/O error'));
      const body = stageChange(env.team.signatureToken, 'opp-7b');
      const failed = await postLever(env.team.leverPath, body);
      expect(failed.status).toBe(503); // never a 2xx without a durable record
      expect(failed.json.error).toBe('temporal_unavailable');
      queueFails.mockRestore();
      fake.stageEnteredImpl = async () => undefined;
      const forged = { ...body, data: { ...body.data, opportunityId: 'someone-else' } };
      const r = await postLever(env.team.leverPath, forged);
      expect(r.status).toBe(409);
      expect(r.json.error).toBe('token_reused');
      expect((await postLever(env.team.leverPath, body)).json.outcome).toBe('accepted');
      expect((await postLever(env.team.leverPath, forged)).status).toBe(409); // never a `duplicate` 2xx either
      expect(fake.calls.map((c) => c.args[1])).toEqual(['opp-7b', 'opp-7b']);
    });

    it('every verified delivery spends its token: ping, disabled team, other event, bad data cannot be replayed', async () => {
      const ping = signed(env.team.signatureToken, 'candidateHired', {});
      expect((await postLever(env.team.leverPath, ping)).json.outcome).toBe('ping');
      const dis = signed(env.disabledTeam.signatureToken, 'candidateHired', { opportunityId: 'x' });
      expect((await postLever(env.disabledTeam.leverPath, dis)).json.outcome).toBe('team_disabled');
      const archive = signed(env.team.archiveToken, 'candidateArchiveChange', { opportunityId: 'opp-9' });
      expect((await postLever(env.team.leverPath, archive)).json.outcome).toBe('event_ignored');
      const bad = signed(env.team.signatureToken, 'candidateStageChange', { toStageId: BG.id });
      expect((await postLever(env.team.leverPath, bad)).status).toBe(400);
      for (const [path, b] of [
        [env.team.leverPath, ping],
        [env.disabledTeam.leverPath, dis],
        [env.team.leverPath, archive],
        [env.team.leverPath, bad],
      ] as const) {
        // the same signed token and triggeredAt, with data forged into a trigger-stage change (an archive's
        // signature does not verify a stage change at all: it is forged into an archive of someone else)
        const replay =
          b === archive
            ? { ...b, data: { opportunityId: 'opp-9b', toArchived: { reason: 'x' } } }
            : { ...b, event: 'candidateStageChange', data: { opportunityId: 'opp-9', toStageId: BG.id } };
        const r = await postLever(path, replay);
        expect(r.status).toBe(409);
        expect(r.json.error).toBe('token_reused');
        // the byte-identical copy (Lever's own re-run) is a duplicate, acknowledged
        expect((await postLever(path, b)).json.outcome).toBe('duplicate');
      }
      expect(fake.calls).toEqual([]);
    });

    it('500 (token released) on an unexpected gateway failure, so the retry is accepted', async () => {
      fake.stageEnteredImpl = async () => {
        throw new Error('boom');
      };
      const body = stageChange(env.team.signatureToken, 'opp-8');
      expect((await postLever(env.team.leverPath, body)).status).toBe(500);
      fake.stageEnteredImpl = async () => undefined;
      const r = await postLever(env.team.leverPath, body);
      expect(r.status).toBe(200);
      expect(r.json.outcome).toBe('accepted');
    });

    it('a copy arriving while the first attempt is still with Temporal is asked to retry, never given an early 2xx', async () => {
      // Lever retries an attempt it timed out while the first is still being handed to Temporal. Were the copy
      // acknowledged as a duplicate at once and the first attempt then failed, Lever would stop retrying.
      const gated = (outcome: () => Promise<void>) => {
        let open!: () => void;
        const gate = new Promise<void>((r) => (open = r));
        fake.stageEnteredImpl = async () => {
          await gate;
          return outcome();
        };
        return open;
      };
      const copyOf = async (body: object) => {
        const first = postLever(env.team.leverPath, body);
        await until(() => fake.calls.length > 0, 'the first attempt to reach the gateway');
        const copy = await postLever(env.team.leverPath, body); // answered while the first is still held
        return { first, copy };
      };

      const failing = stageChange(env.team.signatureToken, 'opp-9');
      const openFail = gated(async () => {
        throw new TemporalUnavailableError(new Error('4 DEADLINE_EXCEEDED'));
      });
      const a = await copyOf(failing);
      expect(a.copy.status).toBe(503);
      expect(a.copy.json.error).toBe('in_flight');
      openFail();
      expect((await a.first).status).toBe(202); // queued for the relay
      expect(fake.calls).toHaveLength(1);
      fake.stageEnteredImpl = async () => undefined;
      expect((await postLever(env.team.leverPath, failing)).json.outcome).toBe('duplicate'); // a late copy
      expect(fake.calls).toHaveLength(1);

      fake.calls = [];
      const ok = stageChange(env.team.signatureToken, 'opp-10');
      const openOk = gated(async () => undefined);
      const b = await copyOf(ok);
      expect(b.copy.status).toBe(503);
      openOk();
      expect((await b.first).json.outcome).toBe('accepted');
      expect((await postLever(env.team.leverPath, ok)).json.outcome).toBe('duplicate'); // Lever's next retry
      expect(fake.calls).toHaveLength(1);
    });

    it('end to end with the Lever sandbox: a move delivers once; a re-run of the delivery is a duplicate, a late re-run is stale', async () => {
      const opp = (await (
        await fetch(`${env.lever.url}/_sandbox/opportunities`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Ada Lovelace', emails: ['ada@example.com'], stageId: PHONE.id }),
        })
      ).json()) as { data: { id: string } };
      const move = (await (
        await fetch(`${env.lever.url}/_sandbox/opportunities/${opp.data.id}/move`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ stageName: 'Background Check' }),
        })
      ).json()) as { deliveryIds: string[] };
      // one Lever account, two webhooks registered in it (the enabled and the disabled team)
      expect(move.deliveryIds).toHaveLength(2);
      await env.lever.webhooksIdle();
      expect(fake.calls).toEqual([
        {
          method: 'stageEntered',
          args: [env.team.id, opp.data.id, { triggeredAt: expect.any(Number), toStageId: BG.id }],
        },
      ]);
      const mine = env.lever.state.deliveries.filter((d) => move.deliveryIds.includes(d.id));
      expect(mine.map((d) => d.state)).toEqual(['delivered', 'delivered']);
      const delivered = mine.find((d) => d.url.endsWith(env.team.leverPath))!;

      const rerun = env.lever.dispatcher.redeliver(delivered.id)!;
      await env.lever.webhooksIdle();
      expect(rerun.attempts.at(-1)?.status).toBe(200);
      expect(fake.calls).toHaveLength(1);

      env.clock.offsetMs = WINDOW_MS + 5 * 60_000; // the admin re-runs it from Lever's UI much later
      const late = env.lever.dispatcher.redeliver(delivered.id)!;
      await env.lever.webhooksIdle();
      expect(late.attempts.at(-1)?.status).toBe(401);
      expect(fake.calls).toHaveLength(1);
    });
  });

  describe('Certn', () => {
    it('answers the challenge as plain text; 404 for an unknown hook, 400 without a challenge', async () => {
      const r = await env.http.get(`${env.team.certnPath}?challenge=abc123`, { token: null });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(r.text).toBe('abc123');
      expect((await env.http.get('/webhooks/certn/nope?challenge=abc', { token: null })).status).toBe(404);
      expect((await env.http.get(env.team.certnPath, { token: null })).status).toBe(400);
    });

    it('the Certn sandbox verifies the endpoint', async () => {
      const info = await env.certn.state.webhooks.configure(env.api.url + env.team.certnPath, CERTN_SECRET);
      expect(info.status).not.toBe('disabled');
      expect(info.reason).toBeUndefined();
    });

    it('signals the check that owns the object; acknowledges unknown objects and closed checks', async () => {
      const ref = { workflowId: checkWorkflowId(env.team.id, 'opp-c1'), opportunityId: 'opp-c1', caseId: 'case-1' };
      await env.store.recordCertnObjects(env.team.id, { ...ref, objectIds: ['case-1', 'check-1'] });
      const body = certnEvent('check-1', 'CHECK_STATUS_CHANGED', 'CHECK');
      const post = (b: string, sig = certnSignature(CERTN_SECRET, b), path = env.team.certnPath) =>
        env.http.post(path, undefined, {
          token: null,
          raw: b,
          headers: { 'content-type': 'application/json', 'x-signature': sig },
        });
      const r = await post(body);
      expect(r.status).toBe(200);
      expect(r.json.outcome).toBe('signalled');
      const ev = JSON.parse(body);
      expect(fake.calls).toEqual([
        {
          method: 'certnEvent',
          args: [
            ref.workflowId,
            { eventId: ev.id, eventType: 'CHECK_STATUS_CHANGED', objectType: 'CHECK', objectId: 'check-1' },
          ],
        },
      ]);
      const unknown = await post(certnEvent('case-unknown'));
      expect(unknown.status).toBe(200);
      expect(unknown.json.outcome).toBe('unknown_object');
      // one Certn account may call any of its teams' URLs: the object, not the URL, names the check
      const otherTeam = await env.http.post(
        `/webhooks/certn/${(await env.store.getTeamConfig(env.disabledTeam.id))!.certnWebhookId}`,
        undefined,
        {
          token: null,
          raw: body,
          headers: { 'content-type': 'application/json', 'x-signature': certnSignature(CERTN_SECRET, body) },
        },
      );
      expect(otherTeam.json.outcome).toBe('signalled');
      expect(fake.calls[1]?.args[0]).toBe(ref.workflowId);
      fake.certnEventImpl = async () => false;
      expect((await post(certnEvent('case-1'))).json.outcome).toBe('check_closed');
      expect(fake.calls).toHaveLength(3);
    });

    it('401 for a bad or missing signature, 400 for a malformed body, 503 when Temporal is down', async () => {
      await env.store.recordCertnObjects(env.team.id, {
        workflowId: 'wf-x',
        opportunityId: 'opp-c2',
        caseId: 'case-2',
        objectIds: [],
      });
      const body = certnEvent('case-2');
      const post = (b: string, headers: Record<string, string>) =>
        env.http.post(env.team.certnPath, undefined, {
          token: null,
          raw: b,
          headers: { 'content-type': 'application/json', ...headers },
        });
      expect((await post(body, { 'x-signature': certnSignature('wrong-secret', body) })).status).toBe(401);
      expect((await post(body, {})).status).toBe(401);
      expect((await post(body + ' ', { 'x-signature': certnSignature(CERTN_SECRET, body) })).status).toBe(401);
      const notJson = 'not json';
      expect((await post(notJson, { 'x-signature': certnSignature(CERTN_SECRET, notJson) })).status).toBe(400);
      const bad = JSON.stringify({ id: 'e1', event_type: 'CASE_STATUS_CHANGED' });
      const r = await post(bad, { 'x-signature': certnSignature(CERTN_SECRET, bad) });
      expect(r.status).toBe(400);
      expect(Object.keys(r.json.fields).sort()).toEqual(['object_id', 'object_type']);
      expect(fake.calls).toEqual([]);
      fake.certnEventImpl = async () => {
        throw new TemporalUnavailableError(new Error('UNAVAILABLE'));
      };
      expect((await post(body, { 'x-signature': certnSignature(CERTN_SECRET, body) })).status).toBe(503);
      const huge = JSON.stringify({
        id: 'e',
        event_type: 'x',
        object_id: 'case-2',
        object_type: 'CASE',
        pad: 'x'.repeat(70 * 1024),
      });
      expect((await post(huge, { 'x-signature': certnSignature(CERTN_SECRET, huge) })).status).toBe(413);
    });

    it('verifies X-Signature over the raw bytes as sent, not over re-serialized JSON', async () => {
      await env.store.recordCertnObjects(env.team.id, {
        workflowId: 'wf-raw',
        opportunityId: 'opp-raw',
        caseId: 'case-raw',
        objectIds: [],
      });
      const pretty = JSON.stringify(JSON.parse(certnEvent('case-raw')), null, 2) + '\n';
      const post = (sig: string) =>
        env.http.post(env.team.certnPath, undefined, {
          token: null,
          raw: pretty,
          headers: { 'content-type': 'application/json', 'x-signature': sig },
        });
      const ok = await post(certnSignature(CERTN_SECRET, pretty));
      expect(ok.status).toBe(200);
      expect(ok.json.outcome).toBe('signalled');
      const overReserialized = certnSignature(CERTN_SECRET, JSON.stringify(JSON.parse(pretty)));
      expect((await post(overReserialized)).status).toBe(401);
      expect(fake.calls).toHaveLength(1);
    });

    it('end to end with the Certn sandbox: a case status change nudges the check', async () => {
      await env.certn.state.webhooks.configure(env.api.url + env.team.certnPath, CERTN_SECRET);
      const client = new CertnClient({ baseUrl: env.certn.url, apiKey: CERTN_KEY });
      const c = await client.orderCase({ emailAddress: 'grace@example.com', checkTypes: ['CRIMINAL_RECORD_CHECK'] });
      const workflowId = checkWorkflowId(env.team.id, 'opp-c3');
      await env.store.recordCertnObjects(env.team.id, {
        workflowId,
        opportunityId: 'opp-c3',
        caseId: c.id,
        objectIds: c.checks.map((k) => k.id),
      });
      await fetch(`${env.certn.url}/_sandbox/cases/${c.id}/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ steps: 1 }),
      });
      const call = await until(() => fake.calls.find((x) => x.method === 'certnEvent'), 'the certn nudge');
      expect(call.args[0]).toBe(workflowId);
      expect(call.args[1]).toMatchObject({ eventType: 'CASE_STATUS_CHANGED', objectType: 'CASE', objectId: c.id });
    });
  });

  it('counts outcomes in /metrics', async () => {
    const m = await env.http.get('/metrics', { token: null });
    expect(m.text).toMatch(/lever_webhook_deliveries_total\{outcome="accepted"\} [1-9]/);
    expect(m.text).toMatch(/lever_webhook_deliveries_total\{outcome="duplicate"\} [1-9]/);
    expect(m.text).toMatch(/certn_webhook_deliveries_total\{outcome="signalled"\} [1-9]/);
  });

  it('never logs or returns a secret, token or signature', () => {
    const secrets = [
      LEVER_KEY,
      CERTN_KEY,
      CERTN_SECRET,
      env.team.signatureToken,
      env.team.archiveToken,
      env.team.deletedToken,
      env.disabledTeam.signatureToken,
      ADMIN_TOKEN,
    ];
    expectNoSecrets(env.http.bodies, secrets);
    expect(logs.lines.some((l) => l.includes('lever-webhook'))).toBe(true);
    // info lines (accepted deliveries, ids of every kind) are scanned too, not only warnings
    expect(logs.lines.some((l) => l.includes('lever stage change handed to the check'))).toBe(true);
    expectNoSecrets(logs.lines, secrets);
    // delivery tokens and signatures of the sandbox's deliveries never reach a log line either
    for (const d of env.lever.state.deliveries) {
      const p = JSON.parse(d.body) as { token: string; signature: string };
      expectNoSecrets(logs.lines, [p.token, p.signature]);
    }
  });
});

// ------------------------------------------------------------------------------------------------------------------
const temporalAddress = process.env.TEMPORAL_ADDRESS;
const describeTemporal = process.env.TEST_NO_TEMPORAL === '1' || !temporalAddress ? describe.skip : describe;

const TIMINGS = checkTimings(loadConfig({}));

describeTemporal('Lever webhook → a real Temporal server', () => {
  let env: Env;
  let connection: Connection;
  let client: Client;
  let real: TemporalCheckGateway;
  let logs: ReturnType<typeof captureLogs>;
  const taskQueue = 'webhooks-test-' + randomBytes(6).toString('hex');
  const started: string[] = [];
  const restartSecrets: string[] = [];
  const restartBodies: string[] = [];

  beforeAll(async () => {
    logs = captureLogs();
    connection = await Connection.connect({ address: temporalAddress! });
    client = new Client({ connection });
    real = new TemporalCheckGateway(client, taskQueue, TIMINGS);
    env = await setup(real);
  });
  afterAll(async () => {
    for (const id of started)
      await client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    await env?.close();
    await connection?.close();
    logs.restore();
  });

  const postLever = (path: string, body: unknown) => env.http.post(path, body, { token: null });

  async function exists(workflowId: string): Promise<boolean> {
    try {
      await client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** Runs of this workflow id, from visibility (waits until at least one shows). */
  async function runs(workflowId: string): Promise<{ type: string; taskQueue: string; status: string }[]> {
    return until(async () => {
      const out: { type: string; taskQueue: string; status: string }[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
        out.push({ type: w.type, taskQueue: w.taskQueue, status: w.status.name });
      }
      return out.length > 0 ? out : undefined;
    }, `visibility of ${workflowId}`);
  }

  async function signalCount(workflowId: string, name: string): Promise<number> {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name).length;
  }

  it('a valid stage change starts exactly one workflow with the right id', async () => {
    const wid = checkWorkflowId(env.team.id, 'opp-t1');
    started.push(wid);
    const body = stageChange(env.team.signatureToken, 'opp-t1');
    const r = await postLever(env.team.leverPath, body);
    expect(r.status).toBe(200);
    expect(r.json.outcome).toBe('accepted');
    expect(wid).toBe(`certn-check:${env.team.id}:opp-t1`);
    expect(await runs(wid)).toEqual([{ type: CHECK_WORKFLOW_TYPE, taskQueue, status: 'RUNNING' }]);
    expect(await signalCount(wid, stageEnteredSignal.name)).toBe(1);
    const d = await client.workflow.getHandle(wid).describe();
    expect(d.typedSearchAttributes).toBeDefined();
    // the workflow input is ids and the stage entry only
    const history = await client.workflow.getHandle(wid).fetchHistory();
    const startedEvent = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = startedEvent?.input?.payloads?.map((p) => JSON.parse(Buffer.from(p.data!).toString('utf8')));
    expect(input).toEqual([
      {
        teamId: env.team.id,
        opportunityId: 'opp-t1',
        timings: TIMINGS,
        trigger: { triggeredAt: body.triggeredAt, toStageId: BG.id },
      },
    ]);
  });

  it('the same delivery three times at once starts one workflow and signals it once', async () => {
    const wid = checkWorkflowId(env.team.id, 'opp-t2');
    started.push(wid);
    const body = stageChange(env.team.signatureToken, 'opp-t2');
    const rs = await Promise.all([1, 2, 3].map(() => postLever(env.team.leverPath, body)));
    // one is handed over; a copy that arrives while it is in flight is asked to retry (never a premature 2xx)
    expect(rs.filter((r) => r.json.outcome === 'accepted')).toHaveLength(1);
    for (const r of rs) expect(['accepted', 'duplicate', 'in_flight']).toContain(r.json.outcome ?? r.json.error);
    expect(await runs(wid)).toHaveLength(1);
    expect(await signalCount(wid, stageEnteredSignal.name)).toBe(1);

    // a re-run of the old delivery (same body) changes nothing
    expect((await postLever(env.team.leverPath, body)).json.outcome).toBe('duplicate');
    expect(await signalCount(wid, stageEnteredSignal.name)).toBe(1);
  });

  it('a stale re-run, a forged signature, a non-trigger stage and a disabled team start nothing', async () => {
    const stale = stageChange(env.team.signatureToken, 'opp-t3', BG.id, { triggeredAt: Date.now() - 2 * WINDOW_MS });
    expect((await postLever(env.team.leverPath, stale)).status).toBe(401);
    const good = stageChange(env.team.signatureToken, 'opp-t4');
    const forged = { ...good, signature: leverSignature('guess', good.token, good.triggeredAt) };
    expect((await postLever(env.team.leverPath, forged)).status).toBe(401);
    const tamperedData = { ...stageChange(env.team.signatureToken, 'opp-t5'), signature: 'a'.repeat(64) };
    expect((await postLever(env.team.leverPath, tamperedData)).status).toBe(401);
    const other = stageChange(env.team.signatureToken, 'opp-t6', PHONE.id);
    expect((await postLever(env.team.leverPath, other)).json.outcome).toBe('other_stage');
    const disabled = stageChange(env.disabledTeam.signatureToken, 'opp-t7');
    expect((await postLever(env.disabledTeam.leverPath, disabled)).json.outcome).toBe('team_disabled');

    for (const [teamId, opp] of [
      [env.team.id, 'opp-t3'],
      [env.team.id, 'opp-t4'],
      [env.team.id, 'opp-t5'],
      [env.team.id, 'opp-t6'],
      [env.disabledTeam.id, 'opp-t7'],
    ] as const) {
      expect(await exists(checkWorkflowId(teamId, opp))).toBe(false);
    }
  });

  it('Temporal down: the delivery is queued (202); the relay then starts the workflow, a copy starts nothing', async () => {
    // The real gateway, pointed at an address where no Temporal listens: its gRPC failure must become a queued 202.
    const deadConnection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    env.gateway.target = new TemporalCheckGateway(
      new Client({ connection: deadConnection }),
      taskQueue,
      TIMINGS,
      1_000,
    );
    const wid = checkWorkflowId(env.team.id, 'opp-t8');
    started.push(wid);
    const body = stageChange(env.team.signatureToken, 'opp-t8');
    try {
      const r = await postLever(env.team.leverPath, body);
      expect(r.status).toBe(202);
      expect(r.json.outcome).toBe('queued');
    } finally {
      env.gateway.target = real;
      await deadConnection.close().catch(() => undefined);
    }
    expect(await exists(wid)).toBe(false);
    expect((await postLever(env.team.leverPath, body)).json.outcome).toBe('duplicate');
    expect(await exists(wid)).toBe(false);
    expect(await new LeverRelay({ store: env.store, gateway: real, intervalMs: 1000 }).runOnce()).toBe(1);
    expect(await runs(wid)).toHaveLength(1);
    expect(await signalCount(wid, stageEnteredSignal.name)).toBe(1);
  });

  it('a delivery token stays used across a restart (a re-run starts nothing); a claim a crash left behind is taken over once it lapses', async () => {
    const dir = tmpDir('webhooks-restart-');
    const key = randomBytes(32);
    const signatureToken = 'restart-sigtok-' + randomBytes(16).toString('hex');
    restartSecrets.push(signatureToken);
    const boot = async (now?: () => number) => {
      const store = new SqliteSettingsStore({ dataDir: dir, masterKey: key });
      const app = await listen(
        createApiApp({
          store,
          gateway: real,
          config: testConfig(dir),
          adminToken: ADMIN_TOKEN,
          leverBaseUrl: `${env.lever.url}/v1`,
          certnBaseUrl: env.certn.url,
          ...(now ? { now } : {}),
        }),
      );
      const http = new Http(app.url);
      return {
        store,
        http,
        stop: async () => {
          restartBodies.push(...http.bodies);
          await app.close();
          await store.close();
        },
      };
    };
    const one = await boot();
    const t = await one.store.createTeam({ name: 'Restart', lever: { signatureToken } });
    await one.store.enableTeam(t.id, BG.id, { expectedVersion: t.version });
    const path = `/webhooks/lever/${t.leverWebhookId}`;
    const wid = checkWorkflowId(t.id, 'opp-t9');
    started.push(wid);
    const body = stageChange(signatureToken, 'opp-t9');
    expect((await one.http.post(path, body, { token: null })).json.outcome).toBe('accepted');
    await one.stop();

    const two = await boot();
    try {
      const again = await two.http.post(path, body, { token: null });
      expect(again.status).toBe(200);
      expect(again.json.outcome).toBe('duplicate');
    } finally {
      await two.stop();
    }
    expect(await runs(wid)).toHaveLength(1);
    expect(await signalCount(wid, stageEnteredSignal.name)).toBe(1);

    // A process claims a delivery and dies before handing it to Temporal (the claim is what it left behind).
    const orphan = stageChange(signatureToken, 'opp-t10');
    const orphanWid = checkWorkflowId(t.id, 'opp-t10');
    started.push(orphanWid);
    const three = await boot();
    try {
      const claim = await three.store.claimLeverDelivery(t.id, orphan.token, {
        triggeredAt: orphan.triggeredAt,
        bodyHash: deliveryBodyHash(orphan),
        abandonedBefore: 0,
      });
      expect(claim.outcome).toBe('claimed');
      // Lever's retry soon after: the claim may still be in flight somewhere, so no 2xx and nothing started
      const early = await three.http.post(path, orphan, { token: null });
      expect(early.status).toBe(503);
      expect(early.json.error).toBe('in_flight');
      expect(await exists(orphanWid)).toBe(false);
    } finally {
      await three.stop();
    }
    // Lever's next retry, after the claim lease has lapsed: taken over and handed to Temporal, once.
    const four = await boot(() => Date.now() + DELIVERY_CLAIM_LEASE_MS + 1000);
    try {
      expect((await four.http.post(path, orphan, { token: null })).json.outcome).toBe('accepted');
      expect((await four.http.post(path, orphan, { token: null })).json.outcome).toBe('duplicate');
    } finally {
      await four.stop();
    }
    expect(await runs(orphanWid)).toHaveLength(1);
    expect(await signalCount(orphanWid, stageEnteredSignal.name)).toBe(1);
  });

  it('a Certn event reaches the open check as a signal', async () => {
    const wid = checkWorkflowId(env.team.id, 'opp-t1');
    await env.store.recordCertnObjects(env.team.id, {
      workflowId: wid,
      opportunityId: 'opp-t1',
      caseId: 'case-t1',
      objectIds: [],
    });
    const body = certnEvent('case-t1');
    const r = await env.http.post(env.team.certnPath, undefined, {
      token: null,
      raw: body,
      headers: { 'content-type': 'application/json', 'x-signature': certnSignature(CERTN_SECRET, body) },
    });
    expect(r.json.outcome).toBe('signalled');
    expect(await signalCount(wid, certnEventSignal.name)).toBe(1);
  });

  it('only accepted deliveries started workflows: the task queue holds exactly the expected ids', async () => {
    const expected = [...new Set(started)].sort();
    const ids = await until(async () => {
      const out: string[] = [];
      for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) out.push(w.workflowId);
      return out.length >= expected.length ? out.sort() : undefined;
    }, 'visibility of every started workflow');
    expect(ids).toEqual(expected);
  });

  it('no secret in workflow inputs, history, responses or logs', async () => {
    const secrets = [
      LEVER_KEY,
      CERTN_KEY,
      CERTN_SECRET,
      env.team.signatureToken,
      env.team.archiveToken,
      env.team.deletedToken,
      env.disabledTeam.signatureToken,
      ADMIN_TOKEN,
      ...restartSecrets,
    ];
    const texts: string[] = [];
    const walk = (v: unknown): void => {
      if (v instanceof Uint8Array) texts.push(Buffer.from(v).toString('utf8'));
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      else if (typeof v === 'string') texts.push(v);
    };
    for (const wid of started) walk(await client.workflow.getHandle(wid).fetchHistory());
    expect(texts.join('\n')).toContain('opp-t1'); // the scan does see payload contents
    expectNoSecrets(texts, secrets);
    expectNoSecrets([...env.http.bodies, ...restartBodies], secrets);
    expect(logs.lines.some((l) => l.includes('lever stage change handed to the check'))).toBe(true);
    expectNoSecrets(logs.lines, secrets);
  });
});
