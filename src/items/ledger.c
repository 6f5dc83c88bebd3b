/*
 * ledger.c: the ledger (台账): GET /api/v1/items and the rows of the exports, at a cost that follows
 * the page, not the number of items the user sees (docs/internals/ledger.md).
 *
 * A user sees the items of the item_scope rows (migration 0050) of the units where a role carrying
 * CAP_ITEM_READ is held (vis = 1) and of a leader's portfolio units (assigned = 1). Each of those
 * units is a stream: its rows read through an index in the order of the requested sort (keyset:
 * the `after` cursor carries the last sort key and id), with the filters checked on the way, LIMIT
 * the page. A unit, lead-unit or co-unit filter inside the scope walks that unit's rows instead
 * (checking visibility at the scope), a state filter walks the state's index, a full-text query
 * reads the search index (restricted to the stream's unit inside the index). Several streams are
 * merged in C. Totals and counts per state come from the kept counters when the filter is a scope,
 * a unit and states; otherwise they are counted over at most count_bound(c) rows and said to
 * be bounded ("total_exact": false).
 */
#include "items/ledger.h"
#include "items/items_internal.h"

#include "base/buf.h"
#include "base/jsonw.h"
#include "calendar/workdays.h"
#include "core/perm.h"
#include "store/store_search.h"
#include "units/units.h"

#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAXP 240
#define MAX_STREAMS 24
#define STATES_SMALL 2000 /* rows of rare states read through the state index and sorted (a sort without one) */
#define SEARCH_BOUND 500  /* matches in a stream's unit that are read, ranked and counted (ledger_search_bound) */

/* SQL text with its positional parameters. */
struct sqlb {
    struct buf sql;
    const char *text; /* after q_seal */
    int n;
    struct {
        bool is_int;
        int64_t i;
        const char *s;
        const int64_t *v; /* a list of i ids (q_ints) */
    } p[MAXP];
    bool overflow;
};

/* An empty builder: its binds' room (p) is not zeroed, q_* set each bind they add. */
static struct sqlb *sqlb_new(struct arena *a)
{
    struct sqlb *q = arena_alloc_raw(a, sizeof *q);
    memset(q, 0, offsetof(struct sqlb, p));
    q->overflow = false;
    return q;
}

static void q_text(struct sqlb *q, const char *s)
{
    if (q->n >= MAXP) {
        q->overflow = true;
        return;
    }
    q->p[q->n].is_int = false;
    q->p[q->n].v = NULL;
    q->p[q->n].i = 0;
    q->p[q->n++].s = s;
}

static void q_int(struct sqlb *q, int64_t v)
{
    if (q->n >= MAXP) {
        q->overflow = true;
        return;
    }
    q->p[q->n].is_int = true;
    q->p[q->n].v = NULL;
    q->p[q->n].s = NULL;
    q->p[q->n++].i = v;
}

/* "col IN (…)" of n ids (n >= 1; db_sql_in_ints: one parameter per id on SQLite, one array on PostgreSQL). */
static void q_ints(struct ctx *c, struct sqlb *q, const char *col, const int64_t *v, int n)
{
    if (q->n >= MAXP) {
        q->overflow = true;
        return;
    }
    db_sql_in_ints(c->db, &q->sql, col, n);
    q->p[q->n].is_int = false;
    q->p[q->n].v = v;
    q->p[q->n].s = NULL;
    q->p[q->n++].i = n;
}

static void q_bind(struct sqlb *q, struct stmt *st)
{
    for (int i = 0, at = 1; i < q->n; i++)
        if (q->p[i].v)
            at = stmt_bind_ints(st, at, q->p[i].v, (int)q->p[i].i);
        else if (q->p[i].is_int)
            stmt_bind_int(st, at++, q->p[i].i);
        else
            stmt_bind_text(st, at++, q->p[i].s);
}

/* Moves q's text into the arena (q->text); q->sql is then empty. */
static void q_seal(struct ctx *c, struct sqlb *q)
{
    q->text = arena_strdup(c->arena, q->sql.data ? q->sql.data : "");
    buf_free(&q->sql);
}

/* Appends sealed src (text and parameters) to dst. */
static void q_cat(struct sqlb *dst, const struct sqlb *src)
{
    buf_puts(&dst->sql, src->text);
    for (int i = 0; i < src->n; i++) {
        if (dst->n >= MAXP) {
            dst->overflow = true;
            return;
        }
        dst->p[dst->n++] = src->p[i];
    }
    dst->overflow |= src->overflow;
}

/* "(col >= ? AND col < ?)" for a subtree, "col = ?" for the unit itself. */
static void q_path(struct ctx *c, struct sqlb *q, const char *col, const char *path, bool exact)
{
    if (exact) {
        buf_printf(&q->sql, "%s = ?", col);
        q_text(q, path);
        return;
    }
    buf_printf(&q->sql, "(%s >= ? AND %s < ?)", col, col);
    q_text(q, path);
    q_text(q, perm_path_upper(c->arena, path));
}

static const char *like_escape(struct ctx *c, const char *s)
{
    char *out = arena_alloc(c->arena, strlen(s) * 2 + 1), *o = out;
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *o++ = '\\';
        *o++ = *s;
    }
    *o = 0;
    return out;
}

/* Rows a bounded count looks at (ledger_count_bound). */
static int64_t count_bound(const struct ctx *c)
{
    return c->cfg && c->cfg->ledger_count_bound > 0 ? c->cfg->ledger_count_bound : 10000;
}

/* Rows before a page reached by page= (ledger_page_bound; deeper: the after cursor). */
static int64_t page_bound(const struct ctx *c)
{
    return c->cfg && c->cfg->ledger_page_bound > 0 ? c->cfg->ledger_page_bound : 10000;
}

/* Search matches in a stream's unit that are counted and ranked (ledger_search_bound); with more, the
 * pages come newest first and the total is this bound ("total_exact": false). */
static int64_t search_bound(const struct ctx *c)
{
    return c->cfg && c->cfg->ledger_search_bound > 0 ? c->cfg->ledger_search_bound : SEARCH_BOUND;
}

/* ---- the plan of one request ---- */

enum key_type { KEY_ID, KEY_TEXT, KEY_INT };

struct sortdef {
    const char *name, *col;
    bool desc, state_index; /* state_index: an index (unit, state, key) exists */
    enum key_type kt;
};

static const struct sortdef sorts[] = {
    {"-created", "s.item_id", true, true, KEY_ID},
    {"created", "s.item_id", false, true, KEY_ID},
    {"due", "s.due_date", false, true, KEY_TEXT},
    {"-due", "s.due_date", true, true, KEY_TEXT},
    {"-updated", "s.updated_at", true, false, KEY_TEXT},
    {"updated", "s.updated_at", false, false, KEY_TEXT},
    {"number", "s.numkey", false, false, KEY_INT},
    {"-number", "s.numkey", true, false, KEY_INT},
    {"rank", NULL, false, false, KEY_ID},
};

/* One walk of item_scope rows of a unit. */
struct stream {
    int64_t drive;          /* item_scope.unit_id walked */
    int64_t scope;          /* the unit where the user's role (or portfolio) is */
    bool portfolio;         /* visible once assigned (a leader's portfolio) */
    const char *state;      /* a stream of one state, or NULL */
    const char *search;     /* the full-text query restricted to `drive`, or NULL */
    int64_t matches;        /* search matches in `drive`, at most search_bound(c) + 1 */
    const int64_t *ids;     /* the newest nids of them (descending): all when there are at most search_bound(c) — the
                         * page and the counts read their scope rows by id instead of evaluating the search
                         * again —, else the bound's, which a page ranked or sorted by a key other than the id
                         * reads (stream_by_ids) */
    const double *ranks;    /* a ranked page's: the rank of each of ids, read with them (smaller is better) */
    const int64_t *by_rank; /* a ranked page's: the nids ids best first (then by id), read in chunks (page_read) */
    int nids;
};

struct plan {
    const struct sortdef *sort;
    const char *states[ITEM_ST__COUNT];
    int nstates;
    enum { STATE_NONE, STATE_INDEX, STATE_STREAMS, STATE_FILTER } state_mode;
    struct stream streams[MAX_STREAMS];
    int nstreams;
    struct sqlb *post;   /* conditions on s and i for every stream */
    bool other_filters;  /* filters the counters do not know (all but scope, unit and state) */
    int64_t unit_filter; /* the unit filter (subtree) that a drive may imply, or 0 */
    const char *q;       /* the search words, or NULL */
    bool empty;          /* nothing can match (a search of separators only) */
    bool ranked;         /* sort=rank honoured */
    const char *light;   /* the light filter as a stored light (red/yellow/green/none), or NULL */
    int per_page;
    int64_t offset;
    bool cursor;
    const char *ckey;
    int64_t cid;
    char today[11], yellow[11];
    /* the counters per state that state_counts read last (plan_state_mode and page_counts read the same) */
    bool counted;
    int64_t counted_unit;
    const char *counted_light;
    int64_t counted_n[ITEM_ST__COUNT];
};

