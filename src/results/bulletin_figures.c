/*
 * bulletin_figures.c: the figures of a bulletin (督查通报), counted from the items, and the draft's
 * words written from them. Every figure a bulletin prints comes from here, at drafting and again at
 * submission and issue (a difference refuses the step: the words were written against other numbers).
 *
 * What is counted (the items of one government, not withdrawn, assigned, with a responsible unit in the
 * scope's subtree; per unit once per item it is responsible for, in total once per item):
 *   registered  assigned (交办) within the period;
 *   completed   completed (verified 办结) within the period; on time when on or before the due date;
 *   overdue     at the end of the period (or today, when earlier): due before that day and not completed
 *               by then (suspended items, whose clocks stand still, are left out).
 * And from the inspections (rectification()): the government's inspections whose findings were issued in
 * the period to a unit in the scope, and the rectification tasks of the scope's units — assigned in the
 * period, all assigned before its end, verified by its end (or today), overdue, the share verified. And the
 * rectification of the government's criticisms of the scope's units (criticisms()): issued, reported, accepted,
 * overdue by as_of, the share accepted, per unit. Instants are compared with the local day boundaries of the period, dates as dates; one GROUP BY per
 * figure set, whatever the number of units.
 */
#include "results/results_internal.h"

#include "base/jsonw.h"
#include "base/timeu.h"
#include "calendar/calendar.h"
#include "items/ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OVERDUE_ITEMS_MAX 30 /* the overdue items a bulletin lists (the count covers all) */

/* The instant (ISO) at local midnight starting the day after date (offset days from date). */
static const char *boundary(struct ctx *c, const char *date, int offset)
{
    int64_t day = 0;
    cal_parse_date(date, &day);
    char *iso = arena_alloc(c->arena, 21);
    time_format_iso(time_local_instant(day + offset, 0), iso);
    return iso;
}

static int64_t day_of(const char *date)
{
    int64_t d = 0;
    cal_parse_date(date, &d);
    return d;
}

/* The local day of an ISO instant (0 if malformed). */
static int64_t iso_day(const char *iso)
{
    int64_t t;
    return iso && time_parse_iso(iso, &t) ? time_local_day(t) : 0;
}

/* The local date of an ISO instant ("" if malformed). */
static void local_date(const char *iso, char out[11])
{
    int64_t t;
    out[0] = 0;
    if (iso && time_parse_iso(iso, &t))
        cal_format_date(time_local_day(t), out);
}

/* The governments whose items, inspections and tasks count, as a range of their paths [lo, hi): the bulletin's
 * own (本级: hi = lo + "0", which holds lo alone — a child's path goes on with a digit, never below '0') or its
 * whole subtree (本级及下级: hi = perm_path_upper(lo), below). A column is compared with the units' paths in the
 * range, so each government is an equality on the column's index. A statement whose plan reads an index in order
 * (ORDER BY … LIMIT) says the own level as what it is, one equality (OFFICE_IS, the same two binds): with the
 * list the planner cannot know it holds one path and sorts every item of the government (at 1,000,000 items the
 * county's statistics page went from 10-20 ms to 240-290 ms). */
struct offices {
    const char *lo, *hi;
    bool below;
};
#define OFFICE_IN(col) col " IN (SELECT g.path FROM units g WHERE g.path >= ? AND g.path < ?)"
#define OFFICE_IS(col) col " = ? AND " col " < ?"
#define DB_OFFICES(o) DB_TEXT((o)->lo), DB_TEXT((o)->hi)

struct period {
    const char *from_b, *to_b; /* [from 00:00, to+1 00:00) as instants */
    const char *as_of, *as_of_b;
    bool days; /* the statistics' days to complete too (completion_days) */
};

/* The days to complete (平均办结天数) of a row of the statistics: completed_days, the calendar days from the local
 * day each item completed in the period was assigned (交办) to the local day it was completed (办结), summed; and
 * average_days, that sum over completed to one decimal (half up; null without a completion). */
static void completion_days(json_t *o, int64_t days, int64_t done)
{
    json_object_set_new(o, "completed_days", json_integer(days));
    json_object_set_new(o, "average_days",
                        done > 0 && days >= 0 ? scorecard_tenths((days * 20 + done) / (2 * done)) : json_null());
}

/* The conditions on items i (and tracks t) shared by the queries, with their binds in this order:
 * the offices' range, assigned before the end, then (for tracks) the scope range. */
#define ITEMS_OF_(office) office " AND i.state <> 'withdrawn' AND i.assigned_at IS NOT NULL AND i.assigned_at < ?"
#define ITEMS_OF ITEMS_OF_(OFFICE_IN("i.office_path"))
#define FIGURES                                                                                                        \
    "SUM(CASE WHEN i.assigned_at >= ? AND i.assigned_at < ? THEN 1 ELSE 0 END), "                                      \
    "SUM(CASE WHEN i.state IN ('completed', 'archived') AND i.closed_at >= ? AND i.closed_at < ? THEN 1 ELSE 0 END), " \
    "SUM(CASE WHEN i.due_date < ? AND i.state <> 'suspended' AND (i.closed_at IS NULL OR i.closed_at >= ?) "           \
    "THEN 1 ELSE 0 END)"
#define FIGURE_BINDS(p)                                                                                                \
    DB_TEXT((p)->from_b), DB_TEXT((p)->to_b), DB_TEXT((p)->from_b), DB_TEXT((p)->to_b), DB_TEXT((p)->as_of),           \
        DB_TEXT((p)->as_of_b)
#define IN_SCOPE "EXISTS (SELECT 1 FROM item_tracks t WHERE t.item_id = i.id AND t.unit_path >= ? AND t.unit_path < ?)"
#define COMPLETED_IN "i.state IN ('completed', 'archived') AND i.closed_at >= ? AND i.closed_at < ?"
#define OVERDUE_AT "i.due_date < ? AND i.state <> 'suspended' AND (i.closed_at IS NULL OR i.closed_at >= ?)"
/* IN_SCOPE for a read that takes the items in an index's order and stops early (ORDER BY … LIMIT): a probe of the
 * item's tracks per row, which no planner turns into a join. PostgreSQL's generic plan of the EXISTS (a prepared
 * statement's, from its sixth run: a province's 本级及下级 bulletin runs it once per government) hashed every track
 * of the scope first — 170 ms a county at 100,000 items, 12 of the draft's 13.6 s; the probe: 1.2 ms. SQLite plans
 * both alike. */
#define IN_SCOPE_EACH                                                                                                  \
    "(SELECT t.item_id FROM item_tracks t WHERE t.item_id = i.id AND t.unit_path >= ? AND t.unit_path < ? LIMIT 1) "   \
    "IS NOT NULL"

static json_t *unit_row(struct stmt *st)
{
    return json_pack("{sI ss ss sI sI si sI}", "unit_id", (json_int_t)stmt_int(st, 0), "code", stmt_text(st, 1), "name",
                     stmt_text(st, 2), "registered", (json_int_t)stmt_int(st, 3), "completed",
                     (json_int_t)stmt_int(st, 4), "completed_on_time", 0, "overdue", (json_int_t)stmt_int(st, 5));
}

/* Units by overdue (desc), then registered (desc), then their order in the tree. */
static int unit_cmp(const void *pa, const void *pb)
{
    const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    json_int_t d =
        json_integer_value(json_object_get(b, "overdue")) - json_integer_value(json_object_get(a, "overdue"));
    if (!d)
        d = json_integer_value(json_object_get(b, "registered")) - json_integer_value(json_object_get(a, "registered"));
    if (!d)
        d = json_integer_value(json_object_get(a, "pos")) - json_integer_value(json_object_get(b, "pos"));
    return d < 0 ? -1 : d > 0;
}

/* Per unit: the three counts by one GROUP BY; on time from the completed rows. */
static enum err per_unit(struct ctx *c, const struct offices *home, const char *scope, const char *upper,
                         const struct period *p, json_t *units)
{
    struct stmt *st = db_query(c->db,
                               "SELECT t.unit_id, u.code, u.name, " FIGURES " FROM item_tracks t "
                               "JOIN items i ON i.id = t.item_id JOIN units u ON u.id = t.unit_id "
                               "WHERE t.unit_path >= ? AND t.unit_path < ? AND " ITEMS_OF " "
                               "GROUP BY t.unit_id, u.code, u.name, u.path ORDER BY u.path",
                               FIGURE_BINDS(p), DB_TEXT(scope), DB_TEXT(upper), DB_OFFICES(home), DB_TEXT(p->to_b));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    int rc, pos = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        json_t *row = unit_row(st);
        json_object_set_new(row, "pos", json_integer(pos++));
        json_array_append_new(units, row);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "统计通报数据");
    /* completed on time and the days to complete, per unit (the period's completions only) */
    st = db_query(c->db,
                  "SELECT t.unit_id, i.due_date, i.closed_at, i.assigned_at FROM item_tracks t JOIN items i ON i.id = "
                  "t.item_id "
                  "WHERE t.unit_path >= ? AND t.unit_path < ? AND " ITEMS_OF " AND " COMPLETED_IN,
                  DB_TEXT(scope), DB_TEXT(upper), DB_OFFICES(home), DB_TEXT(p->to_b), DB_TEXT(p->from_b),
                  DB_TEXT(p->to_b));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    while ((rc = stmt_step(st)) == STORE_ROW) {
        char closed[11];
        local_date(stmt_text(st, 2), closed);
        bool on_time = strcmp(closed, stmt_text(st, 1)) <= 0;
        int64_t days = day_of(closed) - iso_day(stmt_text(st, 3));
        size_t i;
        json_t *u;
        json_array_foreach(units, i, u) if (json_integer_value(json_object_get(u, "unit_id")) == stmt_int(st, 0))
        {
            json_object_set_new(u, "completed_on_time",
                                json_integer(json_integer_value(json_object_get(u, "completed_on_time")) + on_time));
            json_object_set_new(u, "completed_days",
                                json_integer(json_integer_value(json_object_get(u, "completed_days")) + days));
        }
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "统计通报数据");
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u)
    {
        if (p->days)
            completion_days(u, json_integer_value(json_object_get(u, "completed_days")),
                            json_integer_value(json_object_get(u, "completed")));
        else
            json_object_del(u, "completed_days");
    }
    return ERR_OK;
}

/* Adds one office's figures (registered, completed, on time, overdue) to by_office[path] (NULL: not wanted). */
static void office_add(json_t *by_office, const char *path, const json_int_t v[4])
{
    static const char *const keys[] = {"registered", "completed", "completed_on_time", "overdue"};
    if (!by_office)
        return;
    json_t *o = json_object_get(by_office, path);
    if (!o)
        json_object_set_new(by_office, path,
                            o = json_pack("{si si si si}", keys[0], 0, keys[1], 0, keys[2], 0, keys[3], 0));
    for (int k = 0; k < 4; k++)
        json_object_set_new(o, keys[k], json_integer(json_integer_value(json_object_get(o, keys[k])) + v[k]));
}

