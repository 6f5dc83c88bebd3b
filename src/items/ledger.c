/*
 * ledger.c: the ledger (台账): GET /api/v1/items. Visibility is SQL (range scans on the unit
 * paths copied onto items and tracks), filters are ANDed, full-text `q` intersects the item_grams
 * bigrams (which finds two-character Chinese words such as 交通 or 督查 on both backends) and then
 * confirms with LIKE. Returns one page, the total and the counts per state for the same filter.
 */
#include "items/items_internal.h"

#include "base/buf.h"
#include "base/utf8.h"
#include "calendar/workdays.h"
#include "base/timeu.h"
#include "core/perm.h"
#include "units/units.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAXP 160

/* SQL text with its positional parameters. */
struct sqlb {
    struct buf sql;
    int n;
    struct {
        bool is_int;
        int64_t i;
        const char *s;
    } p[MAXP];
    bool overflow;
};

static void q_text(struct sqlb *q, const char *s)
{
    if (q->n >= MAXP) {
        q->overflow = true;
        return;
    }
    q->p[q->n].is_int = false;
    q->p[q->n++].s = s;
}

static void q_int(struct sqlb *q, int64_t v)
{
    if (q->n >= MAXP) {
        q->overflow = true;
        return;
    }
    q->p[q->n].is_int = true;
    q->p[q->n++].i = v;
}

static void q_bind(struct sqlb *q, struct stmt *st)
{
    for (int i = 0; i < q->n; i++)
        if (q->p[i].is_int)
            stmt_bind_int(st, i + 1, q->p[i].i);
        else
            stmt_bind_text(st, i + 1, q->p[i].s);
}

/* "col = ?" for one unit. */
static void q_exact(struct sqlb *q, const char *col, const char *path)
{
    buf_printf(&q->sql, "%s = ?", col);
    q_text(q, path);
}

