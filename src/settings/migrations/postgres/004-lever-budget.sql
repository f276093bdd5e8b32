-- Migration 4: one Lever request budget per API key shared by every process (src/lever/budget-db.ts), kept as GCRA:
-- tat = theoretical arrival time (epoch ms), rate = current pace (halved by a 429, recovering with time).
CREATE TABLE lever_budget (
  key             TEXT PRIMARY KEY,
  tat             DOUBLE PRECISION NOT NULL,
  rate            DOUBLE PRECISION NOT NULL,
  updated_at      DOUBLE PRECISION NOT NULL,
  blocked_until   DOUBLE PRECISION NOT NULL DEFAULT 0,
  last_penalty_at DOUBLE PRECISION NOT NULL DEFAULT 0
);
