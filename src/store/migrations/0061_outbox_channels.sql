-- 0061 (interim, see REQUESTS.md): the outbox carries webhook deliveries too: rows without a user,
-- the channel 'webhook', the state 'cancelled' (an endpoint removed before its row was sent).
CREATE TABLE outbox_new (
    id {{ID}},
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('inbox', 'email', 'sms', 'webhook')),
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
    read_at TEXT
);
INSERT INTO outbox_new SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt);
CREATE INDEX outbox_user ON outbox (user_id, channel, id);
CREATE INDEX outbox_webhook ON outbox (address, id) WHERE channel = 'webhook';
