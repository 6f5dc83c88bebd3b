-- 0040: Idempotency-Key (src/api/idempotency.c). A POST that carries the header and commits stores
-- its key in the same transaction as its changes; its reply is stored right after. A retry with the
-- same key within 24 hours gets the stored reply instead of running again.
CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idem_key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    request_hash TEXT NOT NULL,          -- SM3 of method, path and body: the same key must mean the same request
    status INTEGER NOT NULL DEFAULT 0,   -- 0: committed, reply not stored (yet)
    content_type TEXT,
    response TEXT,
    created_at BIGINT NOT NULL,          -- Unix seconds; older than 24 h is expired (and deleted by retention)
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
