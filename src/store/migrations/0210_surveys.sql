-- 0210: surveys (民意调查 / 问卷, issue 18, src/clues/survey*.c): a questionnaire an office builds (single
-- and multiple choice, scale, text; required flags), opens on a public link until its closing day and
-- closes; one answer per invitation token or per device. A satisfaction survey is attached to a
-- rectification task and its result is quoted in the task's verification (hooks_satisfaction).
-- Respondents are protected like reporters: no name, no address; tokens and devices only as digests,
-- and an answer is not linked to the invitation it used.

CREATE TABLE surveys (
    id {{ID}},
    office_unit_id BIGINT NOT NULL REFERENCES units (id),  -- the government whose office runs it
    office_path TEXT {{BYTEWISE}} NOT NULL,
    title TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    mode TEXT NOT NULL CHECK (mode IN ('token', 'device')),  -- one answer per invitation token, or per device
    closes_on TEXT NOT NULL,                    -- the last day (Beijing) answers are taken
    link_key TEXT NOT NULL,                     -- the public link /p/survey/<link_key> (random)
    rect_task_id BIGINT REFERENCES rect_tasks (id),  -- a satisfaction survey of this rectification task
    state TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    responses INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    opened_at TEXT,
    closed_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX surveys_link ON surveys (link_key);
CREATE INDEX surveys_office ON surveys (office_path, id);
CREATE INDEX surveys_rect ON surveys (rect_task_id, id);

CREATE TABLE survey_questions (
    id {{ID}},
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    pos INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'scale', 'text')),
    text TEXT NOT NULL,
    required INTEGER NOT NULL DEFAULT 0,
    options TEXT NOT NULL DEFAULT '[]',         -- choices: a JSON array of their labels
    scale_max INTEGER NOT NULL DEFAULT 0        -- scale: 1..scale_max (5: 非常不满意 … 非常满意)
);
CREATE INDEX survey_questions_survey ON survey_questions (survey_id, pos);

-- invitations: only the SHA-256 of the token is kept; used once
CREATE TABLE survey_invitations (
    id {{ID}},
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    token_digest TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX survey_invitations_token ON survey_invitations (token_digest);
CREATE INDEX survey_invitations_survey ON survey_invitations (survey_id, id);

-- one row per answer sheet; device_digest (device mode) keeps a device to one answer
CREATE TABLE survey_responses (
    id {{ID}},
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    device_digest TEXT,
    submitted_on TEXT NOT NULL                  -- the day only
);
CREATE UNIQUE INDEX survey_responses_device ON survey_responses (survey_id, device_digest);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id, id);

-- one row per chosen option, scale value or text
CREATE TABLE survey_answers (
    id {{ID}},
    response_id BIGINT NOT NULL REFERENCES survey_responses (id),
    question_id BIGINT NOT NULL REFERENCES survey_questions (id),
    choice INTEGER,                             -- single, multiple: the option's index (0-based)
    value INTEGER,                              -- scale
    answer TEXT                                 -- text
);
CREATE INDEX survey_answers_response ON survey_answers (response_id);
CREATE INDEX survey_answers_question ON survey_answers (question_id, choice, value);

-- the survey's timeline: created, changed, invitations, opened, closed (answers are counted, not listed)
CREATE TABLE survey_events (
    id {{ID}},
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX survey_events_survey ON survey_events (survey_id, id);
