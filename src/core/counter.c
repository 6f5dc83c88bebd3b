#include "core/counter.h"

/* One statement: the row created at 1 or incremented, in one round trip and one wait for the row's lock
 * (an INSERT … DO NOTHING before an UPDATE waited for a concurrent registration's commit twice, and
 * both waits happened while this transaction held its own locks). */
enum err counter_next(struct ctx *c, const char *name, int64_t *value)
{
    struct stmt *st = db_prepare(c->db, "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE "
                                        "SET value = counters.value + 1 RETURNING value");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "分配编号");
    stmt_bind_text(st, 1, name);
    int rc = stmt_one_int(st, value);
    if (rc != STORE_ROW)
        return ctx_store_fail(c, rc == STORE_DONE ? STORE_E_OTHER : rc, "分配编号");
    return ERR_OK;
}