static const char *const active_states = "('assigned', 'received', 'in_progress', 'completion_requested', "
                                         "'completion_signed')";

/* The unit id at the end of a path ("/1/33/45/" -> 45); 0 for "" or "/". */
static int64_t path_unit(const char *path)
{
    size_t n = strlen(path);
    if (n < 2)
        return 0;
    const char *end = path + n - 1, *p = end;
    while (p > path && p[-1] != '/')
        p--;
    return strtoll(p, NULL, 10);
}

static bool within(const char *path, const char *ancestor)
{
    return strncmp(path, ancestor, strlen(ancestor)) == 0;
}

/* ---- cursors: base64url of "sort\nkey\nid" ---- */

static const char *cursor_make(struct ctx *c, const char *sort, const char *key, int64_t id)
{
    const char *raw = arena_printf(c->arena, "%s\n%s\n%" PRId64, sort, key ? key : "", id);
    size_t n = strlen(raw), len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(c->arena, len);
    sodium_bin2base64(out, len, (const unsigned char *)raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

static bool key_valid(enum key_type kt, const char *k)
{
    if (kt == KEY_ID)
        return !*k;
    if (!*k || strlen(k) > 40)
        return false;
    for (const char *p = k; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (kt == KEY_TEXT && strchr("-:TZ.", *p))))
            return false;
    return true;
}

static enum err cursor_parse(struct ctx *c, struct plan *pl, const char *after)
{
    size_t n = strlen(after);
    unsigned char *raw = arena_alloc(c->arena, n + 1);
    size_t len = 0;
    if (n > 200 || sodium_base642bin(raw, n, after, n, NULL, &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
        return ctx_fail(c, ERR_BAD_REQUEST, "翻页游标 after 无效，请从第一页重新查询");
    raw[len] = 0;
    char *save = NULL, *sort = strtok_r((char *)raw, "\n", &save);
    char *key = sort ? strtok_r(NULL, "\n", &save) : NULL, *id = key ? strtok_r(NULL, "\n", &save) : NULL;
    if (id == NULL && key && pl->sort->kt == KEY_ID) { /* "sort\n\nid": strtok skips the empty key */
        id = key;
        key = "";
    }
    char *end = NULL;
    int64_t v = id ? strtoll(id, &end, 10) : 0;
    if (!sort || !key || !id || *end || v <= 0 || !key_valid(pl->sort->kt, key))
        return ctx_fail(c, ERR_BAD_REQUEST, "翻页游标 after 无效，请从第一页重新查询");
    if (strcmp(sort, pl->sort->name))
        return ctx_fail(c, ERR_BAD_REQUEST, "翻页游标 after 属于排序“%s”，与本次排序“%s”不符", sort, pl->sort->name);
    pl->cursor = true;
    pl->ckey = key;
    pl->cid = v;
    return ERR_OK;
}

/* ---- building the plan ---- */

/* Reads the counters of unit per state into n[ITEM_ST__COUNT]: dim 'state', or with a light the
 * dim 'ls' ("red:in_progress"). The plan keeps the last answer: a page asks twice (its state mode, its
 * counts), and both must see the same counts. */
static enum err state_counts(struct ctx *c, struct plan *pl, int64_t unit, const char *light, int64_t n[ITEM_ST__COUNT])
{
    if (pl->counted && pl->counted_unit == unit &&
        (light ? pl->counted_light && !strcmp(light, pl->counted_light) : !pl->counted_light)) {
        memcpy(n, pl->counted_n, sizeof pl->counted_n);
        return ERR_OK;
    }
    memset(n, 0, sizeof(int64_t) * ITEM_ST__COUNT);
    static const char *const by_state[] = {"state", NULL}, *const by_light[] = {"ls", NULL};
    json_t *o = NULL;
    enum err e = ledger_counts(c, unit, light ? by_light : by_state, &o);
    if (e)
        return e;
    const char *k;
    json_t *v;
    size_t skip = light ? strlen(light) + 1 : 0;
    json_object_foreach(json_object_get(o, light ? "ls" : "state"), k, v)
    {
        enum item_state s;
        if ((!light || (!strncmp(k, light, skip - 1) && k[skip - 1] == ':')) && item_state_parse(k + skip, &s))
            n[s] = json_integer_value(v);
    }
    json_decref(o);
    pl->counted = true;
    pl->counted_unit = unit;
    pl->counted_light = light;
    memcpy(pl->counted_n, n, sizeof pl->counted_n);
    return ERR_OK;
}

/* The streams: one per READ scope and per portfolio unit outside them, each walking the deepest
 * filter unit inside it. */
static enum err plan_streams(struct ctx *c, const struct ledger_query *lq, struct plan *pl, const char **filter_paths,
                             int nfilter)
{
    int n = 0, np = 0;
    const char **scope = NULL, **port = NULL;
    if (c->user) {
        scope = perm_scope_cap(c, CAP_ITEM_READ, &n);
        if (perm_any(c->user, CAP_ITEM_READ))
            for (int i = 0; i < c->user->nportfolio; i++) {
                const char *p = c->user->portfolio_paths[i];
                bool covered = false;
                for (int k = 0; k < n && !covered; k++)
                    covered = within(p, scope[k]);
                for (int k = 0; k < i && !covered; k++)
                    covered = within(p, c->user->portfolio_paths[k]) && strcmp(p, c->user->portfolio_paths[k]);
                if (!covered) {
                    if (!port)
                        port = arena_alloc(c->arena, sizeof *port * (size_t)c->user->nportfolio);
                    port[np++] = p;
                }
            }
    } else {
        /* the system: every root */
        struct stmt *st = db_prepare(c->db, "SELECT path FROM units WHERE parent_id IS NULL ORDER BY id");
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "查询台账");
        scope = arena_alloc(c->arena, sizeof *scope * MAX_STREAMS);
        while (n < MAX_STREAMS && stmt_step(st) == STORE_ROW)
            scope[n++] = arena_strdup(c->arena, stmt_text(st, 0));
        stmt_done(st);
    }
    (void)lq;
    for (int i = 0; i < n + np; i++) {
        const char *sp = i < n ? scope[i] : port[i - n];
        const char *drive = sp;
        for (int k = 0; k < nfilter; k++)
            if (within(filter_paths[k], drive))
                drive = filter_paths[k];
        if (pl->nstreams >= MAX_STREAMS)
            return ctx_fail(c, ERR_BAD_REQUEST, "可见范围过多（超过 %d 个），请按单位筛选", MAX_STREAMS);
        pl->streams[pl->nstreams++] =
            (struct stream){.drive = path_unit(drive), .scope = path_unit(sp), .portfolio = i >= n};
    }
    return ERR_OK;
}

/* The filters other than scope and state, as conditions on s (item_scope) and i (items). */
static enum err plan_filters_sql(struct ctx *c, const struct ledger_query *lq, struct plan *pl, const char **fpaths,
                                 int *nf)
{
    struct sqlb *q = pl->post;
    static const struct {
        size_t off;
        const char *col;
    } eq[] = {
        {offsetof(struct ledger_query, source_kind), "i.source_kind"},
        {offsetof(struct ledger_query, importance), "i.importance"},
        {offsetof(struct ledger_query, kind), "i.kind"},
        {offsetof(struct ledger_query, confidentiality), "i.confidentiality"},
    };
    for (size_t k = 0; k < sizeof eq / sizeof *eq; k++) {
        const char *v = *(const char *const *)((const char *)lq + eq[k].off);
        if (v && *v) {
            buf_printf(&q->sql, " AND %s = ?", eq[k].col);
            q_text(q, v);
            pl->other_filters = true;
        }
    }
    const char *path;
    *nf = 0;
    if (lq->lead_unit_id) {
        if (units_path(c, lq->lead_unit_id, &path))
            return ctx_fail(c, ERR_BAD_REQUEST, "牵头单位 %" PRId64 " 不存在", lq->lead_unit_id);
        buf_puts(&q->sql, " AND ");
        q_path(c, q, "i.lead_path", path, lq->exact);
        fpaths[(*nf)++] = path;
        pl->other_filters = true;
    }
    if (lq->co_unit_id) {
        if (units_path(c, lq->co_unit_id, &path))
            return ctx_fail(c, ERR_BAD_REQUEST, "单位 %" PRId64 " 不存在", lq->co_unit_id);
        buf_puts(&q->sql, " AND EXISTS (SELECT 1 FROM item_tracks ft WHERE ft.item_id = s.item_id AND ft.role = 'co' "
                          "AND ");
        q_path(c, q, "ft.unit_path", path, lq->exact);
        buf_puts(&q->sql, ")");
        fpaths[(*nf)++] = path;
        pl->other_filters = true;
    }
    if (lq->unit_id) {
        if (units_path(c, lq->unit_id, &path))
            return ctx_fail(c, ERR_BAD_REQUEST, "单位 %" PRId64 " 不存在", lq->unit_id);
        if (lq->exact) {
            buf_puts(&q->sql, " AND EXISTS (SELECT 1 FROM item_tracks ft WHERE ft.item_id = s.item_id AND "
                              "ft.unit_path = ?)");
            q_text(q, path);
            pl->other_filters = true;
        } else {
            /* issued in the unit's subtree or with a responsible unit there: a scope row at the unit;
             * implied when the stream walks that unit (see stream_sql) */
            pl->unit_filter = path_unit(path);
        }
        fpaths[(*nf)++] = path;
    }
    if (lq->leader_id) {
        buf_puts(&q->sql, " AND i.leader_id = ?");
        q_int(q, lq->leader_id);
        pl->other_filters = true;
    }
    if (lq->parent_id) {
        buf_puts(&q->sql, " AND i.parent_id = ?");
        q_int(q, lq->parent_id);
        pl->other_filters = true;
    }
    if (lq->year) {
        buf_puts(&q->sql, " AND i.year = ?");
        q_int(q, lq->year);
        pl->other_filters = true;
    }
    int64_t d;
    if (lq->due_before && *lq->due_before) {
        if (!cal_parse_date(lq->due_before, &d))
            return ctx_fail(c, ERR_BAD_REQUEST, "due_before 应为 YYYY-MM-DD");
        buf_puts(&q->sql, " AND s.due_date <= ?");
        q_text(q, lq->due_before);
        pl->other_filters = true;
    }
    if (lq->due_after && *lq->due_after) {
        if (!cal_parse_date(lq->due_after, &d))
            return ctx_fail(c, ERR_BAD_REQUEST, "due_after 应为 YYYY-MM-DD");
        buf_puts(&q->sql, " AND s.due_date >= ?");
        q_text(q, lq->due_after);
        pl->other_filters = true;
    }
    /* the stored lights (migration 0051) while their dates are today's; else from the due dates */
    bool fresh = (lq->overdue || (lq->light && *lq->light)) && ledger_lights_fresh(c, pl->today, pl->yellow);
    if (lq->overdue && lq->light && *lq->light && strcmp(lq->light, "red"))
        buf_puts(&q->sql, " AND 1 = 0"); /* overdue is red */
    if (fresh) {
        const char *want = lq->overdue ? "red" : lq->light;
        if (strcmp(want, "red") && strcmp(want, "yellow") && strcmp(want, "green") && strcmp(want, "none"))
            return ctx_fail(c, ERR_BAD_REQUEST, "light 应为 red、yellow、green 或 none");
        buf_puts(&q->sql, " AND s.light = ?");
        q_text(q, want);
        pl->light = want;
    } else if (lq->overdue) {
        buf_printf(&q->sql, " AND s.due_date < ? AND (s.state || '') IN %s", active_states);
        q_text(q, pl->today);
        pl->other_filters = true;
    }
    if (!fresh && lq->light && *lq->light) {
        if (!strcmp(lq->light, "red")) {
            buf_printf(&q->sql, " AND s.due_date < ? AND (s.state || '') IN %s", active_states);
            q_text(q, pl->today);
        } else if (!strcmp(lq->light, "yellow")) {
            buf_printf(&q->sql, " AND s.due_date >= ? AND s.due_date <= ? AND (s.state || '') IN %s", active_states);
            q_text(q, pl->today);
            q_text(q, pl->yellow);
        } else if (!strcmp(lq->light, "green")) {
            buf_printf(&q->sql, " AND s.due_date > ? AND (s.state || '') IN %s", active_states);
            q_text(q, pl->yellow);
        } else if (!strcmp(lq->light, "none")) {
            buf_printf(&q->sql, " AND (s.state || '') NOT IN %s", active_states);
        } else {
            return ctx_fail(c, ERR_BAD_REQUEST, "light 应为 red、yellow、green 或 none");
        }
        pl->other_filters = true;
    }
    if (lq->tag && *lq->tag) {
        buf_puts(&q->sql, " AND i.tags LIKE ? ESCAPE '\\'");
        q_text(q, arena_printf(c->arena, "%%,%s,%%", like_escape(c, lq->tag)));
        pl->other_filters = true;
    }
    if (q->overflow)
        return ctx_fail(c, ERR_BAD_REQUEST, "查询条件过多");
    return ERR_OK;
}

static enum err plan_filters(struct ctx *c, const struct ledger_query *lq, struct plan *pl, const char **fpaths,
                             int *nf)
{
    pl->post = sqlb_new(c->arena);
    enum err e = plan_filters_sql(c, lq, pl, fpaths, nf);
    q_seal(c, pl->post);
    return e;
}

static enum err plan_states(struct ctx *c, const struct ledger_query *lq, struct plan *pl)
{
    if (!lq->state || !*lq->state)
        return ERR_OK;
    bool seen[ITEM_ST__COUNT] = {0};
    char *copy = arena_strdup(c->arena, lq->state), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        enum item_state s;
        if (!item_state_parse(tok, &s))
            return ctx_fail(c, ERR_BAD_REQUEST, "状态“%s”无效（见 GET /api/v1/items/meta）", tok);
        if (!seen[s])
            pl->states[pl->nstates++] = item_state_name(s);
        seen[s] = true;
    }
    return ERR_OK;
}

/*
 * How the states are read: through the state's index when the sort has one (or when the states
 * are rare), one stream per state when several rare states are wanted in such a sort, else checked
 * on each row of the sort's index. The exact counters tell how rare.
 */
static enum err plan_state_mode(struct ctx *c, struct plan *pl)
{
    if (!pl->nstates || pl->nstates == ITEM_ST__COUNT) {
        pl->state_mode = STATE_NONE;
        return ERR_OK;
    }
    int64_t n[ITEM_ST__COUNT], want = 0, all = 0;
    enum err e = state_counts(c, pl, pl->streams[0].drive, pl->light, n);
    if (e)
        return e;
    for (int s = 0; s < ITEM_ST__COUNT; s++) {
        all += n[s];
        for (int k = 0; k < pl->nstates; k++)
            if (!strcmp(pl->states[k], item_state_name((enum item_state)s)))
                want += n[s];
    }
    bool rare = want * 4 < all;
    if (pl->sort->state_index && pl->nstates == 1)
        pl->state_mode = STATE_INDEX;
    else if (pl->sort->state_index && rare && pl->nstreams * pl->nstates <= MAX_STREAMS)
        pl->state_mode = STATE_STREAMS;
    else if (!pl->sort->state_index && want <= STATES_SMALL)
        pl->state_mode = STATE_INDEX; /* read the few rows of these states and sort them */
    else
        pl->state_mode = STATE_FILTER;
    if (pl->state_mode == STATE_STREAMS) {
        int ns = pl->nstreams;
        struct stream base[MAX_STREAMS];
        memcpy(base, pl->streams, sizeof *base * (size_t)ns);
        pl->nstreams = 0;
        for (int i = 0; i < ns; i++)
            for (int k = 0; k < pl->nstates; k++) {
                pl->streams[pl->nstreams] = base[i];
                pl->streams[pl->nstreams++].state = pl->states[k];
            }
    }
    return ERR_OK;
}

/*
 * The search: each stream's query restricted to its unit, and its matches there, read newest first up to
 * search_bound(c) + 1 — with their ranks when the page is ranked (sort=rank), in the same statement: with at
 * most the bound, their ids (s->ids) stand for the search in the page's statement and in the counts, so that
 * the search is evaluated once per request, ranked or sorted. With more, a ranked page ranks the newest
 * search_bound(c) of them and a page sorted by due date, number or update reads those, sorted (stream_by_ids):
 * ranking every match, or walking the scope in that order and probing the search index row by row, cost what
 * the matches of a province cost (seconds to minutes at 1,000,000 items). Its total is the bound, said to be
 * bounded. Streams of one unit (one per state) share one reading; a unit without a match drops its streams.
 */
/*
 * The unit whose scope holds every item, or 0: on SQLite, the one unit without a parent (every item's issuing
 * government lies under it, so every item has a scope row there, visible). Its scope token is in every document
 * of the full-text index, and matching it made FTS5 walk a doclist of every item: at the root of the 1,000,000-
 * item gen province 7.20 M instructions for q=古树名木 (50 matches) against 2.89 M without it. A search there
 * leaves the token out (the page's statements join the stream's scope rows all the same); the ranks do not
 * change (ducha_rank weighs number, title and requirement only). PostgreSQL keeps it: ts_rank takes every
 * lexeme of the query.
 */
static int64_t search_root(struct ctx *c)
{
    if (strcmp(db_kind(c->db), "sqlite"))
        return 0;
    struct stmt *st = db_query(c->db, "SELECT id FROM units WHERE parent_id IS NULL LIMIT 2");
    int64_t id = 0;
    int n = 0;
    while (st && stmt_step(st) == STORE_ROW) {
        id = stmt_int(st, 0);
        n++;
    }
    stmt_done(st);
    return n == 1 ? id : 0;
}

struct ranked_id {
    int64_t id;
    double rank;
};

/* The order of a ranked page: the best (smallest) rank first, then the newer (the larger id). */
static int rank_order(double ra, int64_t ia, double rb, int64_t ib)
{
    int r = ra < rb ? -1 : ra > rb;
    return r ? r : ia > ib ? -1 : ia < ib;
}

static int ranked_id_cmp(const void *x, const void *y)
{
    const struct ranked_id *a = x, *b = y;
    return rank_order(a->rank, a->id, b->rank, b->id);
}

/* The n ids (newest first, as the matches' statements read them) in the order of a ranked page (rank_order). The
 * ranks take few values (sums of a few weights of term counts): the ids are dealt out by rank, each rank's newest
 * first as read — qsort of a common word's 501 matches was 5 % of its page; more than RANK_VALUES values, or ids
 * not newest first, are sorted. */
#define RANK_VALUES 32
int64_t *ledger_rank_sort(struct arena *a, const int64_t *ids, const double *ranks, int n)
{
    int64_t *by = arena_alloc(a, sizeof *by * (size_t)n);
    double v[RANK_VALUES];
    int at[RANK_VALUES + 1] = {0}, nv = 0;
    bool dealt = true;
    for (int k = 0; k < n && dealt; k++) {
        if (isnan(ranks[k])) {
            dealt = false;
            break;
        }
        int j = 0;
        while (j < nv && v[j] != ranks[k])
            j++;
        if (j == nv) {
            if (nv == RANK_VALUES) {
                dealt = false;
                break;
            }
            /* kept in increasing order: the values before it stay, the larger move up with their counts */
            int i = nv++;
            for (; i > 0 && v[i - 1] > ranks[k]; i--) {
                v[i] = v[i - 1];
                at[i + 1] = at[i];
            }
            v[i] = ranks[k];
            at[i + 1] = 0;
            j = i;
        }
        at[j + 1]++;
        dealt = !k || ids[k] < ids[k - 1];
    }
    if (dealt) {
        for (int j = 0; j < nv; j++) /* counts to each value's first place */
            at[j + 1] += at[j];
        for (int k = 0; k < n; k++) {
            int j = 0;
            while (v[j] != ranks[k])
                j++;
            by[at[j]++] = ids[k];
        }
        return by;
    }
    struct ranked_id *r = arena_alloc(a, sizeof *r * (size_t)n);
    for (int k = 0; k < n; k++)
        r[k] = (struct ranked_id){ids[k], ranks[k]};
    qsort(r, (size_t)n, sizeof *r, ranked_id_cmp);
    for (int k = 0; k < n; k++)
        by[k] = r[k].id;
    return by;
}

static enum err plan_search(struct ctx *c, struct plan *pl)
{
    const struct search_sql *ss = db_search_sql(c->db);
    int64_t root = search_root(c);
    const char *rank_text = NULL; /* the words without a scope, for the ranks */
    if (!pl->sort->col) {
        char *t = db_search_query(c->db, pl->q, 0);
        if (!t) {
            pl->empty = true;
            return ERR_OK;
        }
        rank_text = arena_strdup(c->arena, t);
        free(t);
    }
    for (int i = 0; i < pl->nstreams; i++) {
        struct stream *s = &pl->streams[i];
        const struct stream *same = NULL;
        for (int j = 0; j < i && !same; j++)
            if (pl->streams[j].drive == s->drive)
                same = &pl->streams[j];
        if (same) {
            s->search = same->search;
            s->matches = same->matches;
            s->ids = same->ids;
            s->ranks = same->ranks;
            s->by_rank = same->by_rank;
            s->nids = same->nids;
        } else {
            char *text = db_search_query(c->db, pl->q, s->drive == root ? 0 : s->drive);
            if (!text) {
                pl->empty = true;
                return ERR_OK;
            }
            s->search = arena_strdup(c->arena, text);
            free(text);
            bool rank = !pl->sort->col;
            const char *sql = rank ? ss->matches_ranked : ss->matches;
            struct stmt *st = db_prepare(c->db, sql);
            if (!st)
                return ctx_store_fail(c, STORE_E_OTHER, "全文检索");
            int params = 0, at = 1;
            for (const char *p = sql; (p = strchr(p, '?')); p++)
                params++;
            if (params == 3) /* the rank's query: the words without the scope (search_sql.matches_ranked) */
                stmt_bind_text(st, at++, rank_text);
            stmt_bind_text(st, at++, s->search);
            stmt_bind_int(st, at, search_bound(c) + 1);
            /* room for the bound and one (the statement's LIMIT) at once, up to 1,024 */
            int64_t room = search_bound(c) + 1;
            int n = 0, cap = room < 1024 ? (int)room : 1024, rcap = cap, rc;
            int64_t *ids = arena_alloc_raw(c->arena, sizeof *ids * (size_t)cap);
            double *ranks = rank ? arena_alloc_raw(c->arena, sizeof *ranks * (size_t)rcap) : NULL;
            while ((rc = stmt_step(st)) == STORE_ROW) {
                ids = arena_grow(c->arena, ids, n, &cap, sizeof *ids);
                if (rank) {
                    ranks = arena_grow(c->arena, ranks, n, &rcap, sizeof *ranks);
                    ranks[n] = stmt_double(st, 1);
                }
                ids[n++] = stmt_int(st, 0);
            }
            stmt_done(st);
            if (rc < 0)
                return ctx_store_fail(c, rc, "全文检索");
            s->matches = n;
            s->ids = ids;
            s->ranks = ranks;
            s->nids = n <= search_bound(c) ? n : (int)search_bound(c);
            if (rank && s->nids)
                s->by_rank = ledger_rank_sort(c->arena, ids, ranks, s->nids);
        }
    }
    int kept = 0;
    for (int i = 0; i < pl->nstreams; i++)
        if (pl->streams[i].matches)
            pl->streams[kept++] = pl->streams[i];
    pl->nstreams = kept;
    pl->empty = !kept;
    return ERR_OK;
}

static enum err plan_build(struct ctx *c, const struct ledger_query *lq, struct plan *pl)
{
    memset(pl, 0, sizeof *pl);
    const char *sort = lq->sort && *lq->sort ? lq->sort : lq->q && *lq->q ? "rank" : "-created";
    for (size_t k = 0; k < sizeof sorts / sizeof *sorts; k++)
        if (!strcmp(sort, sorts[k].name))
            pl->sort = &sorts[k];
    if (!pl->sort)
        return ctx_fail(c, ERR_BAD_REQUEST,
                        "排序 sort 应为 created、-created、due、-due、updated、-updated、number、-number 或 rank");
    if (!pl->sort->col && !(lq->q && *lq->q))
        return ctx_fail(c, ERR_BAD_REQUEST, "按相关度排序（sort=rank）需要检索词 q");
    pl->q = lq->q && *lq->q ? lq->q : NULL;
    pl->per_page = lq->per_page > 0 ? lq->per_page : 50;
    int page = lq->page > 0 ? lq->page : 1;
    pl->offset = (int64_t)(page - 1) * pl->per_page;
    if (lq->after && *lq->after) {
        if (page > 1)
            return ctx_fail(c, ERR_BAD_REQUEST, "after 与 page 不能同时使用");
        if (!pl->sort->col) /* ranked pages have no cursor; one was given out newest first (too many to rank) */
            pl->sort = &sorts[0];
        enum err e = cursor_parse(c, pl, lq->after);
        if (e)
            return e;
    }
    if (pl->offset > page_bound(c))
        return ctx_fail(c, ERR_BAD_REQUEST,
                        "page 翻页最多到第 %" PRId64 " 条，更深处请用上一页返回的 next 作为 after 参数", page_bound(c));
    items_light_dates(c, pl->today, pl->yellow);
    const char *fpaths[3];
    int nf;
    enum err e;
    if ((e = plan_states(c, lq, pl)) || (e = plan_filters(c, lq, pl, fpaths, &nf)) ||
        (e = plan_streams(c, lq, pl, fpaths, nf)))
        return e;
    if (!pl->nstreams)
        return ERR_OK;
    if ((e = plan_state_mode(c, pl)))
        return e;
    if (pl->q && (e = plan_search(c, pl)))
        return e;
    pl->ranked = !pl->sort->col; /* more matches than the bound: the newest bound's are ranked */
    return ERR_OK;
}

/* ---- the SQL of a stream ---- */

/* The names of the lead unit and the leader are not joined: they come from the process cache
 * (ledger_names.c), as the tracks' units' names do. */
static const char *const row_cols =
    "SELECT i.id, i.number, i.title, i.state, i.source_kind, i.importance, i.kind, i.due_date, i.lead_unit_id, "
    "i.progress, i.escalated, i.tags, i.leader_id, i.updated_at, i.parent_id, i.year, i.version, i.created_at";
#define COL_KEY 18
static const char *const detail_cols = ", i.requirement, i.source_ref, i.closed_at, i.assigned_at, i.confidentiality";
static const char *const row_joins = " JOIN items i ON i.id = s.item_id";

/* The conditions of a stream after "WHERE s.unit_id = ?": visibility, state, search and filters. */
static void stream_where(struct ctx *c, const struct plan *pl, const struct stream *s, struct sqlb *q, bool states,
                         const char *search_cond, int64_t search_limit)
{
    if (s->portfolio) {
        buf_puts(&q->sql, " AND s.assigned = 1");
    } else if (s->drive == s->scope) {
        buf_puts(&q->sql, " AND s.vis = 1");
    } else {
        /* a unit inside the scope: its own rows are visible at the scope when visible there, the
         * others (drafts whose responsible unit is here) when issued at or below the scope */
        buf_puts(&q->sql, " AND (s.vis = 1 OR EXISTS (SELECT 1 FROM item_scope v WHERE v.item_id = s.item_id AND "
                          "v.unit_id = ? AND v.vis = 1))");
        q_int(q, s->scope);
    }
    if (pl->unit_filter && pl->unit_filter != s->drive) {
        buf_puts(&q->sql, " AND EXISTS (SELECT 1 FROM item_scope f WHERE f.item_id = s.item_id AND f.unit_id = ?)");
        q_int(q, pl->unit_filter);
    }
    if (states) {
        if (s->state) {
            buf_puts(&q->sql, " AND s.state = ?");
            q_text(q, s->state);
        } else if (pl->state_mode == STATE_INDEX || pl->state_mode == STATE_FILTER) {
            buf_puts(&q->sql, pl->state_mode == STATE_INDEX ? " AND s.state IN (" : " AND (s.state || '') IN (");
            for (int k = 0; k < pl->nstates; k++) {
                buf_puts(&q->sql, k ? ", ?" : "?");
                q_text(q, pl->states[k]);
            }
            buf_puts(&q->sql, ")");
        }
    }
    if (search_cond) {
        buf_printf(&q->sql, " AND %s", search_cond);
        q_text(q, s->search);
        if (search_limit)
            q_int(q, search_limit);
    }
    q_cat(q, pl->post);
    (void)c;
}

/*
 * The index of item_scope that walks stream s in the plan's order, as " INDEXED BY …" where the
 * backend takes hints (store_search.h), else "". Every index ends with the primary key (item_id).
 */
static const char *stream_index(struct ctx *c, const struct plan *pl, const struct stream *s)
{
    if (!db_index_hints(c->db))
        return "";
    const struct sortdef *so = pl->sort;
    bool by_state = s->state || pl->state_mode == STATE_INDEX;
    const char *ix;
    if (!so->col || so->kt == KEY_ID)
        ix = by_state ? "item_scope_state" : pl->light ? "item_scope_light" : "item_scope_unit";
    else if (!strcmp(so->col, "s.due_date"))
        ix = by_state ? "item_scope_state_due" : "item_scope_due";
    else if (by_state) /* a rare state read through its index, then sorted */
        ix = "item_scope_state";
    else
        ix = !strcmp(so->col, "s.updated_at") ? "item_scope_updated" : "item_scope_number";
    return arena_printf(c->arena, " INDEXED BY %s", ix);
}

/* Whether the page reads stream s by the ids of its matches (plan_search): all of them (at most the bound), or
 * the newest search_bound(c) when there are more and the page is ranked or sorted by a key other than the id.
 * Sorted by id, more matches come in id order: from the search index itself on SQLite (search_sql.drive), else
 * the scope's index. */
static bool stream_by_ids(const struct ctx *c, const struct plan *pl, const struct stream *s)
{
    return s->search && s->nids && (s->matches <= search_bound(c) || !pl->sort->col || pl->sort->kt != KEY_ID);
}

/* The rank plan_search read for item id of stream s (ids descending; an id not among them: last). */
static double stream_rank(const struct stream *s, int64_t id)
{
    int lo = 0, hi = s->nids;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->ids[mid] == id)
            return s->ranks[mid];
        if (s->ids[mid] > id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return HUGE_VAL;
}

/* " INDEXED BY" the primary key of item_scope (item_id, unit_id), where the backend takes hints: rows read by
 * id (SQLite's planner, without statistics, would rather walk the unit's index in the order of the sort). */
static const char *scope_by_key(struct ctx *c)
{
    return db_index_hints(c->db) ? " INDEXED BY sqlite_autoindex_item_scope_1" : "";
}

/* The page query of one stream: at most `limit` rows after the cursor in sort order. */
static void stream_page_sql(struct ctx *c, const struct plan *pl, const struct stream *s, struct sqlb *q, int64_t limit,
                            bool details)
{
    const struct search_sql *ss = db_search_sql(c->db);
    const struct sortdef *so = pl->sort;
    buf_puts(&q->sql, row_cols);
    if (details)
        buf_puts(&q->sql, detail_cols);
    if (s->search && pl->ranked) {
        /* relevance: the visible rows of a chunk of the matches plan_search read with their ranks (s->ids here:
         * a run of by_rank, best first; page_read reads further runs while the page is not full), ranked in C;
         * page by offset */
        buf_printf(&q->sql, ", s.item_id FROM item_scope s%s%s WHERE ", scope_by_key(c), row_joins);
        q_ints(c, q, "s.item_id", s->ids, s->nids);
        buf_puts(&q->sql, " AND s.unit_id = ?");
        q_int(q, s->drive);
        stream_where(c, pl, s, q, true, NULL, 0);
        return;
    }
    const char *col = so->col ? so->col : "s.item_id";
    bool desc = so->col ? so->desc : true;
    const char *dir = desc ? "DESC" : "ASC";
    if (s->search && s->matches > search_bound(c) && so->kt == KEY_ID && ss->drive) {
        /* many matches, in id order: the search index delivers them in that order */
        buf_printf(&q->sql, ", %s FROM %s%s WHERE %s AND s.unit_id = ?", col, ss->drive, row_joins, ss->match);
        q_text(q, s->search);
        q_int(q, s->drive);
        stream_where(c, pl, s, q, true, NULL, 0);
        if (pl->cursor) {
            buf_printf(&q->sql, " AND %s %s ?", ss->drive_order, desc ? "<" : ">");
            q_int(q, pl->cid);
        }
        buf_printf(&q->sql, " ORDER BY %s %s LIMIT ?", ss->drive_order, dir);
        q_int(q, limit);
        return;
    }
    if (stream_by_ids(c, pl, s)) {
        /* the matches read by plan_search (at most the bound): their scope rows by key, then sorted */
        buf_printf(&q->sql, ", %s FROM item_scope s%s%s WHERE ", col, scope_by_key(c), row_joins);
        q_ints(c, q, "s.item_id", s->ids, s->nids);
        buf_puts(&q->sql, " AND s.unit_id = ?");
        q_int(q, s->drive);
        stream_where(c, pl, s, q, true, NULL, 0);
    } else {
        /* the index walks in order; more matches than the bound in id order where the search index cannot
         * deliver them so (PostgreSQL) are probed one row at a time */
        buf_printf(&q->sql, ", %s FROM item_scope s%s%s WHERE s.unit_id = ?", col, stream_index(c, pl, s), row_joins);
        q_int(q, s->drive);
        stream_where(c, pl, s, q, true, s->search ? ss->probe : NULL, 0);
    }
    if (pl->cursor) {
        if (so->kt == KEY_ID) {
            buf_printf(&q->sql, " AND s.item_id %s ?", desc ? "<" : ">");
        } else {
            buf_printf(&q->sql, " AND (%s, s.item_id) %s (?, ?)", col, desc ? "<" : ">");
            if (so->kt == KEY_INT)
                q_int(q, strtoll(pl->ckey, NULL, 10));
            else
                q_text(q, pl->ckey);
        }
        q_int(q, pl->cid);
    }
    if (so->kt == KEY_ID)
        buf_printf(&q->sql, " ORDER BY s.item_id %s LIMIT ?", dir);
    else
        buf_printf(&q->sql, " ORDER BY %s %s, s.item_id %s LIMIT ?", col, dir, dir);
    q_int(q, limit);
}

/* ---- rows ---- */

static const char *dup(struct arena *a, struct stmt *st, int col)
{
    return arena_strdup(a, stmt_text(st, col));
}

static void row_read(struct arena *a, struct stmt *st, struct ledger_row *r, bool details, const struct plan *pl)
{
    memset(r, 0, sizeof *r);
    r->id = stmt_int(st, 0);
    r->number = dup(a, st, 1);
    r->title = dup(a, st, 2);
    r->state = dup(a, st, 3);
    r->source_kind = dup(a, st, 4);
    r->importance = dup(a, st, 5);
    r->kind = dup(a, st, 6);
    r->due_date = dup(a, st, 7);
    r->lead_unit_id = stmt_int(st, 8);
    r->progress = (int)stmt_int(st, 9);
    r->escalated = stmt_int(st, 10) != 0;
    r->tags = dup(a, st, 11);
    r->leader_id = stmt_int(st, 12); /* 0: none (NULL) */
    r->updated_at = dup(a, st, 13);
    r->has_parent = !stmt_is_null(st, 14);
    r->parent_id = stmt_int(st, 14);
    r->year = stmt_int(st, 15);
    r->version = stmt_int(st, 16);
    r->created_at = dup(a, st, 17);
    int k = COL_KEY;
    if (details) {
        r->requirement = dup(a, st, k++);
        r->source_ref = dup(a, st, k++);
        r->closed_at = dup(a, st, k++);
        r->assigned_at = dup(a, st, k++);
        r->confidentiality = dup(a, st, k++);
    }
    r->key = pl->sort->col && pl->sort->kt != KEY_ID ? dup(a, st, k) : "";
    enum item_state s = ITEM_ST_DRAFT;
    item_state_parse(r->state, &s);
    r->light = items_light_for(r->due_date, s, pl->today, pl->yellow);
    r->state_label = item_state_label(s);
    const char *sk = item_source_label(r->source_kind);
    r->source_kind_label = sk ? sk : r->source_kind;
}

/* Compares two rows in the order of the plan (arg). */
static int row_cmp(const void *x, const void *y, void *arg)
{
    const struct ledger_row *a = x, *b = y;
    const struct plan *cmp_plan = arg;
    const struct sortdef *so = cmp_plan->sort;
    int r = 0;
    if (cmp_plan->ranked)
        return rank_order(a->rank, a->id, b->rank, b->id);
    if (so->kt == KEY_TEXT)
        r = strcmp(a->key, b->key);
    else if (so->kt == KEY_INT) {
        int64_t ka = strtoll(a->key, NULL, 10), kb = strtoll(b->key, NULL, 10);
        r = ka < kb ? -1 : ka > kb;
    }
    if (!r)
        r = a->id < b->id ? -1 : a->id > b->id;
    return so->col && !so->desc ? r : -r;
}

/* Compares two rows by id. */
static int row_id_cmp(const void *x, const void *y)
{
    const struct ledger_row *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Rows of the page (offset skipped), at most per_page + 1 (the extra one says there is more). */
/*
 * The page's statements, one per stream, prepared, bound and sent (stmt_send), so that they travel
 * with whatever is sent before the first read (PostgreSQL: one round trip for all of them and the
 * counts). page_read reads them.
 */
static enum err page_send(struct ctx *c, const struct plan *pl, bool details, struct stmt ***out)
{
    int64_t want = pl->offset + pl->per_page + 1;
    struct stmt **sts = arena_alloc(c->arena, sizeof *sts * (size_t)(pl->nstreams + 1));
    memset(sts, 0, sizeof *sts * (size_t)(pl->nstreams + 1));
    *out = sts;
    for (int i = 0; i < pl->nstreams; i++) {
        struct sqlb *q = sqlb_new(c->arena);
        const struct stream *s = &pl->streams[i];
        struct stream chunk;
        if (s->by_rank && pl->ranked) { /* the best `want` matches first */
            chunk = *s;
            chunk.ids = s->by_rank;
            chunk.nids = want < s->nids ? (int)want : s->nids;
            s = &chunk;
        }
        stream_page_sql(c, pl, s, q, want, details);
        if (q->overflow) {
            buf_free(&q->sql);
            return ctx_fail(c, ERR_BAD_REQUEST, "查询条件过多");
        }
        struct stmt *st = db_prepare(c->db, q->sql.data);
        buf_free(&q->sql);
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "查询台账");
        q_bind(q, st);
        stmt_send(st);
        sts[i] = st;
    }
    return ERR_OK;
}

/* Finishes what page_send left (after a failure: the statements not yet read). */
static void page_abandon(const struct plan *pl, struct stmt **sts)
{
    for (int i = 0; sts && i < pl->nstreams; i++)
        stmt_done(sts[i]);
}

/* Reads the rows of page_send's statements (and finishes them): merged in the order of the sort
 * when there are several streams, an item seen twice once. */
static enum err page_read(struct ctx *c, struct arena *a, const struct plan *pl, bool details, struct stmt **sts,
                          struct ledger_row **out, int *nout)
{
    /* room for the first stream's rows at once (a first page's 51): grown row by row, the array was zeroed and
     * copied four times over */
    int64_t first = pl->offset + pl->per_page + 1;
    int cap = first < 256 ? (int)first : 256, n = 0;
    struct ledger_row *rows = arena_alloc(a, sizeof *rows * (size_t)cap);
    for (int i = 0; i < pl->nstreams; i++) {
        struct stmt *st = sts[i];
        int rc;
        const struct stream *s = &pl->streams[i];
        bool ranked = pl->ranked && s->by_rank;
        int64_t want = pl->offset + pl->per_page + 1, got = 0, from = 0, take = want < s->nids ? want : s->nids;
        for (;;) {
            while ((rc = stmt_step(st)) == STORE_ROW) {
                rows = arena_grow(a, rows, n, &cap, sizeof *rows);
                row_read(a, st, &rows[n], details, pl);
                if (ranked)
                    rows[n].rank = stream_rank(s, rows[n].id);
                n++;
                got++;
            }
            stmt_done(st);
            sts[i] = NULL;
            if (rc < 0) {
                page_abandon(pl, sts);
                return ctx_store_fail(c, rc, "查询台账");
            }
            /* a ranked stream: the best `want` matches held fewer visible rows than the page needs (filtered out,
             * or another state's): the next run of matches, twice as many, ranks after every one read */
            if (!ranked || got >= want || from + take >= s->nids)
                break;
            from += take;
            take = 2 * take < s->nids - from ? 2 * take : s->nids - from;
            struct stream chunk = *s;
            chunk.ids = s->by_rank + from;
            chunk.nids = (int)take;
            struct sqlb *q = sqlb_new(c->arena);
            stream_page_sql(c, pl, &chunk, q, want, details);
            st = q->overflow ? NULL : db_prepare(c->db, q->sql.data);
            buf_free(&q->sql);
            if (!st) {
                page_abandon(pl, sts);
                return ctx_store_fail(c, STORE_E_OTHER, "查询台账");
            }
            q_bind(q, st);
        }
    }
    if (pl->ranked && pl->nstreams > 1 && n > 1) {
        /* an item seen through two streams once, at its better rank (PostgreSQL's ts_rank weighs the query's
         * scope lexeme, which differs per stream) */
        qsort(rows, (size_t)n, sizeof *rows, row_id_cmp);
        int k = 0;
        for (int i = 0; i < n; i++)
            if (!k || rows[k - 1].id != rows[i].id)
                rows[k++] = rows[i];
            else if (rows[i].rank < rows[k - 1].rank)
                rows[k - 1].rank = rows[i].rank;
        n = k;
    }
    if (pl->ranked) { /* read in the order of the ids: ranked here */
        if (n > 1)
            qsort_r(rows, (size_t)n, sizeof *rows, row_cmp, (void *)pl);
    } else if (pl->nstreams > 1 && n > 1) {
        qsort_r(rows, (size_t)n, sizeof *rows, row_cmp, (void *)pl);
        int k = 0; /* an item seen through two streams comes twice, side by side */
        for (int i = 0; i < n; i++)
            if (!k || rows[k - 1].id != rows[i].id)
                rows[k++] = rows[i];
        n = k;
    }
    int64_t skip = pl->offset < n ? pl->offset : n;
    *out = rows + skip;
    *nout = (int)(n - skip > pl->per_page + 1 ? pl->per_page + 1 : n - skip);
    return ERR_OK;
}

/* The page's rows (page_send, then page_read). */
static enum err page_rows(struct ctx *c, struct arena *a, const struct plan *pl, bool details, struct ledger_row **out,
                          int *nout)
{
    struct stmt **sts;
    enum err e = page_send(c, pl, details, &sts);
    if (e) {
        page_abandon(pl, sts);
        return e;
    }
    return page_read(c, a, pl, details, sts, out, nout);
}

static int track_cmp(const void *x, const void *y)
{
    const struct ledger_row *a = *(struct ledger_row *const *)x, *b = *(struct ledger_row *const *)y;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Whether track a comes before b in an item's list: the lead unit first, then in the order they were added. */
static bool track_before(const struct ledger_track *a, const struct ledger_track *b)
{
    bool al = !strcmp(a->role, "lead"), bl = !strcmp(b->role, "lead");
    return al != bl ? al : a->id < b->id;
}

/* The responsible units of the rows, in one query per 200 rows, read in the order of the index on
 * (item_id, unit_id) and put in each item's order here (an ORDER BY on the role sorted every page's tracks
 * in a temporary b-tree). The units' names come from the process cache afterwards (ledger_names_fill). */
static enum err page_tracks(struct ctx *c, struct arena *a, struct ledger_row *rows, int n, bool details)
{
    struct ledger_row **ix = arena_alloc(a, sizeof *ix * (size_t)(n + 1));
    for (int i = 0; i < n; i++)
        ix[i] = &rows[i];
    qsort(ix, (size_t)n, sizeof *ix, track_cmp);
    int64_t *ids = arena_alloc(a, sizeof *ids * (size_t)(n + 1));
    for (int i = 0; i < n; i++)
        ids[i] = ix[i]->id;
    for (int from = 0; from < n; from += 200) {
        int k = n - from < 200 ? n - from : 200;
        struct buf sql = {0};
        buf_printf(&sql, "SELECT t.item_id, t.unit_id, t.role, t.state, t.progress, t.id%s FROM item_tracks t WHERE ",
                   details ? ", t.reply_text" : "");
        db_sql_in_ints(c->db, &sql, "t.item_id", k);
        buf_puts(&sql, " ORDER BY t.item_id");
        struct stmt *st = db_prepare(c->db, sql.data);
        buf_free(&sql);
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "查询台账");
        stmt_bind_ints(st, 1, ids + from, k);
        int rc, j = from, cap = 0; /* cap: the room of ix[j]'s tracks, whose rows come one after the other */
        while ((rc = stmt_step(st)) == STORE_ROW) {
            int64_t id = stmt_int(st, 0);
            for (; j < from + k && ix[j]->id < id; j++)
                cap = 0;
            if (j == from + k || ix[j]->id != id)
                continue;
            struct ledger_row *r = ix[j];
            struct ledger_track *v = r->tracks = arena_grow(a, r->tracks, r->ntracks, &cap, sizeof *v);
            struct ledger_track t = {.unit_id = stmt_int(st, 1),
                                     .id = stmt_int(st, 5),
                                     .role = dup(a, st, 2),
                                     .state = dup(a, st, 3),
                                     .reply_text = details ? dup(a, st, 6) : NULL,
                                     .progress = (int)stmt_int(st, 4)};
            int at = r->ntracks++;
            for (; at > 0 && track_before(&t, &v[at - 1]); at--)
                v[at] = v[at - 1];
            v[at] = t;
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "查询台账");
    }
    return ERR_OK;
}

/* ---- counts ---- */

static bool state_wanted(const struct plan *pl, const char *s)
{
    if (!pl->nstates)
        return true;
    for (int k = 0; k < pl->nstates; k++)
        if (!strcmp(pl->states[k], s))
            return true;
    return false;
}

/* Counts per state of the filter without its states: from the counters when they know the answer. */
static enum err page_counts(struct ctx *c, struct plan *pl, int64_t counts[ITEM_ST__COUNT], int64_t *total,
                            int64_t *all, bool *exact)
{
    *total = *all = 0;
    *exact = true;
    int64_t n[ITEM_ST__COUNT] = {0};
    const struct stream *s0 = &pl->streams[0];
    bool from_counters = !pl->q && !pl->other_filters && !s0->portfolio &&
                         (pl->state_mode != STATE_STREAMS ? pl->nstreams == 1 : pl->nstreams == pl->nstates) &&
                         (!pl->unit_filter || pl->unit_filter == s0->drive);
    enum err e;
    if (from_counters) {
        if ((e = state_counts(c, pl, s0->drive, pl->light, n)))
            return e;
        if (s0->drive != s0->scope) {
            /* rows of the unit that only the scope sees: drafts issued at or below it with a
             * responsible unit here (few: not yet assigned) */
            struct stmt *st = db_prepare(c->db, "SELECT h.state, COUNT(*) FROM item_scope h WHERE h.unit_id = ? AND "
                                                "h.vis = 0 AND (? IS NULL OR h.light = ?) AND EXISTS (SELECT 1 FROM "
                                                "item_scope v WHERE v.item_id = h.item_id AND v.unit_id = ? AND v.vis "
                                                "= 1) GROUP BY h.state");
            if (!st)
                return ctx_store_fail(c, STORE_E_OTHER, "统计台账");
            stmt_bind_int(st, 1, s0->drive);
            stmt_bind_text(st, 2, pl->light);
            stmt_bind_text(st, 3, pl->light);
            stmt_bind_int(st, 4, s0->scope);
            int rc;
            while ((rc = stmt_step(st)) == STORE_ROW) {
                enum item_state s;
                if (item_state_parse(stmt_text(st, 0), &s))
                    n[s] += stmt_int(st, 1);
            }
            stmt_done(st);
            if (rc < 0)
                return ctx_store_fail(c, rc, "统计台账");
        }
    } else {
        /*
         * Bounded: of each stream, its unit's first count_bound(c) rows (or, with a search, its
         * first count_bound(c) matches there) that pass the filters, per state; an item seen
         * through two streams counts once. Exact when no stream has more than that.
         */
        struct sqlb *q = sqlb_new(c->arena);
        buf_puts(&q->sql, "SELECT x.st, COUNT(DISTINCT x.id) FROM (");
        struct plan p2 = *pl;
        p2.state_mode = STATE_NONE;
        int k = 0;
        int64_t floor = 0;
        for (int i = 0; i < pl->nstreams; i++) {
            const struct stream *s = &pl->streams[i];
            if (s->state && strcmp(s->state, pl->states[0]))
                continue; /* per-state streams: one of each unit covers every state */
            /* a search is counted up to search_bound(c) matches (or count_bound(c), if smaller); with
             * more, the answer is "at least that many", without counts per state */
            int64_t sbound = count_bound(c) < search_bound(c) ? count_bound(c) : search_bound(c);
            if (s->search && s->matches > sbound) {
                floor = sbound;
                *exact = false;
                continue;
            }
            struct stream t = *s;
            t.state = NULL;
            buf_puts(&q->sql, k++ ? " UNION ALL " : "");
            /* items joined only when a filter reads them */
            const char *items = strstr(pl->post->text, "i.") ? " JOIN items i ON i.id = s.item_id" : "";
            if (s->search) { /* its matches, read by plan_search (at most the bound) */
                buf_printf(&q->sql, "SELECT s.state AS st, s.item_id AS id FROM item_scope s%s%s WHERE ",
                           scope_by_key(c), items);
                q_ints(c, q, "s.item_id", s->ids, s->nids);
                buf_puts(&q->sql, " AND s.unit_id = ?");
                q_int(q, s->drive);
                stream_where(c, &p2, &t, q, false, NULL, 0);
            } else {
                buf_printf(&q->sql,
                           "SELECT s.state AS st, s.item_id AS id FROM (SELECT * FROM item_scope%s WHERE "
                           "unit_id = ? LIMIT ?) s%s WHERE 1 = 1",
                           db_index_hints(c->db) ? " INDEXED BY item_scope_unit" : "", items);
                q_int(q, s->drive);
                /* the bound's rows, never one more (that one only tells, below, that the count is not exact) */
                q_int(q, count_bound(c));
                stream_where(c, &p2, &t, q, false, NULL, 0);
                struct stmt *st =
                    db_prepare(c->db, "SELECT COUNT(*) FROM (SELECT 1 FROM item_scope WHERE unit_id = ? LIMIT ?) x");
                int64_t rows = 0;
                int rc = STORE_E_OTHER;
                if (st) {
                    stmt_bind_int(st, 1, s->drive);
                    stmt_bind_int(st, 2, count_bound(c) + 1);
                    rc = stmt_one_int(st, &rows);
                }
                if (rc < 0) {
                    buf_free(&q->sql);
                    return ctx_store_fail(c, rc, "统计台账");
                }
                if (rows > count_bound(c))
                    *exact = false;
            }
        }
        buf_puts(&q->sql, ") x GROUP BY x.st");
        if (q->overflow) {
            buf_free(&q->sql);
            return ctx_fail(c, ERR_BAD_REQUEST, "查询条件过多");
        }
        *total = *all = floor;
        if (!k) { /* every stream had too many matches to count */
            buf_free(&q->sql);
            memset(counts, 0, sizeof(int64_t) * ITEM_ST__COUNT);
            return ERR_OK;
        }
        struct stmt *st = db_prepare(c->db, q->sql.data);
        buf_free(&q->sql);
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "统计台账");
        q_bind(q, st);
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            enum item_state s;
            if (item_state_parse(stmt_text(st, 0), &s))
                n[s] += stmt_int(st, 1);
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "统计台账");
    }
    int64_t counted_total = 0, counted_all = 0;
    for (int s = 0; s < ITEM_ST__COUNT; s++) {
        counts[s] = n[s];
        counted_all += n[s];
        if (n[s] && state_wanted(pl, item_state_name((enum item_state)s)))
            counted_total += n[s];
    }
    /* a stream too large to count stands for at least its bound (set above as the floor) */
    *total = counted_total > *total ? counted_total : *total;
    *all = counted_all > *all ? counted_all : *all;
    return ERR_OK;
}

