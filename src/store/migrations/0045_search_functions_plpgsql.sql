-- postgres only
-- 0045: the search document's two functions, which the ledger's triggers (migration 0050) call at every
-- registration and at every change of an item's number, title, requirement or tracks (2 and 3 calls a
-- registration). PL/pgSQL, not SQL: a SQL function that cannot be inlined (both aggregate) is parsed and planned
-- again at every call (fmgr_sql), a PL/pgSQL one keeps its plan for the session. They were SQL functions of 0050
-- (same text and results); a new database runs this migration before 0050 (numbers are not the order of
-- application on existing databases, which replace 0050's with these), and the references to ducha_grams and
-- item_scope are resolved at the first call. Measured with pgbench, one call a statement: item_search_scope
-- 1,065-1,307 -> 2,844-4,007 calls/s, item_search_words 495-563 -> 834-983 (docs/internals/store.md).

-- The words of an item's search document: number (A), title (B) and requirement (C), positions 1-based with gaps
-- between the fields so that no phrase spans two of them.
CREATE OR REPLACE FUNCTION item_search_words(number text, title text, requirement text) RETURNS tsvector AS $$
BEGIN
    RETURN (SELECT COALESCE(string_agg(quote_literal(g.tok) || ':' || LEAST(g.pos + g.base, 16383) || g.w, ' '),
                            '')::tsvector
            FROM (SELECT d.tok, d.pos, 1 AS base, 'A' AS w FROM ducha_grams(number, true) d
                  UNION ALL SELECT d.tok, d.pos, 1001, 'B' FROM ducha_grams(title, true) d
                  UNION ALL SELECT d.tok, d.pos, 2001, 'C' FROM ducha_grams(requirement, true) d) g);
END $$ LANGUAGE plpgsql IMMUTABLE;

-- The scope lexemes '@<unit>' of an item (no position: ts_filter(tsv, '{a,b,c}') drops them).
CREATE OR REPLACE FUNCTION item_search_scope(x bigint) RETURNS tsvector AS $$
BEGIN
    RETURN (SELECT COALESCE(string_agg(quote_literal('@' || s.unit_id), ' '), '')::tsvector
            FROM item_scope s WHERE s.item_id = x);
END $$ LANGUAGE plpgsql STABLE;
