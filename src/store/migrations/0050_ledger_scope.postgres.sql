-- 0050 (PostgreSQL; see 0050_ledger_scope.sqlite.sql for what the tables are): item_scope,
-- item_counts and the full-text index, kept by triggers in the same transaction as every change.
-- Differences from SQLite:
--   * the counter triggers append to item_count_deltas instead of updating item_counts, so that
--     concurrent writers never wait on a province's counter rows; readers add the deltas, and the
--     scheduler folds them into item_counts (ledger_counts_fold in src/items/ledger_counts.c);
--   * the full-text index is item_search.tsv, a tsvector of the same tokens (ducha_grams below
--     follows base/grams.h code point for code point) with a GIN index; number, title and
--     requirement carry the weights A, B and C, and the scope units are the lexemes '@<id>'.

CREATE TABLE item_scope (
    item_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    vis INTEGER NOT NULL,
    assigned INTEGER NOT NULL,
    state TEXT NOT NULL,
    due_date TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    numkey BIGINT NOT NULL,
    source_kind TEXT NOT NULL,
    lead_unit_id BIGINT NOT NULL,
    done_month TEXT,
    PRIMARY KEY (item_id, unit_id)
);
CREATE INDEX item_scope_unit ON item_scope (unit_id, item_id);
CREATE INDEX item_scope_state ON item_scope (unit_id, state, item_id);
CREATE INDEX item_scope_due ON item_scope (unit_id, due_date, item_id);
CREATE INDEX item_scope_state_due ON item_scope (unit_id, state, due_date, item_id);
CREATE INDEX item_scope_updated ON item_scope (unit_id, updated_at, item_id);
CREATE INDEX item_scope_number ON item_scope (unit_id, numkey, item_id);
CREATE INDEX item_scope_hidden ON item_scope (unit_id, item_id) WHERE vis = 0;

CREATE TABLE item_counts (
    unit_id BIGINT NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (unit_id, dim, key)
);

CREATE TABLE item_count_deltas (
    id BIGSERIAL PRIMARY KEY,
    unit_id BIGINT NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n BIGINT NOT NULL
);
CREATE INDEX item_count_deltas_unit ON item_count_deltas (unit_id, dim);

CREATE TABLE item_scope_refresh (item_id BIGINT PRIMARY KEY);

CREATE TABLE item_search (
    item_id BIGINT PRIMARY KEY,
    tsv tsvector NOT NULL
);
CREATE INDEX item_search_tsv ON item_search USING gin (tsv);

-- The tokens of a text as (token, position from 0, tail): base/grams.h, rule for rule.
CREATE FUNCTION ducha_grams(t text, document boolean) RETURNS TABLE (tok text, pos integer) AS $$
DECLARE
    c text;
    cp integer;
    cls integer;      -- 0 separator, 1 word, 2 ideograph
    ch text;
    run integer := 0; -- class of the current run
    n integer := 0;   -- code points in the run
    word text := '';
    prev text;
    p integer := 0;
BEGIN
    FOR c IN SELECT x FROM string_to_table(COALESCE(t, ''), NULL) AS x LOOP
        cp := ascii(c);
        ch := c;
        IF cp < 128 THEN
            IF cp BETWEEN 65 AND 90 THEN cls := 1; ch := chr(cp + 32);
            ELSIF cp BETWEEN 97 AND 122 OR cp BETWEEN 48 AND 57 THEN cls := 1;
            ELSE cls := 0;
            END IF;
        ELSIF cp BETWEEN 65296 AND 65305 THEN cls := 1; ch := chr(48 + cp - 65296);
        ELSIF cp BETWEEN 65313 AND 65338 THEN cls := 1; ch := chr(97 + cp - 65313);
        ELSIF cp BETWEEN 65345 AND 65370 THEN cls := 1; ch := chr(97 + cp - 65345);
        ELSIF cp <= 191 OR cp BETWEEN 8192 AND 11263 OR cp BETWEEN 12288 AND 12351 OR cp BETWEEN 65040 AND 65135
              OR cp BETWEEN 65280 AND 65381 OR cp >= 65520 THEN cls := 0;
        ELSE cls := 2;
        END IF;
        IF cls <> run THEN
            IF run = 1 AND word <> '' THEN tok := word; pos := p; p := p + 1; RETURN NEXT;
            ELSIF run = 2 AND n = 1 THEN tok := prev; pos := p; p := p + 1; RETURN NEXT;
            ELSIF run = 2 AND n > 1 AND document THEN tok := prev; pos := p - 1; RETURN NEXT;
            END IF;
            n := 0;
            word := '';
        END IF;
        IF cls = 1 THEN
            IF length(word) < 64 THEN word := word || ch; END IF;
        ELSIF cls = 2 THEN
            IF n > 0 THEN tok := prev || c; pos := p; p := p + 1; RETURN NEXT; END IF;
            prev := c;
        END IF;
        run := cls;
        n := n + 1;
    END LOOP;
    IF run = 1 AND word <> '' THEN tok := word; pos := p; RETURN NEXT;
    ELSIF run = 2 AND n = 1 THEN tok := prev; pos := p; RETURN NEXT;
    ELSIF run = 2 AND n > 1 AND document THEN tok := prev; pos := p - 1; RETURN NEXT;
    END IF;
