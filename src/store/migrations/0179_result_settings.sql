-- 0179: the results' time limits a government's office sets for itself (结果运用设置): rectify_workdays, the working
-- days a criticised unit has to report its rectification when the criticism names no date of its own (限期整改;
-- 15 without a row, the value every criticism was given before). One row per government (its unit), changed by its
-- office, audited (results.settings).
CREATE TABLE result_settings (
    unit_id BIGINT PRIMARY KEY REFERENCES units (id),
    rectify_workdays INTEGER NOT NULL,
    updated_by BIGINT REFERENCES users (id),
    updated_at TEXT NOT NULL
);
