-- The ledger's page reads without a lookup of the row (docs/internals/ledger.md, "Where a page's time goes").
-- A stream reads item_scope through the index of its sort and checks the scope row's vis (or assigned, for a
-- leader's portfolio) on the way; a page's tracks are read by item. Each of those read the table's row
-- besides the index entry: a B-tree descent per row of a page (item_scope, WITHOUT ROWID, ~4.5 rows per
-- item) and per track (item_tracks by rowid). The indexes below carry the columns those statements read, so
-- SQLite answers them from the index ("USING COVERING INDEX"); the names stay, as the streams name their
-- index (INDEXED BY) and the bulk light refresh rebuilds item_scope_light from its definition here.
-- Each index still ends with the primary key (item_id, unit_id): item_id right after the stream's key, so
-- pages keep coming in (key, item_id) order.
DROP INDEX item_scope_unit;
CREATE INDEX item_scope_unit ON item_scope (unit_id, item_id, vis, assigned);
DROP INDEX item_scope_state;
CREATE INDEX item_scope_state ON item_scope (unit_id, state, item_id, vis, assigned);
DROP INDEX item_scope_light;
CREATE INDEX item_scope_light ON item_scope (unit_id, light, item_id, vis, assigned);
-- a page's tracks: SELECT item_id, unit_id, role, state, progress, id (the rowid) ... WHERE item_id IN (...)
CREATE INDEX item_tracks_page ON item_tracks (item_id, unit_id, role, state, progress);
