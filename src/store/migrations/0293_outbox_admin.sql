-- the administrator's list of e-mail, SMS (and webhook) deliveries by state, newest first (GET /api/v1/admin/outbox,
-- the 通知投递 page; src/notify/outbox.c notify_outbox_list): read through (state, id) a page at a time. Without it
-- the list walked the whole outbox backwards — inbox rows, the most of it, included — to find a state's newest
-- hundred: 44 ms for a state with none in 200,000 rows, growing with every message. Partial: the inbox's rows
-- (written and read as sent) are not in it, so a notice's inbox row costs no more to write
CREATE INDEX outbox_admin ON outbox (state, id) WHERE channel <> 'inbox';
