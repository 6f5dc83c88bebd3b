/*
 * rect.c: rectification tasks (整改任务) as data: created when an inspection's findings are issued,
 * loaded for the engine (one part: the responsible unit), their JSON with the traffic light of the
 * deadline, the list, and the look-back scheduler: a verified problem likely to rebound comes back as a
 * draft inspection of its unit (回头看) when its day arrives, with a to-do for the office.
 *
 * Who sees a task: the office side of the inspection's government, the responsible unit (and the
 * leaders whose portfolio holds it), and the inspection's team. Tasks exist only once the findings are
 * issued, so an unannounced inspection's secrecy has ended by then.
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "calendar/workdays.h"
#include "core/claim.h"
#include "notify/notify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* How far the unit says it is: 100 once its head has signed the rectification report (awaiting verification, or
 * verified), else the percent of its latest progress report; after a return, that percent again (as an item's track). */
int rect_progress(const struct rect *r)
{
    return r->state == RECT_ST_SUBMITTED || r->state == RECT_ST_VERIFIED ? 100 : r->progress;
}

enum err rect_load(struct ctx *c, int64_t id, struct rect *r)
{
    memset(r, 0, sizeof *r);
    struct stmt *st = db_query(
        c->db,
        "SELECT r.id, r.finding_id, r.inspection_id, r.office_unit_id, r.office_path, r.unit_id, r.unit_path, u.name, "
        "u.code, r.number, r.title, r.requirement, r.due_date, r.state, r.progress, r.received_at, r.report_text, "
        "r.verify_text, r.verified_by, r.verified_at, r.immediate, r.rebound, r.escalated, r.created_at, r.updated_at, "
        "r.version, COALESCE(i.number, ''), i.subject FROM rect_tasks r JOIN units u ON u.id = r.unit_id "
        "JOIN inspections i ON i.id = r.inspection_id WHERE r.id = ?",
        DB_INT(id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取整改任务");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        int k = 0;
        r->id = stmt_int(st, k++);
        r->finding_id = stmt_int(st, k++);
        r->inspection_id = stmt_int(st, k++);
        r->office_unit_id = stmt_int(st, k++);
        r->office_path = insp_col(c, st, k++);
        r->unit_id = stmt_int(st, k++);
        r->unit_path = insp_col(c, st, k++);
        r->unit_name = insp_col(c, st, k++);
        r->unit_code = insp_col(c, st, k++);
        r->number = insp_col(c, st, k++);
        r->title = insp_col(c, st, k++);
        r->requirement = insp_col(c, st, k++);
        r->due_date = insp_col(c, st, k++);
        wf_state_parse(&rect_workflow, stmt_text(st, k++), &r->state);
        r->progress = (int)stmt_int(st, k++);
        r->received_at = insp_col(c, st, k++);
        r->report_text = insp_col(c, st, k++);
        r->verify_text = insp_col(c, st, k++);
        r->verified_by = stmt_is_null(st, k) ? 0 : stmt_int(st, k);
        k++;
        r->verified_at = insp_col(c, st, k++);
        r->immediate = stmt_int(st, k++) != 0;
        r->rebound = stmt_int(st, k++) != 0;
        r->escalated = stmt_int(st, k++) != 0;
        r->created_at = insp_col(c, st, k++);
        r->updated_at = insp_col(c, st, k++);
        r->version = stmt_int(st, k++);
        r->insp_number = insp_col(c, st, k++);
        r->insp_subject = insp_col(c, st, k++);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取整改任务");
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "整改任务不存在或无权查看");
    /* the inspection's team sees its tasks */
    st = db_query(c->db, "SELECT user_id FROM insp_team WHERE inspection_id = ? AND user_id IS NOT NULL",
                  DB_INT(r->inspection_id));
    r->team = arena_alloc(c->arena, sizeof *r->team * 64);
    while (st && stmt_step(st) == STORE_ROW && r->nteam < 64)
        r->team[r->nteam++] = stmt_int(st, 0);
    if (st)
        stmt_done(st);
    r->unit_paths[0] = r->unit_path;
    r->scope = (struct perm_item){.office_path = r->office_path,
                                  .unit_paths = r->unit_paths,
                                  .nunits = 1,
                                  .units_see = true,
                                  .read_cap = CAP_INSP_READ,
                                  .members = r->team,
                                  .nmembers = r->nteam};
    r->track = (struct wf_part){0, r->id, r->state, r->unit_id, r->unit_path, r->unit_name, 0};
    struct wf_obj *o = &r->wf;
    o->id = r->id;
    o->version = r->version;
    o->state = r->state;
    o->resume_state = r->state;
    o->home_path = r->office_path;
    o->home_unit_id = r->office_unit_id;
    o->scope = r->scope;
    o->number = r->number;
    o->title = r->title;
    o->due_date = r->due_date;
    o->parts = &r->track;
    o->nparts = o->ntracks = 1;
    return ERR_OK;
}

static bool running(int s)
{
    return s != RECT_ST_VERIFIED && s != RECT_ST_WITHDRAWN;
}

static json_t *rect_json(struct ctx *c, struct rect *r)
{
    char today[11], yellow[11];
    insp_light_dates(c, today, yellow);
    const char *lookback = NULL;
    int64_t lookback_id = 0;
    db_one_text(c->db, c->arena, &lookback, "SELECT due_date FROM insp_lookbacks WHERE task_id = ?", DB_INT(r->id));
    db_one_int(c->db, &lookback_id,
               "SELECT COALESCE(MAX(created_inspection_id), 0) FROM insp_lookbacks WHERE task_id = ?", DB_INT(r->id));
    if (lookback_id) { /* the look-back once opened, for those who may see it */
        struct insp lb;
        if (insp_load(c, lookback_id, &lb) || !perm_item_visible(c->user, &lb.scope))
            lookback_id = 0;
    }
    json_t *evidence = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT id, filename, content_type, created_at FROM insp_evidence WHERE task_id = ? "
                               "ORDER BY id",
                               DB_INT(r->id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(
            evidence, json_pack("{sI ss ss ss ss}", "id", (json_int_t)stmt_int(st, 0), "filename", stmt_text(st, 1),
                                "content_type", stmt_text(st, 2), "created_at", stmt_text(st, 3), "url",
                                arena_printf(c->arena, "/api/v1/evidence/%" PRId64, stmt_int(st, 0))));
    if (st)
        stmt_done(st);
    json_t *j = json_pack("{sI ss ss ss ss ss ss ss si s{sI ss ss} s{sI ss ss} sI sb sb sb}", "id", (json_int_t)r->id,
                          "kind_of", "rectification", "number", r->number, "title", r->title, "requirement",
                          r->requirement, "due_date", r->due_date, "state", wf_state_name(&rect_workflow, r->state),
                          "state_label", wf_state_label(&rect_workflow, r->state), "progress", rect_progress(r), "unit",
                          "id", (json_int_t)r->unit_id, "name", r->unit_name, "code", r->unit_code, "inspection", "id",
                          (json_int_t)r->inspection_id, "number", r->insp_number, "subject", r->insp_subject,
                          "finding_id", (json_int_t)r->finding_id, "immediate", r->immediate, "rebound", r->rebound,
                          "escalated", r->escalated);
    json_object_set_new(j, "light", json_string(insp_light(r->due_date, running(r->state), today, yellow)));
    json_object_set_new(j, "received_at", r->received_at ? json_string(r->received_at) : json_null());
    json_object_set_new(j, "report_text", r->report_text ? json_string(r->report_text) : json_null());
    json_object_set_new(j, "verify_text", r->verify_text ? json_string(r->verify_text) : json_null());
    json_object_set_new(j, "verified_by", json_string(insp_user_name(c, r->verified_by)));
    json_object_set_new(j, "verified_at", r->verified_at ? json_string(r->verified_at) : json_null());
    json_object_set_new(j, "lookback_due", lookback ? json_string(lookback) : json_null());
    json_object_set_new(j, "lookback_inspection_id", lookback_id ? json_integer(lookback_id) : json_null());
    json_object_set_new(j, "evidence", evidence);
    json_object_set_new(j, "created_at", json_string(r->created_at));
    json_object_set_new(j, "version", json_integer(r->version));
    json_object_set_new(j, "allowed_actions", workflow_allowed_actions(c, &rect_workflow, &r->wf, -1));
    json_object_set_new(j, "unit_actions", workflow_allowed_actions(c, &rect_workflow, &r->wf, 0));
    return j;
}

enum err rect_get(struct ctx *c, int64_t id, json_t **out)
{
    struct rect r;
    enum err e = rect_load(c, id, &r);
    if (e == ERR_NOT_FOUND || (!e && !perm_item_visible(c->user, &r.scope)))
        return ctx_fail(c, ERR_NOT_FOUND, "整改任务不存在或无权查看");
    if (e)
        return e;
    *out = rect_json(c, &r);
    /* the page of one task (not the list): the public's satisfaction so far (满意度调查 attached to it), for whom
     * reads the office's surveys — what the verification will quote, seen before deciding it */
    json_t *sat = NULL;
    if (c->user && perm_at(c->user, CAP_CLUE_READ, r.office_path) && !hooks_satisfaction(c, "rect_task", r.id, &sat))
        json_object_set_new(*out, "satisfaction", sat ? sat : json_null());
    return ERR_OK;
}

enum err rect_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out)
{
    return insp_act_named(c, &rect_workflow, id, action, body, rect_get, out);
}

enum err rect_list(struct ctx *c, const struct rect_query *q, json_t **out)
{
    int s;
    if (q->state && *q->state && !wf_state_parse(&rect_workflow, q->state, &s))
        return ctx_fail(c, ERR_BAD_REQUEST, "状态（state）不是整改任务的状态（见 GET /api/v1/workflows）");
    /* the office side, the responsible units (and portfolios), the team */
    int n;
    const char **scope = perm_scope_cap(c, CAP_INSP_READ, &n);
    struct db_bind b[200];
    int nb = 0;
    const char *where = c->user ? "(0 = 1" : "(1 = 1";
    for (int i = 0; c->user && i < n && nb < 150; i++) {
        where = arena_printf(
            c->arena, "%s OR (r.office_path >= ? AND r.office_path < ?) OR (r.unit_path >= ? AND r.unit_path < ?)",
            where);
        const char *up = perm_path_upper(c->arena, scope[i]);
        b[nb++] = DB_TEXT(scope[i]);
        b[nb++] = DB_TEXT(up);
        b[nb++] = DB_TEXT(scope[i]);
        b[nb++] = DB_TEXT(up);
    }
    for (int i = 0; c->user && n && i < c->user->nportfolio && nb < 160; i++) {
        where = arena_printf(c->arena, "%s OR (r.unit_path >= ? AND r.unit_path < ?)", where);
        b[nb++] = DB_TEXT(c->user->portfolio_paths[i]);
        b[nb++] = DB_TEXT(perm_path_upper(c->arena, c->user->portfolio_paths[i]));
    }
    if (c->user) {
        where = arena_printf(c->arena,
                             "%s OR EXISTS (SELECT 1 FROM insp_team m WHERE m.inspection_id = r.inspection_id AND "
                             "m.user_id = ?)",
                             where);
        b[nb++] = DB_INT(c->user->id);
    }
    where = arena_printf(c->arena, "%s)", where);
    if (q->state && *q->state) {
        where = arena_printf(c->arena, "%s AND r.state = ?", where);
        b[nb++] = DB_TEXT(q->state);
    }
    if (q->inspection_id) {
        where = arena_printf(c->arena, "%s AND r.inspection_id = ?", where);
        b[nb++] = DB_INT(q->inspection_id);
    }
    if (q->unit_id) {
        const char *path = NULL;
        if (db_one_text(c->db, c->arena, &path, "SELECT path FROM units WHERE id = ?", DB_INT(q->unit_id)))
            path = "/none/";
        where = arena_printf(c->arena, "%s AND r.unit_path >= ? AND r.unit_path < ?", where);
        b[nb++] = DB_TEXT(path);
        b[nb++] = DB_TEXT(perm_path_upper(c->arena, path));
    }
    char today[11], yellow[11];
    insp_light_dates(c, today, yellow);
    const char *open = "r.state NOT IN ('verified', 'withdrawn')";
    /* the counts per light under the other filters (the list's cards: 全部 and each light, whichever is chosen) */
    struct db_bind lb[sizeof b / sizeof *b + 5];
    lb[0] = DB_TEXT(today);
    lb[1] = DB_TEXT(today);
    lb[2] = DB_TEXT(yellow);
    lb[3] = DB_TEXT(yellow);
    memcpy(lb + 4, b, sizeof *b * (size_t)nb);
    lb[4 + nb] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    int64_t lights[4] = {0};
    struct stmt *lst = db_query_a(
        c->db,
        arena_printf(c->arena,
                     "SELECT COUNT(*), COALESCE(SUM(CASE WHEN %s AND r.due_date < ? THEN 1 ELSE 0 END), 0), "
                     "COALESCE(SUM(CASE WHEN %s AND r.due_date >= ? AND r.due_date <= ? THEN 1 ELSE 0 END), 0), "
                     "COALESCE(SUM(CASE WHEN %s AND r.due_date > ? THEN 1 ELSE 0 END), 0) FROM rect_tasks r WHERE %s",
                     open, open, open, where),
        lb);
    if (!lst)
        return ctx_store_fail(c, STORE_E_OTHER, "读取整改任务");
    if (stmt_step(lst) == STORE_ROW)
        for (int i = 0; i < 4; i++)
            lights[i] = stmt_int(lst, i);
    stmt_done(lst);
    int chosen = 0; /* the light asked for, as an index of lights: its count is the total */
    if (q->light && *q->light) {
        if (!strcmp(q->light, "red")) {
            chosen = 1;
            where = arena_printf(c->arena, "%s AND %s AND r.due_date < ?", where, open);
            b[nb++] = DB_TEXT(today);
        } else if (!strcmp(q->light, "yellow")) {
            chosen = 2;
            where = arena_printf(c->arena, "%s AND %s AND r.due_date >= ? AND r.due_date <= ?", where, open);
            b[nb++] = DB_TEXT(today);
            b[nb++] = DB_TEXT(yellow);
        } else if (!strcmp(q->light, "green")) {
            chosen = 3;
            where = arena_printf(c->arena, "%s AND %s AND r.due_date > ?", where, open);
            b[nb++] = DB_TEXT(yellow);
        } else {
            return ctx_fail(c, ERR_BAD_REQUEST, "亮灯（light）应为 red、yellow 或 green");
        }
    }
    int64_t total = lights[chosen]; /* read above with the others */
    b[nb++] = DB_INT(q->per_page);
    b[nb++] = DB_INT((int64_t)(q->page - 1) * q->per_page);
    b[nb] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    struct stmt *st =
        db_query_a(c->db,
                   arena_printf(c->arena,
                                "SELECT r.id FROM rect_tasks r WHERE %s ORDER BY CASE WHEN %s THEN 0 ELSE 1 END, "
                                "r.due_date, r.id LIMIT ? OFFSET ?",
                                where, open),
                   b);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取整改任务");
    int64_t ids[200];
    int k = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && k < 200)
        ids[k++] = stmt_int(st, 0);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取整改任务");
    json_t *arr = json_array();
    for (int i = 0; i < k; i++) {
        struct rect r;
        if (rect_load(c, ids[i], &r) || !perm_item_visible(c->user, &r.scope))
            continue;
        json_t *j = rect_json(c, &r);
        json_object_del(j, "evidence");
        json_array_append_new(arr, j);
    }
    *out = json_pack("{so sI si si s{sI sI sI sI}}", "tasks", arr, "total", (json_int_t)total, "page", q->page,
                     "per_page", q->per_page, "lights", "all", (json_int_t)lights[0], "red", (json_int_t)lights[1],
                     "yellow", (json_int_t)lights[2], "green", (json_int_t)lights[3]);
    return ERR_OK;
}