END $$ LANGUAGE plpgsql IMMUTABLE;

-- The search document's words (item_search_words: number A, title B, requirement C) and scope lexemes
-- (item_search_scope) are defined by migration 0045, which a new database runs before this one.

-- The scope rows of the items of `ids` that their office paths and tracks call for (vis 1 on the
-- path of the issuing government, else once assigned); existing rows are kept.
CREATE FUNCTION item_scope_add(ids bigint[]) RETURNS integer AS $$
DECLARE
    n integer;
    m integer;
BEGIN
    INSERT INTO item_scope (item_id, unit_id, vis, assigned, state, due_date, updated_at, numkey, source_kind,
                            lead_unit_id, done_month)
        SELECT i.id, p.u::bigint, 1, CASE WHEN i.assigned_at IS NOT NULL THEN 1 ELSE 0 END, i.state, i.due_date,
               i.updated_at, COALESCE(i.num_year, 0)::bigint * 10000000 + COALESCE(i.num_seq, 0), i.source_kind,
               i.lead_unit_id, CASE WHEN i.state IN ('completed', 'archived') THEN substr(i.closed_at, 1, 7) END
        FROM items i, unnest(string_to_array(trim(both '/' from i.office_path), '/')) AS p(u)
        WHERE i.id = ANY (ids) AND p.u <> ''
        ON CONFLICT (item_id, unit_id) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO item_scope (item_id, unit_id, vis, assigned, state, due_date, updated_at, numkey, source_kind,
                            lead_unit_id, done_month)
        SELECT DISTINCT i.id, p.u::bigint, CASE WHEN i.assigned_at IS NOT NULL THEN 1 ELSE 0 END,
               CASE WHEN i.assigned_at IS NOT NULL THEN 1 ELSE 0 END, i.state, i.due_date, i.updated_at,
               COALESCE(i.num_year, 0)::bigint * 10000000 + COALESCE(i.num_seq, 0), i.source_kind, i.lead_unit_id,
               CASE WHEN i.state IN ('completed', 'archived') THEN substr(i.closed_at, 1, 7) END
        FROM items i JOIN item_tracks t ON t.item_id = i.id,
             unnest(string_to_array(trim(both '/' from t.unit_path), '/')) AS p(u)
        WHERE i.id = ANY (ids) AND p.u <> ''
        ON CONFLICT (item_id, unit_id) DO NOTHING;
    GET DIAGNOSTICS m = ROW_COUNT;
    RETURN n + m;
END $$ LANGUAGE plpgsql;

-- Recomputes the scope rows of the items `ids` (see the SQLite trigger item_scope_refresh_ai) and,
-- where they changed, the scope lexemes of their search documents; set-based, so that a unit move
-- that rewrites the paths of many items and tracks costs a few statements.
CREATE FUNCTION item_scope_recompute(ids bigint[]) RETURNS void AS $$
BEGIN
    DELETE FROM item_scope s WHERE s.item_id = ANY (ids)
        AND NOT EXISTS (SELECT 1 FROM items i WHERE i.id = s.item_id
                        AND strpos(i.office_path, '/' || s.unit_id || '/') > 0)
        AND NOT EXISTS (SELECT 1 FROM item_tracks t WHERE t.item_id = s.item_id
                        AND strpos(t.unit_path, '/' || s.unit_id || '/') > 0);
    UPDATE item_scope s SET vis = 1 - s.vis FROM items i
        WHERE s.item_id = ANY (ids) AND i.id = s.item_id
          AND s.vis <> CASE WHEN strpos(i.office_path, '/' || s.unit_id || '/') > 0 OR i.assigned_at IS NOT NULL
                            THEN 1 ELSE 0 END;
    PERFORM item_scope_add(ids);
    UPDATE item_search g SET tsv = ts_filter(g.tsv, '{a,b,c}') || item_search_scope(g.item_id)
        WHERE g.item_id = ANY (ids);
END $$ LANGUAGE plpgsql;

-- Items whose paths changed in the current statement wait here (row triggers) until the statement
-- trigger recomputes them as a set.
CREATE TABLE item_scope_queue (item_id BIGINT PRIMARY KEY);

