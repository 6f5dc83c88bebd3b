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
ALTER TABLE name_generation ADD COLUMN principals INTEGER NOT NULL DEFAULT 0;
UPDATE name_generation SET principals = random();
CREATE TRIGGER principal_generation_users_au AFTER UPDATE OF username, name, must_change_password, disabled ON users
    WHEN OLD.username IS NOT NEW.username OR OLD.name IS NOT NEW.name
      OR OLD.must_change_password IS NOT NEW.must_change_password OR OLD.disabled IS NOT NEW.disabled
BEGIN
    UPDATE name_generation SET principals = random() WHERE id = 1;
END;
CREATE TRIGGER principal_generation_users_ad AFTER DELETE ON users
BEGIN
    UPDATE name_generation SET principals = random() WHERE id = 1;
END;
CREATE TRIGGER principal_generation_roles_ai AFTER INSERT ON user_roles
BEGIN
    UPDATE name_generation SET principals = random() WHERE id = 1;
END;
CREATE TRIGGER principal_generation_roles_au AFTER UPDATE ON user_roles
BEGIN
    UPDATE name_generation SET principals = random() WHERE id = 1;
END;
CREATE TRIGGER principal_generation_roles_ad AFTER DELETE ON user_roles
BEGIN
    UPDATE name_generation SET principals = random() WHERE id = 1;
END;
CREATE TRIGGER principal_generation_portfolio_ai AFTER INSERT ON leader_portfolio
BEGIN
    UPDATE name_generation SET principals = random() WHERE id = 1;
END;
CREATE TRIGGER principal_generation_portfolio_au AFTER UPDATE ON leader_portfolio
BEGIN
    UPDATE name_generation SET principals = random() WHERE id = 1;
END;
CREATE TRIGGER principal_generation_portfolio_ad AFTER DELETE ON leader_portfolio
BEGIN
    UPDATE name_generation SET principals = random() WHERE id = 1;
END;
CREATE TRIGGER principal_generation_units_au AFTER UPDATE OF path, code, name ON units
    WHEN OLD.path IS NOT NEW.path OR OLD.code IS NOT NEW.code OR OLD.name IS NOT NEW.name
BEGIN
    UPDATE name_generation SET principals = random() WHERE id = 1;
END;
CREATE TRIGGER principal_generation_units_ad AFTER DELETE ON units
BEGIN
    UPDATE name_generation SET principals = random() WHERE id = 1;
END;
