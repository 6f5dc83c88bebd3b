-- 0051 (SQLite; 0051_ledger_lights.postgres.sql for PostgreSQL): lights as data (亮灯). Every scope row
-- and every track carries its light — none (not running), red (overdue), yellow (due by the last yellow
-- day), green — from its state and due date and the two dates of ledger_light_dates, which the
-- scheduler moves when a day passes (ledger_lights_refresh: only the items whose due date lies between
-- the old and the new dates change). So light=red is an index read, and the counters count lights:
-- 'light' (per light), 'ls' (light:state, for a ledger filtered by light) and 'lead_red' (red items per
-- lead unit, the overview's ranking).

CREATE TABLE ledger_light_dates (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    today TEXT NOT NULL,   -- YYYY-MM-DD: due before it is red
    yellow TEXT NOT NULL   -- YYYY-MM-DD: due by it is yellow (cfg yellow_days working days ahead)
);
-- before the scheduler's first pass: every running item green (the ledger computes lights from the due
-- date while these dates are not today's)
INSERT INTO ledger_light_dates (id, today, yellow) VALUES (1, '0000-00-00', '0000-00-00');

ALTER TABLE item_scope ADD COLUMN light TEXT NOT NULL DEFAULT 'none';
CREATE INDEX item_scope_light ON item_scope (unit_id, light);
ALTER TABLE item_tracks ADD COLUMN light TEXT NOT NULL DEFAULT 'none';
-- the overview's ranking (the lead units with the most, or the most overdue, items): the largest counts first
CREATE INDEX item_counts_top ON item_counts (unit_id, dim, n);

-- the counters are recounted below with the light dimensions
DROP TRIGGER item_counts_ai;
DROP TRIGGER item_counts_ad;
DROP TRIGGER item_counts_au;

CREATE TRIGGER item_scope_light_ai AFTER INSERT ON item_scope BEGIN
    UPDATE item_scope SET light = (SELECT CASE
            WHEN NEW.state NOT IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')
                THEN 'none'
            WHEN NEW.due_date < d.today THEN 'red' WHEN NEW.due_date <= d.yellow THEN 'yellow' ELSE 'green' END
            FROM ledger_light_dates d)
        WHERE item_id = NEW.item_id AND unit_id = NEW.unit_id;
END;

CREATE TRIGGER item_scope_light_au AFTER UPDATE OF state, due_date ON item_scope BEGIN
    UPDATE item_scope SET light = (SELECT CASE
            WHEN NEW.state NOT IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')
                THEN 'none'
            WHEN NEW.due_date < d.today THEN 'red' WHEN NEW.due_date <= d.yellow THEN 'yellow' ELSE 'green' END
            FROM ledger_light_dates d)
        WHERE item_id = NEW.item_id AND unit_id = NEW.unit_id;
END;

-- a track's light: running while the item is in the unit phase and the track's own state is, the
-- item's due date
CREATE TRIGGER item_tracks_light_ai AFTER INSERT ON item_tracks BEGIN
    UPDATE item_tracks SET light = (SELECT CASE
            WHEN NEW.state NOT IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')
              OR i.state NOT IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')
                THEN 'none'
            WHEN i.due_date < d.today THEN 'red' WHEN i.due_date <= d.yellow THEN 'yellow' ELSE 'green' END
            FROM items i, ledger_light_dates d WHERE i.id = NEW.item_id)
        WHERE id = NEW.id;
END;

CREATE TRIGGER item_tracks_light_au AFTER UPDATE OF state ON item_tracks WHEN OLD.state IS NOT NEW.state BEGIN
    UPDATE item_tracks SET light = (SELECT CASE
            WHEN NEW.state NOT IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')
              OR i.state NOT IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')
                THEN 'none'
            WHEN i.due_date < d.today THEN 'red' WHEN i.due_date <= d.yellow THEN 'yellow' ELSE 'green' END
            FROM items i, ledger_light_dates d WHERE i.id = NEW.item_id)
        WHERE id = NEW.id;
END;

CREATE TRIGGER item_tracks_light_item AFTER UPDATE OF due_date, state ON items
WHEN OLD.due_date IS NOT NEW.due_date OR OLD.state IS NOT NEW.state BEGIN
    UPDATE item_tracks SET light = (SELECT CASE
            WHEN item_tracks.state NOT IN ('assigned', 'received', 'in_progress', 'completion_requested',
                                           'completion_signed')
              OR NEW.state NOT IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')
                THEN 'none'
            WHEN NEW.due_date < d.today THEN 'red' WHEN NEW.due_date <= d.yellow THEN 'yellow' ELSE 'green' END
            FROM ledger_light_dates d)
        WHERE item_id = NEW.id;
END;

-- the counters of 0050 plus 'light', 'ls' (light:state) and 'lead_red'
CREATE TRIGGER item_counts_ai AFTER INSERT ON item_scope WHEN NEW.vis = 1 BEGIN
    INSERT INTO item_counts (unit_id, dim, key, n)
        SELECT NEW.unit_id, d, k, 1 FROM (
            SELECT 'state' AS d, NEW.state AS k UNION ALL SELECT 'source', NEW.source_kind
            UNION ALL SELECT 'lead', NEW.lead_unit_id UNION ALL SELECT 'done', NEW.done_month
            UNION ALL SELECT 'light', NEW.light UNION ALL SELECT 'ls', NEW.light || ':' || NEW.state
            UNION ALL SELECT 'lead_red', CASE WHEN NEW.light = 'red' THEN NEW.lead_unit_id END)
        WHERE k IS NOT NULL
        ON CONFLICT (unit_id, dim, key) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER item_counts_ad AFTER DELETE ON item_scope WHEN OLD.vis = 1 BEGIN
    INSERT INTO item_counts (unit_id, dim, key, n)
        SELECT OLD.unit_id, d, k, -1 FROM (
            SELECT 'state' AS d, OLD.state AS k UNION ALL SELECT 'source', OLD.source_kind
            UNION ALL SELECT 'lead', OLD.lead_unit_id UNION ALL SELECT 'done', OLD.done_month
            UNION ALL SELECT 'light', OLD.light UNION ALL SELECT 'ls', OLD.light || ':' || OLD.state
            UNION ALL SELECT 'lead_red', CASE WHEN OLD.light = 'red' THEN OLD.lead_unit_id END)
        WHERE k IS NOT NULL
        ON CONFLICT (unit_id, dim, key) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER item_counts_au AFTER UPDATE OF vis, state, source_kind, lead_unit_id, done_month, light ON item_scope
WHEN OLD.vis = 1 OR NEW.vis = 1 BEGIN
    INSERT INTO item_counts (unit_id, dim, key, n)
        SELECT NEW.unit_id, d, k, SUM(v) FROM (
            SELECT 'state' AS d, OLD.state AS k, -OLD.vis AS v UNION ALL SELECT 'state', NEW.state, NEW.vis
            UNION ALL SELECT 'source', OLD.source_kind, -OLD.vis UNION ALL SELECT 'source', NEW.source_kind, NEW.vis
            UNION ALL SELECT 'lead', OLD.lead_unit_id, -OLD.vis UNION ALL SELECT 'lead', NEW.lead_unit_id, NEW.vis
            UNION ALL SELECT 'done', OLD.done_month, -OLD.vis UNION ALL SELECT 'done', NEW.done_month, NEW.vis
            UNION ALL SELECT 'light', OLD.light, -OLD.vis UNION ALL SELECT 'light', NEW.light, NEW.vis
            UNION ALL SELECT 'ls', OLD.light || ':' || OLD.state, -OLD.vis
            UNION ALL SELECT 'ls', NEW.light || ':' || NEW.state, NEW.vis
            UNION ALL SELECT 'lead_red', CASE WHEN OLD.light = 'red' THEN OLD.lead_unit_id END, -OLD.vis
            UNION ALL SELECT 'lead_red', CASE WHEN NEW.light = 'red' THEN NEW.lead_unit_id END, NEW.vis)
        WHERE k IS NOT NULL GROUP BY d, k HAVING SUM(v) <> 0
        ON CONFLICT (unit_id, dim, key) DO UPDATE SET n = n + excluded.n;
END;

-- what is already there: lights at the initial dates, then every counter recounted
UPDATE item_scope SET light = CASE
        WHEN state IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')
            THEN 'green' ELSE 'none' END;
UPDATE item_tracks SET light = CASE
        WHEN state IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')
         AND (SELECT i.state FROM items i WHERE i.id = item_tracks.item_id)
             IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed')
            THEN 'green' ELSE 'none' END;
DELETE FROM item_counts;
INSERT INTO item_counts (unit_id, dim, key, n)
    SELECT unit_id, d, k, COUNT(*) FROM (
        SELECT unit_id, 'state' AS d, state AS k FROM item_scope WHERE vis = 1
        UNION ALL SELECT unit_id, 'source', source_kind FROM item_scope WHERE vis = 1
        UNION ALL SELECT unit_id, 'lead', lead_unit_id FROM item_scope WHERE vis = 1
        UNION ALL SELECT unit_id, 'done', done_month FROM item_scope WHERE vis = 1 AND done_month IS NOT NULL
        UNION ALL SELECT unit_id, 'light', light FROM item_scope WHERE vis = 1
        UNION ALL SELECT unit_id, 'ls', light || ':' || state FROM item_scope WHERE vis = 1
        UNION ALL SELECT unit_id, 'lead_red', lead_unit_id FROM item_scope WHERE vis = 1 AND light = 'red')
    GROUP BY unit_id, d, k;
