/*
 * burden.c: the burden index (基层减负, issue 12): per unit and year, what ducha asked of it and who asked —
 * counted from the records that exist, never entered: 督办通知 (items assigned to it, each once), 催办 (presses
 * by the office or a leader naming it), 系统提醒 (the deadline ladder's own reminders), 进展报告 (the progress
 * reports its tracks filed), 督查 (inspections that reached it: started and announced, or with their findings
 * issued — a covert visit is no burden the unit may know of before then; an inspection of the unit's government
 * reaches its departments and townships too, so it counts for them), 整改任务 (rectification tasks assigned to it,
 * withdrawn left out), 驻点调研 (the office's research visits at the unit as a grassroots contact point, each stay
 * counted in the period it began). A unit is counted with everything below it; the issuer is the government whose
 * office registered the item, ran the inspection or made the visit.
 *
 * Who sees what: a reader of items at a government (its office and leaders) gets the government's departments
 * and townships ranked by their total, and the issuers ranked by what they asked; a unit's user gets its own row
 * only (the units where it reads items). Below the first level: with unit_id, the units right below that unit (a
 * township's offices, a department's sections), each with those below it, and the unit itself as 本级 with its own
 * records alone, for whoever reads items there; each row says whether it has units below it (has_children), so a
 * page can go down a level at a time.
 *
 * The period: a year, or one of its quarters or months. A record counts in the period it was made in (assigned,
 * pressed, reported, created); an inspection in its year for a whole year, and for a quarter or a month when it
 * reached the unit: its start for an announced one, its findings issued for a covert one (or one never started).
 */
#include "results/results_internal.h"

#include "base/timeu.h"
#include "calendar/calendar.h"
#include "core/unit_up.h"

#include <stdlib.h>
#include <string.h>

enum { B_NOTICES, B_PRESSES, B_REMINDERS, B_REPORTS, B_INSPECTIONS, B_TASKS, B_VISITS, B__COUNT };
static const char *const B_NAMES[B__COUNT] = {"notices",     "presses", "reminders", "reports",
                                              "inspections", "tasks",   "visits"};

struct b_issuer {
    const char *path;
    int64_t n[B__COUNT];
};

struct b_unit {
    int64_t id;
    const char *path, *code, *name;
    bool below; /* units below it */
    bool own;   /* the unit gone down into, its own records only (本级): the others are its children's rows */
    int64_t n[B__COUNT];
    struct b_issuer *by;
    int nby, cap;
    int64_t last[B__COUNT]; /* the record last counted for it (rows come in record order) */
};

struct b_run {
    struct ctx *c;
    struct b_unit *u;
    int nu;
};

/* The row unit a path lies in (the unit or below it), or NULL. */
static struct b_unit *row_of(struct b_run *r, const char *path)
{
    for (int i = 0; path && i < r->nu; i++)
        if (r->u[i].own ? !strcmp(path, r->u[i].path) : res_path_within(path, r->u[i].path))
            return &r->u[i];
    return NULL;
}

/* Counts record `key` of figure f for the unit at path, asked by the issuer at issuer_path (once per row). */
static void count(struct b_run *r, const char *path, int f, int64_t key, const char *issuer_path)
{
    struct b_unit *u = row_of(r, path);
    if (!u || u->last[f] == key)
        return;
    u->last[f] = key;
    u->n[f]++;
    int k = 0;
    while (k < u->nby && strcmp(u->by[k].path, issuer_path))
        k++;
    if (k == u->nby) {
        u->by = res_grow(r->c, u->by, u->nby, &u->cap, sizeof *u->by, 4);
        u->by[u->nby++] = (struct b_issuer){arena_strdup(r->c->arena, issuer_path), {0}};
    }
    u->by[k].n[f]++;
}

/* Runs one query whose rows are (unit_path, issuer_path, key[, press data, unit_id]) in key order. */
static enum err pass(struct b_run *r, int f, const char *sql, const struct db_bind *binds, bool press)
{
    struct ctx *c = r->c;
    struct stmt *st = db_query_a(c->db, sql, binds);
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计基层负担");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (press && !res_press_names(stmt_text(st, 3), stmt_int(st, 4)))
            continue;
        count(r, stmt_text(st, 0), f, stmt_int(st, 2), stmt_text(st, 1));
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "统计基层负担") : ERR_OK;
}