/* In total, each item once; per issuing office (by_office, the roll-up per government) from the same rows. */
static enum err totals(struct ctx *c, const struct offices *home, const char *scope, const char *upper,
                       const struct period *p, json_t *by_office, json_t **out)
{
    json_int_t reg = 0, done = 0, late = 0, on_time = 0, days = 0;
    struct stmt *st = db_query(c->db,
                               "SELECT i.office_path, " FIGURES " FROM items i WHERE " ITEMS_OF " AND " IN_SCOPE
                               " GROUP BY i.office_path",
                               FIGURE_BINDS(p), DB_OFFICES(home), DB_TEXT(p->to_b), DB_TEXT(scope), DB_TEXT(upper));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        json_int_t v[4] = {stmt_int(st, 1), stmt_int(st, 2), 0, stmt_int(st, 3)};
        reg += v[0];
        done += v[1];
        late += v[3];
        office_add(by_office, stmt_text(st, 0), v);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "统计通报数据");
    st = db_query(c->db,
                  "SELECT i.due_date, i.closed_at, i.office_path, i.assigned_at FROM items i WHERE " ITEMS_OF
                  " AND " IN_SCOPE " AND " COMPLETED_IN,
                  DB_OFFICES(home), DB_TEXT(p->to_b), DB_TEXT(scope), DB_TEXT(upper), DB_TEXT(p->from_b),
                  DB_TEXT(p->to_b));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    while ((rc = stmt_step(st)) == STORE_ROW) {
        char closed[11];
        local_date(stmt_text(st, 1), closed);
        days += day_of(closed) - iso_day(stmt_text(st, 3));
        if (strcmp(closed, stmt_text(st, 0)) > 0)
            continue;
        on_time++;
        office_add(by_office, stmt_text(st, 2), (json_int_t[4]){0, 0, 1, 0});
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "统计通报数据");
    *out = json_pack("{sI sI sI so sI}", "registered", reg, "completed", done, "completed_on_time", on_time,
                     "on_time_rate", done ? json_integer((on_time * 100 + done / 2) / done) : json_null(), "overdue",
                     late);
    if (p->days)
        completion_days(*out, days, done);
    return ERR_OK;
}

/* An overdue item as listed. */
struct overdue_row {
    int64_t id;
    const char *number, *title, *lead, *due; /* number NULL before numbering */
};

/* Appends to *rows (capacity *cap) the first OVERDUE_ITEMS_MAX overdue items of the one government at path, in
 * the order of its index (items_office_due: due date, id). */
static enum err overdue_of(struct ctx *c, const char *path, const char *hi, const char *scope, const char *upper,
                           const struct period *p, struct overdue_row **rows, int *n, int *cap)
{
    struct stmt *st = db_query(
        c->db,
        "SELECT i.id, i.number, i.title, lu.name, i.due_date FROM items i JOIN units lu ON "
        "lu.id = i.lead_unit_id WHERE " ITEMS_OF_(OFFICE_IS("i.office_path")) " AND " IN_SCOPE_EACH " AND " OVERDUE_AT
                                                                              " ORDER BY i.due_date, i.id LIMIT ?",
        DB_TEXT(path), DB_TEXT(hi), DB_TEXT(p->to_b), DB_TEXT(scope), DB_TEXT(upper), DB_TEXT(p->as_of),
        DB_TEXT(p->as_of_b), DB_INT(OVERDUE_ITEMS_MAX));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : OVERDUE_ITEMS_MAX;
            struct overdue_row *more = arena_alloc(c->arena, sizeof *more * (size_t)*cap);
            if (*n)
                memcpy(more, *rows, sizeof *more * (size_t)*n);
            *rows = more;
        }
        struct overdue_row *r = &(*rows)[(*n)++];
        r->id = stmt_int(st, 0);
        r->number = stmt_is_null(st, 1) ? NULL : arena_strdup(c->arena, stmt_text(st, 1));
        r->title = arena_strdup(c->arena, stmt_text(st, 2));
        r->lead = arena_strdup(c->arena, stmt_text(st, 3));
        r->due = arena_strdup(c->arena, stmt_text(st, 4));
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "统计通报数据") : ERR_OK;
}

static int overdue_cmp(const void *pa, const void *pb)
{
    const struct overdue_row *a = pa, *b = pb;
    int d = strcmp(a->due, b->due);
    return d ? d : (a->id > b->id) - (a->id < b->id);
}

/* The overdue items, longest overdue first (at most OVERDUE_ITEMS_MAX). Each government's first ones read in
 * the order of its index, then merged: 本级及下级 costs a read per government that registered items (a
 * province: ~150 of them), not a sort of every item of the subtree (a single statement over the list of
 * governments read and sorted every overdue item of a province: 20-40 s at 1,000,000 items). */
static enum err overdue_items(struct ctx *c, const struct offices *home, const char *scope, const char *upper,
                              const struct period *p, json_t *items)
{
    struct overdue_row *rows = NULL;
    int n = 0, cap = 0;
    enum err e = ERR_OK;
    if (!home->below)
        e = overdue_of(c, home->lo, home->hi, scope, upper, p, &rows, &n, &cap);
    else {
        /* the units of the subtree that registered items (an item's office is a government, or the unit that
         * broke an item down) */
        struct stmt *st = db_query(c->db,
                                   "SELECT g.path FROM units g WHERE g.path >= ? AND g.path < ? AND EXISTS (SELECT 1 "
                                   "FROM items x WHERE x.office_path = g.path) ORDER BY g.path",
                                   DB_OFFICES(home));
        if (!st)
            return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
        int rc, np = 0, pcap = 0;
        const char **paths = NULL;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            if (np == pcap) {
                pcap = pcap ? pcap * 2 : 64;
                const char **more = arena_alloc(c->arena, sizeof *more * (size_t)pcap);
                if (np)
                    memcpy(more, paths, sizeof *more * (size_t)np);
                paths = more;
            }
            paths[np++] = arena_strdup(c->arena, stmt_text(st, 0));
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "统计通报数据");
        for (int i = 0; i < np && !e; i++)
            e = overdue_of(c, paths[i], home->hi, scope, upper, p, &rows, &n, &cap);
    }
    if (e)
        return e;
    if (n > 1)
        qsort(rows, (size_t)n, sizeof *rows, overdue_cmp);
    int64_t as_of = day_of(p->as_of);
    for (int i = 0; i < n && i < OVERDUE_ITEMS_MAX; i++)
        json_array_append_new(items, json_pack("{sI so ss ss ss sI}", "id", (json_int_t)rows[i].id, "number",
                                               res_str(rows[i].number), "title", rows[i].title, "lead_unit",
                                               rows[i].lead, "due_date", rows[i].due, "overdue_days",
                                               (json_int_t)(as_of - day_of(rows[i].due))));
    return ERR_OK;
}

/* Inspections and rectification (督查检查和整改): the inspections of the government whose findings were
 * issued in the period to a unit in the scope; its rectification tasks of units in the scope (withdrawn
 * ones left out) — assigned in the period, and of all assigned before its end: verified by as_of, overdue
 * (due before as_of and not verified by then), and the share verified (rate, %; null without tasks). */
static enum err rectification(struct ctx *c, const struct offices *home, const char *scope, const char *upper,
                              const struct period *p, json_t **out)
{
    int64_t insp = 0;
    enum err e =
        db_one_int(c->db, &insp,
                   "SELECT COUNT(*) FROM inspections n WHERE " OFFICE_IN(
                       "n.office_path") " AND n.findings_issued_at >= ? "
                                        "AND n.findings_issued_at < ? AND EXISTS (SELECT 1 FROM insp_targets x WHERE "
                                        "x.inspection_id = n.id AND x.unit_path >= ? AND x.unit_path < ?)",
                   DB_OFFICES(home), DB_TEXT(p->from_b), DB_TEXT(p->to_b), DB_TEXT(scope), DB_TEXT(upper));
    if (e)
        return ctx_db_fail(c, e, "统计通报数据");
    struct stmt *st =
        db_query(c->db,
                 "SELECT COUNT(*), SUM(CASE WHEN t.created_at >= ? THEN 1 ELSE 0 END), "
                 "SUM(CASE WHEN t.state = 'verified' AND t.verified_at < ? THEN 1 ELSE 0 END), "
                 "SUM(CASE WHEN t.due_date < ? AND NOT (t.state = 'verified' AND t.verified_at < ?) "
                 "THEN 1 ELSE 0 END) FROM rect_tasks t WHERE " OFFICE_IN(
                     "t.office_path") " AND t.unit_path >= ? "
                                      "AND t.unit_path < ? AND t.state <> 'withdrawn' AND t.created_at < ?",
                 DB_TEXT(p->from_b), DB_TEXT(p->as_of_b), DB_TEXT(p->as_of), DB_TEXT(p->as_of_b), DB_OFFICES(home),
                 DB_TEXT(scope), DB_TEXT(upper), DB_TEXT(p->to_b));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    json_int_t tasks = 0, assigned = 0, verified = 0, late = 0;
    int rc = stmt_step(st);
    if (rc == STORE_ROW && stmt_int(st, 0) > 0) {
        tasks = stmt_int(st, 0);
        assigned = stmt_int(st, 1);
        verified = stmt_int(st, 2);
        late = stmt_int(st, 3);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "统计通报数据");
    *out = json_pack("{sI sI sI sI sI so}", "inspections", (json_int_t)insp, "assigned", assigned, "tasks", tasks,
                     "verified", verified, "overdue", late, "rate",
                     tasks ? json_integer((verified * 100 + tasks / 2) / tasks) : json_null());
    return ERR_OK;
}

/* The rectification of the criticisms (通报批评限期整改, result_rectify.c): the government's criticisms with a
 * rectification deadline, issued by the period's end to a unit in the scope. Each counts as its rectification stood
 * at the end of the day counted (as_of), read from its timeline: the last report, return or acceptance before then —
 * a report the office returned is no report until the unit reports again. Per criticism: issued in the period;
 * reported (the unit's report stands: under review or accepted); late (it stands, but the report came after the
 * deadline); accepted (the office accepted it); overdue (no report stands and the deadline is at least one working
 * day behind the day counted: the working-day calendar, as the deadline itself and the ladder count) with the
 * working days it is overdue. In total and per unit (the unit's longest overdue_workdays; most overdue first, then
 * most criticised, then the tree's order), and the share accepted (rate, %; null without any). Added to rect as
 * "criticisms". One statement, a row per criticism. */
enum { CR_CRITICISMS, CR_ISSUED, CR_REPORTED, CR_LATE, CR_ACCEPTED, CR_OVERDUE, CR_WORKDAYS, CR_N };
static const char *const crit_keys[CR_N] = {"criticisms", "issued",  "reported",        "late",
                                            "accepted",   "overdue", "overdue_workdays"};
struct crit_unit {
    int64_t id;
    const char *name, *path;
    json_int_t v[CR_N];
};

static int crit_cmp(const void *a, const void *b)
{
    const struct crit_unit *x = a, *y = b;
    if (x->v[CR_OVERDUE] != y->v[CR_OVERDUE])
        return x->v[CR_OVERDUE] < y->v[CR_OVERDUE] ? 1 : -1;
    if (x->v[CR_CRITICISMS] != y->v[CR_CRITICISMS])
        return x->v[CR_CRITICISMS] < y->v[CR_CRITICISMS] ? 1 : -1;
    return strcmp(x->path, y->path);
}

static json_t *crit_json(const json_int_t *v)
{
    json_t *o = json_object();
    for (int k = 0; k < CR_N; k++)
        json_object_set_new(o, crit_keys[k], json_integer(v[k]));
    return o;
}

