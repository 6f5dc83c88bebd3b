-- 0175: an item's 督办通知 past the per-unit cap of items a year (减负: settings request_cap) is sent only with a
-- reason, recorded as an exception of rule 'request' on the item (object_type 'item').
ALTER TABLE insp_exceptions DROP CONSTRAINT insp_exceptions_rule_check;
ALTER TABLE insp_exceptions ADD CONSTRAINT insp_exceptions_rule_check
    CHECK (rule IN ('total', 'comprehensive', 'unit', 'request'));
