-- Migration 4: the shared Lever budget table (used with PostgreSQL, see src/lever/budget-db.ts); kept in SQLite too
-- so both dialects share their migration numbers.
CREATE TABLE lever_budget (
  key             TEXT PRIMARY KEY,
  tat             REAL NOT NULL,
  rate            REAL NOT NULL,
  updated_at      REAL NOT NULL,
  blocked_until   REAL NOT NULL DEFAULT 0,
  last_penalty_at REAL NOT NULL DEFAULT 0
);
