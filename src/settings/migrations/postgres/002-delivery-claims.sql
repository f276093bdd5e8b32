-- Migration 2 (PostgreSQL twin of sqlite/002): lever deliveries are claimed until handed to Temporal.
ALTER TABLE lever_deliveries ADD COLUMN handed_at BIGINT;
UPDATE lever_deliveries SET handed_at = received_at;
