-- 0061: the outbox (the notification queue) carries webhook deliveries too: rows without a user, the
-- channel 'webhook', the state 'cancelled' (an endpoint removed before its row was sent). In place, ids
-- and the identity sequence kept (SQLite rebuilds the table: 0061_outbox_webhook.sqlite.sql).
ALTER TABLE outbox ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE outbox DROP CONSTRAINT outbox_channel_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_channel_check CHECK (channel IN ('inbox', 'email', 'sms', 'webhook'));
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
    CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'cancelled'));
CREATE INDEX outbox_webhook ON outbox (address, id) WHERE channel = 'webhook';
