#include "core/counter.h"

#include "base/log.h"

enum err counter_next(struct ctx *c, const char *name, int64_t *value)
{
    const char *what = "取号";
    if (!db_in_transaction(c->db)) {
        log_error("bug: counter_next(%s) outside a transaction", name);
        return ctx_fail(c, ERR_INTERNAL, "%s：服务器内部错误", what);
    }
    /* a missing row is created first; a concurrent creator makes this wait, then do nothing */
    struct stmt *st = db_prepare(c->db, "INSERT INTO counters (name, value) VALUES (?, 0) ON CONFLICT (name) DO NOTHING");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    stmt_bind_text(st, 1, name);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, what);
    st = db_prepare(c->db, "UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    stmt_bind_text(st, 1, name);
    rc = stmt_one_int(st, value);
    if (rc != STORE_ROW)
        return ctx_store_fail(c, rc == STORE_DONE ? STORE_E_OTHER : rc, what);
    return ERR_OK;
}
