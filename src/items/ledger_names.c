/*
 * ledger_names.c: the names on a ledger page's rows (the lead unit, the leader, each track's unit) and on the
 * overview (its unit, the lead units ranked) from a process cache instead of a B-tree descent per name and
 * request (docs/internals/ledger.md, "Where a page's time goes": 23–43 % of a first page's CPU).
 *
 * The cache holds the names read under one value of name_generation (migration 0056), which triggers set to
 * a new random value in the transaction of every change of a unit's or a user's name and every deletion of
 * either. Each page reads that value in the same snapshot as its rows (ledger_names_send: sent with the
 * page's statements, no round trip of its own on PostgreSQL); a value the cache was not filled under empties
 * it. A name read after the value is read is at least as new as that value, so an entry is stored only under
 * the value its request read, and only while the cache still holds that value: a request that read an older
 * value never stores a name under a newer one. Names the cache lacks are read in one statement per 400 ids.
 */
#include "items/ledger.h"
#include "items/items_internal.h"

#include "base/buf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NAMES_MAX 65536 /* entries per kind; a cache that would hold more starts again empty */
#define MISS_CHUNK 400  /* ids per statement reading names the cache lacks */

struct name_slot {
    int64_t id; /* 0: empty */
    char *name;
};
struct name_table {
    struct name_slot *slot;
    size_t cap, n; /* cap: a power of two, or 0 */
};

enum { KIND_UNIT, KIND_USER, KIND_CODE, KIND__N };
/* where a kind's names are read: the table and its column */
static const struct {
    const char *table, *col;
} kind_src[KIND__N] = {{"units", "name"}, {"users", "name"}, {"units", "code"}};

static pthread_mutex_t names_mu = PTHREAD_MUTEX_INITIALIZER;
static struct name_table names[KIND__N];
static int64_t names_gen;
static bool names_valid;

static size_t slot_of(int64_t id, size_t cap)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15u;
    return (size_t)(h >> 32) & (cap - 1);
}

static void table_clear(struct name_table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slot[i].name);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

static const char *table_get(const struct name_table *t, int64_t id)
{
    if (!t->cap)
        return NULL;
    for (size_t i = slot_of(id, t->cap);; i = (i + 1) & (t->cap - 1)) {
        if (t->slot[i].id == id)
            return t->slot[i].name;
        if (!t->slot[i].id)
            return NULL;
    }
}

static void table_put(struct name_table *t, int64_t id, const char *name)
{
    if (id <= 0 || table_get(t, id))
        return;
    if (t->n >= NAMES_MAX)
        table_clear(t);
    if ((t->n + 1) * 2 > t->cap) { /* at most half full */
        struct name_table g = {.cap = t->cap ? t->cap * 2 : 1024};
        g.slot = xcalloc(g.cap, sizeof *g.slot);
        for (size_t i = 0; i < t->cap; i++)
            if (t->slot[i].id) {
                size_t j = slot_of(t->slot[i].id, g.cap);
                while (g.slot[j].id)
                    j = (j + 1) & (g.cap - 1);
                g.slot[j] = t->slot[i];
            }
        g.n = t->n;
        free(t->slot);
        *t = g;
    }
    size_t i = slot_of(id, t->cap);
    while (t->slot[i].id)
        i = (i + 1) & (t->cap - 1);
    t->slot[i].id = id;
    size_t len = strlen(name);
    t->slot[i].name = xmalloc(len + 1);
    memcpy(t->slot[i].name, name, len + 1);
    t->n++;
}

struct stmt *ledger_names_send(struct ctx *c)
{
    struct stmt *st = db_prepare(c->db, "SELECT gen FROM name_generation WHERE id = 1");
    stmt_send(st);
    return st;
}

/* The ids of one kind the cache lacked, sorted and unique, with the names read for them. */
struct misses {
    int64_t *id;
    const char **name;
    int n, cap;
};

static void miss_add(struct arena *a, struct misses *m, int64_t id)
{
    m->id = arena_grow(a, m->id, m->n, &m->cap, sizeof *m->id);
    m->id[m->n++] = id;
}

static int id_cmp(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static void miss_sort(struct arena *a, struct misses *m)
{
    if (m->n)
        qsort(m->id, (size_t)m->n, sizeof *m->id, id_cmp);
    int k = 0;
    for (int i = 0; i < m->n; i++)
        if (!k || m->id[k - 1] != m->id[i])
            m->id[k++] = m->id[i];
    m->n = k;
    m->name = arena_alloc(a, sizeof *m->name * (size_t)(m->n + 1));
    memset(m->name, 0, sizeof *m->name * (size_t)(m->n + 1));
}

static const char *miss_name(const struct misses *m, int64_t id)
{
    const int64_t *p = m->n ? bsearch(&id, m->id, (size_t)m->n, sizeof id, id_cmp) : NULL;
    return p ? m->name[p - m->id] : NULL;
}

/* Reads the names of m's ids of the kind, MISS_CHUNK at a time, into m->name. */
static enum err misses_read(struct ctx *c, struct arena *a, struct misses *m, int kind)
{
    for (int from = 0; from < m->n; from += MISS_CHUNK) {
        int k = m->n - from < MISS_CHUNK ? m->n - from : MISS_CHUNK;
        struct buf sql = {0};
        buf_printf(&sql, "SELECT id, %s FROM %s WHERE ", kind_src[kind].col, kind_src[kind].table);
        db_sql_in_ints(c->db, &sql, "id", k);
        struct stmt *st = db_prepare(c->db, sql.data);
        buf_free(&sql);
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "查询台账");
        stmt_bind_ints(st, 1, m->id + from, k);
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            int64_t id = stmt_int(st, 0);
            const int64_t *p = bsearch(&id, m->id + from, (size_t)k, sizeof id, id_cmp);
            if (p)
                m->name[p - m->id] = arena_strdup(a, stmt_text(st, 1));
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "查询台账");
    }
    return ERR_OK;
}

