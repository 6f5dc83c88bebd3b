-- 0054 (PostgreSQL; see 0054_figure_counts.sqlite.sql for what the tables are): the kept counters of
-- the bulletin figures. As with item_counts (0050), the counter triggers append to
-- figure_count_deltas instead of updating figure_counts, so that concurrent writers never wait on a
-- province's counter rows; readers add the deltas and the scheduler folds them (ledger_counts_fold).
CREATE TABLE figure_zone (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    minutes INTEGER NOT NULL
);
INSERT INTO figure_zone (id, minutes) VALUES (1, 480);

CREATE TABLE item_figs (
    item_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    own INTEGER NOT NULL,
    office_path TEXT COLLATE "C" NOT NULL,
    reg_m TEXT NOT NULL,
    done_m TEXT,
    on_time INTEGER NOT NULL,
    ovin_m TEXT,
    ovout_m TEXT,
    PRIMARY KEY (item_id, unit_id, own)
);

CREATE TABLE figure_counts (
    office_path TEXT COLLATE "C" NOT NULL,
    own INTEGER NOT NULL,
    unit_id BIGINT NOT NULL,
    month TEXT COLLATE "C" NOT NULL,
    registered BIGINT NOT NULL,
    completed BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    ov_in BIGINT NOT NULL,
    ov_out BIGINT NOT NULL,
    PRIMARY KEY (office_path, own, unit_id, month)
);

CREATE TABLE figure_count_deltas (
    id BIGSERIAL PRIMARY KEY,
    office_path TEXT COLLATE "C" NOT NULL,
    own INTEGER NOT NULL,
    unit_id BIGINT NOT NULL,
    month TEXT COLLATE "C" NOT NULL,
    registered BIGINT NOT NULL,
    completed BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    ov_in BIGINT NOT NULL,
    ov_out BIGINT NOT NULL
);
CREATE INDEX figure_count_deltas_office ON figure_count_deltas (office_path, own, unit_id);

CREATE INDEX items_office_assigned ON items (office_path, assigned_at);
CREATE INDEX items_office_closed ON items (office_path, closed_at);
CREATE INDEX items_office_due ON items (office_path, due_date);

-- item_figs_recompute(ids), which recomputes the rows of the items `ids`, is defined by migration 0047, which
-- a new database runs before this one (an existing one replaced this migration's definition with it).

CREATE FUNCTION item_figs_items_ins() RETURNS trigger AS $$
BEGIN
    PERFORM item_figs_recompute(ARRAY(SELECT id FROM new_items));
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION item_figs_items_upd() RETURNS trigger AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT n.id FROM new_items n JOIN old_items o ON o.id = n.id
                          WHERE o.state IS DISTINCT FROM n.state OR o.due_date IS DISTINCT FROM n.due_date
                             OR o.closed_at IS DISTINCT FROM n.closed_at OR o.assigned_at IS DISTINCT FROM n.assigned_at
                             OR o.office_path IS DISTINCT FROM n.office_path);
BEGIN
    IF cardinality(ids) > 0 THEN
        PERFORM item_figs_recompute(ids);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION item_figs_items_del() RETURNS trigger AS $$
BEGIN
    DELETE FROM item_figs WHERE item_id IN (SELECT id FROM old_items);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER item_figs_items_ai AFTER INSERT ON items REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION item_figs_items_ins();
CREATE TRIGGER item_figs_items_au AFTER UPDATE ON items REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION item_figs_items_upd();
CREATE TRIGGER item_figs_items_ad AFTER DELETE ON items REFERENCING OLD TABLE AS old_items
    FOR EACH STATEMENT EXECUTE FUNCTION item_figs_items_del();

CREATE FUNCTION item_figs_tracks_ins() RETURNS trigger AS $$
BEGIN
    PERFORM item_figs_recompute(ARRAY(SELECT DISTINCT item_id FROM new_tracks));
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION item_figs_tracks_del() RETURNS trigger AS $$
BEGIN
    PERFORM item_figs_recompute(ARRAY(SELECT DISTINCT item_id FROM old_tracks));
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION item_figs_tracks_upd() RETURNS trigger AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT o.item_id FROM new_tracks n JOIN old_tracks o ON o.id = n.id
                          WHERE o.unit_id IS DISTINCT FROM n.unit_id OR o.unit_path IS DISTINCT FROM n.unit_path
                             OR o.item_id IS DISTINCT FROM n.item_id
                          UNION SELECT n.item_id FROM new_tracks n JOIN old_tracks o ON o.id = n.id
                          WHERE o.item_id IS DISTINCT FROM n.item_id);
