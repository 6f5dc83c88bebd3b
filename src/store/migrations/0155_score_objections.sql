-- 0155: objections to an issued scorecard (考评异议, src/results/score_objection.c). A unit objects to one
-- line of its own card (a line counted from the data, or an adjustment of the office) within the period
-- the government's rule table sets for the year (score_years.objection_days, working days from the issue;
-- the last day is fixed at issue in scorecards.objection_until). The office decides each objection on the
-- workflow engine: upheld (the line's points changed as decided, the totals and ranks counted again) or
-- rejected, with the decision's reason. One objection per line. home_path and unit_path are copies of
-- unit paths (registered with the units module).
ALTER TABLE score_years ADD COLUMN objection_days INTEGER NOT NULL DEFAULT 5;
ALTER TABLE scorecards ADD COLUMN objection_until TEXT;

CREATE TABLE score_objections (
    id {{ID}},
    scorecard_id BIGINT NOT NULL REFERENCES scorecards (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    home_path TEXT {{BYTEWISE}} NOT NULL,
    line_id BIGINT REFERENCES scorecard_lines (id),
    adjustment_id BIGINT REFERENCES scorecard_adjustments (id),
    what TEXT NOT NULL,                       -- the line as the unit saw it (rule, cause)
    points_before INTEGER NOT NULL,           -- tenths
    points_after INTEGER,                     -- tenths, once upheld
    reason TEXT NOT NULL,                     -- the unit's reason
    evidence TEXT NOT NULL DEFAULT '',        -- the evidence it names (documents, numbers, dates)
    decision TEXT,                            -- the office's reason, once decided
    state TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX score_objections_line ON score_objections (line_id) WHERE line_id IS NOT NULL;
CREATE UNIQUE INDEX score_objections_adjustment ON score_objections (adjustment_id) WHERE adjustment_id IS NOT NULL;
CREATE INDEX score_objections_card ON score_objections (scorecard_id, id);
CREATE INDEX score_objections_home ON score_objections (home_path, id);
CREATE INDEX score_objections_unit ON score_objections (unit_path, id);

CREATE TABLE score_objection_events (
    id {{ID}},
    objection_id BIGINT NOT NULL REFERENCES score_objections (id),
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
CREATE INDEX score_objection_events_obj ON score_objection_events (objection_id, id);
