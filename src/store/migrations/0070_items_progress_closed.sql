-- 0070: a completed or archived item is 100 % done (#15: an item graded 优秀 and archived showed 30 %, the
-- lead unit's last report); from now on the item's progress rolls up from its tracks (item_progress_of).
UPDATE items SET progress = 100 WHERE state IN ('completed', 'archived') AND progress <> 100;
