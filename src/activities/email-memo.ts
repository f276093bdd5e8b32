// The e-mail the stage confirmation just read, kept in this worker's memory for the order that follows it, so one
// read of the opportunity serves both (issue 12: fewer Lever calls). Memory only: never in history, logs or the store.
// A miss (another worker, a restart, an old entry) just means the order reads Lever itself, as before.

/** Long enough for the Pending tag between the read and the order, short enough that a stale address is never used. */
export const EMAIL_MEMO_TTL_MS = 5 * 60_000;
/** Bounds the memory held by reads whose order never came (a cancel, a check with no package). */
const MAX_ENTRIES = 10_000;

export class EmailMemo {
  private readonly entries = new Map<string, { email: string; at: number }>();

  constructor(
    private readonly ttlMs = EMAIL_MEMO_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  remember(teamId: string, opportunityId: string, email: string): void {
    const key = keyOf(teamId, opportunityId);
    this.entries.delete(key); // re-inserted last: the Map's order is the age order the sweep relies on
    this.entries.set(key, { email, at: this.now() });
    this.sweep();
  }

  /** The e-mail read for this opportunity a moment ago, once: a retry of the order reads Lever again. */
  take(teamId: string, opportunityId: string): string | undefined {
    const key = keyOf(teamId, opportunityId);
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry && this.now() - entry.at <= this.ttlMs ? entry.email : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= MAX_ENTRIES && this.now() - entry.at <= this.ttlMs) break; // the rest is newer
      this.entries.delete(key);
    }
  }
}

const keyOf = (teamId: string, opportunityId: string) => `${teamId}\0${opportunityId}`;
