-- 0011: how many to-dos each assignee has per object kind and due date (src/workflow/todos.c keeps it
-- in the transaction that writes the to-dos), so that the counts per kind and light of
-- GET /api/v1/todos read one row per due date, not one per to-do.
CREATE TABLE todo_counts (
    assignee TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_key TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (assignee, kind, due_key)
);
INSERT INTO todo_counts (assignee, kind, due_key, n)
    SELECT assignee, kind, due_key, COUNT(*) FROM todos GROUP BY assignee, kind, due_key;
