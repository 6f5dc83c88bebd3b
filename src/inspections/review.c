/*
 * review.c: reviews (复核) as data: the inspected body's request (within the window after it signed for
 * the conclusion, on the working-day calendar), loading for the engine with who must stand aside, the
 * JSON with the decision's due date and light, and the list.
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "calendar/workdays.h"
#include "notify/notify.h"

#include <inttypes.h>
#include <string.h>

const struct jv_field review_create_spec[] = {
    {"target_id", JV_INT, 0, 1, INT64_MAX},
    {"reason", JV_STRING, JV_REQUIRED, 2, 8000},
    {NULL, 0, 0, 0, 0},
};

enum err review_load(struct ctx *c, int64_t id, struct review *r)
{
    memset(r, 0, sizeof *r);
    int64_t concluded_by = 0;
    struct stmt *st = db_query(
        c->db,
        "SELECT v.id, v.inspection_id, v.target_id, v.office_unit_id, v.office_path, v.unit_id, v.unit_path, u.name, "
        "v.reason, v.state, v.received_on, v.request_due, v.requested_by, v.requested_at, v.decide_due, v.result, "
        "v.decision_text, v.decided_by, v.decided_at, v.created_at, v.updated_at, v.version, COALESCE(i.number, ''), "
        "i.subject, COALESCE(i.conclusion_number, ''), COALESCE(i.conclusion_by, 0) FROM insp_reviews v "
        "JOIN units u ON u.id = v.unit_id JOIN inspections i ON i.id = v.inspection_id WHERE v.id = ?",
        DB_INT(id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取复核申请");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        int k = 0;
        r->id = stmt_int(st, k++);
        r->inspection_id = stmt_int(st, k++);
        r->target_id = stmt_int(st, k++);
        r->office_unit_id = stmt_int(st, k++);
        r->office_path = insp_col(c, st, k++);
        r->unit_id = stmt_int(st, k++);
        r->unit_path = insp_col(c, st, k++);
        r->unit_name = insp_col(c, st, k++);
        r->reason = insp_col(c, st, k++);
        wf_state_parse(&review_workflow, stmt_text(st, k++), &r->state);
        r->received_on = insp_col(c, st, k++);
        r->request_due = insp_col(c, st, k++);
        r->requested_by = stmt_is_null(st, k) ? 0 : stmt_int(st, k);
        k++;
        r->requested_at = insp_col(c, st, k++);
        r->decide_due = insp_col(c, st, k++);
        r->result = insp_col(c, st, k++);
        r->decision_text = insp_col(c, st, k++);
        r->decided_by = stmt_is_null(st, k) ? 0 : stmt_int(st, k);
        k++;
        r->decided_at = insp_col(c, st, k++);
        r->created_at = insp_col(c, st, k++);
        r->updated_at = insp_col(c, st, k++);
        r->version = stmt_int(st, k++);
        r->insp_number = insp_col(c, st, k++);
        r->insp_subject = insp_col(c, st, k++);
        r->conclusion_number = insp_col(c, st, k++);
        concluded_by = stmt_int(st, k++);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取复核申请");
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "复核申请不存在或无权查看");
    /* who drew the conclusion: the team and whoever issued it (they see the review, they do not decide) */
    r->recused = arena_alloc(c->arena, sizeof *r->recused * 66);
    st = db_query(c->db, "SELECT user_id FROM insp_team WHERE inspection_id = ? AND user_id IS NOT NULL",
                  DB_INT(r->inspection_id));
    while (st && stmt_step(st) == STORE_ROW && r->nrecused < 64)
        r->recused[r->nrecused++] = stmt_int(st, 0);
    if (st)
        stmt_done(st);
    int nteam = r->nrecused;
    if (concluded_by)
        r->recused[r->nrecused++] = concluded_by;
    r->unit_paths[0] = r->unit_path;
    r->scope = (struct perm_item){.office_path = r->office_path,
                                  .unit_paths = r->unit_paths,
                                  .nunits = 1,
                                  .units_see = true,
                                  .read_cap = CAP_INSP_READ,
                                  .members = r->recused,
                                  .nmembers = nteam,
                                  .recused = r->recused,
                                  .nrecused = r->nrecused,
                                  .recusal_cap = CAP_INSP_DECIDE};
    r->track = (struct wf_part){0, r->id, r->state, r->unit_id, r->unit_path, r->unit_name, 0};
    struct wf_obj *o = &r->wf;
    o->id = r->id;
    o->version = r->version;
    o->state = r->state;
    o->resume_state = r->state;
    o->home_path = r->office_path;
    o->home_unit_id = r->office_unit_id;
    o->scope = r->scope;
    o->number = r->conclusion_number;
    o->title = arena_printf(c->arena, "关于《%s》督查结论的复核申请（%s）", utf8_inner_title(c->arena, r->insp_subject),
                            r->unit_name);
    o->due_date = r->decide_due;
    o->parts = &r->track;
    o->nparts = o->ntracks = 1;
    return ERR_OK;
}

