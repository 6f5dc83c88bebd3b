-- 0075: the presets count their limits in the unit their source writes (DOMAIN.md §4): 古政办发〔2021〕52号
-- writes 1日、1天、7天、10天 — calendar days — where 0004 installed working days. A table still on a
-- preset (rules_preset gu13710 or yangquan: any edit makes it 'custom') is rewritten to the preset's
-- current rows; a custom table is the deployment's own and is kept. Milestones already computed keep
-- their due days.
UPDATE deadline_rules SET unit = 'days', note = '督办通知发出后1日内确认送达'
 WHERE milestone = 'receipt' AND unit = 'workdays' AND amount = 1 AND note = '通知发出后1个工作日内确认签收'
   AND (SELECT value FROM settings WHERE key = 'rules_preset') IN ('gu13710', 'yangquan');
UPDATE deadline_rules SET unit = 'days', note = '1天内研究部署（13710）'
 WHERE milestone = 'deployment' AND unit = 'workdays' AND note = '签收后1个工作日内研究部署（13710）'
   AND (SELECT value FROM settings WHERE key = 'rules_preset') = 'gu13710';
UPDATE deadline_rules SET unit = 'days', note = '7天内向县政府反馈办理情况'
 WHERE milestone = 'first_feedback' AND unit = 'workdays' AND note = '7个工作日内首次书面反馈'
   AND (SELECT value FROM settings WHERE key = 'rules_preset') = 'gu13710';
UPDATE deadline_rules SET unit = 'days', note = '一般性问题原则上10天内落实'
 WHERE milestone = 'resolution' AND unit = 'workdays' AND note = '一般问题10个工作日内办结'
   AND (SELECT value FROM settings WHERE key = 'rules_preset') = 'gu13710';
UPDATE deadline_rules SET note = '重大问题复杂问题1个月内落实解决'
 WHERE milestone = 'resolution' AND importance = 'major' AND note = '重大复杂问题1个月内办结'
   AND (SELECT value FROM settings WHERE key = 'rules_preset') = 'gu13710';
UPDATE deadline_rules SET unit = 'days'
 WHERE unit = 'workdays' AND milestone IN ('deployment', 'first_feedback', 'resolution')
   AND note IN ('1天内研究部署（阳泉13710）', '3天内反馈', '一般问题7天内办结')
   AND (SELECT value FROM settings WHERE key = 'rules_preset') = 'yangquan';