enum err rect_open_count(struct ctx *c, int64_t inspection_id, int64_t *n)
{
    *n = 0;
    enum err e = db_one_int(c->db, n,
                            "SELECT COUNT(*) FROM rect_tasks WHERE inspection_id = ? AND state NOT IN ('verified', "
                            "'withdrawn')",
                            DB_INT(inspection_id));
    return ctx_db_fail(c, e, "统计整改任务");
}

bool insp_closable(struct ctx *c, const struct insp *it)
{
    int64_t tasks = 0, reviews = 0;
    return !rect_open_count(c, it->id, &tasks) && !tasks && !review_open_count(c, it->id, &reviews) && !reviews;
}

enum err rect_create(struct ctx *c, const struct insp *it, int64_t finding_id, int64_t unit_id, const char *unit_path,
                     const char *title, const char *requirement, const char *due, bool immediate, bool rebound,
                     const char *fix_note, int64_t *out)
{
    int64_t seq = 0;
    db_one_int(c->db, &seq, "SELECT COUNT(*) FROM rect_tasks WHERE inspection_id = ?", DB_INT(it->id));
    const char *number = arena_printf(c->arena, "%s-%" PRId64, it->number ? it->number : "督查", seq + 1);
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_one_int(c->db, out,
                            "INSERT INTO rect_tasks (finding_id, inspection_id, office_unit_id, office_path, unit_id, "
                            "unit_path, number, title, requirement, due_date, state, immediate, rebound, created_at, "
                            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'assigned', ?, ?, ?, ?) RETURNING id",
                            DB_INT(finding_id), DB_INT(it->id), DB_INT(it->office_unit_id), DB_TEXT(it->office_path),
                            DB_INT(unit_id), DB_TEXT(unit_path), DB_TEXT(number), DB_TEXT(title), DB_TEXT(requirement),
                            DB_TEXT(due), DB_INT(immediate), DB_INT(rebound), DB_TEXT(at), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "交办整改任务");
    json_t *data =
        json_pack("{sI sI ss ss sb sb}", "inspection_id", (json_int_t)it->id, "finding_id", (json_int_t)finding_id,
                  "title", title, "due_date", due, "immediate", immediate, "rebound", rebound);
    e = insp_event(c, "rectification", *out, "transition", "create", NULL, "assigned", *out, unit_id, title, data);
    if (!e)
        e = audit_record(c, "rectification.create", "rectification", *out, data);
    json_decref(data);
    if (e)
        return e;
    if (immediate) {
        /* 立行立改: closed at once, with what was done on the spot */
        json_t *body = json_pack("{ss}", "text", fix_note && *fix_note ? fix_note : "立行立改，已当场整改");
        e = workflow_act(c, &rect_workflow, *out, RECT_ACT_CLOSE_NOW, body, NULL);
        json_decref(body);
        return e;
    }
    if ((e = rect_deadline_start(c, *out, unit_id, unit_path, due)))
        return e;
    /* the hand-off: the responsible unit's contact must receive it */
    struct notice n = {.kind = MSG_TODO, .object_type = "rectification", .object_id = *out};
    n.subject = arena_printf(c->arena, "【整改任务】%s", title);
    n.body =
        arena_printf(c->arena, "%s《%s》督查发现的问题已交办贵单位整改：%s\n整改时限：%s。请签收并按期报送整改情况。",
                     it->number ? it->number : "", utf8_inner_title(c->arena, it->subject), title, due);
    return insp_handoff(c, &rect_workflow, *out, &n);
}

