-- Migration 5 (PostgreSQL twin of sqlite/005): one signature token per Lever webhook — the archive and delete
-- webhooks' tokens beside lever_signature_token (the stage change webhook's); sealed, null = not set.
ALTER TABLE teams ADD COLUMN lever_archive_signature_token TEXT;
ALTER TABLE teams ADD COLUMN lever_deleted_signature_token TEXT;