/* "(col >= ? AND col < ?)" for a subtree. */
static void q_range(struct ctx *c, struct sqlb *q, const char *col, const char *path)
{
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

/*
 * The item's state as an expression, not the bare column: a state matches a large share of all
 * items, and a planner without statistics (a young SQLite database) would otherwise drive the
 * query from the state index instead of the visibility ranges on office_path (seconds instead of
 * milliseconds on a million items).
 */
#define STATE_EXPR "(i.state || '')"

static const char *const active_states = "('assigned', 'received', 'in_progress', 'completion_requested', "
                                         "'completion_signed')";

/* Appends the WHERE conditions (visibility and filters); with_state false leaves the state out. */
static enum err build_where(struct ctx *c, const struct ledger_query *lq, struct sqlb *q, bool with_state)
{
    buf_puts(&q->sql, " WHERE 1 = 1");
    if (c->user) {
        /*
         * Visible: issued in one of the user's READ subtrees S, or — once assigned — with a track in S
         * or in a leader's portfolio P. Every track lies below its item's issuing government (enforced
         * at creation), so an item with a track in S that was not issued in S was issued by an
         * ancestor of S: the second branch looks only at the few proper ancestors' items. Both
         * branches are index searches on office_path (SQLite: a multi-index OR).
         */
        int n;
        const char **scope = perm_scope_cap(c, CAP_ITEM_READ, &n);
        int np = perm_any(c->user, CAP_ITEM_READ) ? c->user->nportfolio : 0;
        if (n + np == 0) {
            buf_puts(&q->sql, " AND 1 = 0");
        } else {
            buf_puts(&q->sql, " AND (");
            for (int i = 0; i < n; i++) {
                buf_puts(&q->sql, i ? " OR " : "");
                q_range(c, q, "i.office_path", scope[i]);
            }
            buf_puts(&q->sql, n ? " OR " : "");
            buf_puts(&q->sql, "(i.assigned_at IS NOT NULL AND (i.office_path IN (");
            int k = 0;
            for (int i = 0; i < n + np; i++) {
                const char *p = i < n ? scope[i] : c->user->portfolio_paths[i - n];
                for (const char *slash = strchr(p + 1, '/'); slash && slash[1]; slash = strchr(slash + 1, '/')) {
                    buf_puts(&q->sql, k++ ? ", ?" : "?");
                    q_text(q, arena_strndup(c->arena, p, (size_t)(slash - p + 1)));
                }
            }
            if (!k)
                buf_puts(&q->sql, "''");
            buf_puts(&q->sql, ")");
            for (int i = 0; i < np; i++) {
                buf_puts(&q->sql, " OR ");
                q_range(c, q, "i.office_path", c->user->portfolio_paths[i]);
            }
            buf_puts(&q->sql, ") AND EXISTS (SELECT 1 FROM item_tracks vt WHERE vt.item_id = i.id AND (");
            for (int i = 0; i < n + np; i++) {
                buf_puts(&q->sql, i ? " OR " : "");
                q_range(c, q, "vt.unit_path", i < n ? scope[i] : c->user->portfolio_paths[i - n]);
            }
            buf_puts(&q->sql, "))))");
        }
    }
    if (with_state && lq->state && *lq->state) {
        buf_puts(&q->sql, " AND " STATE_EXPR " IN (");
        char *copy = arena_strdup(c->arena, lq->state), *save = NULL;
        int k = 0;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            enum item_state s;
            if (!item_state_parse(tok, &s))
                return ctx_fail(c, ERR_BAD_REQUEST, "状态“%s”无效（见 GET /api/v1/items/meta）", tok);
            buf_puts(&q->sql, k++ ? ", ?" : "?");
            q_text(q, item_state_name(s));
        }
        buf_puts(&q->sql, ")");
    }
    static const struct {
        size_t off;
        const char *col;
    } eq[] = {
        {offsetof(struct ledger_query, source_kind), "i.source_kind"},
        {offsetof(struct ledger_query, importance), "i.importance"},
        {offsetof(struct ledger_query, kind), "i.kind"},
    };
    for (size_t k = 0; k < sizeof eq / sizeof *eq; k++) {
        const char *v = *(const char *const *)((const char *)lq + eq[k].off);
        if (v && *v) {
            buf_printf(&q->sql, " AND %s = ?", eq[k].col);
            q_text(q, v);
        }
    }
    const char *path;
    if (lq->lead_unit_id) {
        if (units_path(c, lq->lead_unit_id, &path))
            return ctx_fail(c, ERR_BAD_REQUEST, "牵头单位 %" PRId64 " 不存在", lq->lead_unit_id);
        buf_puts(&q->sql, " AND ");
        if (lq->exact)
            q_exact(q, "i.lead_path", path);
        else
            q_range(c, q, "i.lead_path", path);
    }
    if (lq->co_unit_id || lq->unit_id) {
        int64_t u = lq->co_unit_id ? lq->co_unit_id : lq->unit_id;
        if (units_path(c, u, &path))
            return ctx_fail(c, ERR_BAD_REQUEST, "单位 %" PRId64 " 不存在", u);
        /* any unit in a subtree: items issued inside it qualify without looking (their tracks lie below) */
        buf_puts(&q->sql, " AND (");
        if (!lq->exact && !lq->co_unit_id) {
            q_range(c, q, "i.office_path", path);
            buf_puts(&q->sql, " OR ");
        }
        buf_printf(&q->sql, "EXISTS (SELECT 1 FROM item_tracks ft WHERE ft.item_id = i.id%s AND ",
                   lq->co_unit_id ? " AND ft.role = 'co'" : "");
        if (lq->exact)
            q_exact(q, "ft.unit_path", path);
        else
            q_range(c, q, "ft.unit_path", path);
        buf_puts(&q->sql, "))");
    }
    if (lq->leader_id) {
        buf_puts(&q->sql, " AND i.leader_id = ?");
        q_int(q, lq->leader_id);
    }
    if (lq->parent_id) {
        buf_puts(&q->sql, " AND i.parent_id = ?");
        q_int(q, lq->parent_id);
    }
    if (lq->year) {
        buf_puts(&q->sql, " AND i.year = ?");
        q_int(q, lq->year);
    }
    int64_t d;
    if (lq->due_before && *lq->due_before) {
        if (!cal_parse_date(lq->due_before, &d))
            return ctx_fail(c, ERR_BAD_REQUEST, "due_before 应为 YYYY-MM-DD");
        buf_puts(&q->sql, " AND i.due_date <= ?");
        q_text(q, lq->due_before);
    }
    if (lq->due_after && *lq->due_after) {
        if (!cal_parse_date(lq->due_after, &d))
            return ctx_fail(c, ERR_BAD_REQUEST, "due_after 应为 YYYY-MM-DD");
        buf_puts(&q->sql, " AND i.due_date >= ?");
        q_text(q, lq->due_after);
    }
    char *today = arena_alloc(c->arena, 11); /* bound after this function returns */
    item_today(c, today);
    if (lq->overdue) {
        buf_printf(&q->sql, " AND i.due_date < ? AND " STATE_EXPR " IN %s", active_states);
        q_text(q, today);
    }
    if (lq->light && *lq->light) {
        char *yellow = arena_alloc(c->arena, 11);
        items_light_dates(c, today, yellow);
        if (!strcmp(lq->light, "red")) {
            buf_printf(&q->sql, " AND i.due_date < ? AND " STATE_EXPR " IN %s", active_states);
            q_text(q, today);
        } else if (!strcmp(lq->light, "yellow")) {
            buf_printf(&q->sql, " AND i.due_date >= ? AND i.due_date <= ? AND " STATE_EXPR " IN %s", active_states);
            q_text(q, today);
            q_text(q, yellow);
        } else if (!strcmp(lq->light, "green")) {
            buf_printf(&q->sql, " AND i.due_date > ? AND " STATE_EXPR " IN %s", active_states);
            q_text(q, yellow);
        } else if (!strcmp(lq->light, "none")) {
            buf_printf(&q->sql, " AND " STATE_EXPR " NOT IN %s", active_states);
        } else {
            return ctx_fail(c, ERR_BAD_REQUEST, "light 应为 red、yellow、green 或 none");
        }
    }
    if (lq->tag && *lq->tag) {
        buf_puts(&q->sql, " AND i.tags LIKE ? ESCAPE '\\'");
        q_text(q, arena_printf(c->arena, "%%,%s,%%", like_escape(c, lq->tag)));
    }
    if (lq->q && *lq->q) {
        const char **grams;
        int n = item_bigrams(c->arena, lq->q, &grams);
        /* each bigram is a probe of the (gram, item_id) key for a visible candidate; a few suffice,
         * the LIKE below confirms the whole phrase */
        if (n > 8)
            n = 8;
        for (int k = 0; k < n && utf8_count(grams[0]) == 2; k++) {
            buf_puts(&q->sql, " AND EXISTS (SELECT 1 FROM item_grams g WHERE g.gram = ? AND g.item_id = i.id)");
            q_text(q, grams[k]);
        }
        /* confirm the phrase itself (bigrams may match out of order); ASCII case-folded on both sides */
        const char *like = arena_printf(c->arena, "%%%s%%", like_escape(c, lq->q));
        buf_puts(&q->sql, " AND (LOWER(i.title) LIKE LOWER(?) ESCAPE '\\' OR LOWER(i.requirement) LIKE LOWER(?) "
                          "ESCAPE '\\' OR LOWER(COALESCE(i.number, '')) LIKE LOWER(?) ESCAPE '\\')");
        q_text(q, like);
        q_text(q, like);
        q_text(q, like);
    }
    if (q->overflow)
        return ctx_fail(c, ERR_BAD_REQUEST, "查询条件过多");
    return ERR_OK;
}

