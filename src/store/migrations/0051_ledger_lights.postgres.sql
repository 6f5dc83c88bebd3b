-- 0051 (PostgreSQL; see 0051_ledger_lights.sqlite.sql): lights as data (亮灯) on scope rows and tracks,
-- from their state, due date and ledger_light_dates, which the scheduler moves when a day passes; the
-- counters gain 'light', 'ls' (light:state) and 'lead_red'.

CREATE TABLE ledger_light_dates (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    today TEXT NOT NULL,
    yellow TEXT NOT NULL
);
INSERT INTO ledger_light_dates (id, today, yellow) VALUES (1, '0000-00-00', '0000-00-00');

ALTER TABLE item_scope ADD COLUMN light TEXT NOT NULL DEFAULT 'none';
CREATE INDEX item_scope_light ON item_scope (unit_id, light, item_id);
ALTER TABLE item_tracks ADD COLUMN light TEXT NOT NULL DEFAULT 'none';
-- the overview's ranking (the lead units with the most, or the most overdue, items): the largest counts first
CREATE INDEX item_counts_top ON item_counts (unit_id, dim, n, key);

-- The light of a running state due on `due`, at the dates of ledger_light_dates.
CREATE FUNCTION ledger_light(state text, due text) RETURNS text AS $$
    SELECT CASE
        WHEN state NOT IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed') THEN 'none'
        WHEN due < d.today THEN 'red' WHEN due <= d.yellow THEN 'yellow' ELSE 'green' END
    FROM ledger_light_dates d
$$ LANGUAGE sql STABLE;

CREATE FUNCTION item_scope_light_trg() RETURNS trigger AS $$
BEGIN
    NEW.light := ledger_light(NEW.state, NEW.due_date);
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER item_scope_light BEFORE INSERT OR UPDATE OF state, due_date ON item_scope FOR EACH ROW
    EXECUTE FUNCTION item_scope_light_trg();

-- A track runs while the item is in the unit phase and its own state is running.
CREATE FUNCTION ledger_track_light(track_state text, item_state text, due text) RETURNS text AS $$
    SELECT CASE WHEN ledger_light(item_state, due) = 'none' THEN 'none' ELSE ledger_light(track_state, due) END
$$ LANGUAGE sql STABLE;

CREATE FUNCTION item_tracks_light_trg() RETURNS trigger AS $$
BEGIN
    NEW.light := (SELECT ledger_track_light(NEW.state, i.state, i.due_date) FROM items i WHERE i.id = NEW.item_id);
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER item_tracks_light BEFORE INSERT OR UPDATE OF state, item_id ON item_tracks FOR EACH ROW
    EXECUTE FUNCTION item_tracks_light_trg();

CREATE FUNCTION item_tracks_light_item_trg() RETURNS trigger AS $$
BEGIN
    UPDATE item_tracks SET light = ledger_track_light(state, NEW.state, NEW.due_date)
        WHERE item_id = NEW.id AND light <> ledger_track_light(state, NEW.state, NEW.due_date);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER item_tracks_light_item AFTER UPDATE OF due_date, state ON items FOR EACH ROW
    WHEN (OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION item_tracks_light_item_trg();

-- the counters of 0050 plus 'light', 'ls' and 'lead_red'
CREATE OR REPLACE FUNCTION item_counts_trg() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO item_count_deltas (unit_id, dim, key, n)
        SELECT u, d, k, SUM(v) FROM (
            SELECT unit_id AS u, 'state' AS d, state AS k, 1 AS v FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'source', source_kind, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead', lead_unit_id::text, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'done', done_month, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'light', light, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'ls', light || ':' || state, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead_red', lead_unit_id::text, 1 FROM new_rows WHERE vis = 1 AND light = 'red') x
        WHERE k IS NOT NULL GROUP BY u, d, k;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO item_count_deltas (unit_id, dim, key, n)
        SELECT u, d, k, SUM(v) FROM (
            SELECT unit_id AS u, 'state' AS d, state AS k, -1 AS v FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'source', source_kind, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead', lead_unit_id::text, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'done', done_month, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'light', light, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'ls', light || ':' || state, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead_red', lead_unit_id::text, -1 FROM old_rows WHERE vis = 1 AND light = 'red') x
        WHERE k IS NOT NULL GROUP BY u, d, k;
    ELSE
        INSERT INTO item_count_deltas (unit_id, dim, key, n)
        SELECT u, d, k, SUM(v) FROM (
            SELECT unit_id AS u, 'state' AS d, state AS k, -1 AS v FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'source', source_kind, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead', lead_unit_id::text, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'done', done_month, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'light', light, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'ls', light || ':' || state, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead_red', lead_unit_id::text, -1 FROM old_rows WHERE vis = 1 AND light = 'red'
            UNION ALL SELECT unit_id, 'state', state, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'source', source_kind, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead', lead_unit_id::text, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'done', done_month, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'light', light, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'ls', light || ':' || state, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead_red', lead_unit_id::text, 1 FROM new_rows WHERE vis = 1 AND light = 'red') x
        WHERE k IS NOT NULL GROUP BY u, d, k HAVING SUM(v) <> 0;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- what is already there: lights at the initial dates, then every counter recounted
UPDATE item_scope SET light = ledger_light(state, due_date);
UPDATE item_tracks t SET light = ledger_track_light(t.state, i.state, i.due_date) FROM items i WHERE i.id = t.item_id;
SELECT item_counts_recount(); -- migration 0047 (run before this one on a new database)
