-- 0061: the outbox (the notification queue) carries webhook deliveries too: rows without a user, the
-- state 'cancelled' (an endpoint removed before its row was sent). Channels are registered in code,
-- so no CHECK lists them (as after 0021_outbox_channels, which may have run before or after this).
-- SQLite cannot change a column's NOT NULL or a CHECK constraint, so the table is rebuilt with the
-- same ids (inbox messages are read and marked by id) and every column up to 0041's claimed_by;
-- PostgreSQL changes it in place (0061_outbox_webhook.postgres.sql).
CREATE TABLE outbox_new (
    id {{ID}},
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,                    -- a registered channel's name: inbox, email, sms, webhook …
    kind TEXT NOT NULL,
    urgent INTEGER NOT NULL DEFAULT 0,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    object_type TEXT NOT NULL DEFAULT '',
    object_id BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sent_at TEXT,
    read_at TEXT,
    claimed_by TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox_new (id, user_id, channel, kind, urgent, subject, body, address, object_type, object_id, state,
                        attempts, next_attempt, lease_until, last_error, created_at, sent_at, read_at, claimed_by)
    SELECT id, user_id, channel, kind, urgent, subject, body, address, object_type, object_id, state, attempts,
           next_attempt, lease_until, last_error, created_at, sent_at, read_at, claimed_by FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt);
CREATE INDEX outbox_user ON outbox (user_id, channel, id);
CREATE INDEX outbox_webhook ON outbox (address, id) WHERE channel = 'webhook';
