/*
 * burden_check.c: the warnings to an issuer before an inspection reaches a unit (减负, DOMAIN.md §9; Gu County
 * 003 (五): 严格控制督查规模、范围、频次和时限，尽量避免同一时间内对同一对象开展督查工作). Before a plan
 * entry is proposed or included, or an inspection is drafted, opened or submitted, the office is told, for each
 * target unit: (a) how many inspections it receives this year from every issuer against the per-unit cap
 * (settings unit_cap; 0: none) — reaching the cap is a notice, crossing it is the rule `unit` of caps.c: a 409
 * unless an exception with a reason is recorded for the principal leader's approval —, and (b) every other
 * inspection or plan entry on the same unit whose window overlaps, named (who, what, when) when the user may
 * read it, else only 「其他督查机构」 with its dates, never a covert visit the user may not see; each with the
 * advice to inspect jointly (联合督查) or merge.
 *
 * Cost: per target unit two counts over the targets' indexes and the overlapping rows of insp_dup_index
 * (keyed by unit and start date), whatever the number of inspections elsewhere.
 */
#include "inspections/insp_internal.h"

#include "base/timeu.h"
#include "calendar/workdays.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum err insp_unit_government(struct ctx *c, int64_t unit_id, int64_t *gov)
{
    *gov = 0;
    enum err e = db_one_int(c->db, gov,
                            "SELECT g.id FROM units g JOIN units u ON u.id = ? WHERE g.kind = 'government' "
                            "AND g.path < u.path AND SUBSTR(u.path, 1, LENGTH(g.path)) = g.path "
                            "ORDER BY g.depth DESC LIMIT 1",
                            DB_INT(unit_id));
    return e && e != ERR_NOT_FOUND ? ctx_db_fail(c, e, "读取单位所属政府") : ERR_OK;
}

enum err insp_unit_burden(struct ctx *c, int64_t unit_id, int year, int64_t self_insp, int64_t self_entry, int64_t *out)
{
    /* the unit, and its government: an inspection of a government reaches its departments and townships (督查检查
     * 考核 received there: reports, materials, receptions), each inspection once */
    int64_t a = 0, b = 0, gov;
    enum err e = insp_unit_government(c, unit_id, &gov);
    if (e)
        return e;
    e = db_one_int(c->db, &a,
                   "SELECT COUNT(DISTINCT i.id) FROM insp_targets t JOIN inspections i ON i.id = t.inspection_id "
                   "WHERE t.unit_id IN (?, ?) AND i.year = ? AND i.id <> ? AND i.state NOT IN ('draft', "
                   "'proposed', 'withdrawn', 'merged') AND (i.covert = 0 OR i.findings_issued_at IS NOT NULL)",
                   DB_INT(unit_id), DB_INT(gov), DB_INT(year), DB_INT(self_insp));
    if (!e || e == ERR_NOT_FOUND)
        e = db_one_int(c->db, &b,
                       "SELECT COUNT(DISTINCT e.id) FROM insp_entry_targets t JOIN insp_entries e ON e.id = t.entry_id "
                       "JOIN insp_plans p ON p.id = e.plan_id WHERE t.unit_id IN (?, ?) AND p.year = ? AND e.id <> ? "
                       "AND e.state = 'included' AND e.inspection_id IS NULL AND e.methods NOT LIKE '%,covert,%'",
                       DB_INT(unit_id), DB_INT(gov), DB_INT(year), DB_INT(self_entry));
    if (e && e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "统计单位督查次数");
    *out = a + b;
    return ERR_OK;
}

