-- 0180: a bulletin's publication scope as lists of units (issue 12, gap 1): 主送 (role 'main') and 抄送 ('cc'), chosen
-- when drafting, printed in the PDF's 主送 line and its 版记's 抄送 line (GB/T 9704), and once issued read by exactly
-- those units (and the units below them, to which they pass it on) and told to their heads. A bulletin without rows
-- (every one drafted before, or one drafted without lists) keeps the rule it had: issued to the units right below
-- its scope, read by the scope's units.
CREATE TABLE bulletin_recipients (
    bulletin_id BIGINT NOT NULL REFERENCES bulletins (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    role TEXT NOT NULL CHECK (role IN ('main', 'cc')),
    pos INTEGER NOT NULL,
    PRIMARY KEY (bulletin_id, unit_id)
);
CREATE INDEX bulletin_recipients_unit ON bulletin_recipients (unit_id, bulletin_id);
