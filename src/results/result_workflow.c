/*
 * result_workflow.c: the declaration of the results' workflow for the engine (src/workflow): praise,
 * criticism, talks, accountability proposals, referrals, error tolerance and policy advice share one table —
 * the office drafts, the principal leader approves, returns or refuses (条例 Arts. 19–21: nothing takes effect
 * without that approval), the office issues; a talk is then held and followed up, an accountability proposal,
 * a referral or a policy advice closed with the outcome reported back (the advice: whether the unit that issued
 * the document or measure adjusted it). The kind decides those last rows through conditions.
 * The hooks read and write a result for the engine; the effects are in result_effects.c.
 */
#include "results/results_internal.h"

#include "base/check.h"
#include "base/timeu.h"
#include "base/utf8.h"

#include <string.h>

static const struct wf_name states[RES_ST__COUNT] = {
    [RES_ST_DRAFT] = {"draft", "草稿", "Draft"},
    [RES_ST_PENDING] = {"pending", "待主要领导审批", "Awaiting the principal leader"},
    [RES_ST_APPROVED] = {"approved", "已批准待印发", "Approved"},
    [RES_ST_ISSUED] = {"issued", "已印发", "Issued"},
    [RES_ST_HELD] = {"held", "已约谈待跟踪", "Talk held"},
    [RES_ST_CLOSED] = {"closed", "已办结", "Closed"},
    [RES_ST_REFUSED] = {"refused", "未获批准", "Refused"},
    [RES_ST_WITHDRAWN] = {"withdrawn", "已撤销", "Withdrawn"},
    [RES_ST_REVIEWING] = {"reviewing", "整改情况待审核", "Rectification under review"},
};

static const struct wf_name actions[RES_ACT__COUNT] = {
    [RES_ACT_SUBMIT] = {"submit", "报主要领导审批", "Submit for approval"},
    [RES_ACT_APPROVE] = {"approve", "批准", "Approve"},
    [RES_ACT_RETURN] = {"return", "退回修改", "Return"},
    [RES_ACT_REFUSE] = {"refuse", "不予批准", "Refuse"},
    [RES_ACT_ISSUE] = {"issue", "印发", "Issue"},
    [RES_ACT_RECORD_TALK] = {"record_talk", "记录约谈情况", "Record the talk"},
    [RES_ACT_FOLLOW_UP] = {"follow_up", "跟踪反馈并办结", "Record the follow-up"},
    [RES_ACT_WITHDRAW] = {"withdraw", "撤销", "Withdraw"},
    [RES_ACT_REPORT_RECTIFICATION] = {"report_rectification", "报送整改情况", "Report the rectification"},
    [RES_ACT_ACCEPT_RECTIFICATION] = {"accept_rectification", "整改情况审核通过", "Accept the rectification"},
    [RES_ACT_RETURN_RECTIFICATION] = {"return_rectification", "退回整改情况", "Return the rectification"},
};

/* in the order of enum result_field */
static const struct wf_field fields[] = {
    {"reason", true, "需要填写理由（reason）"},
    {"record", true, "需要填写约谈记录（record）"},
    {"text", true, "需要填写跟踪反馈情况（text）"},
    {"rectification", true, "需要填写整改情况（rectification）"},
};

static const struct wf_cond conds[RES_COND__COUNT] = {
    [RES_COND_TALK] = {"talk", "只有约谈需要记录约谈情况"},
    [RES_COND_OUTCOME] = {"outcome", "只有问责建议、移送和政策建议在印发后反馈处理结果；约谈请先记录约谈情况"},
    [RES_COND_RECTIFY] = {"rectify", "只有限期整改的通报批评需要报送整改情况"},
};

/* clang-format off */
#define T(from, act, to, cap, role, fl, rec) {RES_ST_##from, RES_ACT_##act, RES_ST_##to, WF_OBJECT, cap, role, fl, 0, 0, 0, rec}
#define TC(from, act, to, cap, fl, cond, rec) {RES_ST_##from, RES_ACT_##act, RES_ST_##to, WF_OBJECT, cap, WF_ANY_ROLE, fl, cond, 0, 0, rec}
#define ANY WF_ANY_ROLE
#define DRAFTER CAP_RESULT_DRAFT
#define PRINCIPAL CAP_RESULT_APPROVE

