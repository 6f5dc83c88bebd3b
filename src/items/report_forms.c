/*
 * report_forms.c: the periodic report as a structured form (issue 12; 江苏 004: 重要会议、文件30日内报告贯彻落实
 * 情况, quarterly reports by 7/15, 10/15 and 1/15, monthly progress summaries of ongoing work; "最多报一次").
 * The obligations are the deadline module's milestones (implementation_report, periodic_report); the unit
 * answers with its progress report (the item workflow's "report" row: who may, in which state, the to-dos),
 * which carries the form's fields and names the milestone it closed (item_deadlines.c).
 *   items_report_form     what the unit is asked for, pre-filled with what ducha holds: the item, the
 *                         obligation and its period, the track's milestones and percent, whether it is
 *                         overdue, and the unit's previous report (its problems, next steps and support needed
 *                         as the draft); the unit writes only what has changed.
 *   items_report_rollup   the office's table: for a period, per unit below the scope (a county's departments and
 *                         towns; a city's counties) the obligations due, submitted, on time, late and missed,
 *                         and the units' forms; one aggregate per unit of the page and one page of forms.
 *   items_report_late_notice   the office hears of a report submitted after its day.
 */
#include "items/items_internal.h"

#include "base/timeu.h"
#include "base/utf8.h"
#include "calendar/workdays.h"
#include "deadlines/deadlines.h"
#include "notify/notify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The form's kind and its words, from the milestone's kind and its rule's unit (dates: quarterly). */
#define FORM_KIND_SQL                                                                                                  \
    "CASE WHEN m.kind = 'implementation_report' THEN 'implementation' WHEN m.kind = 'first_feedback' THEN "            \
    "'first_feedback' WHEN dr.unit = 'dates' THEN 'quarterly' ELSE 'monthly' END"

static const char *form_label(const char *kind)
{
    return !strcmp(kind, "implementation")   ? "贯彻落实情况报告（30日内）"
           : !strcmp(kind, "quarterly")      ? "季度进展报告"
           : !strcmp(kind, "first_feedback") ? "首次书面反馈"
                                             : "月度进展报告";
}

/* The period a report covers, in words: a quarter for a quarterly report (due 7/15: 第二季度), else the days
 * from the previous obligation's day (or the assignment) to this one's. */
static const char *period_label(struct ctx *c, const char *kind, const char *from, const char *to)
{
    if (!strcmp(kind, "quarterly")) {
        int y = atoi(to), m = atoi(to + 5);
        int q = m <= 3 ? 4 : (m - 1) / 3;
        return arena_printf(c->arena, "%d年第%s季度", m <= 3 ? y - 1 : y,
                            (const char *[]){"一", "二", "三", "四"}[q - 1]);
    }
    return arena_printf(c->arena, "%d年%d月%d日至%d年%d月%d日", atoi(from), atoi(from + 5), atoi(from + 8), atoi(to),
                        atoi(to + 5), atoi(to + 8));
}

/* ---- the late report: the office is told ---- */

enum err items_report_late_notice(struct ctx *c, const struct item *it, const struct track *tr, int64_t ms_id)
{
    const char *due = NULL;
    int64_t gov = 0; /* the office role is held at the government (items.office_unit_id is its 督查室) */
    enum err e = db_one_text(c->db, c->arena, &due, "SELECT due_date FROM milestones WHERE id = ?", DB_INT(ms_id));
    if (!e)
        e = db_one_int(c->db, &gov, "SELECT id FROM units WHERE path = ?", DB_TEXT(it->office_path));
    if (e)
        return ctx_db_fail(c, e, "读取报告时限");
    struct notice n = {.kind = MSG_SYSTEM,
                       .object_type = "item",
                       .object_id = it->id,
                       .link = arena_printf(c->arena, "/items/%" PRId64, it->id)};
    n.subject = arena_printf(c->arena, "【逾期报送】%s报送《%s》的定期报告晚于%s", tr->unit_name,
                             utf8_inner_title(c->arena, it->title), due);
    n.body = arena_printf(c->arena, "%s应于%s前报送的督办事项%s《%s》的报告，已于逾期后报送，请在定期报告汇总中查看。",
                          tr->unit_name, due, it->number ? it->number : "", utf8_inner_title(c->arena, it->title));
    return notify_role_at(c, gov, "office", &n);
}

/* ---- the form ---- */

