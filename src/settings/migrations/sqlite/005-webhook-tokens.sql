-- Migration 5: Lever gives every webhook its own signature token, so the Candidate Archive State Change and Candidate
-- Deleted webhooks get a token column each (sealed like the others; null = not set) beside lever_signature_token
-- (the Candidate Stage Change webhook's).
ALTER TABLE teams ADD COLUMN lever_archive_signature_token TEXT;
ALTER TABLE teams ADD COLUMN lever_deleted_signature_token TEXT;
