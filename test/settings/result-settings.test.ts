// The per-team result settings (migration 6) on both backends: the advance stage name and the plain-Complete flag are
// stored, read back after a restart, cleared with null, and default to none / false.
import { randomBytes } from 'node:crypto';
import { SettingsStore } from '../../src/settings/store';
import { BACKENDS, Location } from './backends';

describe.each(BACKENDS)('$name: result settings', (backend) => {
  const key = randomBytes(32);
  let loc: Location;
  let store: SettingsStore;

  beforeAll(() => backend.setup(), 120_000);
  afterAll(() => backend.teardown());
  beforeEach(async () => {
    loc = await backend.fresh();
    store = await loc.open(key);
  });
  afterEach(async () => {
    await store.close();
    await loc.cleanup();
  });

  it('default to no advance stage and result tags', async () => {
    const t = await store.createTeam({ name: 'Acme' });
    expect(t.lever).toMatchObject({ advanceStageName: null, plainCompleteTag: false });
  });

  it('are saved (trimmed), survive a restart and clear with null; an absent field is left alone', async () => {
    const t = await store.createTeam({ name: 'Acme', lever: { advanceStageName: '  Offer ', plainCompleteTag: true } });
    expect(t.lever).toMatchObject({ advanceStageName: 'Offer', plainCompleteTag: true });
    await store.updateTeam(t.id, { lever: { performAsUserId: 'user-1' } });
    await store.close();
    store = await loc.open(key);
    expect((await store.getTeamConfig(t.id))?.lever).toMatchObject({
      advanceStageName: 'Offer',
      plainCompleteTag: true,
    });
    const cleared = await store.updateTeam(t.id, { lever: { advanceStageName: null, plainCompleteTag: false } });
    expect(cleared.lever).toMatchObject({ advanceStageName: null, plainCompleteTag: false });
    expect((await loc.rows('teams'))[0]).toMatchObject({ lever_advance_stage_name: null, lever_plain_complete_tag: 0 });
  });
});
