-- 0153: a bulletin may be published to the public (公开发布): once issued it is readable without signing
-- in, through /api/v1/public/bulletins (the figures and the office's words; no person's data). Chosen by
-- the office while it is a draft, approved with it by the principal leader.
ALTER TABLE bulletins ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
CREATE INDEX bulletins_public ON bulletins (public, state, issued_at);
