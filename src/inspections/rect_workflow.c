/*
 * rect_workflow.c: the rectification task's workflow (整改, DOMAIN.md §6; Art. 18): the responsible
 * unit receives the task, reports progress, drafts its rectification report, its head signs it, the
 * office verifies (核查) or returns it; a problem fixed on the spot is closed at once. A verified
 * finding that is likely to rebound schedules a look-back (回头看). The declaration for the engine and
 * one effect per action; loading, JSON, lists and the look-back scheduler are in rect.c, the deadline
 * clocks (reminders, ladder) in rect_deadlines.c.
 */
#include "inspections/insp_internal.h"

#include "base/check.h"
#include "core/hooks.h"
#include "base/timeu.h"
#include "calendar/workdays.h"

#include <inttypes.h>
#include <string.h>

static const struct wf_name states[RECT_ST__COUNT] = {
    [RECT_ST_ASSIGNED] = {"assigned", "已交办待签收", "Assigned"},
    [RECT_ST_RECTIFYING] = {"rectifying", "整改中", "Rectifying"},
    [RECT_ST_SIGNING] = {"signing", "整改报告待负责人签发", "Awaiting the head's signature"},
    [RECT_ST_SUBMITTED] = {"submitted", "整改情况待核查", "Awaiting verification"},
    [RECT_ST_VERIFIED] = {"verified", "已核查销号", "Verified"},
    [RECT_ST_WITHDRAWN] = {"withdrawn", "已撤销", "Withdrawn"},
};

static const struct wf_name actions[RECT_ACT__COUNT] = {
    [RECT_ACT_RECEIVE] = {"receive", "签收", "Receive"},
    [RECT_ACT_REPORT] = {"report", "报送整改进展", "Report progress"},
    [RECT_ACT_SUBMIT] = {"submit", "报送整改情况", "Submit the report"},
    [RECT_ACT_SIGN] = {"sign", "负责人签发", "Sign (unit head)"},
    [RECT_ACT_RETURN_REPORT] = {"return_report", "负责人退回", "Return (unit head)"},
    [RECT_ACT_VERIFY] = {"verify", "核查销号", "Verify"},
    [RECT_ACT_RETURN] = {"return", "核查退回", "Return"},
    [RECT_ACT_CLOSE_NOW] = {"close_now", "立行立改销号", "Close (fixed on the spot)"},
    [RECT_ACT_WITHDRAW] = {"withdraw", "撤销", "Withdraw"},
    [RECT_ACT_COMMENT] = {"comment", "备注", "Comment"},
};

enum { RECT_F_REASON = 1 << 0, RECT_F_TEXT = 1 << 1, RECT_F_PERCENT = 1 << 2 };

static const struct wf_field fields[] = {
    {"reason", true, "需要填写理由（reason）"},
    {"text", true, "需要填写内容（text）"},
    {"percent", false, "需要填写整改进度百分比（percent）"},
};

