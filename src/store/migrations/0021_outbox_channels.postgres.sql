-- 0021: notification channels are registered in code (src/notify/channel.h), so the outbox no
-- longer lists them in a CHECK, and a row need not name a user (a channel such as a webhook sends
-- to an endpoint): a new channel needs no migration.
--
-- A database upgraded from a later main has the outbox partitioned already (0042): the DEFAULT
-- partition keeps a CHECK of its own (it was the table), so it is dropped there too. NOT NULL is
-- dropped on the parent and its partitions alike.
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_channel_check;
ALTER TABLE IF EXISTS outbox_default DROP CONSTRAINT IF EXISTS outbox_channel_check;
ALTER TABLE outbox ALTER COLUMN user_id DROP NOT NULL;
