-- Migration 3 (issue 8, "trust"): delivery tokens bound to their body and their claim holder, team versions for
-- atomic enable, per-team report link keys, order intents (one billed case per order), Certn objects unique across teams.
-- A token seen with one body is refused with any other; a claim is finished only by the request holding it.
ALTER TABLE lever_deliveries ADD COLUMN body_hash TEXT;
ALTER TABLE lever_deliveries ADD COLUMN claim_id TEXT;

-- Every change to a team or its packages bumps its version: enable commits only what it validated.
ALTER TABLE teams ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- Per-team report link key (sealed); created on first use, replaced to revoke every link the team has out.
ALTER TABLE teams ADD COLUMN report_link_key TEXT;
CREATE TRIGGER teams_version_bump AFTER UPDATE ON teams
WHEN NEW.version = OLD.version AND NEW.report_link_key IS OLD.report_link_key
BEGIN UPDATE teams SET version = OLD.version + 1 WHERE id = NEW.id; END;
CREATE TRIGGER packages_insert_bump AFTER INSERT ON packages
BEGIN UPDATE teams SET version = version + 1 WHERE id = NEW.team_id; END;
CREATE TRIGGER packages_update_bump AFTER UPDATE ON packages
BEGIN UPDATE teams SET version = version + 1 WHERE id = NEW.team_id; END;
CREATE TRIGGER packages_delete_bump AFTER DELETE ON packages
BEGIN UPDATE teams SET version = version + 1 WHERE id = OLD.team_id; END;

-- One row per order POST, written before it. email_sealed (AES-GCM under the master key) exists only while the
-- intent is open: reconciling needs the address that was sent, and Lever may no longer have it.
CREATE TABLE order_intents (
  id             TEXT PRIMARY KEY,
  team_id        TEXT NOT NULL,
  opportunity_id TEXT NOT NULL,
  workflow_id    TEXT NOT NULL,
  email_hash     TEXT NOT NULL,
  email_sealed   TEXT,
  check_types    TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  not_sent       INTEGER NOT NULL DEFAULT 0,
  resolved_at    TEXT,
  case_id        TEXT
);
CREATE INDEX order_intents_open ON order_intents (team_id, opportunity_id, resolved_at);

-- A Certn object belongs to one check of one team, first writer wins (duplicates: the oldest row stays).
DELETE FROM certn_objects WHERE seq NOT IN (SELECT MIN(seq) FROM certn_objects GROUP BY object_id);
CREATE UNIQUE INDEX certn_objects_object ON certn_objects (object_id);
