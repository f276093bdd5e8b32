-- Migration 5 (issue 11): the durable hand-over of a stage change Temporal could not take (transactional outbox).
-- handover: the JSON the relay hands to the check ({opportunityId, triggeredAt, toStageId}: ids only, no personal
-- data), set while queued and cleared once relayed; handed_at is set when queued (the token is spent: copies answer
-- duplicate). lease_id/lease_until: the relay holding the row right now, so replicas never hand it at once.
ALTER TABLE lever_deliveries ADD COLUMN handover TEXT;
ALTER TABLE lever_deliveries ADD COLUMN queued_at INTEGER;
ALTER TABLE lever_deliveries ADD COLUMN lease_id TEXT;
ALTER TABLE lever_deliveries ADD COLUMN lease_until INTEGER;
ALTER TABLE lever_deliveries ADD COLUMN relayed_at INTEGER;
CREATE INDEX lever_deliveries_queued ON lever_deliveries (queued_at) WHERE handover IS NOT NULL;