static json_t *opt_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* An item of a ledger page by id, for attaching its tracks. */
struct row_ref {
    int64_t id;
    json_t *tracks;
};

static int row_ref_cmp(const void *a, const void *b)
{
    int64_t x = ((const struct row_ref *)a)->id, y = ((const struct row_ref *)b)->id;
    return x < y ? -1 : x > y;
}

enum err items_ledger(struct ctx *c, const struct ledger_query *lq, json_t **out)
{
    static const struct {
        const char *name, *order;
    } sorts[] = {
        {"-created", "i.id DESC"},
        {"created", "i.id ASC"},
        {"due", "i.due_date ASC, i.id ASC"},
        {"-due", "i.due_date DESC, i.id DESC"},
        {"-updated", "i.updated_at DESC, i.id DESC"},
        {"number", "i.num_year ASC, i.num_seq ASC, i.id ASC"},
        {"-number", "i.num_year DESC, i.num_seq DESC, i.id DESC"},
    };
    const char *order = NULL;
    const char *sort = lq->sort && *lq->sort ? lq->sort : "-created";
    for (size_t k = 0; k < sizeof sorts / sizeof *sorts; k++)
        if (!strcmp(sort, sorts[k].name))
            order = sorts[k].order;
    if (!order)
        return ctx_fail(c, ERR_BAD_REQUEST, "排序 sort 应为 created、-created、due、-due、-updated、number 或 -number");

