-- 0170: the periodic report as a structured form (issue 12, 江苏 004: 30日内报告贯彻落实情况, quarterly reports
-- by 7/15, 10/15, 1/15, monthly progress summaries). A progress report that answers a report obligation
-- (implementation_report, periodic_report) names the milestone it closed and carries the form's fields
-- beside its text (progress this period) and percent: the problems met, the next steps, the support needed.
ALTER TABLE item_reports ADD COLUMN problems TEXT NOT NULL DEFAULT '';
ALTER TABLE item_reports ADD COLUMN next_steps TEXT NOT NULL DEFAULT '';
ALTER TABLE item_reports ADD COLUMN support TEXT NOT NULL DEFAULT '';
ALTER TABLE item_reports ADD COLUMN milestone_id BIGINT;
CREATE INDEX item_reports_milestone ON item_reports (milestone_id);
-- the roll-up reads report obligations by kind and due date
CREATE INDEX milestones_kind_due ON milestones (kind, due_date);
