-- 0001: the foundation: the unit tree, accounts, sessions, API tokens, the audit chain, counters,
-- the working-day calendar exceptions and settings. Portable SQL; {{ID}} and {{BYTEWISE}} are
-- expanded by the backend.

CREATE TABLE units (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('government', 'department', 'township', 'office', 'external')),
    parent_id BIGINT REFERENCES units (id),
    path TEXT {{BYTEWISE}} NOT NULL,
    depth INTEGER NOT NULL,
    principal TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL DEFAULT '',
    sort INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX units_path ON units (path);
CREATE INDEX units_parent ON units (parent_id, sort, code);

CREATE TABLE users (
    id {{ID}},
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    password_hash TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX users_unit ON users (unit_id);

CREATE TABLE user_roles (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'principal', 'leader', 'director', 'deputy', 'secretary',
                                       'office', 'inspector', 'parttime', 'contact', 'head', 'evaluator')),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    UNIQUE (user_id, role, unit_id)
);
CREATE INDEX user_roles_unit ON user_roles (unit_id, role);

-- the units a leader in charge (分管领导) supervises
CREATE TABLE leader_portfolio (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (user_id, unit_id)
);
CREATE INDEX leader_portfolio_unit ON leader_portfolio (unit_id);

CREATE TABLE sessions (
    id {{ID}},
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen BIGINT NOT NULL,
    client TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked INTEGER NOT NULL DEFAULT 0
);

-- 留痕: append-only, chained by SM3; audit_head holds the tip so that a deleted tail is detected.
-- scope: the unit path whose subtree may read the record ('/' = system-wide: root units only)
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    unit_id BIGINT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    summary TEXT NOT NULL,
    client TEXT NOT NULL DEFAULT '',
    scope TEXT {{BYTEWISE}} NOT NULL DEFAULT '/',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_object ON audit_log (object_type, object_id, seq);
CREATE INDEX audit_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_at ON audit_log (at);
CREATE INDEX audit_scope ON audit_log (scope, seq);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- gap-free counters (item numbers per office and year): UPDATE … RETURNING inside the caller's
-- transaction, so a rolled-back registration gives its number back
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

-- exceptions to Monday–Friday: statutory holidays and make-up working days (调休上班)
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL DEFAULT ''
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
