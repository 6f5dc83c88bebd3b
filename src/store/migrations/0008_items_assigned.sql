-- 0008: when an item was first assigned (交办): from then on the units on its tracks see it; a
-- draft or an item under approval stays inside the issuing office.
ALTER TABLE items ADD COLUMN assigned_at TEXT;
UPDATE items SET assigned_at = updated_at WHERE state NOT IN ('draft', 'submitted', 'deputy_approved', 'approved')
    AND NOT (state = 'withdrawn' AND NOT EXISTS (SELECT 1 FROM item_events e WHERE e.item_id = items.id AND e.action = 'assign'));
