-- 0002: supervision items (督办事项): the item, one track per responsible unit, the timeline,
-- progress reports, extensions, suspensions, attachments and the bigram index of the ledger search.
-- Unit paths are copied onto items and tracks so that visibility and "unit incl. subtree" filters
-- are range scans on indexes (a unit move rewrites them: see units_update).

CREATE TABLE items (
    id {{ID}},
    number TEXT,                              -- 古督〔2026〕15号, assigned at registration (submit)
    num_year INTEGER,
    num_seq INTEGER,
    title TEXT NOT NULL,
    requirement TEXT NOT NULL DEFAULT '',
    source_kind TEXT NOT NULL,
    source_ref TEXT NOT NULL DEFAULT '',      -- document number, meeting, instruction
    source_date TEXT,                         -- YYYY-MM-DD
    office_unit_id BIGINT NOT NULL REFERENCES units (id),
    office_path TEXT {{BYTEWISE}} NOT NULL,   -- where the registering office's role is held
    lead_unit_id BIGINT NOT NULL REFERENCES units (id),
    lead_path TEXT {{BYTEWISE}} NOT NULL,
    leader_id BIGINT REFERENCES users (id),
    importance TEXT NOT NULL DEFAULT 'general' CHECK (importance IN ('general', 'major')),
    kind TEXT NOT NULL DEFAULT 'once' CHECK (kind IN ('once', 'ongoing', 'annual')),
    due_date TEXT NOT NULL,                   -- YYYY-MM-DD, local
    confidentiality TEXT NOT NULL DEFAULT 'internal' CHECK (confidentiality IN ('public', 'internal')),
    tags TEXT NOT NULL DEFAULT '',            -- ",tag1,tag2," (empty: no tags)
    state TEXT NOT NULL,
    resume_state TEXT,                        -- the state a suspended item returns to
    parent_id BIGINT REFERENCES items (id),
    progress INTEGER NOT NULL DEFAULT 0,
    grade TEXT,
    escalated INTEGER NOT NULL DEFAULT 0,
    year INTEGER NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX items_number ON items (office_unit_id, num_year, num_seq);
CREATE INDEX items_office ON items (office_path, state, due_date);
CREATE INDEX items_lead ON items (lead_path, state);
CREATE INDEX items_state_due ON items (state, due_date);
CREATE INDEX items_parent ON items (parent_id);
CREATE INDEX items_leader ON items (leader_id);

-- each responsible unit's own track (主办 lead / 协办 co)
CREATE TABLE item_tracks (
    id {{ID}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('lead', 'co')),
    state TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    received_at TEXT,
    received_by BIGINT,
    plan_text TEXT,
    plan_date TEXT,
    reply_text TEXT,
    reply_by BIGINT,
    signed_by BIGINT,
    signed_at TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (item_id, unit_id)
);
CREATE INDEX item_tracks_path ON item_tracks (unit_path, item_id);

-- the timeline: every transition, report, review, comment
CREATE TABLE item_events (
    id {{ID}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,                       -- transition, report, review, comment, attachment, notice
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    track_id BIGINT,
    unit_id BIGINT,
    note TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX item_events_item ON item_events (item_id, id);

CREATE TABLE item_reports (
    id {{ID}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    track_id BIGINT NOT NULL REFERENCES item_tracks (id),
    unit_id BIGINT NOT NULL,
    text TEXT NOT NULL,
    percent INTEGER NOT NULL,
    created_by BIGINT,
    created_at TEXT NOT NULL,
    review TEXT NOT NULL DEFAULT 'pending' CHECK (review IN ('pending', 'accepted', 'redo')),
    review_note TEXT NOT NULL DEFAULT '',
    reviewed_by BIGINT,
    reviewed_at TEXT
);
CREATE INDEX item_reports_item ON item_reports (item_id, id);

CREATE TABLE item_extensions (
    id {{ID}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    track_id BIGINT,
    reason TEXT NOT NULL,
    old_date TEXT NOT NULL,
    new_date TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'refused')),
    requested_by BIGINT,
    requested_at TEXT NOT NULL,
    decided_by BIGINT,
    decided_at TEXT,
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX item_extensions_item ON item_extensions (item_id, state);

-- suspended periods (中止/挂账): the deadline module shifts milestones by them
CREATE TABLE item_suspensions (
    id {{ID}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    reason TEXT NOT NULL,
    started_by BIGINT,
    ended_by BIGINT
);
CREATE INDEX item_suspensions_item ON item_suspensions (item_id, started_at);

CREATE TABLE attachments (
    id {{ID}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    report_id BIGINT REFERENCES item_reports (id),
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    hash TEXT NOT NULL,                       -- SM3 of the content; the file's name under data_dir
    content_type TEXT NOT NULL,
    created_by BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX attachments_item ON attachments (item_id, id);

-- overlapping character bigrams of number, title and requirement (ledger full-text search)
CREATE TABLE item_grams (
    gram TEXT {{BYTEWISE}} NOT NULL,
    item_id BIGINT NOT NULL REFERENCES items (id),
    PRIMARY KEY (gram, item_id)
);
CREATE INDEX item_grams_item ON item_grams (item_id);