/*
 * Whether a search's page holds every match it counts: no state filter (the counts leave it out), the first
 * page, and at most per_page matches in each stream's unit (so at most per_page visible ones: the page reads
 * them all). Its counts are then those of its rows, and the search is not evaluated a third time for them
 * (after the count of plan_search and the page).
 */
static bool search_page_whole(const struct ctx *c, const struct plan *pl)
{
    if (!pl->q || pl->nstates || pl->offset || pl->cursor)
        return false;
    int64_t sum = 0;
    for (int i = 0; i < pl->nstreams; i++) {
        const struct stream *s = &pl->streams[i];
        if (!s->search || s->matches > search_bound(c) || s->matches > count_bound(c))
            return false;
        sum += s->matches;
    }
    return sum <= pl->per_page;
}

/* The counts per state, total and all of a page that holds every row of its filter (search_page_whole). */
static void counts_of_rows(const struct ledger_row *rows, int n, int64_t counts[ITEM_ST__COUNT], int64_t *total,
                           int64_t *all)
{
    memset(counts, 0, sizeof(int64_t) * ITEM_ST__COUNT);
    for (int i = 0; i < n; i++) {
        enum item_state s;
        if (item_state_parse(rows[i].state, &s))
            counts[s]++;
    }
    *total = *all = n;
}

