-- 0020: deadlines by owner. Milestones belonged to items (item_id); now to any object that has
-- deadlines, named by (owner_kind, owner_id): 'item' for every existing row. SQLite cannot change a
-- table's UNIQUE constraint, so the table is rebuilt with the same ids (milestone_steps, outbox rows
-- and audit records refer to them) and its steps are copied along.
CREATE TABLE milestones_new (
    id {{ID}},
    owner_kind TEXT NOT NULL,               -- the kind of object: 'item' (its workflow's name)
    owner_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL DEFAULT 0,      -- the responsible unit's part; 0: the object as a whole
    scope_path TEXT {{BYTEWISE}} NOT NULL,  -- that unit's path (permissions, recipients); moves with it
    kind TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 1,
    due_date TEXT NOT NULL,
    rule_id BIGINT,
    overridden INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'cancelled')),
    done_at TEXT,
    done_late INTEGER NOT NULL DEFAULT 0,
    paused_at BIGINT,
    step INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (owner_kind, owner_id, unit_id, kind, seq)
);
INSERT INTO milestones_new (id, owner_kind, owner_id, unit_id, scope_path, kind, seq, due_date, rule_id, overridden,
                            reason, state, done_at, done_late, paused_at, step, flagged, next_at, created_at, version)
    SELECT id, 'item', item_id, unit_id, scope_path, kind, seq, due_date, rule_id, overridden, reason, state, done_at,
           done_late, paused_at, step, flagged, next_at, created_at, version FROM milestones;
CREATE TABLE milestone_steps_new (
    milestone_id BIGINT NOT NULL REFERENCES milestones_new (id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (milestone_id, step)
);
INSERT INTO milestone_steps_new (milestone_id, step, at, detail)
    SELECT milestone_id, step, at, detail FROM milestone_steps;
DROP TABLE milestone_steps;
DROP TABLE milestones;
ALTER TABLE milestones_new RENAME TO milestones;
ALTER TABLE milestone_steps_new RENAME TO milestone_steps;
CREATE INDEX milestones_next ON milestones (next_at);