BEGIN
    IF cardinality(ids) > 0 THEN
        PERFORM item_figs_recompute(ids);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER item_figs_tracks_ai AFTER INSERT ON item_tracks REFERENCING NEW TABLE AS new_tracks
    FOR EACH STATEMENT EXECUTE FUNCTION item_figs_tracks_ins();
CREATE TRIGGER item_figs_tracks_ad AFTER DELETE ON item_tracks REFERENCING OLD TABLE AS old_tracks
    FOR EACH STATEMENT EXECUTE FUNCTION item_figs_tracks_del();
CREATE TRIGGER item_figs_tracks_au AFTER UPDATE ON item_tracks REFERENCING OLD TABLE AS old_tracks
    NEW TABLE AS new_tracks FOR EACH STATEMENT EXECUTE FUNCTION item_figs_tracks_upd();

-- the counters: +1 for rows inserted, -1 for rows deleted (rows are never updated), summed per
-- statement and appended as deltas
CREATE FUNCTION figure_counts_trg() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO figure_count_deltas (office_path, own, unit_id, month, registered, completed, on_time, ov_in,
                                         ov_out)
        SELECT office_path, own, unit_id, m, SUM(r), SUM(c), SUM(t), SUM(oi), SUM(oo) FROM (
            SELECT office_path, own, unit_id, reg_m AS m, 1 AS r, 0 AS c, 0 AS t, 0 AS oi, 0 AS oo FROM new_rows
            UNION ALL SELECT office_path, own, unit_id, done_m, 0, 1, on_time, 0, 0 FROM new_rows
            UNION ALL SELECT office_path, own, unit_id, ovin_m, 0, 0, 0, 1, 0 FROM new_rows
            UNION ALL SELECT office_path, own, unit_id, ovout_m, 0, 0, 0, 0, 1 FROM new_rows) x
        WHERE m IS NOT NULL GROUP BY office_path, own, unit_id, m;
    ELSE
        INSERT INTO figure_count_deltas (office_path, own, unit_id, month, registered, completed, on_time, ov_in,
                                         ov_out)
        SELECT office_path, own, unit_id, m, SUM(r), SUM(c), SUM(t), SUM(oi), SUM(oo) FROM (
            SELECT office_path, own, unit_id, reg_m AS m, -1 AS r, 0 AS c, 0 AS t, 0 AS oi, 0 AS oo FROM old_rows
            UNION ALL SELECT office_path, own, unit_id, done_m, 0, -1, -on_time, 0, 0 FROM old_rows
            UNION ALL SELECT office_path, own, unit_id, ovin_m, 0, 0, 0, -1, 0 FROM old_rows
            UNION ALL SELECT office_path, own, unit_id, ovout_m, 0, 0, 0, 0, -1 FROM old_rows) x
        WHERE m IS NOT NULL GROUP BY office_path, own, unit_id, m;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER figure_counts_ai AFTER INSERT ON item_figs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION figure_counts_trg();
CREATE TRIGGER figure_counts_ad AFTER DELETE ON item_figs REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION figure_counts_trg();

-- as on SQLite: inserting item ids into item_figs_refresh recomputes those items (ducha ledger rebuild)
CREATE TABLE item_figs_refresh (item_id BIGINT PRIMARY KEY);
CREATE FUNCTION item_figs_refresh_trg() RETURNS trigger AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT item_id FROM new_ids);
BEGIN
    PERFORM item_figs_recompute(ids);
    DELETE FROM item_figs_refresh WHERE item_id = ANY (ids);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER item_figs_refresh_ai AFTER INSERT ON item_figs_refresh REFERENCING NEW TABLE AS new_ids
    FOR EACH STATEMENT EXECUTE FUNCTION item_figs_refresh_trg();

-- what is already there
SELECT item_figs_recompute(ARRAY(SELECT id FROM items));