/* ---- the page as JSON (written straight into the reply: a page is 50 rows of 20 members) ---- */

static void row_write(struct jw *w, const struct ledger_row *r)
{
    jw_obj(w);
    jw_qkint(w, JW_K("id"), r->id);
    jw_qkstr(w, JW_K("number"), r->number);
    jw_qkstr(w, JW_K("title"), r->title);
    jw_qkstr(w, JW_K("state"), r->state);
    jw_qkstr(w, JW_K("state_label"), r->state_label);
    jw_qkstr(w, JW_K("source_kind"), r->source_kind);
    jw_qkstr(w, JW_K("source_kind_label"), r->source_kind_label);
    jw_qkstr(w, JW_K("importance"), r->importance);
    jw_qkstr(w, JW_K("kind"), r->kind);
    jw_qkstr(w, JW_K("due_date"), r->due_date);
    jw_qkint(w, JW_K("lead_unit_id"), r->lead_unit_id);
    jw_qkstr(w, JW_K("lead_unit_name"), r->lead_unit_name);
    jw_qkint(w, JW_K("progress"), r->progress);
    jw_qkbool(w, JW_K("escalated"), r->escalated);
    jw_qkey(w, JW_K("tags"));
    jw_csv(w, r->tags);
    jw_qkstr(w, JW_K("leader_name"), r->leader_name);
    jw_qkstr(w, JW_K("updated_at"), r->updated_at);
    jw_qkey(w, JW_K("parent_id"));
    if (r->has_parent)
        jw_int(w, r->parent_id);
    else
        jw_null(w);
    jw_qkint(w, JW_K("year"), r->year);
    jw_qkint(w, JW_K("version"), r->version);
    jw_qkstr(w, JW_K("light"), r->light);
    jw_qkey(w, JW_K("tracks"));
    jw_arr(w);
    for (int i = 0; i < r->ntracks; i++) {
        const struct ledger_track *t = &r->tracks[i];
        enum item_state ts = ITEM_ST_ASSIGNED;
        item_state_parse(t->state, &ts);
        jw_obj(w);
        jw_qkint(w, JW_K("unit_id"), t->unit_id);
        jw_qkstr(w, JW_K("unit_name"), t->unit_name);
        jw_qkstr(w, JW_K("role"), t->role);
        jw_qkstr(w, JW_K("state"), t->state);
        jw_qkstr(w, JW_K("state_label"), item_state_label(ts));
        jw_qkint(w, JW_K("progress"), items_track_percent(ts, t->progress));
        jw_end_obj(w);
    }
    jw_end_arr(w);
    jw_end_obj(w);
}

