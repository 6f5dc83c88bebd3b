/*
 * ledger_counts.c: the kept counters of the ledger (item_counts, item_count_deltas: migration
 * 0050): reading them, folding PostgreSQL's deltas, the overview (综合分析) read from them, and
 * the check and rebuild of everything the triggers keep (ducha ledger check|rebuild).
 */
#include "items/ledger.h"
#include "items/items_internal.h"

#include "base/buf.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "core/perm.h"
#include "store/store_search.h"
#include "units/units.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOLD_BATCH 5000
#define TOP_LEADS 10

/* The counters of unit_id in dims. PostgreSQL's triggers append to item_count_deltas, which are added here
 * until the scheduler folds them; SQLite's update item_counts itself (one writer), so its reading is the
 * counters' index range alone — the union and its grouping were most of a page's counters read.
 * On PostgreSQL each dim is its own range (unit_id = ? AND dim = ?): with `dim IN (?, …)` the generic plan
 * that a prepared statement settles on after five runs estimated a unit's counters at a few dozen rows, took
 * unit_id alone as the index condition and filtered the dims, so the root's page walked its 8,400 counters of
 * lead units to keep 45 (2.3 ms a read at 1,000,000 items, where the custom plan took 0.4). */
enum err ledger_counts(struct ctx *c, int64_t unit_id, const char *const *dims, json_t **out)
{
    struct buf in = {0}, sql = {0};
    int nd = 0;
    for (; dims[nd]; nd++)
        buf_puts(&in, nd ? ", ?" : "?");
    bool deltas = strcmp(db_kind(c->db), "sqlite") != 0;
    if (deltas) {
        buf_puts(&sql, "SELECT dim, key, SUM(n) FROM (");
        for (int i = 0; i < nd; i++)
            buf_puts(&sql, "SELECT dim, key, n FROM item_counts WHERE unit_id = ? AND dim = ? UNION ALL ");
        buf_printf(&sql,
                   "SELECT dim, key, n FROM item_count_deltas WHERE unit_id = ? AND dim IN (%s)) x GROUP BY dim, key",
                   in.data);
    } else
        buf_printf(&sql, "SELECT dim, key, n FROM item_counts WHERE unit_id = ? AND dim IN (%s) ORDER BY dim, key",
                   in.data);
    buf_free(&in);
    struct stmt *st = db_prepare(c->db, sql.data);
    buf_free(&sql);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取统计");
    int k = 1;
    for (int i = 0; deltas && i < nd; i++) {
        stmt_bind_int(st, k++, unit_id);
        stmt_bind_text(st, k++, dims[i]);
    }
    stmt_bind_int(st, k++, unit_id);
    for (int i = 0; i < nd; i++)
        stmt_bind_text(st, k++, dims[i]);
    stmt_send(st); /* with whatever the caller sent before (the ledger's page): one round trip */
    json_t *o = json_object();
    for (int i = 0; i < nd; i++)
        json_object_set_new(o, dims[i], json_object());
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        int64_t n = stmt_int(st, 2);
        if (n)
            json_object_set_new(json_object_get(o, stmt_text(st, 0)), stmt_text(st, 1), json_integer(n));
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(o);
        return ctx_store_fail(c, rc, "读取统计");
    }
    *out = o;
    return ERR_OK;
}

/* ---- folding deltas (PostgreSQL) ---- */

struct delta {
    int64_t unit;
    char *dim, *key;
    int64_t n;
};

static int delta_cmp(const void *x, const void *y)
{
    const struct delta *a = x, *b = y;
    if (a->unit != b->unit)
        return a->unit < b->unit ? -1 : 1;
    int r = strcmp(a->dim, b->dim);
    return r ? r : strcmp(a->key, b->key);
}

/* One batch: deletes up to FOLD_BATCH deltas and adds their sums to item_counts, in one
 * transaction; the rows the DELETE returned are exactly the rows added, so a concurrent fold
 * (another node) never counts a delta twice. Upserts in key order: folds never deadlock. */
static enum err fold_batch(struct ctx *c, void *arg)
{
    int *folded = arg;
    *folded = 0;
    struct stmt *st = db_prepare(c->db, "DELETE FROM item_count_deltas WHERE id IN (SELECT id FROM item_count_deltas "
                                        "ORDER BY id LIMIT ?) RETURNING unit_id, dim, key, n");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "汇总统计");
    stmt_bind_int(st, 1, FOLD_BATCH);
    int cap = 0, n = 0, rc;
    struct delta *d = NULL;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        d = arena_grow(c->arena, d, n, &cap, sizeof *d);
        d[n++] = (struct delta){stmt_int(st, 0), arena_strdup(c->arena, stmt_text(st, 1)),
                                arena_strdup(c->arena, stmt_text(st, 2)), stmt_int(st, 3)};
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "汇总统计");
    if (n)
        qsort(d, (size_t)n, sizeof *d, delta_cmp);
    for (int i = 0; i < n;) {
        int j = i;
        int64_t sum = 0;
        for (; j < n && !delta_cmp(&d[i], &d[j]); j++)
            sum += d[j].n;
        if (sum) {
            st = db_prepare(c->db, "INSERT INTO item_counts (unit_id, dim, key, n) VALUES (?, ?, ?, ?) ON CONFLICT "
                                   "(unit_id, dim, key) DO UPDATE SET n = item_counts.n + excluded.n");
            if (!st)
                return ctx_store_fail(c, STORE_E_OTHER, "汇总统计");
            stmt_bind_int(st, 1, d[i].unit);
            stmt_bind_text(st, 2, d[i].dim);
            stmt_bind_text(st, 3, d[i].key);
            stmt_bind_int(st, 4, sum);
            rc = stmt_step(st);
            stmt_done(st);
            if (rc < 0)
                return ctx_store_fail(c, rc, "汇总统计");
        }
        i = j;
    }
    *folded = n;
    return ERR_OK;
}

static enum err item_counts_fold(struct ctx *c, int *folded)
{
    *folded = 0;
    int64_t any = 0;
    int rc = stmt_one_int(db_prepare(c->db, "SELECT COUNT(*) FROM (SELECT 1 FROM item_count_deltas LIMIT 1) x"), &any);
    if (rc < 0)
        return ctx_store_fail(c, rc, "汇总统计");
    while (any) {
        int n = 0;
        enum err e = ctx_tx(c, "汇总统计", fold_batch, &n);
        if (e)
            return e;
        *folded += n;
        if (n < FOLD_BATCH)
            break;
    }
    return ERR_OK;
}

enum err ledger_counts_fold(struct ctx *c, int *folded)
{
    int figs = 0;
    enum err e = item_counts_fold(c, folded);
    if (!e)
        e = ledger_figs_fold(c, &figs);
    *folded += figs;
    return e;
}

/* ---- the overview ---- */

/* Adds the counts of rows grouped by (state, source_kind, lead_unit_id) that `sql` returns (three
 * key columns and a count; parameters a, b) to o with sign. */
static enum err overview_adjust(struct ctx *c, json_t *o, const char *sql, int64_t a, int64_t b, int sign)
{
    struct stmt *st = db_prepare(c->db, sql);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取统计");
    stmt_bind_int(st, 1, a);
    stmt_bind_int(st, 2, b);
    static const char *const dims[] = {"state", "source", "lead"};
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        for (int d = 0; d < 3; d++) {
            json_t *m = json_object_get(o, dims[d]);
            const char *k = stmt_text(st, d);
            json_int_t v = json_integer_value(json_object_get(m, k)) + sign * stmt_int(st, 3);
            if (v)
                json_object_set_new(m, k, json_integer(v));
            else
                json_object_del(m, k);
        }
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取统计") : ERR_OK;
}

