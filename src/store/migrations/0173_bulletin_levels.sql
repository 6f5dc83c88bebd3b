-- 0173: a bulletin's levels (统计层级, issue 12): the items, inspections and rectification tasks of its own
-- government (own, 本级: what every bulletin counted before) or of its government and every government below it
-- (below, 本级及下级: a province reporting on its cities and counties counts what their offices registered).
-- Chosen in the draft, counted again at submission and issue like the rest of the figures.
ALTER TABLE bulletins ADD COLUMN levels TEXT NOT NULL DEFAULT 'own' CHECK (levels IN ('own', 'below'));