enum err items_ledger(struct ctx *c, const struct ledger_query *lq, struct buf *out)
{
    struct plan *pl = arena_alloc(c->arena, sizeof *pl);
    enum err e = plan_build(c, lq, pl);
    if (e)
        return e;
    struct ledger_row *rows = NULL;
    int n = 0;
    int64_t counts[ITEM_ST__COUNT] = {0}, total = 0, all = 0;
    bool exact = true;
    struct stmt *names = NULL;
    if (pl->nstreams && !pl->empty) {
        /* the names' generation and the rows' statements are sent first and read after the counts: on
         * PostgreSQL the page and its counts come back in one round trip */
        struct stmt **sts;
        bool whole = search_page_whole(c, pl);
        names = ledger_names_send(c);
        if ((e = page_send(c, pl, false, &sts)) || (!whole && (e = page_counts(c, pl, counts, &total, &all, &exact)))) {
            page_abandon(pl, sts);
            stmt_done(names);
            return e;
        }
        if ((e = page_read(c, c->arena, pl, false, sts, &rows, &n))) {
            stmt_done(names);
            return e;
        }
        if (whole)
            counts_of_rows(rows, n, counts, &total, &all);
    }
    bool more = n > pl->per_page;
    if (more)
        n = pl->per_page;
    if (n && (e = page_tracks(c, c->arena, rows, n, false))) {
        stmt_done(names);
        return e;
    }
    if (names && (e = ledger_names_fill(c, c->arena, names, rows, n)))
        return e;
    const char *sort = pl->ranked ? "rank" : pl->sort->col ? pl->sort->name : "-created";
    struct jw w;
    jw_init(&w, out);
    jw_obj(&w);
    jw_qkey(&w, JW_K("items"));
    jw_arr(&w);
    for (int i = 0; i < n; i++)
        row_write(&w, &rows[i]);
    jw_end_arr(&w);
    jw_qkint(&w, JW_K("total"), total);
    jw_qkbool(&w, JW_K("total_exact"), exact);
    jw_qkint(&w, JW_K("page"), pl->offset / pl->per_page + 1);
    jw_qkint(&w, JW_K("per_page"), pl->per_page);
    jw_qkint(&w, JW_K("page_max"), page_bound(c) / pl->per_page + 1);
    jw_qkey(&w, JW_K("counts"));
    jw_obj(&w);
    for (int s = 0; s < ITEM_ST__COUNT; s++)
        if (counts[s])
            jw_kint(&w, item_state_name((enum item_state)s), counts[s]);
    jw_end_obj(&w);
    jw_qkint(&w, JW_K("all"), all);
    jw_qkstr(&w, JW_K("next"), more && !pl->ranked ? cursor_make(c, sort, rows[n - 1].key, rows[n - 1].id) : NULL);
    jw_qkstr(&w, JW_K("sort"), sort);
    jw_qkbool(&w, JW_K("ranked"), pl->ranked);
    jw_end_obj(&w);
    return ERR_OK;
}