/* A unit ranked by a count (the overview's lead units). */
struct top {
    int64_t unit, n;
};

/* The TOP_LEADS units with the largest counts of m ({unit id: n}) into top, largest first (then the
 * smaller id); returns how many. */
static int top_units(json_t *m, struct top *top)
{
    int ntop = 0;
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v)
    {
        struct top t = {strtoll(k, NULL, 10), json_integer_value(v)};
        int at = ntop;
        while (at > 0 && (top[at - 1].n < t.n || (top[at - 1].n == t.n && top[at - 1].unit > t.unit)))
            at--;
        if (at >= TOP_LEADS)
            continue;
        if (ntop < TOP_LEADS)
            ntop++;
        memmove(&top[at + 1], &top[at], sizeof *top * (size_t)(ntop - 1 - at));
        top[at] = t;
    }
    return ntop;
}

/*
 * The ten largest keys (unit ids) of a scope's counters in "lead" and "lead_red", read from the index
 * item_counts_top (largest first) and corrected by the deltas not yet folded (PostgreSQL): every key a delta
 * touches is compared with its whole count, and TOP_BASE base rows are read, enough that TOP_DELTAS keys
 * whose deltas lowered them cannot hide the next one; with more keys touched, a dimension is summed over
 * every key. top_send sends the statements (with the overview's others: one round trip on PostgreSQL),
 * top_read reads them.
 */
#define TOP_BASE (TOP_LEADS * 4)
#define TOP_DELTAS (TOP_LEADS * 3)
static const char *const top_dims[] = {"lead", "lead_red"};
struct tops {
    struct stmt *base, *deltas; /* deltas: PostgreSQL only */
    bool has_deltas;
    int64_t unit;
};

static void top_send(struct ctx *c, int64_t unit, struct tops *t)
{
    t->unit = unit;
    t->has_deltas = strcmp(db_kind(c->db), "sqlite") != 0; /* none on SQLite (ledger_counts): the ten largest */
    int64_t base = t->has_deltas ? TOP_BASE : TOP_LEADS;
    t->base = db_query(c->db,
                       "SELECT dim, key, n FROM (SELECT dim, key, n FROM item_counts WHERE unit_id = ? AND dim = "
                       "'lead' AND n > 0 ORDER BY n DESC, key DESC LIMIT ?) a UNION ALL SELECT dim, key, n FROM "
                       "(SELECT dim, key, n FROM item_counts WHERE unit_id = ? AND dim = 'lead_red' AND n > 0 ORDER "
                       "BY n DESC, key DESC LIMIT ?) b",
                       DB_INT(unit), DB_INT(base), DB_INT(unit), DB_INT(base));
    stmt_send(t->base);
    t->deltas = NULL;
    if (!t->has_deltas)
        return;
    /* the keys the deltas touch, with their whole counts */
    t->deltas = db_query(c->db,
                         "SELECT dim, key, SUM(n) FROM (SELECT c.dim, c.key, c.n FROM item_counts c WHERE c.unit_id "
                         "= ? AND c.dim IN ('lead', 'lead_red') AND EXISTS (SELECT 1 FROM item_count_deltas d WHERE "
                         "d.unit_id = c.unit_id AND d.dim = c.dim AND d.key = c.key) UNION ALL SELECT dim, key, n "
                         "FROM item_count_deltas WHERE unit_id = ? AND dim IN ('lead', 'lead_red')) x GROUP BY dim, "
                         "key",
                         DB_INT(unit), DB_INT(unit));
    stmt_send(t->deltas);
}

/* Candidates of one dimension, sorted largest first, then the larger key (the index's order), into top. */
struct cand {
    char key[24];
    int64_t n;
};

static void key_set(struct cand *c, const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n >= sizeof c->key)
        n = sizeof c->key - 1;
    memcpy(c->key, key ? key : "", n);
    c->key[n] = 0;
}
static int cand_top(struct cand *cand, int ncand, struct top *top)
{
    for (int i = 1; i < ncand; i++)
        for (int j = i; j > 0 && (cand[j].n > cand[j - 1].n ||
                                  (cand[j].n == cand[j - 1].n && strcmp(cand[j].key, cand[j - 1].key) > 0));
             j--) {
            struct cand t = cand[j];
            cand[j] = cand[j - 1];
            cand[j - 1] = t;
        }
    int ntop = 0;
    for (int i = 0; i < ncand && ntop < TOP_LEADS; i++)
        if (cand[i].n > 0)
            top[ntop++] = (struct top){strtoll(cand[i].key, NULL, 10), cand[i].n};
    return ntop;
}

static int dim_of(const char *dim)
{
    return strcmp(dim, top_dims[0]) ? 1 : 0;
}

/* Reads what top_send sent into top[d] (TOP_LEADS each, ntop[d] of them) for "lead" and "lead_red". */
static enum err top_read(struct ctx *c, struct tops *t, struct top top[2][TOP_LEADS], int ntop[2])
{
    struct cand cand[2][TOP_BASE + TOP_DELTAS];
    int ncand[2] = {0, 0}, ndelta[2] = {0, 0}, rc;
    if (!t->base || (t->has_deltas && !t->deltas)) {
        stmt_done(t->base);
        stmt_done(t->deltas);
        return ctx_store_fail(c, STORE_E_OTHER, "读取统计");
    }
    while ((rc = stmt_step(t->base)) == STORE_ROW) {
        int d = dim_of(stmt_text(t->base, 0));
        if (ncand[d] < TOP_BASE) {
            key_set(&cand[d][ncand[d]], stmt_text(t->base, 1));
            cand[d][ncand[d]++].n = stmt_int(t->base, 2);
        }
    }
    stmt_done(t->base);
    if (rc < 0) {
        stmt_done(t->deltas);
        return ctx_store_fail(c, rc, "读取统计");
    }
    while (t->deltas && (rc = stmt_step(t->deltas)) == STORE_ROW) {
        int d = dim_of(stmt_text(t->deltas, 0));
        if (++ndelta[d] > TOP_DELTAS)
            continue;
        const char *key = stmt_text(t->deltas, 1);
        int at = 0;
        while (at < ncand[d] && strcmp(cand[d][at].key, key))
            at++;
        if (at == ncand[d])
            key_set(&cand[d][ncand[d]++], key);
        cand[d][at].n = stmt_int(t->deltas, 2);
    }
    stmt_done(t->deltas);
    if (t->deltas && rc < 0)
        return ctx_store_fail(c, rc, "读取统计");
    for (int d = 0; d < 2; d++) {
        if (ndelta[d] > TOP_DELTAS) { /* many unfolded deltas: the sums over every key */
            struct stmt *st = db_query(
                c->db,
                "SELECT key, SUM(n) AS m FROM (SELECT key, n FROM item_counts WHERE unit_id = ? "
                "AND dim = ? UNION ALL SELECT key, n FROM item_count_deltas WHERE unit_id = ? AND "
                "dim = ?) x GROUP BY key HAVING SUM(n) > 0 ORDER BY m DESC, key DESC LIMIT ?",
                DB_INT(t->unit), DB_TEXT(top_dims[d]), DB_INT(t->unit), DB_TEXT(top_dims[d]), DB_INT(TOP_LEADS));
            ncand[d] = 0;
            while (st && (rc = stmt_step(st)) == STORE_ROW && ncand[d] < TOP_LEADS) {
                key_set(&cand[d][ncand[d]], stmt_text(st, 0));
                cand[d][ncand[d]++].n = stmt_int(st, 1);
            }
            stmt_done(st);
            if (!st || rc < 0)
                return ctx_store_fail(c, st ? rc : STORE_E_OTHER, "读取统计");
        }
        ntop[d] = cand_top(cand[d], ncand[d], top[d]);
    }
    return ERR_OK;
}

