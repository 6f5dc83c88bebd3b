/*
 * result_rectify.c: a criticism's rectification (限期整改: Jiangsu 004_… 「对工作进展缓慢、落实不力的地方和部门，
 * 要严肃指出问题并限期整改」; 条例 Art. 19). A criticism names a unit; once issued, that unit must report
 * what it rectified by a deadline, and the office reviews the report. The rows, the waits and the informs are
 * in result_workflow.c (condition `rectify`, the unit's part row report_rectification, the office's
 * accept_rectification / return_rectification); here are their effects and the deadline's clock:
 *   issue       the deadline: the draft's own (rectify_due) or, after the local date, the working days the
 *               government's office set (result_settings.rectify_workdays; RES_RECTIFY_WORKDAYS without a row);
 *               one milestone, kind "rectification", at the unit, on the deadline ladder
 *   settings    GET/PUT /api/v1/results/settings: its readers read it, its office changes it (1…60, audited)
 *   report      the text and when, the files it names (result_files.c: their round); the milestone done (late
 *               when after the deadline, in the action's data)
 *   return      the same deadline again (a new milestone, as a rectification task's return does)
 *   accept      closed; whatever is open cancelled
 * The ladder (src/deadlines) reminds the unit's contact before the deadline and climbs the default ladder after
 * it (the leaders in charge, a written notice, the principal leader); its last step flags the record
 * (rectify_escalated). The owner is registered as "result", the workflow's name.
 */
#include "results/results_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "calendar/calendar.h"
#include "deadlines/deadlines.h"

#include <inttypes.h>
#include <string.h>

#define OWNER "result"
#define KIND "rectification"

enum err result_rectify_check(struct ctx *c, enum result_kind k, const json_t *m)
{
    const char *due = jv_str(m, "rectify_due");
    if (!due)
        return ERR_OK;
    if (k != RES_CRITICISM)
        return ctx_fail_field(c, "rectify_due", "只有通报批评填写整改时限（rectify_due）");
    int64_t day;
    if (strlen(due) != 10 || !cal_parse_date(due, &day))
        return ctx_fail_field(c, "rectify_due", "整改时限（rectify_due）应为 YYYY-MM-DD 格式的日期");
    if (day < time_local_day(c->now))
        return ctx_fail_field(c, "rectify_due", "整改时限（rectify_due）不能早于今天");
    return ERR_OK;
}

/* ---- the government's setting (result_settings, migration 0179) ---- */

/* The working days a criticised unit of this government has to report (its office's setting, else the default). */
static enum err rectify_workdays(struct ctx *c, int64_t government, int *days, bool *saved)
{
    int64_t v = RES_RECTIFY_WORKDAYS;
    enum err e =
        db_one_int(c->db, &v, "SELECT rectify_workdays FROM result_settings WHERE unit_id = ?", DB_INT(government));
    if (e && e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "读取结果运用设置");
    *days = (int)v;
    *saved = !e;
    return ERR_OK;
}

static enum err settings_json(struct ctx *c, const struct grant *g, json_t **out)
{
    int days;
    bool saved;
    enum err e = rectify_workdays(c, g->unit_id, &days, &saved);
    if (!e)
        *out =
            json_pack("{si si sb s{sI ss}}", "rectify_workdays", days, "default_rectify_workdays", RES_RECTIFY_WORKDAYS,
                      "saved", saved, "government", "id", (json_int_t)g->unit_id, "name", g->unit_name);
    return e;
}

enum err results_settings_get(struct ctx *c, json_t **out)
{
    const struct grant *g = NULL;
    enum err e = res_government_grant(c, false, "结果运用设置", &g);
    return e ? e : settings_json(c, g, out);
}

const struct jv_field results_settings_spec[] = {
    {"rectify_workdays", JV_INT, JV_REQUIRED, 1, 60, "通报批评整改时限（工作日）"},
    {NULL, 0, 0, 0, 0, NULL},
};

