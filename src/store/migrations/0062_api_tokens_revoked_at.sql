-- 0062: per-token revocation (issue #17). api_tokens.revoked existed but nothing set it; a token is now
-- revoked on its own (DELETE /api/v1/users/{id}/tokens/{token}, `ducha token revoke ID`), audited, and
-- the moment is kept for the administrator's list. last_used_at is touched at most every ten minutes.
ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);
