-- 0270 (PostgreSQL): the to-do counts without a hot row. Every write that gives or takes a to-do of one assignee
-- (a county's 督查室: every registration, submit and withdrawal) upserted the same row of todo_counts and of
-- todo_lights and held it through its COMMIT — the WAL flush included —, so all writers of an office queued on
-- those rows one commit at a time (≈ 1 / (round trip + fsync), the ~150 writes/s of #16's benchmark). A count is
-- now spread over shards: a transaction writes the shard of its connection (pg_backend_pid() % 16, workflow/todos.c
-- count_add), readers sum the shards (they always summed per kind or light), and a shard may go below zero (a
-- to-do given on one connection and done on another); a shard's row at zero is deleted. SQLite writes shard 0.
ALTER TABLE todo_counts ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
ALTER TABLE todo_counts DROP CONSTRAINT todo_counts_pkey, ADD PRIMARY KEY (assignee, kind, due_key, shard);
ALTER TABLE todo_lights ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
ALTER TABLE todo_lights DROP CONSTRAINT todo_lights_pkey, ADD PRIMARY KEY (assignee, kind, light, shard);