/* clang-format off */
#define T(from, act, to, scope, cap, role, fl, rec) \
    {RECT_ST_##from, RECT_ACT_##act, to, scope, cap, role, fl, 0, 0, 0, rec}
#define S(x) RECT_ST_##x
#define ANY WF_ANY_ROLE
#define OBJ WF_OBJECT
#define TRK WF_PART
#define H CAP_RECT_HANDLE
#define M CAP_INSP_MANAGE

static const struct wf_row rows[] = {
    /* the responsible unit */
    T(ASSIGNED, RECEIVE, S(RECTIFYING), TRK, H, ANY, 0, "receipt (签收) by the responsible unit"),
    T(RECTIFYING, REPORT, WF_SAME, TRK, H, ANY, RECT_F_TEXT | RECT_F_PERCENT, "progress (percent and what was done)"),
    T(RECTIFYING, SUBMIT, S(SIGNING), TRK, H, ANY, RECT_F_TEXT, "the rectification report, drafted by the unit"),
    T(SIGNING, SIGN, S(SUBMITTED), TRK, H, ROLE_HEAD, 0, "the unit head signs the report"),
    T(SIGNING, RETURN_REPORT, S(RECTIFYING), TRK, H, ROLE_HEAD, RECT_F_REASON, "the unit head sends the report back"),
    /* the office's verification (核查) */
    T(SUBMITTED, VERIFY, S(VERIFIED), OBJ, M, ANY, RECT_F_TEXT, "核查: done; a rebounding problem schedules a look-back"),
    T(SUBMITTED, RETURN, S(RECTIFYING), OBJ, M, ANY, RECT_F_REASON, "not done: the reasons, the same deadline"),
    T(ASSIGNED, CLOSE_NOW, S(VERIFIED), OBJ, M, ANY, RECT_F_TEXT, "立行立改: fixed on the spot, closed at once with its evidence"),
    T(ASSIGNED, WITHDRAW, S(WITHDRAWN), OBJ, M, ANY, RECT_F_REASON, "reason (e.g. the finding was revoked on review)"),
    T(RECTIFYING, WITHDRAW, S(WITHDRAWN), OBJ, M, ANY, RECT_F_REASON, "reason (e.g. the finding was revoked on review)"),
    T(SIGNING, WITHDRAW, S(WITHDRAWN), OBJ, M, ANY, RECT_F_REASON, "reason (e.g. the finding was revoked on review)"),
    T(SUBMITTED, WITHDRAW, S(WITHDRAWN), OBJ, M, ANY, RECT_F_REASON, "reason (e.g. the finding was revoked on review)"),
    T(ASSIGNED, COMMENT, WF_SAME, OBJ, CAP_INSP_READ, ANY, RECT_F_TEXT, "comment"),
    T(RECTIFYING, COMMENT, WF_SAME, OBJ, CAP_INSP_READ, ANY, RECT_F_TEXT, "comment"),
    T(SIGNING, COMMENT, WF_SAME, OBJ, CAP_INSP_READ, ANY, RECT_F_TEXT, "comment"),
    T(SUBMITTED, COMMENT, WF_SAME, OBJ, CAP_INSP_READ, ANY, RECT_F_TEXT, "comment"),
    T(VERIFIED, COMMENT, WF_SAME, OBJ, CAP_INSP_READ, ANY, RECT_F_TEXT, "comment"),
    T(WITHDRAWN, COMMENT, WF_SAME, OBJ, CAP_INSP_READ, ANY, RECT_F_TEXT, "comment"),
};

#define HOME(role) {role, WF_AT_HOME, 0, false}
#define UNIT(role) {role, WF_AT_PART, 0, false}
#define TRKW(st, task, label, en, act, who) {0, RECT_ST_##st, 0, task, label, RECT_ACT_##act, {who}, 1, en}

static const struct wf_wait waits[] = {
    TRKW(ASSIGNED, "receive", "整改任务待签收", "Receive the task", RECEIVE, UNIT(ROLE_CONTACT)),
    TRKW(RECTIFYING, "report", "整改中：按期报送进展，完成后报送整改情况", "Report progress, then the rectification", REPORT, UNIT(ROLE_CONTACT)),
    TRKW(SIGNING, "sign", "整改报告待负责人签发", "Sign the rectification report", SIGN, UNIT(ROLE_HEAD)),
    {-1, RECT_ST_SUBMITTED, 0, "verify", "整改情况待核查", RECT_ACT_VERIFY, {HOME(ROLE_OFFICE)}, 1, "Verify the rectification"},
};

static const struct wf_inform informs[] = {
    {RECT_ACT_VERIFY, WF_INFORM_EACH_PART, UNIT(ROLE_CONTACT), "verified (销号), with the verification"},
    {RECT_ACT_VERIFY, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "verified (销号), with the verification"},
    {RECT_ACT_RETURN, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "returned, with the reasons"},
    {RECT_ACT_CLOSE_NOW, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "closed as fixed on the spot"},
    {RECT_ACT_WITHDRAW, WF_INFORM_EACH_PART, UNIT(ROLE_CONTACT), "withdrawn, with the reason"},
};
/* clang-format on */
#undef T
#undef S
#undef ANY
#undef OBJ
#undef TRK
#undef H
#undef M

static const struct wf_partdef partdefs[] = {{"unit", "整改责任单位", "Responsible unit", NULL, 0}};
static const struct wf_cond conds[] = {{"none", ""}}; /* index 0: no condition */

/* ---- hooks ---- */

static bool phase(int s)
{
    return s >= RECT_ST_ASSIGNED && s <= RECT_ST_SUBMITTED;
}

static bool cond(struct ctx *c, struct wf_obj *o, int k)
{
    (void)c;
    (void)o;
    (void)k;
    return ALWAYS(0);
}

static enum err load(struct ctx *c, int64_t id, bool with_waits, struct wf_obj **out)
{
    (void)with_waits;
    struct rect *r = arena_alloc(c->arena, sizeof *r);
    enum err e = rect_load(c, id, r);
    *out = &r->wf;
    return e;
}

/* The task has one part, its responsible unit: its state is the task's. */
static int rollup(struct wf_act *a)
{
    return a->part_to;
}

static enum err save(struct wf_act *a)
{
    return insp_save_state(a, "rect_tasks", "rectification", rect_of(a->obj)->version);
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    *n = 0;
    struct stmt *st = db_query(c->db,
                               "SELECT id FROM rect_tasks WHERE id > ? AND state NOT IN ('verified', 'withdrawn') "
                               "ORDER BY id LIMIT ?",
                               DB_INT(after), DB_INT(limit));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取整改任务");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < limit)
        out[(*n)++] = stmt_int(st, 0);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取整改任务") : ERR_OK;
}

/* ---- effects ---- */

static enum err set(struct wf_act *a, const char *sql_set, const char *text)
{
    struct ctx *c = a->c;
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_exec(c->db, arena_printf(c->arena, "UPDATE rect_tasks SET %s WHERE id = ?", sql_set), DB_TEXT(text),
                         DB_INT(a->obj->id));
    return ctx_db_fail(c, e, "更新整改任务");
}

static enum err receive(struct wf_act *a)
{
    char at[21];
    time_format_iso(a->c->now, at);
    return set(a, "received_at = ?", at);
}

static enum err report(struct wf_act *a)
{
    struct ctx *c = a->c;
    enum err e = db_exec(c->db, "UPDATE rect_tasks SET progress = ? WHERE id = ?",
                         DB_INT(jv_int(a->body, "percent", 0)), DB_INT(a->obj->id));
    return ctx_db_fail(c, e, "报送整改进展");
}

static enum err submit(struct wf_act *a)
{
    return set(a, "report_text = ?", jv_str(a->body, "text"));
}

/* The day n months after today (the look-back's), moved to a working day. */
static enum err months_ahead(struct ctx *c, int n, char out[11])
{
    int64_t day = time_local_day(c->now);
    cal_format_date(cal_add_months(day, n), out);
    return insp_due_after(c, out, 0, false, out);
}

/* verify (and close_now): done; a problem likely to rebound gets its look-back scheduled. */
static enum err verify(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct rect *r = rect_of(a->obj);
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_exec(c->db,
                         "UPDATE rect_tasks SET verify_text = ?, verified_by = ?, verified_at = ?, progress = 100 "
                         "WHERE id = ?",
                         DB_TEXT(jv_str(a->body, "text")), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at),
                         DB_INT(r->id));
    if (e)
        return ctx_db_fail(c, e, "核查整改任务");
    a->outcome = arena_printf(c->arena, "整改任务已核查销号。核查意见：%s", jv_str(a->body, "text"));
    /* the satisfaction survey of the task, when there is one with answers (满意度调查, src/clues) */
    json_t *sat = NULL;
    if ((e = hooks_satisfaction(c, "rect_task", r->id, &sat)))
        return e;
    if (sat) {
        json_t *pct = json_object_get(sat, "satisfied_pct");
        if (json_is_integer(pct))
            a->outcome =
                arena_printf(c->arena, "%s。群众满意度 %lld%%（满意度调查「%s」，%lld 份答卷）", a->outcome,
                             (long long)json_integer_value(pct), json_string_value(json_object_get(sat, "title")),
                             (long long)json_integer_value(json_object_get(sat, "responses")));
        json_object_set_new(a->data, "satisfaction", sat);
    }
    if (!r->rebound)
        return ERR_OK;
    struct insp_settings s;
    char due[11];
    if ((e = insp_settings_load(c, &s)) || (e = months_ahead(c, s.lookback_months, due)))
        return e;
    e = db_exec(
        c->db,
        "INSERT INTO insp_lookbacks (task_id, inspection_id, unit_id, due_date, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (task_id) DO NOTHING",
        DB_INT(r->id), DB_INT(r->inspection_id), DB_INT(r->unit_id), DB_TEXT(due), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "安排回头看");
    json_object_set_new(a->data, "lookback_due", json_string(due));
    a->outcome =
        arena_printf(c->arena, "%s该问题易反弹，将于%s前后开展回头看。", a->outcome, time_date_words(c->arena, due));
    return ERR_OK;
}