static enum err criticisms(struct ctx *c, const struct offices *home, const char *scope, const char *upper,
                           const struct period *p, json_t *rect)
{
    struct calendar cal;
    enum err e = calendar_load(c, &cal);
    if (e)
        return e;
#define RECT_ACTIONS "'report_rectification', 'return_rectification', 'accept_rectification'"
#define RECT_LAST(what, actions)                                                                                       \
    "(SELECT " what " FROM result_events e WHERE e.result_id = r.id AND e.action IN (" actions ") AND e.at < ? "       \
    "ORDER BY e.at DESC, e.id DESC LIMIT 1)"
#define RECT_COLUMNS RECT_LAST("e.action", RECT_ACTIONS) ", " RECT_LAST("e.at", "'report_rectification'")
#define RECT_WHERE                                                                                                     \
    OFFICE_IN("r.home_path")                                                                                           \
    " AND r.unit_path >= ? AND r.unit_path < ? AND r.kind = 'criticism' AND r.rectify_due IS NOT NULL AND "            \
    "r.state IN ('issued', 'reviewing', 'closed') AND r.issued_at < ?"
    struct stmt *st = db_query(
        c->db,
        "SELECT r.unit_id, u.name, u.path, r.issued_at, r.rectify_due, " RECT_COLUMNS
        " FROM results r JOIN units u ON u.id = r.unit_id WHERE " RECT_WHERE " ORDER BY u.path, r.id",
        DB_TEXT(p->as_of_b), DB_TEXT(p->as_of_b), DB_OFFICES(home), DB_TEXT(scope), DB_TEXT(upper), DB_TEXT(p->to_b));
#undef RECT_ACTIONS
#undef RECT_LAST
#undef RECT_COLUMNS
#undef RECT_WHERE
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    struct crit_unit *units = NULL;
    size_t n = 0, cap = 0;
    json_int_t sum[CR_N] = {0};
    int64_t as_of = day_of(p->as_of);
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        int64_t unit = stmt_int(st, 0);
        if (!n || units[n - 1].id != unit) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                struct crit_unit *grown = arena_alloc(c->arena, sizeof *grown * cap);
                if (n)
                    memcpy(grown, units, sizeof *grown * n);
                units = grown;
            }
            units[n++] = (struct crit_unit){
                unit, arena_strdup(c->arena, stmt_text(st, 1)), arena_strdup(c->arena, stmt_text(st, 2)), {0}};
        }
        json_int_t *v = units[n - 1].v, one[CR_N] = {1};
        const char *last = stmt_is_null(st, 5) ? "" : stmt_text(st, 5);
        char reported_on[11];
        local_date(stmt_is_null(st, 6) ? NULL : stmt_text(st, 6), reported_on);
        const char *due = stmt_text(st, 4);
        bool stands = !strcmp(last, "report_rectification") || !strcmp(last, "accept_rectification");
        int behind = result_rectify_behind(&cal, due, as_of);
        one[CR_ISSUED] = strcmp(stmt_text(st, 3), p->from_b) >= 0;
        one[CR_REPORTED] = stands;
        one[CR_LATE] = stands && result_rectify_behind(&cal, due, day_of(reported_on)) > 0;
        one[CR_ACCEPTED] = !strcmp(last, "accept_rectification");
        one[CR_OVERDUE] = !stands && behind > 0;
        one[CR_WORKDAYS] = one[CR_OVERDUE] ? behind : 0;
        for (int k = 0; k < CR_N; k++) {
            if (k == CR_WORKDAYS) {
                v[k] = v[k] > one[k] ? v[k] : one[k];
                sum[k] = sum[k] > one[k] ? sum[k] : one[k];
            } else {
                v[k] += one[k];
                sum[k] += one[k];
            }
        }
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "统计通报数据");
    if (n)
        qsort(units, n, sizeof *units, crit_cmp);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *row = crit_json(units[i].v);
        json_object_set_new(row, "unit_id", json_integer(units[i].id));
        json_object_set_new(row, "name", json_string(units[i].name));
        json_array_append_new(list, row);
    }
    json_t *o = crit_json(sum);
    json_object_set_new(o, "rate",
                        sum[CR_CRITICISMS]
                            ? json_integer((sum[CR_ACCEPTED] * 100 + sum[CR_CRITICISMS] / 2) / sum[CR_CRITICISMS])
                            : json_null());
    json_object_set_new(o, "units", list);
    json_object_set_new(rect, "criticisms", o);
    return ERR_OK;
}

/* The inspections' findings per unit (督查发现问题及整改情况): of the inspections counted above (findings issued
 * in the period, the government's), each inspected unit in the scope (a target, or the responsible unit of a
 * finding) with its inspections, its findings (issued, with a rectification task not withdrawn) and their
 * rectification state at as_of — verified (销号 by then), overdue (due before as_of, not verified), else
 * rectifying; the targets in path order, then a finding's unit that is no target. And the findings themselves, at most BULLETIN_FINDINGS, by unit and
 * inspection. Added to rect as "units" and "findings". */
#define BULLETIN_FINDINGS 100
#define FINDINGS_OF                                                                                                    \
    "FROM insp_findings f JOIN inspections n ON n.id = f.inspection_id JOIN rect_tasks t ON t.finding_id = f.id "      \
    "AND t.state <> 'withdrawn' JOIN units u ON u.id = f.unit_id WHERE " OFFICE_IN(                                    \
        "n.office_path") " AND "                                                                                       \
                         "n.findings_issued_at >= ? AND n.findings_issued_at < ? AND f.state = 'issued' AND "          \
                         "f.unit_path >= ? AND "                                                                       \
                         "f.unit_path < ?"
#define FINDING_STATE                                                                                                  \
    "CASE WHEN t.state = 'verified' AND t.verified_at < ? THEN 'verified' WHEN t.due_date < ? THEN 'overdue' "         \
    "ELSE 'rectifying' END"

/* Each row of st handed to fn with acc; st done. */
static enum err each_row(struct ctx *c, struct stmt *st, void (*fn)(struct stmt *st, json_t *acc), json_t *acc)
{
    int rc = STORE_DONE;
    while (st && (rc = stmt_step(st)) == STORE_ROW)
        fn(st, acc);
    stmt_done(st);
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    return rc < 0 ? ctx_store_fail(c, rc, "统计通报数据") : ERR_OK;
}

/* The unit's row in units (added with every figure 0 when it has none yet). */
static json_t *finding_unit(json_t *units, int64_t id, const char *name)
{
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u) if (json_integer_value(json_object_get(u, "unit_id")) == id) return u;
    u = json_pack("{sI ss sI sI sI sI sI}", "unit_id", (json_int_t)id, "name", name, "inspections", (json_int_t)0,
                  "findings", (json_int_t)0, "verified", (json_int_t)0, "overdue", (json_int_t)0, "rectifying",
                  (json_int_t)0);
    json_array_append_new(units, u);
    return u;
}

static void target_row(struct stmt *st, json_t *units)
{
    json_object_set_new(finding_unit(units, stmt_int(st, 0), stmt_text(st, 1)), "inspections",
                        json_integer(stmt_int(st, 2)));
}

static void state_row(struct stmt *st, json_t *units)
{
    json_t *u = finding_unit(units, stmt_int(st, 0), stmt_text(st, 1));
    json_int_t n = stmt_int(st, 3);
    json_object_set_new(u, "findings", json_integer(json_integer_value(json_object_get(u, "findings")) + n));
    json_object_set_new(u, stmt_text(st, 2), json_integer(n));
}

static void finding_row(struct stmt *st, json_t *list)
{
    json_array_append_new(list, json_pack("{sI sI ss ss ss ss ss ss ss}", "finding_id", (json_int_t)stmt_int(st, 0),
                                          "unit_id", (json_int_t)stmt_int(st, 1), "unit_name", stmt_text(st, 2),
                                          "inspection_number", stmt_is_null(st, 3) ? "" : stmt_text(st, 3),
                                          "inspection", stmt_text(st, 4), "title", stmt_text(st, 5), "task_number",
                                          stmt_text(st, 6), "due_date", stmt_text(st, 7), "state", stmt_text(st, 8)));
}

static enum err findings_by_unit(struct ctx *c, const struct offices *home, const char *scope, const char *upper,
                                 const struct period *p, json_t *rect)
{
    json_t *units = json_array(), *list = json_array();
    json_object_set_new(rect, "units", units);
    json_object_set_new(rect, "findings", list);
    /* the inspected units: the targets of the inspections counted, in the scope */
    enum err e = each_row(
        c,
        db_query(c->db,
                 "SELECT x.unit_id, u.name, COUNT(DISTINCT n.id) FROM insp_targets x JOIN inspections n ON n.id = "
                 "x.inspection_id JOIN units u ON u.id = x.unit_id WHERE " OFFICE_IN(
                     "n.office_path") " AND n.findings_issued_at >= ? "
                                      "AND n.findings_issued_at < ? AND x.unit_path >= ? AND x.unit_path < ? GROUP BY "
                                      "x.unit_id, u.name, "
                                      "u.path ORDER BY u.path",
                 DB_OFFICES(home), DB_TEXT(p->from_b), DB_TEXT(p->to_b), DB_TEXT(scope), DB_TEXT(upper)),
        target_row, units);
    /* their findings by rectification state (grouped in a subquery: PostgreSQL does not group by an expression
     * with parameters) */
    if (!e)
        e = each_row(
            c,
            db_query(c->db,
                     "SELECT q.unit_id, q.name, q.st, COUNT(*) FROM (SELECT f.unit_id, u.name, u.path, " FINDING_STATE
                     " AS st " FINDINGS_OF ") q GROUP BY q.unit_id, q.name, q.path, q.st ORDER BY q.path",
                     DB_TEXT(p->as_of_b), DB_TEXT(p->as_of), DB_OFFICES(home), DB_TEXT(p->from_b), DB_TEXT(p->to_b),
                     DB_TEXT(scope), DB_TEXT(upper)),
            state_row, units);
    /* the findings listed */
    if (!e)
        e = each_row(
            c,
            db_query(
                c->db,
                "SELECT f.id, f.unit_id, u.name, n.number, n.subject, f.title, t.number, t.due_date, " FINDING_STATE
                " " FINDINGS_OF " ORDER BY u.path, n.id, f.id LIMIT ?",
                DB_TEXT(p->as_of_b), DB_TEXT(p->as_of), DB_OFFICES(home), DB_TEXT(p->from_b), DB_TEXT(p->to_b),
                DB_TEXT(scope), DB_TEXT(upper), DB_INT(BULLETIN_FINDINGS)),
            finding_row, list);
    return e;
}

/* ---- from the kept counters (migration 0054, src/items/ledger_figs.c) ----
 *
 * Every figure is a difference of prefix sums P(x, b) = the items' x on days up to and including b:
 * registered = P(reg, to) - P(reg, from - 1), likewise completed and on time; overdue at as_of =
 * P(turned overdue, as_of) - P(stopped being overdue, as_of) (an item is overdue at the end of the days
 * [s, e), struct ledger_fig). P(x, b) is the counters of the months before b's month (of b's month too
 * when b is its last day) plus a scan of the items of b's month up to b. A unit has a row when it has
 * a track of an item assigned by `to` (P(reg, to) > 0), as in the recount. */

enum { F_REG_TO, F_REG_FROM, F_DONE_TO, F_DONE_FROM, F_OT_TO, F_OT_FROM, F_OV, F__N };

struct prefix {
    int64_t b;  /* the last day */
    char cm[8]; /* counter months before this one */
    bool scan;  /* and the days [first of b's month, b] from the items */
    int64_t first;
};

static void prefix_init(struct prefix *p, int64_t b)
{
    int y;
    unsigned m, d;
    cal_civil_from_days(b, &y, &m, &d);
    p->b = b;
    p->first = cal_days_from_civil(y, m, 1);
    int64_t next = cal_add_months(p->first, 1);
    p->scan = b != next - 1;
    ledger_fig_month(p->scan ? p->first : next, p->cm);
}

/* A unit as a row of the figures shows it. */
struct unit_ref {
    int64_t unit_id;
    const char *code, *name, *path;
};

struct fig_acc {
    struct unit_ref u; /* first: unit_pos and unit_find read its unit_id */
    int64_t v[F__N];
    int64_t days; /* of the completions counted in v[F_DONE_TO] by scan_days (the statistics' months) */
};