const struct jv_field insp_burden_check_spec[] = {
    {"target_unit_ids", JV_INT_ARRAY, JV_REQUIRED, 1, 50, "督查对象"},
    {"start_date", JV_DATE, JV_REQUIRED, 0, 0, "开始日期"},
    {"end_date", JV_DATE, JV_REQUIRED, 0, 0, "结束日期"},
    {"exclude_inspection_id", JV_INT, 0, 1, INT64_MAX, "排除的督查"},
    {"exclude_entry_id", JV_INT, 0, 1, INT64_MAX, "排除的计划建议"},
    {"exclude_item_id", JV_INT, 0, 1, INT64_MAX, "排除的督办事项"},
    {"request", JV_STRING, 0, 1, 20, "要求类型"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* One overlapping object on a unit as the user may learn of it, or NULL (gone, not live, or a secret). */
static json_t *overlap_json(struct ctx *c, bool entry, int64_t id, const char *unit)
{
    const char *who, *subject, *from, *to, *number = NULL, *link = NULL;
    bool visible;
    if (entry) {
        struct entry en;
        struct plan pl;
        if (entry_load(c, id, &en) || plan_load(c, en.plan_id, &pl) ||
            (strcmp(en.state, "proposed") && strcmp(en.state, "included")))
            return NULL;
        visible = entry_visible(c, &pl, &en);
        if (!visible && strstr(en.methods, ",covert,"))
            return NULL;
        who = en.organiser_name;
        subject = arena_printf(c->arena, "%d年度督查计划中的《%s》", (int)pl.year, en.subject);
        from = en.start_date;
        to = en.end_date;
        link = arena_printf(c->arena, "/plans/%" PRId64, pl.id);
    } else {
        struct insp it;
        if (insp_load(c, id, &it) || it.state == INSP_ST_DRAFT || it.state == INSP_ST_WITHDRAWN ||
            it.state == INSP_ST_MERGED)
            return NULL;
        visible = perm_item_visible(c->user, &it.scope);
        if (!visible && it.covert && !it.findings_issued_at)
            return NULL;
        who = it.norgs ? it.orgs[0].unit_name : it.office_name;
        subject = it.number ? arena_printf(c->arena, "《%s》（%s）", it.subject, it.number)
                            : arena_printf(c->arena, "《%s》", it.subject);
        number = it.number;
        from = it.start_date;
        to = it.end_date;
        link = arena_printf(c->arena, "/inspections/%" PRId64, it.id);
    }
    if (!visible) {
        const char *text = arena_printf(c->arena,
                                        "其他督查机构于%s至%s对%s另有督查安排，与本次时间重叠，建议协调联合督查，"
                                        "避免同一时间对同一对象重复督查",
                                        from, to, unit);
        return json_pack("{ss ss sb ss ss ss ss}", "kind", "overlap", "object", entry ? "entry" : "inspection",
                         "visible", false, "issuer", "其他督查机构", "start_date", from, "end_date", to, "text", text);
    }
    const char *text = arena_printf(c->arena,
                                    "%s%s于%s至%s督查%s，与本次时间重叠，建议联合督查或合并开展，避免多头督查、"
                                    "重复督查",
                                    who, subject, from, to, unit);
    return json_pack("{ss ss sI sb ss ss so ss ss ss ss}", "kind", "overlap", "object", entry ? "entry" : "inspection",
                     "id", (json_int_t)id, "visible", true, "issuer", who, "subject", subject, "number",
                     number ? json_string(number) : json_null(), "start_date", from, "end_date", to, "link", link,
                     "text", text);
}

/* The overlaps of one unit: the index's rows on it whose window meets [start, end], the object excluded. */
static enum err unit_overlaps(struct ctx *c, int64_t unit, const char *name, const char *start, const char *end,
                              int64_t ex_insp, int64_t ex_entry, json_t *warnings)
{
    struct stmt *st = db_query(c->db,
                               "SELECT kind, obj_id FROM insp_dup_index WHERE unit_id = ? AND start_date <= ? "
                               "AND end_date >= ? ORDER BY start_date, obj_id LIMIT 50",
                               DB_INT(unit), DB_TEXT(end), DB_TEXT(start));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "检查督查时间重叠");
    int64_t ids[50];
    bool entries[50];
    int n = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && n < 50) {
        entries[n] = !strcmp(stmt_text(st, 0), "entry");
        ids[n] = stmt_int(st, 1);
        if (ids[n] != (entries[n] ? ex_entry : ex_insp))
            n++;
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "检查督查时间重叠");
    for (int i = 0; i < n; i++) {
        json_t *w = overlap_json(c, entries[i], ids[i], name);
        if (!w)
            continue;
        json_object_set_new(w, "unit_id", json_integer(unit));
        json_object_set_new(w, "unit", json_string(name));
        json_array_append_new(warnings, w);
    }
    return ERR_OK;
}

/* What is asked of the units: an inspection or a plan entry (the objects left out of the counts), or an item's
 * 督办通知 (item set: counted against request_cap, and other issuers' running items overlap it too). */
struct ask {
    bool item;
    int64_t ex_insp, ex_entry, ex_item;
    const char *office_path; /* an item's issuing government */
    const char *y0, *y1;     /* the year's instants [Jan 1, Jan 1 next) */
};

