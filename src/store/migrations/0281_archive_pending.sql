-- 0281: an item's archive file (立卷归档) is built after the archive transition has committed, outside any write
-- transaction, so that rendering its PDFs holds no write lock (SQLite) and no row (PostgreSQL) while other users
-- write (src/docs/itemdocs_archive.c). The transition queues the file here, in its own transaction; the row is
-- deleted in the transaction that records the file (archives) and its audit record, by the one process that still
-- holds its claim: each item gets its file once. A claim is a lease (claimed_by, lease_until: Unix seconds of the
-- real clock), so that a process that dies while rendering leaves the file to the next pass of any node.
CREATE TABLE archive_pending (
    item_id BIGINT PRIMARY KEY,
    queued_at TEXT NOT NULL,
    queued_by TEXT NOT NULL,              -- who archived: the file's created_by
    claimed_by TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX archive_pending_due ON archive_pending (lease_until, item_id);

-- items archived without a file (by a version that built it on the first download, or made archived by ducha gen)
INSERT INTO archive_pending (item_id, queued_at, queued_by)
SELECT i.id, COALESCE(i.closed_at, '1970-01-01T00:00:00Z'), 'system' FROM items i
WHERE i.state = 'archived' AND NOT EXISTS (SELECT 1 FROM archives a WHERE a.item_id = i.id);
