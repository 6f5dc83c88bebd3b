-- postgres only
-- 0047: ledger_fill() (ducha migrate-data, src/items/ledger_counts.c ledger_fill) and the statements it shared
-- with the triggers in one place each. Its first version (0046) repeated the body of item_figs_recompute
-- (0054) and the counters' recount of 0051; now:
--  - item_figs_recompute(ids) fills the bulletin figures' rows of every item when ids is NULL (the same
--    statements, over the array of every item id: the trigger's cached plan is unchanged);
--  - item_counts_recount() recounts item_counts from the visible scope rows (0051's recount, and the fill's);
--  - ledger_fill() calls both.
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

-- The ledger's derived tables of a database just loaded, set by set. It expects item_scope, item_counts,
-- item_count_deltas, item_figs, figure_counts and figure_count_deltas empty and the user triggers off
-- (db_bulk_triggers_off): the scope rows with their lights, the counters, the bulletin figures' rows and their
-- counters are each one INSERT … SELECT … GROUP BY over items and item_tracks, where the triggers (0050, 0051,
-- 0054) computed the same per statement, the lights per row, and wrote the counters as deltas to fold. The
-- search documents are loaded afterwards by the caller (db_search_load: they need the scope rows); the tracks'
-- lights come with the copied tracks, kept by the source against the copied ledger_light_dates. The values are
-- those of item_scope_add, ledger_light, item_counts_trg, item_figs_recompute and figure_counts_trg.
CREATE OR REPLACE FUNCTION ledger_fill() RETURNS void AS $$
BEGIN
    -- a row per unit on the issuing government's path (vis 1) or a responsible unit's (vis once assigned)
    INSERT INTO item_scope (item_id, unit_id, vis, assigned, state, due_date, updated_at, numkey, source_kind,
                            lead_unit_id, done_month, light)
        SELECT i.id, p.unit_id, CASE WHEN p.office OR i.assigned_at IS NOT NULL THEN 1 ELSE 0 END,
               CASE WHEN i.assigned_at IS NOT NULL THEN 1 ELSE 0 END, i.state, i.due_date, i.updated_at,
               COALESCE(i.num_year, 0)::bigint * 10000000 + COALESCE(i.num_seq, 0), i.source_kind, i.lead_unit_id,
               CASE WHEN i.state IN ('completed', 'archived') THEN substr(i.closed_at, 1, 7) END,
               CASE WHEN i.state NOT IN ('assigned', 'received', 'in_progress', 'completion_requested',
                                         'completion_signed') THEN 'none'
                    WHEN i.due_date < d.today THEN 'red' WHEN i.due_date <= d.yellow THEN 'yellow' ELSE 'green' END
        FROM (SELECT item_id, unit_id, bool_or(office) AS office FROM (
                  SELECT i.id AS item_id, u::bigint AS unit_id, true AS office
                  FROM items i, unnest(string_to_array(trim(both '/' from i.office_path), '/')) AS u WHERE u <> ''
                  UNION ALL
                  SELECT t.item_id, u::bigint, false
                  FROM item_tracks t, unnest(string_to_array(trim(both '/' from t.unit_path), '/')) AS u WHERE u <> ''
              ) x GROUP BY item_id, unit_id) p
        JOIN items i ON i.id = p.item_id CROSS JOIN ledger_light_dates d;
    PERFORM item_counts_recount();
    PERFORM item_figs_recompute(NULL);
    INSERT INTO figure_counts (office_path, own, unit_id, month, registered, completed, on_time, ov_in, ov_out)
        SELECT office_path, own, unit_id, m, SUM(r), SUM(c), SUM(t), SUM(oi), SUM(oo) FROM (
            SELECT office_path, own, unit_id, reg_m AS m, 1 AS r, 0 AS c, 0 AS t, 0 AS oi, 0 AS oo FROM item_figs
            UNION ALL SELECT office_path, own, unit_id, done_m, 0, 1, on_time, 0, 0 FROM item_figs
            UNION ALL SELECT office_path, own, unit_id, ovin_m, 0, 0, 0, 1, 0 FROM item_figs
            UNION ALL SELECT office_path, own, unit_id, ovout_m, 0, 0, 0, 0, 1 FROM item_figs) x
        WHERE m IS NOT NULL GROUP BY office_path, own, unit_id, m;
END $$ LANGUAGE plpgsql;
