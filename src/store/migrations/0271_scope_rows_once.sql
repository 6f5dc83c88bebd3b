-- postgres only. 0271: an item's registration computed its scope rows twice — on the item's insert (its office path,
-- and its tracks' paths, of which there are none yet: tracks reference the item) and again on its tracks' insert
-- (the office path once more, every row of it a conflict, then the tracks' paths) — and each time fired the
-- counters' statement trigger on item_scope. Now each insert adds only what it brings: the item its office path,
-- the tracks their paths (item_scope_add, which a recompute and ledger_fill use, adds both: the two parts, in that
-- order, its statements now written once, here). The rows are the
-- same: the office path's rows exist from the item's insert on and are never deleted while the path stays (a path
-- change recomputes the item, item_scope_recompute).
CREATE FUNCTION item_scope_add_part(ids bigint[], tracks boolean) RETURNS integer AS $$
DECLARE
    n integer;
BEGIN
    IF NOT tracks THEN
        INSERT INTO item_scope (item_id, unit_id, vis, assigned, state, due_date, updated_at, numkey, source_kind,
                                lead_unit_id, done_month)
            SELECT i.id, p.u::bigint, 1, CASE WHEN i.assigned_at IS NOT NULL THEN 1 ELSE 0 END, i.state, i.due_date,
                   i.updated_at, COALESCE(i.num_year, 0)::bigint * 10000000 + COALESCE(i.num_seq, 0), i.source_kind,
                   i.lead_unit_id, CASE WHEN i.state IN ('completed', 'archived') THEN substr(i.closed_at, 1, 7) END
            FROM items i, unnest(string_to_array(trim(both '/' from i.office_path), '/')) AS p(u)
            WHERE i.id = ANY (ids) AND p.u <> ''
            ON CONFLICT (item_id, unit_id) DO NOTHING;
    ELSE
        INSERT INTO item_scope (item_id, unit_id, vis, assigned, state, due_date, updated_at, numkey, source_kind,
                                lead_unit_id, done_month)
            SELECT DISTINCT i.id, p.u::bigint, CASE WHEN i.assigned_at IS NOT NULL THEN 1 ELSE 0 END,
                   CASE WHEN i.assigned_at IS NOT NULL THEN 1 ELSE 0 END, i.state, i.due_date, i.updated_at,
                   COALESCE(i.num_year, 0)::bigint * 10000000 + COALESCE(i.num_seq, 0), i.source_kind, i.lead_unit_id,
                   CASE WHEN i.state IN ('completed', 'archived') THEN substr(i.closed_at, 1, 7) END
            FROM items i JOIN item_tracks t ON t.item_id = i.id,
                 unnest(string_to_array(trim(both '/' from t.unit_path), '/')) AS p(u)
            WHERE i.id = ANY (ids) AND p.u <> ''
            ON CONFLICT (item_id, unit_id) DO NOTHING;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION item_scope_add(ids bigint[]) RETURNS integer AS $$
BEGIN
    RETURN item_scope_add_part(ids, false) + item_scope_add_part(ids, true);
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION item_scope_items_ins() RETURNS trigger AS $$
BEGIN
    PERFORM item_scope_add_part(ARRAY(SELECT id FROM new_items), false);
    INSERT INTO item_search (item_id, tsv)
        SELECT i.id, item_search_words(i.number, i.title, i.requirement) || item_search_scope(i.id) FROM new_items i;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION item_scope_tracks_ins() RETURNS trigger AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT DISTINCT item_id FROM new_tracks);
BEGIN
    IF item_scope_add_part(ids, true) > 0 THEN
        UPDATE item_search SET tsv = ts_filter(tsv, '{a,b,c}') || item_search_scope(item_id)
            WHERE item_id = ANY (ids);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
