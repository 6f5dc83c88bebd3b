/*
 * score_card.c: a scorecard (目标责任考评结果) — the year-end scoring of the units of one government,
 * counted from the data under the government's rule table for the year (score_rules.c). Every point is a
 * line naming its rule and what it rests on (the item, the timeline event, the issued record); a line the
 * office cannot see the cause of does not exist. An approved error-tolerance decision (容错认定, a result
 * of kind tolerance, issued) covering an item waives the deductions of that item for its unit: the line
 * stays, at 0, naming the decision. The office adjusts a draft with reasons (an adjustment, or the count
 * of a rule entered by hand); the card's totals are base + lines + adjustments, and ranks are kept per
 * card and per kind of unit (department, township).
 *
 * Who sees what: readers of items at the government (its office and leaders) see every card of it;
 * a unit sees the card once issued, and only its own row and lines (404 for the others, and before).
 *
 * The units scored: the government's departments and townships (its children of those kinds); an item
 * counts for a unit when the unit, or one below it, is among its responsible units.
 */
#include "results/results_internal.h"

#include "audit/audit.h"
#include "base/buf.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "calendar/calendar.h"
#include "core/hooks.h"
#include "core/unit_up.h"
#include "evaluations/evaluations.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const struct res_table scorecard_table = {&scorecard_workflow, "scorecards", "scorecard_events", "scorecard_id"};