/* The track the form is for: track_id, or the user's own unit's track, or the lead track. */
static const struct track *form_track(struct ctx *c, struct item *it, int64_t track_id)
{
    for (int k = 0; track_id && k < it->ntracks; k++)
        if (it->tracks[k].id == track_id)
            return &it->tracks[k];
    if (track_id) {
        ctx_fail_field(c, "track_id", "责任单位（track_id）不是该督办事项的责任单位");
        return NULL;
    }
    for (int k = 0; c->user && k < it->ntracks; k++)
        if (perm_cap_role_at(c->user, CAP_ITEM_HANDLE, -1, it->tracks[k].unit_path))
            return &it->tracks[k];
    for (int k = 0; k < it->ntracks; k++)
        if (it->tracks[k].lead)
            return &it->tracks[k];
    if (it->ntracks)
        return &it->tracks[0];
    ctx_fail(c, ERR_CONFLICT, "督办事项尚未交办，没有需要报送的报告");
    return NULL;
}

/* The track's milestones; *obligation: the one the next report answers (first feedback, the implementation
 * report, the earliest periodic report — the order of item_deadlines.c), or NULL. */
static enum err form_milestones(struct ctx *c, const struct item *it, const struct track *tr, json_t **list,
                                json_t **obligation)
{
    struct stmt *st = db_query(c->db,
                               "SELECT m.id, m.kind, m.seq, m.due_date, m.state, m.done_late, " FORM_KIND_SQL
                               " FROM milestones m LEFT JOIN deadline_rules dr ON dr.id = m.rule_id "
                               "WHERE m.owner_kind = 'item' AND m.owner_id = ? AND m.unit_id = ? "
                               "ORDER BY m.due_date, m.id",
                               DB_INT(it->id), DB_INT(tr->unit_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取时限节点");
    char today[11];
    cal_format_date(time_local_day(c->now), today);
    const char *assigned = it->assigned_at ? arena_printf(c->arena, "%.10s", it->assigned_at) : today;
    static const char *const order[] = {"first_feedback", "implementation_report", "periodic_report"};
    int best = 3, rc;
    const char *prev_periodic = NULL;
    *list = json_array();
    *obligation = NULL;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const char *kind = stmt_text(st, 1), *due = stmt_text(st, 3), *state = stmt_text(st, 4);
        enum ms_kind mk;
        json_array_append_new(*list, json_pack("{sI ss ss si ss ss sb}", "id", (json_int_t)stmt_int(st, 0), "kind",
                                               kind, "kind_label", ms_kind_parse(kind, &mk) ? ms_kind_label(mk) : kind,
                                               "seq", (int)stmt_int(st, 2), "due_date", due, "state", state,
                                               "done_late", stmt_int(st, 5) != 0));
        int rank = 3;
        for (int i = 0; i < 3; i++)
            if (!strcmp(kind, order[i]))
                rank = i;
        if (rank < best && !strcmp(state, "open")) {
            best = rank;
            json_decref(*obligation);
            const char *fk = stmt_text(st, 6);
            const char *from = rank == 2 && prev_periodic ? prev_periodic : assigned;
            int64_t d_due = 0, d_today = time_local_day(c->now);
            cal_parse_date(due, &d_due);
            *obligation =
                json_pack("{sI ss ss ss si ss ss ss ss sb si}", "milestone_id", (json_int_t)stmt_int(st, 0), "kind",
                          kind, "form_kind", fk, "label", form_label(fk), "seq", (int)stmt_int(st, 2), "due_date", due,
                          "period_from", from, "period_to", due, "period_label", period_label(c, fk, from, due),
                          "overdue", d_today > d_due, "days_overdue", d_today > d_due ? (int)(d_today - d_due) : 0);
        }
        if (!strcmp(kind, "periodic_report"))
            prev_periodic = arena_printf(c->arena, "%s", due);
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(*list);
        json_decref(*obligation);
        return ctx_store_fail(c, rc, "读取时限节点");
    }
    return ERR_OK;
}

/* The unit's previous reports on the item, newest first (at most 5), as the form shows them. */
static enum err form_previous(struct ctx *c, int64_t item_id, int64_t unit_id, json_t **out)
{
    struct stmt *st = db_query(c->db,
                               "SELECT id, created_at, text, percent, problems, next_steps, support, review "
                               "FROM item_reports WHERE item_id = ? AND unit_id = ? ORDER BY id DESC LIMIT 5",
                               DB_INT(item_id), DB_INT(unit_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取进展报告");
    *out = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(*out,
                              json_pack("{sI ss ss si ss ss ss ss}", "id", (json_int_t)stmt_int(st, 0), "created_at",
                                        stmt_text(st, 1), "text", stmt_text(st, 2), "percent", (int)stmt_int(st, 3),
                                        "problems", stmt_text(st, 4), "next_steps", stmt_text(st, 5), "support",
                                        stmt_text(st, 6), "review", stmt_text(st, 7)));
    stmt_done(st);
    if (rc < 0) {
        json_decref(*out);
        return ctx_store_fail(c, rc, "读取进展报告");
    }
    return ERR_OK;
}

enum err items_report_form(struct ctx *c, int64_t id, int64_t track_id, json_t **out)
{
    struct item it;
    enum err e = item_load_visible(c, id, &it);
    if (e)
        return e;
    const struct track *tr = form_track(c, &it, track_id);
    if (!tr)
        return c->err;
    json_t *ms = NULL, *obligation = NULL, *previous = NULL;
    if ((e = form_milestones(c, &it, tr, &ms, &obligation)))
        return e;
    if ((e = form_previous(c, it.id, tr->unit_id, &previous))) {
        json_decref(ms);
        json_decref(obligation);
        return e;
    }
    /* the work is overdue when the track's resolution is open past its day */
    bool overdue = false;
    size_t i;
    json_t *m;
    int64_t today = time_local_day(c->now), due;
    json_array_foreach(ms, i, m) if (!strcmp(json_string_value(json_object_get(m, "kind")), "resolution") &&
                                     !strcmp(json_string_value(json_object_get(m, "state")), "open") &&
                                     cal_parse_date(json_string_value(json_object_get(m, "due_date")), &due) &&
                                     today > due) overdue = true;
    json_t *last = json_array_get(previous, 0);
    json_t *draft = json_pack("{ss si ss ss ss}", "text", "", "percent", tr->progress, "problems",
                              last ? json_string_value(json_object_get(last, "problems")) : "", "next_steps",
                              last ? json_string_value(json_object_get(last, "next_steps")) : "", "support",
                              last ? json_string_value(json_object_get(last, "support")) : "");
    json_t *actions = item_allowed_actions(c, &it, tr);
    bool can = false;
    json_array_foreach(actions, i, m) if (!strcmp(json_string_value(m), "report")) can = true;
    json_decref(actions);
    *out = json_pack("{s{sI so ss ss so ss ss} s{sI ss} sI sb so si sb so so so sb}", "item", "id", (json_int_t)it.id,
                     "number", item_str_or_null(it.number), "title", it.title, "requirement",
                     it.requirement ? it.requirement : "", "due_date", item_str_or_null(it.due_date), "importance",
                     it.importance ? it.importance : "", "state", item_state_name(it.state), "unit", "id",
                     (json_int_t)tr->unit_id, "name", tr->unit_name, "track_id", (json_int_t)tr->id, "lead", tr->lead,
                     "obligation", obligation ? obligation : json_null(), "percent", tr->progress, "overdue", overdue,
                     "milestones", ms, "previous", previous, "draft", draft, "can_submit", can);
    return ERR_OK;
}

/* ---- the roll-up ---- */

/* The scope of a roll-up: unit_id (0: the reader's government) — it must be visible (404), and the reader
 * must read items at a government at or above it (403: a unit reads its own reports on the items). */
static enum err rollup_scope(struct ctx *c, int64_t unit_id, int64_t *scope_id, const char **path, const char **name)
{
    enum err e;
    if (unit_id) {
        e = db_one_text(c->db, c->arena, path, "SELECT path FROM units WHERE id = ?", DB_INT(unit_id));
        if (e == ERR_NOT_FOUND)
            return ctx_fail(c, ERR_NOT_FOUND, "单位不存在");
        if (e || (e = db_one_text(c->db, c->arena, name, "SELECT name FROM units WHERE id = ?", DB_INT(unit_id))))
            return ctx_db_fail(c, e, "读取单位");
        if ((e = perm_require(c, CAP_ITEM_READ, *path, "单位")))
            return e;
    }
    for (int i = 0; c->user && i < c->user->ngrants; i++) {
        const struct grant *g = &c->user->grants[i];
        const char *kind = NULL;
        if (!perm_grant_has(g, CAP_ITEM_READ) || (unit_id && strncmp(*path, g->unit_path, strlen(g->unit_path))) ||
            db_one_text(c->db, c->arena, &kind, "SELECT kind FROM units WHERE id = ?", DB_INT(g->unit_id)) ||
            strcmp(kind, "government"))
            continue;
        if (!unit_id) {
            unit_id = g->unit_id;
            *path = g->unit_path;
            *name = g->unit_name;
        }
        *scope_id = unit_id;
        return ERR_OK;
    }
    return ctx_fail(c, ERR_FORBIDDEN, "只有本级及上级政府的督查室和领导可以查看定期报告汇总");
}

#define OBLIGATIONS_FROM                                                                                               \
    " FROM milestones m JOIN items i ON i.id = m.owner_id LEFT JOIN deadline_rules dr ON dr.id = m.rule_id "           \
    "WHERE m.owner_kind = 'item' AND m.kind IN ('implementation_report', 'periodic_report') "                          \
    "AND m.state <> 'cancelled' AND m.due_date >= ? AND m.due_date <= ? AND m.scope_path >= ? AND m.scope_path < ? "
/* the kind filter: structure only (the kinds are fixed words) */
static const char *kind_where(const char *kind)
{
    return !kind || !*kind                   ? ""
           : !strcmp(kind, "implementation") ? "AND m.kind = 'implementation_report' "
           : !strcmp(kind, "quarterly")      ? "AND m.kind = 'periodic_report' AND dr.unit = 'dates' "
                                             : "AND m.kind = 'periodic_report' AND COALESCE(dr.unit, '') <> 'dates' ";
}

/* The statement of rollup_count for a kind of report (NULL: both), made once per roll-up (a county's thirty units
 * each formatted and hashed it again). */
static const char *rollup_count_sql(struct ctx *c, const char *kind)
{
    return arena_printf(
        c->arena,
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.state = 'done' THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN m.state = 'done' AND m.done_late = 0 THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN m.state = 'done' AND m.done_late <> 0 THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN m.state = 'open' AND m.due_date < ? THEN 1 ELSE 0 END), 0) " OBLIGATIONS_FROM "%s",
        kind_where(kind));
}

/* Counts the obligations of the subtree at path due in [from, to] with sql (rollup_count_sql): due, submitted, on
 * time, late, missed, open. */
static enum err rollup_count(struct ctx *c, const char *sql, const char *path, const char *from, const char *to,
                             const char *today, json_t **out)
{
    struct stmt *st = db_query(c->db, sql, DB_TEXT(today), DB_TEXT(from), DB_TEXT(to), DB_TEXT(path),
                               DB_TEXT(perm_path_upper(c->arena, path)));
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    if (rc == STORE_ROW) {
        int64_t due = stmt_int(st, 0), done = stmt_int(st, 1), missed = stmt_int(st, 4);
        *out = json_pack("{sI sI sI sI sI sI}", "due", (json_int_t)due, "submitted", (json_int_t)done, "on_time",
                         (json_int_t)stmt_int(st, 2), "late", (json_int_t)stmt_int(st, 3), "missed", (json_int_t)missed,
                         "open", (json_int_t)(due - done - missed));
    }
    stmt_done(st);
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc < 0 ? rc : STORE_E_OTHER, "统计定期报告");
}