/* The cached name of id copied into a, or NULL (names_mu held). */
static const char *cached(struct arena *a, int kind, int64_t id)
{
    const char *s = table_get(&names[kind], id);
    return s ? arena_strdup(a, s) : NULL;
}

/* One name wanted: *dst set to the name of id (a unit's or a user's), or left NULL when there is none. */
struct name_ref {
    int kind;
    int64_t id;
    const char **dst;
};

/* Sets every ref's name from the cache valid under the names' generation gen (known: read; without the row, a
 * partial restore, nothing is cached), reading the ones it lacks in one statement per MISS_CHUNK ids of a kind,
 * and stores those under that value. */
static enum err names_resolve_at(struct ctx *c, struct arena *a, bool known, int64_t gen, struct name_ref *ref, int n)
{
    struct misses miss[KIND__N] = {{0}};
    pthread_mutex_lock(&names_mu);
    if (!known || !names_valid || names_gen != gen) {
        for (int k = 0; k < KIND__N; k++)
            table_clear(&names[k]);
        names_gen = gen;
        names_valid = known;
    }
    for (int i = 0; i < n; i++)
        if (!(*ref[i].dst = cached(a, ref[i].kind, ref[i].id)))
            miss_add(a, &miss[ref[i].kind], ref[i].id);
    pthread_mutex_unlock(&names_mu);
    int missing = 0;
    for (int k = 0; k < KIND__N; k++)
        missing += miss[k].n;
    if (!missing)
        return ERR_OK;
    enum err e = ERR_OK;
    for (int k = 0; k < KIND__N && !e; k++) {
        miss_sort(a, &miss[k]);
        e = misses_read(c, a, &miss[k], k);
    }
    if (e)
        return e;
    pthread_mutex_lock(&names_mu);
    if (names_valid && names_gen == gen)
        for (int k = 0; k < KIND__N; k++)
            for (int i = 0; i < miss[k].n; i++)
                if (miss[k].name[i])
                    table_put(&names[k], miss[k].id[i], miss[k].name[i]);
    pthread_mutex_unlock(&names_mu);
    for (int i = 0; i < n; i++)
        if (!*ref[i].dst)
            *ref[i].dst = miss_name(&miss[ref[i].kind], ref[i].id);
    return ERR_OK;
}

/* names_resolve_at under the value gen_st reads (and finishes). */
static enum err names_resolve(struct ctx *c, struct arena *a, struct stmt *gen_st, struct name_ref *ref, int n)
{
    int64_t gen = 0;
    int rc = gen_st ? stmt_one_int(gen_st, &gen) : STORE_E_OTHER;
    if (rc < 0)
        return ctx_store_fail(c, rc, "查询台账");
    return names_resolve_at(c, a, rc == STORE_ROW, gen, ref, n);
}

enum err ledger_item_names(struct ctx *c, bool known, int64_t gen, struct item *it, const int64_t *kid_units,
                           const char **kid_names, int nkids)
{
    struct name_ref *ref = arena_alloc(c->arena, sizeof *ref * (size_t)(3 + 2 * it->ntracks + nkids));
    int n = 0;
    ref[n++] = (struct name_ref){KIND_UNIT, it->office_unit_id, &it->office_name};
    ref[n++] = (struct name_ref){KIND_UNIT, it->lead_unit_id, &it->lead_name};
    if (it->leader_id)
        ref[n++] = (struct name_ref){KIND_USER, it->leader_id, &it->leader_name};
    for (int i = 0; i < it->ntracks; i++) {
        ref[n++] = (struct name_ref){KIND_UNIT, it->tracks[i].unit_id, &it->tracks[i].unit_name};
        ref[n++] = (struct name_ref){KIND_CODE, it->tracks[i].unit_id, &it->tracks[i].unit_code};
    }
    for (int i = 0; i < nkids; i++)
        ref[n++] = (struct name_ref){KIND_UNIT, kid_units[i], &kid_names[i]};
    return names_resolve_at(c, c->arena, known, gen, ref, n);
}

enum err ledger_names_fill(struct ctx *c, struct arena *a, struct stmt *gen_st, struct ledger_row *rows, int n)
{
    size_t cap = 0;
    for (int i = 0; i < n; i++)
        cap += 2 + (size_t)rows[i].ntracks;
    struct name_ref *ref = arena_alloc(a, sizeof *ref * (cap + 1));
    int nref = 0;
    for (int i = 0; i < n; i++) {
        struct ledger_row *r = &rows[i];
        ref[nref++] = (struct name_ref){KIND_UNIT, r->lead_unit_id, &r->lead_unit_name};
        if (r->leader_id)
            ref[nref++] = (struct name_ref){KIND_USER, r->leader_id, &r->leader_name};
        for (int j = 0; j < r->ntracks; j++)
            ref[nref++] = (struct name_ref){KIND_UNIT, r->tracks[j].unit_id, &r->tracks[j].unit_name};
    }
    return names_resolve(c, a, gen_st, ref, nref);
}

enum err ledger_unit_names(struct ctx *c, struct stmt *gen_st, const int64_t *ids, const char **out, int n)
{
    struct name_ref *ref = arena_alloc(c->arena, sizeof *ref * (size_t)(n + 1));
    for (int i = 0; i < n; i++)
        ref[i] = (struct name_ref){KIND_UNIT, ids[i], &out[i]};
    return names_resolve(c, c->arena, gen_st, ref, n);
}
