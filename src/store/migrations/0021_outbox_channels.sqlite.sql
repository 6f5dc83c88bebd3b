-- 0021: notification channels are registered in code (src/notify/channel.h), so the outbox no
-- longer lists them in a CHECK, and a row need not name a user (a channel such as a webhook sends
-- to an endpoint): a new channel needs no migration.
--
-- SQLite cannot drop a CHECK or a NOT NULL with ALTER TABLE, and a rebuild would have to know the
-- columns of the day: a database upgraded from a later main has 0041's claimed_by already, a fresh one
-- gets it after this file. So the table's stored definition is edited in place, as SQLite documents
-- for removing CHECK and NOT NULL constraints (lang_altertable.html, section 7: the rows' format is
-- unchanged); RESET reloads this connection's schema and the index rebuilt below moves the schema
-- cookie on, so every other connection reloads it too.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(replace(sql, ' CHECK (channel IN (''inbox'', ''email'', ''sms''))', ''),
                     'user_id BIGINT NOT NULL REFERENCES users', 'user_id BIGINT REFERENCES users')
 WHERE type = 'table' AND name = 'outbox';
PRAGMA writable_schema = RESET;
DROP INDEX IF EXISTS outbox_user;
CREATE INDEX outbox_user ON outbox (user_id, channel, id);
