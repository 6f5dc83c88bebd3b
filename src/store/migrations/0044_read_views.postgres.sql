-- 0044 (PostgreSQL; 0044_read_views.sqlite.sql is the same for SQLite): what the two most repeated
-- reads need, each in one statement (docs/internals/store.md "One statement per read").
--   user_principals    a user with their roles and their portfolio as JSON arrays: a request's session
--                      or API token and its user are one row (src/auth/auth.c);
--   item_detail_lists  an item's tracks, child items, extensions and suspension periods as JSON arrays:
--                      the item detail is one row (src/items/item_json.c).
-- The arrays hold the columns the C code read before, in the same order; the two files differ only
-- in the JSON functions (json_agg … ORDER BY here, json_group_array over an ordered subquery there).
-- A later migration that drops, renames or rebuilds a table or column these views read drops the view first
-- and creates it again after (PostgreSQL refuses the DROP, SQLite the RENAME, while the view depends on it).

CREATE VIEW user_principals AS
SELECT u.id AS user_id, u.username, u.name, u.must_change_password, u.disabled,
       COALESCE((SELECT json_agg(json_build_array(r.role, r.unit_id, un.path, un.code, un.name) ORDER BY r.id)
                 FROM user_roles r JOIN units un ON un.id = r.unit_id WHERE r.user_id = u.id), '[]') AS roles,
       COALESCE((SELECT json_agg(json_build_array(p.unit_id, un.path) ORDER BY un.path)
                 FROM leader_portfolio p JOIN units un ON un.id = p.unit_id WHERE p.user_id = u.id), '[]') AS portfolio
FROM users u;

CREATE VIEW item_detail_lists AS
SELECT i.id AS item_id,
       COALESCE((SELECT json_agg(json_build_array(t.id, t.unit_id, t.unit_path, u.code, u.name, t.role, t.state,
                                                  t.progress, t.received_at, t.plan_text, t.plan_date, t.reply_text,
                                                  t.signed_at)
                                 ORDER BY CASE WHEN t.role = 'lead' THEN 0 ELSE 1 END, t.id)
                 FROM item_tracks t JOIN units u ON u.id = t.unit_id WHERE t.item_id = i.id), '[]') AS tracks,
       COALESCE((SELECT json_agg(json_build_array(c.id, c.number, c.title, c.state, c.progress, c.due_date, u.name)
                                 ORDER BY c.id)
                 FROM items c JOIN units u ON u.id = c.lead_unit_id WHERE c.parent_id = i.id), '[]') AS children,
       COALESCE((SELECT json_agg(json_build_array(e.id, e.reason, e.old_date, e.new_date, e.state, e.requested_at,
                                                  e.track_id, e.decided_at, e.decision_note) ORDER BY e.id)
                 FROM item_extensions e WHERE e.item_id = i.id), '[]') AS extensions,
       COALESCE((SELECT json_agg(json_build_array(s.started_at, s.ended_at, s.reason) ORDER BY s.id)
                 FROM item_suspensions s WHERE s.item_id = i.id), '[]') AS suspensions
FROM items i;
