// A settings.db written by the code before migrations moved to .sql files (fixtures/settings-v3.db, made with master
// key 0x07×32) opens with today's store and keeps its data: the file migrations match what old databases applied.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS, SqliteSettingsStore } from '../../src/settings/sqlite-store';

const TEAM = '7036e7f2-fb29-4346-b6c9-da5adfcb0705';

it('opens a schema-3 database from the previous code and keeps every row', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-upgrade-'));
  const file = path.join(dir, 'settings.db');
  fs.copyFileSync(path.join(__dirname, 'fixtures', 'settings-v3.db'), file);
  const store = new SqliteSettingsStore({ filename: file, masterKey: Buffer.alloc(32, 7) });
  try {
    expect(store.appliedMigrations()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // 4 to 10 applied on open
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const team = await store.getTeamConfig(TEAM);
    expect(team).toMatchObject({
      name: 'Fixture Team',
      version: 4,
      lever: { triggerStageName: 'BG', advanceStageName: null, plainCompleteTag: false },
    });
    expect(team?.packages.map((p) => [p.name, p.checkTypes])).toEqual([['Standard', ['A', 'B']]]);
    expect(team?.defaultPackageId).toBe(team?.packages[0]?.id);
    expect((await store.getTeamSecrets(TEAM))?.lever.apiKey).toBe('lever-key-fixture-0001');
    // migration 6 (above): result settings start unset; migration 5: the archive and delete webhooks' tokens start unset
    expect(team?.lever).toMatchObject({ archiveSignatureToken: { set: false }, deletedSignatureToken: { set: false } });
    const claim = { triggeredAt: 1000, bodyHash: 'b1', abandonedBefore: Date.now() };
    expect((await store.claimLeverDelivery(TEAM, 'tok-handed', claim)).outcome).toBe('handed');
    expect(await store.findCertnObjectOwner('chk-1')).toMatchObject({ teamId: TEAM, caseId: 'case-1' });
    expect(await store.findOpenOrderIntent(TEAM, 'opp-2')).toMatchObject({ email: 'x@example.com' });
    // the schema still behaves: the version trigger bumps, a new migration-free write works
    await store.updateTeam(TEAM, { name: 'Renamed' });
    expect((await store.getTeamConfig(TEAM))?.version).toBe(5);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
