-- 0053: the stored lights move in chunks. When the dates of ledger_light_dates move (a day passed, the
-- calendar or the test clock changed), the items due between the old and the new dates are recoloured a
-- chunk of items per transaction (ledger_lights_refresh), so a large recolouring — the first one after a
-- migration recolours every running item that is overdue or due soon — never holds the write lock for
-- minutes. While one is under way, pending_after is the last item id done (NULL: none under way) and
-- pending_* the widest range of dates whose lights may still be stored; the ledger reads lights from the
-- due dates until it is done.
ALTER TABLE ledger_light_dates ADD COLUMN pending_after BIGINT;
ALTER TABLE ledger_light_dates ADD COLUMN pending_lo_today TEXT;
ALTER TABLE ledger_light_dates ADD COLUMN pending_hi_today TEXT;
ALTER TABLE ledger_light_dates ADD COLUMN pending_lo_yellow TEXT;
ALTER TABLE ledger_light_dates ADD COLUMN pending_hi_yellow TEXT;