static enum err read_rows(struct ctx *c, struct b_run *r, const char *sql, struct res_binds *bd);

#define ROW_COLS                                                                                                       \
    "id, path, code, name, CASE WHEN EXISTS (SELECT 1 FROM units k WHERE k.parent_id = units.id) THEN 1 ELSE 0 END"

/* The rows: with unit_id the units right below it (404 unless the user reads items there; the unit itself when
 * none is below it), else the government's departments and townships for a reader at a government, else the units
 * where the user reads items. *gov: the government's id and name, or NULL; *unit: unit_id's, or NULL. */
static enum err rows_of(struct ctx *c, struct b_run *r, int64_t unit_id, json_t **gov, json_t **unit)
{
    *gov = *unit = NULL;
    const struct grant *home = NULL;
    struct res_binds bd = {0};
    const char *sql;
    if (unit_id) {
        const char *path = NULL, *name = NULL;
        struct stmt *st = db_query(c->db, "SELECT path, name FROM units WHERE id = ?", DB_INT(unit_id));
        if (!st)
            return ctx_db_fail(c, ERR_INTERNAL, "读取单位");
        int rc = stmt_step(st);
        if (rc == STORE_ROW) {
            path = res_col(c, st, 0);
            name = res_col(c, st, 1);
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "读取单位");
        if (!path || !perm_at(c->user, CAP_ITEM_READ, path))
            return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看其基层负担");
        *unit = json_pack("{sI ss}", "id", (json_int_t)unit_id, "name", name);
        res_bind_add(c, &bd, DB_INT(unit_id));
        res_bind_add(c, &bd, DB_INT(unit_id));
        enum err e = read_rows(c, r,
                               "SELECT " ROW_COLS " FROM units WHERE parent_id = ? "
                               "UNION ALL SELECT " ROW_COLS " FROM units WHERE id = ? ORDER BY 2",
                               &bd);
        /* the unit itself (sorted first: a prefix of its children's paths) counts its own records only */
        if (!e && r->nu && r->u[0].id == unit_id && r->nu > 1) {
            struct b_unit self = r->u[0];
            memmove(r->u, r->u + 1, sizeof *r->u * (size_t)(r->nu - 1));
            self.own = true;
            self.below = false;
            self.name = arena_printf(c->arena, "%s（本级）", self.name);
            r->u[r->nu - 1] = self;
        }
        return e;
    }
    for (int i = 0; !home && i < c->user->ngrants; i++) {
        const struct grant *g = &c->user->grants[i];
        int64_t any = 0;
        if (perm_grant_has(g, CAP_ITEM_READ) &&
            !db_one_int(c->db, &any,
                        "SELECT 1 FROM units WHERE parent_id = ? AND kind IN ('department', 'township') LIMIT 1",
                        DB_INT(g->unit_id)))
            home = g;
    }
    if (home) {
        sql = "SELECT " ROW_COLS " FROM units WHERE parent_id = ? AND kind IN ('department', 'township') "
              "ORDER BY path";
        res_bind_add(c, &bd, DB_INT(home->unit_id));
        *gov = json_pack("{sI ss}", "id", (json_int_t)home->unit_id, "name", home->unit_name);
    } else {
        const char *w = "";
        for (int i = 0; i < c->user->ngrants; i++)
            if (perm_grant_has(&c->user->grants[i], CAP_ITEM_READ)) {
                w = arena_printf(c->arena, "%s%s?", w, *w ? ", " : "");
                res_bind_add(c, &bd, DB_INT(c->user->grants[i].unit_id));
            }
        if (!*w)
            return ctx_fail(c, ERR_FORBIDDEN, "只有能查看督办事项的用户可以查看基层负担");
        sql = arena_printf(c->arena, "SELECT " ROW_COLS " FROM units WHERE id IN (%s) ORDER BY path", w);
    }
    return read_rows(c, r, sql, &bd);
}

