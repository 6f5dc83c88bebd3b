-- 0154: year-end target-responsibility scoring (目标责任考评, src/results/score_*.c; DOMAIN.md §8, §10).
-- score_years and score_rules: each government's rule table for a year, edited by its office (what the
-- rules mean — label, source, whether the 2024 rules forbid it as a measure of work — is the code's
-- catalogue, score_rules.c; the table holds the government's points and switches; no row: the defaults).
-- scorecards: one run of the scoring per government and year on the workflow engine (drafted from the
-- data, adjusted by the office with reasons, approved by the principal leader, issued to the units), with
-- per unit its totals and ranks (scorecard_units) and every point's cause (scorecard_lines: the rule, the
-- item or record, and the tolerance decision that waived it); scorecard_adjustments the office's changes.
-- home_path and unit_path are copies of unit paths (registered with the units module).
CREATE TABLE score_years (
    home_unit_id BIGINT NOT NULL REFERENCES units (id),
    year INTEGER NOT NULL,
    home_path TEXT {{BYTEWISE}} NOT NULL,
    base INTEGER NOT NULL,                    -- 基础分 (whole points)
    weight_major INTEGER NOT NULL,            -- weight of a major item's points, in per cent (100: none)
    updated_by BIGINT REFERENCES users (id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (home_unit_id, year)
);

CREATE TABLE score_rules (
    home_unit_id BIGINT NOT NULL REFERENCES units (id),
    year INTEGER NOT NULL,
    code TEXT NOT NULL,                       -- on_time, overdue, … ; grade:<grade> (score_rules.c)
    points INTEGER NOT NULL,                  -- whole points per count (negative: a deduction)
    enabled INTEGER NOT NULL,
    PRIMARY KEY (home_unit_id, year, code)
);

CREATE TABLE scorecards (
    id {{ID}},
    year INTEGER NOT NULL,
    title TEXT NOT NULL,
    home_unit_id BIGINT NOT NULL REFERENCES units (id),
    office_unit_id BIGINT NOT NULL REFERENCES units (id),
    home_path TEXT {{BYTEWISE}} NOT NULL,
    rules TEXT NOT NULL DEFAULT '{}',         -- the rule table the lines were computed with (JSON)
    as_of TEXT NOT NULL,                      -- the local date the data was counted to (year end or today)
    computed_at TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    approved_by BIGINT REFERENCES users (id),
    approved_at TEXT,
    issued_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX scorecards_home ON scorecards (home_path, year, id);

CREATE TABLE scorecard_units (
    scorecard_id BIGINT NOT NULL REFERENCES scorecards (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    kind TEXT NOT NULL,                       -- the unit's kind (department, township): ranked within it
    computed INTEGER NOT NULL DEFAULT 0,      -- tenths of a point: the base plus the data's lines
    adjusted INTEGER NOT NULL DEFAULT 0,      -- tenths: the office's adjustments
    total INTEGER NOT NULL DEFAULT 0,         -- tenths
    rank INTEGER NOT NULL DEFAULT 0,
    kind_rank INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scorecard_id, unit_id)
);
CREATE INDEX scorecard_units_path ON scorecard_units (unit_path, scorecard_id);

CREATE TABLE scorecard_lines (
    id {{ID}},
    scorecard_id BIGINT NOT NULL REFERENCES scorecards (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    rule TEXT NOT NULL,
    points INTEGER NOT NULL,                  -- tenths of a point (0 when waived)
    rule_points INTEGER NOT NULL,             -- tenths the rule gave before a waiver
    item_id BIGINT REFERENCES items (id),
    result_id BIGINT REFERENCES results (id),
    ref TEXT NOT NULL DEFAULT '',             -- the item's or record's number
    what TEXT NOT NULL DEFAULT '',            -- its title, and what happened
    at TEXT,                                  -- when it happened (local date)
    waived_by BIGINT REFERENCES results (id), -- the error-tolerance decision (容错认定) that covers it
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scorecard_lines_unit ON scorecard_lines (scorecard_id, unit_id, id);

CREATE TABLE scorecard_adjustments (
    id {{ID}},
    scorecard_id BIGINT NOT NULL REFERENCES scorecards (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    rule TEXT,                                -- a counted-by-hand rule (meetings, …) or NULL: points as given
    count INTEGER,
    points INTEGER NOT NULL,                  -- tenths
    reason TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX scorecard_adjustments_unit ON scorecard_adjustments (scorecard_id, unit_id, id);

CREATE TABLE scorecard_events (
    id {{ID}},
    scorecard_id BIGINT NOT NULL REFERENCES scorecards (id),
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
CREATE INDEX scorecard_events_card ON scorecard_events (scorecard_id, id);
