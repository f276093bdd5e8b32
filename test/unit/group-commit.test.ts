// Group commit: writes queued in one turn of the event loop share one transaction (one fsync), each caller resolves
// with its own result after that commit, and a failed batch fails each of its callers (the next batch is unaffected).
import Database from 'better-sqlite3';
import { GroupCommit } from '../../src/settings/group-commit';

/** The same database, counting the transactions GroupCommit commits. */
function counted(db: Database.Database): { db: Database.Database; commits: () => number } {
  let commits = 0;
  const spy = {
    transaction: (fn: () => unknown) => ({
      immediate: () => {
        const r = db.transaction(fn).immediate();
        commits++;
        return r;
      },
    }),
  };
  return { db: spy as unknown as Database.Database, commits: () => commits };
}

describe('GroupCommit', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
  });
  afterEach(() => db.close());

  it('commits the writes of one turn together, each caller getting its own result once committed', async () => {
    const { db: spy, commits } = counted(db);
    const group = new GroupCommit(spy);
    const insert = (k: string) => () => db.prepare('INSERT INTO t (k) VALUES (?)').run(k).changes;
    const results = await Promise.all(['a', 'b', 'c'].map((k) => group.run(insert(k))));
    expect(results).toEqual([1, 1, 1]);
    expect(commits()).toBe(1);
    await group.run(insert('d'));
    expect(commits()).toBe(2);
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 4 });
  });

  it('a failing write fails its whole batch, and the next batch commits', async () => {
    const group = new GroupCommit(db);
    const insert = (k: string) => () => db.prepare('INSERT INTO t (k) VALUES (?)').run(k).changes;
    const batch = [group.run(insert('x')), group.run(insert('x'))].map((p) =>
      p.then(
        () => 'ok',
        () => 'failed',
      ),
    );
    expect(await Promise.all(batch)).toEqual(['failed', 'failed']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 0 });
    expect(await group.run(insert('y'))).toBe(1);
  });

  it('flush() commits what is queued at once (the store calls it before closing)', async () => {
    const group = new GroupCommit(db);
    const done = group.run(() => db.prepare('INSERT INTO t (k) VALUES (?)').run('z').changes);
    group.flush();
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 1 });
    expect(await done).toBe(1);
  });
});