/* The ranked units as [{unit_id, unit_name, count}], the names from names. */
static void top_write(struct jw *w, const struct top *top, int ntop, const char *const *names)
{
    jw_arr(w);
    for (int i = 0; i < ntop; i++) {
        jw_obj(w);
        jw_qkint(w, JW_K("unit_id"), top[i].unit);
        jw_qkstr(w, JW_K("unit_name"), names[i] ? names[i] : "");
        jw_qkint(w, JW_K("count"), top[i].n);
        jw_end_obj(w);
    }
    jw_end_arr(w);
}

/* A dimension's counts ({key: n}; null if the counts lack it). */
static void counts_write(struct jw *w, const json_t *dim)
{
    if (dim)
        jw_json(w, dim);
    else
        jw_null(w);
}

/* The overview's statements, sent together (one round trip on PostgreSQL) and read by overview_build. */
static enum err overview_build(struct ctx *c, int64_t unit, int64_t scope_unit, bool portfolio, struct jw *w)
{
    /* the lead units' dimensions hold a key per unit (thousands at a province): the ten largest are
     * read in SQL, unless a correction below needs every key */
    bool adjust = portfolio || unit != scope_unit;
    static const char *const all_dims[] = {"state", "source", "lead", "done", "light", "lead_red", NULL};
    static const char *const dims[] = {"state", "source", "done", "light", NULL};
    struct stmt *names = ledger_names_send(c);
    /* the stored lights are as of the dates the scheduler last moved them to (while it moves them, of the
     * earliest date some may still be coloured by) */
    struct stmt *as_of_st = db_prepare(c->db, "SELECT CASE WHEN pending_after IS NULL THEN today ELSE "
                                              "pending_lo_today END FROM ledger_light_dates WHERE id = 1");
    stmt_send(as_of_st);
    struct tops tops = {0};
    if (!adjust)
        top_send(c, unit, &tops);
    json_t *o = NULL;
    enum err e = ledger_counts(c, unit, adjust ? all_dims : dims, &o);
    if (!e && portfolio) /* a portfolio sees assigned items only */
        e = overview_adjust(c, o,
                            "SELECT state, source_kind, lead_unit_id, COUNT(*) FROM item_scope WHERE unit_id = ? AND "
                            "state IN ('draft', 'submitted', 'deputy_approved', 'approved', 'withdrawn') AND vis = 1 "
                            "AND assigned = 0 AND ? > 0 GROUP BY state, source_kind, lead_unit_id",
                            unit, 1, -1);
    else if (!e && unit != scope_unit) /* drafts of the scope with a responsible unit here */
        e = overview_adjust(c, o,
                            "SELECT h.state, h.source_kind, h.lead_unit_id, COUNT(*) FROM item_scope h WHERE h.unit_id "
                            "= ? AND h.vis = 0 AND EXISTS (SELECT 1 FROM item_scope v WHERE v.item_id = h.item_id AND "
                            "v.unit_id = ? AND v.vis = 1) GROUP BY h.state, h.source_kind, h.lead_unit_id",
                            unit, scope_unit, 1);
    struct top top[2][TOP_LEADS];
    int ntop[2] = {0, 0};
    if (!adjust) {
        enum err te = top_read(c, &tops, top, ntop);
        e = e ? e : te;
    } else if (!e) {
        ntop[0] = top_units(json_object_get(o, "lead"), top[0]);
        ntop[1] = top_units(json_object_get(o, "lead_red"), top[1]);
    }
    const char *as_of = NULL;
    int rc = as_of_st ? stmt_step(as_of_st) : STORE_E_OTHER;
    if (rc == STORE_ROW)
        as_of = arena_strdup(c->arena, stmt_text(as_of_st, 0));
    stmt_done(as_of_st);
    if (!e && rc < 0)
        e = ctx_store_fail(c, rc, "读取统计");
    /* the names of the scope's unit and of the ranked units from the process cache (ledger_names.c) */
    int64_t ids[1 + 2 * TOP_LEADS] = {unit};
    const char *name[1 + 2 * TOP_LEADS] = {NULL};
    for (int d = 0, k = 1; d < 2; d++)
        for (int i = 0; i < ntop[d]; i++)
            ids[k++] = top[d][i].unit;
    if (e)
        stmt_done(names);
    else
        e = ledger_unit_names(c, names, ids, name, 1 + ntop[0] + ntop[1]);
    if (e) {
        json_decref(o);
        return e;
    }
    json_int_t all = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(o, "state"), k, v) all += json_integer_value(v);
    json_t *lights = json_object_get(o, "light");
    json_object_del(lights, "none");
    jw_obj(w);
    jw_qkey(w, JW_K("unit"));
    jw_obj(w);
    jw_qkint(w, JW_K("id"), unit);
    jw_qkstr(w, JW_K("name"), name[0] ? name[0] : "");
    jw_end_obj(w);
    jw_qkbool(w, JW_K("portfolio"), portfolio);
    jw_qkint(w, JW_K("all"), all);
    jw_qkey(w, JW_K("states"));
    counts_write(w, json_object_get(o, "state"));
    jw_qkey(w, JW_K("sources"));
    counts_write(w, json_object_get(o, "source"));
    jw_qkey(w, JW_K("done_by_month"));
    counts_write(w, json_object_get(o, "done"));
    jw_qkey(w, JW_K("lights"));
    counts_write(w, lights);
    jw_qkstr(w, JW_K("lights_as_of"), as_of ? as_of : "");
    jw_qkey(w, JW_K("lead_units"));
    top_write(w, top[0], ntop[0], &name[1]);
    jw_qkey(w, JW_K("lead_units_red"));
    top_write(w, top[1], ntop[1], &name[1 + ntop[0]]);
    jw_end_obj(w);
    json_decref(o);
    return ERR_OK;
}

enum err items_overview_write(struct ctx *c, int64_t unit_id, struct jw *w)
{
    /* the scopes the caller may look at: where a READ role is held, then portfolio units */
    int n = 0;
    const char **scope = perm_scope_cap(c, CAP_ITEM_READ, &n);
    const char *path = NULL, *scope_path = NULL;
    bool portfolio = false;
    if (unit_id && units_path(c, unit_id, &path))
        return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
    if (!c->user) {
        if (!path)
            return ctx_fail(c, ERR_BAD_REQUEST, "请指定单位 unit_id");
        scope_path = path;
    }
    for (int i = 0; c->user && i < n && !scope_path; i++)
        if (!path || !strncmp(path, scope[i], strlen(scope[i])))
            scope_path = scope[i];
    for (int i = 0; c->user && i < c->user->nportfolio && !scope_path; i++)
        if (perm_any(c->user, CAP_ITEM_READ) &&
            (!path || !strncmp(path, c->user->portfolio_paths[i], strlen(c->user->portfolio_paths[i])))) {
            scope_path = c->user->portfolio_paths[i];
            portfolio = true;
        }
    if (!scope_path)
        return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
    if (!path)
        path = scope_path;
    int64_t unit = 0, scope_unit = 0;
    for (const char *p = path; *p; p++)
        if (p[0] == '/' && p[1])
            unit = strtoll(p + 1, NULL, 10);
    for (const char *p = scope_path; *p; p++)
        if (p[0] == '/' && p[1])
            scope_unit = strtoll(p + 1, NULL, 10);
    return overview_build(c, unit, scope_unit, portfolio, w);
}

/* ---- lights ---- */

