-- 0158: the bulletin draft's section 预警提示 (early warning, src/results/warnings.c): the items at risk per unit
-- of the bulletin's government and scope, counted from the kept flags with the other figures (figures.warnings)
-- and counted again at submission and issue. The office keeps or drops the section (warning_section); the
-- bulletins drafted before have none.
ALTER TABLE bulletins ADD COLUMN warning_section INTEGER NOT NULL DEFAULT 0;
