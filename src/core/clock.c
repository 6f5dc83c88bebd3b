#include "core/clock.h"

#include "base/timeu.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int64_t clock_now(struct db *db, const struct config *cfg)
{
    int64_t now = time_now();
    if (!cfg->test_clock)
        return now;
    struct stmt *st = db_prepare(db, "SELECT value FROM settings WHERE key = 'test_clock_offset'");
    if (st && stmt_step(st) == STORE_ROW)
        now += strtoll(stmt_text(st, 0), NULL, 10);
    stmt_done(st);
    return now;
}

int clock_set(struct db *db, int64_t now)
{
    char v[32];
    snprintf(v, sizeof v, "%" PRId64, now - time_now());
    struct stmt *st = db_prepare(db, "INSERT INTO settings (key, value) VALUES ('test_clock_offset', ?) "
                                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!st)
        return STORE_E_OTHER;
    stmt_bind_text(st, 1, v);
    int rc = stmt_step(st);
    stmt_done(st);
    return rc;
}
