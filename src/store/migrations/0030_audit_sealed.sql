-- 0030: the audit trail without a global hot row, keyed and checkpointed (src/audit, docs/security.md).
-- Writers append to audit_queue, whose ids come from an identity column (a sequence): no row is shared
-- by two writers. One sealer at a time (holding the audit_head row) moves committed records, in queue
-- order, into audit_log: each gets its chain position (seq, gap-free), its HMAC-SM3 chain hash under a
-- key kept outside the database, and its Merkle leaf; the perfect subtrees of the tree go to
-- audit_tree. Signed tree heads (checkpoints) go to a file outside the database and to
-- audit_checkpoints.

-- records written, not yet sealed; mac = HMAC-SM3 under the audit key over nonce and fields, so that a
-- row nobody holding the key wrote is refused by the sealer (and recorded as refused)
CREATE TABLE audit_queue (
    id {{ID}},
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    unit_id BIGINT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    summary TEXT NOT NULL,
    client TEXT NOT NULL DEFAULT '',
    scope TEXT {{BYTEWISE}} NOT NULL DEFAULT '/',
    nonce TEXT NOT NULL,
    mac TEXT NOT NULL
);
CREATE INDEX audit_queue_object ON audit_queue (object_type, object_id);

-- the queue mac of a sealed record (unique: a copied queue row is refused) and its Merkle leaf hash
ALTER TABLE audit_log ADD COLUMN mac TEXT;
ALTER TABLE audit_log ADD COLUMN leaf TEXT;
CREATE UNIQUE INDEX audit_log_mac ON audit_log (mac);

-- perfect subtrees of the Merkle tree over audit_log (level >= 1; level 0 is audit_log.leaf): the
-- node (level, idx) covers records idx * 2^level + 1 … (idx + 1) * 2^level
CREATE TABLE audit_tree (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (level, idx)
);

-- frontier: the roots of the tree's perfect subtrees along its right edge (hex, largest first);
-- key_id: names the key the chain is sealed with ('' until the first keyed use re-keys older records)
ALTER TABLE audit_head ADD COLUMN frontier TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN key_id TEXT NOT NULL DEFAULT '';

-- signed tree heads, as also appended to the checkpoint file
CREATE TABLE audit_checkpoints (
    size BIGINT PRIMARY KEY,
    root TEXT NOT NULL,
    at TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);
