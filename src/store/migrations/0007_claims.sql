-- 0007: job claims. A scheduled job (a reminder, a report) that several ducha nodes may all find due
-- is run by the one node whose INSERT of its key wins (claim_once, src/core/claim.c); the row stays
-- as the record of who ran it and when.
CREATE TABLE job_claims (
    key TEXT PRIMARY KEY,
    claimed_at TEXT NOT NULL,
    node TEXT NOT NULL DEFAULT ''
);
