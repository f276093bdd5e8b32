// The settings store, end to end on a real database file: teams, secrets sealed at rest, packages, delivery claims,
// Certn object ownership, order intents, migrations and concurrency.
// Over 300 lines: one describe per concern of the store interface, sharing one store per test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { MIGRATIONS, SETTINGS_DB_FILE, SqliteSettingsStore, migrate } from '../../src/settings/sqlite-store';
import {
  ConflictError,
  NotFoundError,
  OrderIntentTakenError,
  SettingsStore,
  maskSecret,
  matchKey,
} from '../../src/settings/store';
import { BACKENDS, Location } from './backends';

const SECRETS = {
  leverApiKey: 'LEVERKEY-' + randomBytes(12).toString('hex'),
  leverToken: 'LEVERTOKEN-' + randomBytes(12).toString('hex'),
  certnApiKey: 'CERTNKEY-' + randomBytes(12).toString('hex'),
  certnSecret: 'CERTNSECRET-' + randomBytes(12).toString('hex'),
};

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'settings-store-'));
}

function fullInput(name = 'Acme') {
  return {
    name,
    lever: {
      apiKey: SECRETS.leverApiKey,
      signatureToken: SECRETS.leverToken,
      triggerStageName: 'Background Check',
      performAsUserId: 'user-1',
    },
    certn: { apiKey: SECRETS.certnApiKey, webhookSecret: SECRETS.certnSecret },
  };
}

const claimIds = new Map<string, string>();
/** Claims with a body hash; remembers the claim id so the test can act as the holder. */
async function outcome(
  s: SettingsStore,
  teamId: string,
  token: string,
  triggeredAt: number,
  abandonedBefore: number,
  bodyHash = 'body',
): Promise<string> {
  const c = await s.claimLeverDelivery(teamId, token, { triggeredAt, bodyHash, abandonedBefore });
  if (c.outcome === 'claimed') claimIds.set(`${teamId}/${token}`, c.claimId);
  return c.outcome;
}
const held = (teamId: string, token: string): string => claimIds.get(`${teamId}/${token}`) ?? 'none';

