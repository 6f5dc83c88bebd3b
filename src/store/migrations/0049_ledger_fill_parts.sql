-- postgres only
-- 0049: the fill of the ledger's derived tables (0047's first version: ledger_fill(), dropped here) in two
-- parts that `ducha migrate-data` runs at the same time, each in its own transaction on its own connection
-- (src/items/ledger_counts.c ledger_fill_part): they read items and item_tracks and write disjoint tables.
-- Each expects its tables empty and their triggers off; the values are those of item_scope_add, ledger_light,
-- item_counts_trg, item_figs_recompute and figure_counts_trg.
DROP FUNCTION IF EXISTS ledger_fill();

-- The scope rows with their lights (a row per unit on the issuing government's path, vis 1, or a responsible
-- unit's, vis once assigned), then their counters.
CREATE OR REPLACE FUNCTION ledger_fill_scope() RETURNS void AS $$
BEGIN
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
END $$ LANGUAGE plpgsql;

-- The bulletin figures' rows of every item, then their counters (done_days: migration 0190; PL/pgSQL looks the
-- columns up at the first call).
CREATE OR REPLACE FUNCTION ledger_fill_figures() RETURNS void AS $$
BEGIN
    PERFORM item_figs_recompute(NULL);
    INSERT INTO figure_counts (office_path, own, unit_id, month, registered, completed, on_time, ov_in, ov_out,
                               done_days)
        SELECT office_path, own, unit_id, m, SUM(r), SUM(c), SUM(t), SUM(oi), SUM(oo), SUM(dd) FROM (
            SELECT office_path, own, unit_id, reg_m AS m, 1 AS r, 0 AS c, 0 AS t, 0 AS oi, 0 AS oo, 0 AS dd
            FROM item_figs
            UNION ALL SELECT office_path, own, unit_id, done_m, 0, 1, on_time, 0, 0, done_days FROM item_figs
            UNION ALL SELECT office_path, own, unit_id, ovin_m, 0, 0, 0, 1, 0, 0 FROM item_figs
            UNION ALL SELECT office_path, own, unit_id, ovout_m, 0, 0, 0, 0, 1, 0 FROM item_figs) x
        WHERE m IS NOT NULL GROUP BY office_path, own, unit_id, m;
END $$ LANGUAGE plpgsql;