/* ---- look-backs (回头看) ---- */

struct scan_args {
    int limit, opened;
};

/* Opens one due look-back: a draft inspection of the unit, linked to the original and its task. */
static enum err lookback_open(struct ctx *c, int64_t lb, int64_t task_id, int64_t insp_id, int64_t unit_id,
                              const char *due)
{
    struct rect r;
    struct insp it;
    enum err e = rect_load(c, task_id, &r);
    if (e || (e = insp_load(c, insp_id, &it)))
        return e;
    const char *unit_path = NULL;
    db_one_text(c->db, c->arena, &unit_path, "SELECT path FROM units WHERE id = ?", DB_INT(unit_id));
    char end[11];
    if ((e = insp_due_after(c, due, 14, true, end)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    int64_t id = 0;
    const char *subject = arena_printf(c->arena, "“%s”整改情况回头看", r.title);
    char vday[11] = "";
    int64_t vt;
    if (r.verified_at && time_parse_iso(r.verified_at, &vt))
        cal_format_date(time_local_day(vt), vday);
    const char *matters = arena_printf(
        c->arena, "%s《%s》发现的问题“%s”%s核查销号，该问题易反弹，按规定开展回头看，核实整改成效是否巩固。",
        it.number ? it.number : "", utf8_inner_title(c->arena, it.subject), r.title,
        *vday ? arena_printf(c->arena, "已于%s", time_date_words(c->arena, vday)) : "已");
    e = db_one_int(
        c->db, &id,
        "INSERT INTO inspections (office_unit_id, office_path, year, subject, matters, kind, methods, covert, "
        "basis, basis_ref, start_date, end_date, state, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 'routine', ',onsite,lookback,', 0, 'lookback', ?, ?, ?, 'draft', ?, ?) "
        "RETURNING id",
        DB_INT(it.office_unit_id), DB_TEXT(it.office_path), DB_INT(insp_year(due)), DB_TEXT(subject), DB_TEXT(matters),
        DB_TEXT(arena_printf(c->arena, "%s 整改任务 %s", it.number ? it.number : "", r.number)), DB_TEXT(due),
        DB_TEXT(end), DB_TEXT(at), DB_TEXT(at));
    if (!e)
        e = db_exec(c->db,
                    "INSERT INTO insp_targets (inspection_id, unit_id, unit_path, state, added_at) VALUES (?, ?, ?, "
                    "'target', ?)",
                    DB_INT(id), DB_INT(unit_id), DB_TEXT(unit_path), DB_TEXT(at));
    if (!e)
        e = db_exec(c->db, "INSERT INTO insp_organisers (inspection_id, unit_id, unit_path, lead) VALUES (?, ?, ?, 1)",
                    DB_INT(id), DB_INT(it.office_unit_id), DB_TEXT(it.office_path));
    if (!e)
        e = insp_add_origin(c, id, "lookback", r.number, task_id, r.title);
    if (!e)
        e = db_exec(c->db, "UPDATE insp_lookbacks SET created_inspection_id = ? WHERE id = ?", DB_INT(id), DB_INT(lb));
    if (e)
        return ctx_db_fail(c, e, "开展回头看");
    int64_t units[1] = {unit_id};
    json_t *data =
        json_pack("{sI sI ss}", "task_id", (json_int_t)task_id, "inspection_id", (json_int_t)insp_id, "due_date", due);
    if (!(e = insp_dup_index(c, "inspection", id, units, 1, due, end)) &&
        !(e = insp_event(c, "inspection", id, "transition", "create", NULL, "draft", 0, unit_id, subject, data)) &&
        !(e = audit_record(c, "inspection.lookback", "inspection", id, data)))
        e = insp_event(c, "rectification", task_id, "lookback", "lookback", NULL, NULL, 0, unit_id,
                       arena_printf(c->arena, "回头看已立为督查草稿（%" PRId64 "）", id), data);
    json_decref(data);
    if (e)
        return e;
    struct notice n = {.kind = MSG_TODO, .object_type = "inspection", .object_id = id};
    n.subject = arena_printf(c->arena, "【回头看】%s", subject);
    n.body = arena_printf(c->arena, "%s\n已生成督查草稿，请制定方案并立项。", matters);
    return insp_handoff(c, &insp_workflow, id, &n);
}

static enum err scan_tx(struct ctx *c, void *arg)
{
    struct scan_args *x = arg;
    char today[11];
    insp_today(c, today);
    struct stmt *st = db_query(c->db,
                               "SELECT id, task_id, inspection_id, unit_id, due_date FROM insp_lookbacks "
                               "WHERE created_inspection_id IS NULL AND due_date <= ? ORDER BY due_date, id LIMIT ?",
                               DB_TEXT(today), DB_INT(x->limit));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取回头看安排");
    struct due {
        int64_t id, task, insp, unit;
        const char *date;
    } *d = arena_alloc(c->arena, sizeof *d * (size_t)(x->limit + 1));
    int n = 0;
    while (stmt_step(st) == STORE_ROW && n < x->limit) {
        d[n] = (struct due){stmt_int(st, 0), stmt_int(st, 1), stmt_int(st, 2), stmt_int(st, 3), insp_col(c, st, 4)};
        n++;
    }
    stmt_done(st);
    enum err e = ERR_OK;
    x->opened = 0;
    for (int i = 0; i < n && !e; i++) {
        /* once across nodes: the claim commits with the draft it opens */
        bool won = false;
        e = claim_once(c, arena_printf(c->arena, "lookback:%" PRId64, d[i].id), &won);
        if (!e && won) {
            e = lookback_open(c, d[i].id, d[i].task, d[i].insp, d[i].unit, d[i].date);
            x->opened++;
        }
    }
    return e;
}

enum err insp_scan(struct ctx *c, int limit, int *opened)
{
    struct scan_args x = {limit, 0};
    enum err e = ctx_tx(c, "开展回头看", scan_tx, &x);
    *opened = x.opened;
    return e;
}