/* The positions (+ 1) of accumulators by their unit id: open addressing, at most half full. A province's bulletin
 * adds thousands of units and a partial month's scan looks one up per item: a search along the array was 2 % of the
 * province's draft. */
struct unit_index {
    int *slot;
    int cap; /* a power of two */
};

#define REF_AT(arr, size, i) ((const struct unit_ref *)(const void *)((const char *)(arr) + (size) * (size_t)(i)))

/* id's slot in x (cap > 0): its own or the free one where it would go */
static size_t unit_slot(const struct unit_index *x, const void *arr, size_t size, int64_t id)
{
    size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 32) & (size_t)(x->cap - 1);
    while (x->slot[h] && REF_AT(arr, size, x->slot[h] - 1)->unit_id != id)
        h = (h + 1) & (size_t)(x->cap - 1);
    return h;
}

/* The position of id among the n accumulators at arr (each `size` bytes, beginning with its struct unit_ref), or n
 * when it is not there: then it is indexed at n, and the caller appends it. */
static int unit_pos(struct ctx *c, struct unit_index *x, const void *arr, size_t size, int n, int64_t id)
{
    if (2 * (n + 1) > x->cap) { /* rebuilt twice as large */
        x->cap = x->cap ? 2 * x->cap : 256;
        x->slot = arena_alloc(c->arena, sizeof *x->slot * (size_t)x->cap);
        for (int i = 0; i < n; i++)
            x->slot[unit_slot(x, arr, size, REF_AT(arr, size, i)->unit_id)] = i + 1;
    }
    size_t h = unit_slot(x, arr, size, id);
    if (x->slot[h])
        return x->slot[h] - 1;
    x->slot[h] = n + 1;
    return n;
}

/* The position of id among the accumulators at arr that unit_pos indexed, or -1. */
static int unit_find(const struct unit_index *x, const void *arr, size_t size, int64_t id)
{
    if (!x->cap)
        return -1;
    size_t h = unit_slot(x, arr, size, id);
    return x->slot[h] ? x->slot[h] - 1 : -1;
}
#undef REF_AT

struct fig_run {
    struct ctx *c;
    const struct offices *home;
    const char *scope, *upper;
    struct fig_acc *units; /* by unit id order of appearance; sorted by path at the end */
    int n, cap;
    struct unit_index index;
    struct fig_acc total;
    struct fig_acc *offs; /* the total per issuing office (path), sorted by path: the roll-up per government */
    int noff, capoff;
};

static int acc_path_cmp(const void *x, const void *y)
{
    return strcmp(((const struct fig_acc *)x)->u.path, ((const struct fig_acc *)y)->u.path);
}

/* The total of the office at path (kept sorted: a binary search per row of a scan). */
static struct fig_acc *off_of(struct fig_run *r, const char *path)
{
    int lo = 0, hi = r->noff;
    while (lo < hi) {
        int mid = (lo + hi) / 2, d = strcmp(r->offs[mid].u.path, path);
        if (!d)
            return &r->offs[mid];
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    r->offs = res_grow(r->c, r->offs, r->noff, &r->capoff, sizeof *r->offs, 64);
    memmove(&r->offs[lo + 1], &r->offs[lo], sizeof *r->offs * (size_t)(r->noff - lo));
    r->noff++;
    memset(&r->offs[lo], 0, sizeof r->offs[lo]);
    r->offs[lo].u.path = arena_strdup(r->c->arena, path);
    return &r->offs[lo];
}

static struct fig_acc *acc_of(struct fig_run *r, int64_t unit_id)
{
    int i = unit_pos(r->c, &r->index, r->units, sizeof *r->units, r->n, unit_id);
    if (i < r->n)
        return &r->units[i];
    r->units = res_grow(r->c, r->units, r->n, &r->cap, sizeof *r->units, 64);
    struct fig_acc *a = &r->units[r->n++];
    memset(a, 0, sizeof *a);
    a->u.unit_id = unit_id;
    return a;
}

/* The counter sums: per unit of the scope (own tracks) and the scope's total (each item once). PostgreSQL's triggers
 * append to figure_count_deltas, read here beside figure_counts; SQLite's update figure_counts itself and leave the
 * deltas empty, so there the units' rows are read alone: in the primary key's order, each office's units sum up
 * without a sort (GROUP BY office_path, unit_id; a unit of two offices is added up here) and their names are joined
 * to the sums, not to every month's row (with the union and the join before the grouping the statement took 895
 * million instructions for a province's year, 4,200 units, now 384: sqlite3 under callgrind on the 1,000,000-item
 * gen database). */
static enum err counters_read(struct fig_run *r, const struct prefix *pt, const struct prefix *pf,
                              const struct prefix *pd, const char *to_month, int64_t scope_id)
{
    struct ctx *c = r->c;
#define SUMS                                                                                                           \
    "SUM(CASE WHEN x.month < ? THEN x.registered ELSE 0 END), SUM(CASE WHEN x.month < ? THEN x.registered ELSE 0 "     \
    "END), SUM(CASE WHEN x.month < ? THEN x.completed ELSE 0 END), SUM(CASE WHEN x.month < ? THEN x.completed ELSE "   \
    "0 END), SUM(CASE WHEN x.month < ? THEN x.on_time ELSE 0 END), SUM(CASE WHEN x.month < ? THEN x.on_time ELSE 0 "   \
    "END), SUM(CASE WHEN x.month < ? THEN x.ov_in - x.ov_out ELSE 0 END)"
#define SUM_BINDS                                                                                                      \
    DB_TEXT(pt->cm), DB_TEXT(pf->cm), DB_TEXT(pt->cm), DB_TEXT(pf->cm), DB_TEXT(pt->cm), DB_TEXT(pf->cm),              \
        DB_TEXT(pd->cm)
#define COUNTS_OF(own)                                                                                                 \
    "(SELECT office_path, unit_id, month, registered, completed, on_time, ov_in, ov_out FROM figure_counts "           \
    "WHERE " OFFICE_IN("office_path") " AND own = " own " AND month <= ? UNION ALL SELECT office_path, unit_id, "      \
                                      "month, registered, completed, on_time, ov_in, ov_out FROM figure_count_deltas " \
                                      "WHERE " OFFICE_IN("office_path") " AND own = " own " AND month <= ?) x"
#define UNITS_OF(src)                                                                                                  \
    "SELECT s.*, u.code, u.name, u.path FROM (SELECT x.unit_id, " SUMS " FROM " src                                    \
    " GROUP BY x.office_path, x.unit_id) s JOIN units u ON u.id = s.unit_id WHERE u.path >= ? AND u.path < ?"
    struct stmt *st =
        strcmp(db_kind(c->db), "sqlite")
            ? db_query(c->db, UNITS_OF(COUNTS_OF("1")), SUM_BINDS, DB_OFFICES(r->home), DB_TEXT(to_month),
                       DB_OFFICES(r->home), DB_TEXT(to_month), DB_TEXT(r->scope), DB_TEXT(r->upper))
            : db_query(c->db,
                       UNITS_OF("figure_counts x WHERE " OFFICE_IN("x.office_path") " AND x.own = 1 AND x.month <= ?"),
                       SUM_BINDS, DB_OFFICES(r->home), DB_TEXT(to_month), DB_TEXT(r->scope), DB_TEXT(r->upper));
#undef UNITS_OF
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        struct fig_acc *a = acc_of(r, stmt_int(st, 0));
        if (!a->u.path) {
            a->u.code = arena_strdup(c->arena, stmt_text(st, 1 + F__N));
            a->u.name = arena_strdup(c->arena, stmt_text(st, 2 + F__N));
            a->u.path = arena_strdup(c->arena, stmt_text(st, 3 + F__N));
        }
        for (int k = 0; k < F__N; k++)
            a->v[k] += stmt_int(st, 1 + k);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "统计通报数据");
    st = db_query(
        c->db, "SELECT x.office_path, " SUMS " FROM " COUNTS_OF("0") " WHERE x.unit_id = ? GROUP BY x.office_path",
        SUM_BINDS, DB_OFFICES(r->home), DB_TEXT(to_month), DB_OFFICES(r->home), DB_TEXT(to_month), DB_INT(scope_id));
#undef SUMS
#undef SUM_BINDS
#undef COUNTS_OF
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    while ((rc = stmt_step(st)) == STORE_ROW) {
        struct fig_acc *o = off_of(r, stmt_text(st, 0));
        for (int k = 0; k < F__N; k++) {
            int64_t v = stmt_is_null(st, 1 + k) ? 0 : stmt_int(st, 1 + k);
            r->total.v[k] += v;
            o->v[k] += v;
        }
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "统计通报数据") : ERR_OK;
}

/* The unit of a scanned row (columns 5 and 7…9: its id, code, name, path), named when the counters did not. */
static struct fig_acc *named_acc_of(struct fig_run *r, struct stmt *st)
{
    struct fig_acc *a = acc_of(r, stmt_int(st, 5));
    if (!a->u.path)
        a->u = (struct unit_ref){a->u.unit_id, res_col(r->c, st, 7), res_col(r->c, st, 8), res_col(r->c, st, 9)};
    return a;
}

static bool in_days(int64_t d, int64_t lo, int64_t hi)
{
    return d != LEDGER_NO_DAY && d >= lo && d <= hi;
}

/* Adds what the items count for on the days [p->first, p->b] to the prefix sums named by the masks
 * (1 << F_REG_TO etc.): the items of the government assigned, closed or turning overdue on those days. */
static enum err scan_days(struct fig_run *r, const struct prefix *p, unsigned mask)
{
    struct ctx *c = r->c;
    int64_t lo = p->first, hi = p->b;
    char lo_due[11], hi_due[11];
    cal_format_date(lo - 1, lo_due);
    cal_format_date(hi - 1, hi_due);
    char lo_b[21], hi_b[21];
    time_format_iso(time_local_instant(lo, 0), lo_b);
    time_format_iso(time_local_instant(hi + 1, 0), hi_b);
    struct stmt *st =
        db_query(c->db,
                 "SELECT i.id, i.state, i.due_date, i.assigned_at, i.closed_at, t.unit_id, i.office_path, u.code, "
                 "u.name, u.path FROM items i JOIN item_tracks t ON t.item_id = i.id JOIN units u ON u.id = t.unit_id "
                 "WHERE i.id IN (SELECT id FROM items WHERE " OFFICE_IN(
                     "office_path") " AND assigned_at >= ? AND "
                                    "assigned_at < ? UNION SELECT id FROM items WHERE " OFFICE_IN(
                                        "office_path") " AND closed_at >= ? AND closed_at < ? UNION "
                                                       "SELECT id FROM items WHERE " OFFICE_IN(
                                                           "office_path") " AND due_date >= ? AND due_date <= ?) AND "
                                                                          "t.unit_path >= ? AND "
                                                                          "t.unit_path < ? ORDER BY i.id",
                 DB_OFFICES(r->home), DB_TEXT(lo_b), DB_TEXT(hi_b), DB_OFFICES(r->home), DB_TEXT(lo_b), DB_TEXT(hi_b),
                 DB_OFFICES(r->home), DB_TEXT(lo_due), DB_TEXT(hi_due), DB_TEXT(r->scope), DB_TEXT(r->upper));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    int rc;
    int64_t last = -1;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        struct ledger_fig f;
        ledger_fig_of(stmt_text(st, 1), stmt_text(st, 2), stmt_is_null(st, 3) ? NULL : stmt_text(st, 3),
                      stmt_is_null(st, 4) ? NULL : stmt_text(st, 4), &f);
        if (!f.counted)
            continue;
        int64_t add[F__N] = {0};
        bool reg = in_days(f.a, lo, hi), done = f.done && in_days(f.e, lo, hi);
        add[F_REG_TO] = add[F_REG_FROM] = reg;
        add[F_DONE_TO] = add[F_DONE_FROM] = done;
        add[F_OT_TO] = add[F_OT_FROM] = done && f.on_time;
        add[F_OV] = (f.ov && in_days(f.s, lo, hi)) - (f.ov && in_days(f.e, lo, hi));
        int64_t id = stmt_int(st, 0);
        struct fig_acc *a = named_acc_of(r, st), *o = id != last ? off_of(r, stmt_text(st, 6)) : NULL;
        for (int k = 0; k < F__N; k++)
            if (mask & (1u << k)) {
                a->v[k] += add[k];
                if (o) {
                    r->total.v[k] += add[k];
                    o->v[k] += add[k];
                }
            }
        if (done && (mask & 1u << F_DONE_TO)) {
            a->days += f.days;
            if (o)
                r->total.days += f.days;
        }
        last = id;
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "统计通报数据") : ERR_OK;
}

