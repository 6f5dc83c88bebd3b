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

#include <inttypes.h>
#include <string.h>

enum err insp_unit_burden(struct ctx *c, int64_t unit_id, int year, int64_t self_insp, int64_t self_entry, int64_t *out)
{
    int64_t a = 0, b = 0;
    enum err e = db_one_int(c->db, &a,
                            "SELECT COUNT(*) FROM insp_targets t JOIN inspections i ON i.id = t.inspection_id "
                            "WHERE t.unit_id = ? AND i.year = ? AND i.id <> ? AND i.state NOT IN ('draft', "
                            "'proposed', 'withdrawn', 'merged') AND (i.covert = 0 OR i.findings_issued_at IS NOT NULL)",
                            DB_INT(unit_id), DB_INT(year), DB_INT(self_insp));
    if (!e || e == ERR_NOT_FOUND)
        e = db_one_int(c->db, &b,
                       "SELECT COUNT(*) FROM insp_entry_targets t JOIN insp_entries e ON e.id = t.entry_id "
                       "JOIN insp_plans p ON p.id = e.plan_id WHERE t.unit_id = ? AND p.year = ? AND e.id <> ? "
                       "AND e.state = 'included' AND e.inspection_id IS NULL AND e.methods NOT LIKE '%,covert,%'",
                       DB_INT(unit_id), DB_INT(year), DB_INT(self_entry));
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

enum err insp_burden_warnings(struct ctx *c, const int64_t *units, int n, const char *start, const char *end,
                              int64_t ex_insp, int64_t ex_entry, json_t **rows_out, json_t **out)
{
    enum err e = ERR_OK;
    int year = insp_year(start);
    json_t *rows = json_array(), *warnings = json_array();
    for (int i = 0; i < n && !e; i++) {
        struct insp_unit u;
        if (insp_unit(c, units[i], "target_unit_ids", &u)) {
            e = ctx_fail_field(c, "target_unit_ids", "督查对象（target_unit_ids）中的单位 %" PRId64 " 不存在",
                               units[i]);
            break;
        }
        int64_t count;
        int cap;
        const char *from;
        if ((e = insp_unit_burden(c, u.id, year, ex_insp, ex_entry, &count)) ||
            (e = insp_unit_cap(c, u.id, &cap, &from)))
            break;
        const char *level = !cap ? "none" : count >= cap ? "over" : count + 1 == cap ? "reach" : "under";
        json_array_append_new(rows, json_pack("{sI ss sI so so ss}", "unit_id", (json_int_t)u.id, "unit", u.name,
                                              "count", (json_int_t)count, "cap", cap ? json_integer(cap) : json_null(),
                                              "cap_from", from ? json_string(from) : json_null(), "level", level));
        if (!strcmp(level, "over") || !strcmp(level, "reach")) {
            bool over = !strcmp(level, "over");
            const char *by = from ? arena_printf(c->arena, "（%s设定）", from) : "";
            const char *text =
                over ? arena_printf(c->arena,
                                    "%s%d年已接受督查检查 %" PRId64 " 次，已达每个单位每年 %d 次的上限%s：再督查须填写"
                                    "例外理由，报政府主要领导批准；建议并入已有督查或联合督查",
                                    u.name, year, count, cap, by)
                     : arena_printf(c->arena,
                                    "%s%d年已接受督查检查 %" PRId64 " 次，本次之后将达到每个单位每年 %d 次的上限%s",
                                    u.name, year, count, cap, by);
            json_array_append_new(warnings, json_pack("{ss sI ss sI si sb ss}", "kind", "cap", "unit_id",
                                                      (json_int_t)u.id, "unit", u.name, "count", (json_int_t)count,
                                                      "cap", cap, "needs_reason", over, "text", text));
        }
        e = unit_overlaps(c, u.id, u.name, start, end, ex_insp, ex_entry, warnings);
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

enum err insp_burden_check(struct ctx *c, const json_t *body, json_t **out)
{
    const char *start = jv_str(body, "start_date"), *end = jv_str(body, "end_date");
    if (strcmp(start, end) > 0)
        return ctx_fail_field(c, "end_date", "结束日期（end_date）不能早于开始日期（start_date）");
    int n;
    int64_t *units = insp_int_array(c, json_object_get(body, "target_unit_ids"), &n);
    json_t *rows, *warnings;
    enum err e = insp_burden_warnings(c, units, n, start, end, jv_int(body, "exclude_inspection_id", 0),
                                      jv_int(body, "exclude_entry_id", 0), &rows, &warnings);
    if (e)
        return e;
    struct insp_settings s;
    if ((e = insp_settings_load(c, &s))) {
        json_decref(rows);
        json_decref(warnings);
        return e;
    }
    *out = json_pack("{si so so so}", "year", insp_year(start), "unit_cap",
                     s.unit_cap ? json_integer(s.unit_cap) : json_null(), "units", rows, "warnings", warnings);
    return ERR_OK;
}
