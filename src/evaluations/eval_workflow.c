/*
 * eval_workflow.c: the declaration of third-party evaluation for the engine (src/workflow): the office
 * engages an evaluator organisation (draft → engaged), the organisation submits its scores (its one
 * track, the engine's part of kind 0: the engaged organisation), the office returns the result with a
 * reason (→ engaged) or accepts it. The units evaluated are parts of kind 1 ("self") that wait on the
 * unit's contact for its self-assessment while the engagement is engaged or submitted.
 */
#include "evaluations/eval_internal.h"
#include "base/utf8.h"

#include "notify/notify.h"

#include <inttypes.h>
#include <string.h>

static const struct wf_name states[EVAL_ST__COUNT] = {
    [EVAL_ST_DRAFT] = {"draft", "草稿", "Draft"},
    [EVAL_ST_ENGAGED] = {"engaged", "评估中", "Engaged"},
    [EVAL_ST_SUBMITTED] = {"submitted", "待验收", "Submitted"},
    [EVAL_ST_ACCEPTED] = {"accepted", "已验收", "Accepted"},
};

static const struct wf_name actions[EVAL_ACT__COUNT] = {
    [EVAL_ACT_ENGAGE] = {"engage", "委托评估", "Engage"},
    [EVAL_ACT_SUBMIT] = {"submit", "提交评估结果", "Submit the result"},
    [EVAL_ACT_RETURN] = {"return", "退回评估结果", "Return the result"},
    [EVAL_ACT_ACCEPT] = {"accept", "验收评估结果", "Accept the result"},
};

static const struct wf_field fields[] = {
    {"reason", true, "需要填写退回理由（reason）"},
};

static const struct wf_cond conds[] = {{"none", NULL}};

/* the timeline's entries besides the actions */
static const struct wf_name events[] = {
    {"create", "创建评估委托", "Created"},
    {"update", "修改评估委托", "Changed"},
    {"score", "第三方评分", "Scored"},
    {"evidence", "上传评估证据", "Evidence uploaded"},
    {"self_assess", "单位自评", "Self-assessed"},
};

static const struct wf_name self_states[EVAL_SELF__COUNT] = {
    [EVAL_SELF_PENDING] = {"pending", "待自评", "Self-assessment pending"},
    [EVAL_SELF_DONE] = {"done", "已自评或无需自评", "Self-assessed or not needed"},
};

static const struct wf_partdef partdefs[] = {
    {"engagement", "受托评估机构", "Engaged evaluator", NULL, 0},
    {"self", "单位自评", "Self-assessment", self_states, EVAL_SELF__COUNT},
};

/* clang-format off */
#define T(from, act, to, scope, cap, fl, rec) {EVAL_ST_##from, EVAL_ACT_##act, EVAL_ST_##to, scope, cap, WF_ANY_ROLE, fl, 0, 0, 0, rec}

/* Read a row as: in state FROM, ACTION by someone holding CAP at the engagement's government (WF_OBJECT)
 * or at the engaged organisation (WF_PART) leads to TO. */
static const struct wf_row rows[] = {
    T(DRAFT, ENGAGE, ENGAGED, WF_OBJECT, CAP_INSP_MANAGE, 0, "the terms are frozen; the organisation's users and the units evaluated are handed their work"),
    T(ENGAGED, SUBMIT, SUBMITTED, WF_PART, CAP_INSP_EVALUATE, 0, "every unit scored on every indicator; the scores and findings are frozen"),
    T(SUBMITTED, RETURN, ENGAGED, WF_OBJECT, CAP_INSP_MANAGE, EVAL_F_REASON, "reason; the organisation corrects its scores and submits again"),
    T(SUBMITTED, ACCEPT, ACCEPTED, WF_OBJECT, CAP_INSP_MANAGE, 0, "the result is final; each unit reads the evaluator's scores of it"),
};

#define HOME(role) {role, WF_AT_HOME, 0, false}
#define UNIT(role) {role, WF_AT_PART, 0, false}
#define ORELSE_UNIT(role) {role, WF_AT_PART, 0, true}

/* Who must act: the office engages and accepts; the organisation's evaluators score and submit; each unit's
 * contact (its head when it has none) records its self-assessment. */
static const struct wf_wait waits[] = {
    {-1, EVAL_ST_DRAFT, 0, "engage", "评估委托待发出", EVAL_ACT_ENGAGE, {HOME(ROLE_OFFICE)}, 1, "Engage the evaluator"},
    {0, EVAL_ST_ENGAGED, 0, "evaluate", "第三方评估待评分", EVAL_ACT_SUBMIT, {UNIT(ROLE_EVALUATOR)}, 1, "Score and submit"},
    {1, EVAL_SELF_PENDING, 0, "self_assess", "评估自评待填报", -1, {UNIT(ROLE_CONTACT), ORELSE_UNIT(ROLE_HEAD)}, 2, "Record the self-assessment"},
    {-1, EVAL_ST_SUBMITTED, 0, "accept", "评估结果待验收", EVAL_ACT_ACCEPT, {HOME(ROLE_OFFICE)}, 1, "Accept the result"},
};
/* clang-format on */
#undef T
#undef HOME
#undef UNIT
#undef ORELSE_UNIT