const struct jv_field scorecards_create_spec[] = {
    {"year", JV_INT, JV_REQUIRED, 2000, 2100, "考评年度"},
    {"title", JV_STRING, 0, 1, 200, "标题"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field scorecards_update_spec[] = {
    {"title", JV_STRING, 0, 1, 200, "标题"},
    {"refresh", JV_BOOL, 0, 0, 0, "重新计算"},
    {"version", JV_INT, 0, 0, 0, "版本"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field scorecards_adjust_spec[] = {
    {"unit_id", JV_INT, JV_REQUIRED, 1, INT64_MAX, "单位"},
    {"points", JV_INT, 0, -100, 100, "调整分值"},
    {"rule", JV_STRING, 0, 1, 60, "细则代码"},
    {"count", JV_INT, 0, 0, 1000, "次数"},
    {"reason", JV_STRING, JV_REQUIRED, 1, 2000, "调整理由"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* ---- the computation ---- */

struct sc_unit {
    int64_t id;
    const char *path, *code, *name, *kind;
    json_t *lines; /* owned */
    int64_t sum;   /* tenths: the lines */
    int64_t last;  /* the item or event last counted for it in the pass (two of its own tracks count once) */
};

struct sc_waiver {
    int64_t unit_id, item_id, result_id;
    const char *number, *title;
};

struct sc_run {
    struct ctx *c;
    const char *home;
    const struct score_table *t;
    struct sc_unit *u;
    int nu;
    struct sc_waiver *w;
    int nw;
    const char *y0_b, *y1_b, *as_of, *as_of_b; /* [Jan 1, Jan 1 next) as instants; the day counted to */
    char from[11], to[11];
};

static int unit_by_id(const void *a, const void *b)
{
    int64_t x = ((const struct sc_unit *)a)->id, y = ((const struct sc_unit *)b)->id;
    return x < y ? -1 : x > y;
}

/* The scored unit a path lies in (the unit itself or one below it), or NULL. */
static struct sc_unit *unit_of(struct sc_run *r, const char *path)
{
    size_t n = strlen(r->home);
    if (!path || strncmp(path, r->home, n))
        return NULL;
    struct sc_unit key = {.id = strtoll(path + n, NULL, 10)};
    return r->nu ? bsearch(&key, r->u, (size_t)r->nu, sizeof *r->u, unit_by_id) : NULL; /* no array: none read */
}

/* The unit of path for the row keyed key of a pass (rows in key order), or NULL when there is none or the
 * unit counted that key already (an item whose tracks include two units inside the unit scored). */
static struct sc_unit *unit_once(struct sc_run *r, const char *path, int64_t key)
{
    struct sc_unit *u = unit_of(r, path);
    if (!u || u->last == key)
        return NULL;
    u->last = key;
    return u;
}

static void pass_begin(struct sc_run *r)
{
    for (int i = 0; i < r->nu; i++)
        r->u[i].last = 0;
}

static const char *instant_at(struct ctx *c, int64_t day)
{
    char *iso = arena_alloc(c->arena, 21);
    time_format_iso(time_local_instant(day, 0), iso);
    return iso;
}

static void local_date(const char *iso, char out[11])
{
    int64_t t;
    out[0] = 0;
    if (iso && time_parse_iso(iso, &t))
        cal_format_date(time_local_day(t), out);
}

/* Adds a line for unit u under rule code (its points times count, weighted for a major item), waived
 * when a deduction falls on an item a tolerance decision covers for that unit. */
static void add_line(struct sc_run *r, struct sc_unit *u, const char *code, int64_t item, const char *importance,
                     int64_t result, const char *ref, const char *what, const char *at)
{
    const struct score_rule *rule = score_rule_find(r->t, code);
    if (!u || !rule || !rule->enabled)
        return;
    int64_t pts = (int64_t)rule->points * 10;
    if (rule->weighted && importance && !strcmp(importance, "major"))
        pts = pts * r->t->weight_major / 100;
    json_t *line = json_pack("{ss sI sI}", "rule", code, "points", (json_int_t)pts, "rule_points", (json_int_t)pts);
    json_object_set_new(line, "item_id", item ? json_integer(item) : json_null());
    json_object_set_new(line, "result_id", result ? json_integer(result) : json_null());
    json_object_set_new(line, "ref", json_string(ref ? ref : ""));
    json_object_set_new(line, "what", json_string(what ? what : ""));
    json_object_set_new(line, "at", at && *at ? json_string(at) : json_null());
    json_object_set_new(line, "waived_by", json_null());
    json_object_set_new(line, "note", json_string(""));
    for (int i = 0; pts < 0 && item && i < r->nw; i++)
        if (r->w[i].unit_id == u->id && r->w[i].item_id == item) {
            json_object_set_new(line, "points", json_integer(0));
            json_object_set_new(line, "waived_by", json_integer(r->w[i].result_id));
            json_object_set_new(line, "note",
                                json_string(arena_printf(r->c->arena, "经容错认定（%s《%s》），不扣分",
                                                         r->w[i].number ? r->w[i].number : "",
                                                         utf8_inner_title(r->c->arena, r->w[i].title))));
            pts = 0;
            break;
        }
    u->sum += pts;
    json_array_append_new(u->lines, line);
}

static enum err run_units(struct sc_run *r, int64_t home_unit_id)
{
    struct ctx *c = r->c;
    struct stmt *st = db_query(c->db,
                               "SELECT id, path, code, name, kind FROM units WHERE parent_id = ? "
                               "AND kind IN ('department', 'township') ORDER BY id",
                               DB_INT(home_unit_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取考评单位");
    int cap = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        r->u = arena_grow(c->arena, r->u, r->nu, &cap, sizeof *r->u);
        r->u[r->nu++] = (struct sc_unit){stmt_int(st, 0),
                                         res_col(c, st, 1),
                                         res_col(c, st, 2),
                                         res_col(c, st, 3),
                                         res_col(c, st, 4),
                                         json_array(),
                                         0};
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取考评单位") : ERR_OK;
}

/* The tolerance decisions issued for the government's units, with the items each covers. */
static enum err run_waivers(struct sc_run *r)
{
    struct ctx *c = r->c;
    struct stmt *st =
        db_query(c->db,
                 "SELECT r.unit_path, l.object_id, r.id, r.number, r.title FROM results r "
                 "JOIN result_links l ON l.result_id = r.id AND l.object_kind = 'item' "
                 "WHERE r.home_path = ? AND r.kind = 'tolerance' "
                 "AND r.state IN ('issued', 'held', 'closed', 'reviewing') AND r.issued_at < ? ORDER BY r.id",
                 DB_TEXT(r->home), DB_TEXT(r->as_of_b));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取容错认定");
    int cap = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        struct sc_unit *u = unit_of(r, stmt_text(st, 0));
        if (!u)
            continue;
        r->w = arena_grow(c->arena, r->w, r->nw, &cap, sizeof *r->w);
        r->w[r->nw++] =
            (struct sc_waiver){u->id, stmt_int(st, 1), stmt_int(st, 2), res_col(c, st, 3), res_col(c, st, 4)};
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取容错认定") : ERR_OK;
}

/* The items: completed in the year (on time or late; the grade), overdue at its end (or today). */
static enum err run_items(struct sc_run *r)
{
    struct ctx *c = r->c;
    struct stmt *st = db_query(
        c->db,
        "SELECT t.unit_path, i.id, i.number, i.title, i.importance, i.due_date, i.state, i.closed_at, i.grade "
        "FROM item_tracks t JOIN items i ON i.id = t.item_id WHERE i.office_path = ? AND i.state <> 'withdrawn' "
        "AND i.assigned_at IS NOT NULL AND i.assigned_at < ? AND t.unit_path > ? AND t.unit_path < ? "
        "AND ((i.state IN ('completed', 'archived') AND i.closed_at >= ? AND i.closed_at < ?) "
        "OR (i.due_date < ? AND i.state <> 'suspended' AND (i.closed_at IS NULL OR i.closed_at >= ?))) "
        "ORDER BY i.id",
        DB_TEXT(r->home), DB_TEXT(r->y1_b), DB_TEXT(r->home), DB_TEXT(perm_path_upper(c->arena, r->home)),
        DB_TEXT(r->y0_b), DB_TEXT(r->y1_b), DB_TEXT(r->as_of), DB_TEXT(r->as_of_b));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计督办事项");
    int rc;
    pass_begin(r);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        int64_t id = stmt_int(st, 1);
        struct sc_unit *u = unit_once(r, stmt_text(st, 0), id);
        if (!u)
            continue;
        const char *num = res_col(c, st, 2), *title = stmt_text(st, 3), *imp = stmt_text(st, 4);
        const char *due = stmt_text(st, 5), *closed_at = res_col(c, st, 7), *grade = res_col(c, st, 8);
        char closed[11] = "";
        local_date(closed_at, closed);
        bool done_in_year = closed_at && strcmp(closed_at, r->y0_b) >= 0 && strcmp(closed_at, r->y1_b) < 0 &&
                            (!strcmp(stmt_text(st, 6), "completed") || !strcmp(stmt_text(st, 6), "archived"));
        if (done_in_year) {
            bool on_time = strcmp(closed, due) <= 0;
            /* the dates in words, as the card's own (the lines read "期限 2026-12-01" beside 2026年12月1日) */
            const char *due_w = time_date_words(c->arena, due), *closed_w = time_date_words(c->arena, closed);
            add_line(r, u, on_time ? "on_time" : "late", id, imp, 0, num,
                     on_time ? arena_printf(c->arena, "%s（期限%s，%s办结）", title, due_w, closed_w)
                             : arena_printf(c->arena, "%s（期限%s，%s才办结）", title, due_w, closed_w),
                     closed);
            if (grade)
                add_line(r, u, arena_printf(c->arena, "grade:%s", grade), id, imp, 0, num,
                         arena_printf(c->arena, "%s（办结等次：%s）", title, grade), closed);
        } else {
            add_line(r, u, "overdue", id, imp, 0, num,
                     arena_printf(c->arena, "%s（期限%s，截至%s未办结）", title, time_date_words(c->arena, due),
                                  time_date_words(c->arena, r->as_of)),
                     due);
        }
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "统计督办事项") : ERR_OK;
}

/* The timeline: replies returned by the office, presses (催办) by the office or a leader — not the deadline
 * ladder's own steps (kind 'deadline'): they follow from the overdue item, which is deducted already. */
static enum err run_events(struct sc_run *r)
{
    struct ctx *c = r->c;
    struct stmt *st = db_query(
        c->db,
        "SELECT t.unit_path, t.unit_id, e.action, e.at, e.data, e.note, i.id, i.number, i.title, i.importance, e.id "
        "FROM item_events e JOIN items i ON i.id = e.item_id JOIN item_tracks t ON t.item_id = e.item_id "
        "WHERE i.office_path = ? AND i.state <> 'withdrawn' AND e.at >= ? AND e.at < ? "
        "AND t.unit_path > ? AND t.unit_path < ? "
        "AND ((e.action = 'return' AND e.from_state = 'completion_signed') OR (e.action = 'press' AND e.kind "
        "<> 'deadline')) ORDER BY e.id",
        DB_TEXT(r->home), DB_TEXT(r->y0_b), DB_TEXT(r->as_of_b), DB_TEXT(r->home),
        DB_TEXT(perm_path_upper(c->arena, r->home)));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计办理过程");
    int rc;
    pass_begin(r);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        bool press = !strcmp(stmt_text(st, 2), "press");
        if (press && !res_press_names(stmt_text(st, 4), stmt_int(st, 1)))
            continue;
        struct sc_unit *u = unit_once(r, stmt_text(st, 0), stmt_int(st, 10));
        if (!u)
            continue;
        char day[11];
        local_date(stmt_text(st, 3), day);
        const char *note = stmt_text(st, 5);
        add_line(r, u, press ? "pressed" : "returned", stmt_int(st, 6), stmt_text(st, 9), 0, res_col(c, st, 7),
                 arena_printf(c->arena, "%s（%s%s%s）", stmt_text(st, 8), press ? "被催办" : "办结答复被退回",
                              *note ? "：" : "", note),
                 day);
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "统计办理过程") : ERR_OK;
}

/* The issued records of the year: criticism, talks, praise. */
static enum err run_results(struct sc_run *r)
{
    struct ctx *c = r->c;
    struct stmt *st =
        db_query(c->db,
                 "SELECT r.unit_path, r.kind, r.id, r.number, r.title, r.issued_at FROM results r "
                 "WHERE r.home_path = ? AND r.kind IN ('criticism', 'talk', 'praise') "
                 "AND r.state IN ('issued', 'held', 'closed', 'reviewing') AND r.issued_at >= ? AND r.issued_at < ? "
                 "ORDER BY r.id",
                 DB_TEXT(r->home), DB_TEXT(r->y0_b), DB_TEXT(r->as_of_b));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计结果运用记录");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const char *kind = stmt_text(st, 1);
        const char *code = !strcmp(kind, "criticism") ? "criticised" : !strcmp(kind, "talk") ? "talked" : "praised";
        char day[11];
        local_date(stmt_text(st, 5), day);
        add_line(r, unit_of(r, stmt_text(st, 0)), code, 0, NULL, stmt_int(st, 2), res_col(c, st, 3), res_col(c, st, 4),
                 day);
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "统计结果运用记录") : ERR_OK;
}

/* The measures the 2024 rules forbid, counted only when switched on: leaders' instructions on the unit's
 * items, photos attached to its progress reports. */
static enum err run_forbidden(struct sc_run *r)
{
    struct ctx *c = r->c;
    const char *upper = perm_path_upper(c->arena, r->home);
    const struct score_rule *en = score_rule_find(r->t, "endorsement"), *ph = score_rule_find(r->t, "photos");
    int rc = STORE_DONE;
    if (en && en->enabled) {
        struct stmt *st =
            db_query(c->db,
                     "SELECT t.unit_path, i.id, i.number, i.title, n.leader_name, n.instructed_on, n.id "
                     "FROM item_instructions n JOIN items i ON i.id = n.item_id "
                     "JOIN item_tracks t ON t.item_id = i.id WHERE i.office_path = ? "
                     "AND n.kind = 'instruction' AND n.instructed_on >= ? AND n.instructed_on <= ? "
                     "AND t.unit_path > ? AND t.unit_path < ? ORDER BY n.id",
                     DB_TEXT(r->home), DB_TEXT(r->from), DB_TEXT(r->as_of), DB_TEXT(r->home), DB_TEXT(upper));
        if (!st)
            return ctx_db_fail(c, ERR_INTERNAL, "统计领导批示");
        pass_begin(r);
        while ((rc = stmt_step(st)) == STORE_ROW)
            add_line(r, unit_once(r, stmt_text(st, 0), stmt_int(st, 6)), "endorsement", stmt_int(st, 1), NULL, 0,
                     res_col(c, st, 2), arena_printf(c->arena, "%s（%s批示）", stmt_text(st, 3), stmt_text(st, 4)),
                     res_col(c, st, 5));
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "统计领导批示");
    }
    if (ph && ph->enabled) {
        struct stmt *st =
            db_query(c->db,
                     "SELECT t.unit_path, i.id, i.number, a.filename, a.created_at FROM attachments a "
                     "JOIN item_reports p ON p.id = a.report_id JOIN item_tracks t ON t.id = p.track_id "
                     "JOIN items i ON i.id = a.item_id WHERE i.office_path = ? "
                     "AND a.content_type LIKE 'image/%' AND a.created_at >= ? AND a.created_at < ? "
                     "AND t.unit_path > ? AND t.unit_path < ? ORDER BY a.id",
                     DB_TEXT(r->home), DB_TEXT(r->y0_b), DB_TEXT(r->as_of_b), DB_TEXT(r->home), DB_TEXT(upper));
        if (!st)
            return ctx_db_fail(c, ERR_INTERNAL, "统计照片");
        while ((rc = stmt_step(st)) == STORE_ROW) {
            char day[11];
            local_date(stmt_text(st, 4), day);
            add_line(r, unit_of(r, stmt_text(st, 0)), "photos", stmt_int(st, 1), NULL, 0, res_col(c, st, 2),
                     arena_printf(c->arena, "照片 %s", stmt_text(st, 3)), day);
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "统计照片");
    }
    return ERR_OK;
}

/* Counts every scored unit's lines for the year under table t; r->u (lines owned) on success. */
static enum err run(struct ctx *c, int64_t home_unit_id, const char *home, const struct score_table *t,
                    struct sc_run *r)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->home = home;
    r->t = t;
    snprintf(r->from, sizeof r->from, "%04d-01-01", t->year);
    snprintf(r->to, sizeof r->to, "%04d-12-31", t->year);
    char today[11];
    result_today(c, today);
    int64_t y0 = 0, y1 = 0, asof = 0;
    cal_parse_date(r->from, &y0);
    cal_parse_date(r->to, &y1);
    r->as_of = arena_strdup(c->arena, strcmp(today, r->to) < 0 ? today : r->to);
    cal_parse_date(r->as_of, &asof);
    r->y0_b = instant_at(c, y0);
    r->y1_b = instant_at(c, y1 + 1);
    r->as_of_b = instant_at(c, asof + 1);
    enum err e;
    if ((e = run_units(r, home_unit_id)) || (e = run_waivers(r)) || (e = run_items(r)) || (e = run_events(r)) ||
        (e = run_results(r)) || (e = run_forbidden(r))) {
        for (int i = 0; i < r->nu; i++)
            json_decref(r->u[i].lines);
        return e;
    }
    return ERR_OK;
}

static void run_free(struct sc_run *r)
{
    for (int i = 0; i < r->nu; i++)
        json_decref(r->u[i].lines);
}

/* Ranks (competition ranking: equal totals share a rank) overall and within each kind: one statement, whatever the
 * number of units (it compared every unit with every other and wrote a row at a time: 10,000 units were 100 million
 * comparisons and 10,000 statements). */
enum err scorecard_rerank(struct ctx *c, int64_t card)
{
    enum err e = db_exec(c->db,
                         "UPDATE scorecard_units SET rank = w.r, kind_rank = w.kr FROM (SELECT unit_id, RANK() OVER "
                         "(ORDER BY total DESC) AS r, RANK() OVER (PARTITION BY kind ORDER BY total DESC) AS kr FROM "
                         "scorecard_units WHERE scorecard_id = ?) w WHERE scorecard_units.scorecard_id = ? AND "
                         "scorecard_units.unit_id = w.unit_id",
                         DB_INT(card), DB_INT(card));
    return ctx_db_fail(c, e, "排名");
}

/* Rows inserted SC_BATCH to a statement (db_rows): a card's units and lines are thousands at a province's scale. */
#define SC_BATCH 200

/* Writes the run as the card's lines and computed scores (adjustments kept), then the totals and ranks: the
 * adjustments read at once, the rows written SC_BATCH to a statement (they were two statements per unit and one per
 * line). */
static enum err store_run(struct ctx *c, int64_t card, const struct score_table *t, const struct sc_run *r)
{
    enum err e = db_exec(c->db, "DELETE FROM scorecard_lines WHERE scorecard_id = ?", DB_INT(card));
    if (!e)
        e = db_exec(c->db, "DELETE FROM scorecard_units WHERE scorecard_id = ?", DB_INT(card));
    if (e)
        return ctx_db_fail(c, e, "保存考评结果");
    int64_t *adjusted = arena_alloc(c->arena, sizeof *adjusted * (size_t)(r->nu + 1));
    struct stmt *st = db_query(c->db,
                               "SELECT unit_id, SUM(points) FROM scorecard_adjustments WHERE scorecard_id = ? "
                               "GROUP BY unit_id",
                               DB_INT(card));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "保存考评结果");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        struct sc_unit key = {.id = stmt_int(st, 0)},
                       *u = r->nu ? bsearch(&key, r->u, (size_t)r->nu, sizeof *r->u, unit_by_id) : NULL;
        if (u)
            adjusted[u - r->u] = stmt_int(st, 1);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "保存考评结果");
    struct db_rows units = {.db = c->db,
                            .arena = c->arena,
                            .insert = "INSERT INTO scorecard_units (scorecard_id, unit_id, unit_path, kind, computed, "
                                      "adjusted, total) VALUES ",
                            .ncols = 7,
                            .batch = SC_BATCH},
                   lines = {.db = c->db,
                            .arena = c->arena,
                            .insert = "INSERT INTO scorecard_lines (scorecard_id, unit_id, rule, points, rule_points, "
                                      "item_id, result_id, ref, what, at, waived_by, note) VALUES ",
                            .ncols = 12,
                            .batch = SC_BATCH};
    for (int i = 0; !e && i < r->nu; i++) {
        const struct sc_unit *u = &r->u[i];
        int64_t computed = (int64_t)t->base * 10 + u->sum;
        e = db_rows_add(&units, (const struct db_bind[]){DB_INT(card), DB_INT(u->id), DB_TEXT(u->path),
                                                         DB_TEXT(u->kind), DB_INT(computed), DB_INT(adjusted[i]),
                                                         DB_INT(computed + adjusted[i])});
        size_t k;
        json_t *l;
        json_array_foreach(u->lines, k, l)
        {
            if (e)
                break;
            json_t *item = json_object_get(l, "item_id"), *res = json_object_get(l, "result_id"),
                   *w = json_object_get(l, "waived_by");
            e = db_rows_add(&lines,
                            (const struct db_bind[]){DB_INT(card), DB_INT(u->id),
                                                     DB_TEXT(json_string_value(json_object_get(l, "rule"))),
                                                     DB_INT(json_integer_value(json_object_get(l, "points"))),
                                                     DB_INT(json_integer_value(json_object_get(l, "rule_points"))),
                                                     DB_INT_IF(json_is_integer(item), json_integer_value(item)),
                                                     DB_INT_IF(json_is_integer(res), json_integer_value(res)),
                                                     DB_TEXT(json_string_value(json_object_get(l, "ref"))),
                                                     DB_TEXT(json_string_value(json_object_get(l, "what"))),
                                                     DB_TEXT(json_string_value(json_object_get(l, "at"))),
                                                     DB_INT_IF(json_is_integer(w), json_integer_value(w)),
                                                     DB_TEXT(json_string_value(json_object_get(l, "note")))});
        }
    }
    if (!e)
        e = db_rows_flush(&units);
    if (!e)
        e = db_rows_flush(&lines);
    if (e)
        return ctx_db_fail(c, e, "保存考评结果");
    return scorecard_rerank(c, card);
}

/* ---- loading and visibility ---- */

#define CARD_COLS                                                                                                      \
    "s.id, s.year, s.title, s.home_unit_id, s.office_unit_id, s.home_path, h.name, o.name, s.rules, s.as_of, "         \
    "s.computed_at, s.state, s.created_at, s.updated_at, s.approved_at, s.issued_at, s.version, s.objection_until, "   \
    "s.number"

enum err scorecard_load(struct ctx *c, int64_t id, struct scorecard *s)
{
    memset(s, 0, sizeof *s);
    struct stmt *st = db_query(c->db,
                               "SELECT " CARD_COLS " FROM scorecards s JOIN units h ON h.id = s.home_unit_id "
                               "JOIN units o ON o.id = s.office_unit_id WHERE s.id = ?",
                               DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取考评结果");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        s->id = stmt_int(st, 0);
        s->year = (int)stmt_int(st, 1);
        s->title = res_col(c, st, 2);
        s->home_unit_id = stmt_int(st, 3);
        s->office_unit_id = stmt_int(st, 4);
        s->home_path = res_col(c, st, 5);
        s->home_name = res_col(c, st, 6);
        s->office_name = res_col(c, st, 7);
        s->rules_text = res_col(c, st, 8);
        s->as_of = res_col(c, st, 9);
        s->computed_at = res_col(c, st, 10);
        int k = 0;
        wf_state_parse(&scorecard_workflow, stmt_text(st, 11), &k);
        s->state = (enum scorecard_state)k;
        s->created_at = res_col(c, st, 12);
        s->updated_at = res_col(c, st, 13);
        s->approved_at = res_col(c, st, 14);
        s->issued_at = res_col(c, st, 15);
        s->version = stmt_int(st, 16);
        s->objection_until = res_col(c, st, 17);
        s->number = res_col(c, st, 18);
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", SCORECARD_WHAT);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取考评结果");
    struct wf_obj *o = &s->wf;
    o->id = s->id;
    o->version = s->version;
    o->state = o->resume_state = (int)s->state;
    o->home_path = s->home_path;
    o->home_unit_id = s->home_unit_id;
    s->unit_paths[0] = s->home_path;
    o->scope = (struct perm_item){s->home_path, s->unit_paths, 0, false};
    o->number = NULL;
    o->title = s->title;
    /* the parts: the units scored, once issued (their heads are then told their score) */
    if (s->state != SC_ST_ISSUED)
        return ERR_OK;
    st = db_query(c->db,
                  "SELECT u.id, u.path, u.name FROM scorecard_units x JOIN units u ON u.id = x.unit_id "
                  "WHERE x.scorecard_id = ? ORDER BY u.path",
                  DB_INT(s->id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取考评结果");
    int cap = 0;
    struct wf_part *parts = NULL;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        parts = arena_grow(c->arena, parts, o->nparts, &cap, sizeof *parts);
        int64_t uid = stmt_int(st, 0);
        parts[o->nparts++] = (struct wf_part){0, uid, (int)s->state, uid, res_col(c, st, 1), res_col(c, st, 2), 0};
    }
    stmt_done(st);
    o->parts = parts;
    o->ntracks = o->nparts;
    return rc < 0 ? ctx_store_fail(c, rc, "读取考评结果") : ERR_OK;
}

/* True if the user reads the whole card (a reader of items at its government). */
bool scorecard_sees_all(struct ctx *c, const struct scorecard *s)
{
    return !c->user || perm_at(c->user, CAP_ITEM_READ, s->home_path);
}

/* True if the user may read unit's row: the whole card, or — once issued — a reader at that unit or in it. */
bool scorecard_sees_unit(struct ctx *c, const struct scorecard *s, const char *unit_path)
{
    if (scorecard_sees_all(c, s))
        return true;
    for (int i = 0; s->state == SC_ST_ISSUED && i < c->user->ngrants; i++)
        if (perm_grant_has(&c->user->grants[i], CAP_ITEM_READ) &&
            res_path_within(c->user->grants[i].unit_path, unit_path))
            return true;
    return false;
}

/* The card as the user may see it: 404 when they see no row of it. */
enum err scorecard_load_visible(struct ctx *c, int64_t id, struct scorecard *s)
{
    enum err e = scorecard_load(c, id, s);
    if (e || scorecard_sees_all(c, s))
        return e;
    for (int i = 0; i < s->wf.nparts; i++)
        if (scorecard_sees_unit(c, s, s->wf.parts[i].unit_path))
            return ERR_OK;
    return ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", SCORECARD_WHAT);
}

enum err scorecard_seal(struct ctx *c, const struct scorecard *s)
{
    json_t *units = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT unit_id, total, rank FROM scorecard_units WHERE scorecard_id = ? "
                               "ORDER BY rank, unit_id",
                               DB_INT(s->id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(units, json_pack("{sI sI sI}", "unit_id", (json_int_t)stmt_int(st, 0), "total_tenths",
                                               (json_int_t)stmt_int(st, 1), "rank", (json_int_t)stmt_int(st, 2)));
    stmt_done(st);
    json_t *canon = json_pack("{sI ss ss si so}", "scorecard_id", (json_int_t)s->id, "number",
                              s->number ? s->number : "", "title", s->title, "year", s->year, "units", units);
    char *text = canon ? json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(canon);
    if (!text)
        return ctx_fail(c, ERR_INTERNAL, "考评结果无法加盖印章");
    enum err e = hooks_seal_issue(c, &(struct doc_issue){"scorecard", s->id, s->office_unit_id, text});
    free(text);
    return e;
}

/* ---- recheck (submission and issue) ---- */

enum err scorecard_recheck(struct ctx *c, const struct scorecard *s, const char **diff)
{
    *diff = NULL;
    struct score_table t;
    enum err e = score_table_load(c, s->home_unit_id, s->year, &t);
    if (e)
        return e;
    /* the table the card was computed with, not today's: a rule edited since does not change it */
    json_t *was = json_loads(s->rules_text, 0, NULL);
    t.base = (int)json_integer_value(json_object_get(was, "base"));
    t.weight_major = (int)json_integer_value(json_object_get(was, "weight_major"));
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(was, "rules"), i, r)
    {
        struct score_rule *x = (struct score_rule *)score_rule_find(&t, json_string_value(json_object_get(r, "code")));
        if (x) {
            x->points = (int)json_integer_value(json_object_get(r, "points"));
            x->enabled = json_is_true(json_object_get(r, "enabled"));
        }
    }
    json_decref(was);
    struct sc_run run_now;
    if ((e = run(c, s->home_unit_id, s->home_path, &t, &run_now)))
        return e;
    const char *d = "";
    for (int k = 0; k < run_now.nu && !e; k++) {
        int64_t stored = 0;
        e = db_one_int(c->db, &stored, "SELECT computed FROM scorecard_units WHERE scorecard_id = ? AND unit_id = ?",
                       DB_INT(s->id), DB_INT(run_now.u[k].id));
        int64_t now = (int64_t)t.base * 10 + run_now.u[k].sum;
        if (e == ERR_NOT_FOUND) {
            e = ERR_OK;
            d = arena_printf(c->arena, "%s%s新增%s", d, *d ? "；" : "", run_now.u[k].name);
        } else if (!e && stored != now)
            d = arena_printf(c->arena, "%s%s%s由 %.1f 分变为 %.1f 分", d, *d ? "；" : "", run_now.u[k].name,
                             (double)stored / 10, (double)now / 10);
    }
    run_free(&run_now);
    if (e)
        return ctx_db_fail(c, e, "核对考评结果");
    *diff = *d ? d : NULL;
    return ERR_OK;
}

/* ---- create, refresh, adjust ---- */

struct write_args {
    int64_t id;
    const json_t *body;
};

static enum err compute_into(struct ctx *c, int64_t card, int64_t home_unit_id, const char *home, int year)
{
    struct score_table t;
    struct sc_run r;
    enum err e = score_table_load(c, home_unit_id, year, &t);
    if (e || (e = run(c, home_unit_id, home, &t, &r)))
        return e;
    json_t *tj = score_table_json(c, &t);
    char *rules = json_dumps(tj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(tj);
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db, "UPDATE scorecards SET rules = ?, as_of = ?, computed_at = ? WHERE id = ?", DB_TEXT(rules),
                DB_TEXT(r.as_of), DB_TEXT(at), DB_INT(card));
    free(rules);
    if (e) {
        run_free(&r);
        return ctx_db_fail(c, e, "保存考评结果");
    }
    e = store_run(c, card, &t, &r);
    run_free(&r);
    return e;
}

static enum err create_tx(struct ctx *c, void *arg)
{
    struct write_args *a = arg;
    const struct grant *g;
    int64_t office;
    enum err e = res_drafting_grant(c, &g, &office);
    if (e)
        return e;
    int year = (int)jv_int(a->body, "year", 0);
    char today[11];
    result_today(c, today);
    if (year > atoi(today))
        return ctx_fail_field(c, "year", "考评年度（year）%d 尚未开始", year);
    /* the year's card there is: what to do with it depends on where it stands (an issued one cannot be edited or
     * withdrawn; the message said so of every card) */
    int64_t other = 0;
    const char *state = "", *number = "";
    e = db_one_int(c->db, &other,
                   "SELECT id FROM scorecards WHERE home_unit_id = ? AND year = ? AND state <> 'withdrawn' LIMIT 1",
                   DB_INT(g->unit_id), DB_INT(year));
    if (!e)
        e = db_one_text(c->db, c->arena, &state, "SELECT state FROM scorecards WHERE id = ?", DB_INT(other));
    if (!e)
        e = db_one_text(c->db, c->arena, &number, "SELECT COALESCE(number, '') FROM scorecards WHERE id = ?",
                        DB_INT(other));
    if (e && e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "新建考评");
    if (other && !strcmp(state, "issued"))
        return ctx_fail(c, ERR_CONFLICT,
                        "%d 年度的考评已下发（%s）：一个年度只有一份考评，得分的更正请通过单位的异议或调整办理", year,
                        number);
    int k = 0;
    if (other)
        return ctx_fail(
            c, ERR_CONFLICT,
            "%d 年度的考评已在办理（第 %" PRId64 " 号，%s）：请在其上修改（已报审的先撤回修改）或先撤销", year, other,
            wf_state_parse(&scorecard_workflow, state, &k) ? wf_state_label(&scorecard_workflow, k) : state);
    const char *title = jv_str(a->body, "title");
    if (!title)
        title = arena_printf(c->arena, "%s%d年度目标责任考评督查工作得分", g->unit_name, year);
    char at[21];
    time_format_iso(c->now, at);
    e = db_one_int(c->db, &a->id,
                   "INSERT INTO scorecards (year, title, home_unit_id, office_unit_id, home_path, as_of, computed_at, "
                   "state, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?) "
                   "RETURNING id",
                   DB_INT(year), DB_TEXT(title), DB_INT(g->unit_id), DB_INT(office), DB_TEXT(g->unit_path),
                   DB_TEXT(today), DB_TEXT(at), DB_INT(c->user->id), DB_TEXT(at), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "新建考评");
    if ((e = compute_into(c, a->id, g->unit_id, g->unit_path, year)) ||
        (e = res_event(c, &scorecard_table, a->id, "create", -1, SC_ST_DRAFT, NULL, a->body)))
        return e;
    json_t *sum = json_pack("{sO}", "after", (json_t *)a->body);
    e = audit_record(c, "scorecard.create", "scorecard", a->id, sum);
    json_decref(sum);
    return e ? e : workflow_todos_sync_new(c, &scorecard_workflow, a->id);
}

enum err scorecards_create(struct ctx *c, const json_t *body, json_t **out)
{
    struct write_args a = {0, body};
    enum err e = ctx_tx(c, "新建考评", create_tx, &a);
    return e ? e : scorecards_get(c, a.id, out);
}

/* A draft the office may change, locked. */
static enum err draft_for_office(struct ctx *c, int64_t id, const json_t *body, struct scorecard *s)
{
    enum err e = scorecard_load_visible(c, id, s);
    if (e || (e = perm_require_item(c, CAP_RESULT_DRAFT, &s->wf.scope, s->home_path, SCORECARD_WHAT)) ||
        (e = res_lock(c, &scorecard_table, s->id, s->version, SCORECARD_WHAT)))
        return e;
    if (jv_has(body, "version") && jv_int(body, "version", 0) != s->version)
        return ctx_fail(c, ERR_CONFLICT, "考评结果已被他人修改（当前版本 %" PRId64 "），请刷新后重试", s->version);
    if (s->state != SC_ST_DRAFT)
        return ctx_fail(c, ERR_CONFLICT, "只有草稿可以修改（当前状态：%s）",
                        wf_state_label(&scorecard_workflow, s->state));
    return ERR_OK;
}

static enum err update_tx(struct ctx *c, void *arg)
{
    struct write_args *a = arg;
    struct scorecard s;
    enum err e = draft_for_office(c, a->id, a->body, &s);
    if (e)
        return e;
    bool refresh = jv_bool(a->body, "refresh", false);
    char at[21];
    time_format_iso(c->now, at);
    const char *title = jv_str(a->body, "title");
    e = db_exec(c->db, "UPDATE scorecards SET title = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                DB_TEXT(title ? title : s.title), DB_TEXT(at), DB_INT(s.id));
    if (e)
        return ctx_db_fail(c, e, "修改考评");
    if (refresh && (e = compute_into(c, s.id, s.home_unit_id, s.home_path, s.year)))
        return e;
    if ((e = res_event(c, &scorecard_table, s.id, refresh ? "refresh" : "update", -1, -1, NULL, a->body)))
        return e;
    json_t *sum = json_pack("{sO sb}", "change", (json_t *)a->body, "recounted", refresh);
    e = audit_record(c, "scorecard.update", "scorecard", s.id, sum);
    json_decref(sum);
    return e;
}

enum err scorecards_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct write_args a = {id, body};
    enum err e = ctx_tx(c, "修改考评", update_tx, &a);
    return e ? e : scorecards_get(c, id, out);
}

static enum err adjust_tx(struct ctx *c, void *arg)
{
    struct write_args *a = arg;
    const json_t *b = a->body;
    struct scorecard s;
    enum err e = draft_for_office(c, a->id, b, &s);
    if (e)
        return e;
    int64_t unit = jv_int(b, "unit_id", 0), have = 0;
    if (db_one_int(c->db, &have, "SELECT 1 FROM scorecard_units WHERE scorecard_id = ? AND unit_id = ?", DB_INT(s.id),
                   DB_INT(unit)))
        return ctx_fail_field(c, "unit_id", "单位 %" PRId64 " 不是本次考评的单位（unit_id）", unit);
    const char *code = jv_str(b, "rule");
    int64_t points;
    if (code) {
        /* a rule counted by hand, from the card's own table */
        json_t *rules = json_loads(s.rules_text, 0, NULL);
        json_t *found = NULL;
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(rules, "rules"), i,
                           r) if (!strcmp(json_string_value(json_object_get(r, "code")), code)) found = r;
        bool hand = found && !strcmp(json_string_value(json_object_get(found, "source")), "hand");
        bool on = found && json_is_true(json_object_get(found, "enabled"));
        int rp = found ? (int)json_integer_value(json_object_get(found, "points")) : 0;
        json_decref(rules);
        if (!hand)
            return ctx_fail_field(c, "rule", "细则“%s”不是由督查室录入次数的细则（rule）", code);
        if (!on)
            return ctx_fail_field(c, "rule", "细则“%s”在本次考评中未启用（rule）", code);
        if (!jv_has(b, "count") || jv_has(b, "points"))
            return ctx_fail_field(c, "count", "按细则录入时需要填写次数（count），不填写分值（points）");
        points = jv_int(b, "count", 0) * rp * 10;
    } else {
        if (!jv_has(b, "points") || jv_has(b, "count"))
            return ctx_fail_field(c, "points", "需要填写调整分值（points），不能为 0");
        points = jv_int(b, "points", 0) * 10;
        if (!points)
            return ctx_fail_field(c, "points", "调整分值（points）不能为 0");
    }
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db,
                "INSERT INTO scorecard_adjustments (scorecard_id, unit_id, rule, count, points, reason, created_by, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                DB_INT(s.id), DB_INT(unit), DB_TEXT(code), DB_INT_IF(code, jv_int(b, "count", 0)), DB_INT(points),
                DB_TEXT(jv_str(b, "reason")), DB_INT(c->user->id), DB_TEXT(at));
    if (!e)
        e = db_exec(c->db,
                    "UPDATE scorecard_units SET adjusted = adjusted + ?, total = total + ? "
                    "WHERE scorecard_id = ? AND unit_id = ?",
                    DB_INT(points), DB_INT(points), DB_INT(s.id), DB_INT(unit));
    if (!e)
        e = db_exec(c->db, "UPDATE scorecards SET updated_at = ?, version = version + 1 WHERE id = ?", DB_TEXT(at),
                    DB_INT(s.id));
    if (e)
        return ctx_db_fail(c, e, "调整考评分数");
    if ((e = scorecard_rerank(c, s.id)) ||
        (e = res_event(c, &scorecard_table, s.id, "adjust", -1, -1, jv_str(b, "reason"), b)))
        return e;
    json_t *sum = json_pack("{sO sf}", "adjustment", (json_t *)b, "points", (double)points / 10);
    e = audit_record(c, "scorecard.adjust", "scorecard", s.id, sum);
    json_decref(sum);
    return e;
}

