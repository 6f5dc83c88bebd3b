-- 0304 (PostgreSQL; 0304_search_number_only.sqlite.sql is empty): a submission numbers its item (UPDATE items SET
-- number …), and the item's search document was made again whole — the title and the requirement tokenized again by
-- the PL/pgSQL tokenizer (item_search_words: 0.42 ms for a 344-character requirement), though only the number
-- changed. When the number alone changes, its lexemes (weight A) are replaced and the title's and the requirement's
-- (B, C) kept with their positions: the document is the same as made afresh (tsvector's text input merges a lexeme's
-- positions; tests/api/test_ledger_scale.py `test_search_finds_short_and_long_words_only_in_scope` compares every
-- item's document with a fresh one after numberings).
-- Otherwise as in 0050. Kept with 0303's plan_cache_mode (CREATE OR REPLACE would drop it).
CREATE OR REPLACE FUNCTION item_scope_items_trg() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM item_scope WHERE item_id = OLD.id;
        DELETE FROM item_search WHERE item_id = OLD.id;
        RETURN OLD;
    END IF;
    IF OLD.state IS DISTINCT FROM NEW.state OR OLD.due_date IS DISTINCT FROM NEW.due_date
       OR OLD.updated_at IS DISTINCT FROM NEW.updated_at OR OLD.num_year IS DISTINCT FROM NEW.num_year
       OR OLD.num_seq IS DISTINCT FROM NEW.num_seq OR OLD.source_kind IS DISTINCT FROM NEW.source_kind
       OR OLD.lead_unit_id IS DISTINCT FROM NEW.lead_unit_id OR OLD.closed_at IS DISTINCT FROM NEW.closed_at
       OR (OLD.assigned_at IS NULL) <> (NEW.assigned_at IS NULL) THEN
        UPDATE item_scope SET state = NEW.state, due_date = NEW.due_date, updated_at = NEW.updated_at,
            numkey = COALESCE(NEW.num_year, 0)::bigint * 10000000 + COALESCE(NEW.num_seq, 0), source_kind = NEW.source_kind,
            lead_unit_id = NEW.lead_unit_id,
            done_month = CASE WHEN NEW.state IN ('completed', 'archived') THEN substr(NEW.closed_at, 1, 7) END,
            assigned = CASE WHEN NEW.assigned_at IS NOT NULL THEN 1 ELSE 0 END,
            vis = CASE WHEN NEW.assigned_at IS NOT NULL OR strpos(NEW.office_path, '/' || unit_id || '/') > 0
                       THEN 1 ELSE 0 END
            WHERE item_id = NEW.id;
    END IF;
    IF OLD.title IS DISTINCT FROM NEW.title OR OLD.requirement IS DISTINCT FROM NEW.requirement THEN
        UPDATE item_search SET tsv = item_search_words(NEW.number, NEW.title, NEW.requirement)
                                     || item_search_scope(NEW.id)
            WHERE item_id = NEW.id;
    ELSIF OLD.number IS DISTINCT FROM NEW.number THEN
        UPDATE item_search SET tsv = (ts_filter(tsv, '{b,c}')::text || ' '
                                      || item_search_words(NEW.number, NULL, NULL)::text)::tsvector
                                     || item_search_scope(NEW.id)
            WHERE item_id = NEW.id;
    END IF;
    IF OLD.office_path IS DISTINCT FROM NEW.office_path THEN
        INSERT INTO item_scope_queue (item_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan;