/* Items assigned after as_of but within the period (a period reaching past today, as_of = today): the
 * recount counts them overdue when due before as_of and still open at its end; s > as_of for them. */
static enum err scan_late_assigned(struct fig_run *r, const struct period *p, int64_t as_of)
{
    struct ctx *c = r->c;
    struct stmt *st = db_query(
        c->db,
        "SELECT i.id, i.state, i.due_date, i.assigned_at, i.closed_at, t.unit_id, i.office_path, u.code, u.name, "
        "u.path FROM items i JOIN item_tracks t ON t.item_id = i.id JOIN units u ON u.id = t.unit_id WHERE " OFFICE_IN(
            "i.office_path") " AND i.assigned_at >= ? "
                             "AND i.assigned_at < ? AND i.due_date < ? AND t.unit_path >= ? AND t.unit_path < ? "
                             "ORDER BY i.id",
        DB_OFFICES(r->home), DB_TEXT(p->as_of_b), DB_TEXT(p->to_b), DB_TEXT(p->as_of), DB_TEXT(r->scope),
        DB_TEXT(r->upper));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计通报数据");
    int rc;
    int64_t last = -1;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        struct ledger_fig f;
        ledger_fig_of(stmt_text(st, 1), stmt_text(st, 2), stmt_text(st, 3),
                      stmt_is_null(st, 4) ? NULL : stmt_text(st, 4), &f);
        if (!f.counted || !strcmp(stmt_text(st, 1), "suspended") || (f.e != LEDGER_NO_DAY && f.e <= as_of))
            continue;
        int64_t id = stmt_int(st, 0);
        named_acc_of(r, st)->v[F_OV]++;
        if (id != last) {
            r->total.v[F_OV]++;
            off_of(r, stmt_text(st, 6))->v[F_OV]++;
        }
        last = id;
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "统计通报数据") : ERR_OK;
}

static json_t *figures_json(const int64_t *v)
{
    return json_pack("{sI sI sI sI}", "registered", (json_int_t)(v[F_REG_TO] - v[F_REG_FROM]), "completed",
                     (json_int_t)(v[F_DONE_TO] - v[F_DONE_FROM]), "completed_on_time",
                     (json_int_t)(v[F_OT_TO] - v[F_OT_FROM]), "overdue", (json_int_t)v[F_OV]);
}

/* per_unit and totals from the kept counters (same output). */
static enum err counted(struct ctx *c, const struct offices *home, const char *scope, const char *upper,
                        const char *from, const char *to, const struct period *p, json_t *units, json_t *by_office,
                        json_t **tot)
{
    struct fig_run r = {.c = c, .home = home, .scope = scope, .upper = upper};
    struct prefix pt, pf, pd;
    prefix_init(&pt, day_of(to));
    prefix_init(&pf, day_of(from) - 1);
    prefix_init(&pd, day_of(p->as_of));
    char to_month[8];
    ledger_fig_month(day_of(to), to_month);
    /* the scope unit: the last id of its path */
    const char *slash = scope + strlen(scope) - 1;
    while (slash > scope && slash[-1] != '/')
        slash--;
    enum err e = counters_read(&r, &pt, &pf, &pd, to_month, strtoll(slash, NULL, 10));
    unsigned to_mask = 1u << F_REG_TO | 1u << F_DONE_TO | 1u << F_OT_TO;
    unsigned d_mask = 1u << F_OV;
    if (!e && pt.scan)
        e = scan_days(&r, &pt, to_mask | (pd.b == pt.b ? d_mask : 0));
    if (!e && pf.scan)
        e = scan_days(&r, &pf, 1u << F_REG_FROM | 1u << F_DONE_FROM | 1u << F_OT_FROM);
    if (!e && pd.scan && pd.b != pt.b)
        e = scan_days(&r, &pd, d_mask);
    if (!e && pd.b < pt.b)
        e = scan_late_assigned(&r, p, pd.b);
    if (e)
        return e;
    if (r.n)
        qsort(r.units, (size_t)r.n, sizeof *r.units, acc_path_cmp);
    int pos = 0;
    for (int i = 0; i < r.n; i++) {
        struct fig_acc *a = &r.units[i];
        if (a->v[F_REG_TO] <= 0)
            continue; /* no track of an item assigned by the period's end */
        json_t *row = figures_json(a->v);
        json_object_set_new(row, "unit_id", json_integer(a->u.unit_id));
        json_object_set_new(row, "code", json_string(a->u.code));
        json_object_set_new(row, "name", json_string(a->u.name));
        json_object_set_new(row, "pos", json_integer(pos++));
        json_array_append_new(units, row);
    }
    for (int i = 0; i < r.noff && by_office; i++) {
        json_t *f = figures_json(r.offs[i].v);
        json_int_t v[4] = {json_integer_value(json_object_get(f, "registered")),
                           json_integer_value(json_object_get(f, "completed")),
                           json_integer_value(json_object_get(f, "completed_on_time")),
                           json_integer_value(json_object_get(f, "overdue"))};
        json_decref(f);
        office_add(by_office, r.offs[i].u.path, v);
    }
    json_t *t = figures_json(r.total.v);
    json_int_t done = json_integer_value(json_object_get(t, "completed")),
               on_time = json_integer_value(json_object_get(t, "completed_on_time"));
    json_object_set_new(t, "on_time_rate", done ? json_integer((on_time * 100 + done / 2) / done) : json_null());
    *tot = t;
    return ERR_OK;
}

/* The count of a bulletin (results_internal.h, bulletin_count_all); with findings, also the inspections' findings per unit (rectification.units, .findings),
 * which only a bulletin prints (the statistics page counts twelve months without them); without, the statistics' days
 * to complete (completion_days), which a bulletin neither prints nor checks again, so does not carry. */
static enum err count(struct ctx *c, const char *home_path, bool below, const char *scope, const char *from,
                      const char *to, bool findings, json_t *by_office, json_t **out)
{
    struct offices offices = {
        home_path, below ? perm_path_upper(c->arena, home_path) : arena_printf(c->arena, "%s0", home_path), below};
    const struct offices *home = &offices;
    char today[11];
    result_today(c, today);
    struct period p = {boundary(c, from, 0), boundary(c, to, 1), strcmp(to, today) < 0 ? to : today, NULL, !findings};
    p.as_of = arena_strdup(c->arena, p.as_of);
    p.as_of_b = boundary(c, p.as_of, 1);
    const char *upper = perm_path_upper(c->arena, scope);
    json_t *units = json_array(), *items = json_array(), *tot = NULL, *rect = NULL;
    enum err e = ledger_figs_usable(c) ? counted(c, home, scope, upper, from, to, &p, units, by_office, &tot)
                                       : per_unit(c, home, scope, upper, &p, units);
    if (!e && !tot)
        e = totals(c, home, scope, upper, &p, by_office, &tot);
    if (!e)
        e = overdue_items(c, home, scope, upper, &p, items);
    if (!e)
        e = rectification(c, home, scope, upper, &p, &rect);
    if (!e && findings)
        e = findings_by_unit(c, home, scope, upper, &p, rect);
    if (!e && findings)
        e = criticisms(c, home, scope, upper, &p, rect);
    if (e) {
        json_decref(units);
        json_decref(items);
        json_decref(tot);
        json_decref(rect);
        return e;
    }
    /* the units in ranking order; the ranking names those with overdue items */
    size_t n = json_array_size(units), i;
    json_t **v = malloc(sizeof *v * (n ? n : 1)), *sorted = json_array(), *ranking = json_array();
    for (i = 0; i < n; i++)
        v[i] = json_array_get(units, i);
    qsort(v, n, sizeof *v, unit_cmp);
    for (i = 0; i < n; i++) {
        json_object_del(v[i], "pos");
        json_array_append(sorted, v[i]);
        json_int_t late = json_integer_value(json_object_get(v[i], "overdue"));
        if (late > 0)
            json_array_append_new(ranking, json_pack("{sI sO sO sI}", "rank", (json_int_t)json_array_size(ranking) + 1,
                                                     "unit_id", json_object_get(v[i], "unit_id"), "name",
                                                     json_object_get(v[i], "name"), "overdue", late));
    }
    free(v);
    json_decref(units);
    *out = json_pack("{ss ss ss so so so so so}", "from", from, "to", to, "as_of", p.as_of, "totals", tot, "units",
                     sorted, "ranking", ranking, "overdue_items", items, "rectification", rect);
    return ERR_OK;
}

/* ---- the statistics: every period of a year from one read (statistics.c) ----
 *
 * A month or quarter of the statistics page is a bulletin's count of that period, and the periods are whole
 * months (the current one up to today). So the kept counters are read once for the page, per unit and month of
 * the year (the months before it in one bucket: what is overdue at a day's end is the sum of every month before),
 * and the current month's days up to today are scanned once from the items (scan_days); each period is then a
 * sum of buckets: registered, completed and on time over its months, overdue over every month up to its last. */

enum { M_REG, M_DONE, M_OT, M_OV, M_DAYS, M__N };
#define M_BUCKETS 13 /* 0: the months before the year; 1…12 */

struct month_acc {
    struct unit_ref u; /* first: unit_pos and unit_find read its unit_id */
    int64_t v[M_BUCKETS][M__N];
};

struct month_run {
    struct ctx *c;
    struct month_acc *units, total;
    int n, cap;
    struct unit_index index;
};

static struct month_acc *month_acc_of(struct month_run *r, int64_t unit_id)
{
    int i = unit_pos(r->c, &r->index, r->units, sizeof *r->units, r->n, unit_id);
    if (i < r->n)
        return &r->units[i];
    r->units = res_grow(r->c, r->units, r->n, &r->cap, sizeof *r->units, 64);
    struct month_acc *a = &r->units[r->n++];
    memset(a, 0, sizeof *a);
    a->u.unit_id = unit_id;
    return a;
}

/* Names the units of r (those whose counters were read) and keeps those of the scope [scope, upper), in the order
 * read (months_gather sorts them by path); the index is rebuilt by the next month_acc_of. */
