-- 0076: item numbers run in one sequence per prefix and year (counters 'number:古:2026', item_effects.c),
-- no longer per issuing unit ('item:<office>:<year>'), whose prefix an office held at a department or a
-- township inherited from its county, so both numbered 古督〔2026〕1号. Each new sequence continues after the
-- highest number already given with its prefix; existing numbers are unchanged.
INSERT INTO counters (name, value)
SELECT name, value FROM (
    SELECT 'number:' || substr(number, 1, instr(number, '督〔') - 1) || ':' || num_year AS name, MAX(num_seq) AS value
      FROM items
     WHERE number IS NOT NULL AND num_year IS NOT NULL AND num_seq IS NOT NULL AND instr(number, '督〔') > 1
     GROUP BY 1
) WHERE true
ON CONFLICT (name) DO UPDATE SET value = MAX(counters.value, excluded.value);
DELETE FROM counters WHERE name LIKE 'item:%';
-- The sequence no longer belongs to the issuing unit (an office that changes its prefix starts a new one), so
-- the unique key is the number an office gives: one office never gives one number twice.
DROP INDEX items_number;
CREATE UNIQUE INDEX items_number ON items (office_unit_id, number);
