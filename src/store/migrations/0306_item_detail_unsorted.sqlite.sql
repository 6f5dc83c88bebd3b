-- 0306 (SQLite; see 0306_item_detail_unsorted.postgres.sql): view item_detail (0305) in the shape PostgreSQL's needs
-- there: the four lists' rows as they come (the C code sorts them; the suspensions carry their id for it), the
-- tracks' unit names and codes and the children's lead unit names from the names' cache instead of joins of units.
DROP VIEW IF EXISTS item_detail;
CREATE VIEW item_detail AS
SELECT i.id, i.number, i.num_year, i.num_seq, i.title, i.requirement, i.source_kind, i.source_ref, i.source_date,
       i.office_unit_id, i.office_path, i.lead_unit_id, i.lead_path, i.leader_id, i.importance, i.kind, i.due_date,
       i.confidentiality, i.tags, i.state, i.resume_state, i.parent_id, i.progress, i.grade, i.escalated, i.year,
       i.created_by, i.created_at, i.updated_at, i.closed_at, i.version, i.assigned_at, i.source_clue_id,
       (SELECT json_group_array(json_array(t.id, t.unit_id, t.unit_path, t.role, t.state, t.progress, t.received_at,
                                           t.plan_text, t.plan_date, t.reply_text, t.signed_at))
        FROM item_tracks t WHERE t.item_id = i.id) AS tracks,
       (SELECT json_group_array(json_array(c.id, c.number, c.title, c.state, c.progress, c.due_date, c.lead_unit_id))
        FROM items c WHERE c.parent_id = i.id) AS children,
       (SELECT json_group_array(json_array(e.id, e.reason, e.old_date, e.new_date, e.state, e.requested_at, e.track_id,
                                           e.decided_at, e.decision_note))
        FROM item_extensions e WHERE e.item_id = i.id) AS extensions,
       (SELECT json_group_array(json_array(s.id, s.started_at, s.ended_at, s.reason))
        FROM item_suspensions s WHERE s.item_id = i.id) AS suspensions,
       (SELECT g.gen FROM name_generation g WHERE g.id = 1) AS names_gen
FROM items i;
