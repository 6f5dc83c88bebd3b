-- 0270 (SQLite; see 0270_todo_count_shards.postgres.sql): the to-do counts get a shard in their keys, so that the
-- two databases share the statements. SQLite's writers are serialised anyway: every count here is in shard 0.
CREATE TABLE todo_counts_new (
    assignee TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_key TEXT NOT NULL,
    shard INTEGER NOT NULL DEFAULT 0,
    n BIGINT NOT NULL,
    PRIMARY KEY (assignee, kind, due_key, shard)
);
INSERT INTO todo_counts_new (assignee, kind, due_key, shard, n) SELECT assignee, kind, due_key, 0, n FROM todo_counts;
DROP TABLE todo_counts;
ALTER TABLE todo_counts_new RENAME TO todo_counts;
CREATE INDEX todo_counts_due ON todo_counts (due_key);
CREATE TABLE todo_lights_new (
    assignee TEXT NOT NULL,
    kind TEXT NOT NULL,
    light TEXT NOT NULL,
    shard INTEGER NOT NULL DEFAULT 0,
    n BIGINT NOT NULL,
    PRIMARY KEY (assignee, kind, light, shard)
);
INSERT INTO todo_lights_new (assignee, kind, light, shard, n) SELECT assignee, kind, light, 0, n FROM todo_lights;
DROP TABLE todo_lights;
ALTER TABLE todo_lights_new RENAME TO todo_lights;
