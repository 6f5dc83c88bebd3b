-- 0178: the files a criticised unit sends with its rectification report (整改材料) are attachments like an
-- item's (the same store under data_dir/attachments, the same checks, `ducha attachments verify`): a row names
-- either an item (item_id) or a result record (result_id); result_round is the rectification report the file
-- went with (1 the first, 2 after a return …), NULL while the unit has uploaded it and not yet reported.
-- SQLite cannot drop a NOT NULL with ALTER TABLE: the stored definition is edited in place, as 0021 does
-- (lang_altertable.html, section 7: the rows' format is unchanged); the index created below moves the schema
-- cookie on, so every other connection reloads it too.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, 'item_id BIGINT NOT NULL REFERENCES items (id)', 'item_id BIGINT REFERENCES items (id)')
 WHERE type = 'table' AND name = 'attachments';
PRAGMA writable_schema = RESET;
ALTER TABLE attachments ADD COLUMN result_id BIGINT REFERENCES results (id);
ALTER TABLE attachments ADD COLUMN result_round INTEGER;
CREATE INDEX attachments_result ON attachments (result_id, id);
