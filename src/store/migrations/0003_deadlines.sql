-- 0003: deadlines (DOMAIN.md §4–§5): the rule table, each item's milestones with the next moment the
-- scheduler must look at them, the ladder steps taken (one row per milestone and step: the
-- exactly-once record), and notifications: the outbox (also the in-app inbox) and per-user channel
-- preferences. Items are referenced by id only, so that this migration stands without the items one.

CREATE TABLE deadline_rules (
    id {{ID}},
    source_kind TEXT,          -- NULL: any
    importance TEXT,           -- NULL: any
    item_kind TEXT,            -- NULL: any
    milestone TEXT NOT NULL CHECK (milestone IN ('receipt', 'deployment', 'first_feedback', 'resolution',
                                                 'periodic_report')),
    amount INTEGER NOT NULL DEFAULT 0,
    unit TEXT NOT NULL CHECK (unit IN ('workdays', 'days', 'months', 'dates')),
    dates TEXT NOT NULL DEFAULT '',     -- unit 'dates': "07-15,10-15,01-15"
    base TEXT NOT NULL DEFAULT 'start', -- counted from the start (assignment) or from another milestone
    note TEXT NOT NULL DEFAULT '',
    sort INTEGER NOT NULL DEFAULT 0
);

-- one row per deadline of an item (unit_id 0) or of one responsible unit's track
CREATE TABLE milestones (
    id {{ID}},
    item_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL DEFAULT 0,
    scope_path TEXT {{BYTEWISE}} NOT NULL,  -- the responsible unit's path (permissions, recipients)
    kind TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 1,
    due_date TEXT NOT NULL,
    rule_id BIGINT,
    overridden INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'cancelled')),
    done_at TEXT,
    done_late INTEGER NOT NULL DEFAULT 0,
    paused_at BIGINT,                       -- Unix seconds; NULL when the clock runs
    step INTEGER NOT NULL DEFAULT 0,        -- ladder steps taken so far
    flagged INTEGER NOT NULL DEFAULT 0,     -- reported to the principal leader, listed for inspection
    next_at BIGINT,                         -- when the scheduler must look again; NULL: nothing to do
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (item_id, unit_id, kind, seq)
);
CREATE INDEX milestones_next ON milestones (next_at);

CREATE TABLE milestone_steps (
    milestone_id BIGINT NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (milestone_id, step)
);

-- notifications: one row per recipient and channel. Inbox rows are delivered when written.
CREATE TABLE outbox (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('inbox', 'email', 'sms')),
    kind TEXT NOT NULL,
    urgent INTEGER NOT NULL DEFAULT 0,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    object_type TEXT NOT NULL DEFAULT '',
    object_id BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sent_at TEXT,
    read_at TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);
CREATE INDEX outbox_user ON outbox (user_id, channel, id);

CREATE TABLE notify_prefs (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    channels TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