enum err scorecards_adjust(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct write_args a = {id, body};
    enum err e = ctx_tx(c, "调整考评分数", adjust_tx, &a);
    return e ? e : scorecards_unit(c, id, jv_int(body, "unit_id", 0), out);
}

/* ---- reading ---- */

json_t *scorecard_tenths(int64_t v)
{
    return v % 10 ? json_real((double)v / 10) : json_integer(v / 10);
}

static const char *kind_label(const char *k)
{
    return !strcmp(k, "township") ? "乡镇" : "部门";
}

/* ---- 对表分析: the accepted third-party evaluations beside the office's scores ---- */

/* v (a raw total out of max) on the card's base, in tenths, rounded half up (scores are never negative). */
static int64_t on_base(int64_t v, int64_t max, int base)
{
    return max > 0 && v >= 0 ? (2 * v * base * 10 + max) / (2 * max) : 0;
}

/* The unit's 对表分析 entry from evaluations_accepted_totals' answer tp, or JSON null when no accepted
 * engagement of the card's government and year evaluated it: {"evaluations":[{…, evaluator_score,
 * self_score}], evaluator_score, self_score, evaluator_diff, self_diff}. A score is the engagement's total
 * converted to the card's base (百分制 when the base is 100); the unit's is the mean over its engagements;
 * a diff is that score minus the office's total; each null when there is nothing to show. */
