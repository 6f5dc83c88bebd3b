#include "core/counter.h"

#include "base/arena.h"
#include "core/unit_up.h"

#include <inttypes.h>

/* One statement: the row created at 1 or incremented, in one round trip and one wait for the row's lock
 * (an INSERT … DO NOTHING before an UPDATE waited for a concurrent registration's commit twice, and
 * both waits happened while this transaction held its own locks). */
static int counter_step(struct ctx *c, const char *name, int64_t *value)
{
    struct stmt *st = db_prepare(c->db, "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE "
                                        "SET value = counters.value + 1 RETURNING value");
    if (!st)
        return db_connected(c->db) ? STORE_E_OTHER : STORE_E_CONN;
    stmt_bind_text(st, 1, name);
    int rc = stmt_one_int(st, value);
    return rc == STORE_ROW ? 0 : rc == STORE_DONE ? STORE_E_OTHER : rc;
}

enum err counter_next(struct ctx *c, const char *name, int64_t *value)
{
    int rc = counter_step(c, name, value);
    return rc < 0 ? ctx_store_fail(c, rc, "分配编号") : ERR_OK;
}

enum err counter_series_prefix(struct ctx *c, const char *office_path, const char **prefix)
{
    *prefix = "";
    struct stmt *st = unit_up_query(c->db, c->arena, "SELECT prefix FROM units WHERE path", office_path,
                                    " AND prefix <> '' ORDER BY depth DESC LIMIT 1", NULL);
    if (!st)
        return ctx_store_fail(c, db_connected(c->db) ? STORE_E_OTHER : STORE_E_CONN, "分配编号");
    int rc = stmt_step(st);
    if (rc == STORE_ROW && stmt_text(st, 0))
        *prefix = arena_strdup(c->arena, stmt_text(st, 0));
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "分配编号") : ERR_OK;
}

enum err counter_series_number(struct ctx *c, const char *key, int64_t office_unit_id, const char *office_path,
                               const char *series, int year, const char **out, int64_t *seq)
{
    const char *prefix;
    enum err e = counter_series_prefix(c, office_path, &prefix);
    if (!e)
        e = counter_next(c, arena_printf(c->arena, "%s:%" PRId64 ":%d", key, office_unit_id, year), seq);
    if (!e)
        *out = arena_printf(c->arena, "%s%s〔%d〕%" PRId64 "号", prefix, series, year, *seq);
    return e;
}

struct late_counter {
    struct ctx *c;
    const char *name, *prefix, *suffix;
    counter_fill_fn fill;
    void *arg;
};

static const char *counter_text(struct ctx *c, const struct late_counter *l, int64_t value)
{
    return arena_printf(c->arena, "%s%" PRId64 "%s", l->prefix, value, l->suffix);
}

/* The commit's first statement (store.c late_release): the counter's row is locked from here to COMMIT. */
static int take_late(struct db *db, void *arg, char **value)
{
    (void)db;
    struct late_counter *l = arg;
    int64_t v;
    int rc = counter_step(l->c, l->name, &v);
    if (rc < 0)
        return rc;
    const char *text = counter_text(l->c, l, v);
    enum err e = l->fill(l->c, l->arg, v, text);
    if (e)
        return e == ERR_UNAVAILABLE ? STORE_E_CONN : STORE_E_OTHER;
    *value = xstrdup(text);
    return 0;
}

/* U+E000 … U+E001 (private use: never typed, valid UTF-8 in any text or JSON) around the key. */
static const char *late_token(struct ctx *c, const char *key)
{
    return arena_printf(c->arena, "\xee\x80\x80%s\xee\x80\x81", key);
}

enum err counter_next_late(struct ctx *c, const char *key, const char *name, const char *prefix, const char *suffix,
                           counter_fill_fn fill, void *arg, const char **text_out)
{
    struct late_counter *l = arena_alloc(c->arena, sizeof *l);
    *l = (struct late_counter){
        c, arena_strdup(c->arena, name), arena_strdup(c->arena, prefix), arena_strdup(c->arena, suffix), fill, arg};
    if (!db_outermost(c->db)) { /* nested: the outer transaction's commit is not ours to order */
        int64_t v;
        enum err e = counter_next(c, name, &v);
        if (e)
            return e;
        *text_out = counter_text(c, l, v);
        return fill(c, arg, v, *text_out);
    }
    const char *token = late_token(c, key);
    if (db_late(c->db, key, token, take_late, l) < 0)
        return ctx_store_fail(c, STORE_E_OTHER, "分配编号");
    *text_out = token;
    return ERR_OK;
}

const char *counter_late_token(struct ctx *c, const char *key)
{
    return db_late_token(c->db, key);
}
