-- 0213: the public forms' submissions counted per window by every node together (src/clues/clue_limits.c).
-- The per-process token buckets of src/api/api_public.c refuse a flood before any database work; these
-- counters hold the sum of a province's nodes to public_submit_per_min (per client address) and
-- public_submit_all_per_min (all addresses). span: the window's length in seconds (60); win: unix seconds /
-- span; key: '*' for all addresses, else an HMAC of the client address under the shared secret — no address
-- is stored (条例 Art. 26).
-- Rows of past windows are deleted by the scheduler.
CREATE TABLE public_hits (
    span INTEGER NOT NULL,
    key TEXT NOT NULL,
    win BIGINT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (span, key, win)
);