const char *eval_state_name(int s)
{
    return s >= 0 && s < EVAL_ST__COUNT ? states[s].name : "?";
}

int eval_state_parse(const char *s)
{
    for (int i = 0; s && i < EVAL_ST__COUNT; i++)
        if (!strcmp(s, states[i].name))
            return i;
    return -1;
}

/* ---- hooks ---- */

static enum err load(struct ctx *c, int64_t id, bool waits_too, struct wf_obj **out)
{
    (void)waits_too;
    struct evaluation *ev = arena_alloc(c->arena, sizeof *ev);
    enum err e = eval_load(c, id, ev);
    *out = &ev->wf;
    return e;
}

static bool phase(int s)
{
    return s == EVAL_ST_ENGAGED;
}

static int rollup(struct wf_act *a)
{
    return a->part_to;
}

static enum err save(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct evaluation *ev = eval_of(a->obj);
    char at[21];
    time_format_iso(c->now, at);
    int64_t nv;
    enum err e = db_one_int(c->db, &nv,
                            "UPDATE evaluations SET state = ?, updated_at = ?, version = version + 1 WHERE id = ? AND "
                            "version = ? RETURNING version",
                            DB_TEXT(eval_state_name(a->to)), DB_TEXT(at), DB_INT(ev->wf.id), DB_INT(ev->wf.version));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "第三方评估已被他人同时处理，请刷新后重试");
    if (e)
        return ctx_db_fail(c, e, "更新第三方评估");
    return eval_event(c, ev->wf.id, wf_action_name(a->wf, a->action), a->from, a->to,
                      a->part >= 0 ? ev->wf.parts[a->part].unit_id : 0, a->data);
}

/* engage: an organisation with someone to do the work, the terms complete, the due date not past. */
static enum err engage_before(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct evaluation *ev = eval_of(a->obj);
    char today[11];
    eval_today(c, today);
    if (!ev->evaluator_unit_id)
        return ctx_fail_field(c, "evaluator_unit_id", "请先选择受托的第三方评估机构（evaluator_unit_id）再委托");
    if (ev->evaluator_suspended)
        return ctx_fail(c, ERR_CONFLICT, "评估机构「%s」已被暂停，不能委托；请先恢复或另选评估机构",
                        ev->evaluator_name);
    if (!ev->nmembers)
        return ctx_fail(c, ERR_CONFLICT,
                        "评估机构「%s」还没有可以登录的评估人员，请先为其开设账号（角色：第三方评估机构）",
                        ev->evaluator_name);
    if (strcmp(ev->wf.due_date, today) < 0)
        return ctx_fail_field(c, "due_date", "评估结果的提交时限（due_date）%s 已过，请先修改再委托", ev->wf.due_date);
    a->outcome = arena_printf(c->arena, "委托「%s」评估，%s 前提交评估结果", ev->evaluator_name, ev->wf.due_date);
    return ERR_OK;
}

/* submit: every unit scored on every indicator. */
static enum err submit_before(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct evaluation *ev = eval_of(a->obj);
    int64_t missing = 0;
    enum err e = db_one_int(c->db, &missing,
                            "SELECT COUNT(*) FROM eval_units u JOIN eval_indicators i ON i.evaluation_id = "
                            "u.evaluation_id WHERE u.evaluation_id = ? AND NOT EXISTS (SELECT 1 FROM eval_scores s "
                            "WHERE s.eval_unit_id = u.id AND s.indicator_id = i.id AND s.source = 'evaluator')",
                            DB_INT(ev->wf.id));
    if (e)
        return ctx_db_fail(c, e, "核对评分");
    if (missing) {
        const char *unit = NULL, *ind = NULL;
        struct stmt *st = db_query(c->db,
                                   "SELECT n.name, i.name FROM eval_units u JOIN units n ON n.id = u.unit_id JOIN "
                                   "eval_indicators i ON i.evaluation_id = u.evaluation_id WHERE u.evaluation_id = ? "
                                   "AND NOT EXISTS (SELECT 1 FROM eval_scores s WHERE s.eval_unit_id = u.id AND "
                                   "s.indicator_id = i.id AND s.source = 'evaluator') ORDER BY u.id, i.pos LIMIT 1",
                                   DB_INT(ev->wf.id));
        if (st && stmt_step(st) == STORE_ROW) {
            unit = arena_strdup(c->arena, stmt_text(st, 0));
            ind = arena_strdup(c->arena, stmt_text(st, 1));
        }
        stmt_done(st);
        return ctx_fail(c, ERR_CONFLICT,
                        "还有 %" PRId64 " 项未评分（如「%s」的「%s」），请为每个单位的每项指标评分后再提交", missing,
                        unit ? unit : "", ind ? ind : "");
    }
    return ERR_OK;
}