/* The items a unit receives in a year from every issuer (督办通知, each once; withdrawn ones left out): the burden
 * index's notices of that unit alone. */
static enum err unit_items(struct ctx *c, const struct ask *k, const char *path, int64_t *out)
{
    *out = 0;
    enum err e = db_one_int(c->db, out,
                            "SELECT COUNT(*) FROM item_tracks t JOIN items i ON i.id = t.item_id WHERE t.unit_path = ? "
                            "AND i.id <> ? AND i.state <> 'withdrawn' AND i.assigned_at >= ? AND i.assigned_at < ?",
                            DB_TEXT(path), DB_INT(k->ex_item), DB_TEXT(k->y0), DB_TEXT(k->y1));
    return e && e != ERR_NOT_FOUND ? ctx_db_fail(c, e, "统计单位交办事项") : ERR_OK;
}

/* Other issuers' running items on the unit whose time (assignment to due date) meets [start, end]: named when the
 * user reads items at their government, else 「其他督查机构」 and the dates. */
static enum err item_overlaps(struct ctx *c, const struct ask *k, const struct insp_unit *u, const char *start,
                              const char *end, json_t *warnings)
{
    int y, m, d;
    char until[21];
    if (sscanf(end, "%d-%d-%d", &y, &m, &d) != 3)
        return ctx_fail_field(c, "end_date", "结束日期（end_date）格式应为 YYYY-MM-DD");
    time_format_iso(time_local_instant(cal_days_from_civil(y, m, d) + 1, 0), until);
    struct stmt *st = db_query(
        c->db,
        "SELECT i.id, COALESCE(i.number, ''), i.title, i.office_path, i.assigned_at, i.due_date, "
        "COALESCE(g.name, '') FROM item_tracks t JOIN items i ON i.id = t.item_id "
        "LEFT JOIN units g ON g.path = i.office_path WHERE t.unit_path = ? AND i.id <> ? AND i.office_path <> ? "
        "AND i.state IN ('assigned', 'received', 'in_progress', 'completion_requested') AND i.due_date >= ? "
        "AND i.assigned_at < ? ORDER BY i.due_date, i.id LIMIT 20",
        DB_TEXT(u->path), DB_INT(k->ex_item), DB_TEXT(k->office_path), DB_TEXT(start), DB_TEXT(until));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "检查交办事项时间重叠");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        int64_t id = stmt_int(st, 0);
        const char *number = stmt_text(st, 1), *to = stmt_text(st, 5);
        int64_t at = 0;
        char *from = arena_alloc(c->arena, 11); /* the local day of the assignment */
        time_parse_iso(stmt_text(st, 4), &at);
        cal_format_date(time_local_day(at), from);
        json_t *w;
        if (c->user && perm_at(c->user, CAP_ITEM_READ, stmt_text(st, 3))) {
            const char *who = arena_strdup(c->arena, stmt_text(st, 6));
            const char *subject = *number ? arena_printf(c->arena, "《%s》（%s）", stmt_text(st, 2), number)
                                          : arena_printf(c->arena, "《%s》", stmt_text(st, 2));
            const char *text = arena_printf(c->arena,
                                            "%s交办的督办事项%s（%s至%s）已要求%s报送进展，与本次时间重叠，建议合并"
                                            "要求或共享已报材料，避免重复报送",
                                            who, subject, from, to, u->name);
            w = json_pack("{ss ss sI sb ss ss so ss ss ss ss}", "kind", "overlap", "object", "item", "id",
                          (json_int_t)id, "visible", true, "issuer", who, "subject", subject, "number",
                          *number ? json_string(number) : json_null(), "start_date", from, "end_date", to, "link",
                          arena_printf(c->arena, "/items/%" PRId64, id), "text", text);
        } else {
            const char *text = arena_printf(c->arena,
                                            "其他督查机构于%s至%s另有督办事项要求%s报送，与本次时间重叠，建议协调"
                                            "合并要求，避免重复报送",
                                            from, to, u->name);
            w = json_pack("{ss ss sb ss ss ss ss}", "kind", "overlap", "object", "item", "visible", false, "issuer",
                          "其他督查机构", "start_date", from, "end_date", to, "text", text);
        }
        json_object_set_new(w, "unit_id", json_integer(u->id));
        json_object_set_new(w, "unit", json_string(u->name));
        json_array_append_new(warnings, w);
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "检查交办事项时间重叠") : ERR_OK;
}