static const char *result_label(const char *r)
{
    if (!r)
        return "";
    return !strcmp(r, "upheld") ? "维持" : !strcmp(r, "changed") ? "变更" : "撤销";
}

static json_t *review_json(struct ctx *c, struct review *r)
{
    char today[11], yellow[11];
    insp_light_dates(c, today, yellow);
    bool open = r->state == REVIEW_ST_REQUESTED || r->state == REVIEW_ST_ACCEPTED;
    json_t *recused = json_array();
    bool office = !c->user || perm_at(c->user, CAP_INSP_READ, r->office_path);
    for (int i = 0; office && i < r->nrecused; i++)
        json_array_append_new(
            recused, json_pack("{sI ss}", "id", (json_int_t)r->recused[i], "name", insp_user_name(c, r->recused[i])));
    json_t *j = json_pack(
        "{sI ss s{sI ss ss ss} s{sI ss} ss ss ss ss ss ss ss ss ss}", "id", (json_int_t)r->id, "kind_of", "review",
        "inspection", "id", (json_int_t)r->inspection_id, "number", r->insp_number, "subject", r->insp_subject,
        "conclusion_number", r->conclusion_number, "unit", "id", (json_int_t)r->unit_id, "name", r->unit_name, "reason",
        r->reason, "state", wf_state_name(&review_workflow, r->state), "state_label",
        wf_state_label(&review_workflow, r->state), "received_on", r->received_on, "request_due", r->request_due,
        "requested_at", r->requested_at, "requested_by", insp_user_name(c, r->requested_by), "decide_due",
        r->decide_due, "light", insp_light(r->decide_due, open, today, yellow));
    json_object_set_new(j, "result", r->result ? json_string(r->result) : json_null());
    json_object_set_new(j, "result_label", json_string(result_label(r->result)));
    json_object_set_new(j, "decision_text", r->decision_text ? json_string(r->decision_text) : json_null());
    json_object_set_new(j, "decided_by", json_string(insp_user_name(c, r->decided_by)));
    json_object_set_new(j, "decided_at", r->decided_at ? json_string(r->decided_at) : json_null());
    json_object_set_new(j, "recused", recused);
    json_object_set_new(j, "version", json_integer(r->version));
    json_object_set_new(j, "allowed_actions", workflow_allowed_actions(c, &review_workflow, &r->wf, -1));
    json_object_set_new(j, "unit_actions", workflow_allowed_actions(c, &review_workflow, &r->wf, 0));
    return j;
}

enum err review_get(struct ctx *c, int64_t id, json_t **out)
{
    struct review r;
    enum err e = review_load(c, id, &r);
    if (e == ERR_NOT_FOUND || (!e && !perm_item_visible(c->user, &r.scope)))
        return ctx_fail(c, ERR_NOT_FOUND, "复核申请不存在或无权查看");
    if (!e)
        *out = review_json(c, &r);
    return e;
}

enum err review_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out)
{
    return insp_act_named(c, &review_workflow, id, action, body, review_get, out);
}

