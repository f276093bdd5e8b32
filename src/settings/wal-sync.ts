// Durability without blocking the event loop, for SQLite in WAL mode. A commit at synchronous FULL fsyncs the WAL
// inside the commit, on the event loop (better-sqlite3 is synchronous): every request in the process waits ~1–7 ms.
// Committing at NORMAL writes the WAL without syncing it; an fdatasync of the WAL file on libuv's thread pool then
// makes that commit durable exactly as FULL would have (a checkpoint in between syncs the WAL and the database file
// itself). One fdatasync serves every commit made before it starts; commits made while one runs share the next.
import type Database from 'better-sqlite3';
import fs from 'node:fs/promises';

export class WalSync {
  private file?: Promise<fs.FileHandle>;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(
    private readonly db: Database.Database,
    private readonly walPath: string,
    /** The fdatasync itself (a test counts them). */
    private readonly datasync: (file: fs.FileHandle) => Promise<void> = (file) => file.datasync(),
  ) {}

  /** Runs `commit` at synchronous NORMAL (no fsync on the event loop); the connection's FULL default is restored. */
  unsynced<T>(commit: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return commit();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Resolves once an fdatasync of the WAL that started after this call has finished: what was committed is durable. */
  durable(): Promise<void> {
    if (!this.running) {
      this.running = this.sync().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    // A sync under way may have started before the caller's commit: wait for it, then for one of our own.
    const next = () => {
      this.queued = null;
      return this.durable();
    };
    this.queued ??= this.running.then(next, next);
    return this.queued;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.running, this.queued]);
    const file = this.file;
    this.file = undefined;
    if (file) await (await file).close();
  }

  private async sync(): Promise<void> {
    // The WAL exists from the first commit in WAL mode and is only removed when the last connection closes.
    this.file ??= fs.open(this.walPath, 'r');
    const opened = this.file;
    try {
      await this.datasync(await opened);
    } catch (err) {
      // Opened again next time: the handle may be what failed.
      if (this.file === opened) this.file = undefined;
      opened.then((f) => f.close()).catch(() => undefined);
      throw err;
    }
  }
}