CREATE FUNCTION item_scope_queue_run() RETURNS trigger AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT item_id FROM item_scope_queue);
BEGIN
    IF cardinality(ids) > 0 THEN
        DELETE FROM item_scope_queue WHERE item_id = ANY (ids);
        PERFORM item_scope_recompute(ids);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- new items (statement level: a bulk insert or COPY is handled as a set)
CREATE FUNCTION item_scope_items_ins() RETURNS trigger AS $$
BEGIN
    PERFORM item_scope_add(ARRAY(SELECT id FROM new_items));
    INSERT INTO item_search (item_id, tsv)
        SELECT i.id, item_search_words(i.number, i.title, i.requirement) || item_search_scope(i.id) FROM new_items i;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION item_scope_items_trg() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM item_scope WHERE item_id = OLD.id;
        DELETE FROM item_search WHERE item_id = OLD.id;
        RETURN OLD;
    END IF;
    IF OLD.state IS DISTINCT FROM NEW.state OR OLD.due_date IS DISTINCT FROM NEW.due_date
       OR OLD.updated_at IS DISTINCT FROM NEW.updated_at OR OLD.num_year IS DISTINCT FROM NEW.num_year
       OR OLD.num_seq IS DISTINCT FROM NEW.num_seq OR OLD.source_kind IS DISTINCT FROM NEW.source_kind
       OR OLD.lead_unit_id IS DISTINCT FROM NEW.lead_unit_id OR OLD.closed_at IS DISTINCT FROM NEW.closed_at
       OR (OLD.assigned_at IS NULL) <> (NEW.assigned_at IS NULL) THEN
        UPDATE item_scope SET state = NEW.state, due_date = NEW.due_date, updated_at = NEW.updated_at,
            numkey = COALESCE(NEW.num_year, 0)::bigint * 10000000 + COALESCE(NEW.num_seq, 0), source_kind = NEW.source_kind,
            lead_unit_id = NEW.lead_unit_id,
            done_month = CASE WHEN NEW.state IN ('completed', 'archived') THEN substr(NEW.closed_at, 1, 7) END,
            assigned = CASE WHEN NEW.assigned_at IS NOT NULL THEN 1 ELSE 0 END,
            vis = CASE WHEN NEW.assigned_at IS NOT NULL OR strpos(NEW.office_path, '/' || unit_id || '/') > 0
                       THEN 1 ELSE 0 END
            WHERE item_id = NEW.id;
    END IF;
    IF OLD.number IS DISTINCT FROM NEW.number OR OLD.title IS DISTINCT FROM NEW.title
       OR OLD.requirement IS DISTINCT FROM NEW.requirement THEN
        UPDATE item_search SET tsv = item_search_words(NEW.number, NEW.title, NEW.requirement)
                                     || item_search_scope(NEW.id)
            WHERE item_id = NEW.id;
    END IF;
    IF OLD.office_path IS DISTINCT FROM NEW.office_path THEN
        INSERT INTO item_scope_queue (item_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER item_scope_items_ai AFTER INSERT ON items REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION item_scope_items_ins();
CREATE TRIGGER item_scope_items_au AFTER UPDATE ON items FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.due_date IS DISTINCT FROM NEW.due_date
          OR OLD.updated_at IS DISTINCT FROM NEW.updated_at OR OLD.num_year IS DISTINCT FROM NEW.num_year
          OR OLD.num_seq IS DISTINCT FROM NEW.num_seq OR OLD.source_kind IS DISTINCT FROM NEW.source_kind
          OR OLD.lead_unit_id IS DISTINCT FROM NEW.lead_unit_id OR OLD.closed_at IS DISTINCT FROM NEW.closed_at
          OR (OLD.assigned_at IS NULL) <> (NEW.assigned_at IS NULL) OR OLD.office_path IS DISTINCT FROM NEW.office_path
          OR OLD.number IS DISTINCT FROM NEW.number OR OLD.title IS DISTINCT FROM NEW.title
          OR OLD.requirement IS DISTINCT FROM NEW.requirement)
    EXECUTE FUNCTION item_scope_items_trg();
CREATE TRIGGER item_scope_items_bd BEFORE DELETE ON items FOR EACH ROW EXECUTE FUNCTION item_scope_items_trg();
CREATE TRIGGER item_scope_items_aus AFTER UPDATE ON items FOR EACH STATEMENT EXECUTE FUNCTION item_scope_queue_run();

-- new tracks (statement level), removed or moved tracks (row level: rare)
CREATE FUNCTION item_scope_tracks_ins() RETURNS trigger AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT DISTINCT item_id FROM new_tracks);
BEGIN
    IF item_scope_add(ids) > 0 THEN
        UPDATE item_search SET tsv = ts_filter(tsv, '{a,b,c}') || item_search_scope(item_id)
            WHERE item_id = ANY (ids);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION item_scope_tracks_trg() RETURNS trigger AS $$
