-- 0300: grassroots contact points (基层联系点; Gu County: "用好'互联网+督查'平台、基层联系点…延伸触角、拓宽渠道";
-- Jiangsu: "选择一些地方和部门作为联系点"): units the supervision office designates, whose own people report
-- problems and opinions straight to it; each report is a clue of source 'contact_point' (0301). src/clues/contact_points.c.
CREATE TABLE contact_points (
    id {{ID}},
    office_unit_id BIGINT NOT NULL REFERENCES units (id),  -- the government whose supervision office designated it
    office_path TEXT {{BYTEWISE}} NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units (id),         -- the place or department that is the contact point
    unit_path TEXT {{BYTEWISE}} NOT NULL,
    name TEXT NOT NULL,
    focus TEXT NOT NULL,                                   -- 联系重点: what the office wants to hear about
    note TEXT NOT NULL DEFAULT '',                         -- the office's own note (not shown to the point)
    state TEXT NOT NULL CHECK (state IN ('active', 'ended')),
    started_on TEXT NOT NULL,
    ended_on TEXT,
    end_reason TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
-- a unit is at most once an active contact point
CREATE UNIQUE INDEX contact_points_active ON contact_points (unit_id) WHERE state = 'active';
CREATE INDEX contact_points_office ON contact_points (office_path, id);
CREATE INDEX contact_points_unit ON contact_points (unit_id, id);

ALTER TABLE clues ADD COLUMN contact_point_id BIGINT REFERENCES contact_points (id);
CREATE INDEX clues_contact_point ON clues (contact_point_id, id);
