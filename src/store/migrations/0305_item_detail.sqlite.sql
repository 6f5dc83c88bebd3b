-- 0305 (SQLite; see 0305_item_detail.postgres.sql): an item's detail in one statement without joins for its names. The
-- detail read the item with its office's, lead unit's and leader's names (three joins) and joined view item_detail_lists
-- (0044) on the item's id (the item read twice); on PostgreSQL each join is plan nodes built again at every execution
-- (`ExecutorStart`, over a third of the backends' CPU for item detail). item_detail is the item's columns, its four
-- lists as in 0044 and the names' generation (migration 0056) read with them: the three names come from the process
-- cache valid under that generation (items/ledger_names.c, as the ledger's rows). item_detail_lists is read by nothing
-- else and is dropped (IF EXISTS: a database taken back to before a migration of its tables, as tests do, has it no
-- more).
DROP VIEW IF EXISTS item_detail_lists;
CREATE VIEW item_detail AS
SELECT i.id, i.number, i.num_year, i.num_seq, i.title, i.requirement, i.source_kind, i.source_ref, i.source_date,
       i.office_unit_id, i.office_path, i.lead_unit_id, i.lead_path, i.leader_id, i.importance, i.kind, i.due_date,
       i.confidentiality, i.tags, i.state, i.resume_state, i.parent_id, i.progress, i.grade, i.escalated, i.year,
       i.created_by, i.created_at, i.updated_at, i.closed_at, i.version, i.assigned_at, i.source_clue_id,
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
              ORDER BY s.id)) AS suspensions,
       (SELECT g.gen FROM name_generation g WHERE g.id = 1) AS names_gen
FROM items i;
