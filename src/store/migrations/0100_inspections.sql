-- 0100: inspections (督查检查, DOMAIN.md §6, §10): the annual plan with the departments' proposals,
-- the caps' recorded exceptions, the inspection with its origins, organisers, targets, team and
-- 督查方案, field records and evidence, findings and their rectification tasks (整改), look-backs,
-- reviews (复核), the inspector roster with training records, third-party evaluations, one timeline
-- for all of them, and the index the no-duplication check reads. Unit paths are copied where
-- visibility or filters need a range scan (registered with the units module for moves).

-- 年度督查计划: one per office (the government whose 督查室 compiles it) and year
CREATE TABLE insp_plans (
    id {{ID}},
    office_unit_id BIGINT NOT NULL REFERENCES units (id),
    office_path TEXT {{BYTEWISE}} NOT NULL,
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    baseline INTEGER,                 -- last year's total declared when ducha holds no record of it
    baseline_note TEXT NOT NULL DEFAULT '',
    proposals_due TEXT,               -- YYYY-MM-DD: the departments' proposals are wanted by then
    approved_by BIGINT REFERENCES users (id),
    approved_at TEXT,
    filed_at TEXT,
    filed_to BIGINT REFERENCES units (id),
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (office_unit_id, year)
);
CREATE INDEX insp_plans_office ON insp_plans (office_path, year);

-- a department's (or the office's own) proposal for the plan: what an inspection would be
CREATE TABLE insp_entries (
    id {{ID}},
    plan_id BIGINT NOT NULL REFERENCES insp_plans (id),
    subject TEXT NOT NULL,
    matters TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    methods TEXT NOT NULL DEFAULT ',',      -- ",onsite,covert," (every method between commas)
    organiser_unit_id BIGINT NOT NULL REFERENCES units (id),
    organiser_path TEXT {{BYTEWISE}} NOT NULL,
    co_organisers TEXT NOT NULL DEFAULT ',', -- ",12,45," further organising units (joint inspection)
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('proposed', 'included', 'rejected', 'withdrawn', 'merged')),
    merged_into BIGINT REFERENCES insp_entries (id),
    exception_reason TEXT,                   -- the comprehensive-once rule waived (approved with the plan)
    decision_note TEXT NOT NULL DEFAULT '',
    inspection_id BIGINT,                    -- the inspection opened from it
    proposed_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX insp_entries_plan ON insp_entries (plan_id, id);
CREATE INDEX insp_entries_organiser ON insp_entries (organiser_path);

