/* store_search.c: the ledger's full-text search fragments and query text per backend (see
 * store_search.h). */
#include "store/store_search.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/grams.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct search_sql sqlite_search = {
    .probe = "EXISTS (SELECT 1 FROM item_fts WHERE item_fts MATCH ? AND item_fts.rowid = s.item_id)",
    .matches = "SELECT item_fts.rowid AS id FROM item_fts WHERE item_fts MATCH ? ORDER BY item_fts.rowid DESC LIMIT ?",
    /* smaller is better; the number weighs most, then the title; scope tokens not at all (store_fts.c) */
    .matches_ranked = "SELECT item_fts.rowid AS id, ducha_rank(item_fts) AS rk FROM item_fts WHERE item_fts MATCH ? "
                      "ORDER BY item_fts.rowid DESC LIMIT ?",
    .match = "item_fts MATCH ?",
    /* the index first (CROSS JOIN keeps SQLite from walking the scope and probing the index) */
    .drive = "item_fts CROSS JOIN item_scope s ON s.item_id = item_fts.rowid",
    .drive_order = "item_fts.rowid",
    .rebuild = "INSERT INTO item_fts (rowid, number, title, requirement, scope) SELECT i.id, COALESCE(i.number, ''), "
               "i.title, i.requirement, (SELECT COALESCE(group_concat('u' || s.unit_id, ' '), '') FROM item_scope s "
               "WHERE s.item_id = i.id) FROM items i",
    .clear = "DELETE FROM item_fts",
    .refresh = "INSERT INTO item_scope_refresh (item_id) SELECT id FROM items",
    .before_bulk = (const char *const[]){"PRAGMA cache_size = -1048576", "PRAGMA synchronous = OFF", NULL},
    .after_bulk = (const char *const[]){"INSERT INTO item_fts (item_fts) VALUES ('optimize')",
                                        "PRAGMA synchronous = FULL", "PRAGMA cache_size = -16384", NULL},
};

static const struct search_sql pg_search = {
    .probe = "EXISTS (SELECT 1 FROM item_search g WHERE g.item_id = s.item_id AND g.tsv @@ CAST(? AS tsquery))",
    .matches = "SELECT g.item_id AS id FROM item_search g WHERE g.tsv @@ CAST(? AS tsquery) ORDER BY g.item_id DESC "
               "LIMIT ?",
    .matches_ranked = "SELECT g.item_id AS id, -ts_rank('{0, 0.2, 0.5, 1.0}', g.tsv, CAST(? AS tsquery)) AS rk FROM "
                      "item_search g WHERE g.tsv @@ CAST(? AS tsquery) ORDER BY g.item_id DESC LIMIT ?",
    .match = "g.tsv @@ CAST(? AS tsquery)",
    .clear = "DELETE FROM item_search",
    /* the scope rows only: item_search is empty, db_search_load fills it afterwards (inserting into
     * item_scope_refresh would tokenize every item in PL/pgSQL: item_scope_refresh_trg) */
    .refresh = "SELECT item_scope_recompute(ARRAY(SELECT id FROM items))",
    .before_bulk = (const char *const[]){NULL},
    .after_bulk = (const char *const[]){"ANALYZE items", "ANALYZE item_tracks", "ANALYZE item_scope",
                                        "ANALYZE item_search", "ANALYZE item_figs", "ANALYZE figure_counts", NULL},
};

const struct search_sql *db_search_sql(struct db *db)
{
    return strcmp(db_kind(db), "postgres") == 0 ? &pg_search : &sqlite_search;
}

/* One term's tokens; on PostgreSQL written as a phrase ('a' <-> 'b', which binds tighter than &). */
struct term {
    struct buf *out;
    bool pg;
    int n;
    enum gram_kind last;
};

static int term_token(void *arg, const struct gram *g)
{
    struct term *t = arg;
    if (t->pg) /* tokens hold no quote or backslash (those are separators) */
        buf_printf(t->out, "%s'%s'", t->n ? " <-> " : "", g->text);
    t->n++;
    t->last = g->kind;
    return 0;
}