bool ledger_lights_fresh(struct ctx *c, const char *today, const char *yellow)
{
    struct stmt *st = db_prepare(c->db, "SELECT today, yellow FROM ledger_light_dates WHERE id = 1 AND pending_after "
                                        "IS NULL");
    bool fresh = false;
    if (st && stmt_step(st) == STORE_ROW)
        fresh = !strcmp(stmt_text(st, 0), today) && !strcmp(stmt_text(st, 1), yellow);
    stmt_done(st);
    return fresh;
}

struct lights {
    char today[11], yellow[11];
    int64_t chunk;
    int64_t changed; /* rows recoloured by the chunks committed so far (ledger_lights_refresh adds them up) */
    int64_t batch;   /* rows recoloured by this chunk's transaction: lights_tx sets it to 0 at its start, so a
                      * chunk ctx_tx runs again after a conflict is counted once */
    bool done;
};

static const char *const light_expr =
    "CASE WHEN state NOT IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed') "
    "THEN 'none' WHEN %1$s < ? THEN 'red' WHEN %1$s <= ? THEN 'yellow' ELSE 'green' END";

static const char *min_date(const char *a, const char *b)
{
    return strcmp(a, b) < 0 ? a : b;
}

static const char *max_date(const char *a, const char *b)
{
    return strcmp(a, b) < 0 ? b : a;
}

/* The running items due between the dates (lo_t ≤ due < hi_t, or lo_y < due ≤ hi_y) with after < id ≤ last. */
#define MOVED                                                                                                          \
    "SELECT id FROM items WHERE state IN ('assigned', 'received', 'in_progress', 'completion_requested', "             \
    "'completion_signed') AND ((due_date >= ? AND due_date < ?) OR (due_date > ? AND due_date <= ?)) AND id > ? AND "  \
    "id <= ?"

/* The running scope rows due between the dates, from their own columns (no join: item_scope copies state and
 * due date), with item_id > ?. */
#define IN_RANGE                                                                                                       \
    "state IN ('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed') AND ((due_date "    \
    ">= ? AND due_date < ?) OR (due_date > ? AND due_date <= ?)) AND item_id > ?"

/* Reads back the definition of a trigger or index of SQLite's schema (the migration stays its only source). */
static enum err schema_sql(struct ctx *c, const char *type, const char *name, const char **sql)
{
    *sql = NULL;
    if (db_one_text(c->db, c->arena, sql, "SELECT sql FROM sqlite_master WHERE type = ? AND name = ?", DB_TEXT(type),
                    DB_TEXT(name)) ||
        !*sql)
        return ctx_fail(c, ERR_INTERNAL, "刷新亮灯：找不到 %s", name);
    return ERR_OK;
}

/* Runs an UPDATE … RETURNING 1 and adds its rows to l->batch. */
static enum err count_updated(struct ctx *c, struct lights *l, struct stmt *st)
{
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "刷新亮灯");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        l->batch++;
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "刷新亮灯") : ERR_OK;
}

/* The counter changes of recolouring the visible scope rows WHERE rows (binds: today, yellow, then those of
 * rows), summed per unit and key in one statement: the changed rows grouped first (per unit, state, lead
 * unit, old and new light), so that the six counter keys of a change are sorted once per group, not per row
 * (half the CPU of a first refresh after a migration). */
static const char *counts_sql(struct ctx *c, const char *rows)
{
    return arena_printf(
        c->arena,
        "WITH chg AS MATERIALIZED (SELECT unit_id, state, lead_unit_id, ol, nl, COUNT(*) AS c FROM (SELECT unit_id, "
        "state, lead_unit_id, light AS ol, %s AS nl FROM item_scope WHERE %s AND vis = 1) WHERE ol <> nl GROUP BY "
        "unit_id, state, lead_unit_id, ol, nl) "
        "INSERT INTO item_counts (unit_id, dim, key, n) SELECT unit_id, d, k, SUM(v) FROM ("
        "SELECT unit_id, 'light' AS d, ol AS k, -c AS v FROM chg UNION ALL SELECT unit_id, 'light', nl, c FROM chg "
        "UNION ALL SELECT unit_id, 'ls', ol || ':' || state, -c FROM chg "
        "UNION ALL SELECT unit_id, 'ls', nl || ':' || state, c FROM chg "
        "UNION ALL SELECT unit_id, 'lead_red', lead_unit_id, -c FROM chg WHERE ol = 'red' "
        "UNION ALL SELECT unit_id, 'lead_red', lead_unit_id, c FROM chg WHERE nl = 'red') "
        "WHERE k IS NOT NULL GROUP BY unit_id, d, k HAVING SUM(v) <> 0 "
        "ON CONFLICT (unit_id, dim, key) DO UPDATE SET n = n + excluded.n",
        arena_printf(c->arena, light_expr, "due_date"), rows);
}

/*
 * Recolours the scope rows and tracks of MOVED by the dates of l. SQLite counts per row (item_counts_au fires
 * for every scope row whose light changes, which made the first refresh after a migration — millions of scope
 * rows at province scale — take over 20 minutes): there the changes are counted in one grouped statement and
 * the trigger is set aside for the bulk update, inside this transaction (its definition is read back from the
 * schema, so the migration stays its only source). PostgreSQL's counter trigger is per statement already.
 */
static enum err recolour(struct ctx *c, struct lights *l, const char *lo_t, const char *hi_t, const char *lo_y,
                         const char *hi_y, int64_t after, int64_t last)
{
    const char *trigger = NULL;
    enum err e;
    if (!strcmp(db_kind(c->db), "sqlite")) {
        if ((e = schema_sql(c, "trigger", "item_counts_au", &trigger)))
            return e;
        e = db_exec(c->db, counts_sql(c, "item_id IN (" MOVED ")"), DB_TEXT(l->today), DB_TEXT(l->yellow),
                    DB_TEXT(lo_t), DB_TEXT(hi_t), DB_TEXT(lo_y), DB_TEXT(hi_y), DB_INT(after), DB_INT(last));
        if (!e)
            e = db_exec(c->db, "DROP TRIGGER item_counts_au");
        if (e)
            return ctx_db_fail(c, e, "刷新亮灯");
    }
    const char *tables[][2] = {{"item_scope", "due_date"}, {"item_tracks", NULL}};
    for (int k = 0; k < 2; k++) {
        const char *due =
            tables[k][1] ? tables[k][1] : "(SELECT i.due_date FROM items i WHERE i.id = item_tracks.item_id)";
        const char *expr = arena_printf(c->arena, light_expr, due);
        e = count_updated(
            c, l,
            db_query(c->db,
                     arena_printf(c->arena,
                                  "UPDATE %s SET light = %s WHERE item_id IN (" MOVED ") AND light <> %s RETURNING 1",
                                  tables[k][0], expr, expr),
                     DB_TEXT(l->today), DB_TEXT(l->yellow), DB_TEXT(lo_t), DB_TEXT(hi_t), DB_TEXT(lo_y), DB_TEXT(hi_y),
                     DB_INT(after), DB_INT(last), DB_TEXT(l->today), DB_TEXT(l->yellow)));
        if (e)
            return e;
    }
    /* the counter trigger back, as it was defined */
    return trigger ? ctx_db_fail(c, db_exec(c->db, trigger), "刷新亮灯") : ERR_OK;
}

/*
 * Recolours every running scope row and track due between the dates (item_id > after) with three set-based
 * statements: the first refresh after a migration (every overdue or soon-due item of a province changes
 * colour), or a calendar change. The scope rows are selected by their own state and due date (one pass over
 * item_scope in its primary key's order), the tracks through their items. On SQLite the counter changes are
 * summed in one grouped statement and the counter trigger is set aside, as in recolour; the index on
 * (unit_id, light) is dropped for the update and built again after it (updated in place, every changed row
 * moves an entry across the index: a page written for each few rows, gigabytes of WAL at a million items).
 */
