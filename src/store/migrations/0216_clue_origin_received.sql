-- 0216: a clue transferred from above keeps the day it was transferred (转办日期, given in the import file beside
-- the original number and the deadline); NULL for the public's and staff records, and for a transfer whose file
-- left it out.

ALTER TABLE clues ADD COLUMN origin_received_on TEXT;
