-- 0176: how many units at each end of a bulletin's overdue ranking its document lists (排名列示单位数, issue 12).
-- A province's 本级及下级 bulletin counts thousands of responsible units: its PDF prints the roll-up per government
-- and the ranking's first and last rank_n units, and the full per-unit table goes with it as the annex (XLSX). A
-- bulletin with at most 2 × rank_n units still lists them all. Chosen in the draft; the document says it.
ALTER TABLE bulletins ADD COLUMN rank_n INTEGER NOT NULL DEFAULT 10 CHECK (rank_n BETWEEN 1 AND 50);
