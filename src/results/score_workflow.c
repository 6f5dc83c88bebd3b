/*
 * score_workflow.c: the workflow of a scorecard (目标责任考评结果) for the engine: the office draws it
 * from the data and adjusts it with reasons, the principal leader approves or returns it, the office
 * issues it to the units — counted once more first (a difference refuses the submission or the issue: the
 * adjustments were made against other numbers). Once issued each unit scored is a part: its head is told
 * its score and rank, and it sees its own card (score_card.c).
 */
#include "results/results_internal.h"

#include "base/check.h"
#include "base/timeu.h"
#include "base/utf8.h"

#include <inttypes.h>
#include <string.h>

static const struct wf_name states[SC_ST__COUNT] = {
    [SC_ST_DRAFT] = {"draft", "草稿", "Draft"},
    [SC_ST_PENDING] = {"pending", "待主要领导审定", "Awaiting the principal leader"},
    [SC_ST_APPROVED] = {"approved", "已审定待下发", "Approved"},
    [SC_ST_ISSUED] = {"issued", "已下发", "Issued"},
    [SC_ST_WITHDRAWN] = {"withdrawn", "已撤销", "Withdrawn"},
};

static const struct wf_name actions[SC_ACT__COUNT] = {
    [SC_ACT_SUBMIT] = {"submit", "报主要领导审定", "Submit for approval"},
    [SC_ACT_APPROVE] = {"approve", "审定", "Approve"},
    [SC_ACT_RETURN] = {"return", "退回修改", "Return"},
    [SC_ACT_REOPEN] = {"reopen", "撤回修改", "Reopen the draft"},
    [SC_ACT_ISSUE] = {"issue", "下发", "Issue"},
    [SC_ACT_WITHDRAW] = {"withdraw", "撤销", "Withdraw"},
};

static const struct wf_field fields[] = {{"reason", true, "需要填写理由（reason）"}};
static const struct wf_cond conds[1] = {{NULL, NULL}};

/* clang-format off */
#define T(from, act, to, cap, role, fl, rec) {SC_ST_##from, SC_ACT_##act, SC_ST_##to, WF_OBJECT, cap, role, fl, 0, 0, 0, rec}
#define ANY WF_ANY_ROLE
static const struct wf_row rows[] = {
    T(DRAFT, SUBMIT, PENDING, CAP_RESULT_DRAFT, ANY, 0, "counted again (409 naming the units whose score changed); submitted"),
    T(PENDING, APPROVE, APPROVED, CAP_RESULT_APPROVE, ROLE_PRINCIPAL, 0, "the principal leader's approval: who and when"),
    T(PENDING, RETURN, DRAFT, CAP_RESULT_APPROVE, ROLE_PRINCIPAL, SC_F_REASON, "reason for returning"),
    T(APPROVED, REOPEN, DRAFT, CAP_RESULT_DRAFT, ANY, SC_F_REASON, "reason (e.g. the data changed): back to the draft"),
    T(APPROVED, ISSUE, ISSUED, CAP_RESULT_DRAFT, ANY, 0, "counted again (409 if changed); the number 古督考〔年〕n号, the office's seal, the objection period's last day; each unit scored sees its own card and its head is told"),
    T(DRAFT, WITHDRAW, WITHDRAWN, CAP_RESULT_DRAFT, ANY, SC_F_REASON, "reason"),
    T(PENDING, WITHDRAW, WITHDRAWN, CAP_RESULT_DRAFT, ANY, SC_F_REASON, "reason"),
};
#define HOME(role) {role, WF_AT_HOME, 0, false}
#define OBJW(st, task, label, en, act, who) {-1, SC_ST_##st, 0, task, label, SC_ACT_##act, {who}, 1, en}
static const struct wf_wait waits[] = {
    OBJW(DRAFT, "submit", "考评结果草稿待报审", "Submit the draft scorecard", SUBMIT, HOME(ROLE_OFFICE)),
    OBJW(PENDING, "approve", "考评结果待主要领导审定", "Approve the scorecard", APPROVE, HOME(ROLE_PRINCIPAL)),
    OBJW(APPROVED, "issue", "考评结果已审定待下发", "Issue the scorecard", ISSUE, HOME(ROLE_OFFICE)),
};
static const struct wf_inform informs[] = {
    {SC_ACT_ISSUE, WF_INFORM_EACH_PART, {ROLE_HEAD, WF_AT_PART, 0, false}, "each unit scored: its score and rank"},
};
/* clang-format on */
#undef T
#undef ANY

static bool phase(int s)
{
    return s == SC_ST_ISSUED;
}

static enum err load(struct ctx *c, int64_t id, bool waits_too, struct wf_obj **out)
{
    (void)waits_too;
    struct scorecard *s = arena_alloc(c->arena, sizeof *s);
    enum err e = scorecard_load(c, id, s);
    *out = &s->wf;
    return e;
}

