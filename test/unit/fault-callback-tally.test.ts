// The fault suite's tally of Certn callbacks: the answers our API gave, attempt by attempt, from the sandbox's log.
import { formatAnswers, slowestCallbackMs, tallyCallbacks } from '../../bench/faults/runner';

describe('tallyCallbacks', () => {
  it('counts delivered, given-up and dropped callbacks and every attempt by its answer', () => {
    const t = tallyCallbacks([
      { state: 'delivered', attempts: [{ status: 200 }] },
      { state: 'delivered', attempts: [{ status: 503 }, { status: 200 }] },
      { state: 'failed', attempts: [{ status: 503 }, { status: null, error: 'timeout' }, { status: 503 }] },
      { state: 'dropped', attempts: [] },
      { state: 'skipped', attempts: [] },
    ]);
    expect(t).toEqual({ sent: 5, delivered: 2, gaveUp: 1, dropped: 2, answers: { '200': 2, '503': 3, timeout: 1 } });
    expect(formatAnswers(t.answers)).toBe('503×3 200×2 timeout×1');
    expect(formatAnswers({})).toBe('-');
  });
});

describe('slowestCallbackMs', () => {
  it("reads the longest `ms` of the Certn webhook's own log lines and ignores other components", () => {
    const line = (component: string, ms?: number) => JSON.stringify({ level: 'info', component, msg: 'x', ms });
    expect(
      slowestCallbackMs([line('certn-webhook', 40), line('lever-webhook', 9000), line('certn-webhook', 1200)]),
    ).toBe(1200);
    expect(slowestCallbackMs([line('certn-webhook')])).toBe(0);
  });
});
