-- 0050 (SQLite; 0050_ledger_scope.postgres.sql is the same for PostgreSQL): the ledger at province
-- scale. Three things derived from items and item_tracks, kept in the same transaction as every
-- change by the triggers below, whatever code path writes (the workflow, PATCH, unit moves, gen,
-- migrate-data):
--   item_scope   one row per (item, unit) for every unit on the path of the issuing government or of
--                a responsible unit, with copies of the columns the ledger sorts and counts by, so
--                that a page of any scope is read in index order (docs/internals/ledger.md);
--   item_counts  counters per unit (dim 'state', 'source', 'lead', 'done' = completions per month)
--                of the rows a role at that unit sees (vis = 1): a province's counts are one read;
--   item_fts     the full-text index (FTS5, tokenizer 'ducha': CJK bigrams, see base/grams.h) of
--                number, title and requirement, with the scope units as tokens "u<id>" so that a
--                search is restricted to a scope inside the index.
-- item_count_deltas is written by PostgreSQL's triggers only (no hot counter rows there) and folded
-- into item_counts by the scheduler; it stays empty on SQLite, where writers are serialised anyway.

CREATE TABLE item_scope (
    item_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    vis INTEGER NOT NULL,          -- 1: a role held at unit_id sees the item (issued in its subtree, or assigned)
    assigned INTEGER NOT NULL,     -- the item has been assigned (a leader's portfolio sees it from then on)
    state TEXT NOT NULL,
    due_date TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    numkey INTEGER NOT NULL,       -- num_year * 10000000 + num_seq (0 before numbering): sort=number
    source_kind TEXT NOT NULL,
    lead_unit_id INTEGER NOT NULL,
    done_month TEXT,               -- YYYY-MM (UTC) of closed_at while completed or archived
    PRIMARY KEY (item_id, unit_id)
) WITHOUT ROWID;
-- each index ends with the primary key (item_id, unit_id): pages in (key, id) order
CREATE INDEX item_scope_unit ON item_scope (unit_id);
CREATE INDEX item_scope_state ON item_scope (unit_id, state);
CREATE INDEX item_scope_due ON item_scope (unit_id, due_date);
CREATE INDEX item_scope_state_due ON item_scope (unit_id, state, due_date);
CREATE INDEX item_scope_updated ON item_scope (unit_id, updated_at);
CREATE INDEX item_scope_number ON item_scope (unit_id, numkey);
CREATE INDEX item_scope_hidden ON item_scope (unit_id, item_id) WHERE vis = 0;

CREATE TABLE item_counts (
    unit_id INTEGER NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (unit_id, dim, key)
) WITHOUT ROWID;

CREATE TABLE item_count_deltas (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL
);
CREATE INDEX item_count_deltas_unit ON item_count_deltas (unit_id, dim);

-- a queue of one: inserting an item id recomputes that item's scope rows (the trigger below), so that
-- the recomputation is written once for every change that can move an item in the tree
CREATE TABLE item_scope_refresh (item_id INTEGER PRIMARY KEY);

CREATE VIRTUAL TABLE item_fts USING fts5(number, title, requirement, scope, tokenize = 'ducha');

-- the scope of an item: the ids on the paths of its issuing government (visible) and of its
-- responsible units (visible once assigned); path '/1/33/45/' -> json_each('[1,33,45]')
CREATE TRIGGER item_scope_refresh_ai AFTER INSERT ON item_scope_refresh BEGIN
    DELETE FROM item_scope WHERE item_id = NEW.item_id
        AND NOT EXISTS (SELECT 1 FROM items i WHERE i.id = NEW.item_id
                        AND instr(i.office_path, '/' || item_scope.unit_id || '/') > 0)
        AND NOT EXISTS (SELECT 1 FROM item_tracks t WHERE t.item_id = NEW.item_id
                        AND instr(t.unit_path, '/' || item_scope.unit_id || '/') > 0);
    UPDATE item_scope SET vis = 1 - vis
        WHERE item_id = NEW.item_id AND vis <> (SELECT CASE WHEN instr(i.office_path, '/' || item_scope.unit_id || '/') > 0
                                                             OR i.assigned_at IS NOT NULL THEN 1 ELSE 0 END
                                                 FROM items i WHERE i.id = NEW.item_id);
    INSERT INTO item_scope (item_id, unit_id, vis, assigned, state, due_date, updated_at, numkey, source_kind,
                            lead_unit_id, done_month)
        SELECT i.id, p.value, 1, i.assigned_at IS NOT NULL, i.state, i.due_date, i.updated_at,
               COALESCE(i.num_year, 0) * 10000000 + COALESCE(i.num_seq, 0), i.source_kind, i.lead_unit_id,
               CASE WHEN i.state IN ('completed', 'archived') THEN substr(i.closed_at, 1, 7) END
        FROM items i, json_each('[' || replace(substr(i.office_path, 2, length(i.office_path) - 2), '/', ',') || ']') p
        WHERE i.id = NEW.item_id
        ON CONFLICT (item_id, unit_id) DO NOTHING;
    INSERT INTO item_scope (item_id, unit_id, vis, assigned, state, due_date, updated_at, numkey, source_kind,
                            lead_unit_id, done_month)
        SELECT i.id, p.value, i.assigned_at IS NOT NULL, i.assigned_at IS NOT NULL, i.state, i.due_date,
               i.updated_at, COALESCE(i.num_year, 0) * 10000000 + COALESCE(i.num_seq, 0), i.source_kind,
               i.lead_unit_id, CASE WHEN i.state IN ('completed', 'archived') THEN substr(i.closed_at, 1, 7) END
        FROM items i JOIN item_tracks t ON t.item_id = i.id,
             json_each('[' || replace(substr(t.unit_path, 2, length(t.unit_path) - 2), '/', ',') || ']') p
        WHERE i.id = NEW.item_id
        ON CONFLICT (item_id, unit_id) DO NOTHING;
    UPDATE item_fts SET scope = (SELECT COALESCE(group_concat('u' || unit_id, ' '), '') FROM item_scope
                                 WHERE item_id = NEW.item_id)
        WHERE rowid = NEW.item_id AND scope IS NOT (SELECT COALESCE(group_concat('u' || unit_id, ' '), '')
                                                    FROM item_scope WHERE item_id = NEW.item_id);
    DELETE FROM item_scope_refresh WHERE item_id = NEW.item_id;
END;

CREATE TRIGGER item_scope_items_ai AFTER INSERT ON items BEGIN
    INSERT INTO item_scope_refresh (item_id) VALUES (NEW.id);
    INSERT INTO item_fts (rowid, number, title, requirement, scope)
        VALUES (NEW.id, COALESCE(NEW.number, ''), NEW.title, NEW.requirement,
                (SELECT COALESCE(group_concat('u' || unit_id, ' '), '') FROM item_scope WHERE item_id = NEW.id));
END;

CREATE TRIGGER item_scope_items_path AFTER UPDATE OF office_path ON items
WHEN OLD.office_path IS NOT NEW.office_path BEGIN
    INSERT INTO item_scope_refresh (item_id) VALUES (NEW.id);
END;

CREATE TRIGGER item_scope_items_au AFTER UPDATE OF state, due_date, updated_at, num_year, num_seq, source_kind,
    lead_unit_id, closed_at, assigned_at ON items
WHEN OLD.state IS NOT NEW.state OR OLD.due_date IS NOT NEW.due_date OR OLD.updated_at IS NOT NEW.updated_at
    OR OLD.num_year IS NOT NEW.num_year OR OLD.num_seq IS NOT NEW.num_seq OR OLD.source_kind IS NOT NEW.source_kind
    OR OLD.lead_unit_id IS NOT NEW.lead_unit_id OR OLD.closed_at IS NOT NEW.closed_at
    OR (OLD.assigned_at IS NULL) <> (NEW.assigned_at IS NULL) BEGIN
    UPDATE item_scope SET state = NEW.state, due_date = NEW.due_date, updated_at = NEW.updated_at,
        numkey = COALESCE(NEW.num_year, 0) * 10000000 + COALESCE(NEW.num_seq, 0), source_kind = NEW.source_kind,
        lead_unit_id = NEW.lead_unit_id,
        done_month = CASE WHEN NEW.state IN ('completed', 'archived') THEN substr(NEW.closed_at, 1, 7) END,
        assigned = NEW.assigned_at IS NOT NULL,
        vis = CASE WHEN NEW.assigned_at IS NOT NULL OR instr(NEW.office_path, '/' || unit_id || '/') > 0 THEN 1
                   ELSE 0 END
        WHERE item_id = NEW.id;
END;

CREATE TRIGGER item_fts_items_au AFTER UPDATE OF number, title, requirement ON items
WHEN OLD.number IS NOT NEW.number OR OLD.title IS NOT NEW.title OR OLD.requirement IS NOT NEW.requirement BEGIN
    UPDATE item_fts SET number = COALESCE(NEW.number, ''), title = NEW.title, requirement = NEW.requirement
        WHERE rowid = NEW.id;
END;

CREATE TRIGGER item_scope_items_bd BEFORE DELETE ON items BEGIN
    DELETE FROM item_scope WHERE item_id = OLD.id;
    DELETE FROM item_fts WHERE rowid = OLD.id;
END;

CREATE TRIGGER item_scope_tracks_ai AFTER INSERT ON item_tracks BEGIN
    INSERT INTO item_scope_refresh (item_id) VALUES (NEW.item_id);
END;

CREATE TRIGGER item_scope_tracks_ad AFTER DELETE ON item_tracks BEGIN
    INSERT INTO item_scope_refresh (item_id) VALUES (OLD.item_id);
END;

CREATE TRIGGER item_scope_tracks_path AFTER UPDATE OF unit_path, item_id ON item_tracks
WHEN OLD.unit_path IS NOT NEW.unit_path OR OLD.item_id IS NOT NEW.item_id BEGIN
    INSERT INTO item_scope_refresh (item_id) VALUES (OLD.item_id);
    INSERT INTO item_scope_refresh (item_id) VALUES (NEW.item_id);
END;

-- the counters follow the visible rows: -1 for what a row was, +1 for what it is; unchanged
-- dimensions cancel out in the GROUP BY and are not written
CREATE TRIGGER item_counts_ai AFTER INSERT ON item_scope WHEN NEW.vis = 1 BEGIN
    INSERT INTO item_counts (unit_id, dim, key, n)
        SELECT NEW.unit_id, d, k, 1 FROM (SELECT 'state' AS d, NEW.state AS k UNION ALL SELECT 'source', NEW.source_kind
                                         UNION ALL SELECT 'lead', NEW.lead_unit_id UNION ALL SELECT 'done', NEW.done_month)
        WHERE k IS NOT NULL
        ON CONFLICT (unit_id, dim, key) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER item_counts_ad AFTER DELETE ON item_scope WHEN OLD.vis = 1 BEGIN
    INSERT INTO item_counts (unit_id, dim, key, n)
        SELECT OLD.unit_id, d, k, -1 FROM (SELECT 'state' AS d, OLD.state AS k UNION ALL SELECT 'source', OLD.source_kind
                                          UNION ALL SELECT 'lead', OLD.lead_unit_id UNION ALL SELECT 'done', OLD.done_month)
        WHERE k IS NOT NULL
        ON CONFLICT (unit_id, dim, key) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER item_counts_au AFTER UPDATE OF vis, state, source_kind, lead_unit_id, done_month ON item_scope
WHEN OLD.vis = 1 OR NEW.vis = 1 BEGIN
    INSERT INTO item_counts (unit_id, dim, key, n)
        SELECT NEW.unit_id, d, k, SUM(v) FROM (
            SELECT 'state' AS d, OLD.state AS k, -OLD.vis AS v UNION ALL SELECT 'state', NEW.state, NEW.vis
            UNION ALL SELECT 'source', OLD.source_kind, -OLD.vis UNION ALL SELECT 'source', NEW.source_kind, NEW.vis
            UNION ALL SELECT 'lead', OLD.lead_unit_id, -OLD.vis UNION ALL SELECT 'lead', NEW.lead_unit_id, NEW.vis
            UNION ALL SELECT 'done', OLD.done_month, -OLD.vis UNION ALL SELECT 'done', NEW.done_month, NEW.vis)
        WHERE k IS NOT NULL GROUP BY d, k HAVING SUM(v) <> 0
        ON CONFLICT (unit_id, dim, key) DO UPDATE SET n = n + excluded.n;
END;

-- what is already there
INSERT INTO item_scope_refresh (item_id) SELECT id FROM items;
INSERT INTO item_fts (rowid, number, title, requirement, scope)
    SELECT i.id, COALESCE(i.number, ''), i.title, i.requirement,
           (SELECT COALESCE(group_concat('u' || s.unit_id, ' '), '') FROM item_scope s WHERE s.item_id = i.id)
    FROM items i;