/* Whether a page of the plan holds only the newest search_bound(c) matches of a search (stream_by_ids). */
static bool plan_bounded(const struct ctx *c, const struct plan *pl)
{
    for (int i = 0; i < pl->nstreams; i++)
        if (pl->streams[i].matches > search_bound(c) && stream_by_ids(c, pl, &pl->streams[i]))
            return true;
    return false;
}

enum err items_ledger_each(struct ctx *c, const struct ledger_query *q, int batch, bool details,
                           enum err (*fn)(struct ctx *c, const struct ledger_row *rows, int n, void *arg), void *arg)
{
    struct ledger_query lq = *q;
    lq.page = 1;
    lq.after = NULL;
    lq.per_page = batch;
    if (!lq.sort || !*lq.sort || !strcmp(lq.sort, "rank"))
        lq.sort = "-created"; /* relevance has no keyset: a search is exported newest first */
    for (;;) {
        struct arena a = ARENA_INIT;
        struct arena *keep = c->arena;
        c->arena = &a; /* the plan and the batch live in a batch arena */
        struct plan *pl = arena_alloc(&a, sizeof *pl);
        struct ledger_row *rows = NULL;
        int n = 0;
        enum err e = plan_build(c, &lq, pl);
        if (!e && !lq.after && !pl->empty && plan_bounded(c, pl)) {
            /* an export holds every match: more than the bound come newest first, as without a sort */
            lq.sort = "-created";
            c->arena = keep;
            arena_free(&a);
            continue;
        }
        struct stmt *names = NULL;
        if (!e && pl->nstreams && !pl->empty) {
            names = ledger_names_send(c);
            e = page_rows(c, &a, pl, details, &rows, &n);
        }
        bool more = n > batch;
        if (more)
            n = batch;
        if (!e && n)
            e = page_tracks(c, &a, rows, n, details);
        if (!e && names)
            e = ledger_names_fill(c, &a, names, rows, n);
        else
            stmt_done(names);
        if (!e && n) {
            c->arena = keep;
            e = fn(c, rows, n, arg);
            c->arena = &a;
        }
        const char *after = !e && more ? cursor_make(c, pl->sort->name, rows[n - 1].key, rows[n - 1].id) : NULL;
        c->arena = keep;
        if (after)
            lq.after = arena_strdup(keep, after);
        if (e && c->msg)
            c->msg = arena_strdup(keep, c->msg);
        arena_free(&a);
        if (e || !more)
            return e;
    }
}
