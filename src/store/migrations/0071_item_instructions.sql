-- 0071: leaders' written instructions on items (领导批示) and their reading marks (圈阅), #15. An instruction
-- waits (state 'pending') until the office carries it out (落实) or registers a new item from it (new_item_id);
-- a reading mark is done when recorded. leader_id names a leader of the system; leader_name is kept as written
-- (a leader outside the system, e.g. of the Party committee, has only the name).
CREATE TABLE item_instructions (
    id {{ID}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    kind TEXT NOT NULL CHECK (kind IN ('instruction', 'circled')),
    leader_id BIGINT REFERENCES users (id),
    leader_name TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    instructed_on TEXT NOT NULL,
    attachment_id BIGINT REFERENCES attachments (id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    done_note TEXT NOT NULL DEFAULT '',
    done_by BIGINT,
    done_at TEXT,
    new_item_id BIGINT REFERENCES items (id),
    created_by BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX item_instructions_item ON item_instructions (item_id, state);
CREATE INDEX item_instructions_new_item ON item_instructions (new_item_id);
