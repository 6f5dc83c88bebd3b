-- 0151: bulletins (督查通报, src/results/bulletin*.c): generated from the items of one government for a
-- period and a scope (a unit's subtree); the office edits the words (intro, remarks), the figures are the
-- data's (kept as the snapshot the words were written against, re-checked at issue); numbered, approved by
-- the principal leader, issued with the office's seal. home_path and scope_path are copies of unit paths
-- (registered with the units module).
CREATE TABLE bulletins (
    id {{ID}},
    number TEXT,                              -- 古督通〔2026〕2号, at issue
    num_year INTEGER,
    num_seq INTEGER,
    title TEXT NOT NULL,
    addressees TEXT NOT NULL,                 -- 主送, e.g. 各乡镇人民政府，县政府各部门
    intro TEXT NOT NULL DEFAULT '',           -- the office's opening words
    remarks TEXT NOT NULL DEFAULT '',         -- the office's words after the figures (good practice, requirements)
    period_from TEXT NOT NULL,                -- YYYY-MM-DD, local
    period_to TEXT NOT NULL,
    office_unit_id BIGINT NOT NULL REFERENCES units (id),
    home_path TEXT {{BYTEWISE}} NOT NULL,
    scope_unit_id BIGINT NOT NULL REFERENCES units (id),
    scope_path TEXT {{BYTEWISE}} NOT NULL,
    figures TEXT NOT NULL DEFAULT '{}',       -- the figures the words were written against (JSON)
    figures_at TEXT NOT NULL,                 -- when they were counted
    state TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    approved_by BIGINT REFERENCES users (id),
    approved_at TEXT,
    issued_at TEXT,
    issued_on TEXT,                           -- 成文日期 (local date of the issue)
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX bulletins_number ON bulletins (office_unit_id, num_year, num_seq);
CREATE INDEX bulletins_home ON bulletins (home_path, id);
CREATE INDEX bulletins_scope ON bulletins (scope_path, state, id);

-- the praise and criticism records (results) a bulletin names, in the office's order
CREATE TABLE bulletin_results (
    bulletin_id BIGINT NOT NULL REFERENCES bulletins (id),
    result_id BIGINT NOT NULL REFERENCES results (id),
    pos INTEGER NOT NULL,
    PRIMARY KEY (bulletin_id, result_id)
);

CREATE TABLE bulletin_events (
    id {{ID}},
    bulletin_id BIGINT NOT NULL REFERENCES bulletins (id),
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    note TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX bulletin_events_bulletin ON bulletin_events (bulletin_id, id);
