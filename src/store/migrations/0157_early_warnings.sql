-- 0157: early warning (研判预警, issue 12; Gu County 003_… 三(五)): the running items' tracks trending late,
-- flagged before they are overdue (src/results/warnings.c). The flags are data kept by the scheduler's pass
-- (as the ledger's lights are): a page reads the active rows of its scope through the path indexes, never
-- the items. One row per (track, signal); a signal that clears stays as a row with active = 0, so that the
-- unit's contact is told once per item and signal (told_at), not every pass. unit_path and office_path are
-- copies of unit paths (registered with the units module).
CREATE TABLE early_warnings (
    id {{ID}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    track_id BIGINT NOT NULL REFERENCES item_tracks (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    unit_path TEXT {{BYTEWISE}} NOT NULL,     -- the responsible unit's path
    office_path TEXT {{BYTEWISE}} NOT NULL,   -- the issuing government's path (items.office_path)
    office_unit_id BIGINT NOT NULL,           -- the government whose thresholds apply
    signal TEXT NOT NULL,                     -- pace, extensions, ignored, silent
    facts TEXT NOT NULL DEFAULT '{}',         -- the facts behind it (dates, counts, percents), JSON
    active INTEGER NOT NULL DEFAULT 1,
    since TEXT NOT NULL,                      -- when it was raised (again)
    checked_at TEXT NOT NULL,                 -- the pass that last looked
    told_at TEXT,                             -- when the unit's contact was told (once per track and signal)
    UNIQUE (track_id, signal)
);
CREATE INDEX early_warnings_unit ON early_warnings (unit_path, active);
CREATE INDEX early_warnings_office ON early_warnings (office_path, active);
CREATE INDEX early_warnings_item ON early_warnings (item_id);

-- a government's thresholds (the office changes them, audited `warnings.settings`); no row: the defaults
CREATE TABLE warning_settings (
    unit_id BIGINT PRIMARY KEY REFERENCES units (id),
    pace_gap INTEGER NOT NULL,                -- percent points the report lags the share of time gone
    extensions INTEGER NOT NULL,              -- extensions requested or granted
    presses INTEGER NOT NULL,                 -- presses and reminders with no progress report after them
    due_days INTEGER NOT NULL,                -- due within this many working days …
    silent_days INTEGER NOT NULL,             -- … and no progress report for this many days
    updated_by BIGINT REFERENCES users (id),
    updated_at TEXT NOT NULL
);
