-- Migration 8 (issue 12): whether an order intent's POST got an answer from Certn (a 5xx: the request is over). An
-- unanswered POST (timed out, connection lost) may still be creating a case at Certn: the next attempt that finds no
-- case waits until the POST's window has passed before ordering again, so a late case is never billed twice.
ALTER TABLE order_intents ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;