static json_t *third_party(const json_t *tp, int64_t unit_id, int64_t total, int base)
{
    char key[24];
    snprintf(key, sizeof key, "%" PRId64, unit_id);
    const json_t *list = json_object_get(tp, key);
    if (!json_array_size(list))
        return json_null();
    json_t *evs = json_array();
    int64_t sum[2] = {0, 0}, n[2] = {0, 0};
    static const char *const totals[2] = {"evaluator_total", "self_total"}, *const scores[2] = {"evaluator_score",
                                                                                                "self_score"};
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        json_t *copy = json_deep_copy(e);
        int64_t max = json_integer_value(json_object_get(e, "max_total"));
        for (int k = 0; k < 2; k++) {
            json_t *t = json_object_get(e, totals[k]);
            if (!json_is_integer(t)) {
                json_object_set_new(copy, scores[k], json_null());
                continue;
            }
            int64_t v = on_base(json_integer_value(t), max, base);
            json_object_set_new(copy, scores[k], scorecard_tenths(v));
            sum[k] += v;
            n[k]++;
        }
        json_array_append_new(evs, copy);
    }
    json_t *o = json_pack("{so}", "evaluations", evs);
    static const char *const diffs[2] = {"evaluator_diff", "self_diff"};
    for (int k = 0; k < 2; k++) {
        int64_t mean = n[k] ? (2 * sum[k] + n[k]) / (2 * n[k]) : 0;
        json_object_set_new(o, scores[k], n[k] ? scorecard_tenths(mean) : json_null());
        json_object_set_new(o, diffs[k], n[k] ? scorecard_tenths(mean - total) : json_null());
    }
    return o;
}

