-- 0021: notification channels are registered in code (src/notify/channel.h), so the outbox no
-- longer lists them in a CHECK: a new channel (e.g. an HTTPS webhook) needs no migration. SQLite
-- cannot drop a CHECK, so the table is rebuilt with the same rows and ids.
CREATE TABLE outbox_new (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,                    -- a registered channel's name: inbox, email, sms …
    kind TEXT NOT NULL,
    urgent INTEGER NOT NULL DEFAULT 0,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    object_type TEXT NOT NULL DEFAULT '',
    object_id BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sent_at TEXT,
    read_at TEXT
);
INSERT INTO outbox_new (id, user_id, channel, kind, urgent, subject, body, address, object_type, object_id, state,
                        attempts, next_attempt, lease_until, last_error, created_at, sent_at, read_at)
    SELECT id, user_id, channel, kind, urgent, subject, body, address, object_type, object_id, state, attempts,
           next_attempt, lease_until, last_error, created_at, sent_at, read_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt);
CREATE INDEX outbox_user ON outbox (user_id, channel, id);
