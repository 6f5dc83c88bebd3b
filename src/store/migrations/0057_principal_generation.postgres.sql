-- The principals from a process cache (src/auth/auth.c, docs/internals/ledger.md "The credential check"):
-- every request reads its session's or API token's row (a revoked token or an ended session is refused at
-- once, on every node) with the one row of name_generation (migration 0056) and its column `principals`,
-- added here, and takes the user with their roles and portfolio (the view user_principals of 0044) from
-- memory when the cache was filled under the same value. Any change of what the view shows — a user's name,
-- username, password flag or disabled flag, a role or a portfolio unit added, changed or removed, a unit's
-- path, code or name changed, a user or a unit deleted — gives `principals` a new random value in the same
-- transaction, whatever code path or process writes (the API, imports, the CLI, another node, SQL by hand),
-- so the next request reads the principal again: never a stale role. Random, not counted up: a database
-- restored from an older copy never comes back to a value a cache holds.
-- Per statement where a statement may touch many rows (an import's roles): the row is written once.
ALTER TABLE name_generation ADD COLUMN principals BIGINT NOT NULL DEFAULT 0;
UPDATE name_generation SET principals = floor(random() * 9007199254740991)::bigint;
CREATE FUNCTION principal_generation_bump() RETURNS trigger AS $$
BEGIN
    UPDATE name_generation SET principals = floor(random() * 9007199254740991)::bigint WHERE id = 1;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER principal_generation_users_au AFTER UPDATE OF username, name, must_change_password, disabled ON users
    FOR EACH ROW WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.name IS DISTINCT FROM NEW.name
                       OR OLD.must_change_password IS DISTINCT FROM NEW.must_change_password
                       OR OLD.disabled IS DISTINCT FROM NEW.disabled)
    EXECUTE FUNCTION principal_generation_bump();
CREATE TRIGGER principal_generation_users_ad AFTER DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION principal_generation_bump();
CREATE TRIGGER principal_generation_roles AFTER INSERT OR UPDATE OR DELETE ON user_roles
    FOR EACH STATEMENT EXECUTE FUNCTION principal_generation_bump();
CREATE TRIGGER principal_generation_portfolio AFTER INSERT OR UPDATE OR DELETE ON leader_portfolio
    FOR EACH STATEMENT EXECUTE FUNCTION principal_generation_bump();
CREATE TRIGGER principal_generation_units_au AFTER UPDATE OF path, code, name ON units
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path OR OLD.code IS DISTINCT FROM NEW.code
                       OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION principal_generation_bump();
CREATE TRIGGER principal_generation_units_ad AFTER DELETE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION principal_generation_bump();
