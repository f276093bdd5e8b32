// The Lever budget shared by every process through PostgreSQL: one row per API key holding a GCRA schedule
// (theoretical arrival time + current pace). acquire() is one UPSERT … RETURNING that reserves the next slot and says
// how long to wait for it; penalize() (a 429) is one UPDATE that halves the pace, empties the bucket and honours
// Retry-After for every process using the key. Times come from the database clock, so hosts need not agree.
// Limits: a slot already reserved is not moved by a later 429 (at most ~one burst of requests goes out early).
import type { Pool } from 'pg';
import {
  AdaptiveOptions,
  DEFAULT_ADAPTIVE,
  InProcessLeverBudget,
  LEVER_RATE_LIMIT,
  LeverBudget,
  RateLimit,
} from './budget';

const NOW = 'extract(epoch FROM clock_timestamp()) * 1000';

/** $1 key, $2 max pace /s, $3 recovery /s per s, $4 burst tolerance (ms). Returns how long to wait, in ms. */
const ACQUIRE = `
  INSERT INTO lever_budget AS b (key, tat, rate, updated_at)
  VALUES ($1, ${NOW} + 1000.0 / $2::float8, $2::float8, ${NOW})
  ON CONFLICT (key) DO UPDATE SET
    rate = LEAST($2, b.rate + GREATEST(0, EXCLUDED.updated_at - b.updated_at) / 1000.0 * $3),
    tat = GREATEST(b.tat, EXCLUDED.updated_at, b.blocked_until + $4)
          + 1000.0 / LEAST($2, b.rate + GREATEST(0, EXCLUDED.updated_at - b.updated_at) / 1000.0 * $3),
    updated_at = GREATEST(b.updated_at, EXCLUDED.updated_at)
  RETURNING tat - 1000.0 / rate - $4 - updated_at AS wait_ms`;

/** $1 key, $2 min pace, $3 penalty window (ms), $4 burst tolerance (ms), $5 Retry-After (ms, 0 = none). */
const PENALIZE = `
  UPDATE lever_budget SET
    rate = CASE WHEN ${NOW} - last_penalty_at >= $3 THEN GREATEST($2, rate / 2) ELSE rate END,
    tat = GREATEST(tat, ${NOW} + $4
          + 1000.0 / CASE WHEN ${NOW} - last_penalty_at >= $3 THEN GREATEST($2, rate / 2) ELSE rate END),
    blocked_until = GREATEST(blocked_until, ${NOW} + $5),
    last_penalty_at = ${NOW}
  WHERE key = $1`;

export class PostgresLeverBudget implements LeverBudget {
  /** Used while the database cannot answer: pacing degrades to this process's share, never to none. */
  private readonly fallback: InProcessLeverBudget;
  private readonly toleranceMs: number;
  /** Database errors met (acquire then used the in-process fallback). */
  errors = 0;

  constructor(
    private readonly pool: Pool,
    private readonly limit: RateLimit = LEVER_RATE_LIMIT,
    private readonly adaptive: AdaptiveOptions = DEFAULT_ADAPTIVE,
  ) {
    this.fallback = new InProcessLeverBudget(limit, undefined, adaptive);
    const capacity = Math.max(1, limit.burst - adaptive.headroomTokens);
    this.toleranceMs = ((capacity - 1) * 1000) / limit.perSecond;
  }

  async acquire(key: string): Promise<void> {
    let waitMs: number;
    try {
      const r = await this.pool.query(ACQUIRE, [
        key,
        this.limit.perSecond,
        this.adaptive.recoveryPerSecond,
        this.toleranceMs,
      ]);
      waitMs = Number((r.rows[0] as { wait_ms: number }).wait_ms);
    } catch {
      this.errors++;
      return this.fallback.acquire(key);
    }
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
  }

  penalize(key: string, retryAfterMs?: number): void {
    this.fallback.penalize(key, retryAfterMs);
    this.pool
      .query(PENALIZE, [
        key,
        this.adaptive.minPerSecond,
        this.adaptive.penaltyWindowMs,
        this.toleranceMs,
        retryAfterMs && retryAfterMs > 0 ? retryAfterMs : 0,
      ])
      .catch(() => {
        this.errors++;
      });
  }
}
