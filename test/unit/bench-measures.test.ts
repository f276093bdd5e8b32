// The benchmarks' own arithmetic: the steady-state request rate, the design's minimum of Lever calls per path, and
// the process samples figure 6 reads from /proc.
import { minimumLeverCalls } from '../../bench/lever-minimum';
import { procSample, steadyRate } from '../../bench/stats';

describe('steadyRate', () => {
  it("leaves the opening burst out: 20 at once, then 10/s for 20 s, is 10/s, not the whole run's average", () => {
    const burst = Array.from({ length: 20 }, () => 0);
    const paced = Array.from({ length: 200 }, (_, i) => 100 + i * 100);
    const { perSecond, windowMs } = steadyRate([...burst, ...paced]);
    expect(perSecond).toBeCloseTo(10, 0);
    expect(windowMs).toBeCloseTo(16_000, -2);
  });

  it('has no rate for fewer than two requests', () => {
    expect(steadyRate([5]).perSecond).toBeNaN();
  });
});

describe("the design's minimum of Lever calls", () => {
  it('is 13 for a check that shows every status: read, 1 + 3 × 2 tag calls, 3 link calls, PDF, note', () => {
    const m = minimumLeverCalls(['CERTN - Pending', 'CERTN - Analyzing', 'CERTN - Partial', 'CERTN - Complete']);
    expect(m.total).toBe(13);
    expect(m.parts).toEqual({
      'read opportunity': 1,
      'status tags': 7,
      'report links': 3,
      'PDF upload': 1,
      'summary note': 1,
    });
  });

  it('is 7 when Certn finishes before the check catches up: no interim link to remove', () => {
    expect(minimumLeverCalls(['CERTN - Pending', 'CERTN - Complete']).total).toBe(7);
  });

  it('is 2 for a candidate without an e-mail', () => {
    expect(minimumLeverCalls(['CERTN - Error (No Email)']).total).toBe(2);
  });
});

describe('procSample', () => {
  it("reads this process's resident memory and a CPU time that grows with work", () => {
    const before = procSample(process.pid);
    const until = Date.now() + 150;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    const after = procSample(process.pid);
    expect(before.rssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(after.cpuMs).toBeGreaterThan(before.cpuMs);
    expect(x).toBeGreaterThan(0);
  });
});