describe.each(BACKENDS)('$name settings store', (backend) => {
  let loc: Location;
  let key: Buffer;
  let store: SettingsStore;

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  beforeEach(async () => {
    loc = await backend.fresh();
    key = randomBytes(32);
    store = await loc.open(key);
  });
  afterEach(async () => {
    await store.close();
    await loc.cleanup();
  });

  it('creates a team with random webhook ids and masked secrets', async () => {
    const t = await store.createTeam(fullInput());
    expect(t.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.enabled).toBe(false);
    expect(t.leverWebhookId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(t.certnWebhookId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(t.leverWebhookId).not.toBe(t.certnWebhookId);
    expect(t.lever.apiKey).toEqual({ set: true, masked: '••••' + SECRETS.leverApiKey.slice(-4) });
    expect(t.certn.webhookSecret.set).toBe(true);
    expect(JSON.stringify(t)).not.toContain(SECRETS.leverApiKey);
    expect(JSON.stringify(t)).not.toContain(SECRETS.certnSecret);
    expect(t.lever.triggerStageName).toBe('Background Check');
    expect(t.lever.triggerStageId).toBeNull();
    expect(t.packages).toEqual([]);
    expect(await store.listTeams()).toHaveLength(1);
  });

  it('decrypts secrets for activities and webhook verification', async () => {
    const t = await store.createTeam(fullInput());
    const none = { archiveSignatureToken: null, deletedSignatureToken: null };
    expect(await store.getTeamSecrets(t.id)).toEqual({
      lever: { apiKey: SECRETS.leverApiKey, signatureToken: SECRETS.leverToken, ...none },
      certn: { apiKey: SECRETS.certnApiKey, webhookSecret: SECRETS.certnSecret },
    });
    expect(await store.findLeverHook(t.leverWebhookId)).toEqual({
      teamId: t.id,
      enabled: false,
      triggerStageId: null,
      signatureToken: SECRETS.leverToken,
      ...none,
    });
    expect(await store.findCertnHook(t.certnWebhookId)).toEqual({
      teamId: t.id,
      enabled: false,
      webhookSecret: SECRETS.certnSecret,
    });
    expect(await store.findLeverHook(t.certnWebhookId)).toBeNull();
    expect(await store.getTeamSecrets('nope')).toBeNull();
  });

  it('keeps one signature token per Lever webhook: stage change, archive, deleted (sealed, masked, clearable)', async () => {
    const t = await store.createTeam(fullInput());
    const tokens = {
      archiveSignatureToken: 'ARCHIVETOKEN-0123456789',
      deletedSignatureToken: 'DELETEDTOKEN-0123456789',
    };
    const u = await store.updateTeam(t.id, { lever: tokens });
    expect(u.lever.archiveSignatureToken).toEqual({ set: true, masked: '••••6789' });
    expect(u.lever.deletedSignatureToken).toEqual({ set: true, masked: '••••6789' });
    expect(JSON.stringify(u)).not.toContain('TOKEN-0123456789');
    expect(await store.findLeverHook(t.leverWebhookId)).toMatchObject({
      signatureToken: SECRETS.leverToken,
      ...tokens,
    });
    expect((await store.getTeamSecrets(t.id))?.lever).toMatchObject(tokens);
    const v = await store.updateTeam(t.id, { lever: { archiveSignatureToken: null } });
    expect(v.lever.archiveSignatureToken).toEqual({ set: false, masked: null });
    expect(await store.findLeverHook(t.leverWebhookId)).toMatchObject({
      archiveSignatureToken: null,
      deletedSignatureToken: tokens.deletedSignatureToken,
    });
  });

  it('updates: absent leaves, null clears, value replaces', async () => {
    const t = await store.createTeam({ name: 'A', lever: { apiKey: 'k1-aaaaaaaaaaaa' } });
    const u = await store.updateTeam(t.id, { name: ' B ', lever: { performAsUserId: 'u2' }, certn: { apiKey: 'c1' } });
    expect(u.name).toBe('B');
    expect(u.lever.apiKey.set).toBe(true);
    expect(u.lever.performAsUserId).toBe('u2');
    expect(u.certn.apiKey).toEqual({ set: true, masked: '••••' });
    const v = await store.updateTeam(t.id, { lever: { apiKey: null } });
    expect(v.lever.apiKey).toEqual({ set: false, masked: null });
    expect(v.lever.performAsUserId).toBe('u2');
    await expect(store.updateTeam('missing', { name: 'x' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('enable/disable; a new trigger stage name needs its resolved id while enabled; required fields stay', async () => {
    const t = await store.createTeam(fullInput());
    const e = await store.enableTeam(t.id, 'stage-bg', { expectedVersion: t.version });
    expect(e.enabled).toBe(true);
    expect(e.lever.triggerStageId).toBe('stage-bg');
    expect((await store.findLeverHook(t.leverWebhookId))?.triggerStageId).toBe('stage-bg');
    await expect(store.updateTeam(t.id, { lever: { apiKey: null } })).rejects.toBeInstanceOf(ConflictError);
    // same name, other case/space: still enabled
    expect((await store.updateTeam(t.id, { lever: { triggerStageName: ' background check ' } })).enabled).toBe(true);
    // a new name without its resolved id is refused, never a silent disable
    await expect(store.updateTeam(t.id, { lever: { triggerStageName: 'Offer' } })).rejects.toBeInstanceOf(
      ConflictError,
    );
    const now = (await store.getTeamConfig(t.id))!;
    expect(now.enabled).toBe(true);
    await expect(
      store.updateTeam(t.id, { lever: { triggerStageName: 'Offer' } }, { triggerStageId: 'x', expectedVersion: 0 }),
    ).rejects.toBeInstanceOf(ConflictError);
    const changed = await store.updateTeam(
      t.id,
      { lever: { triggerStageName: 'Offer' } },
      { triggerStageId: 'stage-offer', expectedVersion: now.version },
    );
    expect(changed.enabled).toBe(true);
    expect(changed.lever.triggerStageId).toBe('stage-offer');
    const off = await store.disableTeam(t.id);
    expect(off.enabled).toBe(false);
    expect((await store.updateTeam(t.id, { lever: { triggerStageName: 'Hired' } })).lever.triggerStageId).toBeNull();
    await expect(store.enableTeam('missing', 'x', { expectedVersion: 1 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('enable commits only the version it validated: any change to the team or its packages bumps it', async () => {
    const t = await store.createTeam(fullInput());
    const v0 = t.version;
    const p = await store.createPackage(t.id, { name: 'Standard', checkTypes: ['CRIMINAL_RECORD_CHECK'] });
    const v1 = (await store.getTeamConfig(t.id))!.version;
    expect(v1).toBeGreaterThan(v0);
    await store.updatePackage(t.id, p.id, { checkTypes: ['CREDIT_REPORT_1'] });
    const v2 = (await store.getTeamConfig(t.id))!.version;
    expect(v2).toBeGreaterThan(v1);
    // validated at v2, then secrets cleared meanwhile (the team is disabled, so the clear itself is allowed)
    await store.updateTeam(t.id, { lever: { apiKey: null, signatureToken: null }, certn: { webhookSecret: null } });
    await expect(store.enableTeam(t.id, 'stage-bg', { expectedVersion: v2 })).rejects.toBeInstanceOf(ConflictError);
    expect((await store.getTeamConfig(t.id))!.enabled).toBe(false);
  });

  it('packages: unique names ignoring case and spaces, rename, default, delete', async () => {
    const t = await store.createTeam({ name: 'A' });
    const p1 = await store.createPackage(t.id, { name: ' Standard ', checkTypes: ['CRIMINAL_RECORD_CHECK'] });
    expect(p1.name).toBe('Standard');
    await expect(
      store.createPackage(t.id, { name: 'STANDARD', checkTypes: ['CREDIT_REPORT_1'] }),
    ).rejects.toBeInstanceOf(ConflictError);
    const p2 = await store.createPackage(t.id, { name: 'Premium', checkTypes: ['CREDIT_REPORT_1', 'CREDIT_REPORT_1'] });
    expect(p2.checkTypes).toEqual(['CREDIT_REPORT_1']);
    await expect(store.updatePackage(t.id, p2.id, { name: 'standard' })).rejects.toBeInstanceOf(ConflictError);
    expect((await store.updatePackage(t.id, p2.id, { name: 'premium' })).name).toBe('premium'); // own name, new case
    const other = await store.createTeam({ name: 'B' });
    await store.createPackage(other.id, { name: 'Standard', checkTypes: ['CREDIT_REPORT_1'] }); // per team
    await expect(store.setDefaultPackage(other.id, p1.id)).rejects.toBeInstanceOf(NotFoundError);
    const d = await store.setDefaultPackage(t.id, p1.id);
    expect(d.defaultPackageId).toBe(p1.id);
    expect(d.packages.map((p) => p.name)).toEqual(['Standard', 'premium']);

    await store.enableTeam(t.id, 's', { expectedVersion: (await store.getTeamConfig(t.id))!.version });
    await expect(store.deletePackage(t.id, p1.id)).rejects.toBeInstanceOf(ConflictError);
    await store.deletePackage(t.id, p2.id);
    await store.disableTeam(t.id);
    await store.deletePackage(t.id, p1.id);
    const after = await store.getTeamConfig(t.id);
    expect(after?.packages).toEqual([]);
    expect(after?.defaultPackageId).toBeNull();
    await expect(store.deletePackage(t.id, p1.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.createPackage('missing', { name: 'x', checkTypes: ['CREDIT_REPORT_1'] })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('claims a Lever token exactly once, even concurrently, and durably across a restart', async () => {
    const t = await store.createTeam({ name: 'A' });
    const fresh = () => Date.now() - 30_000; // claims younger than 30 s are in flight
    const results = await Promise.all([1, 2, 3].map(() => outcome(store, t.id, 'tok-1', 1000, fresh())));
    expect(results.sort()).toEqual(['claimed', 'in_flight', 'in_flight']);
    // tokens are per team
    expect(await outcome(store, 'other-team', 'tok-1', 1000, fresh())).toBe('claimed');
    await store.markLeverDeliveryHanded(t.id, 'tok-1', held(t.id, 'tok-1'));
    await store.close();
    store = await loc.open(key);
    expect(await outcome(store, t.id, 'tok-1', 1000, fresh())).toBe('handed');
    // a handed delivery stays handed however old it is
    expect(await outcome(store, t.id, 'tok-1', 1000, Date.now() + 60_000)).toBe('handed');
    // a spent token cannot be released, not even by its former holder
    expect(await store.releaseLeverDelivery(t.id, 'tok-1', held(t.id, 'tok-1'))).toBe(false);
    expect(await outcome(store, t.id, 'tok-1', 1000, fresh())).toBe('handed');
  });

  it('two stores on one database (two processes): each token claimed once, one package per name, no errors', async () => {
    const other = await loc.open(key);
    try {
      const tokens = Array.from({ length: 40 }, (_, i) => `race-${i}`);
      const claims = await Promise.all(
        [store, other].flatMap((s) =>
          tokens.map((t) => s.claimLeverDelivery('t', t, { triggeredAt: 1, bodyHash: 'b', abandonedBefore: 0 })),
        ),
      );
      expect(claims.filter((c) => c.outcome === 'claimed')).toHaveLength(tokens.length);
      expect(claims.filter((c) => c.outcome !== 'claimed').every((c) => c.outcome === 'in_flight')).toBe(true);
      const team = await store.createTeam({ name: 'Race' });
      const made = await Promise.allSettled(
        [store, other, store, other].map((s) => s.createPackage(team.id, { name: 'Same', checkTypes: ['X'] })),
      );
      expect(made.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of made) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    } finally {
      await other.close();
    }
  });

  it('binds a token to its body; only the claim holder releases or marks it; a released claim takes the same body only', async () => {
    const fresh = () => Date.now() - 30_000;
    expect(await outcome(store, 't', 'tok', 1000, fresh(), 'body-a')).toBe('claimed');
    const first = held('t', 'tok');
    expect(await outcome(store, 't', 'tok', 1000, fresh(), 'body-b')).toBe('token_reused');
    // the holder's claim lapses and a copy takes it over: the first holder can no longer release or mark it
    expect(await outcome(store, 't', 'tok', 1000, Date.now() + 1000, 'body-a')).toBe('claimed');
    const second = held('t', 'tok');
    expect(second).not.toBe(first);
    expect(await store.releaseLeverDelivery('t', 'tok', first)).toBe(false);
    expect(await store.markLeverDeliveryHanded('t', 'tok', first)).toBe(false);
    expect(await outcome(store, 't', 'tok', 1000, fresh(), 'body-a')).toBe('in_flight');
    // the holder releases (its hand-over failed): Lever's retry of the same body is accepted, another body is not
    expect(await store.releaseLeverDelivery('t', 'tok', second)).toBe(true);
    expect(await outcome(store, 't', 'tok', 1000, fresh(), 'body-b')).toBe('token_reused');
    expect(await outcome(store, 't', 'tok', 1000, fresh(), 'body-a')).toBe('claimed');
    expect(await store.markLeverDeliveryHanded('t', 'tok', held('t', 'tok'))).toBe(true);
    expect(await outcome(store, 't', 'tok', 1000, fresh(), 'body-a')).toBe('handed');
    expect(await outcome(store, 't', 'tok', 1000, fresh(), 'body-b')).toBe('token_reused');
  });

  it('lets a copy take over a claim that a crash left unfinished, once the lease has lapsed', async () => {
    expect(await outcome(store, 't', 'crashed', 1000, Date.now() - 30_000)).toBe('claimed');
    // the process dies here: no mark, no release; the next store opens the same file
    await store.close();
    store = await loc.open(key);
    expect(await outcome(store, 't', 'crashed', 1000, Date.now() - 30_000)).toBe('in_flight');
    // the lease lapses (here: everything claimed before "now + 1 s" counts as abandoned): a copy takes it over,
    // and its claim is fresh again for the copies after it
    expect(await outcome(store, 't', 'crashed', 1000, Date.now() + 1000)).toBe('claimed');
    expect(await outcome(store, 't', 'crashed', 1000, Date.now() - 30_000)).toBe('in_flight');
    await store.markLeverDeliveryHanded('t', 'crashed', held('t', 'crashed'));
    expect(await outcome(store, 't', 'crashed', 1000, Date.now() + 1000)).toBe('handed');
  });

  it('prunes tokens older than the cut-off only', async () => {
    const fresh = Date.now() - 30_000;
    expect(await outcome(store, 't', 'old', 1_000, fresh)).toBe('claimed');
    expect(await outcome(store, 't', 'new', 5_000, fresh)).toBe('claimed');
    expect(await store.pruneLeverDeliveries(2_000)).toBe(1);
    expect(await outcome(store, 't', 'old', 1_000, fresh)).toBe('claimed');
    expect(await outcome(store, 't', 'new', 5_000, fresh)).toBe('in_flight');
  });

  it('maps Certn objects to checks, idempotently; latest case per opportunity', async () => {
    expect(await store.findCaseForOpportunity('t', 'opp')).toBeNull();
    const ref = { workflowId: 'wf-1', opportunityId: 'opp', caseId: 'case-1' };
    await store.recordCertnObjects('t', { ...ref, objectIds: ['case-1', 'chk-1', 'chk-2'] });
    await store.recordCertnObjects('t', { ...ref, objectIds: ['chk-2', 'chk-3'] });
    expect(await store.findCheckByCertnObject('t', 'case-1')).toEqual(ref);
    expect(await store.findCheckByCertnObject('t', 'chk-3')).toEqual(ref);
    expect(await store.findCheckByCertnObject('other', 'chk-3')).toBeNull();
    expect(await store.findCaseForOpportunity('t', 'opp')).toBe('case-1');
    await store.recordCertnObjects('t', { workflowId: 'wf-1', opportunityId: 'opp', caseId: 'case-2', objectIds: [] });
    expect(await store.findCaseForOpportunity('t', 'opp')).toBe('case-2');
    expect(await store.findCheckByCertnObject('t', 'case-2')).toEqual({ ...ref, caseId: 'case-2' });
  });

  it('a Certn object belongs to one check of one team for good: never overwritten, found from any team', async () => {
    const a = { workflowId: 'wf-a', opportunityId: 'opp-a', caseId: 'case-x' };
    expect(await store.recordCertnObjects('team-a', { ...a, objectIds: ['chk-x'] })).toEqual({ foreign: [] });
    const b = { workflowId: 'wf-b', opportunityId: 'opp-b', caseId: 'case-x' };
    expect(await store.recordCertnObjects('team-b', { ...b, objectIds: ['chk-x', 'chk-y'] })).toEqual({
      foreign: ['case-x', 'chk-x'],
    });
    expect(await store.findCheckByCertnObject('team-a', 'case-x')).toEqual(a);
    expect(await store.findCheckByCertnObject('team-b', 'case-x')).toBeNull();
    expect(await store.findCertnObjectOwner('chk-x')).toEqual({ ...a, teamId: 'team-a' });
  });

  it('order intents: one open per opportunity, e-mail sealed while open and forgotten when resolved', async () => {
    const email = 'Candidate.Person@example.com';
    const i = await store.createOrderIntent({
      teamId: 't',
      opportunityId: 'opp',
      workflowId: 'wf',
      email,
      checkTypes: ['B_CHECK', 'A_CHECK'],
    });
    expect(i.checkTypes).toEqual(['A_CHECK', 'B_CHECK']);
    expect(i.emailHash).toBe(store.hashEmail(' candidate.person@EXAMPLE.com '));
    expect(i.emailHash).not.toContain('example');
    const open = await store.findOpenOrderIntent('t', 'opp');
    expect(open).toMatchObject({ id: i.id, email, notSent: false, checkTypes: ['A_CHECK', 'B_CHECK'] });
    await store.markOrderIntentNotSent(i.id);
    expect((await store.findOpenOrderIntent('t', 'opp'))?.notSent).toBe(true);
    // a case owned by another check is refused, and the intent stays open
    await store.recordCertnObjects('t', { workflowId: 'other', opportunityId: 'o2', caseId: 'c-other', objectIds: [] });
    const foreignRef = { workflowId: 'wf', opportunityId: 'opp', caseId: 'c-other', objectIds: [] };
    await expect(store.resolveOrderIntent(i.id, { ref: foreignRef })).rejects.toBeInstanceOf(ConflictError);
    expect(await store.findOpenOrderIntent('t', 'opp')).not.toBeNull();
    await store.resolveOrderIntent(i.id, { ref: { ...foreignRef, caseId: 'c-1', objectIds: ['k-1'] } });
    expect(await store.findOpenOrderIntent('t', 'opp')).toBeNull();
    expect(await store.findCheckByCertnObject('t', 'k-1')).toEqual({
      workflowId: 'wf',
      opportunityId: 'opp',
      caseId: 'c-1',
    });
    await store.close();
    const [row] = await loc.rows('order_intents');
    expect(row?.email_sealed).toBeNull();
    expect(JSON.stringify(row)).not.toContain('example.com');
    store = await loc.open(key);
  });

  it('an order key finds the case its intent was resolved with, and only that', async () => {
    const base = { teamId: 't', opportunityId: 'opp-k', workflowId: 'wf-k', email: 'k@example.com', checkTypes: ['A'] };
    const ref = { workflowId: 'wf-k', opportunityId: 'opp-k', objectIds: [] };
    const first = await store.createOrderIntent({ ...base, orderKey: 'run-1/4' });
    expect(await store.findCaseOrderedBy('run-1/4')).toBeNull(); // open: the search decides, not the key
    await store.resolveOrderIntent(first.id, { ref: { ...ref, caseId: 'case-k1' } });
    expect(await store.findCaseOrderedBy('run-1/4')).toBe('case-k1');
    const nothing = await store.createOrderIntent({ ...base, orderKey: 'run-1/9' });
    await store.resolveOrderIntent(nothing.id, null); // created nothing: the key finds no case
    expect(await store.findCaseOrderedBy('run-1/9')).toBeNull();
  });

  it('one open order intent per opportunity: a second is refused until the first is resolved', async () => {
    const base = { teamId: 't', opportunityId: 'opp-o', workflowId: 'wf-o', email: 'o@example.com', checkTypes: ['A'] };
    const first = await store.createOrderIntent({ ...base, orderKey: 'run-1/4' });
    await expect(store.createOrderIntent({ ...base, orderKey: 'run-1/4' })).rejects.toBeInstanceOf(
      OrderIntentTakenError,
    );
    await store.createOrderIntent({ ...base, opportunityId: 'opp-other' }); // another opportunity: its own intent
    expect((await store.findOpenOrderIntent('t', 'opp-o'))?.id).toBe(first.id);
    await store.resolveOrderIntent(first.id, null);
    const next = await store.createOrderIntent({ ...base, orderKey: 'run-1/9' });
    expect((await store.findOpenOrderIntent('t', 'opp-o'))?.id).toBe(next.id);
  });

  it('cannot read secrets with another master key', async () => {
    const t = await store.createTeam(fullInput());
    await store.close();
    store = await loc.open(randomBytes(32));
    await expect(store.getTeamSecrets(t.id)).rejects.toThrow();
  });
});

describe('SqliteSettingsStore only', () => {
  let dir: string;
  let key: Buffer;
  let store: SqliteSettingsStore;

  beforeEach(() => {
    dir = tmpDir();
    key = randomBytes(32);
    store = new SqliteSettingsStore({ dataDir: dir, masterKey: key });
  });
  afterEach(async () => {
    await store.close();
  });

  it('treats deliveries recorded before the claim lease existed as handed', async () => {
    const oldDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-v1-'));
    const db = new Database(path.join(oldDir, SETTINGS_DB_FILE));
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare('INSERT INTO lever_deliveries (team_id, token_hash, triggered_at, received_at) VALUES (?, ?, ?, ?)').run(
      't',
      createHash('sha256').update('v1-token').digest('hex'),
      1000,
      1000,
    );
    db.close();
    const upgraded = new SqliteSettingsStore({ dataDir: oldDir, masterKey: key }); // migration 2 runs on that row
    try {
      expect(await outcome(upgraded, 't', 'v1-token', 1000, Date.now() + 60_000)).toBe('handed');
    } finally {
      await upgraded.close();
      fs.rmSync(oldDir, { recursive: true, force: true });
    }
  });

  it('keeps no secret in clear in the database or WAL files', async () => {
    const t = await store.createTeam(fullInput());
    await store.updateTeam(t.id, { lever: { apiKey: SECRETS.leverApiKey + '-rotated' } });
    await outcome(store, t.id, 'delivery-token-in-clear?', 1, 0);
    const files = () =>
      fs
        .readdirSync(dir)
        .filter((f) => f.startsWith(SETTINGS_DB_FILE))
        .map((f) => fs.readFileSync(path.join(dir, f)));
    const check = (bufs: Buffer[]) => {
      expect(bufs.length).toBeGreaterThan(0);
      const all = Buffer.concat(bufs);
      // sanity: the scan does find clear text that is stored (the team name)
      expect(all.includes(Buffer.from('Acme'))).toBe(true);
      for (const s of [...Object.values(SECRETS), 'delivery-token-in-clear?']) {
        expect(all.includes(Buffer.from(s, 'utf8'))).toBe(false);
        expect(all.includes(Buffer.from(s, 'utf16le'))).toBe(false);
      }
    };
    expect(fs.existsSync(path.join(dir, SETTINGS_DB_FILE + '-wal'))).toBe(true);
    check(files()); // while open: recent writes live in the WAL
    await store.close();
    check(files()); // after the checkpoint on close
    store = new SqliteSettingsStore({ dataDir: dir, masterKey: key });
    expect((await store.getTeamSecrets(t.id))?.lever.apiKey).toBe(SECRETS.leverApiKey + '-rotated');
  });
});

describe('migrations', () => {
  it('applies every migration once, in order, and records them', async () => {
    const dir = tmpDir();
    const key = randomBytes(32);
    const s1 = new SqliteSettingsStore({ dataDir: dir, masterKey: key });
    expect(s1.appliedMigrations()).toEqual(MIGRATIONS.map((m) => m.version));
    await s1.close();
    const db = new Database(path.join(dir, SETTINGS_DB_FILE));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(migrate(db)).toEqual([]); // nothing left to apply
    const extra = [...MIGRATIONS, { version: 99, name: 'test', sql: 'CREATE TABLE extra (x INTEGER)' }];
    expect(migrate(db, extra)).toEqual([99]);
    expect(migrate(db, extra)).toEqual([]);
    db.close();
    const s2 = new SqliteSettingsStore({ dataDir: dir, masterKey: key });
    expect(s2.appliedMigrations()).toEqual([...MIGRATIONS.map((m) => m.version), 99]);
    await s2.close();
  });

  it('rolls back a failing migration entirely', () => {
    const db = new Database(':memory:');
    migrate(db);
    const bad = [
      ...MIGRATIONS,
      { version: 1000, name: 'bad', sql: 'CREATE TABLE half (x INTEGER); SELECT nope FROM nowhere;' },
    ];
    expect(() => migrate(db, bad)).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    expect(db.prepare('SELECT MAX(version) v FROM schema_migrations').get()).toEqual({
      v: Math.max(...MIGRATIONS.map((m) => m.version)),
    });
    db.close();
  });
});

describe('helpers', () => {
  it('package name keys and masks', () => {
    expect(matchKey('  Standard Check ')).toBe(matchKey('standard check'));
    expect(maskSecret(null)).toEqual({ set: false, masked: null });
    expect(maskSecret('short')).toEqual({ set: true, masked: '••••' });
    expect(maskSecret('abcdefghijkl')).toEqual({ set: true, masked: '••••ijkl' });
  });
});
