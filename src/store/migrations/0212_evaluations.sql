-- 0212: third-party evaluation (第三方评估, issue 18, src/evaluations): an office engages an outside
-- evaluator organisation (a unit of kind external, its users hold the role evaluator) for a set of items
-- or inspections, units, a period and the indicators to score. The evaluator scores each unit on each
-- indicator and writes its findings with evidence; each unit may record its self-assessment (自评) on
-- the same indicators; the office accepts or returns the result and reads the side-by-side view
-- (对表分析) of the evaluator's scores, the self-assessments and the inspections' findings.

CREATE TABLE evaluations (
    id {{ID}},
    office_unit_id BIGINT NOT NULL REFERENCES units (id),   -- home: the government whose office engages
    office_path TEXT {{BYTEWISE}} NOT NULL,
    title TEXT NOT NULL,
    basis TEXT NOT NULL DEFAULT '',                 -- what is evaluated and why (the terms of reference)
    evaluator_unit_id BIGINT REFERENCES units (id), -- the engaged organisation (required to engage)
    period_start TEXT NOT NULL,                     -- the period evaluated
    period_end TEXT NOT NULL,
    due_date TEXT NOT NULL,                         -- the evaluator's result is due
    state TEXT NOT NULL CHECK (state IN ('draft', 'engaged', 'submitted', 'accepted')),
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX evaluations_office ON evaluations (office_path, id);
CREATE INDEX evaluations_evaluator ON evaluations (evaluator_unit_id, id);

-- the items and inspections the engagement is for
CREATE TABLE eval_objects (
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    kind TEXT NOT NULL CHECK (kind IN ('item', 'inspection')),
    object_id BIGINT NOT NULL,
    PRIMARY KEY (evaluation_id, kind, object_id)
);

-- the units evaluated: the evaluator's findings, the unit's self-assessment note
CREATE TABLE eval_units (
    id {{ID}},
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    findings TEXT NOT NULL DEFAULT '',      -- the evaluator's findings about the unit
    scored_at TEXT,                         -- the evaluator's last change
    self_note TEXT NOT NULL DEFAULT '',     -- the unit's self-assessment (自评) in words
    self_at TEXT,                           -- the unit's self-assessment submitted (NULL: not yet)
    self_by BIGINT REFERENCES users (id),
    UNIQUE (evaluation_id, unit_id)
);
CREATE INDEX eval_units_path ON eval_units (unit_path, evaluation_id);

-- the indicators scored, in order
CREATE TABLE eval_indicators (
    id {{ID}},
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    pos INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    max_score INTEGER NOT NULL
);
CREATE INDEX eval_indicators_eval ON eval_indicators (evaluation_id, pos);

-- one score per unit, indicator and source: the evaluator's, or the unit's own (self)
CREATE TABLE eval_scores (
    eval_unit_id BIGINT NOT NULL REFERENCES eval_units (id),
    indicator_id BIGINT NOT NULL REFERENCES eval_indicators (id),
    source TEXT NOT NULL CHECK (source IN ('evaluator', 'self')),
    score INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (eval_unit_id, indicator_id, source)
);

-- the evaluator's evidence about a unit (photos without location, PDF documents), stored by content
CREATE TABLE eval_evidence (
    id {{ID}},
    eval_unit_id BIGINT NOT NULL REFERENCES eval_units (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    hash TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX eval_evidence_unit ON eval_evidence (eval_unit_id, id);

-- the timeline: created, changed, engaged, scored, self-assessed, submitted, returned, accepted
CREATE TABLE eval_events (
    id {{ID}},
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    at TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    unit_id BIGINT REFERENCES units (id),
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX eval_events_eval ON eval_events (evaluation_id, id);
