-- 0190 (PostgreSQL; see 0190_figure_days.sqlite.sql for what the columns are): the days to complete (平均办结天数)
-- kept beside the bulletin figures' counters of 0054: item_figs.done_days (calendar days from the local day assigned
-- to the local day completed, of a completed row; else 0) and its sums in figure_counts and figure_count_deltas.
-- The functions that write them (0047's item_figs_recompute, 0054's figure_counts_trg) are replaced with the column;
-- the triggers that call them stay. migrate-data's fill (0049's ledger_fill_figures) writes it too.
ALTER TABLE item_figs ADD COLUMN done_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_counts ADD COLUMN done_days BIGINT NOT NULL DEFAULT 0;
ALTER TABLE figure_count_deltas ADD COLUMN done_days BIGINT NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION item_figs_recompute(ids bigint[]) RETURNS void AS $$
DECLARE
    z interval := (SELECT make_interval(mins => minutes) FROM figure_zone WHERE id = 1);
BEGIN
    IF ids IS NULL THEN
        ids := ARRAY(SELECT id FROM items);
    END IF;
    DELETE FROM item_figs WHERE item_id = ANY (ids);
    INSERT INTO item_figs (item_id, unit_id, own, office_path, reg_m, done_m, on_time, ovin_m, ovout_m, done_days)
        SELECT d.id, x.unit_id, x.own, d.office_path, to_char(d.a, 'YYYY-MM'),
               CASE WHEN d.done THEN to_char(d.e, 'YYYY-MM') END,
               CASE WHEN d.done AND d.e <= d.due THEN 1 ELSE 0 END,
               CASE WHEN d.state <> 'suspended' AND (d.e IS NULL OR d.e > d.s) THEN to_char(d.s, 'YYYY-MM') END,
               CASE WHEN d.state <> 'suspended' AND d.e > d.s THEN to_char(d.e, 'YYYY-MM') END,
               CASE WHEN d.done THEN d.e - d.a ELSE 0 END
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

CREATE OR REPLACE FUNCTION figure_counts_trg() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO figure_count_deltas (office_path, own, unit_id, month, registered, completed, on_time, ov_in,
                                         ov_out, done_days)
        SELECT office_path, own, unit_id, m, SUM(r), SUM(c), SUM(t), SUM(oi), SUM(oo), SUM(dd) FROM (
            SELECT office_path, own, unit_id, reg_m AS m, 1 AS r, 0 AS c, 0 AS t, 0 AS oi, 0 AS oo, 0 AS dd
            FROM new_rows
            UNION ALL SELECT office_path, own, unit_id, done_m, 0, 1, on_time, 0, 0, done_days FROM new_rows
            UNION ALL SELECT office_path, own, unit_id, ovin_m, 0, 0, 0, 1, 0, 0 FROM new_rows
            UNION ALL SELECT office_path, own, unit_id, ovout_m, 0, 0, 0, 0, 1, 0 FROM new_rows) x
        WHERE m IS NOT NULL GROUP BY office_path, own, unit_id, m;
    ELSE
        INSERT INTO figure_count_deltas (office_path, own, unit_id, month, registered, completed, on_time, ov_in,
                                         ov_out, done_days)
        SELECT office_path, own, unit_id, m, SUM(r), SUM(c), SUM(t), SUM(oi), SUM(oo), SUM(dd) FROM (
            SELECT office_path, own, unit_id, reg_m AS m, -1 AS r, 0 AS c, 0 AS t, 0 AS oi, 0 AS oo, 0 AS dd
            FROM old_rows
            UNION ALL SELECT office_path, own, unit_id, done_m, 0, -1, -on_time, 0, 0, -done_days FROM old_rows
            UNION ALL SELECT office_path, own, unit_id, ovin_m, 0, 0, 0, -1, 0, 0 FROM old_rows
            UNION ALL SELECT office_path, own, unit_id, ovout_m, 0, 0, 0, 0, -1, 0 FROM old_rows) x
        WHERE m IS NOT NULL GROUP BY office_path, own, unit_id, m;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- what is already there: the completed rows' days (no trigger fires on an UPDATE of item_figs), then their sums
-- appended as deltas of the month completed, which readers add and the scheduler folds like the others
UPDATE item_figs f SET done_days = ((i.closed_at::timestamp + z.m)::date - (i.assigned_at::timestamp + z.m)::date)
FROM items i, (SELECT make_interval(mins => minutes) AS m FROM figure_zone WHERE id = 1) z
WHERE i.id = f.item_id AND f.done_m IS NOT NULL;
INSERT INTO figure_count_deltas (office_path, own, unit_id, month, registered, completed, on_time, ov_in, ov_out,
                                 done_days)
    SELECT office_path, own, unit_id, done_m, 0, 0, 0, 0, 0, SUM(done_days) FROM item_figs
    WHERE done_m IS NOT NULL GROUP BY office_path, own, unit_id, done_m HAVING SUM(done_days) <> 0;
