/*
 * review_workflow.c: the review (复核, 政府督查工作条例 Art. 17): the inspected body asks within the
 * window after it received the conclusion (review.c checks it, settings review_days); the office
 * accepts or refuses the request; the government decides within decide_days (the review's due date).
 * Those who drew the conclusion — the team and whoever issued it — stand aside: the permission module
 * refuses them the decision (perm_item.recused), whatever their role. A revoked conclusion withdraws
 * the requesting unit's open rectification tasks.
 */
#include "inspections/insp_internal.h"

#include "base/check.h"
#include "base/timeu.h"

#include <inttypes.h>
#include <string.h>

static const struct wf_name states[REVIEW_ST__COUNT] = {
    [REVIEW_ST_REQUESTED] = {"requested", "已申请复核待受理", "Requested"},
    [REVIEW_ST_ACCEPTED] = {"accepted", "复核中", "Under review"},
    [REVIEW_ST_DECIDED] = {"decided", "已作出复核决定", "Decided"},
    [REVIEW_ST_REJECTED] = {"rejected", "不予受理", "Not accepted"},
    [REVIEW_ST_WITHDRAWN] = {"withdrawn", "已撤回", "Withdrawn"},
};

static const struct wf_name actions[REVIEW_ACT__COUNT] = {
    [REVIEW_ACT_ACCEPT] = {"accept", "受理", "Accept"},
    [REVIEW_ACT_REJECT] = {"reject", "不予受理", "Refuse"},
    [REVIEW_ACT_DECIDE] = {"decide", "作出复核决定", "Decide"},
    [REVIEW_ACT_WITHDRAW] = {"withdraw", "撤回申请", "Withdraw the request"},
    [REVIEW_ACT_COMMENT] = {"comment", "备注", "Comment"},
};

enum { REVIEW_F_REASON = 1 << 0, REVIEW_F_TEXT = 1 << 1, REVIEW_F_RESULT = 1 << 2 };

static const struct wf_field fields[] = {
    {"reason", true, "需要填写理由（reason）"},
    {"text", true, "需要填写内容（text）"},
    {"result", false, NULL}, /* upheld, changed or revoked: checked by check() */
};

static const struct wf_cond conds[] = {{"none", ""}};

