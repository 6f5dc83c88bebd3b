-- 0004: the default deadline rules: the "13710" preset of 古县 (古政办发〔2021〕52号) with the
-- report limits of 江苏省 (DOMAIN.md §4). The same rows as preset_gu in src/calendar/deadlines.c;
-- PUT /api/v1/rules {"preset":"yangquan"} switches to the 阳泉 variant.
INSERT INTO deadline_rules (source_kind, importance, item_kind, milestone, amount, unit, dates, base, note, sort) VALUES
    (NULL, NULL, NULL, 'receipt', 1, 'workdays', '', 'start', '通知发出后1个工作日内确认签收', 0),
    (NULL, NULL, NULL, 'deployment', 1, 'workdays', '', 'receipt', '签收后1个工作日内研究部署（13710）', 1),
    (NULL, NULL, NULL, 'first_feedback', 7, 'workdays', '', 'start', '7个工作日内首次书面反馈', 2),
    (NULL, NULL, NULL, 'resolution', 10, 'workdays', '', 'start', '一般问题10个工作日内办结', 3),
    (NULL, 'major', NULL, 'resolution', 1, 'months', '', 'start', '重大复杂问题1个月内办结', 4),
    ('meeting', NULL, NULL, 'resolution', 30, 'days', '', 'start', '重要会议、文件30日内报告落实情况', 5),
    ('major_decision', NULL, NULL, 'resolution', 30, 'days', '', 'start', '重大决策部署、重要文件30日内报告落实情况', 6),
    ('instruction', NULL, NULL, 'resolution', 30, 'days', '', 'start', '领导批示30日内办结并报告', 7),
    ('npc_cppcc', NULL, NULL, 'resolution', 3, 'months', '', 'start', '人大建议、政协提案3个月内答复', 8),
    (NULL, NULL, 'ongoing', 'periodic_report', 1, 'months', '', 'start', '常态化工作每月报告进展', 9),
    (NULL, NULL, 'annual', 'periodic_report', 0, 'dates', '07-15,10-15,01-15', 'start',
     '年度重点工作7月15日、10月15日、1月15日前报告', 10);
INSERT INTO settings (key, value) VALUES ('rules_preset', 'gu13710');
