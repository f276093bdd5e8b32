-- Migration 5 (issue 10, points 3 and 4): per-team result settings. The advance stage is kept by name and resolved
-- when a check advances (a renamed stage is reported then); plain Complete is a 0/1 flag like `enabled`.
ALTER TABLE teams ADD COLUMN lever_advance_stage_name TEXT;
ALTER TABLE teams ADD COLUMN lever_plain_complete_tag INTEGER NOT NULL DEFAULT 0;