static enum err months_units(struct month_run *r, const char *scope, const char *upper)
{
    struct ctx *c = r->c;
    int64_t *ids = arena_alloc(c->arena, sizeof *ids * (size_t)(r->n ? r->n : 1));
    for (int i = 0; i < r->n; i++)
        ids[i] = r->units[i].u.unit_id;
    for (int from = 0; from < r->n; from += 500) {
        int k = r->n - from < 500 ? r->n - from : 500;
        struct buf sql = {0};
        buf_puts(&sql, "SELECT id, code, name, path FROM units WHERE ");
        db_sql_in_ints(c->db, &sql, "id", k);
        struct stmt *st = db_prepare(c->db, sql.data);
        buf_free(&sql);
        if (!st)
            return ctx_db_fail(c, ERR_INTERNAL, "统计督查督办数据");
        stmt_bind_ints(st, 1, ids + from, k);
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            int i = unit_find(&r->index, r->units, sizeof *r->units, stmt_int(st, 0));
            const char *path = stmt_text(st, 3);
            if (i < 0 || !path || strcmp(path, scope) < 0 || strcmp(path, upper) >= 0)
                continue;
            struct month_acc *a = &r->units[i];
            a->u.code = arena_strdup(c->arena, stmt_text(st, 1));
            a->u.name = arena_strdup(c->arena, stmt_text(st, 2));
            a->u.path = arena_strdup(c->arena, path);
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "统计督查督办数据");
    }
    int n = 0;
    for (int i = 0; i < r->n; i++)
        if (r->units[i].u.path)
            r->units[n++] = r->units[i];
    r->n = n;
    r->index = (struct unit_index){0};
    return ERR_OK;
}

/* The counters of the months before `until` ("YYYY-MM", exclusive) in buckets: per unit of the scope's subtree
 * [scope, upper) (own tracks; only with units) and the scope's total (each item once). Each is a range of the
 * primary key (office_path, own, unit_id, month) per office: the scope's total `own = 0 AND unit_id = ?`, the units
 * `own = 1` unless without units (a bulletin's line chart reads the total alone: a term of the binds alone, which
 * both databases test once before reading). The condition was `(own = ? OR unit_id = ?)`, which no index serves:
 * every counter of every office was read — the line chart of a province's year took 272 million instructions, then
 * 88 (callgrind, the 1,000,000-item gen database). The rows are summed here and their units named by key after
 * (months_units): summed in SQL (GROUP BY unit and bucket, then joined with units for the names and the scope) a
 * county's statistics page was 8.7 million instructions, 6.6 of them that statement (callgrind, 100,000 items). */
static enum err months_read(struct month_run *r, const struct offices *home, int year, const char *until,
                            const char *scope, const char *upper, bool units)
{
    int64_t scope_id = res_path_last_id(scope);
    struct ctx *c = r->c;
    char first[8];
    snprintf(first, sizeof first, "%04d-01", year);
#define ROWS_OF(t, own)                                                                                                \
    "SELECT own, unit_id, month, registered, completed, on_time, ov_in - ov_out, done_days FROM " t                    \
    " WHERE " OFFICE_IN("office_path") " AND own = " own " AND month < ?"
#define COUNTS_OF(t) ROWS_OF(t, "0 AND unit_id = ?") " UNION ALL " ROWS_OF(t, "1 AND ? = 1")
    struct stmt *st =
        db_query(c->db, COUNTS_OF("figure_counts") " UNION ALL " COUNTS_OF("figure_count_deltas"), DB_OFFICES(home),
                 DB_INT(scope_id), DB_TEXT(until), DB_OFFICES(home), DB_INT(units), DB_TEXT(until), DB_OFFICES(home),
                 DB_INT(scope_id), DB_TEXT(until), DB_OFFICES(home), DB_INT(units), DB_TEXT(until));
#undef COUNTS_OF
#undef ROWS_OF
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计督查督办数据");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const char *m = stmt_text(st, 2);
        int b = m && strcmp(m, first) >= 0 ? atoi(m + 5) : 0; /* bucket 0: the months before the year */
        if (b < 0 || b >= M_BUCKETS)
            continue;
        struct month_acc *a = &r->total;
        if (stmt_int(st, 0))
            a = month_acc_of(r, stmt_int(st, 1)); /* a unit's own tracks (kept if the unit is of the scope) */
        for (int k = 0; k < M__N; k++)
            a->v[b][k] += stmt_int(st, 3 + k);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "统计督查督办数据");
    return r->n ? months_units(r, scope, upper) : ERR_OK;
}

static int month_path_cmp(const void *x, const void *y)
{
    return strcmp(((const struct month_acc *)x)->u.path, ((const struct month_acc *)y)->u.path);
}

/* The figures of months [a, b] (overdue: at the end of month b, every month up to it) into v; returns what was
 * registered by then (a unit has a row once it has a track of an item assigned by the period's end, as in the
 * recount). */
static int64_t months_sum(const struct month_acc *x, int a, int b, int64_t v[M__N])
{
    int64_t reg = 0;
    memset(v, 0, sizeof(int64_t) * M__N);
    for (int m = 0; m <= b; m++) {
        reg += x->v[m][M_REG];
        v[M_OV] += x->v[m][M_OV];
        for (int k = M_REG; m >= a && k <= M_DAYS; k++)
            v[k] += k == M_OV ? 0 : x->v[m][k];
    }
    return reg;
}

static json_t *months_json(const int64_t v[M__N])
{
    json_t *o = json_pack("{sI sI sI sI}", "registered", (json_int_t)v[M_REG], "completed", (json_int_t)v[M_DONE],
                          "completed_on_time", (json_int_t)v[M_OT], "overdue", (json_int_t)v[M_OV]);
    completion_days(o, v[M_DAYS], v[M_DONE]);
    return o;
}

/* The counters of the offices and the scope [scope, upper) for the months of a year in r (with units, each unit's
 * buckets too, in path order): the kept counters up to the current month, this month's days up to today from one
 * scan of its items. */
static enum err months_gather(struct ctx *c, const struct offices *offices, const char *scope, const char *upper,
                              bool with_units, int year, struct month_run *r)
{
    char today[11];
    result_today(c, today);
    int64_t t = day_of(today);
    /* the counters up to the current month (excluded: scanned up to today) or the whole year */
    struct prefix now;
    prefix_init(&now, t);
    bool scan = atoi(today) == year && now.scan;
    char until[8];
    if (scan)
        snprintf(until, sizeof until, "%s", now.cm);
    else
        snprintf(until, sizeof until, "%04d-13", year);
    *r = (struct month_run){.c = c};
    enum err e = months_read(r, offices, year, until, scope, upper, with_units);
    if (!e && scan) {
        /* this month's days up to today: one scan of the items, into this month's bucket */
        struct fig_run f = {.c = c, .home = offices, .scope = scope, .upper = upper};
        int b = atoi(today + 5);
        e = scan_days(&f, &now, 1u << F_REG_TO | 1u << F_DONE_TO | 1u << F_OT_TO | 1u << F_OV);
        for (int i = -1; !e && i < (with_units ? f.n : 0); i++) {
            const struct fig_acc *x = i < 0 ? &f.total : &f.units[i];
            struct month_acc *a = i < 0 ? &r->total : month_acc_of(r, x->u.unit_id);
            if (i >= 0 && !a->u.path)
                a->u = x->u; /* a unit the counters did not show (its first item this month): the scan named it */
            a->v[b][M_REG] += x->v[F_REG_TO];
            a->v[b][M_DONE] += x->v[F_DONE_TO];
            a->v[b][M_OT] += x->v[F_OT_TO];
            a->v[b][M_OV] += x->v[F_OV];
            a->v[b][M_DAYS] += x->days;
        }
    }
    if (!e && r->n)
        qsort(r->units, (size_t)r->n, sizeof *r->units, month_path_cmp);
    return e;
}

/* One unit's row of a period: its figures, its place in path order. */
struct month_row {
    int64_t v[M__N];
    int i;
};

/* The bulletin's order: most overdue first, then most registered, then the units' path order. */
static int month_row_cmp(const void *pa, const void *pb)
{
    const struct month_row *a = pa, *b = pb;
    int64_t d = b->v[M_OV] - a->v[M_OV];
    if (!d)
        d = b->v[M_REG] - a->v[M_REG];
    if (!d)
        d = a->i - b->i;
    return d < 0 ? -1 : d > 0;
}

/* The rows of the units of months [a, b] that have any (registered by then) into rows (room for r->n), in the
 * bulletin's order; returns how many. */
static int months_rows(const struct month_run *r, int a, int b, struct month_row *rows)
{
    int n = 0;
    for (int i = 0; i < r->n; i++) {
        rows[n].i = i;
        if (months_sum(&r->units[i], a, b, rows[n].v) > 0)
            n++;
    }
    qsort(rows, (size_t)n, sizeof *rows, month_row_cmp);
    return n;
}

/* [{totals, units}] of the periods from the counters (months_gather): the trend's totals, or with units each unit's
 * row too. */
static json_t *months_count_json(struct ctx *c, const struct month_run *r, int n, const int *first, const int *last)
{
    json_t *arr = json_array();
    struct month_row *rows = arena_alloc(c->arena, sizeof *rows * (size_t)(r->n ? r->n : 1));
    for (int k = 0; k < n; k++) {
        json_t *units = json_array();
        int nr = months_rows(r, first[k], last[k], rows);
        for (int j = 0; j < nr; j++) {
            const struct unit_ref *u = &r->units[rows[j].i].u;
            json_t *row = months_json(rows[j].v);
            json_object_set_new(row, "unit_id", json_integer(u->unit_id));
            json_object_set_new(row, "code", json_string(u->code));
            json_object_set_new(row, "name", json_string(u->name));
            json_array_append_new(units, row);
        }
        int64_t v[M__N];
        months_sum(&r->total, first[k], last[k], v);
        json_t *tot = months_json(v);
        json_object_set_new(tot, "on_time_rate",
                            v[M_DONE] ? json_integer((v[M_OT] * 100 + v[M_DONE] / 2) / v[M_DONE]) : json_null());
        json_array_append_new(arr, json_pack("{so so}", "totals", tot, "units", units));
    }
    return arr;
}

/* The figures of n periods of whole months of a year (first[k]…last[k]; none after the day `end`, the last counted up
 * to it): from one read of the kept counters when they are usable (months_gather), else each period counted as a
 * bulletin counts it. [{totals, units}]; the units only with with_units. */
static enum err periods_count(struct ctx *c, const char *home, bool below, const char *scope, bool with_units, int year,
                              int n, const int *first, const int *last, const char *end, json_t **out)
{
    struct offices offices = {home, below ? perm_path_upper(c->arena, home) : arena_printf(c->arena, "%s0", home),
                              below};
    if (ledger_figs_usable(c)) {
        struct month_run r;
        enum err e = months_gather(c, &offices, scope, perm_path_upper(c->arena, scope), with_units, year, &r);
        if (!e)
            *out = months_count_json(c, &r, n, first, last);
        return e;
    }
    enum err e = ERR_OK;
    *out = json_array();
    for (int k = 0; k < n && !e; k++) {
        char from[11], upto[11];
        int64_t lo = cal_days_from_civil(year, (unsigned)first[k], 1);
        cal_format_date(lo, from);
        cal_format_date(cal_add_months(lo, last[k] - first[k] + 1) - 1, upto);
        json_t *fig = NULL;
        if (!(e = count(c, home, below, scope, from, strcmp(upto, end) < 0 ? upto : end, false, NULL, &fig)))
            json_array_append_new(*out, fig);
    }
    if (e) {
        json_decref(*out);
        *out = NULL;
    }
    return e;
}

/* ---- the statistics' periods written straight into the reply (jsonw): a county's page of 13 periods of some 30
 * units each was 31 M instructions through jansson trees (built, copied, dumped, freed: 70 %), 7.7 M the read ---- */

struct months {
    struct month_run r;     /* from the kept counters */
    struct month_row *rows; /* room for a period's rows */
    const int *first, *last;
    /* without usable counters: each period's totals and units as bulletin_figures counts them, as JSON text */
    const char **totals, **units;
    bool with_units; /* false: the totals only, "units" written [] */
};