CREATE TABLE insp_entry_targets (
    entry_id BIGINT NOT NULL REFERENCES insp_entries (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    PRIMARY KEY (entry_id, unit_id)
);

-- 督查 (inspection)
CREATE TABLE inspections (
    id {{ID}},
    number TEXT,                             -- 古督查〔2026〕3号, at opening
    num_year INTEGER,
    num_seq INTEGER,
    office_unit_id BIGINT NOT NULL REFERENCES units (id),   -- home: the government whose office runs it
    office_path TEXT {{BYTEWISE}} NOT NULL,
    year INTEGER NOT NULL,
    subject TEXT NOT NULL,
    matters TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    methods TEXT NOT NULL DEFAULT ',',
    covert INTEGER NOT NULL DEFAULT 0,       -- 暗访: secret from the targets until the findings are issued
    basis TEXT NOT NULL,                     -- Art. 11: decision, instruction, proposal, plan, lookback
    basis_ref TEXT NOT NULL DEFAULT '',
    plan_entry_id BIGINT REFERENCES insp_entries (id),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    designation TEXT NOT NULL DEFAULT '',    -- Art. 7: the government's designation of a department
    entrusted_unit_id BIGINT REFERENCES units (id),          -- 委托
    task_force INTEGER NOT NULL DEFAULT 0,   -- 督查专班
    scheme_content TEXT NOT NULL DEFAULT '', -- 督查方案: content
    scheme_scope TEXT NOT NULL DEFAULT '',   -- 督查方案: scope
    scheme_approved_at TEXT,                 -- scope and targets frozen from then on
    scheme_approved_by BIGINT REFERENCES users (id),
    team_leader_id BIGINT REFERENCES users (id),
    state TEXT NOT NULL,
    merged_into BIGINT REFERENCES inspections (id),
    filed_at TEXT,
    filed_to BIGINT REFERENCES units (id),
    started_at TEXT,
    findings_issued_at TEXT,
    conclusion_number TEXT,
    conclusion_text TEXT,
    conclusion_date TEXT,
    conclusion_by BIGINT REFERENCES users (id),
    report_text TEXT,
    report_sent_at TEXT,
    closed_at TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX inspections_number ON inspections (office_unit_id, num_year, num_seq);
CREATE INDEX inspections_office ON inspections (office_path, year, state);
CREATE INDEX inspections_entry ON inspections (plan_entry_id);

-- the targets (督查对象); state: the target's own part once the conclusion is issued
CREATE TABLE insp_targets (
    id {{ID}},
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    state TEXT NOT NULL DEFAULT 'target',
    received_at TEXT,
    received_by BIGINT REFERENCES users (id),
    added_at TEXT NOT NULL,
    UNIQUE (inspection_id, unit_id)
);
CREATE INDEX insp_targets_path ON insp_targets (unit_path, inspection_id);

-- the organising units (joint inspections have several; lead = the first)
CREATE TABLE insp_organisers (
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    lead INTEGER NOT NULL DEFAULT 0,
    joined_from BIGINT REFERENCES inspections (id),
    PRIMARY KEY (inspection_id, unit_id)
);
CREATE INDEX insp_organisers_path ON insp_organisers (unit_path);

-- where an inspection comes from (Art. 11); a merged inspection keeps the origins of both
CREATE TABLE insp_origins (
    id {{ID}},
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    kind TEXT NOT NULL,                      -- decision, instruction, proposal, plan, item, merged, lookback
    ref TEXT NOT NULL DEFAULT '',
    ref_id BIGINT,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX insp_origins_insp ON insp_origins (inspection_id, id);
CREATE INDEX insp_origins_ref ON insp_origins (kind, ref_id);

-- the inspector roster: full-time 督查专员 and part-time inspectors, with or without an account
CREATE TABLE inspectors (
    id {{ID}},
    user_id BIGINT UNIQUE REFERENCES users (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,                      -- fulltime, npc_deputy, cppcc_member, journalist, expert, counsellor, other
    unit_id BIGINT NOT NULL REFERENCES units (id),   -- the government whose roster it is
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    expertise TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX inspectors_unit ON inspectors (unit_path, name);

CREATE TABLE inspector_trainings (
    id {{ID}},
    inspector_id BIGINT NOT NULL REFERENCES inspectors (id),
    day TEXT NOT NULL,
    title TEXT NOT NULL,
    hours INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX inspector_trainings_insp ON inspector_trainings (inspector_id, day);

-- the team (督查组): roster members, outside members, and engaged third-party evaluators (a unit)
CREATE TABLE insp_team (
    id {{ID}},
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    role TEXT NOT NULL CHECK (role IN ('leader', 'member', 'outside', 'evaluator')),
    inspector_id BIGINT REFERENCES inspectors (id),
    user_id BIGINT REFERENCES users (id),
    unit_id BIGINT REFERENCES units (id),    -- an evaluator: the engaged organisation
    name TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL
);
CREATE INDEX insp_team_insp ON insp_team (inspection_id, id);
CREATE INDEX insp_team_user ON insp_team (user_id);
CREATE INDEX insp_team_inspector ON insp_team (inspector_id);

-- a request to widen the frozen scope or targets: a new approval, recorded
CREATE TABLE insp_widenings (
    id {{ID}},
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    unit_ids TEXT NOT NULL DEFAULT ',',
    scope TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'refused')),
    requested_by BIGINT REFERENCES users (id),
    requested_at TEXT NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_at TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX insp_widenings_insp ON insp_widenings (inspection_id, id);

-- on the ground: what was seen where and when, and whom the team talked to
CREATE TABLE insp_records (
    id {{ID}},
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    unit_id BIGINT REFERENCES units (id),    -- the target the record is about, if one
    seen_at TEXT NOT NULL,
    place TEXT NOT NULL,
    seen TEXT NOT NULL,
    interviewees TEXT NOT NULL DEFAULT '',
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    author_id BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX insp_records_insp ON insp_records (inspection_id, id);

-- photos and videos: the original (with its EXIF location) for the team, a cleaned copy for the rest
CREATE TABLE insp_evidence (
    id {{ID}},
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    record_id BIGINT REFERENCES insp_records (id),
    task_id BIGINT,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    hash TEXT NOT NULL,
    clean_hash TEXT NOT NULL,
    clean_size BIGINT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    taken_at TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX insp_evidence_insp ON insp_evidence (inspection_id, id);
CREATE INDEX insp_evidence_task ON insp_evidence (task_id);

-- 问题 found by the team; issued as rectification tasks
CREATE TABLE insp_findings (
    id {{ID}},
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),   -- the responsible unit
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    title TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    requirement TEXT NOT NULL DEFAULT '',
    due_date TEXT NOT NULL,
    immediate INTEGER NOT NULL DEFAULT 0,    -- 立行立改: fixed on the spot
    fix_note TEXT NOT NULL DEFAULT '',
    rebound INTEGER NOT NULL DEFAULT 0,      -- likely to rebound: a look-back follows
    state TEXT NOT NULL CHECK (state IN ('draft', 'issued', 'withdrawn')),
    task_id BIGINT,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX insp_findings_insp ON insp_findings (inspection_id, id);

-- 整改任务: one per issued finding
CREATE TABLE rect_tasks (
    id {{ID}},
    finding_id BIGINT NOT NULL REFERENCES insp_findings (id),
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    office_unit_id BIGINT NOT NULL REFERENCES units (id),
    office_path TEXT {{BYTEWISE}} NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    requirement TEXT NOT NULL DEFAULT '',
    due_date TEXT NOT NULL,
    state TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    received_at TEXT,
    report_text TEXT,
    verify_text TEXT,
    verified_by BIGINT REFERENCES users (id),
    verified_at TEXT,
    immediate INTEGER NOT NULL DEFAULT 0,
    rebound INTEGER NOT NULL DEFAULT 0,
    escalated INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX rect_tasks_office ON rect_tasks (office_path, state, due_date);
CREATE INDEX rect_tasks_unit ON rect_tasks (unit_path, state, due_date);
CREATE INDEX rect_tasks_insp ON rect_tasks (inspection_id, id);

-- 回头看 scheduled by a verified finding that is likely to rebound; the scheduler opens the draft
CREATE TABLE insp_lookbacks (
    id {{ID}},
    task_id BIGINT NOT NULL UNIQUE REFERENCES rect_tasks (id),
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    due_date TEXT NOT NULL,
    created_inspection_id BIGINT REFERENCES inspections (id),
    created_at TEXT NOT NULL
);
CREATE INDEX insp_lookbacks_due ON insp_lookbacks (created_inspection_id, due_date);

-- 复核 (Art. 17)
CREATE TABLE insp_reviews (
    id {{ID}},
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    target_id BIGINT NOT NULL REFERENCES insp_targets (id),
    office_unit_id BIGINT NOT NULL REFERENCES units (id),
    office_path TEXT {{BYTEWISE}} NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    received_on TEXT NOT NULL,               -- the day the conclusion was received
    request_due TEXT NOT NULL,               -- the last day a request was allowed
    requested_by BIGINT REFERENCES users (id),
    requested_at TEXT NOT NULL,
    decide_due TEXT NOT NULL,                -- the government decides by then
    result TEXT,                             -- upheld, changed, revoked
    decision_text TEXT,
    decided_by BIGINT REFERENCES users (id),
    decided_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX insp_reviews_insp ON insp_reviews (inspection_id, id);
CREATE INDEX insp_reviews_office ON insp_reviews (office_path, state);

-- approved, recorded exceptions to the caps (年度总量, 每年一次综合督查)
CREATE TABLE insp_exceptions (
    id {{ID}},
    office_unit_id BIGINT NOT NULL REFERENCES units (id),
    year INTEGER NOT NULL,
    rule TEXT NOT NULL CHECK (rule IN ('total', 'comprehensive')),
    object_type TEXT NOT NULL,               -- plan, entry, inspection
    object_id BIGINT NOT NULL,
    detail TEXT NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'refused')),
    requested_by BIGINT REFERENCES users (id),
    requested_at TEXT NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_at TEXT
);
CREATE INDEX insp_exceptions_office ON insp_exceptions (office_unit_id, year);
CREATE INDEX insp_exceptions_object ON insp_exceptions (object_type, object_id);

-- third-party evaluations submitted by engaged evaluators
CREATE TABLE insp_evaluations (
    id {{ID}},
    inspection_id BIGINT NOT NULL REFERENCES inspections (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    author_id BIGINT REFERENCES users (id),
    summary TEXT NOT NULL,
    score INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX insp_evaluations_insp ON insp_evaluations (inspection_id, id);

-- one timeline for plans, inspections, rectification tasks and reviews
CREATE TABLE insp_events (
    id {{ID}},
    object_type TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    part_id BIGINT,
    unit_id BIGINT,
    note TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX insp_events_object ON insp_events (object_type, object_id, id);

-- what the no-duplication check reads: each live plan entry's and inspection's targets and window
CREATE TABLE insp_dup_index (
    kind TEXT NOT NULL,                      -- entry, inspection
    obj_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    PRIMARY KEY (kind, obj_id, unit_id)
);
CREATE INDEX insp_dup_unit ON insp_dup_index (unit_id, start_date);
