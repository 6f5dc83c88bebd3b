-- 0172: the per-unit cap of inspections a year (减负: settings unit_cap) may be waived like the other caps, by
-- an exception with a reason approved by the principal leader: rule 'unit' joins insp_exceptions' rules. SQLite
-- cannot change a CHECK with ALTER TABLE: the stored definition is edited in place, as 0152 does (the rows'
-- format is unchanged); RESET reloads this connection's schema and the index rebuilt below moves the schema
-- cookie on, so every other connection reloads it too.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, '''total'', ''comprehensive'')', '''total'', ''comprehensive'', ''unit'')')
 WHERE type = 'table' AND name = 'insp_exceptions';
PRAGMA writable_schema = RESET;
DROP INDEX IF EXISTS insp_exceptions_office;
CREATE INDEX insp_exceptions_office ON insp_exceptions (office_unit_id, year);
