// The Lever budget on a fake clock: Lever's 10/s with a burst of 20, FIFO service, a 429 halving the key's pace for
// every caller (once per burst of 429s), Retry-After honoured, and the pace recovering gradually.
import {
  AdaptiveTokenBucket,
  DEFAULT_ADAPTIVE,
  InProcessLeverBudget,
  LEVER_RATE_LIMIT,
  leverBudgetKey,
} from '../../src/lever/budget';

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/** Starts n acquires and records when each is granted (ms after the start). */
function race(bucket: { acquire(): Promise<void> }, n: number) {
  const t0 = Date.now();
  const at: number[] = [];
  for (let i = 0; i < n; i++) void bucket.acquire().then(() => at.push(Date.now() - t0));
  return at;
}

describe('AdaptiveTokenBucket', () => {
  it("defaults to Lever's published limit: the burst of 20 less two tokens of headroom, then one every 100 ms", async () => {
    expect(LEVER_RATE_LIMIT).toEqual({ perSecond: 10, burst: 20 });
    const bucket = new AdaptiveTokenBucket(undefined, () => Date.now());
    const at = race(bucket, 40);
    await flush();
    expect(at).toHaveLength(18);
    await jest.advanceTimersByTimeAsync(2200);
    expect(at).toHaveLength(40);
    expect(at.slice(18, 21)).toEqual([100, 200, 300]);
    expect(at[39]).toBe(2200); // 10/s steady: 22 more requests in 2.2 s
  });

  it('grants in call order and refills up to the burst only', async () => {
    const bucket = new AdaptiveTokenBucket({ perSecond: 2, burst: 3 }, () => Date.now(), {
      ...DEFAULT_ADAPTIVE,
      headroomTokens: 0,
    });
    const order: number[] = [];
    for (let i = 0; i < 7; i++) void bucket.acquire().then(() => order.push(i));
    await flush();
    expect(order).toEqual([0, 1, 2]);
    await jest.advanceTimersByTimeAsync(499);
    expect(order).toEqual([0, 1, 2]);
    await jest.advanceTimersByTimeAsync(1);
    expect(order).toEqual([0, 1, 2, 3]);
    await jest.advanceTimersByTimeAsync(1500);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    await jest.advanceTimersByTimeAsync(60_000);
    let got = 0;
    for (let i = 0; i < 5; i++) void bucket.acquire().then(() => got++);
    await flush();
    expect(got).toBe(3);
  });

  it('a 429 empties the bucket and halves the pace; 429s of one burst count once', async () => {
    const bucket = new AdaptiveTokenBucket(LEVER_RATE_LIMIT, () => Date.now());
    race(bucket, 20);
    await flush();
    bucket.penalize();
    bucket.penalize(); // the other requests of the same burst coming back 429 too
    bucket.penalize();
    expect(bucket.penalties).toBe(1);
    expect(bucket.perSecond).toBe(5);
    const at = race(bucket, 3);
    await jest.advanceTimersByTimeAsync(1000);
    // 5/s (recovering while it waits): the first token only after ~200 ms, not 100 ms.
    expect(at[0]).toBeGreaterThanOrEqual(190);
    expect(at).toHaveLength(3);
  });

  it('honours Retry-After: nothing goes out before it, whatever the pace', async () => {
    const bucket = new AdaptiveTokenBucket(LEVER_RATE_LIMIT, () => Date.now());
    bucket.penalize(3000);
    const at = race(bucket, 2);
    await jest.advanceTimersByTimeAsync(2999);
    expect(at).toEqual([]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(at.length).toBeGreaterThanOrEqual(1);
    expect(at[0]).toBeGreaterThanOrEqual(3000);
  });

  it('recovers gradually: +1/s each second without a 429, back to 10/s, never above', async () => {
    const bucket = new AdaptiveTokenBucket(LEVER_RATE_LIMIT, () => Date.now());
    bucket.penalize();
    expect(bucket.perSecond).toBe(5);
    await jest.advanceTimersByTimeAsync(2000);
    expect(bucket.perSecond).toBeCloseTo(7, 5);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(bucket.perSecond).toBe(10);
  });

  it('repeated 429s (more than a second apart) keep halving down to the floor of 1/s', async () => {
    const bucket = new AdaptiveTokenBucket(LEVER_RATE_LIMIT, () => Date.now());
    for (let i = 0; i < 6; i++) {
      bucket.penalize();
      await jest.advanceTimersByTimeAsync(1000);
    }
    expect(bucket.penalties).toBe(6);
    expect(bucket.perSecond).toBeLessThan(3);
    expect(bucket.perSecond).toBeGreaterThanOrEqual(1);
  });
});

describe('InProcessLeverBudget', () => {
  it('keys buckets by base URL and a hash of the API key; a 429 on one key slows only that key', async () => {
    const key = leverBudgetKey('https://api.lever.co/v1/', 'secret-key');
    expect(key).toBe(leverBudgetKey('https://api.lever.co/v1', 'secret-key'));
    expect(key).not.toContain('secret-key');
    const other = leverBudgetKey('https://api.lever.co/v1', 'another-key');
    const budget = new InProcessLeverBudget(LEVER_RATE_LIMIT, () => Date.now());
    budget.penalize(key, 5000);
    const slow: number[] = [];
    const fast: number[] = [];
    void budget.acquire(key).then(() => slow.push(Date.now()));
    void budget.acquire(other).then(() => fast.push(Date.now()));
    await flush();
    expect(fast).toHaveLength(1);
    expect(slow).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(5500);
    expect(slow).toHaveLength(1);
    expect(budget.bucket(key).perSecond).toBeLessThan(10);
    expect(budget.bucket(other).perSecond).toBe(10);
  });
});