/* The rows of a query of ROW_COLS. */
static enum err read_rows(struct ctx *c, struct b_run *r, const char *sql, struct res_binds *bd)
{
    struct stmt *st = db_query_a(c->db, sql, res_binds_of(bd));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取单位");
    int cap = 0, rc;
    r->u = res_grow(c, NULL, 0, &cap, sizeof *r->u, 16);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        r->u = res_grow(c, r->u, r->nu, &cap, sizeof *r->u, 16);
        r->u[r->nu++] = (struct b_unit){.id = stmt_int(st, 0),
                                        .path = res_col(c, st, 1),
                                        .code = res_col(c, st, 2),
                                        .name = res_col(c, st, 3),
                                        .below = stmt_int(st, 4) != 0};
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取单位") : ERR_OK;
}

/* The path of the nearest government above the unit at path (not the unit itself), "" when none: its few
 * ancestors' paths looked up (core/unit_up.h), not a scan of every unit whose path sorts before it. */
static enum err row_government(struct ctx *c, const char *path, const char **out)
{
    *out = "";
    struct stmt *st = unit_up_query(c->db, c->arena, "SELECT path FROM units WHERE kind = 'government' AND path", path,
                                    " AND path <> ? ORDER BY depth DESC LIMIT 1", DB_BINDS_(DB_TEXT(path)));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取单位");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *out = res_col(c, st, 0);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取单位") : ERR_OK;
}

static json_t *figures(const int64_t *n)
{
    json_t *o = json_object();
    int64_t total = 0;
    for (int f = 0; f < B__COUNT; f++) {
        json_object_set_new(o, B_NAMES[f], json_integer(n[f]));
        total += n[f];
    }
    json_object_set_new(o, "total", json_integer(total));
    return o;
}

static int by_total(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "total"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "total"));
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Sorts a JSON array of figure objects by total, largest first (stable for equal totals: by name after). */
static json_t *ranked(json_t *arr)
{
    size_t n = json_array_size(arr);
    json_t **v = malloc(sizeof *v * (n ? n : 1));
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof *v, by_total);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        json_object_set_new(v[i], "rank", json_integer((json_int_t)i + 1));
        json_array_append_new(out, v[i]);
    }
    free(v);
    json_decref(arr);
    return out;
}

/* The issuer's name: the unit at its path. */
static const char *issuer_name(struct ctx *c, const char *path)
{
    const char *name = NULL;
    db_one_text(c->db, c->arena, &name, "SELECT name FROM units WHERE path = ?", DB_TEXT(path));
    return name ? name : path;
}

/* The period's first month and the month after its last (13: January of the next year), and its label. */
static json_t *period_of(const struct burden_query *q, int *m0, int *m1)
{
    *m0 = q->quarter ? q->quarter * 3 - 2 : q->month ? q->month : 1;
    *m1 = q->quarter ? *m0 + 3 : q->month ? *m0 + 1 : 13;
    char from[11], to[11], label[48];
    cal_format_date(cal_days_from_civil(q->year, *m0, 1), from);
    cal_format_date(cal_days_from_civil(*m1 > 12 ? q->year + 1 : q->year, *m1 > 12 ? 1 : *m1, 1) - 1, to);
    if (q->quarter)
        snprintf(label, sizeof label, "%d年第%s季度", q->year,
                 (const char *[]){"一", "二", "三", "四"}[q->quarter - 1]);
    else if (q->month)
        snprintf(label, sizeof label, "%d年%d月", q->year, q->month);
    else
        snprintf(label, sizeof label, "%d年", q->year);
    return json_pack("{sI so so ss ss ss}", "year", (json_int_t)q->year, "quarter",
                     q->quarter ? json_integer(q->quarter) : json_null(), "month",
                     q->month ? json_integer(q->month) : json_null(), "from", from, "to", to, "label", label);
}

