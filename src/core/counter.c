#include "core/counter.h"

enum err counter_next(struct ctx *c, const char *name, int64_t *value)
{
    struct stmt *st = db_prepare(c->db, "INSERT INTO counters (name, value) VALUES (?, 0) ON CONFLICT DO NOTHING");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "分配编号");
    stmt_bind_text(st, 1, name);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "分配编号");
    st = db_prepare(c->db, "UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "分配编号");
    stmt_bind_text(st, 1, name);
    rc = stmt_one_int(st, value);
    if (rc != STORE_ROW)
        return ctx_store_fail(c, rc == STORE_DONE ? STORE_E_OTHER : rc, "分配编号");
    return ERR_OK;
}
