-- 0031: sign-in throttling (src/auth/auth.c) instead of an account lock anyone could trigger. One row per
-- key that failed recently: "pair:NAME|ADDRESS" (this name from this address), "addr:ADDRESS" (any name
-- from this address) and "acct:NAME" (this name from anywhere); unknown names get rows too, so that
-- known and unknown accounts answer alike. blocked_until (Unix seconds) grows with the failures.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);

-- browsers that signed in as a user before (OWASP's device cookies): their attempts are not held back
-- by the per-name throttle, so that failures from elsewhere cannot keep the user out
CREATE TABLE login_devices (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX login_devices_user ON login_devices (user_id);