/* Read a row as: in state FROM, ACTION by someone holding CAP (and ROLE) at the government whose
 * office drafted the record leads to TO. */
static const struct wf_row rows[] = {
    T(DRAFT, SUBMIT, PENDING, DRAFTER, ANY, 0, "submitted to the principal leader"),
    T(PENDING, APPROVE, APPROVED, PRINCIPAL, ROLE_PRINCIPAL, 0, "the principal leader's approval (条例 Arts. 19–21, 23): who and when"),
    T(PENDING, RETURN, DRAFT, PRINCIPAL, ROLE_PRINCIPAL, RES_F_REASON, "reason for returning; the office edits the draft"),
    T(PENDING, REFUSE, REFUSED, PRINCIPAL, ROLE_PRINCIPAL, RES_F_REASON, "reason; the record never takes effect"),
    T(APPROVED, ISSUE, ISSUED, DRAFTER, ANY, 0, "the number (古督批〔年〕n号 …); the unit concerned sees it and is told"),
    TC(ISSUED, RECORD_TALK, HELD, DRAFTER, RES_F_RECORD, RES_COND_TALK, "the talk held: when (held_at), the record"),
    TC(ISSUED, FOLLOW_UP, CLOSED, DRAFTER, RES_F_TEXT, RES_COND_OUTCOME, "the outcome the receiving body reported back"),
    T(HELD, FOLLOW_UP, CLOSED, DRAFTER, ANY, RES_F_TEXT, "the follow-up of the talk (整改跟踪)"),
    T(DRAFT, WITHDRAW, WITHDRAWN, DRAFTER, ANY, RES_F_REASON, "reason; the number is never assigned"),
    T(PENDING, WITHDRAW, WITHDRAWN, DRAFTER, ANY, RES_F_REASON, "reason; the approval request is dropped"),
    /* a criticism's rectification (限期整改): the unit concerned reports, the office reviews */
    {RES_ST_ISSUED, RES_ACT_REPORT_RECTIFICATION, RES_ST_REVIEWING, WF_PART, CAP_RECT_HANDLE, ANY, RES_F_RECTIFICATION,
     RES_COND_RECTIFY, 0, 0, "the unit's rectification (what was done), by its contact or head; its deadline met or late"},
    T(REVIEWING, ACCEPT_RECTIFICATION, CLOSED, DRAFTER, ANY, 0, "the office accepts the rectification (an optional note in text)"),
    T(REVIEWING, RETURN_RECTIFICATION, ISSUED, DRAFTER, ANY, RES_F_REASON, "reason; the unit reports again, on the same deadline"),
};

#define HOME(role) {role, WF_AT_HOME, 0, false}
#define UNIT(role) {role, WF_AT_PART, 0, false}
#define OBJW(st, cond, task, label, en, act, who) {-1, RES_ST_##st, cond, task, label, RES_ACT_##act, {who}, 1, en}

/* Who must act in each state; nobody in the final ones (issued praise and criticism included). */
static const struct wf_wait waits[] = {
    OBJW(DRAFT, 0, "submit", "结果运用草稿待报批", "Submit the draft", SUBMIT, HOME(ROLE_OFFICE)),
    OBJW(PENDING, 0, "approve", "待主要领导审批", "Approve (principal leader)", APPROVE, HOME(ROLE_PRINCIPAL)),
    OBJW(APPROVED, 0, "issue", "已批准待印发", "Issue", ISSUE, HOME(ROLE_OFFICE)),
    OBJW(ISSUED, RES_COND_TALK, "record_talk", "待约谈并记录约谈情况", "Hold and record the talk", RECORD_TALK, HOME(ROLE_OFFICE)),
    OBJW(ISSUED, RES_COND_OUTCOME, "follow_up", "待反馈处理结果", "Record the outcome", FOLLOW_UP, HOME(ROLE_OFFICE)),
    OBJW(HELD, 0, "follow_up", "约谈后待跟踪整改", "Follow up the talk", FOLLOW_UP, HOME(ROLE_OFFICE)),
    {0, RES_ST_ISSUED, RES_COND_RECTIFY, "report_rectification", "报送整改情况", RES_ACT_REPORT_RECTIFICATION,
     {UNIT(ROLE_CONTACT)}, 1, "Report the rectification"},
    OBJW(REVIEWING, 0, "review_rectification", "整改情况待审核", "Review the rectification", ACCEPT_RECTIFICATION,
         HOME(ROLE_OFFICE)),
};

