-- 0172: the per-unit cap of inspections a year (减负: settings unit_cap) may be waived like the other caps, by
-- an exception with a reason approved by the principal leader: rule 'unit' joins insp_exceptions' rules.
ALTER TABLE insp_exceptions DROP CONSTRAINT insp_exceptions_rule_check;
ALTER TABLE insp_exceptions ADD CONSTRAINT insp_exceptions_rule_check CHECK (rule IN ('total', 'comprehensive', 'unit'));