static const struct wf_effect effects[EVAL_ACT__COUNT] = {
    [EVAL_ACT_ENGAGE] = {engage_before, NULL},
    [EVAL_ACT_SUBMIT] = {submit_before, NULL},
    [EVAL_ACT_RETURN] = {NULL, NULL},
    [EVAL_ACT_ACCEPT] = {NULL, NULL},
};

/* The hand-offs name the engagement's terms: the due date, the reason a result came back. */
static void notice(struct wf_act *a, const struct wf_wait *w, const struct wf_inform *f, const struct wf_part *p,
                   struct notice *n)
{
    (void)f;
    struct ctx *c = a->c;
    struct evaluation *ev = eval_of(a->obj);
    if (!w)
        return;
    if (!strcmp(w->task, "evaluate")) {
        const char *reason = jv_str(a->body, "reason");
        n->subject = arena_printf(c->arena, "【第三方评估】%s%s", ev->wf.title, reason ? "（退回修改）" : "");
        n->body = arena_printf(c->arena,
                               "%s委托贵机构开展第三方评估《%s》（评估期%s至%s，%d 个单位、%d 项指标），请于%s"
                               "前为每个单位逐项评分、填写评估发现并提交。%s%s",
                               ev->office_name, utf8_inner_title(c->arena, ev->wf.title),
                               time_date_words(c->arena, ev->period_start), time_date_words(c->arena, ev->period_end),
                               ev->nunits, ev->nindicators, time_date_words(c->arena, ev->wf.due_date),
                               reason ? "\n\n退回理由：" : "", reason ? reason : "");
    } else if (!strcmp(w->task, "self_assess")) {
        n->subject = arena_printf(c->arena, "【评估自评】%s", ev->wf.title);
        n->body = arena_printf(c->arena,
                               "%s已委托第三方评估机构开展评估《%s》（评估期%s至%s）。请%s对照 %d 项评估指标填报自评，"
                               "督查室将把自评与第三方评估结果对表分析。",
                               ev->office_name, utf8_inner_title(c->arena, ev->wf.title),
                               time_date_words(c->arena, ev->period_start), time_date_words(c->arena, ev->period_end),
                               p && p->unit_name ? p->unit_name : "贵单位", ev->nindicators);
    } else if (!strcmp(w->task, "accept")) {
        n->subject = arena_printf(c->arena, "【评估结果待验收】%s", ev->wf.title);
        n->body = arena_printf(c->arena, "第三方评估机构「%s」已提交评估结果《%s》，请查看对表分析并验收或退回。",
                               ev->evaluator_name ? ev->evaluator_name : "", utf8_inner_title(c->arena, ev->wf.title));
    }
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    *n = 0;
    struct stmt *st =
        db_query(c->db, "SELECT id FROM evaluations WHERE id > ? AND state <> 'accepted' ORDER BY id LIMIT ?",
                 DB_INT(after), DB_INT(limit));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取第三方评估");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < limit)
        out[(*n)++] = stmt_int(st, 0);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取第三方评估") : ERR_OK;
}

#define N(a) ((int)(sizeof(a) / sizeof *(a)))

const struct workflow evaluation_workflow = {
    .name = EVAL_KIND,
    .what = EVAL_WHAT,
    .title = "Third-party evaluation (第三方评估)",
    .intro = "The states, actions and transition table of `src/evaluations/eval_workflow.c`. The office of a "
             "government engages an outside evaluator organisation for a set of items or inspections, the units "
             "evaluated, a period and the indicators; the organisation's evaluators score every unit on every "
             "indicator, write their findings with evidence and submit (the organisation is the one track); the "
             "office returns the result with a reason or accepts it. Each unit evaluated records its "
             "self-assessment (自评) on the same indicators while the engagement is engaged or submitted (a part "
             "of kind `self`, a to-do of its contact); the office reads the side-by-side view (对表分析).",
    .link = "/evaluations/%lld",
    .part_what = "受托评估机构",
    .home_what = "government whose office engages the evaluator",
    .track_what = "engagement",
    .person_what = {NULL, NULL},
    .part_key = "engagement",
    .part_member = NULL,
    .table = "evaluations",
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
    .informs = NULL,
    .ninforms = 0,
    .partdefs = partdefs,
    .npartdefs = N(partdefs),
    .events = events,
    .nevents = N(events),
    .effects = effects,
    .read_cap = CAP_INSP_READ,
    .load = load,
    .cond = NULL,
    .phase = phase,
    .check = NULL,
    .rollup = rollup,
    .save = save,
    .on_action = NULL,
    .notice = notice,
    .ids = ids,
};