/* Whom each decision is told besides the to-dos: the unit concerned once it takes effect; the office
 * of a refusal (which ends the record without a to-do). */
static const struct wf_inform informs[] = {
    {RES_ACT_ISSUE, WF_INFORM_CONCERNED, UNIT(ROLE_HEAD), "the record as issued (a talk: who, whom, when, where)"},
    {RES_ACT_ISSUE, WF_INFORM_CONCERNED, UNIT(ROLE_CONTACT), "the record as issued"},
    {RES_ACT_REFUSE, WF_INFORM_ONCE, HOME(ROLE_OFFICE), "refused, with the reason"},
    {RES_ACT_ACCEPT_RECTIFICATION, WF_INFORM_CONCERNED, UNIT(ROLE_CONTACT), "the rectification accepted"},
    {RES_ACT_ACCEPT_RECTIFICATION, WF_INFORM_CONCERNED, UNIT(ROLE_HEAD), "the rectification accepted"},
    {RES_ACT_RETURN_RECTIFICATION, WF_INFORM_CONCERNED, UNIT(ROLE_HEAD), "the rectification returned, with the reason"},
};
/* clang-format on */
#undef T
#undef TC
#undef ANY
#undef DRAFTER
#undef PRINCIPAL

/* ---- kinds ---- */

/* the kinds, the workflow's varieties: a record's to-dos say 约谈 or 通报批评 */
static const struct wf_name kinds[RES_KIND__COUNT] = {
    [RES_PRAISE] = {"praise", "通报表扬", "Praise"},
    [RES_CRITICISM] = {"criticism", "通报批评", "Criticism"},
    [RES_TALK] = {"talk", "约谈", "Admonition talk"},
    [RES_ACCOUNTABILITY] = {"accountability", "问责建议", "Accountability proposal"},
    [RES_REFERRAL] = {"referral", "移送", "Referral"},
    [RES_TOLERANCE] = {"tolerance", "容错认定", "Error tolerance"},
    [RES_ADVICE] = {"advice", "政策建议", "Policy advice"},
};
/* the character of each in the number */
static const char *const words[RES_KIND__COUNT] = {
    [RES_PRAISE] = "表",   [RES_CRITICISM] = "批", [RES_TALK] = "谈",   [RES_ACCOUNTABILITY] = "问",
    [RES_REFERRAL] = "移", [RES_TOLERANCE] = "容", [RES_ADVICE] = "建",
};

const char *result_kind_name(enum result_kind k)
{
    return (unsigned)k < RES_KIND__COUNT ? kinds[k].name : "?";
}

const char *result_kind_label(enum result_kind k)
{
    return (unsigned)k < RES_KIND__COUNT ? kinds[k].label : "?";
}

const char *result_kind_word(enum result_kind k)
{
    return (unsigned)k < RES_KIND__COUNT ? words[k] : "";
}

bool result_kind_parse(const char *s, enum result_kind *out)
{
    for (int i = 0; s && i < RES_KIND__COUNT; i++)
        if (!strcmp(s, kinds[i].name)) {
            *out = (enum result_kind)i;
            return true;
        }
    return false;
}

/* ---- hooks ---- */

static bool cond(struct ctx *c, struct wf_obj *o, int k)
{
    (void)c;
    const struct result *r = result_of(o);
    switch ((enum result_cond)k) {
    case RES_COND_TALK:
        return r->kind == RES_TALK;
    case RES_COND_OUTCOME:
        return r->kind == RES_ACCOUNTABILITY || r->kind == RES_REFERRAL || r->kind == RES_ADVICE;
    case RES_COND_RECTIFY:
        return r->kind == RES_CRITICISM && r->rectify_due;
    case RES_COND__COUNT:
        break;
    }
    return ALWAYS(0);
}

static enum err load(struct ctx *c, int64_t id, bool waits_too, struct wf_obj **out)
{
    (void)waits_too; /* no parts beyond the unit concerned */
    struct result *r = arena_alloc(c->arena, sizeof *r);
    enum err e = result_load(c, id, r);
    *out = &r->wf;
    return e;
}

/* The unit's part rows (its rectification) apply while the criticism is issued. */
static bool phase(int state)
{
    return state == RES_ST_ISSUED;
}

