-- 0301: a clue may come from a grassroots contact point (source 'contact_point', 0300). The CHECK edited in place
-- as 0296 does.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, '''public'', ''transfer'', ''staff'')', '''public'', ''transfer'', ''staff'', ''contact_point'')')
 WHERE type = 'table' AND name = 'clues';
PRAGMA writable_schema = RESET;
-- the index rebuilt moves the schema cookie on, so that every other connection reloads the schema (0152)
DROP INDEX IF EXISTS clues_contact_point;
CREATE INDEX clues_contact_point ON clues (contact_point_id, id);
