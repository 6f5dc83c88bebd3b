-- 0178: the files a criticised unit sends with its rectification report (整改材料) are attachments like an
-- item's (the same store under data_dir/attachments, the same checks, `ducha attachments verify`): a row names
-- either an item (item_id) or a result record (result_id); result_round is the rectification report the file
-- went with (1 the first, 2 after a return …), NULL while the unit has uploaded it and not yet reported.
ALTER TABLE attachments ALTER COLUMN item_id DROP NOT NULL;
ALTER TABLE attachments ADD COLUMN result_id BIGINT REFERENCES results (id);
ALTER TABLE attachments ADD COLUMN result_round INTEGER;
CREATE INDEX attachments_result ON attachments (result_id, id);
