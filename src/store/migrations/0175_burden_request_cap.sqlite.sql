-- 0175: an item's 督办通知 past the per-unit cap of items a year (减负: settings request_cap) is sent only with a
-- reason, recorded as an exception of rule 'request' on the item (object_type 'item'). SQLite cannot change a CHECK
-- with ALTER TABLE: the stored definition is edited in place, as 0172 does; the index rebuilt below moves the
-- schema cookie on, so every other connection reloads it too.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, '''total'', ''comprehensive'', ''unit'')', '''total'', ''comprehensive'', ''unit'', ''request'')')
 WHERE type = 'table' AND name = 'insp_exceptions';
PRAGMA writable_schema = RESET;
DROP INDEX IF EXISTS insp_exceptions_office;
CREATE INDEX insp_exceptions_office ON insp_exceptions (office_unit_id, year);
