-- 0214: the evaluator organisations (第三方评估机构, issue 18, src/evaluations/eval_orgs.c) a government's
-- supervision office works with: each is a unit of kind external below the government, its users hold the
-- role evaluator there. This table holds what the office records about the organisation beyond the unit:
-- its field of work, and whether the office has suspended it (a suspended organisation's users see and do
-- nothing of its engagements, and it cannot be engaged). An external unit without a row here (registered
-- before, or by the administrator) is an organisation in good standing with nothing recorded.
CREATE TABLE evaluator_orgs (
    unit_id BIGINT PRIMARY KEY REFERENCES units (id),
    scope TEXT NOT NULL DEFAULT '',             -- field of work, qualifications (业务范围与资质)
    suspended_at TEXT,                          -- NULL: in good standing
    suspended_reason TEXT NOT NULL DEFAULT '',
    suspended_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