static enum err recolour_bulk(struct ctx *c, struct lights *l, const char *lo_t, const char *hi_t, const char *lo_y,
                              const char *hi_y, int64_t after)
{
    const char *trigger = NULL, *index = NULL;
    enum err e;
    const char *expr = arena_printf(c->arena, light_expr, "due_date");
    bool sqlite = !strcmp(db_kind(c->db), "sqlite");
    if (sqlite) {
        if ((e = schema_sql(c, "trigger", "item_counts_au", &trigger)) ||
            (e = schema_sql(c, "index", "item_scope_light", &index)))
            return e;
        if ((e = db_exec(c->db, counts_sql(c, IN_RANGE), DB_TEXT(l->today), DB_TEXT(l->yellow), DB_TEXT(lo_t),
                         DB_TEXT(hi_t), DB_TEXT(lo_y), DB_TEXT(hi_y), DB_INT(after))) ||
            (e = db_exec(c->db, "DROP TRIGGER item_counts_au")) || (e = db_exec(c->db, "DROP INDEX item_scope_light")))
            return ctx_db_fail(c, e, "刷新亮灯");
    }
    e = count_updated(
        c, l,
        db_query(c->db,
                 arena_printf(c->arena,
                              "UPDATE item_scope SET light = %s WHERE " IN_RANGE " AND light <> %s RETURNING 1", expr,
                              expr),
                 DB_TEXT(l->today), DB_TEXT(l->yellow), DB_TEXT(lo_t), DB_TEXT(hi_t), DB_TEXT(lo_y), DB_TEXT(hi_y),
                 DB_INT(after), DB_TEXT(l->today), DB_TEXT(l->yellow)));
    if (e)
        return e;
    if (sqlite && ((e = db_exec(c->db, index)) || (e = db_exec(c->db, trigger))))
        return ctx_db_fail(c, e, "刷新亮灯");
    const char *track =
        arena_printf(c->arena, light_expr, "(SELECT i.due_date FROM items i WHERE i.id = item_tracks.item_id)");
    return count_updated(c, l,
                         db_query(c->db,
                                  arena_printf(c->arena,
                                               "UPDATE item_tracks SET light = %s WHERE item_id IN (" MOVED
                                               ") AND light <> %s RETURNING 1",
                                               track, track),
                                  DB_TEXT(l->today), DB_TEXT(l->yellow), DB_TEXT(lo_t), DB_TEXT(hi_t), DB_TEXT(lo_y),
                                  DB_TEXT(hi_y), DB_INT(after), DB_INT(INT64_MAX), DB_TEXT(l->today),
                                  DB_TEXT(l->yellow)));
}

/*
 * A refresh, in one transaction. Under the row lock of ledger_light_dates (of nodes refreshing at once, one
 * does the work): when the dates are not the wanted ones, they move — so the triggers colour every item
 * changed from now on by the new dates — and the running items due between the old and the new dates (or a
 * wider range left pending by an older version's interrupted refresh) are recoloured: up to
 * ledger_lights_chunk of them (a day passing) through their ids, more (the first refresh after a migration, a
 * calendar change) in bulk (recolour_bulk).
 */
static enum err lights_tx(struct ctx *c, void *arg)
{
    struct lights *l = arg;
    l->batch = 0;
    l->done = false;
    struct stmt *st = db_prepare(c->db, "UPDATE ledger_light_dates SET id = id WHERE id = 1 RETURNING today, yellow, "
                                        "pending_after, pending_lo_today, pending_hi_today, pending_lo_yellow, "
                                        "pending_hi_yellow");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "刷新亮灯");
    int rc = stmt_step(st);
    char old_t[11] = "", old_y[11] = "", lo_t[11] = "", hi_t[11] = "", lo_y[11] = "", hi_y[11] = "";
    bool pending = false;
    int64_t after = 0;
    if (rc == STORE_ROW) {
        snprintf(old_t, sizeof old_t, "%s", stmt_text(st, 0));
        snprintf(old_y, sizeof old_y, "%s", stmt_text(st, 1));
        if ((pending = !stmt_is_null(st, 2))) {
            after = stmt_int(st, 2);
            snprintf(lo_t, sizeof lo_t, "%s", stmt_text(st, 3));
            snprintf(hi_t, sizeof hi_t, "%s", stmt_text(st, 4));
            snprintf(lo_y, sizeof lo_y, "%s", stmt_text(st, 5));
            snprintf(hi_y, sizeof hi_y, "%s", stmt_text(st, 6));
        }
    }
    stmt_done(st);
    if (rc != STORE_ROW)
        return ctx_store_fail(c, rc < 0 ? rc : STORE_E_OTHER, "刷新亮灯");
    /* the day is taken here, under the dates' lock, from the clock as it is now: a scheduler pass reads its
     * clock when it starts, and a PUT /api/v1/admin/clock (or midnight) between that and this refresh would
     * otherwise set the lights back to the day before, after the clock's own refresh moved them on */
    workflow_light_dates_now(c, l->today, l->yellow);
    enum err e = ERR_OK;
    if (strcmp(old_t, l->today) || strcmp(old_y, l->yellow)) {
        /* the dates move now; the range to recolour spans the old and the new ones (and a pending range) */
        char r[4][11]; /* the new range (not written over the old one it is made from) */
        snprintf(r[0], sizeof r[0], "%s", min_date(pending ? min_date(lo_t, old_t) : old_t, l->today));
        snprintf(r[1], sizeof r[1], "%s", max_date(pending ? max_date(hi_t, old_t) : old_t, l->today));
        snprintf(r[2], sizeof r[2], "%s", min_date(pending ? min_date(lo_y, old_y) : old_y, l->yellow));
        snprintf(r[3], sizeof r[3], "%s", max_date(pending ? max_date(hi_y, old_y) : old_y, l->yellow));
        memcpy(lo_t, r[0], sizeof lo_t);
        memcpy(hi_t, r[1], sizeof hi_t);
        memcpy(lo_y, r[2], sizeof lo_y);
        memcpy(hi_y, r[3], sizeof hi_y);
        pending = true;
        after = 0;
        e = db_exec(c->db,
                    "UPDATE ledger_light_dates SET today = ?, yellow = ?, pending_after = 0, pending_lo_today = ?, "
                    "pending_hi_today = ?, pending_lo_yellow = ?, pending_hi_yellow = ? WHERE id = 1",
                    DB_TEXT(l->today), DB_TEXT(l->yellow), DB_TEXT(lo_t), DB_TEXT(hi_t), DB_TEXT(lo_y), DB_TEXT(hi_y));
        if (e)
            return ctx_db_fail(c, e, "刷新亮灯");
    }
    if (!pending) {
        l->done = true;
        return ERR_OK;
    }
    /* the running items due between the dates: only they can have changed colour. Up to a chunk of them (a day
     * passing) are recoloured through their ids; more (the first refresh after a migration) in bulk. */
    int64_t last = 0, n = 0;
    st = db_query(c->db,
                  "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM (SELECT id FROM items WHERE state IN ('assigned', "
                  "'received', 'in_progress', 'completion_requested', 'completion_signed') AND ((due_date >= ? AND "
                  "due_date < ?) OR (due_date > ? AND due_date <= ?)) AND id > ? ORDER BY id LIMIT ?) x",
                  DB_TEXT(lo_t), DB_TEXT(hi_t), DB_TEXT(lo_y), DB_TEXT(hi_y), DB_INT(after), DB_INT(l->chunk + 1));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "刷新亮灯");
    if ((rc = stmt_step(st)) == STORE_ROW) {
        n = stmt_int(st, 0);
        last = stmt_int(st, 1);
    }
    stmt_done(st);
    if (rc != STORE_ROW)
        return ctx_store_fail(c, rc < 0 ? rc : STORE_E_OTHER, "刷新亮灯");
    if (n > l->chunk)
        e = recolour_bulk(c, l, lo_t, hi_t, lo_y, hi_y, after);
    else if (n)
        e = recolour(c, l, lo_t, hi_t, lo_y, hi_y, after, last);
    if (e)
        return e;
    l->done = true;
    e = db_exec(c->db, "UPDATE ledger_light_dates SET pending_after = NULL, pending_lo_today = NULL, pending_hi_today "
                       "= NULL, pending_lo_yellow = NULL, pending_hi_yellow = NULL WHERE id = 1");
    return ctx_db_fail(c, e, "刷新亮灯");
}

