-- The ledger's names from a process cache (src/items/ledger_names.c, docs/internals/ledger.md): a page's rows
-- name their lead unit, their leader and each track's unit; every node keeps those names in memory and reads
-- this one row with every page (sent with the page's statements: no round trip of its own). Any change of a
-- unit's or a user's name, and any deletion (an id may be used again), gives the row a new random value, in
-- the same transaction, whatever code path or node writes, so a page read after the change finds a generation
-- its node's cache was not filled under and reads the names again: never a stale name. Random, not counted
-- up: a database restored from a copy taken before never comes back to a value a cache holds.
CREATE TABLE name_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    gen BIGINT NOT NULL
);
INSERT INTO name_generation (id, gen) VALUES (1, floor(random() * 9007199254740991)::bigint);
CREATE FUNCTION name_generation_bump() RETURNS trigger AS $$
BEGIN
    UPDATE name_generation SET gen = floor(random() * 9007199254740991)::bigint WHERE id = 1;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER name_generation_units_au AFTER UPDATE OF name ON units FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION name_generation_bump();
CREATE TRIGGER name_generation_units_ad AFTER DELETE ON units FOR EACH STATEMENT EXECUTE FUNCTION name_generation_bump();
CREATE TRIGGER name_generation_users_au AFTER UPDATE OF name ON users FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION name_generation_bump();
CREATE TRIGGER name_generation_users_ad AFTER DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION name_generation_bump();