enum err results_burden(struct ctx *c, const struct burden_query *q, json_t **out)
{
    if (!c->user)
        return ctx_fail(c, ERR_FORBIDDEN, "需要登录");
    struct b_run r = {.c = c};
    json_t *gov = NULL, *unit = NULL;
    enum err e = rows_of(c, &r, q->unit_id, &gov, &unit);
    if (e)
        return e;
    int year = q->year, m0, m1;
    json_t *period = period_of(q, &m0, &m1);
    int64_t d0 = cal_days_from_civil(year, m0, 1);
    int64_t d1 = m1 > 12 ? cal_days_from_civil(year + 1, 1, 1) : cal_days_from_civil(year, m1, 1);
    char *y0 = arena_alloc(c->arena, 21), *y1 = arena_alloc(c->arena, 21), day0[11], day1[11];
    time_format_iso(time_local_instant(d0, 0), y0);
    time_format_iso(time_local_instant(d1, 0), y1);
    cal_format_date(d0, day0);
    cal_format_date(d1, day1);
    bool whole = !q->quarter && !q->month;
    for (int i = 0; !e && i < r.nu; i++) {
        /* a row's records: its unit's and those below it; an own row's its unit's alone ("\x01" sorts before
         * any path below it) */
        const char *lo = r.u[i].path,
                   *hi = r.u[i].own ? arena_printf(c->arena, "%s\x01", lo) : perm_path_upper(c->arena, lo);
#define B(...) ((const struct db_bind[]){__VA_ARGS__, {DB_BIND_END_, 0, 0, NULL}})
        /* each row unit's records, in record order (a record counts once per row) */
        if (!e)
            e = pass(&r, B_NOTICES,
                     "SELECT t.unit_path, i.office_path, i.id FROM item_tracks t JOIN items i ON i.id = t.item_id "
                     "WHERE t.unit_path >= ? AND t.unit_path < ? AND i.state <> 'withdrawn' "
                     "AND i.assigned_at >= ? AND i.assigned_at < ? ORDER BY i.id",
                     B(DB_TEXT(lo), DB_TEXT(hi), DB_TEXT(y0), DB_TEXT(y1)), false);
        for (int ladder = 0; !e && ladder < 2; ladder++)
            e = pass(&r, ladder ? B_REMINDERS : B_PRESSES,
                     ladder
                         ? "SELECT t.unit_path, i.office_path, e.id, e.data, t.unit_id FROM item_events e "
                           "JOIN items i ON i.id = e.item_id JOIN item_tracks t ON t.item_id = e.item_id "
                           "WHERE t.unit_path >= ? AND t.unit_path < ? AND e.action = 'press' AND e.kind = 'deadline' "
                           "AND e.at >= ? AND e.at < ? ORDER BY e.id"
                         : "SELECT t.unit_path, i.office_path, e.id, e.data, t.unit_id FROM item_events e "
                           "JOIN items i ON i.id = e.item_id JOIN item_tracks t ON t.item_id = e.item_id "
                           "WHERE t.unit_path >= ? AND t.unit_path < ? AND e.action = 'press' "
                           "AND e.kind <> 'deadline' AND e.at >= ? AND e.at < ? ORDER BY e.id",
                     B(DB_TEXT(lo), DB_TEXT(hi), DB_TEXT(y0), DB_TEXT(y1)), true);
        if (!e)
            e = pass(
                &r, B_REPORTS,
                "SELECT t.unit_path, i.office_path, p.id FROM item_reports p JOIN item_tracks t ON t.id = p.track_id "
                "JOIN items i ON i.id = p.item_id WHERE t.unit_path >= ? AND t.unit_path < ? "
                "AND p.created_at >= ? AND p.created_at < ? ORDER BY p.id",
                B(DB_TEXT(lo), DB_TEXT(hi), DB_TEXT(y0), DB_TEXT(y1)), false);
        /* an inspection of the row's government reaches the row too (its departments and townships receive it) */
        const char *govp = "";
        if (!e)
            e = row_government(c, lo, &govp);
#define INSP_SQL(WHEN)                                                                                                 \
    "SELECT CASE WHEN t.unit_path = ? THEN ? ELSE t.unit_path END, i.office_path, i.id "                               \
    "FROM insp_targets t JOIN inspections i ON i.id = t.inspection_id "                                                \
    "WHERE ((t.unit_path >= ? AND t.unit_path < ?) OR t.unit_path = ?) AND " WHEN                                      \
    " AND i.state NOT IN ('withdrawn', 'merged') "                                                                     \
    "AND (i.findings_issued_at IS NOT NULL OR (i.covert = 0 AND i.started_at IS NOT NULL)) ORDER BY i.id"
            /* when it reached the unit: an announced one's start, a covert one's findings (or one never started) */
#define REACHED "COALESCE(CASE WHEN i.covert = 0 THEN i.started_at END, i.findings_issued_at)"
        if (!e && whole)
            e = pass(&r, B_INSPECTIONS, INSP_SQL("i.year = ?"),
                     B(DB_TEXT(govp), DB_TEXT(lo), DB_TEXT(lo), DB_TEXT(hi), DB_TEXT(govp), DB_INT(year)), false);
        else if (!e)
            e = pass(&r, B_INSPECTIONS, INSP_SQL(REACHED " >= ? AND " REACHED " < ?"),
                     B(DB_TEXT(govp), DB_TEXT(lo), DB_TEXT(lo), DB_TEXT(hi), DB_TEXT(govp), DB_TEXT(y0), DB_TEXT(y1)),
                     false);
#undef REACHED
#undef INSP_SQL
        if (!e)
            e = pass(&r, B_TASKS,
                     "SELECT unit_path, office_path, id FROM rect_tasks WHERE unit_path >= ? AND unit_path < ? "
                     "AND state <> 'withdrawn' AND created_at >= ? AND created_at < ? ORDER BY id",
                     B(DB_TEXT(lo), DB_TEXT(hi), DB_TEXT(y0), DB_TEXT(y1)), false);
        if (!e) /* a research visit: the days the office's team stayed at the point (its first day a date) */
            e = pass(&r, B_VISITS,
                     "SELECT p.unit_path, p.office_path, v.id FROM contact_point_visits v JOIN contact_points p ON "
                     "p.id = v.contact_point_id WHERE p.unit_path >= ? AND p.unit_path < ? AND v.start_date >= ? "
                     "AND v.start_date < ? ORDER BY v.id",
                     B(DB_TEXT(lo), DB_TEXT(hi), DB_TEXT(day0), DB_TEXT(day1)), false);
#undef B
    }
    if (e) {
        json_decref(gov);
        json_decref(unit);
        json_decref(period);
        return e;
    }
    json_t *units = json_array(), *issuers = json_object();
    for (int i = 0; i < r.nu; i++) {
        struct b_unit *u = &r.u[i];
        json_t *o = figures(u->n), *by = json_array();
        json_object_set_new(o, "unit_id", json_integer(u->id));
        json_object_set_new(o, "code", json_string(u->code));
        json_object_set_new(o, "name", json_string(u->name));
        json_object_set_new(o, "has_children", json_boolean(u->below));
        for (int k = 0; k < u->nby; k++) {
            const char *name = issuer_name(c, u->by[k].path);
            json_t *b = figures(u->by[k].n);
            json_object_set_new(b, "issuer", json_string(name));
            json_array_append_new(by, b);
            json_t *sum = json_object_get(issuers, u->by[k].path);
            if (!sum) {
                sum = json_pack("{ss si}", "issuer", name, "units", 0);
                for (int f = 0; f < B__COUNT; f++)
                    json_object_set_new(sum, B_NAMES[f], json_integer(0));
                json_object_set_new(issuers, u->by[k].path, sum);
            }
            json_object_set_new(sum, "units", json_integer(json_integer_value(json_object_get(sum, "units")) + 1));
            for (int f = 0; f < B__COUNT; f++)
                json_object_set_new(sum, B_NAMES[f],
                                    json_integer(json_integer_value(json_object_get(sum, B_NAMES[f])) + u->by[k].n[f]));
        }
        json_object_set_new(o, "by_issuer", ranked(by));
        json_array_append_new(units, o);
    }
    json_t *iss = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(issuers, key, v)
    {
        int64_t total = 0;
        for (int f = 0; f < B__COUNT; f++)
            total += json_integer_value(json_object_get(v, B_NAMES[f]));
        json_object_set_new(v, "total", json_integer(total));
        json_array_append(iss, v);
    }
    json_decref(issuers);
    *out = json_pack("{si so so so so so sb}", "year", year, "period", period, "government", gov ? gov : json_null(),
                     "unit", unit ? unit : json_null(), "units", ranked(units), "issuers", ranked(iss), "own_only",
                     gov == NULL && unit == NULL);
    return ERR_OK;
}