/* The words of a cap, per request (an inspection, an item): what the unit received, the measure, the way on. */
static const struct {
    const char *got, *measure, *way;
} cap_words[2] = {
    {"已接受督查检查", "次", "再督查须填写例外理由，报政府主要领导批准；建议并入已有督查或联合督查"},
    {"已接收交办事项", "件", "再交办须填写例外理由，随事项报批；建议并入已有事项或共享已报材料"},
};

/* The cap warning of one unit at or past its cap, or NULL. */
static json_t *cap_warning(struct ctx *c, const struct ask *k, const struct insp_unit *u, int year, int64_t count,
                           int cap, const char *from, const char *level)
{
    if (strcmp(level, "over") && strcmp(level, "reach"))
        return NULL;
    bool over = !strcmp(level, "over");
    const char *by = from ? arena_printf(c->arena, "（%s设定）", from) : "";
    const char *got = cap_words[k->item].got, *m = cap_words[k->item].measure;
    const char *text = over
                           ? arena_printf(c->arena, "%s%d年%s %" PRId64 " %s，已达每个单位每年 %d %s的上限%s：%s",
                                          u->name, year, got, count, m, cap, m, by, cap_words[k->item].way)
                           : arena_printf(c->arena, "%s%d年%s %" PRId64 " %s，本次之后将达到每个单位每年 %d %s的上限%s",
                                          u->name, year, got, count, m, cap, m, by);
    return json_pack("{ss sI ss sI si sb ss}", "kind", "cap", "unit_id", (json_int_t)u->id, "unit", u->name, "count",
                     (json_int_t)count, "cap", cap, "needs_reason", over, "text", text);
}

/* The one check for every request: per unit its count this year against its cap, and the overlaps. */
static enum err run(struct ctx *c, struct ask *k, const int64_t *units, int n, const char *start, const char *end,
                    const char *field, json_t **rows_out, json_t **out)
{
    enum err e = ERR_OK;
    int year = insp_year(start);
    struct insp_settings s;
    if ((e = insp_settings_load(c, &s)))
        return e;
    char *y0 = arena_alloc(c->arena, 21), *y1 = arena_alloc(c->arena, 21);
    time_format_iso(time_local_instant(cal_days_from_civil(year, 1, 1), 0), y0);
    time_format_iso(time_local_instant(cal_days_from_civil(year + 1, 1, 1), 0), y1);
    k->y0 = y0;
    k->y1 = y1;
    json_t *rows = json_array(), *warnings = json_array();
    for (int i = 0; i < n && !e; i++) {
        struct insp_unit u;
        if (insp_unit(c, units[i], field, &u)) {
            e = ctx_fail_field(c, field, "%s（%s）中的单位 %" PRId64 " 不存在",
                               strcmp(field, "unit_ids") ? "督查对象" : "责任单位", field, units[i]);
            break;
        }
        int64_t count;
        int cap = s.request_cap;
        const char *from = NULL;
        if (k->item ? (e = unit_items(c, k, u.path, &count))
                    : ((e = insp_unit_burden(c, u.id, year, k->ex_insp, k->ex_entry, &count)) ||
                       (e = insp_unit_cap(c, u.id, &cap, &from))))
            break;
        const char *level = !cap ? "none" : count >= cap ? "over" : count + 1 == cap ? "reach" : "under";
        json_array_append_new(rows, json_pack("{sI ss sI so so ss}", "unit_id", (json_int_t)u.id, "unit", u.name,
                                              "count", (json_int_t)count, "cap", cap ? json_integer(cap) : json_null(),
                                              "cap_from", from ? json_string(from) : json_null(), "level", level));
        json_t *w = cap_warning(c, k, &u, year, count, cap, from, level);
        if (w)
            json_array_append_new(warnings, w);
        e = unit_overlaps(c, u.id, u.name, start, end, k->ex_insp, k->ex_entry, warnings);
        if (!e && k->item)
            e = item_overlaps(c, k, &u, start, end, warnings);
    }
    if (e) {
        json_decref(rows);
        json_decref(warnings);
        return e;
    }
    if (rows_out)
        *rows_out = rows;
    else
        json_decref(rows);
    *out = warnings;
    return ERR_OK;
}

