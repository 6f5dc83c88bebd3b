-- postgres only
-- 0047: the statements that the fill of a database just loaded (ducha migrate-data: migration 0049's
-- ledger_fill_scope() and ledger_fill_figures(), src/items/ledger_counts.c ledger_fill_part) shares with the
-- triggers, in one place each. Its first version also defined ledger_fill() (the fill in one function), which
-- 0049 replaced by its two parts and drops; now:
--  - item_figs_recompute(ids) fills the bulletin figures' rows of every item when ids is NULL (the same
--    statements, over the array of every item id: the trigger's cached plan is unchanged);
--  - item_counts_recount() recounts item_counts from the visible scope rows (0051's recount, and the fill's).
-- A new database runs this before 0050, 0051 and 0054 (PL/pgSQL: the tables are looked up at the first call),
-- and 0054 then uses item_figs_recompute without defining it; an existing one replaces the definitions of
-- 0046 and 0054 with these (numbers are not the order of application on existing databases, as with 0045).

-- Recomputes the bulletin figures' rows of the items `ids` (set-based: a unit move rewrites many tracks in
-- one statement); NULL: of every item (on a table just emptied, or empty: the fill).
CREATE OR REPLACE FUNCTION item_figs_recompute(ids bigint[]) RETURNS void AS $$
DECLARE
    z interval := (SELECT make_interval(mins => minutes) FROM figure_zone WHERE id = 1);
BEGIN
    IF ids IS NULL THEN
        ids := ARRAY(SELECT id FROM items);
    END IF;
    DELETE FROM item_figs WHERE item_id = ANY (ids);
    INSERT INTO item_figs (item_id, unit_id, own, office_path, reg_m, done_m, on_time, ovin_m, ovout_m)
        SELECT d.id, x.unit_id, x.own, d.office_path, to_char(d.a, 'YYYY-MM'),
               CASE WHEN d.done THEN to_char(d.e, 'YYYY-MM') END,
               CASE WHEN d.done AND d.e <= d.due THEN 1 ELSE 0 END,
               CASE WHEN d.state <> 'suspended' AND (d.e IS NULL OR d.e > d.s) THEN to_char(d.s, 'YYYY-MM') END,
               CASE WHEN d.state <> 'suspended' AND d.e > d.s THEN to_char(d.e, 'YYYY-MM') END
        FROM (SELECT i.id, i.office_path, i.state, i.due, i.a, i.e, GREATEST(i.due + 1, i.a) AS s,
                     i.state IN ('completed', 'archived') AND i.e IS NOT NULL AS done
              FROM (SELECT i.id, i.office_path, i.state, i.due_date::date AS due,
                           (i.assigned_at::timestamp + z)::date AS a, (i.closed_at::timestamp + z)::date AS e
                    FROM items i WHERE i.id = ANY (ids) AND i.assigned_at IS NOT NULL AND i.state <> 'withdrawn') i) d
        JOIN (SELECT t.item_id, t.unit_id, 1 AS own FROM item_tracks t WHERE t.item_id = ANY (ids)
              UNION SELECT t.item_id, p.u::bigint, 0 FROM item_tracks t,
                  unnest(string_to_array(trim(both '/' from t.unit_path), '/')) AS p(u)
              WHERE t.item_id = ANY (ids) AND p.u <> '') x ON x.item_id = d.id;
END $$ LANGUAGE plpgsql;

-- Every counter of item_counts (0050's dimensions and 0051's 'light', 'ls', 'lead_red') counted again from the
-- visible scope rows, the deltas not yet folded dropped: what the counter trigger (item_counts_trg) keeps.
CREATE OR REPLACE FUNCTION item_counts_recount() RETURNS void AS $$
BEGIN
    DELETE FROM item_counts;
    DELETE FROM item_count_deltas;
    INSERT INTO item_counts (unit_id, dim, key, n)
        SELECT unit_id, d, k, COUNT(*) FROM (
            SELECT unit_id, 'state' AS d, state AS k FROM item_scope WHERE vis = 1
            UNION ALL SELECT unit_id, 'source', source_kind FROM item_scope WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead', lead_unit_id::text FROM item_scope WHERE vis = 1
            UNION ALL SELECT unit_id, 'done', done_month FROM item_scope WHERE vis = 1 AND done_month IS NOT NULL
            UNION ALL SELECT unit_id, 'light', light FROM item_scope WHERE vis = 1
            UNION ALL SELECT unit_id, 'ls', light || ':' || state FROM item_scope WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead_red', lead_unit_id::text FROM item_scope WHERE vis = 1 AND light = 'red') x
        GROUP BY unit_id, d, k;
END $$ LANGUAGE plpgsql;
