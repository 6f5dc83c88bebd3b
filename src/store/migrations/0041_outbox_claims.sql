-- 0041: which process holds an e-mail/SMS claim (src/notify: a 30 s lease renewed before each send,
-- owner checked), so that a node that died gives its claims back within the lease, not after 300 s.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
