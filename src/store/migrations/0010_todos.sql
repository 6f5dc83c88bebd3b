-- 0010: the to-dos (src/workflow/todos.c): who must act on which object now, one row per
-- (object, part, task, assignee), written in the transaction of every transition. The assignee is
-- 'r:<role>:<unit id>' (everyone holding that role at that unit) or 'u:<user id>' (a named person).
-- A user's page is an index range per key they answer to: (assignee, due_key, id).
CREATE TABLE todos (
    id {{ID}},
    assignee TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    part TEXT NOT NULL,
    task TEXT NOT NULL,
    label TEXT NOT NULL,
    number TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    unit_id BIGINT NOT NULL DEFAULT 0,
    unit_name TEXT NOT NULL DEFAULT '',
    due_key TEXT NOT NULL,
    since TEXT NOT NULL
);
CREATE UNIQUE INDEX todos_key ON todos (kind, object_id, part, task, assignee);
CREATE INDEX todos_queue ON todos (assignee, due_key, id);
CREATE INDEX todos_kind ON todos (assignee, kind, due_key, id);
-- the objects that exist already get their to-dos at the next start (workflow_todos_rebuild)
INSERT INTO settings (key, value) VALUES ('todos_rebuild', '1');