    static const char cols[] =
        "SELECT i.id, i.number, i.title, i.state, i.source_kind, i.importance, i.kind, i.due_date, "
        "i.lead_unit_id, lu.name, i.progress, i.escalated, i.tags, us.name, i.updated_at, "
        "i.parent_id, i.year, i.version FROM items i JOIN units lu ON lu.id = i.lead_unit_id "
        "LEFT JOIN users us ON us.id = i.leader_id";
    struct sqlb *q = arena_alloc(c->arena, sizeof *q);
    buf_puts(&q->sql, cols);
    enum err e = build_where(c, lq, q, true);
    if (e) {
        buf_free(&q->sql);
        return e;
    }
    int per_page = lq->per_page > 0 ? lq->per_page : 50;
    int page = lq->page > 0 ? lq->page : 1;
    buf_printf(&q->sql, " ORDER BY %s LIMIT %d OFFSET %" PRId64, order, per_page, (int64_t)(page - 1) * per_page);
    struct stmt *st = db_prepare(c->db, q->sql.data);
    buf_free(&q->sql);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "查询台账");
    q_bind(q, st);
    json_t *items = json_array();
    char today[11], yellow[11];
    items_light_dates(c, today, yellow);
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        enum item_state s = ITEM_ST_DRAFT;
        item_state_parse(stmt_text(st, 3), &s);
        const char *sk = item_source_label(stmt_text(st, 4));
        json_t *tags = json_array();
        const char *tg = stmt_text(st, 12);
        for (const char *p = tg; p && *p;) {
            if (*p == ',') {
                p++;
                continue;
            }
            const char *end = strchr(p, ',');
            if (!end)
                end = p + strlen(p);
            json_array_append_new(tags, json_stringn(p, (size_t)(end - p)));
            p = end;
        }
        json_t *o = json_pack(
            "{sI so ss ss ss ss ss ss ss ss sI ss si sb so so ss so sI sI ss}", "id", (json_int_t)stmt_int(st, 0),
            "number", opt_str(stmt_text(st, 1)), "title", stmt_text(st, 2), "state", stmt_text(st, 3), "state_label",
            item_state_label(s), "source_kind", stmt_text(st, 4), "source_kind_label", sk ? sk : stmt_text(st, 4),
            "importance", stmt_text(st, 5), "kind", stmt_text(st, 6), "due_date", stmt_text(st, 7), "lead_unit_id",
            (json_int_t)stmt_int(st, 8), "lead_unit_name", stmt_text(st, 9), "progress", (int)stmt_int(st, 10),
            "escalated", stmt_int(st, 11) != 0, "tags", tags, "leader_name", opt_str(stmt_text(st, 13)), "updated_at",
            stmt_text(st, 14), "parent_id", stmt_is_null(st, 15) ? json_null() : json_integer(stmt_int(st, 15)), "year",
            (json_int_t)stmt_int(st, 16), "version", (json_int_t)stmt_int(st, 17), "light",
            items_light_for(stmt_text(st, 7), s, today, yellow));
        json_object_set_new(o, "tracks", json_array());
        json_array_append_new(items, o);
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(items);
        return ctx_store_fail(c, rc, "查询台账");
    }

    /* the responsible units of the page's items, in one query */
    if (json_array_size(items)) {
        struct sqlb *t = arena_alloc(c->arena, sizeof *t);
        buf_puts(&t->sql, "SELECT t.item_id, t.unit_id, u.name, t.role, t.state, t.progress FROM item_tracks t "
                          "JOIN units u ON u.id = t.unit_id WHERE t.item_id IN (");
        size_t i;
        json_t *o;
        json_array_foreach(items, i, o)
        {
            buf_puts(&t->sql, i ? ", ?" : "?");
            q_int(t, json_integer_value(json_object_get(o, "id")));
        }
        buf_puts(&t->sql, ") ORDER BY t.item_id, CASE WHEN t.role = 'lead' THEN 0 ELSE 1 END, t.id");
        st = db_prepare(c->db, t->sql.data);
        buf_free(&t->sql);
        if (st) {
            /* rows come ordered by item_id: find each item through an index sorted by id (large pages) */
            size_t n = json_array_size(items);
            struct row_ref *ix = arena_alloc(c->arena, sizeof *ix * n);
            json_array_foreach(items, i, o) ix[i] =
                (struct row_ref){json_integer_value(json_object_get(o, "id")), json_object_get(o, "tracks")};
            qsort(ix, n, sizeof *ix, row_ref_cmp);
            q_bind(t, st);
            while (stmt_step(st) == STORE_ROW) {
                enum item_state s = ITEM_ST_ASSIGNED;
                item_state_parse(stmt_text(st, 4), &s);
                struct row_ref key = {stmt_int(st, 0), NULL};
                struct row_ref *hit = bsearch(&key, ix, n, sizeof *ix, row_ref_cmp);
                if (hit)
                    json_array_append_new(hit->tracks,
                                          json_pack("{sI ss ss ss ss si}", "unit_id", (json_int_t)stmt_int(st, 1),
                                                    "unit_name", stmt_text(st, 2), "role", stmt_text(st, 3), "state",
                                                    stmt_text(st, 4), "state_label", item_state_label(s), "progress",
                                                    (int)stmt_int(st, 5)));
            }
            stmt_done(st);
        }
    }

    /* total and counts per state for the same filter (the state filter left out of the counts) */
    struct sqlb *cq = arena_alloc(c->arena, sizeof *cq);
    buf_puts(&cq->sql, "SELECT i.state, COUNT(*) FROM items i");
    if ((e = build_where(c, lq, cq, false))) {
        buf_free(&cq->sql);
        json_decref(items);
        return e;
    }
    buf_puts(&cq->sql, " GROUP BY i.state");
    st = db_prepare(c->db, cq->sql.data);
    buf_free(&cq->sql);
    if (!st) {
        json_decref(items);
        return ctx_store_fail(c, STORE_E_OTHER, "查询台账");
    }
    q_bind(cq, st);
    json_t *counts = json_object();
    int64_t total = 0, all = 0;
    const char *wanted = lq->state && *lq->state ? arena_printf(c->arena, ",%s,", lq->state) : NULL;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        int64_t n = stmt_int(st, 1);
        json_object_set_new(counts, stmt_text(st, 0), json_integer(n));
        all += n;
        if (!wanted || strstr(wanted, arena_printf(c->arena, ",%s,", stmt_text(st, 0))))
            total += n;
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(items);
        json_decref(counts);
        return ctx_store_fail(c, rc, "查询台账");
    }
    *out = json_pack("{so sI si si so sI}", "items", items, "total", (json_int_t)total, "page", page, "per_page",
                     per_page, "counts", counts, "all", (json_int_t)all);
    return ERR_OK;
}
