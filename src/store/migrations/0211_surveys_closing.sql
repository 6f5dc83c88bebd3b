-- 0211: the scheduler closes open surveys once their closing day has ended (surveys_sched,
-- src/clues/survey_workflow.c); it finds them through this index, not by reading every survey.

CREATE INDEX surveys_closing ON surveys (closes_on, id) WHERE state = 'open';