enum err review_open_count(struct ctx *c, int64_t inspection_id, int64_t *n)
{
    *n = 0;
    enum err e = db_one_int(c->db, n,
                            "SELECT COUNT(*) FROM insp_reviews WHERE inspection_id = ? AND state IN ('requested', "
                            "'accepted')",
                            DB_INT(inspection_id));
    return ctx_db_fail(c, e, "统计复核申请");
}

enum err review_list(struct ctx *c, int64_t inspection_id, const char *state, json_t **out)
{
    struct stmt *st;
    int s;
    if (state && *state && !wf_state_parse(&review_workflow, state, &s))
        return ctx_fail(c, ERR_BAD_REQUEST, "状态（state）不是复查的状态（见 GET /api/v1/workflows）");
    if (state && !*state)
        state = NULL;
    if (inspection_id) {
        struct insp it;
        enum err e = insp_load_visible(c, inspection_id, &it);
        if (e)
            return e;
        st = db_query(c->db,
                      "SELECT id FROM insp_reviews WHERE inspection_id = ? AND (? IS NULL OR state = ?) "
                      "ORDER BY id DESC LIMIT 200",
                      DB_INT(inspection_id), DB_TEXT(state), DB_TEXT(state));
    } else {
        /* the reviews of the governments and units the user reads */
        int n;
        const char **scope = perm_scope_cap(c, CAP_INSP_READ, &n);
        const char *where = c->user ? "(0 = 1" : "(1 = 1";
        struct db_bind b[80];
        int nb = 0;
        for (int i = 0; i < n && nb < 70; i++) {
            where = arena_printf(c->arena,
                                 "%s OR (office_path >= ? AND office_path < ?) OR (unit_path >= ? AND "
                                 "unit_path < ?)",
                                 where);
            const char *up = perm_path_upper(c->arena, scope[i]);
            b[nb++] = DB_TEXT(scope[i]);
            b[nb++] = DB_TEXT(up);
            b[nb++] = DB_TEXT(scope[i]);
            b[nb++] = DB_TEXT(up);
        }
        b[nb++] = DB_TEXT(state);
        b[nb++] = DB_TEXT(state);
        b[nb] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
        st = db_query_a(c->db,
                        arena_printf(c->arena,
                                     "SELECT id FROM insp_reviews WHERE %s) AND (? IS NULL OR state = ?) "
                                     "ORDER BY id DESC LIMIT 200",
                                     where),
                        b);
    }
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取复核申请");
    int64_t ids[200];
    int k = 0;
    while (stmt_step(st) == STORE_ROW && k < 200)
        ids[k++] = stmt_int(st, 0);
    stmt_done(st);
    json_t *arr = json_array();
    for (int i = 0; i < k; i++) {
        struct review r;
        if (!review_load(c, ids[i], &r) && perm_item_visible(c->user, &r.scope))
            json_array_append_new(arr, review_json(c, &r));
    }
    *out = json_pack("{so}", "reviews", arr);
    return ERR_OK;
}

/* ---- the request ---- */

struct request_args {
    int64_t inspection_id, review_id;
    const json_t *body;
};