/* The card's base (the rule table's 基础分). */
static int card_base(const struct scorecard *s)
{
    json_t *rules = json_loads(s->rules_text, 0, NULL);
    int base = (int)json_integer_value(json_object_get(rules, "base"));
    json_decref(rules);
    return base;
}

/* The rows the user may see, in rank order, each with its 对表分析 entry (tp: evaluations_accepted_totals'). */
static json_t *units_json(struct ctx *c, const struct scorecard *s, const json_t *tp)
{
    int base = card_base(s);
    json_t *arr = json_array();
    struct stmt *st = db_query(
        c->db,
        "SELECT x.unit_id, u.code, u.name, x.kind, x.computed, x.adjusted, x.total, x.rank, x.kind_rank, x.unit_path, "
        "(SELECT COALESCE(SUM(points), 0) FROM scorecard_lines l WHERE l.scorecard_id = x.scorecard_id "
        "AND l.unit_id = x.unit_id AND l.points > 0), "
        "(SELECT COALESCE(SUM(points), 0) FROM scorecard_lines l WHERE l.scorecard_id = x.scorecard_id "
        "AND l.unit_id = x.unit_id AND l.points < 0), "
        "(SELECT COUNT(*) FROM scorecard_lines l WHERE l.scorecard_id = x.scorecard_id "
        "AND l.unit_id = x.unit_id AND l.waived_by IS NOT NULL) "
        "FROM scorecard_units x JOIN units u ON u.id = x.unit_id WHERE x.scorecard_id = ? "
        "ORDER BY x.rank, u.path",
        DB_INT(s->id));
    while (st && stmt_step(st) == STORE_ROW) {
        if (!scorecard_sees_unit(c, s, stmt_text(st, 9)))
            continue;
        const char *kind = stmt_text(st, 3);
        json_array_append_new(
            arr, json_pack("{sI ss ss ss ss so so so si si so so sI}", "unit_id", (json_int_t)stmt_int(st, 0), "code",
                           stmt_text(st, 1), "name", stmt_text(st, 2), "kind", kind, "kind_label", kind_label(kind),
                           "computed", scorecard_tenths(stmt_int(st, 4)), "adjusted", scorecard_tenths(stmt_int(st, 5)),
                           "total", scorecard_tenths(stmt_int(st, 6)), "rank", (int)stmt_int(st, 7), "kind_rank",
                           (int)stmt_int(st, 8), "added", scorecard_tenths(stmt_int(st, 10)), "deducted",
                           scorecard_tenths(stmt_int(st, 11)), "waived", (json_int_t)stmt_int(st, 12)));
        json_object_set_new(json_array_get(arr, json_array_size(arr) - 1), "third_party",
                            third_party(tp, stmt_int(st, 0), stmt_int(st, 6), base));
    }
    stmt_done(st);
    return arr;
}

