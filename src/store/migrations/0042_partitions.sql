-- postgres only
-- 0042: monthly partitions for the item timeline (item_events, by `at`) and the outbox (by created_at)
-- on PostgreSQL (SQLite: nothing to do; this file is skipped there). A month can then be archived or
-- dropped as a whole (ALTER TABLE … DETACH PARTITION) instead of by row deletes, and the table's
-- indexes stay the size of a month's rows for the months that are written.
--
-- The existing table becomes the DEFAULT partition (it keeps every row written so far, and any row
-- whose month has no partition of its own); ducha_partitions_ahead() creates the coming months'
-- partitions before any row lands there (the hourly retention pass calls it). The primary key
-- becomes (id, month column), as partitioning requires; ids still come from one sequence.
CREATE FUNCTION ducha_partition(tab text, col text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    old text := tab || '_default';
    next_id bigint;
BEGIN
    EXECUTE format('ALTER TABLE %I RENAME TO %I', tab, old);
    EXECUTE format('SELECT COALESCE(MAX(id), 0) + 1 FROM %I', old) INTO next_id;
    EXECUTE format('ALTER TABLE %I ALTER COLUMN id DROP IDENTITY', old);
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', old,
                   (SELECT conname FROM pg_constraint WHERE conrelid = old::regclass AND contype = 'p'));
    EXECUTE format('CREATE SEQUENCE %I START %s', tab || '_id_seq', next_id);
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (%I)',
                   tab, old, col);
    EXECUTE format('ALTER TABLE %I ALTER COLUMN id SET DEFAULT nextval(%L)', tab, tab || '_id_seq');
    EXECUTE format('ALTER SEQUENCE %I OWNED BY %I.id', tab || '_id_seq', tab);
    EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (id, %I)', tab, col);
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I DEFAULT', tab, old);
END $$;

SELECT ducha_partition('item_events', 'at');
ALTER TABLE item_events ADD FOREIGN KEY (item_id) REFERENCES items (id);
CREATE INDEX item_events_by_item ON item_events (item_id, id);

SELECT ducha_partition('outbox', 'created_at');
ALTER TABLE outbox ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX outbox_by_due ON outbox (state, next_attempt);
CREATE INDEX outbox_by_user ON outbox (user_id, channel, id);

DROP FUNCTION ducha_partition(text, text);

-- Creates the partitions of the current month and the next `months` months of item_events and
-- outbox where missing. A month that already has rows in the DEFAULT partition (rows written with
-- a clock far ahead, in tests) is left there. Returns the number of partitions created.
CREATE FUNCTION ducha_partitions_ahead(months int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    t record;
    m date;
    name text;
    made int := 0;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('item_events'), ('outbox')) v(tab) LOOP
        FOR i IN 0..months LOOP
            m := (date_trunc('month', now()) + make_interval(months => i))::date;
            name := t.tab || '_' || to_char(m, 'YYYY_MM');
            CONTINUE WHEN to_regclass(name) IS NOT NULL;
            BEGIN
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, t.tab,
                               to_char(m, 'YYYY-MM-DD'), to_char((m + interval '1 month')::date, 'YYYY-MM-DD'));
                made := made + 1;
            EXCEPTION WHEN check_violation THEN
                RAISE NOTICE 'ducha: % stays in the default partition (it already holds rows of that month)', name;
            END;
        END LOOP;
    END LOOP;
    RETURN made;
END $$;

SELECT ducha_partitions_ahead(2);
