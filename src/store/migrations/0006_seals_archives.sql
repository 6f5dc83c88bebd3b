-- 0006: digital seals (电子印章) of units, the signatures made with them, and archive files
-- (立卷归档). Portable SQL (SQLite and PostgreSQL).

-- One active SM2 key pair per unit; a retired key stays to verify what it signed.
-- private_key is sealed: AES-256-GCM under a key derived (HKDF-SHA256) from the configured
-- secret_key; it never leaves the server.
CREATE TABLE seals (
    id {{ID}},
    unit_id BIGINT NOT NULL REFERENCES units (id),
    public_key TEXT NOT NULL,
    private_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    retired_at TEXT
);
CREATE UNIQUE INDEX seals_active ON seals (unit_id) WHERE retired_at IS NULL;

-- A signature over canonical bytes (UTF-8 text, kept so that anyone can re-verify it), made with
-- a unit's seal: SM2 over SM3 with the default SM2 ID, DER in base64.
CREATE TABLE seal_signatures (
    id {{ID}},
    seal_id BIGINT NOT NULL REFERENCES seals (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    object_type TEXT NOT NULL DEFAULT '',
    object_id BIGINT NOT NULL DEFAULT 0,
    signer_id BIGINT,
    signer TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    content TEXT NOT NULL,
    content_sm3 TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX seal_signatures_object ON seal_signatures (object_type, object_id, id);

-- The archive file of an item: a ZIP under data_dir/archives with its SM3.
CREATE TABLE archives (
    id {{ID}},
    item_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    file TEXT NOT NULL,
    size BIGINT NOT NULL,
    sm3 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX archives_item ON archives (item_id, id);