/* What a card is without its units and rules: what the list shows of it, and the head of the card's own GET. */
static json_t *card_summary(struct ctx *c, struct scorecard *s, bool all)
{
    json_t *rules = json_loads(s->rules_text, 0, NULL);
    json_t *o =
        json_pack("{sI si ss s{sI ss} ss ss ss ss ss}", "id", (json_int_t)s->id, "year", s->year, "title", s->title,
                  "government", "id", (json_int_t)s->home_unit_id, "name", s->home_name, "office_name", s->office_name,
                  "state", wf_state_name(&scorecard_workflow, s->state), "state_label",
                  wf_state_label(&scorecard_workflow, s->state), "as_of", s->as_of, "computed_at", s->computed_at);
    json_object_set_new(o, "base", json_incref(json_object_get(rules, "base")));
    json_object_set_new(o, "weight_major", json_incref(json_object_get(rules, "weight_major")));
    json_object_set_new(o, "warnings", json_incref(json_object_get(rules, "warnings")));
    json_decref(rules);
    json_object_set_new(o, "own_only", json_boolean(!all));
    json_object_set_new(o, "created_at", json_string(s->created_at));
    json_object_set_new(o, "updated_at", json_string(s->updated_at));
    json_object_set_new(o, "approved_at", res_str(s->approved_at));
    json_object_set_new(o, "issued_at", res_str(s->issued_at));
    json_object_set_new(o, "version", json_integer(s->version));
    json_object_set_new(o, "number", res_str(s->number));
    json_object_set_new(o, "objection_until", res_str(s->objection_until));
    json_object_set_new(o, "objection_open", json_boolean(scorecard_objection_open(c, s)));
    return o;
}

