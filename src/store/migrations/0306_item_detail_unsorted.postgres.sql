-- 0306 (PostgreSQL; see 0306_item_detail_unsorted.sqlite.sql): view item_detail (0305) without plan nodes the C code
-- can do without. Each of the four lists was an aggregate (`json_agg … ORDER BY`) over a join or a scan: PostgreSQL
-- builds every node of a plan again at each execution, and the aggregates' set-up was the largest part of the
-- detail's `ExecutorStart` (15.9 % of the backends' CPU under the item-detail benchmark, `perf`). Now each list is an
-- ARRAY subquery of the rows as they come: the C code sorts them (tracks lead first then by id, the others by id;
-- the suspensions carry their id for it) and takes the tracks' unit names and codes and the children's lead unit
-- names from the names' cache (items/ledger_names.c), so the tracks and the children no longer join units.
-- pgbench of the statement alone (prepared, one client): 32–35 µs above `SELECT 1` before, 17–20 after.
DROP VIEW IF EXISTS item_detail;
CREATE VIEW item_detail AS
SELECT i.id, i.number, i.num_year, i.num_seq, i.title, i.requirement, i.source_kind, i.source_ref, i.source_date,
       i.office_unit_id, i.office_path, i.lead_unit_id, i.lead_path, i.leader_id, i.importance, i.kind, i.due_date,
       i.confidentiality, i.tags, i.state, i.resume_state, i.parent_id, i.progress, i.grade, i.escalated, i.year,
       i.created_by, i.created_at, i.updated_at, i.closed_at, i.version, i.assigned_at, i.source_clue_id,
       to_json(ARRAY(SELECT json_build_array(t.id, t.unit_id, t.unit_path, t.role, t.state, t.progress, t.received_at,
                                             t.plan_text, t.plan_date, t.reply_text, t.signed_at)
                     FROM item_tracks t WHERE t.item_id = i.id)) AS tracks,
       to_json(ARRAY(SELECT json_build_array(c.id, c.number, c.title, c.state, c.progress, c.due_date, c.lead_unit_id)
                     FROM items c WHERE c.parent_id = i.id)) AS children,
       to_json(ARRAY(SELECT json_build_array(e.id, e.reason, e.old_date, e.new_date, e.state, e.requested_at,
                                             e.track_id, e.decided_at, e.decision_note)
                     FROM item_extensions e WHERE e.item_id = i.id)) AS extensions,
       to_json(ARRAY(SELECT json_build_array(s.id, s.started_at, s.ended_at, s.reason)
                     FROM item_suspensions s WHERE s.item_id = i.id)) AS suspensions,
       (SELECT g.gen FROM name_generation g WHERE g.id = 1) AS names_gen
FROM items i;
