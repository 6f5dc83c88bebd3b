-- 0220: an item converted from a public clue (互联网+督查) names its clue on its own row, set at the conversion, so
-- that the item's page reads it in the statement that already loads the item: an item that came from no clue costs
-- no statement more (the clue's number and who may read it are read only for such an item). Conversions made
-- before are backfilled from clues.item_id (a clue keeps the item it became; the first such clue when several did).

-- No foreign key: clues.item_id already refers to items, and a key back would make the two tables a cycle that
-- the catalog's order by foreign keys (migrate-data, restores) cannot put in order; a clue is never deleted.
ALTER TABLE items ADD COLUMN source_clue_id BIGINT;
UPDATE items SET source_clue_id = (SELECT MIN(c.id) FROM clues c WHERE c.item_id = items.id)
    WHERE EXISTS (SELECT 1 FROM clues c WHERE c.item_id = items.id);