static enum err card_json(struct ctx *c, struct scorecard *s, json_t **out)
{
    json_t *tp = NULL;
    enum err e = evaluations_accepted_totals(c, s->home_unit_id, s->year, &tp);
    if (e)
        return e;
    bool all = scorecard_sees_all(c, s);
    json_t *o = card_summary(c, s, all);
    json_t *rules = json_loads(s->rules_text, 0, NULL);
    json_object_set_new(o, "rules", json_incref(json_object_get(rules, "rules")));
    json_decref(rules);
    json_object_set_new(o, "units", units_json(c, s, tp));
    json_decref(tp);
    json_object_set_new(o, "allowed_actions",
                        all ? workflow_allowed_actions(c, &scorecard_workflow, &s->wf, -1) : json_array());
    *out = o;
    return ERR_OK;
}

enum err scorecards_get(struct ctx *c, int64_t id, json_t **out)
{
    struct scorecard s;
    enum err e = scorecard_load_visible(c, id, &s);
    return e ? e : card_json(c, &s, out);
}

/* The rule's words from the card's table (the code itself for one no longer in it). */
static const char *rule_label(const json_t *rules, const char *code, bool *forbidden)
{
    size_t i;
    json_t *r;
    *forbidden = false;
    json_array_foreach(json_object_get(rules, "rules"), i,
                       r) if (!strcmp(json_string_value(json_object_get(r, "code")), code))
    {
        *forbidden = json_is_true(json_object_get(r, "forbidden"));
        return json_string_value(json_object_get(r, "label"));
    }
    return code;
}

/* A criticism's rectification as it stands now, from columns i (state), i + 1 (deadline), i + 2 (flagged) of a
 * drill-down line's row: what the unit did about the criticism the line counts; null for any other line. Overdue
 * by the bulletin's rule (result_rectify_behind: a working day or more behind today), with the working days. */
static json_t *rectification_brief(struct ctx *c, const struct calendar *cal, struct stmt *st, int i)
{
    if (stmt_is_null(st, i))
        return json_null();
    const char *state = stmt_text(st, i), *due = res_col(c, st, i + 1);
    int behind = !strcmp(state, "issued") ? result_rectify_behind(cal, due, time_local_day(c->now)) : 0;
    const char *words = !strcmp(state, "closed")      ? "整改情况已审核通过"
                        : !strcmp(state, "reviewing") ? "整改情况待审核"
                        : behind ? arena_printf(c->arena, "逾期未报送整改情况（逾期%d个工作日）", behind)
                                 : "待报送整改情况";
    return json_pack("{ss ss ss sb si sb}", "state", state, "label", words, "due_date", due, "overdue", behind > 0,
                     "overdue_workdays", behind, "escalated", stmt_int(st, i + 2) != 0);
}

