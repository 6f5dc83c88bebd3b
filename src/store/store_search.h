/*
 * store_search.h: the ledger's full-text search on each backend (migration 0050): SQLite's FTS5
 * table item_fts (tokenizer 'ducha', store_fts.c) and PostgreSQL's item_search.tsv (GIN). Both
 * index the tokens of base/grams.h (CJK bigrams, ASCII words) of number, title and requirement,
 * and the scope units of each item, so that a search is restricted to a scope inside the index.
 * Domain code composes its SQL from these fragments; the query text is built here.
 */
#ifndef DUCHA_STORE_SEARCH_H
#define DUCHA_STORE_SEARCH_H

#include "base/buf.h"
#include "store/store.h"

#include <stdbool.h>

/* Fragments about the ledger's item_scope row `s`; each `?` is the query text of db_search_query. */
struct search_sql {
    const char *probe;   /* condition: item s.item_id matches ("EXISTS …", one item at a time) */
    const char *matches; /* a query of the newest matches' ids (column id; 2nd parameter: how many) */
    /* the same with each match's rank (columns id, rk: smaller is better; bm25-like on SQLite, ts_rank on
     * PostgreSQL). Parameters: with three, the query without its scope (the rank's: ts_rank weighs every
     * lexeme of its query, and the scope's, of weight 0, made every rank 0), the query, how many; with two,
     * the query (ducha_rank leaves the scope's column out) and how many */
    const char *matches_ranked;
    const char *match; /* condition on the index joined by `drive` */
    /* where the index delivers its matches in item id order (SQLite FTS5): "FROM" text joining s to
     * the index, and the index's id column; NULL where the planner chooses (PostgreSQL) */
    const char *drive, *drive_order;
    /* fills the index from items and item_scope after it was emptied (NULL: item_scope_refresh does) */
    const char *rebuild;
    const char *clear; /* empties the index */
    /* recomputes every item's scope rows after they were deleted (SQLite: and its row in the index;
     * PostgreSQL: the documents come after it, db_search_load) */
    const char *refresh;
    /* statements (NULL-terminated) before and after a bulk load on this connection (ducha gen): a
     * large page cache and no fsync on SQLite; statistics on PostgreSQL */
    const char *const *before_bulk, *const *after_bulk;
};
const struct search_sql *db_search_sql(struct db *db);

/*
 * The query text for the words of text: whitespace separates terms, all of which must match; a
 * term matches as a phrase of its tokens (a substring, separators aside), its last token as a
 * prefix when it is a single ideograph or an ASCII word. scope_unit (0: none) restricts the
 * matches to the items with a scope row at that unit. Returns NULL when text has no token, else
 * malloc'd text the caller frees.
 */
char *db_search_query(struct db *db, const char *text, int64_t scope_unit);

/* True where a query names the index a walk must take ("INDEXED BY", SQLite): without statistics
 * its planner cannot tell which of the ledger's indexes delivers the requested order. PostgreSQL's
 * planner chooses from its statistics. */
bool db_index_hints(struct db *db);

/* True for the tables the triggers of migrations 0050/0051 derive from items and item_tracks (the
 * scope rows, counters, search index and its SQLite shadow tables): a copy of the database
 * (migrate-data) leaves them out and lets the target's triggers fill them. ledger_light_dates is
 * copied (before the items, having no references), so the lights come out the same. */
bool store_table_derived(const char *name);
/* Adds every counter delta to item_counts and figure_counts and empties the delta tables, inside the caller's
 * transaction, on a database nobody else writes (after a bulk copy). 0 or a negative store code. */
int db_counts_fold_all(struct db *db);

/* Appends to out the words of an item's search document in PostgreSQL's tsvector text, the document that
 * item_search_words (migration 0050, PL/pgSQL) makes of the same fields: the tokens of base/grams.h in document
 * mode, number weight A from position 1, title B from 1001, requirement C from 2001 (at most 16383); NULL
 * fields have none. */
void db_search_words(struct buf *out, const char *number, const char *title, const char *requirement);
/* PostgreSQL: loads into item_search, which the caller has emptied, every item's search document — its words
 * (db_search_words) and its scope lexemes '@<unit>', the units on its office path and its tracks' unit paths
 * (item_scope's units, read from items and item_tracks so that it does not wait for the scope rows), the
 * document item_search_words || item_search_scope makes —, computed here and streamed with COPY in batches of
 * items (the PL/pgSQL tokenizer cost ~0.9 ms an item). SQLite: nothing (FTS5 tokenizes in C already: `rebuild`).
 * Inside the caller's transaction; 0 or a negative store code. */
int db_search_load(struct db *db);

#endif
