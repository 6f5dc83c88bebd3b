-- 0174: the per-unit cap of inspections a year (减负) as a setting of each government (issue 12): a row is the cap
-- a government's office set for the units below it — a province's or a city's is the default its counties
-- override with their own. No row on the way up to the root: the system-wide settings unit_cap applies.
CREATE TABLE unit_caps (
    unit_id BIGINT PRIMARY KEY REFERENCES units (id),
    unit_cap INTEGER NOT NULL CHECK (unit_cap BETWEEN 0 AND 1000),
    updated_by BIGINT,
    updated_at TEXT NOT NULL
);
