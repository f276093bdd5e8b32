-- Migration 9 (issue 12): the identity of one order across its attempts (the workflow run and activity ids). An
-- attempt can resolve its intent with the case and then die before Temporal hears of it; the retry finds the
-- intent closed, so without this key it would order a second, billed case. With it, the retry returns the case.
ALTER TABLE order_intents ADD COLUMN order_key TEXT;
CREATE INDEX order_intents_by_order_key ON order_intents (order_key);
