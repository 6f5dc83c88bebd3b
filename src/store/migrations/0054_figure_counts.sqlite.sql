-- 0054 (SQLite; 0054_figure_counts.postgres.sql is the same for PostgreSQL): the kept counters of the
-- bulletin figures (督查通报, statistics; src/results/bulletin_figures.c), per issuing government x unit x
-- local month, kept by the triggers below in the same transaction as every change of an item or a
-- track, whatever code path writes. The definitions are the bulletin's (docs/internals/ledger.md):
--   item_figs      one row per (item, unit, own) of every assigned item that is not withdrawn: own = 1
--                  for each responsible unit's own track (the per-unit figures), own = 0 for each unit
--                  on the path of one of its tracks, once (the totals of a scope: each item once);
--                  with the local months of what the item counts for:
--                    reg_m    assigned (registered)
--                    done_m   completed (completed or archived, by closed_at); on_time: on or before due
--                    ovin_m   the first day it is overdue at (the later of due + 1 and the day assigned)
--                    ovout_m  the day it stops being overdue (closed_at's day), if it stops
--                  (ovin_m/ovout_m NULL: never overdue at any day's end; a suspended item is never);
--   figure_counts  the sums of item_figs per (office_path, own, unit_id, month): registered, completed
--                  and on time in the month, ov_in/ov_out the items that turn overdue / stop being
--                  overdue in it — the overdue at a day's end is the sum of ov_in - ov_out of the months
--                  before plus the days of its own month (bulletin_figures.c scans those from items).
-- Local months are computed with figure_zone.minutes (the configured time zone's offset from UTC); a
-- server whose zone has another offset (or daylight saving) counts from items instead until
-- `ducha ledger rebuild` stores its offset (ledger_figures_zone).
CREATE TABLE figure_zone (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    minutes INTEGER NOT NULL
);
INSERT INTO figure_zone (id, minutes) VALUES (1, 480);

CREATE TABLE item_figs (
    item_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    own INTEGER NOT NULL,
    office_path TEXT NOT NULL,
    reg_m TEXT NOT NULL,
    done_m TEXT,
    on_time INTEGER NOT NULL,
    ovin_m TEXT,
    ovout_m TEXT,
    PRIMARY KEY (item_id, unit_id, own)
) WITHOUT ROWID;

CREATE TABLE figure_counts (
    office_path TEXT NOT NULL,
    own INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    registered INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    on_time INTEGER NOT NULL,
    ov_in INTEGER NOT NULL,
    ov_out INTEGER NOT NULL,
    PRIMARY KEY (office_path, own, unit_id, month)
) WITHOUT ROWID;

-- PostgreSQL's triggers append here (no hot counter rows); empty on SQLite
CREATE TABLE figure_count_deltas (
    id INTEGER PRIMARY KEY,
    office_path TEXT NOT NULL,
    own INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    registered INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    on_time INTEGER NOT NULL,
    ov_in INTEGER NOT NULL,
    ov_out INTEGER NOT NULL
);

-- the edges of a period are counted from the items of the government (bulletin_figures.c)
CREATE INDEX items_office_assigned ON items (office_path, assigned_at);
CREATE INDEX items_office_closed ON items (office_path, closed_at);
CREATE INDEX items_office_due ON items (office_path, due_date);

-- a queue of one: inserting an item id recomputes its rows
CREATE TABLE item_figs_refresh (item_id INTEGER PRIMARY KEY);

CREATE TRIGGER item_figs_refresh_ai AFTER INSERT ON item_figs_refresh BEGIN
    DELETE FROM item_figs WHERE item_id = NEW.item_id;
    INSERT INTO item_figs (item_id, unit_id, own, office_path, reg_m, done_m, on_time, ovin_m, ovout_m)
        SELECT d.id, x.unit_id, x.own, d.office_path, substr(d.a, 1, 7),
               CASE WHEN d.done THEN substr(d.e, 1, 7) END,
               CASE WHEN d.done AND d.e <= d.due_date THEN 1 ELSE 0 END,
               CASE WHEN d.state <> 'suspended' AND (d.e IS NULL OR d.e > d.s) THEN substr(d.s, 1, 7) END,
               CASE WHEN d.state <> 'suspended' AND d.e > d.s THEN substr(d.e, 1, 7) END
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

CREATE TRIGGER item_figs_items_ai AFTER INSERT ON items BEGIN
    INSERT INTO item_figs_refresh (item_id) VALUES (NEW.id);
END;

CREATE TRIGGER item_figs_items_au AFTER UPDATE OF state, due_date, closed_at, assigned_at, office_path ON items
WHEN OLD.state IS NOT NEW.state OR OLD.due_date IS NOT NEW.due_date OR OLD.closed_at IS NOT NEW.closed_at
    OR OLD.assigned_at IS NOT NEW.assigned_at OR OLD.office_path IS NOT NEW.office_path BEGIN
    INSERT INTO item_figs_refresh (item_id) VALUES (NEW.id);
END;

CREATE TRIGGER item_figs_items_bd BEFORE DELETE ON items BEGIN
    DELETE FROM item_figs WHERE item_id = OLD.id;
END;

CREATE TRIGGER item_figs_tracks_ai AFTER INSERT ON item_tracks BEGIN
    INSERT INTO item_figs_refresh (item_id) VALUES (NEW.item_id);
END;

CREATE TRIGGER item_figs_tracks_ad AFTER DELETE ON item_tracks BEGIN
    INSERT INTO item_figs_refresh (item_id) VALUES (OLD.item_id);
END;

CREATE TRIGGER item_figs_tracks_au AFTER UPDATE OF unit_id, unit_path, item_id ON item_tracks
WHEN OLD.unit_id IS NOT NEW.unit_id OR OLD.unit_path IS NOT NEW.unit_path OR OLD.item_id IS NOT NEW.item_id BEGIN
    INSERT INTO item_figs_refresh (item_id) VALUES (OLD.item_id);
    INSERT INTO item_figs_refresh (item_id) SELECT NEW.item_id WHERE NEW.item_id IS NOT OLD.item_id;
END;

-- the counters follow the rows: +1 for a row inserted, -1 for a row deleted (rows are never updated)
CREATE TRIGGER figure_counts_ai AFTER INSERT ON item_figs BEGIN
    INSERT INTO figure_counts (office_path, own, unit_id, month, registered, completed, on_time, ov_in, ov_out)
        SELECT NEW.office_path, NEW.own, NEW.unit_id, m, SUM(r), SUM(c), SUM(t), SUM(oi), SUM(oo)
        FROM (SELECT NEW.reg_m AS m, 1 AS r, 0 AS c, 0 AS t, 0 AS oi, 0 AS oo
              UNION ALL SELECT NEW.done_m, 0, 1, NEW.on_time, 0, 0
              UNION ALL SELECT NEW.ovin_m, 0, 0, 0, 1, 0
              UNION ALL SELECT NEW.ovout_m, 0, 0, 0, 0, 1)
        WHERE m IS NOT NULL GROUP BY m
        ON CONFLICT (office_path, own, unit_id, month) DO UPDATE SET registered = registered + excluded.registered,
            completed = completed + excluded.completed, on_time = on_time + excluded.on_time,
            ov_in = ov_in + excluded.ov_in, ov_out = ov_out + excluded.ov_out;
END;

CREATE TRIGGER figure_counts_ad AFTER DELETE ON item_figs BEGIN
    INSERT INTO figure_counts (office_path, own, unit_id, month, registered, completed, on_time, ov_in, ov_out)
        SELECT OLD.office_path, OLD.own, OLD.unit_id, m, SUM(r), SUM(c), SUM(t), SUM(oi), SUM(oo)
        FROM (SELECT OLD.reg_m AS m, -1 AS r, 0 AS c, 0 AS t, 0 AS oi, 0 AS oo
              UNION ALL SELECT OLD.done_m, 0, -1, -OLD.on_time, 0, 0
              UNION ALL SELECT OLD.ovin_m, 0, 0, 0, -1, 0
              UNION ALL SELECT OLD.ovout_m, 0, 0, 0, 0, -1)
        WHERE m IS NOT NULL GROUP BY m
        ON CONFLICT (office_path, own, unit_id, month) DO UPDATE SET registered = registered + excluded.registered,
            completed = completed + excluded.completed, on_time = on_time + excluded.on_time,
            ov_in = ov_in + excluded.ov_in, ov_out = ov_out + excluded.ov_out;
END;

-- what is already there
INSERT INTO item_figs_refresh (item_id) SELECT id FROM items;
