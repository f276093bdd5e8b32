-- Migration 2: lever deliveries are claimed until handed to Temporal.
-- NULL handed_at = a claim still being handed over (or abandoned by a crash); rows from version 1 were handed.
ALTER TABLE lever_deliveries ADD COLUMN handed_at INTEGER;
UPDATE lever_deliveries SET handed_at = received_at;
