/* migrations.h: the numbered migrations of src/store/migrations, embedded at build time. */
#ifndef DUCHA_MIGRATIONS_H
#define DUCHA_MIGRATIONS_H

#include <stddef.h>

struct store_migration {
    int version;
    const char *name;
    const char *sql;
    const char *backend; /* "sqlite" or "postgres": that backend only; NULL: every backend */
};

extern const struct store_migration store_migrations[];
extern const size_t store_migrations_n;

#endif
