-- postgres only
-- 0043: monthly partitions of the audit trail (audit_log, by `at`) on PostgreSQL, like item_events and
-- the outbox in 0042 (SQLite: nothing to do; this file is skipped there). The trail only grows (等保:
-- at least 6 months online; sealed records are never deleted — the chain and the signed checkpoints
-- would report them removed): partitions keep each month's indexes small, and an old month can move
-- whole to cheaper storage (ALTER TABLE audit_log_2026_01 SET TABLESPACE …) without being rewritten
-- row by row. docs/deployment.md §5 says what an operator may do with old months.
--
-- The existing table becomes the DEFAULT partition. Partitioning requires the month column in every
-- unique key: the primary key becomes (seq, at) and the sealed-mac key (mac, at). Neither loses
-- anything: seq is given by the one sealer holding audit_head, gap-free (`ducha audit verify` checks
-- it), and a record's `at` is covered by its mac, so a copied queue row has the same `at` and hits the
-- same key (the sealer also looks the macs up before it seals).
ALTER TABLE audit_log RENAME TO audit_log_default;
ALTER TABLE audit_log_default DROP CONSTRAINT audit_log_pkey;
DROP INDEX audit_log_mac;
DROP INDEX audit_object;
DROP INDEX audit_actor;
DROP INDEX audit_at;
DROP INDEX audit_scope;
CREATE TABLE audit_log (LIKE audit_log_default INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (at);
ALTER TABLE audit_log ADD PRIMARY KEY (seq, at);
ALTER TABLE audit_log ATTACH PARTITION audit_log_default DEFAULT;
CREATE UNIQUE INDEX audit_log_mac ON audit_log (mac, at);
CREATE INDEX audit_object ON audit_log (object_type, object_id, seq);
CREATE INDEX audit_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_at ON audit_log (at);
CREATE INDEX audit_scope ON audit_log (scope, seq);

-- Creates the partitions of the current month and the next `months` months of item_events, outbox
-- and audit_log where missing (0042's function, with the audit trail). A month that already has rows
-- in the DEFAULT partition (rows written with a clock far ahead, in tests) is left there. Returns the
-- number of partitions created.
CREATE OR REPLACE FUNCTION ducha_partitions_ahead(months int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    t record;
    m date;
    name text;
    made int := 0;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('item_events'), ('outbox'), ('audit_log')) v(tab) LOOP
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