/* After the task closed: the inspection may now be closable (its office's to-do). */
static enum err inspection_sync(struct wf_act *a)
{
    return insp_sync(a->c, &insp_workflow, rect_of(a->obj)->inspection_id);
}

const struct wf_effect rect_effects[RECT_ACT__COUNT] = {
    [RECT_ACT_RECEIVE] = {receive, NULL},
    [RECT_ACT_REPORT] = {report, NULL},
    [RECT_ACT_SUBMIT] = {submit, NULL},
    [RECT_ACT_VERIFY] = {verify, inspection_sync},
    [RECT_ACT_CLOSE_NOW] = {verify, inspection_sync},
    [RECT_ACT_WITHDRAW] = {NULL, inspection_sync},
};

#define N(a) ((int)(sizeof(a) / sizeof *(a)))

const struct workflow rect_workflow = {
    .name = "rectification",
    .what = RECT_WHAT,
    .title = "Rectification tasks (整改任务)",
    .intro = "The states, actions and transition table of `src/inspections/rect_workflow.c` (effects in the same "
             "file). Issuing an inspection's findings creates one task per problem with its responsible unit, "
             "deadline and requirement; a problem fixed on the spot (立行立改) is closed at once. The task's one part "
             "is its responsible unit, whose state is the task's. A verified problem marked likely to rebound "
             "schedules a look-back (回头看) the scheduler opens when due.",
    .link = RECT_LINK,
    .part_what = "整改责任单位",
    .home_what = "government whose office ran the inspection",
    .track_what = "unit",
    .part_key = "unit",
    .part_member = NULL,
    .states = states,
    .nstates = N(states),
    .actions = actions,
    .nactions = N(actions),
    .rows = rows,
    .nrows = N(rows),
    .fields = fields,
    .nfields = N(fields),
    .conds = conds,
    .nconds = N(conds),
    .waits = waits,
    .nwaits = N(waits),
    .informs = informs,
    .ninforms = N(informs),
    .partdefs = partdefs,
    .npartdefs = N(partdefs),
    .effects = rect_effects,
    .read_cap = CAP_INSP_READ,
    .table = "rect_tasks",
    .load = load,
    .cond = cond,
    .phase = phase,
    .check = NULL,
    .rollup = rollup,
    .save = save,
    .on_action = rect_deadlines,
    .ids = ids,
};
