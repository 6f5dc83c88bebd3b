/*
 * store_one.c: one-liners over the statement API (store.h): db_exec, db_one_int, db_one_text and
 * db_query take the SQL and its values together, check that the values match the placeholders,
 * and finish the statement on every path.
 */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"

/* Number of `?` placeholders outside quoted strings, quoted identifiers and comments (the same
 * reading as the PostgreSQL backend's placeholder translation). */
static int count_placeholders(const char *sql)
{
    int n = 0;
    for (const char *p = sql; *p;) {
        if (*p == '\'' || *p == '"') {
            char q = *p++;
            while (*p && !(*p == q && p[1] != q))
                p += *p == q ? 2 : 1;
            if (*p)
                p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            p += 2;
            while (*p && !(p[0] == '*' && p[1] == '/'))
                p++;
            if (*p)
                p += 2;
        } else {
            n += *p++ == '?';
        }
    }
    return n;
}

static int count_binds(const struct db_bind *b)
{
    int n = 0;
    while (b[n].type != DB_BIND_END_)
        n++;
    return n;
}

void stmt_bind_all(struct stmt *st, const struct db_bind *b)
{
    for (int i = 0; b[i].type != DB_BIND_END_; i++) {
        switch (b[i].type) {
        case DB_BIND_INT_:
            stmt_bind_int(st, i + 1, b[i].i);
            break;
        case DB_BIND_REAL_:
            stmt_bind_double(st, i + 1, b[i].d);
            break;
        case DB_BIND_TEXT_:
            stmt_bind_text(st, i + 1, b[i].s);
            break;
        case DB_BIND_NULL_:
        case DB_BIND_END_:
            stmt_bind_null(st, i + 1);
            break;
        }
    }
}

struct stmt *db_query_a(struct db *db, const char *sql, const struct db_bind *binds)
{
    int want = count_placeholders(sql), have = count_binds(binds);
    if (want != have) {
        log_error("bug: %d values bound to %d placeholders in: %s", have, want, sql);
        return NULL;
    }
    if (db_late_refused(db, sql, binds))
        return NULL;
    struct stmt *st = db_prepare(db, sql);
    if (st)
        stmt_bind_all(st, binds);
    return st;
}

/* Runs sql with binds to its first step; on a row, keep(st, arg) reads it. The statement is done. */
static enum err run(struct db *db, const char *sql, const struct db_bind *binds, bool want_row,
                    void (*keep)(struct stmt *st, void *arg), void *arg)
{
    struct stmt *st = db_query_a(db, sql, binds);
    if (!st)
        return db_connected(db) ? ERR_INTERNAL : ERR_UNAVAILABLE;
    enum err e = ERR_OK;
    int rc = stmt_step(st);
    if (rc == STORE_ROW && keep)
        keep(st, arg);
    else if (rc == STORE_DONE && want_row)
        e = ERR_NOT_FOUND;
    else if (rc < 0)
        e = store_err(rc);
    stmt_done(st);
    return e;
}

enum err db_exec_a(struct db *db, const char *sql, const struct db_bind *binds)
{
    if (db_late_hold(db, sql, binds))
        return ERR_OK;
    return run(db, sql, binds, false, NULL, NULL);
}

enum err db_exec_later_a(struct db *db, const char *sql, const struct db_bind *binds)
{
    if (db_late_hold(db, sql, binds))
        return ERR_OK;
    if (!db_sends_later(db))
        return run(db, sql, binds, false, NULL, NULL);
    struct stmt *st = db_query_a(db, sql, binds);
    if (!st)
        return db_connected(db) ? ERR_INTERNAL : ERR_UNAVAILABLE;
    db_later_push(db, st);
    return ERR_OK;
}

enum err db_exec_at_commit_a(struct db *db, const char *sql, const struct db_bind *binds)
{
    if (db_hold_until_commit(db, sql, binds))
        return ERR_OK;
    return run(db, sql, binds, false, NULL, NULL);
}

enum err db_rows_flush(struct db_rows *r)
{
    if (!r->n)
        return ERR_OK;
    struct buf sql = {0};
    buf_puts(&sql, r->insert);
    for (int i = 0; i < r->n; i++) /* structure only: the values are bound */
        for (int k = 0; k < r->ncols; k++)
            buf_puts(&sql, !k ? (i ? ", (?" : "(?") : k + 1 < r->ncols ? ", ?" : ", ?)");
    r->v[r->n * r->ncols] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    enum err e = r->later ? db_exec_later_a(r->db, sql.data, r->v) : db_exec_a(r->db, sql.data, r->v);
    buf_free(&sql);
    r->n = 0;
    return e;
}

enum err db_rows_add(struct db_rows *r, const struct db_bind *row)
{
    if (!r->v)
        r->v = arena_alloc(r->arena, sizeof *r->v * (size_t)(r->batch * r->ncols + 1));
    memcpy(&r->v[r->n * r->ncols], row, sizeof *row * (size_t)r->ncols);
    return ++r->n == r->batch ? db_rows_flush(r) : ERR_OK;
}

static void keep_int(struct stmt *st, void *arg)
{
    if (!stmt_is_null(st, 0))
        *(int64_t *)arg = stmt_int(st, 0);
}

enum err db_lock_row(struct db *db, const char *table, int64_t id)
{
    if (strcmp(db_kind(db), "postgres"))
        return ERR_OK;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE id = ? FOR NO KEY UPDATE", table);
    return run(db, sql, DB_BINDS_(DB_INT(id)), false, NULL, NULL);
}

enum err db_lock_row_send(struct db *db, const char *table, int64_t id, struct stmt **out)
{
    *out = NULL;
    if (strcmp(db_kind(db), "postgres"))
        return ERR_OK;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE id = ? FOR NO KEY UPDATE", table);
    *out = db_query(db, sql, DB_INT(id));
    if (!*out)
        return db_connected(db) ? ERR_INTERNAL : ERR_UNAVAILABLE;
    stmt_send(*out);
    return ERR_OK;
}

enum err db_lock_row_end(struct stmt *st)
{
    if (!st)
        return ERR_OK;
    int rc = stmt_step(st);
    stmt_done(st);
    return rc < 0 ? store_err(rc) : ERR_OK;
}

enum err db_try_lock_row(struct db *db, const char *table, int64_t id, bool *locked)
{
    *locked = true;
    if (strcmp(db_kind(db), "postgres"))
        return ERR_OK;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE id = ? FOR NO KEY UPDATE SKIP LOCKED", table);
    enum err e = run(db, sql, DB_BINDS_(DB_INT(id)), true, NULL, NULL);
    if (e != ERR_NOT_FOUND)
        return e;
    /* skipped, or missing: only a row that exists can be held by another transaction */
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE id = ?", table);
    e = run(db, sql, DB_BINDS_(DB_INT(id)), true, NULL, NULL);
    *locked = e == ERR_NOT_FOUND;
    return e == ERR_NOT_FOUND ? ERR_OK : e;
}

enum err db_one_int_a(struct db *db, int64_t *out, const char *sql, const struct db_bind *binds)
{
    return run(db, sql, binds, true, keep_int, out);
}

struct keep_text {
    struct arena *a;
    const char **out;
};

static void keep_text(struct stmt *st, void *arg)
{
    struct keep_text *k = arg;
    *k->out = arena_strdup(k->a, stmt_text(st, 0));
}

enum err db_one_text_a(struct db *db, struct arena *a, const char **out, const char *sql, const struct db_bind *binds)
{
    struct keep_text k = {a, out};
    return run(db, sql, binds, true, keep_text, &k);
}
