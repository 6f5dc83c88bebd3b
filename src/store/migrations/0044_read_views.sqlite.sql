-- 0044 (SQLite; 0044_read_views.postgres.sql is the same for PostgreSQL, whose comment says why).

CREATE VIEW user_principals AS
SELECT u.id AS user_id, u.username, u.name, u.must_change_password, u.disabled,
       (SELECT json_group_array(json_array(role, unit_id, path, code, name))
        FROM (SELECT r.role, r.unit_id, un.path, un.code, un.name FROM user_roles r JOIN units un ON un.id = r.unit_id
              WHERE r.user_id = u.id ORDER BY r.id)) AS roles,
       (SELECT json_group_array(json_array(unit_id, path))
        FROM (SELECT p.unit_id, un.path FROM leader_portfolio p JOIN units un ON un.id = p.unit_id
              WHERE p.user_id = u.id ORDER BY un.path)) AS portfolio
FROM users u;

CREATE VIEW item_detail_lists AS
SELECT i.id AS item_id,
       (SELECT json_group_array(json_array(id, unit_id, unit_path, code, name, role, state, progress, received_at,
                                           plan_text, plan_date, reply_text, signed_at))
        FROM (SELECT t.id, t.unit_id, t.unit_path, u.code, u.name, t.role, t.state, t.progress, t.received_at,
                     t.plan_text, t.plan_date, t.reply_text, t.signed_at
              FROM item_tracks t JOIN units u ON u.id = t.unit_id WHERE t.item_id = i.id
              ORDER BY CASE WHEN t.role = 'lead' THEN 0 ELSE 1 END, t.id)) AS tracks,
       (SELECT json_group_array(json_array(id, number, title, state, progress, due_date, name))
        FROM (SELECT c.id, c.number, c.title, c.state, c.progress, c.due_date, u.name
              FROM items c JOIN units u ON u.id = c.lead_unit_id WHERE c.parent_id = i.id ORDER BY c.id)) AS children,
       (SELECT json_group_array(json_array(id, reason, old_date, new_date, state, requested_at, track_id, decided_at,
                                           decision_note))
        FROM (SELECT e.id, e.reason, e.old_date, e.new_date, e.state, e.requested_at, e.track_id, e.decided_at,
                     e.decision_note FROM item_extensions e WHERE e.item_id = i.id ORDER BY e.id)) AS extensions,
       (SELECT json_group_array(json_array(started_at, ended_at, reason))
        FROM (SELECT s.started_at, s.ended_at, s.reason FROM item_suspensions s WHERE s.item_id = i.id
              ORDER BY s.id)) AS suspensions
FROM items i;
