-- Migration 3 (PostgreSQL twin of sqlite/003, "trust"): delivery tokens bound to their body and claim holder, team
-- versions for atomic enable, per-team report link keys, order intents, Certn objects unique across teams.
ALTER TABLE lever_deliveries ADD COLUMN body_hash TEXT;
ALTER TABLE lever_deliveries ADD COLUMN claim_id TEXT;

ALTER TABLE teams ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE teams ADD COLUMN report_link_key TEXT;
-- Every change to a team or its packages bumps its version, except a write of the report link key alone.
CREATE FUNCTION teams_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.version = OLD.version AND NEW.report_link_key IS NOT DISTINCT FROM OLD.report_link_key THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER teams_version_bump BEFORE UPDATE ON teams FOR EACH ROW EXECUTE FUNCTION teams_version_bump();
CREATE FUNCTION packages_bump_team() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE teams SET version = version + 1 WHERE id = OLD.team_id;
  ELSE
    UPDATE teams SET version = version + 1 WHERE id = NEW.team_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER packages_bump_team AFTER INSERT OR UPDATE OR DELETE ON packages
FOR EACH ROW EXECUTE FUNCTION packages_bump_team();

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

DELETE FROM certn_objects WHERE seq NOT IN (SELECT MIN(seq) FROM certn_objects GROUP BY object_id);
CREATE UNIQUE INDEX certn_objects_object ON certn_objects (object_id);
