// Coalesces Certn nudges per check: at most one signal in flight per workflow, signals at least `minGapMs` apart,
// and at most one follow-up queued behind the current one. A nudge carries nothing the check needs (it re-reads
// the case), so a storm of callbacks costs the check a few signals, not hundreds, and no signal waits in a queue past
// the webhook deadline (issue 11: 1,776 history events from one storm, 503s while Temporal was up).
// A caller is answered only once a signal sent *after* it arrived has reached Temporal (the follow-up), or with that
// signal's error: never a 2xx for a callback no delivered signal covers. Per process: each API replica coalesces its
// own callbacks, which bounds a storm's signals by the replica count times (storm length / minGapMs + 2).

/** Sends one signal for the workflow; resolves to false when the check is closed or gone. */
export type SendNudge<N> = (workflowId: string, nudge: N) => Promise<boolean>;

interface Slot {
  /** Settles once the current signal is done and `minGapMs` has passed since it was sent. */
  busy: Promise<unknown>;
  /** Queued behind busy; everyone who arrived while the current signal was under way waits for it. */
  followUp?: Promise<boolean>;
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    if (ms > 0) setTimeout(resolve, ms).unref();
    else resolve();
  });

export class NudgeCoalescer<N> {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly send: SendNudge<N>,
    private readonly minGapMs = 250,
  ) {}

  nudge(workflowId: string, nudge: N): Promise<boolean> {
    const slot = this.slots.get(workflowId);
    if (!slot) return this.start(workflowId, nudge);
    // The current signal may have been read by the check before this callback's change happened at Certn:
    // only a signal sent after now covers this caller.
    slot.followUp ??= slot.busy.then(() => this.start(workflowId, nudge));
    return slot.followUp;
  }

  /** Checks with a signal under way or just sent (for tests). */
  get pending(): number {
    return this.slots.size;
  }

  private start(workflowId: string, nudge: N): Promise<boolean> {
    const sent = this.send(workflowId, nudge);
    const settled = sent.then(
      () => undefined,
      () => undefined,
    );
    const busy = Promise.all([settled, sleep(this.minGapMs)]);
    // A follow-up that starts replaces the slot's state; the slot goes once nothing is under way or queued.
    const slot: Slot = { busy };
    this.slots.set(workflowId, slot);
    void busy.then(() => {
      if (this.slots.get(workflowId) === slot && !slot.followUp) this.slots.delete(workflowId);
    });
    return sent;
  }
}
