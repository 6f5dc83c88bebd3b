-- an item's archive to-do no longer carries the item's deadline (src/items/item_load.c, item_view): the to-dos of
-- the completed items are synced again, and their counts recounted, at the next start (workflow_todos_rebuild;
-- the row may be there already when 0010 ran in the same start)
INSERT INTO settings (key, value) VALUES ('todos_rebuild', '1') ON CONFLICT (key) DO NOTHING;
