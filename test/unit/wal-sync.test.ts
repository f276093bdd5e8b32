// WalSync: a group commit with a WAL sync resolves its callers only after an fdatasync that started after their
// commit; writes committed while a sync runs wait for the next one; a failed sync fails its callers; the connection
// stays at synchronous FULL for every other write. On a real WAL database in a temporary directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { GroupCommit } from '../../src/settings/group-commit';
import { WalSync } from '../../src/settings/wal-sync';

/** A datasync the test finishes by hand, counting calls (each really syncs the file when released). */
function manualSync() {
  const waiting: { release: () => void; fail: (e: Error) => void }[] = [];
  let calls = 0;
  const datasync = (file: fs.promises.FileHandle) =>
    new Promise<void>((resolve, reject) => {
      calls++;
      waiting.push({ release: () => void file.datasync().then(resolve, reject), fail: reject });
    });
  return { datasync, calls: () => calls, next: () => waiting.shift()! };
}

const tick = () => new Promise((r) => setImmediate(r));
/** Waits for a condition the thread pool decides the timing of (opening the WAL file). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
}

describe('WalSync', () => {
  let dir: string;
  let db: Database.Database;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-sync-'));
    file = path.join(dir, 'db.sqlite');
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const insert = (k: string) => () => db.prepare('INSERT INTO t (k) VALUES (?)').run(k).changes;

  it('resolves a write only once a WAL sync begun after its commit has finished', async () => {
    const sync = manualSync();
    const wal = new WalSync(db, `${file}-wal`, sync.datasync);
    const group = new GroupCommit(db, wal);
    let done = false;
    const first = group.run(insert('a')).then(() => (done = true));
    await until(() => sync.calls() === 1);
    // Committed (visible) but not yet acknowledged: its sync is still running.
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 1 });
    expect(sync.calls()).toBe(1);
    expect(done).toBe(false);

    // A write committed while that sync runs must wait for a sync of its own.
    let secondDone = false;
    const second = group.run(insert('b')).then(() => (secondDone = true));
    await tick();
    sync.next().release();
    await first;
    await until(() => sync.calls() === 2);
    expect(secondDone).toBe(false);
    sync.next().release();
    await second;
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL again for every other write
    await wal.close();
  });

  it('a failed sync fails the writes waiting on it, and the next write syncs again', async () => {
    const sync = manualSync();
    const wal = new WalSync(db, `${file}-wal`, sync.datasync);
    const group = new GroupCommit(db, wal);
    const failed = group.run(insert('x')).then(
      () => 'ok',
      (e: Error) => e.message,
    );
    await until(() => sync.calls() === 1);
    sync.next().fail(new Error('EIO'));
    expect(await failed).toBe('EIO');
    const ok = group.run(insert('y'));
    await until(() => sync.calls() === 2);
    sync.next().release();
    expect(await ok).toBe(1);
    await wal.close();
  });

  it('with the real fdatasync, writes resolve and closing waits for the sync under way', async () => {
    const wal = new WalSync(db, `${file}-wal`);
    const group = new GroupCommit(db, wal);
    const results = await Promise.all(['p', 'q', 'r'].map((k) => group.run(insert(k))));
    expect(results).toEqual([1, 1, 1]);
    const late = group.run(insert('s'));
    group.flush();
    await wal.close();
    expect(await late).toBe(1);
  });
});
