-- 0058: how many to-dos each assignee has per object kind and light (red, yellow, green, none) by the dates of
-- todo_light_dates, so that the counts of GET /api/v1/todos read a row per kind and light instead of
-- todo_counts' row per kind and due date (a province office: some 670 rows a request). Kept with todo_counts in
-- the same transaction (src/workflow/todos.c count_add); workflow_todo_lights_refresh moves the dates to today's
-- (each scheduler pass, a moved clock) and recolours the due dates between the old and the new dates, found
-- through todo_counts_due. The dates start before every due date: every dated to-do green until the first refresh.
CREATE TABLE todo_light_dates (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    today TEXT NOT NULL,
    yellow TEXT NOT NULL
);
INSERT INTO todo_light_dates (id, today, yellow) VALUES (1, '0000-00-00', '0000-00-00');
CREATE TABLE todo_lights (
    assignee TEXT NOT NULL,
    kind TEXT NOT NULL,
    light TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (assignee, kind, light)
);
CREATE INDEX todo_counts_due ON todo_counts (due_key);
INSERT INTO todo_lights (assignee, kind, light, n)
    SELECT assignee, kind, CASE WHEN due_key = '9999-12-31' THEN 'none' ELSE 'green' END, SUM(n)
    FROM todo_counts GROUP BY assignee, kind, 3;
