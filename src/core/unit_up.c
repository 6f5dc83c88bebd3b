#include "core/unit_up.h"

#include "core/perm.h"

#include <string.h>

int unit_path_up(struct arena *a, const char *path, const char ***out)
{
    *out = NULL;
    size_t len = path ? strlen(path) : 0;
    if (len < 2 || path[0] != '/' || path[len - 1] != '/')
        return 0;
    int n = 0;
    for (size_t i = 1; i < len; i++)
        n += path[i] == '/';
    const char **v = arena_alloc(a, sizeof *v * (size_t)n);
    int k = 0;
    for (size_t i = 1; i < len; i++)
        if (path[i] == '/')
            v[k++] = arena_strndup(a, path, i + 1);
    *out = v;
    return n;
}

const char *unit_up_in(struct arena *a, const char *col, int n)
{
    if (n <= 0)
        return "1 = 0";
    char *s = arena_alloc(a, strlen(col) + 6 + 3 * (size_t)n + 1);
    char *p = s + strlen(strcpy(s, col));
    p = stpcpy(p, " IN (?");
    for (int i = 1; i < n; i++)
        p = stpcpy(p, ", ?");
    strcpy(p, ")");
    return s;
}

bool unit_up_or_below(struct arena *a, const char *col, const char *path, struct db_bind *b, int *nb, int cap,
                      const char **sql)
{
    const char **up;
    int n = unit_path_up(a, path, &up);
    if (*nb + 2 + n > cap)
        return false;
    *sql = arena_printf(a, "((%s >= ? AND %s < ?) OR %s)", col, col, unit_up_in(a, col, n));
    b[(*nb)++] = DB_TEXT(path);
    b[(*nb)++] = DB_TEXT(perm_path_upper(a, path));
    for (int i = 0; i < n; i++)
        b[(*nb)++] = DB_TEXT(up[i]);
    return true;
}

struct stmt *unit_up_query(struct db *db, struct arena *a, const char *head, const char *path, const char *tail,
                           const struct db_bind *after)
{
    const char **up;
    int n = unit_path_up(a, path, &up), m = 0;
    while (after && after[m].type != DB_BIND_END_)
        m++;
    struct db_bind *b = arena_alloc(a, sizeof *b * (size_t)(n + m + 1));
    for (int i = 0; i < n; i++)
        b[i] = DB_TEXT(up[i]);
    for (int i = 0; i < m; i++)
        b[n + i] = after[i];
    b[n + m] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    const char *sql = n ? arena_printf(a, "%s%s%s", head, unit_up_in(a, "", n), tail)
                        : arena_printf(a, "%s IS NULL AND 1 = 0%s", head, tail);
    return db_query_a(db, sql, b);
}
