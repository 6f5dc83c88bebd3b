-- 0156: an issued scorecard is an official document (GB/T 9704, src/docs/scoring.c): its number
-- (古督考〔年〕n号, one gap-free counter per office and year), given at issue.
ALTER TABLE scorecards ADD COLUMN number TEXT;