static enum err request_tx(struct ctx *c, void *arg)
{
    struct request_args *x = arg;
    struct insp it;
    enum err e = insp_load_visible(c, x->inspection_id, &it);
    if (e)
        return e;
    /* the target: named, or the one where the user is the head */
    int64_t want = jv_int(x->body, "target_id", 0);
    struct insp_target *t = NULL;
    for (int i = 0; i < it.ntargets && !t; i++)
        if (want ? it.targets[i].id == want
                 : perm_cap_role_at(c->user, CAP_RECT_HANDLE, ROLE_HEAD, it.targets[i].unit_path))
            t = &it.targets[i];
    if (!t)
        return ctx_fail(c, want ? ERR_INVALID : ERR_FORBIDDEN,
                        want ? "本次督查没有这个督查对象（target_id）" : "只有被督查单位的主要负责人可以申请复核");
    if (c->user && !perm_cap_role_at(c->user, CAP_RECT_HANDLE, ROLE_HEAD, t->unit_path))
        return ctx_fail(c, ERR_FORBIDDEN, "只有被督查单位“%s”的主要负责人可以申请复核", t->unit_name);
    c->acting = c->user ? perm_grant_at(c->user, CAP_RECT_HANDLE, t->unit_path) : NULL;
    if (t->state != INSP_ST_CONCLUSION_RECEIVED || !t->received_at)
        return ctx_fail(c, ERR_CONFLICT, "请先签收督查结论，再申请复核");
    int64_t open = 0;
    if (!db_one_int(c->db, &open,
                    "SELECT id FROM insp_reviews WHERE target_id = ? AND state IN ('requested', 'accepted')",
                    DB_INT(t->id)))
        return ctx_fail(c, ERR_CONFLICT, "已有一项复核申请正在办理（%" PRId64 "）", open);
    struct insp_settings s;
    if ((e = insp_settings_load(c, &s)))
        return e;
    /* the window: review_days after the day of receipt (calendar days end on a working day) */
    int64_t t_at;
    char received[11], due[11], today[11], decide[11];
    if (!time_parse_iso(t->received_at, &t_at))
        return ctx_fail(c, ERR_INTERNAL, "签收时间格式错误");
    cal_format_date(time_local_day(t_at), received);
    insp_today(c, today);
    if ((e = insp_due_after(c, received, s.review_days, s.review_workdays, due)))
        return e;
    if (strcmp(today, due) > 0)
        return ctx_fail(c, ERR_CONFLICT,
                        "已超过申请复核的期限：应自收到督查结论之日（%s）起%d%s内提出，截至 %s（《政府督查工作条例》"
                        "第十七条）",
                        received, s.review_days, s.review_workdays ? "个工作日" : "日", due);
    if ((e = insp_due_after(c, today, s.decide_days, s.decide_workdays, decide)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    const char *reason = jv_str(x->body, "reason");
    e = db_one_int(
        c->db, &x->review_id,
        "INSERT INTO insp_reviews (inspection_id, target_id, office_unit_id, office_path, unit_id, unit_path, "
        "reason, state, received_on, request_due, requested_by, requested_at, decide_due, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        DB_INT(it.id), DB_INT(t->id), DB_INT(it.office_unit_id), DB_TEXT(it.office_path), DB_INT(t->unit_id),
        DB_TEXT(t->unit_path), DB_TEXT(reason), DB_TEXT(received), DB_TEXT(due),
        DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_TEXT(decide), DB_TEXT(at), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "申请复核");
    json_t *data =
        json_pack("{sI sI ss ss ss ss}", "review_id", (json_int_t)x->review_id, "target_id", (json_int_t)t->id, "unit",
                  t->unit_name, "received_on", received, "request_due", due, "decide_due", decide);
    if (!(e = insp_event(c, "review", x->review_id, "transition", "request", NULL, "requested", x->review_id,
                         t->unit_id, reason, data)) &&
        !(e = insp_event(c, "inspection", it.id, "review", "request_review", NULL, NULL, t->id, t->unit_id, reason,
                         data)))
        e = audit_record(c, "review.request", "review", x->review_id, data);
    json_decref(data);
    if (e || (e = insp_sync(c, &insp_workflow, it.id)))
        return e;
    /* the hand-off: the office must accept it */
    struct notice n = {.kind = MSG_TODO, .object_type = "review", .object_id = x->review_id};
    n.subject = arena_printf(c->arena, "【复核申请】%s对《%s》督查结论申请复核", t->unit_name,
                             utf8_inner_title(c->arena, it.subject));
    n.body = arena_printf(c->arena, "%s于%s收到督查结论（%s），申请复核。理由：%s\n请受理，并于%s前作出复核决定。",
                          t->unit_name, time_date_words(c->arena, received),
                          it.conclusion_number ? it.conclusion_number : "", reason, time_date_words(c->arena, decide));
    return insp_handoff(c, &review_workflow, x->review_id, &n);
}

enum err review_request(struct ctx *c, int64_t inspection_id, const json_t *body, json_t **out)
{
    struct request_args x = {inspection_id, 0, body};
    enum err e = ctx_tx(c, "申请复核", request_tx, &x);
    return e ? e : review_get(c, x.review_id, out);
}
