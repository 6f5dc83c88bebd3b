-- 0150: using the results (结果运用, src/results): praise (通报表扬), criticism (通报批评), admonition
-- talks (约谈), accountability proposals (问责建议) and referrals (移送) as records on the workflow engine;
-- each rests on items (result_links) and concerns one unit. Unit paths are copied (home_path: the
-- government whose office drafts it; unit_path: the unit concerned) so that visibility is a range scan
-- (registered with the units module: a move rewrites them).
CREATE TABLE results (
    id {{ID}},
    kind TEXT NOT NULL CHECK (kind IN ('praise', 'criticism', 'talk', 'accountability', 'referral')),
    number TEXT,                              -- 古督批〔2026〕3号, at issue
    num_year INTEGER,
    num_seq INTEGER,
    title TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',         -- the facts and the decision, as issued
    office_unit_id BIGINT NOT NULL REFERENCES units (id),
    home_path TEXT {{BYTEWISE}} NOT NULL,     -- where the drafting office's role is held
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    person TEXT NOT NULL DEFAULT '',          -- the person concerned (被约谈人, 被问责人 …)
    recipient TEXT NOT NULL DEFAULT '',       -- accountability / referral: the body it goes to
    referral_to TEXT CHECK (referral_to IN ('supervision', 'judicial')),
    talk_by TEXT NOT NULL DEFAULT '',         -- 约谈人
    talk_at TEXT,                             -- YYYY-MM-DDTHH:MM (local), planned
    talk_place TEXT NOT NULL DEFAULT '',
    talk_record TEXT,                         -- 约谈记录, once held
    held_at TEXT,
    follow_up TEXT,                           -- 整改跟踪 (talks) or the outcome reported back (accountability, referral)
    state TEXT NOT NULL,
    year INTEGER NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    approved_by BIGINT REFERENCES users (id),
    approved_at TEXT,
    issued_at TEXT,
    closed_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX results_number ON results (office_unit_id, kind, num_year, num_seq);
CREATE INDEX results_home ON results (home_path, id);
CREATE INDEX results_unit ON results (unit_path, state, id);

-- what a result rests on: items today (object_kind 'item'), inspections when they exist
CREATE TABLE result_links (
    result_id BIGINT NOT NULL REFERENCES results (id),
    object_kind TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    PRIMARY KEY (result_id, object_kind, object_id)
);
CREATE INDEX result_links_object ON result_links (object_kind, object_id);

-- the timeline of a result: creation, edits and every transition
CREATE TABLE result_events (
    id {{ID}},
    result_id BIGINT NOT NULL REFERENCES results (id),
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
CREATE INDEX result_events_result ON result_events (result_id, id);