/* The unit's report moves the record: the part is the record's one unit, its state the record's. */
static int rollup(struct wf_act *a)
{
    return a->part_to;
}

/* held_at, when given, is a moment of the past ("YYYY-MM-DD HH:MM"). */
static enum err check(struct wf_act *a)
{
    const char *held = jv_str(a->body, "held_at");
    if (a->action != RES_ACT_RECORD_TALK || !held)
        return ERR_OK;
    if (!result_time_valid(held))
        return ctx_fail_field(a->c, "held_at", "约谈实际时间（held_at）应为 YYYY-MM-DD HH:MM");
    char today[11];
    result_today(a->c, today);
    if (strncmp(held, today, 10) > 0)
        return ctx_fail_field(a->c, "held_at", "约谈实际时间（held_at）不能晚于今天");
    return ERR_OK;
}

/* The issue tells the unit concerned what was decided, in the words of the record: a talk's notice
 * names who talks to whom, when and where. */
static void notice(struct wf_act *a, const struct wf_wait *w, const struct wf_inform *f, const struct wf_part *p,
                   struct notice *n)
{
    (void)p;
    struct ctx *c = a->c;
    const struct result *r = result_of(a->obj);
    if (a->action == RES_ACT_ISSUE && w && r->kind == RES_CRITICISM && r->rectify_due) {
        /* the unit's to-do at issue: the criticism itself, and what it must do by when */
        n->subject = arena_printf(c->arena, "【通报批评】%s《%s》：请于 %s 前报送整改情况", r->number ? r->number : "",
                                  utf8_inner_title(c->arena, r->title), r->rectify_due);
        n->body = arena_printf(c->arena, "通报批评：%s\n\n%s\n\n请对照通报指出的问题抓好整改，于 %s 前报送整改情况。",
                               r->unit_name, r->content, r->rectify_due);
        return;
    }
    if (a->action != RES_ACT_ISSUE || !f)
        return;
    n->subject = arena_printf(c->arena, "【%s】%s《%s》", r->kind == RES_TALK ? "约谈通知" : result_kind_label(r->kind),
                              r->number ? r->number : "", utf8_inner_title(c->arena, r->title));
    if (r->kind == RES_TALK)
        n->body =
            arena_printf(c->arena, "经政府主要领导批准，定于 %s 在%s约谈%s（%s）。约谈人：%s。请准时参加。\n\n%s",
                         r->talk_at ? r->talk_at : "", r->talk_place, r->person, r->unit_name, r->talk_by, r->content);
    else
        n->body = arena_printf(c->arena, "%s：%s\n\n%s", result_kind_label(r->kind), r->unit_name, r->content);
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    return res_ids(c, &result_table, "'draft', 'pending', 'approved', 'issued', 'held', 'reviewing'", after, limit, out,
                   n);
}

const struct workflow result_workflow = {
    .name = "result",
    .what = RESULT_WHAT,
    .title = "Using the results (结果运用): praise, criticism, talks, accountability, referrals",
    .intro = "The states, actions and transition table of `src/results/result_workflow.c`; the effects are in "
             "`src/results/result_effects.c`. One table for every kind (`praise` 通报表扬, `criticism` 通报批评, "
             "`talk` 约谈, `accountability` 问责建议, `referral` 移送, `tolerance` 容错认定); the conditions `talk` "
             "and `outcome` decide "
             "what follows the issue; `rectify` (a criticism with a rectification deadline) makes the unit concerned "
             "report its rectification (限期整改) and the office review it. Nothing takes effect without the principal "
             "leader's approval; the unit "
             "concerned sees the record only once it is issued.",
    .link = "/results/%lld",
    .part_what = "被通报或约谈的单位",
    .home_what = "government whose office drafted it",
    .track_what = "target",
    .person_what = {NULL, NULL},
    .part_key = "target",
    .part_member = NULL,
    RES_WF_TABLES,
    .varieties = kinds,
    .nvarieties = RES_KIND__COUNT,
    .effects = result_effects,
    .read_cap = CAP_ITEM_READ,
    .table = "results",
    .load = load,
    .cond = cond,
    .phase = phase,
    .check = check,
    .rollup = rollup,
    .save = res_hook_save,
    .on_action = NULL,
    .notice = notice,
    .ids = ids,
};
