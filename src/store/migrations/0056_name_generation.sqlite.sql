-- The ledger's names from a process cache (src/items/ledger_names.c, docs/internals/ledger.md): a page's rows
-- name their lead unit, their leader and each track's unit; the server keeps those names in memory and reads
-- this one row with every page. Any change of a unit's or a user's name, and any deletion (an id may be used
-- again), gives the row a new random value, in the same transaction, whatever code path or process writes
-- (the API, imports, the CLI, another node), so a page read after the change finds a generation its cache
-- was not filled under and reads the names again: never a stale name. Random, not counted up: a database
-- restored from a copy taken before never comes back to a value the cache holds.
CREATE TABLE name_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    gen INTEGER NOT NULL
);
INSERT INTO name_generation (id, gen) VALUES (1, random());
CREATE TRIGGER name_generation_units_au AFTER UPDATE OF name ON units WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE name_generation SET gen = random() WHERE id = 1;
END;
CREATE TRIGGER name_generation_units_ad AFTER DELETE ON units
BEGIN
    UPDATE name_generation SET gen = random() WHERE id = 1;
END;
CREATE TRIGGER name_generation_users_au AFTER UPDATE OF name ON users WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE name_generation SET gen = random() WHERE id = 1;
END;
CREATE TRIGGER name_generation_users_ad AFTER DELETE ON users
BEGIN
    UPDATE name_generation SET gen = random() WHERE id = 1;
END;