BEGIN
    INSERT INTO item_scope_queue (item_id) VALUES (OLD.item_id) ON CONFLICT DO NOTHING;
    IF TG_OP = 'UPDATE' AND NEW.item_id <> OLD.item_id THEN
        INSERT INTO item_scope_queue (item_id) VALUES (NEW.item_id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER item_scope_tracks_ai AFTER INSERT ON item_tracks REFERENCING NEW TABLE AS new_tracks
    FOR EACH STATEMENT EXECUTE FUNCTION item_scope_tracks_ins();
CREATE TRIGGER item_scope_tracks_ad AFTER DELETE ON item_tracks FOR EACH ROW EXECUTE FUNCTION item_scope_tracks_trg();
CREATE TRIGGER item_scope_tracks_au AFTER UPDATE ON item_tracks FOR EACH ROW
    WHEN (OLD.unit_path IS DISTINCT FROM NEW.unit_path OR OLD.item_id IS DISTINCT FROM NEW.item_id)
    EXECUTE FUNCTION item_scope_tracks_trg();
CREATE TRIGGER item_scope_tracks_ads AFTER UPDATE OR DELETE ON item_tracks FOR EACH STATEMENT
    EXECUTE FUNCTION item_scope_queue_run();

-- the counters: -1 for what a visible row was, +1 for what it is, summed per statement and appended
-- as deltas (statement level: a bulk insert writes one delta per unit and key)
CREATE FUNCTION item_counts_trg() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO item_count_deltas (unit_id, dim, key, n)
        SELECT u, d, k, SUM(v) FROM (
            SELECT unit_id AS u, 'state' AS d, state AS k, 1 AS v FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'source', source_kind, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead', lead_unit_id::text, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'done', done_month, 1 FROM new_rows WHERE vis = 1) x
        WHERE k IS NOT NULL GROUP BY u, d, k;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO item_count_deltas (unit_id, dim, key, n)
        SELECT u, d, k, SUM(v) FROM (
            SELECT unit_id AS u, 'state' AS d, state AS k, -1 AS v FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'source', source_kind, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead', lead_unit_id::text, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'done', done_month, -1 FROM old_rows WHERE vis = 1) x
        WHERE k IS NOT NULL GROUP BY u, d, k;
    ELSE
        INSERT INTO item_count_deltas (unit_id, dim, key, n)
        SELECT u, d, k, SUM(v) FROM (
            SELECT unit_id AS u, 'state' AS d, state AS k, -1 AS v FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'source', source_kind, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead', lead_unit_id::text, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'done', done_month, -1 FROM old_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'state', state, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'source', source_kind, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'lead', lead_unit_id::text, 1 FROM new_rows WHERE vis = 1
            UNION ALL SELECT unit_id, 'done', done_month, 1 FROM new_rows WHERE vis = 1) x
        WHERE k IS NOT NULL GROUP BY u, d, k HAVING SUM(v) <> 0;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER item_counts_ai AFTER INSERT ON item_scope REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_trg();
CREATE TRIGGER item_counts_ad AFTER DELETE ON item_scope REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_trg();
CREATE TRIGGER item_counts_au AFTER UPDATE ON item_scope REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_trg();

-- as on SQLite: inserting item ids into item_scope_refresh recomputes those items (ducha ledger rebuild)
CREATE FUNCTION item_scope_refresh_trg() RETURNS trigger AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT item_id FROM new_ids);
BEGIN
    PERFORM item_scope_recompute(ids);
    UPDATE item_search g SET tsv = item_search_words(i.number, i.title, i.requirement) || item_search_scope(i.id)
        FROM items i WHERE g.item_id = i.id AND i.id = ANY (ids);
    INSERT INTO item_search (item_id, tsv)
        SELECT i.id, item_search_words(i.number, i.title, i.requirement) || item_search_scope(i.id) FROM items i
        WHERE i.id = ANY (ids) AND NOT EXISTS (SELECT 1 FROM item_search g WHERE g.item_id = i.id);
    DELETE FROM item_scope_refresh WHERE item_id = ANY (ids);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER item_scope_refresh_ai AFTER INSERT ON item_scope_refresh REFERENCING NEW TABLE AS new_ids
    FOR EACH STATEMENT EXECUTE FUNCTION item_scope_refresh_trg();

-- what is already there
SELECT item_scope_add(ARRAY(SELECT id FROM items));
INSERT INTO item_search (item_id, tsv)
    SELECT i.id, item_search_words(i.number, i.title, i.requirement) || item_search_scope(i.id) FROM items i;
