-- 0301: a clue may come from a grassroots contact point (source 'contact_point', 0300).
ALTER TABLE clues DROP CONSTRAINT clues_source_check;
ALTER TABLE clues ADD CONSTRAINT clues_source_check CHECK (source IN ('public', 'transfer', 'staff', 'contact_point'));
