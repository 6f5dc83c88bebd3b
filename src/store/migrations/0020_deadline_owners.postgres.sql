-- 0020: deadlines by owner. Milestones belonged to items (item_id); now to any object that has
-- deadlines, named by (owner_kind, owner_id): 'item' for every existing row. PostgreSQL renames the
-- column and replaces the unique constraint in place (ids and the identity sequence stay).
ALTER TABLE milestones RENAME COLUMN item_id TO owner_id;
ALTER TABLE milestones ADD COLUMN owner_kind TEXT NOT NULL DEFAULT 'item';
ALTER TABLE milestones ALTER COLUMN owner_kind DROP DEFAULT;
ALTER TABLE milestones DROP CONSTRAINT milestones_item_id_unit_id_kind_seq_key;
ALTER TABLE milestones ADD CONSTRAINT milestones_owner_kind_owner_id_unit_id_kind_seq_key
    UNIQUE (owner_kind, owner_id, unit_id, kind, seq);
