-- a user's unread inbox messages about one object (src/notify/inbox.c notify_read_object): once the user has acted
-- on the object (src/workflow/workflow.c), the messages that brought it to them are read — the to-do was handled, yet
-- its message stayed unread in the badge. Partial: only the unread inbox rows, so the index stays the size of what
-- people have not read yet
CREATE INDEX outbox_unread_object ON outbox (user_id, object_type, object_id) WHERE channel = 'inbox' AND read_at IS NULL;