enum err bulletin_months_count(struct ctx *c, const char *home, int year, int n, const int *first, const int *last,
                               bool units, struct months **out)
{
    struct months *m = arena_alloc(c->arena, sizeof *m);
    memset(m, 0, sizeof *m);
    m->first = first;
    m->last = last;
    m->with_units = units;
    struct offices offices = {home, arena_printf(c->arena, "%s0", home), false};
    enum err e;
    if (ledger_figs_usable(c)) {
        e = months_gather(c, &offices, home, perm_path_upper(c->arena, home), units, year, &m->r);
        m->rows = arena_alloc(c->arena, sizeof *m->rows * (size_t)(m->r.n ? m->r.n : 1));
    } else {
        char today[11];
        result_today(c, today);
        json_t *figs = NULL;
        e = periods_count(c, home, false, home, true, year, n, first, last, today, &figs);
        m->totals = arena_alloc(c->arena, sizeof *m->totals * (size_t)n);
        m->units = arena_alloc(c->arena, sizeof *m->units * (size_t)n);
        for (int k = 0; !e && k < n; k++) {
            json_t *fig = json_array_get(figs, (size_t)k), *u;
            json_t *tot = json_object_get(fig, "totals"), *ua = json_object_get(fig, "units");
            size_t i;
            json_array_foreach(ua, i, u)
            {
                json_int_t done = json_integer_value(json_object_get(u, "completed"));
                json_object_set_new(
                    u, "on_time_rate",
                    done ? json_integer((json_integer_value(json_object_get(u, "completed_on_time")) * 100 + done / 2) /
                                        done)
                         : json_null());
            }
            char *t = json_dumps(tot, JSON_COMPACT), *us = json_dumps(ua, JSON_COMPACT);
            m->totals[k] = arena_strdup(c->arena, t ? t : "{}");
            m->units[k] = arena_strdup(c->arena, us && m->with_units ? us : "[]");
            free(t);
            free(us);
        }
        json_decref(figs);
    }
    if (e)
        return e;
    *out = m;
    return ERR_OK;
}

/* A period's figures: the four counts, the days to complete, the on-time rate. */
static void months_write_figs(struct jw *w, const int64_t v[M__N])
{
    jw_qkint(w, JW_K("registered"), v[M_REG]);
    jw_qkint(w, JW_K("completed"), v[M_DONE]);
    jw_qkint(w, JW_K("completed_on_time"), v[M_OT]);
    jw_qkint(w, JW_K("overdue"), v[M_OV]);
    jw_qkint(w, JW_K("completed_days"), v[M_DAYS]);
    jw_qkey(w, JW_K("average_days"));
    if (v[M_DONE] > 0 && v[M_DAYS] >= 0)
        jw_tenths(w, (v[M_DAYS] * 20 + v[M_DONE]) / (2 * v[M_DONE]));
    else
        jw_null(w);
    jw_qkey(w, JW_K("on_time_rate"));
    if (v[M_DONE])
        jw_int(w, (v[M_OT] * 100 + v[M_DONE] / 2) / v[M_DONE]);
    else
        jw_null(w);
}

void bulletin_months_write(struct jw *w, const struct months *m, int k)
{
    if (m->totals) {
        jw_qkey(w, JW_K("totals"));
        jw_raw(w, m->totals[k], strlen(m->totals[k]));
        jw_qkey(w, JW_K("units"));
        jw_raw(w, m->units[k], strlen(m->units[k]));
        return;
    }
    int64_t v[M__N];
    months_sum(&m->r.total, m->first[k], m->last[k], v);
    jw_qkey(w, JW_K("totals"));
    jw_obj(w);
    months_write_figs(w, v);
    jw_end_obj(w);
    jw_qkey(w, JW_K("units"));
    jw_arr(w);
    int nr = m->with_units ? months_rows(&m->r, m->first[k], m->last[k], m->rows) : 0;
    for (int j = 0; j < nr; j++) {
        const struct unit_ref *u = &m->r.units[m->rows[j].i].u;
        jw_obj(w);
        months_write_figs(w, m->rows[j].v);
        jw_qkint(w, JW_K("unit_id"), u->unit_id);
        jw_qkstr(w, JW_K("code"), u->code);
        jw_qkstr(w, JW_K("name"), u->name);
        jw_end_obj(w);
    }
    jw_end_arr(w);
}

/* The trend (各月情况, the bulletin's line chart): the bulletin's totals for each whole month of its year from
 * January to the month of the period's end (the current month up to today; none after it) — registered and
 * completed in the month, overdue at its end — counted as the statistics count them (periods_count).
 * [{month, label, registered, completed, completed_on_time, overdue}]. */
static enum err trend(struct ctx *c, const char *home, bool below, const char *scope, const char *to, json_t **out)
{
    char today[11];
    result_today(c, today);
    const char *end = strcmp(to, today) < 0 ? to : today;
    int year = atoi(end), months = atoi(end + 5), first[12] = {0}, last[12] = {0};
    if (months < 1 || months > 12)
        return ctx_fail(c, ERR_INTERNAL, "统计通报数据：日期 %s 无效", end);
    for (int k = 0; k < months; k++)
        first[k] = last[k] = k + 1;
    json_t *figs = NULL;
    enum err e = periods_count(c, home, below, scope, false, year, months, first, last, end, &figs);
    if (e)
        return e;
    json_t *rows = json_array();
    for (int k = 0; k < months; k++) {
        const json_t *t = json_object_get(json_array_get(figs, (size_t)k), "totals");
        json_array_append_new(
            rows, json_pack("{ss ss sO sO sO sO}", "month", arena_printf(c->arena, "%04d-%02d", year, k + 1), "label",
                            arena_printf(c->arena, "%d月", k + 1), "registered", json_object_get(t, "registered"),
                            "completed", json_object_get(t, "completed"), "completed_on_time",
                            json_object_get(t, "completed_on_time"), "overdue", json_object_get(t, "overdue")));
    }
    json_decref(figs);
    *out = rows;
    return ERR_OK;
}

/* 本级及下级: the roll-up per government at every level. Each issuing office's figures (by_office, from the bulletin's
 * own count: each item once, under its office) go to the nearest government at or above the office (a department
 * that broke an item down counts with its government); a government's row is its own (本级) plus everything below it.
 * The rows: the home's own (level `own`), then each government right below it (level `below`, a province's cities)
 * with, when a government below it has items too, `governments`: the same rows one level down (the city's own, its
 * counties …). The rows of each list add up to the figures of the row above (the first list's to the totals). Rows
 * with nothing are left out. One read of the subtree's governments; nothing counted again. */
struct gov {
    int64_t id, sort;
    const char *name, *path;
    int parent;                /* the nearest government above (index), -1 for the home */
    bool deeper;               /* a government right below it has items */
    json_int_t own[4], sub[4]; /* registered, completed, on time, overdue */
};
/* The rows' order: the units' sort, then the path. */
struct gov_ord {
    int64_t sort;
    const char *path;
    int i;
};
static const char *const gov_keys[] = {"registered", "completed", "completed_on_time", "overdue"};

static int gov_path_cmp(const void *x, const void *y)
{
    return strcmp(((const struct gov *)x)->path, ((const struct gov *)y)->path);
}

/* The government whose path is the longest prefix of path (one of the first n of g, sorted by path), or -1. */
static int gov_nearest(const struct gov *g, int n, const char *path, size_t len)
{
    char key[512];
    for (; len > 1; len--) {
        if (path[len - 1] != '/' || len >= sizeof key)
            continue;
        memcpy(key, path, len);
        key[len] = 0;
        struct gov probe = {.path = key};
        const struct gov *hit = bsearch(&probe, g, (size_t)n, sizeof *g, gov_path_cmp);
        if (hit)
            return (int)(hit - g);
    }
    return -1;
}

static bool gov_any(const json_int_t v[4])
{
    return v[0] || v[1] || v[3];
}

static json_t *gov_row(const struct gov *g, const char *level, const json_int_t v[4])
{
    json_t *row = json_pack("{sI ss ss}", "unit_id", (json_int_t)g->id, "name", g->name, "level", level);
    for (int k = 0; k < 4; k++)
        json_object_set_new(row, gov_keys[k], json_integer(v[k]));
    return row;
}

/* The rows under government i: its own, then each government right below it with its subtree. */
static json_t *gov_rows(const struct gov *g, const struct gov_ord *order, int n, int i)
{
    json_t *rows = json_array();
    if (gov_any(g[i].own))
        json_array_append_new(rows, gov_row(&g[i], "own", g[i].own));
    for (int k = 0; k < n; k++) {
        const struct gov *x = &g[order[k].i];
        if (x->parent != i || !gov_any(x->sub))
            continue;
        json_t *row = gov_row(x, "below", x->sub);
        if (x->deeper)
            json_object_set_new(row, "governments", gov_rows(g, order, n, order[k].i));
        json_array_append_new(rows, row);
    }
    return rows;
}

static int gov_order_cmp(const void *x, const void *y)
{
    const struct gov_ord *a = x, *b = y;
    return a->sort != b->sort ? (a->sort > b->sort) - (a->sort < b->sort) : strcmp(a->path, b->path);
}

static enum err governments(struct ctx *c, const char *home, const json_t *by_office, json_t **out)
{
    struct stmt *st = db_query(c->db,
                               "SELECT id, name, path, sort FROM units WHERE path >= ? AND path < ? "
                               "AND (kind = 'government' OR path = ?)",
                               DB_TEXT(home), DB_TEXT(perm_path_upper(c->arena, home)), DB_TEXT(home));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取下级政府");
    int n = 0, cap = 0, rc;
    struct gov *g = NULL;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        g = res_grow(c, g, n, &cap, sizeof *g, 16);
        g[n++] =
            (struct gov){stmt_int(st, 0), stmt_int(st, 3), res_col(c, st, 1), res_col(c, st, 2), -1, false, {0}, {0}};
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取下级政府");
    if (!n)
        return ctx_fail(c, ERR_INTERNAL, "读取政府失败");
    qsort(g, (size_t)n, sizeof *g, gov_path_cmp); /* bytewise: the home first, each government before those below */
    for (int i = 1; i < n; i++)
        g[i].parent = gov_nearest(g, i, g[i].path, strlen(g[i].path) - 1);
    const char *path;
    json_t *f;
    json_object_foreach((json_t *)by_office, path, f)
    {
        int i = gov_nearest(g, n, path, strlen(path));
        if (i < 0)
            i = 0; /* not below a government of the subtree: the home's own */
        for (int k = 0; k < 4; k++)
            g[i].own[k] += json_integer_value(json_object_get(f, gov_keys[k]));
    }
    for (int i = 0; i < n; i++)
        memcpy(g[i].sub, g[i].own, sizeof g[i].sub);
    for (int i = n - 1; i > 0; i--)
        if (g[i].parent >= 0) {
            for (int k = 0; k < 4; k++)
                g[g[i].parent].sub[k] += g[i].sub[k];
            g[g[i].parent].deeper |= gov_any(g[i].sub);
        }
    struct gov_ord *order = arena_alloc(c->arena, sizeof *order * (size_t)n);
    for (int i = 0; i < n; i++)
        order[i] = (struct gov_ord){g[i].sort, g[i].path, i};
    qsort(order, (size_t)n, sizeof *order, gov_order_cmp);
    *out = gov_rows(g, order, n, 0);
    return ERR_OK;
}

enum err bulletin_count_all(struct ctx *c, const char *home, bool below, const char *scope, const char *from,
                            const char *to, bool warnings, json_t **out)
{
    json_t *w = NULL, *govs = NULL, *months = NULL, *by_office = below ? json_object() : NULL;
    enum err e = count(c, home, below, scope, from, to, true, by_office, out);
    if (!e && below) {
        if ((e = governments(c, home, by_office, &govs))) {
            json_decref(*out);
            *out = NULL;
        } else
            json_object_set_new(*out, "governments", govs);
    }
    if (!e) {
        if ((e = trend(c, home, below, scope, to, &months))) {
            json_decref(*out);
            *out = NULL;
        } else
            json_object_set_new(*out, "months", months);
    }
    json_decref(by_office);
    if (e || !warnings)
        return e;
    if ((e = warnings_by_unit(c, home, below, scope, &w))) {
        json_decref(*out);
        *out = NULL;
        return e;
    }
    json_object_set_new(*out, "warnings", w);
    return ERR_OK;
}