/* One unit's lines, adjustments and sums (the card's table names the rules). */
static enum err unit_detail(struct ctx *c, const struct scorecard *s, int64_t unit_id, json_t **out)
{
    struct stmt *st = db_query(c->db,
                               "SELECT x.unit_path, u.code, u.name, x.kind, x.computed, x.adjusted, x.total, x.rank, "
                               "x.kind_rank FROM scorecard_units x JOIN units u ON u.id = x.unit_id "
                               "WHERE x.scorecard_id = ? AND x.unit_id = ?",
                               DB_INT(s->id), DB_INT(unit_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取考评结果");
    json_t *o = NULL;
    const char *unit_path = NULL;
    int64_t total = 0;
    if (stmt_step(st) == STORE_ROW && scorecard_sees_unit(c, s, stmt_text(st, 0))) {
        const char *kind = stmt_text(st, 3);
        unit_path = res_col(c, st, 0);
        total = stmt_int(st, 6);
        o = json_pack("{sI ss ss ss ss so so so si si}", "unit_id", (json_int_t)unit_id, "code", stmt_text(st, 1),
                      "name", stmt_text(st, 2), "kind", kind, "kind_label", kind_label(kind), "computed",
                      scorecard_tenths(stmt_int(st, 4)), "adjusted", scorecard_tenths(stmt_int(st, 5)), "total",
                      scorecard_tenths(stmt_int(st, 6)), "rank", (int)stmt_int(st, 7), "kind_rank",
                      (int)stmt_int(st, 8));
    }
    stmt_done(st);
    if (!o)
        return ctx_fail(c, ERR_NOT_FOUND, "该单位不在本次考评中或无权查看");
    struct calendar cal;
    enum err e = calendar_load(c, &cal);
    if (e) {
        json_decref(o);
        return e;
    }
    json_t *rules = json_loads(s->rules_text, 0, NULL);
    json_object_set_new(o, "base", json_incref(json_object_get(rules, "base")));
    json_t *lines = json_array(), *by_rule = json_object();
    int64_t sum = 0;
    st =
        db_query(c->db,
                 "SELECT l.id, l.rule, l.points, l.rule_points, l.item_id, l.result_id, l.ref, l.what, l.at, "
                 "l.waived_by, w.number, w.title, l.note, ob.id, ob.state, cr.state, cr.rectify_due, "
                 "cr.rectify_escalated FROM scorecard_lines l "
                 "LEFT JOIN results w ON w.id = l.waived_by LEFT JOIN score_objections ob ON ob.line_id = l.id "
                 "LEFT JOIN results cr ON cr.id = l.result_id AND cr.kind = 'criticism' AND cr.rectify_due IS NOT NULL "
                 "WHERE l.scorecard_id = ? AND l.unit_id = ? ORDER BY l.id",
                 DB_INT(s->id), DB_INT(unit_id));
    while (st && stmt_step(st) == STORE_ROW) {
        bool forbidden = false;
        const char *code = stmt_text(st, 1), *label = rule_label(rules, code, &forbidden);
        int64_t pts = stmt_int(st, 2);
        sum += pts;
        json_t *l =
            json_pack("{sI ss ss so so ss ss sb ss}", "id", (json_int_t)stmt_int(st, 0), "rule", code, "label", label,
                      "points", scorecard_tenths(pts), "rule_points", scorecard_tenths(stmt_int(st, 3)), "ref",
                      stmt_text(st, 6), "what", stmt_text(st, 7), "forbidden", forbidden, "note", stmt_text(st, 12));
        json_object_set_new(l, "item_id", stmt_is_null(st, 4) ? json_null() : json_integer(stmt_int(st, 4)));
        json_object_set_new(l, "result_id", stmt_is_null(st, 5) ? json_null() : json_integer(stmt_int(st, 5)));
        json_object_set_new(l, "at", res_str(res_col(c, st, 8)));
        json_object_set_new(l, "waived_by",
                            stmt_is_null(st, 9) ? json_null()
                                                : json_pack("{sI so ss}", "id", (json_int_t)stmt_int(st, 9), "number",
                                                            res_str(res_col(c, st, 10)), "title", stmt_text(st, 11)));
        json_object_set_new(l, "objection", scorecard_objection_brief(st, 13));
        json_object_set_new(l, "rectification", rectification_brief(c, &cal, st, 15));
        json_array_append_new(lines, l);
        json_t *g = json_object_get(by_rule, code);
        if (!g) {
            g = json_pack("{ss ss sb si sI si}", "rule", code, "label", label, "forbidden", forbidden, "count", 0,
                          "points_tenths", (json_int_t)0, "waived", 0);
            json_object_set_new(by_rule, code, g);
        }
        json_object_set_new(g, "count", json_integer(json_integer_value(json_object_get(g, "count")) + 1));
        json_object_set_new(g, "points_tenths",
                            json_integer(json_integer_value(json_object_get(g, "points_tenths")) + pts));
        if (!stmt_is_null(st, 9))
            json_object_set_new(g, "waived", json_integer(json_integer_value(json_object_get(g, "waived")) + 1));
    }
    stmt_done(st);
    json_t *adj = json_array();
    int64_t adj_sum = 0;
    st = db_query(c->db,
                  "SELECT a.id, a.rule, a.count, a.points, a.reason, a.created_at, us.name, ob.id, ob.state "
                  "FROM scorecard_adjustments a LEFT JOIN users us ON us.id = a.created_by "
                  "LEFT JOIN score_objections ob ON ob.adjustment_id = a.id "
                  "WHERE a.scorecard_id = ? AND a.unit_id = ? ORDER BY a.id",
                  DB_INT(s->id), DB_INT(unit_id));
    while (st && stmt_step(st) == STORE_ROW) {
        bool forbidden = false;
        const char *code = res_col(c, st, 1), *label = code ? rule_label(rules, code, &forbidden) : "调整";
        adj_sum += stmt_int(st, 3);
        json_t *a = json_pack("{sI so ss sb so ss ss so}", "id", (json_int_t)stmt_int(st, 0), "rule", res_str(code),
                              "label", label, "forbidden", forbidden, "points", scorecard_tenths(stmt_int(st, 3)),
                              "reason", stmt_text(st, 4), "at", stmt_text(st, 5), "by", res_str(res_col(c, st, 6)));
        json_object_set_new(a, "count", stmt_is_null(st, 2) ? json_null() : json_integer(stmt_int(st, 2)));
        json_object_set_new(a, "objection", scorecard_objection_brief(st, 7));
        json_array_append_new(adj, a);
    }
    stmt_done(st);
    json_decref(rules);
    /* the rules in the card's order, each with its count and points */
    json_t *groups = json_array();
    const char *key;
    json_t *g;
    json_object_foreach(by_rule, key, g)
    {
        json_t *copy = json_deep_copy(g);
        json_object_set_new(copy, "points", scorecard_tenths(json_integer_value(json_object_get(g, "points_tenths"))));
        json_object_del(copy, "points_tenths");
        json_array_append_new(groups, copy);
    }
    json_decref(by_rule);
    json_object_set_new(o, "lines", lines);
    json_object_set_new(o, "by_rule", groups);
    json_object_set_new(o, "adjustments", adj);
    json_object_set_new(o, "lines_sum", scorecard_tenths(sum));
    json_object_set_new(o, "adjustments_sum", scorecard_tenths(adj_sum));
    json_object_set_new(o, "may_object", json_boolean(scorecard_may_object(c, s, unit_path)));
    json_t *tp = NULL;
    e = evaluations_accepted_totals(c, s->home_unit_id, s->year, &tp);
    if (e) {
        json_decref(o);
        return e;
    }
    json_object_set_new(o, "third_party", third_party(tp, unit_id, total, card_base(s)));
    json_decref(tp);
    *out = o;
    return ERR_OK;
}

enum err scorecards_unit(struct ctx *c, int64_t id, int64_t unit_id, json_t **out)
{
    struct scorecard s;
    enum err e = scorecard_load_visible(c, id, &s);
    return e ? e : unit_detail(c, &s, unit_id, out);
}

enum err scorecards_document(struct ctx *c, int64_t id, json_t **out)
{
    struct scorecard s;
    enum err e = scorecard_load_visible(c, id, &s);
    if (e)
        return e;
    json_t *o = NULL;
    if ((e = card_json(c, &s, &o)))
        return e;
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(o, "units"), i, u)
    {
        json_t *d = NULL;
        if ((e = unit_detail(c, &s, json_integer_value(json_object_get(u, "unit_id")), &d))) {
            json_decref(o);
            return e;
        }
        json_object_set(u, "lines", json_object_get(d, "lines"));
        json_object_set(u, "adjustments", json_object_get(d, "adjustments"));
        json_decref(d);
    }
    /* the document's: who issues it, its date (the issue's, today for a draft), whether it is a draft */
    char day[11];
    result_today(c, day);
    if (s.issued_at)
        local_date(s.issued_at, day);
    json_object_set_new(o, "office_unit_id", json_integer(s.office_unit_id));
    json_object_set_new(o, "date", json_string(day));
    json_object_set_new(o, "draft", json_boolean(s.state != SC_ST_ISSUED));
    *out = o;
    return ERR_OK;
}

enum err scorecards_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out)
{
    struct scorecard s;
    enum err e = scorecard_load_visible(c, id, &s);
    if (!e) /* a unit reads its row of an issued card: acting on it is the government's */
        e = res_act(c, &scorecard_workflow, id, action, body, s.home_path);
    return e ? e : scorecards_get(c, id, out);
}

enum err scorecards_events(struct ctx *c, int64_t id, json_t **out)
{
    struct scorecard s;
    enum err e = scorecard_load_visible(c, id, &s);
    if (!e && !scorecard_sees_all(c, &s))
        e = ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", SCORECARD_WHAT);
    return e ? e : res_events(c, &scorecard_table, id, out);
}

/* The cards the user may see, newest first: the government's (readers of items there), and the issued
 * cards that score a unit the user reads (rows filtered by scorecards_get). */
enum err scorecards_list(struct ctx *c, int year, int page, int per_page, json_t **out)
{
    struct res_binds bd = {0};
    const char *w = "";
    int ns;
    const char **scope = perm_scope_cap(c, CAP_ITEM_READ, &ns);
    for (int i = 0; i < ns; i++) {
        w = arena_printf(c->arena, "%s%s(s.home_path >= ? AND s.home_path < ?)", w, *w ? " OR " : "");
        res_bind_add(c, &bd, DB_TEXT(scope[i]));
        res_bind_add(c, &bd, DB_TEXT(perm_path_upper(c->arena, scope[i])));
    }
    for (int i = 0; c->user && i < c->user->ngrants; i++) {
        const char *p = c->user->grants[i].unit_path;
        if (!perm_grant_has(&c->user->grants[i], CAP_ITEM_READ))
            continue;
        const char **up;
        int m = unit_path_up(c->arena, p, &up);
        w = arena_printf(c->arena,
                         "%s%s(s.state = 'issued' AND EXISTS (SELECT 1 FROM scorecard_units x WHERE "
                         "x.scorecard_id = s.id AND %s))",
                         w, *w ? " OR " : "", unit_up_in(c->arena, "x.unit_path", m));
        for (int k = 0; k < m; k++)
            res_bind_add(c, &bd, DB_TEXT(up[k]));
    }
    const char *where = *w ? arena_printf(c->arena, "(%s)", w) : "1 = 0";
    if (year) {
        where = arena_printf(c->arena, "%s AND s.year = ?", where);
        res_bind_add(c, &bd, DB_INT(year));
    }
    int64_t total = 0, *ids;
    int n;
    enum err e = res_page_ids(c, "scorecards s", "s.id", where, &bd, page, per_page, &total, &ids, &n);
    if (e)
        return e;
    /* a page of summaries: no card's units nor rules (a province's card ranks thousands of units; each row once
     * carried them all) — those are on the card's own GET; the number of units the reader sees on it */
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        struct scorecard s;
        int64_t count = 1;
        bool all = false;
        if (!(e = scorecard_load(c, ids[i], &s)) && (all = scorecard_sees_all(c, &s)) &&
            (e = db_one_int(c->db, &count, "SELECT COUNT(*) FROM scorecard_units WHERE scorecard_id = ?",
                            DB_INT(s.id))))
            e = ctx_db_fail(c, e, "读取考评");
        if (e) {
            json_decref(arr);
            return e;
        }
        json_t *o = card_summary(c, &s, all);
        json_object_set_new(o, "unit_count", json_integer(count));
        json_array_append_new(arr, o);
    }
    *out =
        json_pack("{so sI si si}", "scorecards", arr, "total", (json_int_t)total, "page", page, "per_page", per_page);
    return ERR_OK;
}
