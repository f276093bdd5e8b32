// Lever's request budget per API key (contracts/lever.md: 10 requests/s, bursts to 20, 429 beyond). Every Lever
// request first takes a token from its key's bucket, so the whole service uses the key's budget and no more. A 429
// means someone else spent it too (another process, another integration on the same key): the bucket halves its pace
// and empties for everyone in this process using that key, then recovers gradually.
//
// `LeverBudget` is the seam for a budget shared by every worker through the database (the scale issue); the in-process
// implementation below is the default.
import { createHash } from 'node:crypto';

export interface LeverBudget {
  /** Resolves when a request for this key may go out; callers are served in call order. Never fails. */
  acquire(key: string): Promise<void>;
  /** Lever answered 429 for this key: slow down (and wait at least retryAfterMs when Lever said so). */
  penalize(key: string, retryAfterMs?: number): void;
}

export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Lever's published limit. */
export const LEVER_RATE_LIMIT: RateLimit = { perSecond: 10, burst: 20 };

export interface AdaptiveOptions {
  /** Pace never drops below this after 429s. */
  minPerSecond: number;
  /** Pace regained per second without a 429 (additive increase after the multiplicative decrease). */
  recoveryPerSecond: number;
  /** 429s closer together than this count as one (the requests already in flight when the first one came back). */
  penaltyWindowMs: number;
  /**
   * Tokens of the burst held back. Lever's bucket starts refilling when our first request *arrives*, ours when it
   * leaves, so at exactly Lever's numbers every request after the burst would be early by the network latency and
   * meet a 429. Two tokens (200 ms of jitter at 10/s) absorb that; the steady pace stays the full 10/s.
   */
  headroomTokens: number;
}

export const DEFAULT_ADAPTIVE: AdaptiveOptions = {
  minPerSecond: 1,
  recoveryPerSecond: 1,
  penaltyWindowMs: 1000,
  headroomTokens: 2,
};

/** Key for a (base URL, API key) pair: a hash, so API keys never sit in memory as map keys or reach a database. */
export function leverBudgetKey(baseUrl: string, apiKey: string): string {
  return `${baseUrl.replace(/\/+$/, '')}#${createHash('sha256').update(apiKey).digest('hex')}`;
}

/** FIFO token bucket whose pace a 429 halves and time restores. */
export class AdaptiveTokenBucket {
  private tokens: number;
  private readonly capacity: number;
  private last: number;
  private rate: number;
  private blockedUntil = 0;
  private lastPenaltyAt = -Infinity;
  private readonly waiters: Array<() => void> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Tokens handed out at once / after waiting; 429s taken into account (for tests and metrics). */
  granted = 0;
  waited = 0;
  penalties = 0;

  constructor(
    readonly limit: RateLimit = LEVER_RATE_LIMIT,
    private readonly now: () => number = () => performance.now(),
    private readonly adaptive: AdaptiveOptions = DEFAULT_ADAPTIVE,
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new Error('rate limit needs perSecond > 0 and burst >= 1');
    this.capacity = Math.max(1, limit.burst - adaptive.headroomTokens);
    this.tokens = this.capacity;
    this.rate = limit.perSecond;
    this.last = this.now();
  }

  /** Current pace in requests per second. */
  get perSecond(): number {
    this.refill();
    return this.rate;
  }

  get pending(): number {
    return this.waiters.length;
  }

  acquire(): Promise<void> {
    if (this.waiters.length === 0 && this.take()) {
      this.granted++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.waiters.push(() => {
        this.granted++;
        this.waited++;
        resolve();
      });
      this.schedule();
    });
  }

  penalize(retryAfterMs?: number): void {
    this.refill();
    const t = this.now();
    this.tokens = 0;
    if (retryAfterMs !== undefined && retryAfterMs > 0)
      this.blockedUntil = Math.max(this.blockedUntil, t + retryAfterMs);
    if (t - this.lastPenaltyAt >= this.adaptive.penaltyWindowMs) {
      this.rate = Math.max(this.adaptive.minPerSecond, this.rate / 2);
      this.penalties++;
    }
    this.lastPenaltyAt = t;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.waiters.length > 0) this.schedule();
  }

  private refill(): void {
    const t = this.now();
    const from = Math.max(this.last, this.blockedUntil);
    if (t > from) {
      const dt = (t - from) / 1000;
      // Tokens accrue at the pace of the interval's start, then the pace recovers; close enough at this scale.
      this.tokens = Math.min(this.capacity, this.tokens + dt * this.rate);
      this.rate = Math.min(this.limit.perSecond, this.rate + dt * this.adaptive.recoveryPerSecond);
    }
    this.last = Math.max(this.last, t);
  }

  private take(): boolean {
    this.refill();
    if (this.now() >= this.blockedUntil && this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    while (this.waiters.length > 0 && this.take()) this.waiters.shift()!();
    if (this.waiters.length === 0) return;
    const blocked = Math.max(0, this.blockedUntil - this.now());
    const waitMs = Math.max(1, Math.ceil(blocked + ((1 - this.tokens) / this.rate) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, waitMs);
  }
}

/** The default budget: one adaptive bucket per key in this process. */
export class InProcessLeverBudget implements LeverBudget {
  private readonly buckets = new Map<string, AdaptiveTokenBucket>();

  constructor(
    private readonly limit: RateLimit = LEVER_RATE_LIMIT,
    private readonly now?: () => number,
    private readonly adaptive: AdaptiveOptions = DEFAULT_ADAPTIVE,
  ) {}

  bucket(key: string): AdaptiveTokenBucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = new AdaptiveTokenBucket(this.limit, this.now, this.adaptive);
      this.buckets.set(key, b);
    }
    return b;
  }

  acquire(key: string): Promise<void> {
    return this.bucket(key).acquire();
  }

  penalize(key: string, retryAfterMs?: number): void {
    this.bucket(key).penalize(retryAfterMs);
  }

  clear(): void {
    this.buckets.clear();
  }
}

/** The process-wide budget every Lever client uses unless given another. */
export const processLeverBudget = new InProcessLeverBudget();

/** Tests: forget every key's bucket. */
export function resetLeverRateLimiters(): void {
  processLeverBudget.clear();
}
