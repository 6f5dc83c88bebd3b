-- 0200: clues (线索) from the public (互联网+督查), from staff and transferred from above (issue 18,
-- src/clues): the clue, its reporter apart (条例 Art. 26), its verifications (线索核查), photos
-- stripped of their metadata, its timeline, and the spent challenges of the public pages.
-- Unit paths are copied (office, area, unit concerned, verifier) for range-scan visibility and
-- filters; a unit move rewrites them (units_register_path_copy in clue_deadlines.c).

CREATE TABLE clues (
    id {{ID}},
    number TEXT NOT NULL,                       -- 古线〔2026〕12号: one sequence per office and year
    tracking_digest TEXT NOT NULL,              -- SHA-256 of the reporter's tracking code (never the code)
    office_unit_id BIGINT NOT NULL REFERENCES units (id),   -- home: the government whose office handles it
    office_path TEXT {{BYTEWISE}} NOT NULL,
    area_unit_id BIGINT NOT NULL REFERENCES units (id),     -- the administrative area the reporter chose
    area_path TEXT {{BYTEWISE}} NOT NULL,
    place TEXT NOT NULL DEFAULT '',             -- free text: street, village, shop …
    category TEXT NOT NULL,
    title TEXT NOT NULL,                        -- what lists, to-dos and messages show (no identity)
    description TEXT NOT NULL,                  -- as reported: the office alone
    summary TEXT NOT NULL,                      -- what a verifier sees (the office may redact)
    source TEXT NOT NULL CHECK (source IN ('public', 'transfer', 'staff')),
    origin_platform TEXT NOT NULL DEFAULT '',   -- transfers: e.g. 国务院“互联网+督查”平台
    origin_number TEXT,                         -- transfers: the number given above
    origin_due_date TEXT,                       -- transfers: when the answer is due above
    anonymous INTEGER NOT NULL DEFAULT 1,
    unit_id BIGINT REFERENCES units (id),       -- the unit concerned, named at triage
    unit_path TEXT {{BYTEWISE}},
    state TEXT NOT NULL,
    due_date TEXT,                              -- the verification's due date while verifying
    merged_into BIGINT REFERENCES clues (id),
    dup_of BIGINT REFERENCES clues (id),        -- the most alike earlier clue when it came in (a hint)
    dup_score DOUBLE PRECISION,
    item_id BIGINT REFERENCES items (id),       -- converted into this item
    inspection_id BIGINT,                       -- converted into this inspection (src/inspections)
    close_reason TEXT,
    public_reply TEXT,                          -- the last reply the reporter sees
    photos INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX clues_tracking ON clues (tracking_digest);
CREATE UNIQUE INDEX clues_number ON clues (office_unit_id, number);
CREATE UNIQUE INDEX clues_origin ON clues (office_unit_id, origin_number);
CREATE INDEX clues_office ON clues (office_path, state, id);
CREATE INDEX clues_area ON clues (office_unit_id, area_path, id);
CREATE INDEX clues_item ON clues (item_id);
CREATE INDEX clues_merged ON clues (merged_into);

-- the reporter, apart from the clue: read by one function, for the clue's supervision office alone;
-- sealed (AES-256-GCM under a key derived from secret_key) as "v1.…", or "p:" + JSON without a key
CREATE TABLE clue_reporters (
    clue_id BIGINT PRIMARY KEY REFERENCES clues (id),
    sealed TEXT NOT NULL
);

-- 线索核查: one row per assignment; the one in state verifying is the part the verifier's rows act on
CREATE TABLE clue_verifications (
    id {{ID}},
    clue_id BIGINT NOT NULL REFERENCES clues (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('verifying', 'verified', 'recalled')),
    request TEXT NOT NULL DEFAULT '',           -- the office's 核查要求
    due_date TEXT NOT NULL,
    finding TEXT CHECK (finding IN ('substantiated', 'partly', 'unsubstantiated')),
    report TEXT,
    reported_by BIGINT REFERENCES users (id),
    reported_at TEXT,
    assigned_by BIGINT REFERENCES users (id),
    assigned_at TEXT NOT NULL
);
CREATE INDEX clue_verifications_clue ON clue_verifications (clue_id, id);
CREATE INDEX clue_verifications_unit ON clue_verifications (unit_path, state);

-- photos, stored by content under data_dir/clues without location or other metadata
CREATE TABLE clue_photos (
    id {{ID}},
    clue_id BIGINT NOT NULL REFERENCES clues (id),
    sm3 TEXT NOT NULL,
    size BIGINT NOT NULL,
    type TEXT NOT NULL,
    had_location INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX clue_photos_clue ON clue_photos (clue_id, id);

-- the timeline; public rows are what the reporter's tracking page shows
CREATE TABLE clue_events (
    id {{ID}},
    clue_id BIGINT NOT NULL REFERENCES clues (id),
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    unit_id BIGINT,
    note TEXT NOT NULL DEFAULT '',
    public INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX clue_events_clue ON clue_events (clue_id, id);

-- the public pages' spent challenges (core/pow.c): a nonce is accepted once
CREATE TABLE public_challenges (
    nonce TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX public_challenges_expiry ON public_challenges (expires_at);
