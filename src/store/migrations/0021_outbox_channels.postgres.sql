-- 0021: notification channels are registered in code (src/notify/channel.h), so the outbox no
-- longer lists them in a CHECK: a new channel (e.g. an HTTPS webhook) needs no migration.
ALTER TABLE outbox DROP CONSTRAINT outbox_channel_check;