/* Each unit hears its own score and rank. */
static void notice(struct wf_act *a, const struct wf_wait *w, const struct wf_inform *f, const struct wf_part *p,
                   struct notice *n)
{
    (void)w;
    if (a->action != SC_ACT_ISSUE || !f || !p)
        return;
    struct ctx *c = a->c;
    const struct scorecard *s = scorecard_of(a->obj);
    int64_t total = 0, rank = 0, count = 0;
    db_one_int(c->db, &total, "SELECT total FROM scorecard_units WHERE scorecard_id = ? AND unit_id = ?", DB_INT(s->id),
               DB_INT(p->unit_id));
    db_one_int(c->db, &rank, "SELECT rank FROM scorecard_units WHERE scorecard_id = ? AND unit_id = ?", DB_INT(s->id),
               DB_INT(p->unit_id));
    db_one_int(c->db, &count, "SELECT COUNT(*) FROM scorecard_units WHERE scorecard_id = ?", DB_INT(s->id));
    const char *until = NULL; /* fixed by the issue's effect, after the card was loaded */
    db_one_text(c->db, c->arena, &until, "SELECT objection_until FROM scorecards WHERE id = ?", DB_INT(s->id));
    n->subject = arena_printf(c->arena, "【目标责任考评】%s", s->title);
    n->body = arena_printf(c->arena,
                           "%s已下发《%s》。贵单位督查工作得分 %.1f 分，在 %" PRId64 " 个单位中排第 %" PRId64
                           " 位。请登录系统查阅得分明细；对得分明细有异议的，请于%s前由单位主要负责人提出。",
                           s->office_name, utf8_inner_title(c->arena, s->title), (double)total / 10, count, rank,
                           until ? time_date_words(c->arena, until) : "规定期限");
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    return res_ids(c, &scorecard_table, "'draft', 'pending', 'approved'", after, limit, out, n);
}

static enum err recheck(struct wf_act *a, const char *then)
{
    const char *diff = NULL;
    enum err e = scorecard_recheck(a->c, scorecard_of(a->obj), &diff);
    if (!e && diff)
        e = ctx_fail(a->c, ERR_CONFLICT, "考评数据已变化：%s。%s", diff, then);
    return e;
}

static enum err submit(struct wf_act *a)
{
    return recheck(a, "请重新计算（refresh）并核对调整后再报审");
}

static enum err approve(struct wf_act *a)
{
    return res_approve(a, &scorecard_table);
}

static enum err issue(struct wf_act *a)
{
    struct ctx *c = a->c;
    enum err e = recheck(a, "请撤回修改（reopen）、重新计算后重新报审");
    if (e)
        return e;
    /* the objection period runs from today under the year's rule table as it stands at the issue */
    const struct scorecard *s = scorecard_of(a->obj);
    struct score_table t;
    const char *until = NULL;
    if ((e = score_table_load(c, s->home_unit_id, s->year, &t)) ||
        (e = scorecard_objection_until(c, t.objection_days, &until)))
        return e;
    /* numbered as an official document (古督考〔年〕n号) and sealed with the office's seal over what was issued */
    struct scorecard *card = scorecard_of(a->obj);
    int year;
    int64_t seq;
    if ((e = res_number(c, s->home_path, s->office_unit_id, "scorecard", "考", &card->number, &year, &seq)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db, "UPDATE scorecards SET issued_at = ?, objection_until = ?, number = ? WHERE id = ?", DB_TEXT(at),
                DB_TEXT(until), DB_TEXT(card->number), DB_INT(a->obj->id));
    if (e)
        return ctx_db_fail(c, e, "下发考评结果");
    a->obj->number = card->number;
    json_object_set_new(a->data, "objection_until", json_string(until));
    json_object_set_new(a->data, "number", json_string(card->number));
    return scorecard_seal(c, card);
}

const struct wf_effect scorecard_effects[SC_ACT__COUNT] = {
    [SC_ACT_SUBMIT] = {submit, NULL},
    [SC_ACT_APPROVE] = {approve, NULL},
    [SC_ACT_ISSUE] = {issue, NULL},
};

const struct workflow scorecard_workflow = {
    .name = "scorecard",
    .what = SCORECARD_WHAT,
    .title = "Year-end target-responsibility scoring (目标责任考评)",
    .intro = "The states, actions and transition table of `src/results/score_workflow.c`. The lines come from the "
             "data under the government's rule table (`src/results/score_card.c`, `score_rules.c`) and are counted "
             "again at submission and at issue; the office adjusts with reasons. The units scored are its parts "
             "once issued.",
    .link = "/scorecards/%lld",
    .part_what = "考评单位",
    .home_what = "government whose office scores its units",
    .track_what = "unit scored",
    .person_what = {NULL, NULL},
    .part_key = "units",
    .part_member = NULL,
    RES_WF_TABLES,
    .effects = scorecard_effects,
    .read_cap = CAP_ITEM_READ,
    .table = "scorecards",
    .load = load,
    .cond = res_hook_no_cond,
    .phase = phase,
    .check = NULL,
    .rollup = NULL,
    .save = res_hook_save,
    .on_action = NULL,
    .notice = notice,
    .ids = ids,
};