static enum err settings_tx(struct ctx *c, void *arg)
{
    const json_t *body = arg;
    const struct grant *g = NULL;
    json_t *before = NULL, *after = NULL;
    enum err e = res_government_grant(c, true, "结果运用设置", &g);
    if (e || (e = settings_json(c, g, &before)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db,
                "INSERT INTO result_settings (unit_id, rectify_workdays, updated_by, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (unit_id) DO UPDATE SET rectify_workdays = excluded.rectify_workdays, "
                "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                DB_INT(g->unit_id), DB_INT(jv_int(body, "rectify_workdays", RES_RECTIFY_WORKDAYS)), DB_INT(c->user->id),
                DB_TEXT(at));
    if (e)
        e = ctx_db_fail(c, e, "保存结果运用设置");
    if (!e && !(e = settings_json(c, g, &after))) {
        json_t *sum = json_pack("{sO sO}", "before", before, "after", after);
        e = audit_record(c, "results.settings", "government", g->unit_id, sum);
        json_decref(sum);
    }
    json_decref(before);
    json_decref(after);
    return e;
}

enum err results_settings_put(struct ctx *c, const json_t *body, json_t **out)
{
    enum err e = ctx_tx(c, "保存结果运用设置", settings_tx, (void *)body);
    return e ? e : results_settings_get(c, out);
}

/* ---- the rectification ---- */

int result_rectify_behind(const struct calendar *cal, const char *due, int64_t day)
{
    int64_t d;
    if (!cal_parse_date(due, &d) || d >= day)
        return 0;
    return cal_workdays_between(cal, d, day);
}

enum err result_rectify_start(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct result *r = result_of(a->obj);
    if (r->kind != RES_CRITICISM)
        return ERR_OK;
    int64_t day = 0;
    if (!r->rectify_due || !cal_parse_date(r->rectify_due, &day) || day < time_local_day(c->now)) {
        /* no date of its own (or one that passed while the draft waited): the working days its government's
         * office set (result_settings), else RES_RECTIFY_WORKDAYS */
        struct calendar cal;
        int days;
        bool saved;
        enum err e = rectify_workdays(c, res_path_last_id(r->home_path), &days, &saved);
        if (e || (e = calendar_load(c, &cal)))
            return e;
        day = cal_add_workdays(&cal, time_local_day(c->now), days);
        json_object_set_new(a->data, "rectify_workdays", json_integer(days));
        char *d = arena_alloc(c->arena, 11);
        cal_format_date(day, d);
        r->rectify_due = d;
        r->part.due_date = d;
    }
    enum err e =
        db_exec(c->db, "UPDATE results SET rectify_due = ? WHERE id = ?", DB_TEXT(r->rectify_due), DB_INT(r->id));
    if (e)
        return ctx_db_fail(c, e, "确定整改时限");
    json_object_set_new(a->data, "rectify_due", json_string(r->rectify_due));
    return deadlines_add(c, OWNER, r->id, r->unit_id, r->unit_path, KIND, 1, day, NULL);
}

enum err result_rectify_report(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct result *r = result_of(a->obj);
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_exec(c->db, "UPDATE results SET rectification = ?, rectified_at = ? WHERE id = ?",
                         DB_TEXT(jv_str(a->body, "rectification")), DB_TEXT(at), DB_INT(r->id));
    if (e)
        return ctx_db_fail(c, e, "报送整改情况");
    /* this report's round: the reports before it + 1 (this one is not on the timeline yet) */
    int64_t before = 0;
    if ((e = db_one_int(c->db, &before,
                        "SELECT COUNT(*) FROM result_events WHERE result_id = ? AND action = 'report_rectification'",
                        DB_INT(r->id))))
        return ctx_db_fail(c, e, "读取结果运用记录");
    if ((e = result_files_report(a, (int)before + 1)))
        return e;
    int64_t ms = 0;
    bool late = false;
    if ((e = deadlines_done_id(c, OWNER, r->id, r->unit_id, KIND, &ms, &late)))
        return e;
    json_object_set_new(a->data, "late", json_boolean(late));
    json_object_set_new(a->data, "rectify_due", json_string(r->rectify_due ? r->rectify_due : ""));
    return ERR_OK;
}

enum err result_rectify_accept(struct wf_act *a)
{
    struct ctx *c = a->c;
    char at[21];
    time_format_iso(c->now, at);
    const char *note = jv_str(a->body, "text");
    enum err e = db_exec(c->db, "UPDATE results SET follow_up = COALESCE(?, follow_up), closed_at = ? WHERE id = ?",
                         DB_TEXT(note && *note ? note : NULL), DB_TEXT(at), DB_INT(a->obj->id));
    if (e)
        return ctx_db_fail(c, e, "审核整改情况");
    a->concerned = 0;
    a->outcome = note && *note ? arena_printf(c->arena, "整改情况审核通过：%s", note) : "整改情况审核通过。";
    return deadlines_cancel(c, OWNER, a->obj->id);
}

enum err result_rectify_return(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct result *r = result_of(a->obj);
    a->concerned = 0;
    a->outcome = arena_printf(c->arena, "整改情况被退回，请按要求重新报送（整改时限 %s）：%s",
                              r->rectify_due ? r->rectify_due : "", jv_str(a->body, "reason"));
    int64_t returns = 0, day;
    enum err e = db_one_int(
        c->db, &returns, "SELECT COUNT(*) FROM result_events WHERE result_id = ? AND action = 'return_rectification'",
        DB_INT(r->id));
    if (e)
        return ctx_db_fail(c, e, "读取结果运用记录");
    if (!r->rectify_due || !cal_parse_date(r->rectify_due, &day))
        return ERR_OK;
    /* the same deadline, once more: seq = returns so far + 2 (this one is not on the timeline yet) */
    return deadlines_add(c, OWNER, r->id, r->unit_id, r->unit_path, KIND, (int)returns + 2, day, NULL);
}

/* ---- the owner ---- */

static const char *label(struct ctx *c, int64_t id)
{
    const char *s = NULL;
    if (db_one_text(c->db, c->arena, &s,
                    "SELECT COALESCE(number, '') || '《' || title || '》' FROM results WHERE id = ?", DB_INT(id)))
        return NULL;
    return s;
}

static enum err timeline(struct ctx *c, int64_t id, int64_t unit_id, const char *action, const char *note, json_t *data)
{
    (void)unit_id;
    json_t *d = json_pack("{ss sO}", "step", action, "detail", data ? data : json_null());
    enum err e = res_event(c, &result_table, id, "deadline", -1, -1, note, d);
    json_decref(d);
    return e;
}

static const char *milestone_label(const char *kind)
{
    return !strcmp(kind, KIND) ? "报送整改情况时限" : NULL;
}

/* The ladder's last step: the record is flagged, on its timeline and in the audit trail (the scheduler acts for
 * nobody: the record is the drafting government's to read, as the record's own actions are). */
static enum err escalate(struct ctx *c, int64_t id, const char *note, json_t *data)
{
    const char *home = NULL;
    enum err e = db_one_text(c->db, c->arena, &home,
                             "UPDATE results SET rectify_escalated = 1 WHERE id = ? AND rectify_escalated = 0 "
                             "RETURNING home_path",
                             DB_INT(id));
    if (e == ERR_NOT_FOUND)
        return ERR_OK; /* flagged already */
    if (e)
        return ctx_db_fail(c, e, "逾期未报送整改情况");
    if ((e = res_event(c, &result_table, id, "escalate", -1, -1, note, data)))
        return e;
    json_t *sum = json_pack("{ss sO}", "note", note ? note : "", "data", data ? data : json_null());
    const char *saved = c->audit_scope;
    c->audit_scope = home;
    e = audit_record(c, "result.escalate", "result", id, sum);
    c->audit_scope = saved;
    json_decref(sum);
    return e;
}

static const struct dl_owner owner = {
    .kind = OWNER,
    .what = RESULT_WHAT,
    .table = "results",
    .link = "/results/%lld",
    .manage_cap = CAP_RESULT_DRAFT,
    .label = label,
    .timeline = timeline,
    .progress = NULL,
    .milestone_label = milestone_label,
    .escalate = escalate,
};

void result_rectify_register(void)
{
    deadlines_register_owner(&owner);
}