/* clang-format off */
#define T(from, act, to, scope, cap, fl, rec) \
    {REVIEW_ST_##from, REVIEW_ACT_##act, to, scope, cap, WF_ANY_ROLE, fl, 0, 0, 0, rec}
#define S(x) REVIEW_ST_##x

static const struct wf_row rows[] = {
    T(REQUESTED, ACCEPT, S(ACCEPTED), WF_OBJECT, CAP_INSP_MANAGE, 0, "accepted; the decision is due by the review's due date"),
    T(REQUESTED, REJECT, S(REJECTED), WF_OBJECT, CAP_INSP_MANAGE, REVIEW_F_REASON, "refused, with the reason"),
    T(ACCEPTED, DECIDE, S(DECIDED), WF_OBJECT, CAP_INSP_DECIDE, REVIEW_F_RESULT | REVIEW_F_TEXT, "upheld, changed or revoked, with the reasons; not by those who drew the conclusion"),
    T(REQUESTED, WITHDRAW, S(WITHDRAWN), WF_PART, CAP_RECT_HANDLE, REVIEW_F_REASON, "the body withdraws its request"),
    T(ACCEPTED, WITHDRAW, S(WITHDRAWN), WF_PART, CAP_RECT_HANDLE, REVIEW_F_REASON, "the body withdraws its request"),
    T(REQUESTED, COMMENT, WF_SAME, WF_OBJECT, CAP_INSP_READ, REVIEW_F_TEXT, "comment"),
    T(ACCEPTED, COMMENT, WF_SAME, WF_OBJECT, CAP_INSP_READ, REVIEW_F_TEXT, "comment"),
    T(DECIDED, COMMENT, WF_SAME, WF_OBJECT, CAP_INSP_READ, REVIEW_F_TEXT, "comment"),
    T(REJECTED, COMMENT, WF_SAME, WF_OBJECT, CAP_INSP_READ, REVIEW_F_TEXT, "comment"),
    T(WITHDRAWN, COMMENT, WF_SAME, WF_OBJECT, CAP_INSP_READ, REVIEW_F_TEXT, "comment"),
};

#define HOME(role) {role, WF_AT_HOME, 0, false}
#define ORELSE_HOME(role) {role, WF_AT_HOME, 0, true}
#define UNIT(role) {role, WF_AT_PART, 0, false}

static const struct wf_wait waits[] = {
    {-1, REVIEW_ST_REQUESTED, 0, "accept", "复核申请待受理", REVIEW_ACT_ACCEPT, {HOME(ROLE_OFFICE)}, 1, "Accept the review request"},
    {-1, REVIEW_ST_ACCEPTED, 0, "decide", "复核申请待作出决定", REVIEW_ACT_DECIDE, {HOME(ROLE_PRINCIPAL), ORELSE_HOME(ROLE_LEADER)}, 2, "Decide the review"},
};

static const struct wf_inform informs[] = {
    {REVIEW_ACT_ACCEPT, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "accepted, with the day the decision is due"},
    {REVIEW_ACT_REJECT, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "refused, with the reason"},
    {REVIEW_ACT_DECIDE, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "the decision (复核决定)"},
    {REVIEW_ACT_DECIDE, WF_INFORM_EACH_PART, UNIT(ROLE_CONTACT), "the decision (复核决定)"},
};
/* clang-format on */
#undef T
#undef S

static const struct wf_partdef partdefs[] = {{"unit", "申请复核的单位", "Requesting unit", NULL, 0}};

/* ---- hooks ---- */

static bool phase(int s)
{
    return s == REVIEW_ST_REQUESTED || s == REVIEW_ST_ACCEPTED;
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
    struct review *r = arena_alloc(c->arena, sizeof *r);
    enum err e = review_load(c, id, r);
    *out = &r->wf;
    return e;
}

static enum err check(struct wf_act *a)
{
    if (a->action != REVIEW_ACT_DECIDE)
        return ERR_OK;
    const char *r = jv_str(a->body, "result");
    if (!r || (strcmp(r, "upheld") && strcmp(r, "changed") && strcmp(r, "revoked")))
        return ctx_fail(a->c, ERR_INVALID, "复核决定（result）应为 upheld（维持）、changed（变更）或 revoked（撤销）");
    return ERR_OK;
}

static int rollup(struct wf_act *a)
{
    return a->part_to;
}

static enum err save(struct wf_act *a)
{
    return insp_save_state(a, "insp_reviews", "review", review_of(a->obj)->version);
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    *n = 0;
    struct stmt *st = db_query(c->db,
                               "SELECT id FROM insp_reviews WHERE id > ? AND state IN ('requested', 'accepted') "
                               "ORDER BY id LIMIT ?",
                               DB_INT(after), DB_INT(limit));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取复核申请");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < limit)
        out[(*n)++] = stmt_int(st, 0);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取复核申请") : ERR_OK;
}

/* ---- effects ---- */

static enum err accept(struct wf_act *a)
{
    struct review *r = review_of(a->obj);
    a->outcome = arena_printf(a->c->arena, "复核申请已受理，将于%s前作出复核决定。",
                              time_date_words(a->c->arena, r->decide_due));
    return ERR_OK;
}

static const char *result_label(const char *r)
{
    return !strcmp(r, "upheld") ? "维持原督查结论" : !strcmp(r, "changed") ? "变更原督查结论" : "撤销原督查结论";
}

#define REVIEW_WITHDRAW_BATCH 200

/* decide: recorded; a revoked conclusion withdraws the body's open tasks (on the system's authority:
 * the decision was the government's). */
static enum err decide(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct review *r = review_of(a->obj);
    const char *result = jv_str(a->body, "result");
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_exec(c->db,
                         "UPDATE insp_reviews SET result = ?, decision_text = ?, decided_by = ?, decided_at = ? "
                         "WHERE id = ?",
                         DB_TEXT(result), DB_TEXT(jv_str(a->body, "text")),
                         DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_INT(r->id));
    if (e)
        return ctx_db_fail(c, e, "作出复核决定");
    a->outcome = arena_printf(c->arena, "复核决定：%s。%s", result_label(result), jv_str(a->body, "text"));
    json_object_set_new(a->data, "result_label", json_string(result_label(result)));
    if (strcmp(result, "revoked"))
        return ERR_OK;
    const struct principal *user = c->user;
    const struct grant *acting = c->acting;
    c->user = NULL;
    json_t *body =
        json_pack("{ss}", "reason", arena_printf(c->arena, "复核决定撤销原督查结论（复核申请 %" PRId64 "）", r->id));
    /* in batches: each withdrawal leaves the open set, so the next read starts from what is left; a batch
     * short of full was the last */
    int total = 0, n = REVIEW_WITHDRAW_BATCH;
    while (!e && n == REVIEW_WITHDRAW_BATCH) {
        int64_t ids[REVIEW_WITHDRAW_BATCH];
        n = 0;
        struct stmt *st = db_query(c->db,
                                   "SELECT id FROM rect_tasks WHERE inspection_id = ? AND unit_path >= ? "
                                   "AND unit_path < ? AND state NOT IN ('verified', 'withdrawn') ORDER BY id LIMIT ?",
                                   DB_INT(r->inspection_id), DB_TEXT(r->unit_path),
                                   DB_TEXT(perm_path_upper(c->arena, r->unit_path)), DB_INT(REVIEW_WITHDRAW_BATCH));
        if (!st) {
            e = ctx_store_fail(c, STORE_E_OTHER, "读取待撤回的整改任务");
            break;
        }
        while (stmt_step(st) == STORE_ROW && n < REVIEW_WITHDRAW_BATCH)
            ids[n++] = stmt_int(st, 0);
        stmt_done(st);
        for (int i = 0; i < n && !e; i++)
            e = workflow_act(c, &rect_workflow, ids[i], RECT_ACT_WITHDRAW, body, NULL);
        total += n;
    }
    json_decref(body);
    c->user = user;
    c->acting = acting;
    json_object_set_new(a->data, "withdrawn_tasks", json_integer(total));
    return e;
}

/* After the review closed: the inspection may now be closable. */
static enum err inspection_sync(struct wf_act *a)
{
    return insp_sync(a->c, &insp_workflow, review_of(a->obj)->inspection_id);
}

static const struct wf_effect effects[REVIEW_ACT__COUNT] = {
    [REVIEW_ACT_ACCEPT] = {accept, NULL},
    [REVIEW_ACT_REJECT] = {NULL, inspection_sync},
    [REVIEW_ACT_DECIDE] = {decide, inspection_sync},
    [REVIEW_ACT_WITHDRAW] = {NULL, inspection_sync},
};

#define N(a) ((int)(sizeof(a) / sizeof *(a)))

const struct workflow review_workflow = {
    .name = "review",
    .what = REVIEW_WHAT,
    .title = "Reviews of a conclusion (复核)",
    .intro = "The states, actions and transition table of `src/inspections/review_workflow.c` (effects in the same "
             "file). An inspected body asks for a review within the window after it signed for the conclusion "
             "(`POST /api/v1/inspections/{id}/reviews`; settings `review_days`, 30 by default, Art. 17); the office "
             "accepts or refuses it; the government decides by the review's due date (`decide_days`). Those who drew "
             "the conclusion (the team and whoever issued it) stand aside: the permission module refuses them the "
             "decision. The review's one part is the requesting body.",
    .link = "/inspections/reviews/%lld",
    .part_what = "申请复核的单位",
    .home_what = "government whose office issued the conclusion",
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
    .effects = effects,
    .read_cap = CAP_INSP_READ,
    .table = "insp_reviews",
    .load = load,
    .cond = cond,
    .phase = phase,
    .check = check,
    .rollup = rollup,
    .save = save,
    .on_action = NULL,
    .ids = ids,
};
