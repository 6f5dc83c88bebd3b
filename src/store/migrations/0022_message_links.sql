-- 0022: a message names the web page of what it is about (notice.link, e.g. "/items/12"), so the
-- inbox opens the object whatever the message is attached to: a ladder step is recorded against a
-- milestone, which has no page of its own, and its owner's page is the one to open. Empty: no page.
ALTER TABLE outbox ADD COLUMN link TEXT NOT NULL DEFAULT '';
