-- 0060: events out (推送, issue #17). An endpoint of another system registered by an administrator
-- at a unit: it receives the chosen event kinds of objects that unit's subtree may see. Deliveries
-- go through the notification queue (the outbox) as rows of the webhook channel.
-- secret is the endpoint's HMAC-SM3 key, sealed like seal private keys (AES-256-GCM under a key
-- derived from secret_key); it is shown once, on creation and rotation. A removed endpoint stays
-- (deleted = 1) so that its deliveries keep their history.
CREATE TABLE webhooks (
    id {{ID}},
    unit_id BIGINT NOT NULL REFERENCES units (id),
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX webhooks_unit ON webhooks (unit_id);
