-- 0308: the presses (催办) of an item found without reading its whole timeline. The burden index (results/burden.c)
-- counts each row unit's presses and the ladder's reminders by the items of its tracks: `item_events` joined by
-- item_id with `action = 'press'` read every event of every such item — a county's 951 tracks, some 47,000 events
-- a pass, twice (presses and reminders), 320 M instructions for the page at 100,000 items. Presses are a small share
-- of the events, so a partial index holds them alone (on PostgreSQL on every monthly partition of the table).
CREATE INDEX item_events_press ON item_events (item_id, at) WHERE action = 'press';
