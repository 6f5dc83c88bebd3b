-- 0152: error tolerance (容错认定, kind 'tolerance') joins the kinds of results. SQLite cannot change a
-- CHECK with ALTER TABLE: the table's stored definition is edited in place, as 0021 does for the outbox
-- (lang_altertable.html, section 7: the rows' format is unchanged); RESET reloads this connection's schema
-- and the index rebuilt below moves the schema cookie on, so every other connection reloads it too.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, '''accountability'', ''referral'')', '''accountability'', ''referral'', ''tolerance'')')
 WHERE type = 'table' AND name = 'results';
PRAGMA writable_schema = RESET;
DROP INDEX IF EXISTS results_unit;
CREATE INDEX results_unit ON results (unit_path, state, id);
