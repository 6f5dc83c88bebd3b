-- 0215: a new clue's duplicate hint (dup_hint, src/clues/clue_submit.c) compares it with the newest clues of
-- its office that are not merged, read newest first through this index with their areas (no table row for
-- the clues of other areas), so that a submission's cost does not grow with how many clues the office holds.

CREATE INDEX clues_recent ON clues (office_unit_id, id, area_path) WHERE state <> 'merged';
