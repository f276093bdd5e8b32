-- Migration 1: teams, packages, lever deliveries, certn objects.
CREATE TABLE teams (
  id                        TEXT PRIMARY KEY,
  name                      TEXT NOT NULL,
  enabled                   INTEGER NOT NULL DEFAULT 0,
  lever_webhook_id          TEXT NOT NULL UNIQUE,
  certn_webhook_id          TEXT NOT NULL UNIQUE,
  lever_api_key             TEXT,
  lever_signature_token     TEXT,
  lever_trigger_stage_name  TEXT,
  lever_trigger_stage_id    TEXT,
  lever_perform_as_user_id  TEXT,
  certn_api_key             TEXT,
  certn_webhook_secret      TEXT,
  default_package_id        TEXT,
  created_at                TEXT NOT NULL,
  updated_at                TEXT NOT NULL
);
CREATE TABLE packages (
  id          TEXT PRIMARY KEY,
  team_id     TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  name_key    TEXT NOT NULL,
  check_types TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  UNIQUE (team_id, name_key)
);
CREATE TABLE lever_deliveries (
  team_id      TEXT NOT NULL,
  token_hash   TEXT NOT NULL,
  triggered_at INTEGER NOT NULL,
  received_at  INTEGER NOT NULL,
  PRIMARY KEY (team_id, token_hash)
);
CREATE INDEX lever_deliveries_triggered_at ON lever_deliveries (triggered_at);
CREATE TABLE certn_objects (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  team_id        TEXT NOT NULL,
  object_id      TEXT NOT NULL,
  workflow_id    TEXT NOT NULL,
  opportunity_id TEXT NOT NULL,
  case_id        TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  UNIQUE (team_id, object_id)
);
CREATE INDEX certn_objects_opportunity ON certn_objects (team_id, opportunity_id, seq);
