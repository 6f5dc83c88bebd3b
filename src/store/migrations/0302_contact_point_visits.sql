-- 0302: research visits at a contact point (驻点调研, Jiangsu 004 (四) 督查调研制度) with their research report
-- (调研报告: "有情况、有分析、有建议"), submitted to the government's leaders. src/clues/contact_points.c.
CREATE TABLE contact_point_visits (
    id {{ID}},
    contact_point_id BIGINT NOT NULL REFERENCES contact_points (id),
    topic TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    team TEXT NOT NULL,                        -- the members' names
    situation TEXT NOT NULL DEFAULT '',        -- 基本情况
    analysis TEXT NOT NULL DEFAULT '',         -- 分析
    suggestions TEXT NOT NULL DEFAULT '',      -- 建议
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted')),
    submitted_at TEXT,
    submitted_by BIGINT REFERENCES users (id),
    created_by BIGINT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX contact_point_visits_point ON contact_point_visits (contact_point_id, start_date);
