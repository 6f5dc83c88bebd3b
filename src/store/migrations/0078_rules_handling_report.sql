-- 0078: 江苏's rule for 人大代表建议 and 政协提案 has two limits: "承办单位一般在交办后3个月内答复建议提案人" (the
-- resolution, 0004) "并在当年办理任务完成后20日内向交办单位报告办理情况" — a report obligation the completion starts
-- (milestone handling_report, counted from base 'completion', calendar days as the text writes 日). A table still
-- on a preset (rules_preset gu13710 or yangquan, the default when unset: any edit makes it 'custom') gets the
-- presets' row, next to the resolution rule it follows; a custom table is the deployment's own and is kept.
INSERT INTO deadline_rules (source_kind, importance, item_kind, milestone, amount, unit, dates, base, note, sort)
SELECT 'npc_cppcc', NULL, NULL, 'handling_report', 20, 'days', '', 'completion',
       '人大建议、政协提案办理任务完成后20日内向交办单位报告办理情况',
       COALESCE((SELECT MAX(sort) FROM deadline_rules WHERE source_kind = 'npc_cppcc' AND milestone = 'resolution'), 0)
 WHERE COALESCE((SELECT value FROM settings WHERE key = 'rules_preset'), 'gu13710') IN ('gu13710', 'yangquan')
   AND NOT EXISTS (SELECT 1 FROM deadline_rules WHERE milestone = 'handling_report');
