-- 0061: the outbox (the notification queue) carries webhook deliveries too: rows without a user, the
-- state 'cancelled' (an endpoint removed before its row was sent). Channels are registered in code,
-- so no CHECK lists them (0021_outbox_channels drops it too: IF EXISTS keeps either order working).
-- In place: ids, the sequence and 0042's partitions kept (a change on the partitioned table reaches
-- every partition). SQLite rebuilds the table: 0061_outbox_webhook.sqlite.sql.
ALTER TABLE outbox ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_channel_check;
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
    CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'cancelled'));
CREATE INDEX outbox_webhook ON outbox (address, id) WHERE channel = 'webhook';
