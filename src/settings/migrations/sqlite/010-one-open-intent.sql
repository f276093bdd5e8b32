-- Migration 10 (issue 12): at most one open order intent per opportunity, enforced rather than assumed. The ordering
-- activity heartbeats, so Temporal retries an attempt lost with its worker after seconds, not minutes; a retry can
-- then run beside an attempt that is stalled, not dead (a frozen process, a worker cut off from Temporal but not
-- from Certn). Both could find no open intent and order. With this index only one opens an intent, and only the
-- holder of an open intent sends a POST. (Fails to apply if two intents are open for one opportunity already: that
-- opportunity may have two cases, and an operator must look before closing one.)
CREATE UNIQUE INDEX order_intents_one_open ON order_intents (team_id, opportunity_id) WHERE resolved_at IS NULL;