char *db_search_query(struct db *db, const char *text, int64_t scope_unit)
{
    bool pg = strcmp(db_kind(db), "postgres") == 0;
    struct buf out = {0};
    int terms = 0;
    for (const char *p = text ? text : ""; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || !strncmp(p, "\u3000", 3))
            p += *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ? 1 : 3;
        const char *end = p;
        while (*end && *end != ' ' && *end != '\t' && *end != '\n' && *end != '\r' && strncmp(end, "\u3000", 3))
            end++;
        if (end == p)
            break;
        size_t mark = out.len;
        buf_puts(&out, terms ? (pg ? " & " : " AND ") : (pg ? "(" : "{number title requirement} : ("));
        if (!pg)
            buf_puts(&out, "\"");
        struct term t = {&out, pg, 0, GRAM_WORD};
        grams_each(p, (size_t)(end - p), false, term_token, &t);
        if (!pg) /* FTS5 tokenizes the phrase itself: the term's text, quotes doubled */
            for (const char *c = p; c < end; c++)
                buf_append(&out, *c == '"' ? "\"\"" : c, *c == '"' ? 2 : 1);
        bool prefix = t.last == GRAM_SINGLE || t.last == GRAM_WORD;
        if (!t.n) {
            out.len = mark; /* a term of separators only */
            if (out.data)
                out.data[mark] = 0;
        } else {
            if (pg && prefix)
                buf_puts(&out, ":*");
            if (!pg)
                buf_puts(&out, prefix ? "\" *" : "\"");
            terms++;
        }
        p = end;
    }
    if (!terms) {
        buf_free(&out);
        return NULL;
    }
    buf_puts(&out, ")");
    if (scope_unit)
        buf_printf(&out, pg ? " & '@%" PRId64 "'" : " AND {scope} : \"u%" PRId64 "\"", scope_unit);
    return buf_take(&out);
}

bool store_table_derived(const char *name)
{
    static const char *const derived[] = {
        "item_scope",  "item_counts", "item_count_deltas", "item_scope_refresh",  "item_scope_queue",
        "item_search", "item_figs",   "figure_counts",     "figure_count_deltas", "item_figs_refresh"};
    for (size_t i = 0; i < sizeof derived / sizeof *derived; i++)
        if (!strcmp(name, derived[i]))
            return true;
    return !strncmp(name, "item_fts", 8);
}

int db_counts_fold_all(struct db *db)
{
    static const char *const steps[] = {
        "INSERT INTO item_counts (unit_id, dim, key, n) SELECT unit_id, dim, key, SUM(n) FROM item_count_deltas "
        "GROUP BY unit_id, dim, key ON CONFLICT (unit_id, dim, key) DO UPDATE SET n = item_counts.n + excluded.n",
        "DELETE FROM item_count_deltas",
        "INSERT INTO figure_counts (office_path, own, unit_id, month, registered, completed, on_time, ov_in, ov_out, "
        "done_days) SELECT office_path, own, unit_id, month, SUM(registered), SUM(completed), SUM(on_time), "
        "SUM(ov_in), SUM(ov_out), SUM(done_days) FROM figure_count_deltas GROUP BY office_path, own, unit_id, month ON "
        "CONFLICT (office_path, "
        "own, unit_id, month) DO UPDATE SET registered = figure_counts.registered + excluded.registered, completed = "
        "figure_counts.completed + excluded.completed, on_time = figure_counts.on_time + excluded.on_time, ov_in = "
        "figure_counts.ov_in + excluded.ov_in, ov_out = figure_counts.ov_out + excluded.ov_out, done_days = "
        "figure_counts.done_days + excluded.done_days",
        "DELETE FROM figure_count_deltas",
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        struct stmt *st = db_prepare(db, steps[i]);
        int rc = st ? stmt_step(st) : STORE_E_OTHER;
        stmt_done(st);
        if (rc < 0)
            return rc;
    }
    return 0;
}

bool db_index_hints(struct db *db)
{
    return strcmp(db_kind(db), "postgres") != 0;
}

/* One field's words in tsvector text: 'token':position and the field's weight (item_search_words of
 * migration 0050: positions from `base`, at most 16383). */
struct words {
    struct buf *out;
    int base;
    char weight;
};

