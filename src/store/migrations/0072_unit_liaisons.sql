-- 0072: the units' liaison directory (联络员名录), #15: per unit its liaison officer (联络员) and its head (主要负责人)
-- with mobile and office phones, kept by the unit itself (or the supervision office or administrator above it).
-- A unit without a row shows what the unit record says (units.contact, units.phone, units.principal).
CREATE TABLE unit_liaisons (
    unit_id BIGINT PRIMARY KEY REFERENCES units (id),
    contact_name TEXT NOT NULL DEFAULT '',
    contact_mobile TEXT NOT NULL DEFAULT '',
    contact_office_phone TEXT NOT NULL DEFAULT '',
    head_name TEXT NOT NULL DEFAULT '',
    head_mobile TEXT NOT NULL DEFAULT '',
    head_office_phone TEXT NOT NULL DEFAULT '',
    updated_by BIGINT,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