enum err ledger_lights_refresh(struct ctx *c, int64_t *changed)
{
    struct lights l = {.chunk = c->cfg && c->cfg->ledger_lights_chunk > 0 ? c->cfg->ledger_lights_chunk : 20000};
    items_light_dates(c, l.today, l.yellow);
    *changed = 0;
    /* the to-dos' counts per light move with the same day, in a transaction of their own */
    enum err e = workflow_todo_lights_refresh(c);
    if (e || ledger_lights_fresh(c, l.today, l.yellow))
        return e;
    while (!e && !l.done)
        if (!(e = ctx_tx(c, "刷新亮灯", lights_tx, &l)))
            l.changed += l.batch;
    *changed = l.changed;
    return e;
}

void ledger_register(void)
{
    /* the move rewrites the moved items' scope rows (triggers); their rows first, in the order of every
     * item action (item, then its tracks and derived rows) */
    units_register_move_lock("UPDATE items SET version = version WHERE id IN (SELECT item_id FROM item_tracks WHERE "
                             "unit_path >= ? AND unit_path < ?)");
}

/* ---- check and rebuild ---- */

/* A counter map: "unit dim key" -> n (open addressing, keys malloc'd). */
struct cmap {
    char **keys;
    int64_t *vals;
    size_t cap, n;
};

static uint64_t cmap_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int64_t *cmap_slot(struct cmap *m, const char *key)
{
    if (m->n * 2 >= m->cap) {
        struct cmap bigger = {xcalloc(m->cap ? m->cap * 2 : 1024, sizeof(char *)),
                              xcalloc(m->cap ? m->cap * 2 : 1024, sizeof(int64_t)), m->cap ? m->cap * 2 : 1024, 0};
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = cmap_hash(m->keys[i]) & (bigger.cap - 1);
                while (bigger.keys[j])
                    j = (j + 1) & (bigger.cap - 1);
                bigger.keys[j] = m->keys[i];
                bigger.vals[j] = m->vals[i];
                bigger.n++;
            }
        free(m->keys);
        free(m->vals);
        *m = bigger;
    }
    size_t j = cmap_hash(key) & (m->cap - 1);
    while (m->keys[j] && strcmp(m->keys[j], key))
        j = (j + 1) & (m->cap - 1);
    if (!m->keys[j]) {
        m->keys[j] = xstrdup(key);
        m->n++;
    }
    return &m->vals[j];
}

static void cmap_free(struct cmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
}

struct check {
    struct ctx *c;
    json_t *diffs;
    int max;
    int64_t ndiff, items, rows;
    struct cmap want;
    char today[11], yellow[11]; /* the dates of the stored lights */
};

/* The light of a state due on due at the check's dates (the triggers' expression). */
static const char *check_light(const struct check *k, const char *state, const char *due)
{
    static const char *const running[] = {"assigned", "received", "in_progress", "completion_requested",
                                          "completion_signed"};
    bool run = false;
    for (size_t i = 0; i < sizeof running / sizeof *running; i++)
        run |= !strcmp(state, running[i]);
    if (!run)
        return "none";
    return strcmp(due, k->today) < 0 ? "red" : strcmp(due, k->yellow) <= 0 ? "yellow" : "green";
}

