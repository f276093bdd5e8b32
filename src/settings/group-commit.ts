// Group commit for SQLite writes that must be durable before the caller answers. Writes queued in the same turn of
// the event loop share one transaction; while it runs, the next writes queue up, so under load the batch grows by
// itself. Each caller still resolves only after its write is durable: what it was promised is unchanged, it is just
// shared. With a WalSync the transaction commits without an fsync and the WAL is synced off the event loop
// (wal-sync.ts); without one, the commit itself must be durable (synchronous FULL, an fsync on the event loop).
import type Database from 'better-sqlite3';
import type { WalSync } from './wal-sync';

interface Pending<T> {
  write: () => T;
  resolve: (v: T) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private queue: Pending<unknown>[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly wal?: WalSync,
  ) {}

  /** Runs `write` inside the next shared transaction; resolves with its result once that transaction committed. */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve, reject } as Pending<unknown>);
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits what is queued now (also called before the database closes). */
  flush(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let results: unknown[];
    const commit = () => this.db.transaction(() => batch.map((p) => p.write())).immediate();
    try {
      results = this.wal ? this.wal.unsynced(commit) : commit();
    } catch (err) {
      // One failed write rolls back the batch: each caller sees the failure, as it would have alone.
      for (const p of batch) p.reject(err);
      return;
    }
    const resolve = () => batch.forEach((p, i) => p.resolve(results[i]));
    if (!this.wal) return resolve();
    // Committed but perhaps not durable: a failed sync fails each caller (a retry finds the write already there).
    this.wal.durable().then(resolve, (err: unknown) => batch.forEach((p) => p.reject(err)));
  }
}