enum err insp_burden_warnings(struct ctx *c, const int64_t *units, int n, const char *start, const char *end,
                              int64_t ex_insp, int64_t ex_entry, json_t **rows_out, json_t **out)
{
    struct ask k = {.ex_insp = ex_insp, .ex_entry = ex_entry};
    return run(c, &k, units, n, start, end, "target_unit_ids", rows_out, out);
}

enum err insp_request_burden(struct ctx *c, const struct burden_request *r, json_t **warnings)
{
    struct ask k = {.item = true, .ex_item = r->object_id, .office_path = r->office_path};
    const char *end = strcmp(r->end, r->start) < 0 ? r->start : r->end;
    enum err e = run(c, &k, r->unit_ids, r->nunits, r->start, end, "unit_ids", NULL, warnings);
    if (e || !r->check)
        return e;
    const char *over = NULL;
    size_t i;
    json_t *w;
    json_array_foreach(*warnings, i, w)
    {
        if (json_is_true(json_object_get(w, "needs_reason")))
            over =
                arena_printf(c->arena, "%s%s%s%d年已接收交办事项 %" PRId64 " 件，已达每个单位每年 %" PRId64 " 件的上限",
                             over ? over : "", over ? "；" : "", json_string_value(json_object_get(w, "unit")),
                             insp_year(r->start), (int64_t)json_integer_value(json_object_get(w, "count")),
                             (int64_t)json_integer_value(json_object_get(w, "cap")));
    }
    if (!over)
        return ERR_OK;
    int64_t gov = 0;
    if ((e = db_one_int(c->db, &gov, "SELECT id FROM units WHERE path = ?", DB_TEXT(r->office_path))))
        e = ctx_db_fail(c, e, "读取立项政府");
    const struct caps_check ck = {.office_unit_id = gov,
                                  .year = insp_year(r->start),
                                  .object_type = r->object_type,
                                  .object_id = r->object_id,
                                  .reason = r->reason};
    const char *detail = arena_printf(c->arena, "%s（减负）", over);
    if (!e)
        e = insp_caps_broken(
            c, &ck, "request", detail,
            arena_printf(c->arena, "%s，如确需交办，请填写例外理由（burden_reason），随事项报批。", over));
    if (e) {
        json_decref(*warnings);
        *warnings = NULL;
    }
    return e;
}

enum err insp_burden_check(struct ctx *c, const json_t *body, json_t **out)
{
    const char *start = jv_str(body, "start_date"), *end = jv_str(body, "end_date");
    if (strcmp(start, end) > 0)
        return ctx_fail_field(c, "end_date", "结束日期（end_date）不能早于开始日期（start_date）");
    int n;
    int64_t *units = insp_int_array(c, json_object_get(body, "target_unit_ids"), &n);
    json_t *rows, *warnings;
    const char *request = jv_str(body, "request");
    bool item = request && !strcmp(request, "item");
    if (request && !item && strcmp(request, "inspection"))
        return ctx_fail_field(c, "request", "要求类型（request）应为 inspection（督查检查）或 item（交办事项）");
    const char *gov = NULL;
    if (item) {
        /* the issuer: the government where the user registers items (its own items are no overlap) */
        int ng;
        const char **scope = perm_scope_cap(c, CAP_ITEM_REGISTER, &ng);
        if (ng < 1)
            return ctx_fail(c, ERR_FORBIDDEN, "只有能立项的督查室可以检查交办事项的基层负担");
        gov = scope[0];
    }
    struct ask k = {.item = item,
                    .ex_insp = jv_int(body, "exclude_inspection_id", 0),
                    .ex_entry = jv_int(body, "exclude_entry_id", 0),
                    .ex_item = jv_int(body, "exclude_item_id", 0),
                    .office_path = gov};
    enum err e = run(c, &k, units, n, start, end, "target_unit_ids", &rows, &warnings);
    if (e)
        return e;
    struct insp_settings s;
    if ((e = insp_settings_load(c, &s))) {
        json_decref(rows);
        json_decref(warnings);
        return e;
    }
    int cap = item ? s.request_cap : s.unit_cap;
    *out = json_pack("{si ss so so so}", "year", insp_year(start), "request", item ? "item" : "inspection", "unit_cap",
                     cap ? json_integer(cap) : json_null(), "units", rows, "warnings", warnings);
    return ERR_OK;
}