static int words_token(void *arg, const struct gram *g)
{
    struct words *w = arg;
    int pos = g->pos + w->base;
    /* tokens hold no quote, backslash or space (those are separators): quoted as they are */
    buf_printf(w->out, "%s'%s':%d%c", w->out->len ? " " : "", g->text, pos < 16383 ? pos : 16383, w->weight);
    return 0;
}

void db_search_words(struct buf *out, const char *number, const char *title, const char *requirement)
{
    const char *fields[] = {number, title, requirement};
    for (int f = 0; f < 3; f++)
        if (fields[f]) {
            struct words w = {out, 1 + 1000 * f, (char)('A' + f)};
            grams_each(fields[f], strlen(fields[f]), true, words_token, &w);
        }
}

#define WORDS_BATCH 5000

int db_search_load(struct db *db)
{
    if (strcmp(db_kind(db), "postgres") != 0)
        return 0;
    static const char *const cols[] = {"item_id", "tsv"};
    /* no JIT for the batches' reads: on tables just loaded, without statistics, the planner's estimates
     * are high enough to compile each read (~1 s a batch, longer than running it); set back afterwards */
    char jit[16] = "";
    struct stmt *st = db_prepare(db, "SELECT current_setting('jit'), set_config('jit', 'off', true)");
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    if (rc == STORE_ROW)
        snprintf(jit, sizeof jit, "%s", stmt_text(st, 0));
    stmt_done(st);
    if (rc < 0)
        return rc;
    char **ids = xcalloc(WORDS_BATCH, sizeof *ids), **docs = xcalloc(WORDS_BATCH, sizeof *docs);
    int64_t after = 0;
    for (;;) {
        /* a batch read, then loaded: the connection cannot read while a COPY is open */
        st = db_prepare(
            db, "SELECT i.id, i.number, i.title, i.requirement, (SELECT string_agg(u, ' ') FROM ("
                "SELECT u::bigint::text AS u FROM unnest(string_to_array(trim(both '/' from i.office_path), '/')) u "
                "WHERE u <> '' UNION SELECT u::bigint::text FROM item_tracks t, unnest(string_to_array(trim(both '/' "
                "from t.unit_path), '/')) u WHERE t.item_id = i.id AND u <> '') s) FROM items i WHERE i.id > ? "
                "ORDER BY i.id LIMIT ?");
        if (!st) {
            rc = STORE_E_OTHER;
            break;
        }
        stmt_bind_int(st, 1, after);
        stmt_bind_int(st, 2, WORDS_BATCH);
        int n = 0;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            after = stmt_int(st, 0);
            struct buf doc = {0};
            db_search_words(&doc, stmt_text(st, 1), stmt_text(st, 2), stmt_text(st, 3));
            /* the scope lexemes '@<unit>', without position (item_search_scope) */
            for (const char *u = stmt_text(st, 4); u && *u;) {
                size_t k = strcspn(u, " ");
                buf_printf(&doc, "%s'@%.*s'", doc.len ? " " : "", (int)k, u);
                u += k + (u[k] == ' ');
            }
            ids[n] = xstrdup(stmt_text(st, 0));
            docs[n++] = buf_take(&doc);
        }
        stmt_done(st);
        if (rc >= 0 && n) {
            struct db_copy *cp = db_copy_begin(db, "item_search", 2, (char *const *)cols);
            for (int i = 0; i < n && rc >= 0; i++)
                rc = db_copy_row(cp, (const char *const[]){ids[i], docs[i]});
            int end = db_copy_end(cp);
            rc = rc < 0 ? rc : end;
        }
        for (int i = 0; i < n; i++) {
            free(ids[i]);
            free(docs[i]);
        }
        if (rc < 0 || n < WORDS_BATCH)
            break;
    }
    free(ids);
    free(docs);
    if (rc >= 0 && *jit) {
        rc = STORE_E_OTHER;
        if ((st = db_prepare(db, "SELECT set_config('jit', ?, true)"))) {
            stmt_bind_text(st, 1, jit);
            rc = stmt_step(st);
            stmt_done(st);
        }
    }
    return rc < 0 ? rc : 0;
}