/* ---- what changed ---- */

struct figure_name {
    const char *key, *label, *unit; /* unit: 件, 项, 次 */
};
static const struct figure_name figure_names[] = {{"registered", "交办", "件"},
                                                  {"completed", "办结", "件"},
                                                  {"completed_on_time", "按期办结", "件"},
                                                  {"overdue", "超期未办结", "件"},
                                                  {NULL, NULL, NULL}};
static const struct figure_name rect_names[] = {
    {"inspections", "反馈问题的督查", "次"},    {"assigned", "期内交办的整改任务", "项"}, {"tasks", "整改任务", "项"},
    {"verified", "已核查销号的整改任务", "项"}, {"overdue", "超期未整改的任务", "项"},    {NULL, NULL, NULL}};

static const struct figure_name criticism_names[] = {{"criticisms", "限期整改的通报批评", "件"},
                                                     {"reported", "已报送整改情况的通报批评", "件"},
                                                     {"late", "超过整改时限报送整改情况的通报批评", "件"},
                                                     {"accepted", "整改情况已审核通过的通报批评", "件"},
                                                     {"overdue", "逾期未报送整改情况的通报批评", "件"},
                                                     {"overdue_workdays", "通报批评整改最长逾期", "个工作日"},
                                                     {NULL, NULL, NULL}};
static const struct figure_name finding_names[] = {{"findings", "督查发现问题", "项"},
                                                   {"verified", "已整改销号的问题", "项"},
                                                   {"overdue", "超期未整改的问题", "项"},
                                                   {NULL, NULL, NULL}};

static json_int_t num(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* Appends "<who><figure>由 a 件变为 b 件" for each figure of names that differs. */
static const char *diff_counts(struct ctx *c, const char *acc, int *n, const char *who, const struct figure_name *names,
                               const json_t *a, const json_t *b)
{
    for (const struct figure_name *f = names; f->key; f++) {
        json_int_t x = num(a, f->key), y = num(b, f->key);
        if (x != y && (*n)++ < 6)
            acc = arena_printf(c->arena, "%s%s%s%s由 %lld %s变为 %lld %s", acc, *acc ? "；" : "", who, f->label,
                               (long long)x, f->unit, (long long)y, f->unit);
    }
    return acc;
}

static const json_t *unit_in(const json_t *units, json_int_t id)
{
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u) if (num(u, "unit_id") == id) return u;
    return NULL;
}

/* diff_counts for each unit of the rows wu (then) and nu (now), matched by unit_id; a unit in one only is
 * compared with none (every figure 0). who: prefix + the unit's name_key. */
static const char *diff_units(struct ctx *c, const char *acc, int *n, const char *prefix, const char *name_key,
                              const struct figure_name *names, const json_t *wu, const json_t *nu, const json_t *none)
{
    size_t i;
    json_t *u;
    json_array_foreach(nu, i, u)
    {
        const json_t *o = unit_in(wu, num(u, "unit_id"));
        acc = diff_counts(c, acc, n,
                          arena_printf(c->arena, "%s%s", prefix, json_string_value(json_object_get(u, name_key))),
                          names, o ? o : none, u);
    }
    json_array_foreach(wu, i, u) if (!unit_in(nu, num(u, "unit_id"))) acc =
        diff_counts(c, acc, n, arena_printf(c->arena, "%s%s", prefix, json_string_value(json_object_get(u, name_key))),
                    names, u, none);
    return acc;
}

/* The line chart's months (figures.months: 各月情况, matched by month): "2025年3月当月交办由 a 件变为 b 件" for each
 * figure that differs; a draft counted before the months were (none kept) says so. */
static const char *diff_months(struct ctx *c, const char *acc, int *n, const json_t *wm, const json_t *nm,
                               const json_t *none)
{
    static const struct figure_name names[] = {{"registered", "当月交办", "件"},
                                               {"completed", "当月办结", "件"},
                                               {"completed_on_time", "当月按期办结", "件"},
                                               {"overdue", "月末超期未办结", "件"},
                                               {NULL, NULL, NULL}};
    if (!wm && nm) {
        (*n)++;
        return arena_printf(c->arena, "%s%s各月督办事项办理情况尚未统计", acc, *acc ? "；" : "");
    }
    size_t i, k;
    json_t *m, *w;
    json_array_foreach(nm, i, m)
    {
        const char *key = json_string_value(json_object_get(m, "month"));
        const json_t *then = none;
        json_array_foreach(wm, k, w) if (key && json_equal(json_object_get(w, "month"), json_object_get(m, "month")))
            then = w;
        acc = diff_counts(c, acc, n, key ? arena_printf(c->arena, "%d年%d月", atoi(key), atoi(key + 5)) : "", names,
                          then, m);
    }
    return acc;
}

const char *bulletin_figures_diff(struct ctx *c, const json_t *was, const json_t *now)
{
    if (json_equal((json_t *)was, (json_t *)now))
        return NULL;
    int n = 0;
    const char *acc = "";
    const char *a0 = json_string_value(json_object_get(was, "as_of")),
               *a1 = json_string_value(json_object_get(now, "as_of"));
    if (!a0 || !a1 || strcmp(a0, a1))
        acc = arena_printf(c->arena, "统计截止日由 %s 变为 %s", a0 ? a0 : "", a1 ? a1 : "");
    acc = diff_counts(c, acc, &n, "合计", figure_names, json_object_get(was, "totals"), json_object_get(now, "totals"));
    acc = diff_counts(c, acc, &n, "", rect_names, json_object_get(was, "rectification"),
                      json_object_get(now, "rectification"));
    const json_t *wc = json_object_get(json_object_get(was, "rectification"), "criticisms"),
                 *nc = json_object_get(json_object_get(now, "rectification"), "criticisms");
    acc = diff_counts(c, acc, &n, "", criticism_names, wc, nc);
    json_t *none = json_object(); /* a unit without a row: every figure 0 */
    acc = diff_units(c, acc, &n, "", "name", figure_names, json_object_get(was, "units"), json_object_get(now, "units"),
                     none);
    /* the inspections' findings per unit */
    acc = diff_units(c, acc, &n, "", "name", finding_names,
                     json_object_get(json_object_get(was, "rectification"), "units"),
                     json_object_get(json_object_get(now, "rectification"), "units"), none);
    acc = diff_units(c, acc, &n, "", "name", criticism_names, json_object_get(wc, "units"),
                     json_object_get(nc, "units"), none);
    acc = diff_months(c, acc, &n, json_object_get(was, "months"), json_object_get(now, "months"), none);
    /* the section 预警提示: its total and each unit's items at risk (kept or dropped: recounted as it was) */
    const json_t *ww = json_object_get(was, "warnings"), *nw = json_object_get(now, "warnings");
    static const struct figure_name warn_names[] = {{"items", "预警事项", "件"}, {NULL, NULL, NULL}};
    if (ww || nw) {
        acc = diff_counts(c, acc, &n, "预警提示中合计", warn_names, ww ? ww : none, nw ? nw : none);
        acc = diff_units(c, acc, &n, "预警提示中", "unit_name", warn_names, json_object_get(ww, "units"),
                         json_object_get(nw, "units"), none);
    }
    json_decref(none);
    if (!*acc)
        acc = "超期事项清单或督查发现问题清单有变化";
    return arena_printf(c->arena, "%s%s", acc, n > 6 ? "等" : "");
}

/* ---- words ---- */

const char *bulletin_period_words(struct ctx *c, const char *from, const char *to)
{
    int y1, y2;
    unsigned m1, d1, m2, d2;
    cal_civil_from_days(day_of(from), &y1, &m1, &d1);
    cal_civil_from_days(day_of(to), &y2, &m2, &d2);
    unsigned last = 0;
    int yy;
    unsigned mm;
    cal_civil_from_days(cal_add_months(cal_days_from_civil(y2, m2, 1), 1) - 1, &yy, &mm, &last);
    bool whole_end = d2 == last, same_year = y1 == y2;
    if (same_year && d1 == 1 && whole_end) {
        if (m1 == 1 && m2 == 12)
            return arena_printf(c->arena, "%d年", y1);
        if (m1 == m2)
            return arena_printf(c->arena, "%d年%u月", y1, m1);
        if (m1 % 3 == 1 && m2 == m1 + 2)
            return arena_printf(c->arena, "%d年第%s季度", y1, (const char *[]){"一", "二", "三", "四"}[m1 / 3]);
        return arena_printf(c->arena, "%d年%u月至%u月", y1, m1, m2);
    }
    if (same_year)
        return arena_printf(c->arena, "%d年%u月%u日至%u月%u日", y1, m1, d1, m2, d2);
    return arena_printf(c->arena, "%d年%u月%u日至%d年%u月%u日", y1, m1, d1, y2, m2, d2);
}

void bulletin_words(struct ctx *c, enum bulletin_kind kind, const char *gov_name, const char *scope_name,
                    const json_t *f, const char **title, const char **addressees, const char **intro,
                    const char **remarks)
{
    const char *period = bulletin_period_words(c, json_string_value(json_object_get(f, "from")),
                                               json_string_value(json_object_get(f, "to")));
    bool overdue = num(json_object_get(f, "totals"), "overdue") > 0;
    switch (kind) {
    case BUL_KIND_SPECIAL: /* to the government's principal leaders */
        *title = arena_printf(c->arena, "关于%s督查督办情况的专报", period);
        *addressees = arena_printf(c->arena, "%s主要领导", gov_name);
        *intro = arena_printf(c->arena, "现将%s督查督办工作情况专报如下。", period);
        *remarks = arena_printf(c->arena, "%s政府督查室将继续跟踪督办，及时报告进展情况。",
                                overdue ? "建议对超期未办结事项较多的责任单位主要负责人进行约谈，督促限期办结；" : "");
        return;
    case BUL_KIND_BRIEFING: /* the office's newsletter to its distribution list */
        *title = arena_printf(c->arena, "%s督查督办工作情况", period);
        *addressees = arena_printf(c->arena, "%s所属各单位", scope_name);
        *intro = arena_printf(c->arena, "现将%s督查督办工作情况刊发如下。", period);
        *remarks = arena_printf(c->arena, "%s各单位要对照本期简报，查漏补缺，按期推进督办事项。",
                                overdue ? "超期未办结事项的责任单位要抓紧办理，及时报送进展情况。" : "");
        return;
    default:
        break;
    }
    *title = arena_printf(c->arena, "关于%s督查督办情况的通报", period);
    *addressees = arena_printf(c->arena, "%s所属各单位", scope_name);
    *intro = arena_printf(c->arena,
                          "为进一步压实工作责任，推动各项决策部署落地见效，根据督查督办工作有关规定，现将%s督查督办"
                          "工作情况通报如下。",
                          period);
    *remarks =
        arena_printf(c->arena,
                     "%s各单位要对照本通报，认真分析原因，压实工作责任，加快推进办理；超期未办结事项的责任单位要于5个"
                     "工作日内书面说明原因，提出整改措施和办结时限，报政府督查室。对整改不力、再次超期的，将按规定约谈"
                     "单位主要负责人，并纳入年度目标责任考评。",
                     overdue ? "" : "本期各单位均按期推进督办事项，希望继续保持。");
}
