-- 0296: policy advice (政策建议, kind 'advice': 辅政建言 — adjusting or improving a normative document or policy
-- measure an inspection found unsuitable) joins the kinds of results. The CHECK edited in place as 0152 does.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, '''referral'', ''tolerance'')', '''referral'', ''tolerance'', ''advice'')')
 WHERE type = 'table' AND name = 'results';
PRAGMA writable_schema = RESET;
DROP INDEX IF EXISTS results_unit;
CREATE INDEX results_unit ON results (unit_path, state, id);
