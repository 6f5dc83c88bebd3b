-- 0177: a criticism (通报批评) names a unit that must rectify (限期整改, Jiangsu 004_…; 条例 Art. 19): the
-- unit reports its rectification through the results' workflow and the office reviews it. rectify_due is the
-- unit's deadline to report (the draft's own, else fixed at issue by the rule); NULL for the records issued
-- before, which ask nothing of their unit. rectification: the unit's report as last submitted;
-- rectified_at: when; rectify_escalated: the deadline ladder's last step was taken (reported to the principal
-- leader).
ALTER TABLE results ADD COLUMN rectify_due TEXT;
ALTER TABLE results ADD COLUMN rectification TEXT;
ALTER TABLE results ADD COLUMN rectified_at TEXT;
ALTER TABLE results ADD COLUMN rectify_escalated INTEGER NOT NULL DEFAULT 0;
