-- 0077: report obligations (DOMAIN.md §4): 江苏's "important meetings and documents: 30日内报告贯彻落实情况" is
-- a report the unit owes (milestone implementation_report, answered by its progress report), not the deadline
-- for completing the work, which 0004 made it. The milestone kinds are known to the code (src/deadlines/rules.c
-- checks every rule saved), so the rule table no longer lists them in a CHECK: a new kind needs no migration.
ALTER TABLE deadline_rules DROP CONSTRAINT IF EXISTS deadline_rules_milestone_check;
-- a table still on a preset (any edit makes it 'custom') gets the presets' rows
UPDATE deadline_rules SET milestone = 'implementation_report', note = '重要会议、文件30日内报告贯彻落实情况'
 WHERE source_kind = 'meeting' AND milestone = 'resolution' AND amount = 30 AND unit = 'days'
   AND (SELECT value FROM settings WHERE key = 'rules_preset') IN ('gu13710', 'yangquan');
UPDATE deadline_rules SET milestone = 'implementation_report', note = '重大决策部署、重要文件30日内报告贯彻落实情况'
 WHERE source_kind = 'major_decision' AND milestone = 'resolution' AND amount = 30 AND unit = 'days'
   AND (SELECT value FROM settings WHERE key = 'rules_preset') IN ('gu13710', 'yangquan');
