/* store_pg.c: PostgreSQL backend (being written: issue 3). */
#include "store/store_impl.h"

#include <stdio.h>

static struct conn_impl *pg_connect(const char *target, const struct store_options *opt, char *err, size_t n)
{
    (void)target;
    (void)opt;
    snprintf(err, n, "PostgreSQL backend not available in this build");
    return NULL;
}

const struct store_ops store_pg_ops = {.kind = "postgres", .connect = pg_connect};