/* One page of the obligations with the forms that answered them, by unit and day. */
static enum err rollup_reports(struct ctx *c, const char *path, const char *from, const char *to, const char *kind,
                               const char *today, int limit, int offset, json_t **out)
{
    const char *sql = arena_printf(
        c->arena,
        "SELECT m.id, m.owner_id, i.number, i.title, m.unit_id, u.name, u.path, m.kind, " FORM_KIND_SQL
        ", m.due_date, m.state, m.done_late, m.done_at, r.id, r.text, r.percent, r.problems, r.next_steps, r.support "
        "FROM milestones m JOIN items i ON i.id = m.owner_id JOIN units u ON u.id = m.unit_id "
        "LEFT JOIN deadline_rules dr ON dr.id = m.rule_id LEFT JOIN item_reports r ON r.milestone_id = m.id "
        "WHERE m.owner_kind = 'item' AND m.kind IN ('implementation_report', 'periodic_report') "
        "AND m.state <> 'cancelled' AND m.due_date >= ? AND m.due_date <= ? AND m.scope_path >= ? AND m.scope_path < ? "
        "%sORDER BY u.path, m.due_date, m.id LIMIT ? OFFSET ?",
        kind_where(kind));
    struct stmt *st = db_query(c->db, sql, DB_TEXT(from), DB_TEXT(to), DB_TEXT(path),
                               DB_TEXT(perm_path_upper(c->arena, path)), DB_INT(limit), DB_INT(offset));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取定期报告");
    *out = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const char *state = stmt_text(st, 10), *fk = stmt_text(st, 8), *num = stmt_text(st, 2);
        bool done = !strcmp(state, "done");
        const char *status = done                                  ? (stmt_int(st, 11) ? "late" : "on_time")
                             : strcmp(stmt_text(st, 9), today) < 0 ? "missed"
                                                                   : "open";
        json_t *row = json_pack("{sI sI so ss sI ss ss ss ss ss ss}", "milestone_id", (json_int_t)stmt_int(st, 0),
                                "item_id", (json_int_t)stmt_int(st, 1), "number", item_str_or_null(num), "title",
                                stmt_text(st, 3), "unit_id", (json_int_t)stmt_int(st, 4), "unit_name", stmt_text(st, 5),
                                "unit_path", stmt_text(st, 6), "kind", stmt_text(st, 7), "form_kind", fk, "label",
                                form_label(fk), "due_date", stmt_text(st, 9));
        json_object_set_new(row, "status", json_string(status));
        json_object_set_new(row, "submitted_at", item_str_or_null(done ? stmt_text(st, 12) : NULL));
        bool has = !stmt_is_null(st, 13);
        json_object_set_new(row, "report_id", has ? json_integer(stmt_int(st, 13)) : json_null());
        json_object_set_new(row, "text", item_str_or_null(has ? stmt_text(st, 14) : NULL));
        json_object_set_new(row, "percent", has ? json_integer(stmt_int(st, 15)) : json_null());
        json_object_set_new(row, "problems", item_str_or_null(has ? stmt_text(st, 16) : NULL));
        json_object_set_new(row, "next_steps", item_str_or_null(has ? stmt_text(st, 17) : NULL));
        json_object_set_new(row, "support", item_str_or_null(has ? stmt_text(st, 18) : NULL));
        json_array_append_new(*out, row);
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(*out);
        return ctx_store_fail(c, rc, "读取定期报告");
    }
    return ERR_OK;
}

