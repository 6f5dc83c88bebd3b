-- 0190 (SQLite; 0190_figure_days.postgres.sql is the same for PostgreSQL): the days to complete (平均办结天数,
-- issue 12 "Statistics") kept beside the bulletin figures' counters of 0054, in the same transaction as every
-- change of an item or a track:
--   item_figs.done_days      of a row whose item is completed (done_m not NULL): the calendar days from the local
--                            day it was assigned (交办) to the local day it was completed (办结, closed_at), 0 on the
--                            day itself; 0 otherwise;
--   figure_counts.done_days  their sum per (office_path, own, unit_id, month of completion), so that the average of
--                            a period is the sum over its months divided by `completed` over the same months
--                            (src/results/bulletin_figures.c, months_count); figure_count_deltas likewise.
-- Calendar days, as the seeds' time limits are written (天/日, DOMAIN.md §4), and not moved by a change of the
-- working-day calendar. The triggers of 0054 that write the rows and the counters are replaced with the column.
ALTER TABLE item_figs ADD COLUMN done_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_counts ADD COLUMN done_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_count_deltas ADD COLUMN done_days INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER item_figs_refresh_ai;
CREATE TRIGGER item_figs_refresh_ai AFTER INSERT ON item_figs_refresh BEGIN
    DELETE FROM item_figs WHERE item_id = NEW.item_id;
    INSERT INTO item_figs (item_id, unit_id, own, office_path, reg_m, done_m, on_time, ovin_m, ovout_m, done_days)
        SELECT d.id, x.unit_id, x.own, d.office_path, substr(d.a, 1, 7),
               CASE WHEN d.done THEN substr(d.e, 1, 7) END,
               CASE WHEN d.done AND d.e <= d.due_date THEN 1 ELSE 0 END,
               CASE WHEN d.state <> 'suspended' AND (d.e IS NULL OR d.e > d.s) THEN substr(d.s, 1, 7) END,
               CASE WHEN d.state <> 'suspended' AND d.e > d.s THEN substr(d.e, 1, 7) END,
               CASE WHEN d.done THEN CAST(julianday(d.e) - julianday(d.a) AS INTEGER) ELSE 0 END
        FROM (SELECT i.id, i.office_path, i.state, i.due_date, a, e, max(date(i.due_date, '+1 day'), a) AS s,
                     i.state IN ('completed', 'archived') AND e IS NOT NULL AS done
              FROM (SELECT i.*, date(i.assigned_at, z.m) AS a, date(i.closed_at, z.m) AS e
                    FROM items i, (SELECT minutes || ' minutes' AS m FROM figure_zone) z
                    WHERE i.id = NEW.item_id AND i.assigned_at IS NOT NULL AND i.state <> 'withdrawn') i) d,
             (SELECT t.unit_id, 1 AS own FROM item_tracks t WHERE t.item_id = NEW.item_id
              UNION SELECT p.value, 0 FROM item_tracks t,
                  json_each('[' || replace(substr(t.unit_path, 2, length(t.unit_path) - 2), '/', ',') || ']') p
              WHERE t.item_id = NEW.item_id) x;
    DELETE FROM item_figs_refresh WHERE item_id = NEW.item_id;
END;

DROP TRIGGER figure_counts_ai;
CREATE TRIGGER figure_counts_ai AFTER INSERT ON item_figs BEGIN
    INSERT INTO figure_counts (office_path, own, unit_id, month, registered, completed, on_time, ov_in, ov_out,
                               done_days)
        SELECT NEW.office_path, NEW.own, NEW.unit_id, m, SUM(r), SUM(c), SUM(t), SUM(oi), SUM(oo), SUM(dd)
        FROM (SELECT NEW.reg_m AS m, 1 AS r, 0 AS c, 0 AS t, 0 AS oi, 0 AS oo, 0 AS dd
              UNION ALL SELECT NEW.done_m, 0, 1, NEW.on_time, 0, 0, NEW.done_days
              UNION ALL SELECT NEW.ovin_m, 0, 0, 0, 1, 0, 0
              UNION ALL SELECT NEW.ovout_m, 0, 0, 0, 0, 1, 0)
        WHERE m IS NOT NULL GROUP BY m
        ON CONFLICT (office_path, own, unit_id, month) DO UPDATE SET registered = registered + excluded.registered,
            completed = completed + excluded.completed, on_time = on_time + excluded.on_time,
            ov_in = ov_in + excluded.ov_in, ov_out = ov_out + excluded.ov_out,
            done_days = done_days + excluded.done_days;
END;

DROP TRIGGER figure_counts_ad;
CREATE TRIGGER figure_counts_ad AFTER DELETE ON item_figs BEGIN
    INSERT INTO figure_counts (office_path, own, unit_id, month, registered, completed, on_time, ov_in, ov_out,
                               done_days)
        SELECT OLD.office_path, OLD.own, OLD.unit_id, m, SUM(r), SUM(c), SUM(t), SUM(oi), SUM(oo), SUM(dd)
        FROM (SELECT OLD.reg_m AS m, -1 AS r, 0 AS c, 0 AS t, 0 AS oi, 0 AS oo, 0 AS dd
              UNION ALL SELECT OLD.done_m, 0, -1, -OLD.on_time, 0, 0, -OLD.done_days
              UNION ALL SELECT OLD.ovin_m, 0, 0, 0, -1, 0, 0
              UNION ALL SELECT OLD.ovout_m, 0, 0, 0, 0, -1, 0)
        WHERE m IS NOT NULL GROUP BY m
        ON CONFLICT (office_path, own, unit_id, month) DO UPDATE SET registered = registered + excluded.registered,
            completed = completed + excluded.completed, on_time = on_time + excluded.on_time,
            ov_in = ov_in + excluded.ov_in, ov_out = ov_out + excluded.ov_out,
            done_days = done_days + excluded.done_days;
END;

-- what is already there: the completed rows' days (the rows are never updated otherwise: no trigger fires), then
-- their sums added to the counters of the month completed
UPDATE item_figs SET done_days = (
    SELECT CAST(julianday(date(i.closed_at, z.m)) - julianday(date(i.assigned_at, z.m)) AS INTEGER)
    FROM items i, (SELECT minutes || ' minutes' AS m FROM figure_zone) z WHERE i.id = item_figs.item_id)
WHERE done_m IS NOT NULL;
INSERT INTO figure_counts (office_path, own, unit_id, month, registered, completed, on_time, ov_in, ov_out, done_days)
    SELECT office_path, own, unit_id, done_m, 0, 0, 0, 0, 0, SUM(done_days) FROM item_figs
    WHERE done_m IS NOT NULL GROUP BY office_path, own, unit_id, done_m
    ON CONFLICT (office_path, own, unit_id, month) DO UPDATE SET done_days = done_days + excluded.done_days;
