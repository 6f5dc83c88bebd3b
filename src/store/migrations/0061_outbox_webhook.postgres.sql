-- 0061: the outbox (the notification queue) carries webhook deliveries too. 0021 already lets a row
-- have no user and any registered channel's name; this adds the state 'cancelled' (an endpoint removed
-- before its row was sent) and an index for an endpoint's deliveries. In place, on 0042's partitioned
-- table: the parent's constraint reaches every partition; the DEFAULT partition (the table before
-- 0042) may hold a CHECK of its own, dropped first as 0021 does. SQLite: 0061_outbox_webhook.sqlite.sql.
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_state_check;
ALTER TABLE IF EXISTS outbox_default DROP CONSTRAINT IF EXISTS outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
    CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'cancelled'));
CREATE INDEX outbox_webhook ON outbox (address, id) WHERE channel = 'webhook';
