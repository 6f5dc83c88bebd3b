/*
 * item_effects.c: what each action of the item workflow does besides changing the state (one small
 * function per action, registered in item_effects[] for the engine): the number at registration, the
 * tracks' states and what the units record (receipt, report, plan, reply, signature and seal), the
 * extension request and decision, suspension periods, the grade, and the archive file. The engine
 * (src/workflow) calls them inside the action's transaction, after every check passed.
 */
#include "items/items_internal.h"

#include "base/check.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "core/counter.h"
#include "core/hooks.h"
#include "deadlines/deadlines.h"

#include <inttypes.h>
#include <string.h>

const struct jv_field items_action_spec[] = {
    {"version", JV_INT, 0, 0, 0, "版本"},
    {"reason", JV_STRING, 0, 0, 2000, "理由"},
    {"text", JV_STRING, 0, 0, 10000, "内容"},
    {"new_date", JV_DATE, 0, 0, 0, "新的办结时限"},
    {"plan_date", JV_DATE, 0, 0, 0, "计划完成日期"},
    {"grade", JV_STRING, 0, 0, 20, "办结等次"},
    {"approve", JV_BOOL, 0, 0, 0, "审批意见"},
    {"percent", JV_INT, 0, 0, 100, "完成进度"},
    {"track_id", JV_INT, 0, 1, INT64_MAX, "责任单位"},
    {"confirm", JV_BOOL, 0, 0, 0, "确认"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field items_report_spec[] = {
    {"text", JV_STRING, JV_REQUIRED, 1, 10000, "进展情况"},
    {"percent", JV_INT, JV_REQUIRED, 0, 100, "完成进度"},
    {"track_id", JV_INT, 0, 1, INT64_MAX, "责任单位"},
    {"version", JV_INT, 0, 0, 0, "版本"},
    /* the periodic report's form (report obligations: src/items/report_forms.c) */
    {"problems", JV_STRING, 0, 0, 5000, "存在问题"},
    {"next_steps", JV_STRING, 0, 0, 5000, "下步打算"},
    {"support", JV_STRING, 0, 0, 5000, "需协调解决的事项"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* ---- helpers ---- */

static struct track *track_of(struct wf_act *a)
{
    struct item *it = item_of(a->obj);
    return ALWAYS(a->part >= 0 && a->part < it->ntracks) ? &it->tracks[a->part] : NULL;
}

static void now_iso(struct ctx *c, char at[21])
{
    time_format_iso(c->now, at);
}

/* The acting user's id as a bind, or NULL for the system. */
#define ACTOR(c) DB_INT_IF((c)->user, (c)->user ? (c)->user->id : 0)

/* What a track records with its new state: nothing, the receipt, the reply, or the signature. */
enum track_col { TRACK_STATE, TRACK_RECEIVED, TRACK_REPLY, TRACK_SIGNED };

/* Sets a track's state (and with it the acting user's receipt, reply or signature). */
static enum err track_set(struct ctx *c, struct track *tr, enum item_state to, enum track_col col, const char *text)
{
    static const char *const sql[] = {
        [TRACK_RECEIVED] = "UPDATE item_tracks SET state = ?, updated_at = ?, received_at = ?, received_by = ? "
                           "WHERE id = ?",
        [TRACK_REPLY] = "UPDATE item_tracks SET state = ?, updated_at = ?, reply_text = ?, reply_by = ? WHERE id = ?",
        [TRACK_SIGNED] = "UPDATE item_tracks SET state = ?, updated_at = ?, signed_at = ?, signed_by = ? WHERE id = ?",
    };
    char at[21];
    now_iso(c, at);
    enum err e = col == TRACK_STATE ? db_exec(c->db, "UPDATE item_tracks SET state = ?, updated_at = ? WHERE id = ?",
                                              DB_TEXT(item_state_name(to)), DB_TEXT(at), DB_INT(tr->id))
                                    : db_exec(c->db, sql[col], DB_TEXT(item_state_name(to)), DB_TEXT(at),
                                              DB_TEXT(col == TRACK_REPLY ? text : at), ACTOR(c), DB_INT(tr->id));
    if (e)
        return ctx_db_fail(c, e, "更新责任单位办理状态");
    tr->state = to;
    return ERR_OK;
}

static enum err all_tracks(struct ctx *c, struct item *it, enum item_state to)
{
    enum err e = ERR_OK;
    for (int i = 0; i < it->ntracks && !e; i++)
        e = track_set(c, &it->tracks[i], to, TRACK_STATE, NULL);
    return e;
}

/* The actor's track moves to the row's target, recording what col names. */
static enum err own_track(struct wf_act *a, enum track_col col, const char *text)
{
    struct track *tr = track_of(a);
    if (!tr)
        return ctx_fail(a->c, ERR_INTERNAL, "缺少责任单位办理记录");
    return track_set(a->c, tr, (enum item_state)a->part_to, col, text);
}

/* ---- registration ---- */

/*
 * The prefix of the numbers an issuing office gives (古 in 古督〔2026〕15号), DOMAIN.md §2 and §11: the
 * office unit's own prefix; for a 督查机构 without one, the prefix of the unit it works for (its parent:
 * the county's 督查室 numbers with the county government's 古, a department's 督查室 with the department's);
 * else that issuing unit's own name (古城县交通运输局督〔2026〕1号), never an ancestor's, so an office role
 * held at a department or a township never numbers as the county does. Arena.
 */
static enum err number_prefix(struct ctx *c, int64_t office_unit_id, const char **out)
{
    struct stmt *st = db_query(c->db,
                               "SELECT u.prefix, u.kind, u.name, p.prefix, p.name FROM units u "
                               "LEFT JOIN units p ON p.id = u.parent_id WHERE u.id = ?",
                               DB_INT(office_unit_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "分配编号");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        const char *own = stmt_text(st, 0), *kind = stmt_text(st, 1), *parent = stmt_text(st, 3);
        bool office = kind && !strcmp(kind, "office") && !stmt_is_null(st, 4);
        *out = arena_strdup(c->arena, own && *own                   ? own
                                      : office && parent && *parent ? parent
                                      : office                      ? stmt_text(st, 4)
                                                                    : stmt_text(st, 2));
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_INTERNAL, "立项单位不存在");
    return rc < 0 ? ctx_store_fail(c, rc, "分配编号") : ERR_OK;
}

/* Writes the number taken into the item's row (counter_next_late's fill). */
static enum err fill_number(struct ctx *c, void *arg, int64_t seq, const char *text)
{
    const struct item *it = arg;
    enum err e = db_exec_later(c->db, "UPDATE items SET number = ?, num_year = ?, num_seq = ? WHERE id = ?",
                               DB_TEXT(text), DB_INT(it->num_year), DB_INT(seq), DB_INT(it->id));
    return e ? ctx_db_fail(c, e, "分配编号") : ERR_OK;
}

/* Assigns 古督〔2026〕15号 (number_prefix): one gap-free sequence per prefix and year, so two issuing
 * offices never give the same number — not even two units an administrator gave the same prefix, which
 * then share the sequence. The counter row (counters "number:古:2026") serialises concurrent
 * registrations, so the number is taken last, by the first statement of the commit
 * (counter_next_late): until then the item's number is a token that the commit replaces in everything
 * the transaction wrote. A rolled-back registration takes no number. */
static enum err assign_number(struct ctx *c, struct item *it)
{
    char today[11];
    item_today(c, today);
    int year = (today[0] - '0') * 1000 + (today[1] - '0') * 100 + (today[2] - '0') * 10 + (today[3] - '0');
    const char *prefix = "";
    enum err e = number_prefix(c, it->office_unit_id, &prefix);
    if (e)
        return e;
    struct item *row = arena_alloc(c->arena, sizeof *row); /* what fill_number needs at the commit */
    *row = (struct item){.id = it->id, .num_year = year};
    return counter_next_late(c, item_number_key(c, it->id), arena_printf(c->arena, "number:%s:%d", prefix, year),
                             arena_printf(c->arena, "%s督〔%d〕", prefix, year), "号", fill_number, row, &it->number);
}

/* submit: the number at the first registration (a returned item keeps it). */
static enum err submit(struct wf_act *a)
{
    struct item *it = item_of(a->obj);
    enum err e = it->number ? ERR_OK : assign_number(a->c, it);
    if (!e)
        json_object_set_new(a->data, "number", json_string(it->number));
    return e;
}

/* assign: every track starts; the first assignment's date is kept. */
static enum err assign(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct item *it = item_of(a->obj);
    char at[21];
    now_iso(c, at);
    enum err e = all_tracks(c, it, ITEM_ST_ASSIGNED);
    if (e)
        return e;
    if (it->leader_id)
        json_object_set_new(a->data, "leader_informed", json_integer(it->leader_id));
    e = db_exec(c->db, "UPDATE items SET assigned_at = COALESCE(assigned_at, ?) WHERE id = ?", DB_TEXT(at),
                DB_INT(it->id));
    return ctx_db_fail(c, e, "交办");
}

/* ---- the units' tracks ---- */

static enum err receive(struct wf_act *a)
{
    return own_track(a, TRACK_RECEIVED, NULL);
}

/* A text member of the body, "" when absent. */
static const char *body_text(const json_t *body, const char *key)
{
    const char *s = jv_str(body, key);
    return s ? s : "";
}

/* report: a progress report row (its id is returned) with the form's fields when the unit filled them, the
 * track's progress and state. */
static enum err report(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct item *it = item_of(a->obj);
    struct track *tr = track_of(a);
    char at[21];
    now_iso(c, at);
    if (!tr)
        return ctx_fail(c, ERR_INTERNAL, "缺少责任单位办理记录");
    int percent = (int)jv_int(a->body, "percent", 0);
    enum err e = db_one_int(c->db, &a->result_id,
                            "INSERT INTO item_reports (item_id, track_id, unit_id, text, percent, created_by, "
                            "created_at, problems, next_steps, support) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                            "RETURNING id",
                            DB_INT(it->id), DB_INT(tr->id), DB_INT(tr->unit_id), DB_TEXT(jv_str(a->body, "text")),
                            DB_INT(percent), ACTOR(c), DB_TEXT(at), DB_TEXT(body_text(a->body, "problems")),
                            DB_TEXT(body_text(a->body, "next_steps")), DB_TEXT(body_text(a->body, "support")));
    if (!e)
        e = db_exec(c->db, "UPDATE item_tracks SET progress = ? WHERE id = ?", DB_INT(percent), DB_INT(tr->id));
    if (e)
        return ctx_db_fail(c, e, "保存进展报告");
    json_object_set_new(a->data, "report_id", json_integer(a->result_id));
    tr->progress = percent;
    return track_set(c, tr, (enum item_state)a->part_to, TRACK_STATE, NULL);
}

/* plan: the plan and date when the unit cannot finish in time (提出时间节点和方案). */
static enum err plan(struct wf_act *a)
{
    struct track *tr = track_of(a);
    if (!tr)
        return ctx_fail(a->c, ERR_INTERNAL, "缺少责任单位办理记录");
    enum err e = db_exec(a->c->db, "UPDATE item_tracks SET plan_text = ?, plan_date = ? WHERE id = ?",
                         DB_TEXT(jv_str(a->body, "text")), DB_TEXT(jv_str(a->body, "plan_date")), DB_INT(tr->id));
    return ctx_db_fail(a->c, e, "保存时间节点和方案");
}

/* request_extension: one pending request at a time (the row's condition), with the old date. */
static enum err request_extension(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct item *it = item_of(a->obj);
    struct track *tr = track_of(a);
    char at[21];
    now_iso(c, at);
    if (!tr)
        return ctx_fail(c, ERR_INTERNAL, "缺少责任单位办理记录");
    enum err e = db_exec(c->db,
                         "INSERT INTO item_extensions (item_id, track_id, reason, old_date, new_date, state, "
                         "requested_by, requested_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
                         DB_INT(it->id), DB_INT(tr->id), DB_TEXT(jv_str(a->body, "reason")), DB_TEXT(it->due_date),
                         DB_TEXT(jv_str(a->body, "new_date")), ACTOR(c), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存延期申请");
    json_object_set_new(a->data, "old_date", json_string(it->due_date));
    return ERR_OK;
}

/* An approved extension moves the open resolution milestones (the item's and each track's) to the
 * new date. The decision was authorized by the workflow row (the office, or the leader for a major
 * item), so the milestone change is made on the system's authority and audited as such. */
static enum err extend_milestones(struct ctx *c, int64_t item_id, const char *new_date)
{
    json_t *ms = NULL;
    enum err e = deadlines_list(c, "item", item_id, &ms);
    if (e)
        return e;
    const struct principal *user = c->user;
    const struct grant *acting = c->acting;
    c->user = NULL;
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m)
    {
        const char *kind = json_string_value(json_object_get(m, "kind"));
        const char *state = json_string_value(json_object_get(m, "state"));
        if (e || !kind || strcmp(kind, "resolution") || !state || strcmp(state, "open"))
            continue;
        json_t *out = NULL;
        e = deadlines_override(c, json_integer_value(json_object_get(m, "id")), new_date, "延期申请获批", &out);
        json_decref(out);
    }
    c->user = user;
    c->acting = acting;
    json_decref(ms);
    return e;
}

/* decide_extension: the pending request approved (the due date moves) or refused. The requesting
 * track is the part the decision concerns (its unit is told). */
static enum err decide_extension(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct item *it = item_of(a->obj);
    int64_t ext = item_pending_extension(c, it), track = 0;
    bool ok = jv_bool(a->body, "approve", false);
    const char *reason = jv_str(a->body, "reason"), *new_date = NULL;
    char at[21];
    now_iso(c, at);
    enum err e =
        db_one_text(c->db, c->arena, &new_date, "SELECT new_date FROM item_extensions WHERE id = ?", DB_INT(ext));
    if (!e)
        e = db_one_int(c->db, &track, "SELECT track_id FROM item_extensions WHERE id = ?", DB_INT(ext));
    if (!e)
        e = db_exec(c->db,
                    "UPDATE item_extensions SET state = ?, decided_by = ?, decided_at = ?, decision_note = ? "
                    "WHERE id = ?",
                    DB_TEXT(ok ? "approved" : "refused"), ACTOR(c), DB_TEXT(at), DB_TEXT(reason ? reason : ""),
                    DB_INT(ext));
    if (!e && ok)
        e = db_exec(c->db, "UPDATE items SET due_date = ? WHERE id = ?", DB_TEXT(new_date), DB_INT(it->id));
    if (e)
        return ctx_db_fail(c, e, "审批延期");
    it->pending_ext = 0;
    for (int k = 0; k < it->ntracks; k++)
        if (it->tracks[k].id == track)
            a->concerned = k;
    a->outcome = ok ? arena_printf(c->arena, "延期申请已批准，办理期限由 %s 延至 %s。", it->due_date, new_date)
                    : arena_printf(c->arena, "延期申请未获批准，办理期限仍为 %s。", it->due_date);
    json_object_set_new(a->data, "extension_id", json_integer(ext));
    json_object_set_new(a->data, "old_date", json_string(it->due_date));
    json_object_set_new(a->data, "new_date", json_string(new_date));
    return ok ? extend_milestones(c, it->id, new_date) : ERR_OK;
}

static enum err request_completion(struct wf_act *a)
{
    return own_track(a, TRACK_REPLY, jv_str(a->body, "text"));
}

/* sign: 核签并加盖公章, the unit's digital seal over the reply. */
static enum err sign(struct wf_act *a)
{
    struct item *it = item_of(a->obj);
    struct track *tr = track_of(a);
    enum err e = own_track(a, TRACK_SIGNED, NULL);
    return e ? e
             : hooks_seal_reply(a->c, &(struct doc_reply){"item", it->id, it->number, it->title, tr->unit_id,
                                                          tr->unit_name, tr->reply_text, false});
}

static enum err return_reply(struct wf_act *a)
{
    return own_track(a, TRACK_STATE, NULL);
}

/* ---- the office's decisions ---- */

/* return: a signed completion goes back with every track to in progress (before approval: to draft). */
static enum err return_item(struct wf_act *a)
{
    return a->from == ITEM_ST_COMPLETION_SIGNED ? all_tracks(a->c, item_of(a->obj), ITEM_ST_IN_PROGRESS) : ERR_OK;
}

static enum err verify(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct item *it = item_of(a->obj);
    const char *grade = jv_str(a->body, "grade");
    char at[21];
    now_iso(c, at);
    a->outcome = arena_printf(c->arena, "该事项已审核办结，办结等次：%s。", grade);
    enum err e = all_tracks(c, it, ITEM_ST_COMPLETED);
    if (e)
        return e;
    e = db_exec(c->db, "UPDATE items SET grade = ?, closed_at = ?, progress = 100 WHERE id = ?", DB_TEXT(grade),
                DB_TEXT(at), DB_INT(it->id));
    return ctx_db_fail(c, e, "审核办结");
}

/*
 * archive, before the state changes: archiving cancels the handling reports still owed (办理情况报告, 人大建议、
 * 政协提案: 办结后20日内向交办单位报告办理情况), so the office must say it means that (confirm: true); without it,
 * 409 naming each unit and its day, nothing changed. Confirmed, the timeline and the audit record keep what was
 * cancelled (cancelled_reports) and each unit's contact is told that the report is no longer owed.
 */
static enum err archive_owed(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct item *it = item_of(a->obj);
    struct dl_open *owed;
    int n;
    enum err e = deadlines_open_of_kind(c, "item", it->id, ms_kind_name(MS_HANDLING_REPORT), &owed, &n);
    if (e || !n)
        return e;
    const char *list = "";
    json_t *cancelled = json_array();
    for (int i = 0; i < n; i++) {
        const char *unit = "";
        for (int k = 0; k < it->ntracks; k++)
            if (it->tracks[k].unit_id == owed[i].unit_id)
                unit = it->tracks[k].unit_name;
        list = arena_printf(c->arena, "%s%s%s（应于%s前报告）", list, i ? "、" : "", unit,
                            time_date_words(c->arena, owed[i].due_date));
        json_array_append_new(cancelled, json_pack("{sI ss ss}", "unit_id", (json_int_t)owed[i].unit_id, "unit", unit,
                                                   "due_date", owed[i].due_date));
    }
    if (!json_is_true(json_object_get(a->body, "confirm"))) {
        json_decref(cancelled);
        e = ctx_fail(c, ERR_CONFLICT, "归档将取消尚未报送的办理情况报告：%s。确认取消并归档请再次提交（confirm: true）",
                     list);
        c->field = "confirm";
        return e;
    }
    json_object_set_new(a->data, "cancelled_reports", cancelled);
    a->outcome = arena_printf(c->arena, "该事项已立卷归档，%s的办理情况报告已取消，无需再报送。", list);
    return ERR_OK;
}

/* The contacts of the units whose handling report archiving cancelled hear of it. */
static enum err tell_cancelled(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct item *it = item_of(a->obj);
    const json_t *cancelled = json_object_get(a->data, "cancelled_reports"), *v;
    size_t i;
    static const struct wf_who contact = {ROLE_CONTACT, WF_AT_PART, 0, false};
    enum err e = ERR_OK;
    json_array_foreach(cancelled, i, v)
    {
        int64_t unit = json_integer_value(json_object_get(v, "unit_id"));
        for (int k = 0; k < it->wf.ntracks && !e; k++) {
            if (it->wf.parts[k].unit_id != unit)
                continue;
            struct notice n = {.kind = MSG_RESULT, .object_type = item_workflow.name, .object_id = it->id};
            n.subject = arena_printf(c->arena, "【办理情况报告已取消】%s《%s》", it->number ? it->number : "",
                                     utf8_inner_title(c->arena, it->title));
            n.body = arena_printf(c->arena, "该事项已立卷归档，%s应于%s前报送的办理情况报告已取消，无需再报送。",
                                  json_string_value(json_object_get(v, "unit")),
                                  time_date_words(c->arena, json_string_value(json_object_get(v, "due_date"))));
            e = workflow_tell(c, &it->wf, &it->wf.parts[k], &contact, &n);
        }
    }
    return e;
}

/* archive: 立卷归档. The archive file is queued in the same transaction (after the state and the audit record) and
 * rendered after the commit, outside any write transaction (docs_archive_build: the request that archived, else
 * the scheduler or the first download), so that no other writer waits on its PDFs. */
static enum err archive(struct wf_act *a)
{
    json_t *file = NULL;
    enum err e = hooks_archive(a->c, "item", a->obj->id, &file);
    json_decref(file);
    return e ? e : tell_cancelled(a);
}

/* withdraw: closed_at is set with the state (item_workflow.c save); the exception asked with it (减负: burden_reason
 * past the cap) is refused with it. */
static enum err withdraw(struct wf_act *a)
{
    return hooks_exceptions_decide(a->c, "item", a->obj->id, false);
}

/* approve: the director's approval (the last) approves the exception asked with the item (减负: burden_reason past
 * the cap of items a unit receives a year) — it is sent with it. */
static enum err approve(struct wf_act *a)
{
    return a->obj->state == ITEM_ST_DEPUTY_APPROVED ? hooks_exceptions_decide(a->c, "item", a->obj->id, true) : ERR_OK;
}

/* escalate: flagged, and the inspections module makes it a proposal (督查工作建议), linked both ways. */
static enum err escalate(struct wf_act *a)
{
    enum err e = db_exec(a->c->db, "UPDATE items SET escalated = 1 WHERE id = ?", DB_INT(a->obj->id));
    e = ctx_db_fail(a->c, e, "列入督查事项");
    int64_t insp = 0;
    if (!e)
        e = item_escalated(a->c, item_of(a->obj), jv_str(a->body, "reason"), &insp);
    if (!e && insp)
        json_object_set_new(a->data, "inspection_id", json_integer(insp));
    return e;
}

/* suspend: the state to resume to, and a suspended period (the deadline clocks stop). */
static enum err suspend(struct wf_act *a)
{
    struct ctx *c = a->c;
    char at[21];
    now_iso(c, at);
    enum err e = db_exec(c->db, "UPDATE items SET resume_state = ? WHERE id = ?",
                         DB_TEXT(item_state_name((enum item_state)a->from)), DB_INT(a->obj->id));
    if (!e)
        e = db_exec(c->db, "INSERT INTO item_suspensions (item_id, started_at, reason, started_by) VALUES (?, ?, ?, ?)",
                    DB_INT(a->obj->id), DB_TEXT(at), DB_TEXT(jv_str(a->body, "reason")), ACTOR(c));
    return ctx_db_fail(c, e, "中止事项");
}

static enum err resume(struct wf_act *a)
{
    struct ctx *c = a->c;
    char at[21];
    now_iso(c, at);
    enum err e =
        db_exec(c->db, "UPDATE item_suspensions SET ended_at = ?, ended_by = ? WHERE item_id = ? AND ended_at IS NULL",
                DB_TEXT(at), ACTOR(c), DB_INT(a->obj->id));
    return ctx_db_fail(c, e, "恢复办理");
}

/*
 * press (催办): the units still working on the item — or the one unit whose track_id is given (a->concerned)
 * — are pressed: the informs tell their contact and head (MSG_PRESS, with the text and the reminder notice
 * to download: item_workflow's notice); the timeline records the units and the number of the press,
 * counted for the scoring.
 */
static enum err press(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct item *it = item_of(a->obj);
    int64_t track = jv_int(a->body, "track_id", 0);
    int k0 = 0, k1 = it->ntracks;
    if (track) {
        for (k0 = 0; k0 < it->ntracks && it->tracks[k0].id != track; k0++)
            ;
        if (k0 == it->ntracks)
            return ctx_fail_field(c, "track_id", "责任单位（track_id）%" PRId64 " 不是该事项的承办单位", track);
        if (it->tracks[k0].state >= ITEM_ST_COMPLETION_SIGNED)
            return ctx_fail(c, ERR_CONFLICT, "%s已核签办结答复，无需催办", it->tracks[k0].unit_name);
        k1 = k0 + 1;
        a->concerned = k0;
    }
    int64_t seq = 0;
    enum err e = db_one_int(c->db, &seq, "SELECT COUNT(*) FROM item_events WHERE item_id = ? AND action = 'press'",
                            DB_INT(it->id));
    if (e)
        return ctx_db_fail(c, e, "统计催办次数");
    const char *units = "";
    json_t *ids = json_array();
    for (int k = k0; k < k1; k++) {
        const struct track *t = &it->tracks[k];
        if (t->state >= ITEM_ST_COMPLETION_SIGNED)
            continue;
        units = arena_printf(c->arena, "%s%s%s", units, *units ? "、" : "", t->unit_name);
        json_array_append_new(ids, json_integer(t->unit_id));
    }
    if (!e && !json_array_size(ids))
        e = ctx_fail(c, ERR_CONFLICT, "各承办单位均已核签办结答复，无需催办");
    if (!e) {
        json_object_set_new(a->data, "units", json_string(units));
        json_object_set_new(a->data, "unit_ids", json_incref(ids));
        json_object_set_new(a->data, "count", json_integer(seq + 1));
        if (track)
            json_object_set_new(a->data, "track_id", json_integer(track));
        a->outcome = arena_printf(c->arena, "已向%s催办（第%" PRId64 "次）。", units, seq + 1);
    }
    json_decref(ids);
    return e;
}

/* Actions without an effect of their own (comment) only change the state and the timeline. */
const struct wf_effect item_effects[ITEM_ACT__COUNT] = {
    [ITEM_ACT_SUBMIT] = {submit, NULL},
    [ITEM_ACT_APPROVE] = {approve, NULL},
    [ITEM_ACT_ASSIGN] = {assign, NULL},
    [ITEM_ACT_RECEIVE] = {receive, NULL},
    [ITEM_ACT_REPORT] = {report, NULL},
    [ITEM_ACT_PLAN] = {plan, NULL},
    [ITEM_ACT_REQUEST_EXTENSION] = {request_extension, NULL},
    [ITEM_ACT_DECIDE_EXTENSION] = {decide_extension, NULL},
    [ITEM_ACT_REQUEST_COMPLETION] = {request_completion, NULL},
    [ITEM_ACT_SIGN] = {sign, NULL},
    [ITEM_ACT_RETURN_REPLY] = {return_reply, NULL},
    [ITEM_ACT_RETURN] = {return_item, NULL},
    [ITEM_ACT_VERIFY] = {verify, NULL},
    [ITEM_ACT_ARCHIVE] = {archive_owed, archive},
    [ITEM_ACT_WITHDRAW] = {withdraw, NULL},
    [ITEM_ACT_ESCALATE] = {escalate, NULL},
    [ITEM_ACT_SUSPEND] = {suspend, NULL},
    [ITEM_ACT_RESUME] = {resume, NULL},
    [ITEM_ACT_PRESS] = {press, NULL},
};

/* ---- the entry point ---- */

enum err items_act(struct ctx *c, int64_t id, enum item_action action, const json_t *body, json_t **out)
{
    int64_t report_id = 0;
    enum err e = workflow_act(c, &item_workflow, id, (int)action, body, &report_id);
    if (e)
        return e;
    e = items_get(c, id, out);
    if (!e && report_id)
        json_object_set_new(*out, "report_id", json_integer(report_id));
    return e;
}

json_t *item_allowed_actions(struct ctx *c, struct item *it, const struct track *track)
{
    return workflow_allowed_actions(c, &item_workflow, &it->wf, track ? (int)(track - it->tracks) : -1);
}
