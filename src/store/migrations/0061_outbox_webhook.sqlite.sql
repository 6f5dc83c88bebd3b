-- 0061: the outbox (the notification queue) carries webhook deliveries too. 0021 already lets a row
-- have no user and any registered channel's name; this adds the state 'cancelled' (an endpoint removed
-- before its row was sent) and an index for an endpoint's deliveries.
--
-- SQLite cannot change a CHECK with ALTER TABLE, and a rebuild would have to know every column of the
-- day (0041's claimed_by, and whatever a later migration adds); as 0021 does, the table's stored
-- definition is edited in place (lang_altertable.html, section 7): the CHECK only widens, so every row
-- stays valid. RESET reloads this connection's schema; the index created below moves the schema cookie
-- on, so every other connection reloads it too.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, 'CHECK (state IN (''pending'', ''sending'', ''sent'', ''dead''))',
                     'CHECK (state IN (''pending'', ''sending'', ''sent'', ''dead'', ''cancelled''))')
 WHERE type = 'table' AND name = 'outbox';
PRAGMA writable_schema = RESET;
CREATE INDEX outbox_webhook ON outbox (address, id) WHERE channel = 'webhook';