enum err items_report_rollup(struct ctx *c, const struct report_rollup_query *q, json_t **out)
{
    int64_t scope = 0;
    const char *path = NULL, *name = NULL;
    enum err e = rollup_scope(c, q->unit_id, &scope, &path, &name);
    if (e)
        return e;
    if (strcmp(q->to, q->from) < 0)
        return ctx_fail_field(c, "to", "截止日期（to）不能早于起始日期（from）");
    char today[11];
    cal_format_date(time_local_day(c->now), today);
    /* the units one level down, each with the counts of its subtree */
    struct stmt *st =
        db_query(c->db, "SELECT id, name, path FROM units WHERE parent_id = ? ORDER BY sort, id", DB_INT(scope));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取单位");
    struct child {
        int64_t id;
        const char *name, *path;
    } *kids = NULL;
    int nk = 0, cap = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (nk == cap) {
            int ncap = cap ? cap * 2 : 16;
            struct child *nkids = arena_alloc(c->arena, sizeof *kids * (size_t)ncap);
            if (nk)
                memcpy(nkids, kids, sizeof *kids * (size_t)nk);
            kids = nkids;
            cap = ncap;
        }
        kids[nk++] = (struct child){stmt_int(st, 0), arena_printf(c->arena, "%s", stmt_text(st, 1)),
                                    arena_printf(c->arena, "%s", stmt_text(st, 2))};
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取单位");
    json_t *groups = json_array(), *totals = NULL, *reports = NULL;
    const char *count_sql = rollup_count_sql(c, q->kind);
    for (int k = 0; k < nk && !e; k++) {
        json_t *g = NULL;
        if (!(e = rollup_count(c, count_sql, kids[k].path, q->from, q->to, today, &g))) {
            json_object_set_new(g, "unit_id", json_integer(kids[k].id));
            json_object_set_new(g, "unit_name", json_string(kids[k].name));
            json_array_append_new(groups, g);
        }
    }
    if (!e)
        e = rollup_count(c, count_sql, path, q->from, q->to, today, &totals);
    if (!e)
        e = rollup_reports(c, path, q->from, q->to, q->kind, today, q->limit, q->offset, &reports);
    if (e) {
        json_decref(groups);
        json_decref(totals);
        return e;
    }
    /* each form names the group (the unit one level down) it is counted in */
    size_t i;
    json_t *r;
    json_array_foreach(reports, i, r)
    {
        const char *up = json_string_value(json_object_get(r, "unit_path"));
        json_t *gid = json_null();
        for (int k = 0; k < nk; k++)
            if (!strncmp(up, kids[k].path, strlen(kids[k].path)))
                gid = json_integer(kids[k].id);
        json_object_set_new(r, "group_id", gid);
        json_object_del(r, "unit_path");
    }
    *out = json_pack("{s{sI ss} ss ss so so so si si}", "scope", "id", (json_int_t)scope, "name", name, "from", q->from,
                     "to", q->to, "kind", q->kind && *q->kind ? json_string(q->kind) : json_null(), "totals", totals,
                     "groups", groups, "limit", q->limit, "offset", q->offset);
    json_object_set_new(*out, "reports", reports);
    return ERR_OK;
}