static void check_diff(struct check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check_diff(struct check *k, const char *fmt, ...)
{
    if (k->ndiff++ >= k->max)
        return;
    va_list ap;
    va_start(ap, fmt);
    json_array_append_new(k->diffs, json_string(arena_vprintf(k->c->arena, fmt, ap)));
    va_end(ap);
}

static void check_diff_text(void *arg, const char *text)
{
    check_diff(arg, "%s", text);
}

static void count_add(struct check *k, int64_t unit, const char *dim, const char *key)
{
    char buf[200];
    snprintf(buf, sizeof buf, "%" PRId64 " %s %s", unit, dim, key);
    (*cmap_slot(&k->want, buf))++;
}

/* One item as the check computes it. */
struct want_item {
    int64_t id;
    const char *office_path, *state, *due_date, *updated_at, *source_kind, *done_month, *light;
    bool assigned;
    int64_t numkey, lead;
};

struct want_row {
    int64_t unit;
    int vis;
};

/* Adds path's unit ids to rows (vis for new ones). */
static int path_units(const char *path, struct want_row *rows, int n, int cap, int vis)
{
    for (const char *p = path; p && *p; p++) {
        if (*p != '/' || !p[1])
            continue;
        int64_t u = strtoll(p + 1, NULL, 10);
        bool seen = false;
        for (int i = 0; i < n && !seen; i++)
            seen = rows[i].unit == u;
        if (!seen && n < cap)
            rows[n++] = (struct want_row){u, vis};
    }
    return n;
}

static int want_row_cmp(const void *x, const void *y)
{
    int64_t a = ((const struct want_row *)x)->unit, b = ((const struct want_row *)y)->unit;
    return a < b ? -1 : a > b;
}

#define CHECK_BATCH 5000

/* Checks the items with ids in (from, to]: their scope rows, and adds their counters to k->want. */
static enum err check_batch(struct check *k, int64_t from, int64_t to)
{
    struct ctx *c = k->c;
    struct arena a = ARENA_INIT;
    struct want_item *items = arena_alloc(&a, sizeof *items * CHECK_BATCH);
    int ni = 0, rc;
    struct stmt *st = db_prepare(c->db, "SELECT id, office_path, CASE WHEN assigned_at IS NULL THEN 0 ELSE 1 END, "
                                        "state, due_date, updated_at, COALESCE(num_year, 0), COALESCE(num_seq, 0), "
                                        "source_kind, lead_unit_id, closed_at FROM items WHERE id > ? AND id <= ? "
                                        "ORDER BY id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "核对统计");
    stmt_bind_int(st, 1, from);
    stmt_bind_int(st, 2, to);
    while ((rc = stmt_step(st)) == STORE_ROW && ni < CHECK_BATCH) {
        struct want_item *w = &items[ni++];
        w->id = stmt_int(st, 0);
        w->office_path = arena_strdup(&a, stmt_text(st, 1));
        w->assigned = stmt_int(st, 2) != 0;
        w->state = arena_strdup(&a, stmt_text(st, 3));
        w->due_date = arena_strdup(&a, stmt_text(st, 4));
        w->updated_at = arena_strdup(&a, stmt_text(st, 5));
        w->numkey = stmt_int(st, 6) * 10000000 + stmt_int(st, 7);
        w->source_kind = arena_strdup(&a, stmt_text(st, 8));
        w->lead = stmt_int(st, 9);
        const char *closed = stmt_text(st, 10);
        w->done_month = (!strcmp(w->state, "completed") || !strcmp(w->state, "archived")) && closed
                            ? arena_strndup(&a, closed, 7)
                            : NULL;
        w->light = check_light(k, w->state, w->due_date);
    }
    stmt_done(st);
    if (rc < 0) {
        arena_free(&a);
        return ctx_store_fail(c, rc, "核对统计");
    }
    /* tracks of the batch, by item */
    const char **tpath = arena_alloc(&a, sizeof *tpath * 8 * CHECK_BATCH);
    int64_t *titem = arena_alloc(&a, sizeof *titem * 8 * CHECK_BATCH);
    int nt = 0;
    st = db_prepare(c->db,
                    "SELECT t.item_id, t.unit_path, t.id, t.light, t.state, i.due_date, i.state FROM item_tracks "
                    "t JOIN items i ON i.id = t.item_id WHERE t.item_id > ? AND t.item_id <= ? ORDER BY t.item_id");
    if (!st) {
        arena_free(&a);
        return ctx_store_fail(c, STORE_E_OTHER, "核对统计");
    }
    stmt_bind_int(st, 1, from);
    stmt_bind_int(st, 2, to);
    while ((rc = stmt_step(st)) == STORE_ROW && nt < 8 * CHECK_BATCH) {
        titem[nt] = stmt_int(st, 0);
        tpath[nt++] = arena_strdup(&a, stmt_text(st, 1));
        const char *want = !strcmp(check_light(k, stmt_text(st, 6), stmt_text(st, 5)), "none")
                               ? "none"
                               : check_light(k, stmt_text(st, 4), stmt_text(st, 5));
        if (strcmp(stmt_text(st, 3), want))
            check_diff(k, "办理记录的亮灯不符：事项 %" PRId64 "，办理记录 %" PRId64 " 为 %s，应为 %s", stmt_int(st, 0),
                       stmt_int(st, 2), stmt_text(st, 3), want);
    }
    stmt_done(st);
    /* the scope rows of the batch, by item and unit */
    st = db_prepare(c->db, "SELECT item_id, unit_id, vis, assigned, state, due_date, updated_at, numkey, source_kind, "
                           "lead_unit_id, done_month, light FROM item_scope WHERE item_id > ? AND item_id <= ? ORDER "
                           "BY item_id, unit_id");
    if (!st) {
        arena_free(&a);
        return ctx_store_fail(c, STORE_E_OTHER, "核对统计");
    }
    stmt_bind_int(st, 1, from);
    stmt_bind_int(st, 2, to);
    rc = stmt_step(st);
    int ti = 0;
    for (int i = 0; i < ni; i++) {
        struct want_item *w = &items[i];
        struct want_row rows[64];
        int nr = path_units(w->office_path, rows, 0, 64, 1);
        for (; ti < nt && titem[ti] < w->id; ti++)
            ;
        for (; ti < nt && titem[ti] == w->id; ti++)
            nr = path_units(tpath[ti], rows, nr, 64, w->assigned);
        qsort(rows, (size_t)nr, sizeof *rows, want_row_cmp);
        k->items++;
        for (int r = 0; r < nr; r++) {
            char lead[24];
            snprintf(lead, sizeof lead, "%" PRId64, w->lead);
            if (rows[r].vis) {
                count_add(k, rows[r].unit, "state", w->state);
                count_add(k, rows[r].unit, "source", w->source_kind);
                count_add(k, rows[r].unit, "lead", lead);
                if (w->done_month)
                    count_add(k, rows[r].unit, "done", w->done_month);
                count_add(k, rows[r].unit, "light", w->light);
                count_add(k, rows[r].unit, "ls", arena_printf(&a, "%s:%s", w->light, w->state));
                if (!strcmp(w->light, "red"))
                    count_add(k, rows[r].unit, "lead_red", lead);
            }
            /* the stored rows of this item before this unit are extra */
            while (rc == STORE_ROW &&
                   (stmt_int(st, 0) < w->id || (stmt_int(st, 0) == w->id && stmt_int(st, 1) < rows[r].unit))) {
                check_diff(k, "item_scope 多余的行：事项 %" PRId64 "，单位 %" PRId64, stmt_int(st, 0), stmt_int(st, 1));
                k->rows++;
                rc = stmt_step(st);
            }
            if (rc != STORE_ROW || stmt_int(st, 0) != w->id || stmt_int(st, 1) != rows[r].unit) {
                check_diff(k, "item_scope 缺少的行：事项 %" PRId64 "，单位 %" PRId64, w->id, rows[r].unit);
                continue;
            }
            const char *done = stmt_text(st, 10);
            if (stmt_int(st, 2) != rows[r].vis || stmt_int(st, 3) != w->assigned ||
                strcmp(stmt_text(st, 4), w->state) || strcmp(stmt_text(st, 5), w->due_date) ||
                strcmp(stmt_text(st, 6), w->updated_at) || stmt_int(st, 7) != w->numkey ||
                strcmp(stmt_text(st, 8), w->source_kind) || stmt_int(st, 9) != w->lead || (!done != !w->done_month) ||
                (done && w->done_month && strcmp(done, w->done_month)) || strcmp(stmt_text(st, 11), w->light))
                check_diff(k, "item_scope 的行与事项不一致：事项 %" PRId64 "，单位 %" PRId64, w->id, rows[r].unit);
            k->rows++;
            rc = stmt_step(st);
        }
    }
    while (rc == STORE_ROW) {
        check_diff(k, "item_scope 多余的行：事项 %" PRId64 "，单位 %" PRId64, stmt_int(st, 0), stmt_int(st, 1));
        k->rows++;
        rc = stmt_step(st);
    }
    stmt_done(st);
    arena_free(&a);
    return rc < 0 ? ctx_store_fail(c, rc, "核对统计") : ERR_OK;
}

enum err ledger_check(struct ctx *c, int max_report, json_t **report)
{
    struct check k = {.c = c, .diffs = json_array(), .max = max_report};
    enum err e = ERR_OK;
    const char *today = "", *yellow = "";
    if (db_one_text(c->db, c->arena, &today, "SELECT today FROM ledger_light_dates WHERE id = 1") ||
        db_one_text(c->db, c->arena, &yellow, "SELECT yellow FROM ledger_light_dates WHERE id = 1")) {
        json_decref(k.diffs);
        return ctx_fail(c, ERR_INTERNAL, "核对统计：读取亮灯日期失败");
    }
    snprintf(k.today, sizeof k.today, "%s", today);
    snprintf(k.yellow, sizeof k.yellow, "%s", yellow);
    int64_t pending = 0;
    if (!db_one_int(c->db, &pending, "SELECT 1 FROM ledger_light_dates WHERE id = 1 AND pending_after IS NOT NULL") &&
        pending)
        check_diff(&k, "亮灯刷新尚未完成（运行 ducha ledger lights）");
    int64_t max_id = 0;
    int rc = stmt_one_int(db_prepare(c->db, "SELECT COALESCE(MAX(id), 0) FROM items"), &max_id);
    if (rc < 0)
        e = ctx_store_fail(c, rc, "核对统计");
    for (int64_t from = 0; !e && from < max_id; from += CHECK_BATCH)
        e = check_batch(&k, from, from + CHECK_BATCH);
    /* rows of items that do not exist any more */
    int64_t orphans = 0;
    if (!e && (rc = stmt_one_int(db_prepare(c->db, "SELECT COUNT(*) FROM item_scope s WHERE NOT EXISTS (SELECT 1 FROM "
                                                   "items i WHERE i.id = s.item_id)"),
                                 &orphans)) < 0)
        e = ctx_store_fail(c, rc, "核对统计");
    if (orphans)
        check_diff(&k, "item_scope 有 %" PRId64 " 行属于不存在的事项", orphans);
    /* the counters, kept and computed */
    int64_t counters = 0;
    struct stmt *st =
        e ? NULL
          : db_prepare(c->db, "SELECT unit_id, dim, key, SUM(n) FROM (SELECT unit_id, dim, key, n FROM "
                              "item_counts UNION ALL SELECT unit_id, dim, key, n FROM item_count_deltas) x "
                              "GROUP BY unit_id, dim, key");
    if (!e && !st)
        e = ctx_store_fail(c, STORE_E_OTHER, "核对统计");
    while (!e && (rc = stmt_step(st)) == STORE_ROW) {
        int64_t n = stmt_int(st, 3);
        if (!n)
            continue;
        counters++;
        char key[200];
        snprintf(key, sizeof key, "%" PRId64 " %s %s", stmt_int(st, 0), stmt_text(st, 1), stmt_text(st, 2));
        int64_t *want = cmap_slot(&k.want, key);
        if (*want != n)
            check_diff(&k, "计数不符：单位 %" PRId64 " %s=%s 记录为 %" PRId64 "，重新计数为 %" PRId64, stmt_int(st, 0),
                       stmt_text(st, 1), stmt_text(st, 2), n, *want);
        *want = INT64_MIN; /* compared */
    }
    if (st) {
        stmt_done(st);
        if (!e && rc < 0)
            e = ctx_store_fail(c, rc, "核对统计");
    }
    for (size_t i = 0; !e && i < k.want.cap; i++)
        if (k.want.keys[i] && k.want.vals[i] != INT64_MIN && k.want.vals[i])
            check_diff(&k, "计数缺失：%s 应为 %" PRId64, k.want.keys[i], k.want.vals[i]);
    cmap_free(&k.want);
    /* the bulletin figures' counters (migration 0054) */
    int64_t fig_rows = 0, fig_counters = 0;
    if (!e)
        e = ledger_figs_check(c, check_diff_text, &k, &fig_rows, &fig_counters);
    if (e) {
        json_decref(k.diffs);
        return e;
    }
    *report = json_pack("{sI sI sI sI sI sI so}", "items", (json_int_t)k.items, "scope_rows", (json_int_t)k.rows,
                        "counters", (json_int_t)counters, "figure_rows", (json_int_t)fig_rows, "figure_counters",
                        (json_int_t)fig_counters, "differences", (json_int_t)k.ndiff, "details", k.diffs);
    return ERR_OK;
}

/* The figures' time zone as the rebuild and the fill store it (figure_zone): minutes east of UTC, 0 when
 * the zone changes within the year (ledger_figs_usable then reads the figures from the items). */
static void zone_sql(struct ctx *c, char *sql, size_t size)
{
    int minutes = ledger_fig_zone(c);
    snprintf(sql, size, "UPDATE figure_zone SET minutes = %d WHERE id = 1", minutes == INT_MIN ? 0 : minutes);
}

static enum err rebuild_tx(struct ctx *c, void *arg)
{
    int64_t *items = arg;
    const struct search_sql *ss = db_search_sql(c->db);
    char zone[80];
    zone_sql(c, zone, sizeof zone);
    const char *steps[] = {"DELETE FROM item_scope",
                           "DELETE FROM item_counts",
                           "DELETE FROM item_count_deltas",
                           "DELETE FROM item_figs",
                           "DELETE FROM figure_counts",
                           "DELETE FROM figure_count_deltas",
                           zone,
                           "INSERT INTO item_figs_refresh (item_id) SELECT id FROM items",
                           ss->clear,
                           ss->refresh,
                           "UPDATE item_tracks SET light = (SELECT CASE WHEN item_tracks.state NOT IN ('assigned', "
                           "'received', 'in_progress', 'completion_requested', 'completion_signed') OR i.state NOT IN "
                           "('assigned', 'received', 'in_progress', 'completion_requested', 'completion_signed') THEN "
                           "'none' WHEN i.due_date < d.today THEN 'red' WHEN i.due_date <= d.yellow THEN 'yellow' ELSE "
                           "'green' END FROM items i, ledger_light_dates d WHERE i.id = item_tracks.item_id)",
                           ss->rebuild};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        if (!steps[i])
            continue;
        struct stmt *st = db_prepare(c->db, steps[i]);
        int rc = st ? stmt_step(st) : STORE_E_OTHER;
        stmt_done(st);
        /* the search documents, made in C once the scope rows are back (PostgreSQL) */
        if (rc >= 0 && steps[i] == ss->refresh)
            rc = db_search_load(c->db);
        if (rc < 0)
            return ctx_store_fail(c, rc, "重建台账索引");
    }
    int rc = stmt_one_int(db_prepare(c->db, "SELECT COUNT(*) FROM items"), items);
    return rc < 0 ? ctx_store_fail(c, rc, "重建台账索引") : ERR_OK;
}

enum err ledger_rebuild(struct ctx *c, int64_t *items)
{
    *items = 0;
    enum err e = ctx_tx(c, "重建台账索引", rebuild_tx, items);
    if (e)
        return e;
    int folded;
    return ledger_counts_fold(c, &folded);
}

/* PostgreSQL: one part of the fill of a database just loaded (ledger.h). */
static enum err fill_tx(struct ctx *c, void *arg)
{
    enum ledger_fill_part part = *(enum ledger_fill_part *)arg;
    static const char *const tables[][4] = {
        [LEDGER_FILL_SCOPE] = {"item_scope", "item_counts", "item_count_deltas", NULL},
        [LEDGER_FILL_FIGURES] = {"item_figs", "figure_counts", "figure_count_deltas", NULL},
        [LEDGER_FILL_SEARCH] = {"item_search", NULL},
    };
    char zone[80];
    zone_sql(c, zone, sizeof zone);
    const char *const steps[][3] = {
        [LEDGER_FILL_SCOPE] = {"SELECT ledger_fill_scope()", NULL},
        [LEDGER_FILL_FIGURES] = {zone, "SELECT ledger_fill_figures()", NULL},
        [LEDGER_FILL_SEARCH] = {NULL},
    };
    char **restore;
    int nrestore;
    int rc = db_bulk_tables_begin(c->db, tables[part], &restore, &nrestore);
    for (int i = 0; rc >= 0 && steps[part][i]; i++) {
        struct stmt *st = db_prepare(c->db, steps[part][i]);
        rc = st ? stmt_step(st) : STORE_E_OTHER;
        stmt_done(st);
    }
    if (rc >= 0 && part == LEDGER_FILL_SEARCH)
        rc = db_search_load(c->db);
    if (rc >= 0) {
        rc = db_bulk_end(c->db, restore, nrestore);
    } else {
        for (int i = 0; i < nrestore; i++)
            free(restore[i]);
        free(restore);
    }
    /* the first pages after the load are planned on their statistics */
    for (int i = 0; rc >= 0 && tables[part][i]; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "ANALYZE %s", tables[part][i]);
        rc = db_exec(c->db, sql) ? STORE_E_OTHER : 0;
    }
    return rc < 0 ? ctx_store_fail(c, rc, "填充台账索引") : ERR_OK;
}

enum err ledger_fill_part(struct ctx *c, enum ledger_fill_part part)
{
    if (strcmp(db_kind(c->db), "postgres")) {
        int64_t items;
        return part == LEDGER_FILL_SCOPE ? ledger_rebuild(c, &items) : ERR_OK;
    }
    return ctx_tx(c, "填充台账索引", fill_tx, &part);
}
