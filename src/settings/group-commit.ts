// Group commit for SQLite writes that must be durable before the caller answers (synchronous FULL: one fsync per
// commit). better-sqlite3 commits on the event loop, so each fsync (~1–7 ms on this machine's disk) stalls every
// request in the process. Writes queued in the same turn of the event loop share one transaction and one fsync; while
// it runs, the next writes queue up, so under load the batch grows by itself. Each caller still resolves only after
// the commit that holds its write: what it was promised is unchanged, it is just shared.
import type Database from 'better-sqlite3';

interface Pending<T> {
  write: () => T;
  resolve: (v: T) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private queue: Pending<unknown>[] = [];

  constructor(private readonly db: Database.Database) {}

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
    try {
      results = this.db.transaction(() => batch.map((p) => p.write())).immediate();
    } catch (err) {
      // One failed write rolls back the batch: each caller sees the failure, as it would have alone.
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]));
  }
}
