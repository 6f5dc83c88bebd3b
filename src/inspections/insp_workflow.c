/*
 * insp_workflow.c: the inspection's workflow (督查, DOMAIN.md §6, §10) for the engine: its states and
 * actions, THE transition table, who must act in each state, whom each decision is told, and the hooks
 * through which the engine reads and writes an inspection. The effect of each action is in
 * insp_effects.c. Unlisted (state, action) pairs are refused with 409 by the engine.
 *
 * The parts (tracks) are the targets, which act once the conclusion is issued (they sign for it); the
 * inspection's state is then the least advanced target's. Side parts that wait on someone: a pending
 * widening of the frozen scope (the principal leader), each team member on the ground, each engaged
 * third-party evaluator until its evaluation is in.
 */
#include "inspections/insp_internal.h"

#include "base/check.h"

#include <inttypes.h>
#include <string.h>

static const struct wf_name states[INSP_ST__COUNT] = {
    [INSP_ST_DRAFT] = {"draft", "草稿", "Draft"},
    [INSP_ST_PROPOSED] = {"proposed", "督查工作建议待主要领导批准", "Proposal awaiting the head"},
    [INSP_ST_OPENED] = {"opened", "已立项待制定方案", "Opened, scheme to draw up"},
    [INSP_ST_SCHEME_SUBMITTED] = {"scheme_submitted", "督查方案待审批", "Scheme awaiting approval"},
    [INSP_ST_SCHEME_APPROVED] = {"scheme_approved", "方案已批准待实施", "Scheme approved"},
    [INSP_ST_IN_PROGRESS] = {"in_progress", "督查实施中", "Under way"},
    [INSP_ST_FINDINGS_SUBMITTED] = {"findings_submitted", "问题清单待审核", "Findings submitted"},
    [INSP_ST_FINDINGS_ISSUED] = {"findings_issued", "已反馈问题、整改中", "Findings issued, rectifying"},
    [INSP_ST_CONCLUDED] = {"concluded", "已出具督查结论待签收", "Concluded, awaiting receipt"},
    [INSP_ST_CONCLUSION_RECEIVED] = {"conclusion_received", "督查结论已签收", "Conclusion received"},
    [INSP_ST_CLOSED] = {"closed", "已办结", "Closed"},
    [INSP_ST_WITHDRAWN] = {"withdrawn", "已撤销", "Withdrawn"},
    [INSP_ST_MERGED] = {"merged", "已合并", "Merged"},
};

static const struct wf_name actions[INSP_ACT__COUNT] = {
    [INSP_ACT_SUBMIT] = {"submit", "报请主要领导批准", "Submit to the head"},
    [INSP_ACT_APPROVE] = {"approve", "批准立项", "Approve opening"},
    [INSP_ACT_RETURN] = {"return", "退回", "Return"},
    [INSP_ACT_OPEN] = {"open", "立项", "Open"},
    [INSP_ACT_FILE] = {"file", "报上级备案", "File with the level above"},
    [INSP_ACT_SUBMIT_SCHEME] = {"submit_scheme", "报批督查方案", "Submit the scheme"},
    [INSP_ACT_APPROVE_SCHEME] = {"approve_scheme", "批准督查方案", "Approve the scheme"},
    [INSP_ACT_RETURN_SCHEME] = {"return_scheme", "退回督查方案", "Return the scheme"},
    [INSP_ACT_START] = {"start", "启动督查（通知被督查单位）", "Start (notify the targets)"},
    [INSP_ACT_START_COVERT] = {"start_covert", "启动暗访", "Start unannounced visit"},
    [INSP_ACT_REQUEST_WIDENING] = {"request_widening", "申请扩大督查范围", "Request widening"},
    [INSP_ACT_DECIDE_WIDENING] = {"decide_widening", "审批扩大督查范围", "Decide widening"},
    [INSP_ACT_SUBMIT_FINDINGS] = {"submit_findings", "提交问题清单", "Submit findings"},
    [INSP_ACT_RETURN_FINDINGS] = {"return_findings", "退回问题清单", "Return findings"},
    [INSP_ACT_ISSUE_FINDINGS] = {"issue_findings", "反馈问题、交办整改", "Issue findings"},
    [INSP_ACT_ISSUE_CONCLUSION] = {"issue_conclusion", "出具督查结论", "Issue conclusion"},
    [INSP_ACT_RECEIVE_CONCLUSION] = {"receive_conclusion", "签收督查结论", "Receive conclusion"},
    [INSP_ACT_SEND_REPORT] = {"send_report", "报送督查报告", "Send the report"},
    [INSP_ACT_CLOSE] = {"close", "办结", "Close"},
    [INSP_ACT_WITHDRAW] = {"withdraw", "撤销", "Withdraw"},
    [INSP_ACT_MERGE] = {"merge", "合并到另一项督查", "Merge into another"},
    [INSP_ACT_JOIN] = {"join", "并入联合督查", "Join as co-organiser"},
    [INSP_ACT_COMMENT] = {"comment", "备注", "Comment"},
};

/* in the order of enum insp_field */
static const struct wf_field fields[] = {
    {"reason", true, "需要填写理由（reason）"},
    {"text", true, "需要填写内容（text）"},
    {"approve", false, "需要给出决定（approve: true 或 false）"},
    {"into_id", false, "需要指明并入哪一项督查（into_id）"},
};

static const struct wf_cond conds[INSP_COND__COUNT] = {
    [INSP_COND_SELF_AUTHORISED] =
        {"self_authorised", "该督查须报政府主要领导批准后才能立项：督查工作建议须经批准，部门牵头的计划外督查须经"
                            "政府指定（《政府督查工作条例》第七条、第十一条）；请使用「报请主要领导批准」"},
    [INSP_COND_UNFILED] = {"unfiled", "该督查属于年度督查计划或已备案，无需再备案"},
    [INSP_COND_OVERT] = {"overt", "暗访督查请使用「启动暗访」：不得事先通知被督查单位"},
    [INSP_COND_COVERT] = {"covert", "该督查不是暗访，请使用「启动督查」"},
    [INSP_COND_PENDING_WIDENING] = {"pending_widening", "该督查没有待审批的扩大范围申请"},
    [INSP_COND_NO_PENDING_WIDENING] = {"no_pending_widening", "已有一项扩大范围申请正在审批，请等待决定"},
    [INSP_COND_TEAM_LEADER] = {"team_leader", "只有督查组组长可以提交问题清单"},
    [INSP_COND_REPORT_DRAFT] = {"report_draft", "请先生成并保存督查报告（PUT /api/v1/inspections/{id}/report）"},
    [INSP_COND_CLOSABLE] = {"closable", "整改任务尚未全部核查销号，或复核尚未办结，不能办结"},
};

/* clang-format off */
#define T(from, act, to, cap, fl, cond, rec) \
    {INSP_ST_##from, INSP_ACT_##act, to, WF_OBJECT, cap, WF_ANY_ROLE, fl, cond, 0, 0, rec}
#define S(x) INSP_ST_##x
#define M CAP_INSP_MANAGE
#define A CAP_INSP_APPROVE
#define FILE_ROW(from) T(from, FILE, WF_SAME, M, 0, INSP_COND_UNFILED, "filed with the government above (审批报备)")
#define WIDEN(from) \
    T(from, REQUEST_WIDENING, WF_SAME, M, INSP_F_REASON, INSP_COND_NO_PENDING_WIDENING, "the targets or scope asked for, with the reason: a new approval"), \
    T(from, DECIDE_WIDENING, WF_SAME, A, INSP_F_APPROVE, INSP_COND_PENDING_WIDENING, "the decision; approved targets and scope are added, recorded")
#define WITHDRAW(from) T(from, WITHDRAW, S(WITHDRAWN), M, INSP_F_REASON, 0, "reason; the plan entry may be opened again")
#define MERGE(from) \
    T(from, MERGE, S(MERGED), M, INSP_F_INTO, 0, "folded into a like inspection of the same office, which keeps both origins, the targets and organisers"), \
    T(from, JOIN, S(MERGED), M, INSP_F_INTO, 0, "the organisers join a like inspection as co-organisers (joint inspection); the origins go with them")
#define COMMENT(from) T(from, COMMENT, WF_SAME, CAP_INSP_READ, INSP_F_TEXT, 0, "comment")

/* Read a row as: in state FROM, ACTION by someone holding CAP at the government that runs the inspection
 * leads to TO (the targets' row: at the target). */
static const struct wf_row rows[] = {
    /* opening (Art. 11): a decision, an instruction or the approved plan; else the head's approval */
    T(DRAFT, OPEN, S(OPENED), M, 0, INSP_COND_SELF_AUTHORISED, "number; the caps checked (an exception needs the head's approval)"),
    T(DRAFT, SUBMIT, S(PROPOSED), M, 0, 0, "督查工作建议 to the principal leader; a cap exception asked for with its reason"),
    T(PROPOSED, APPROVE, S(OPENED), A, 0, 0, "the head's approval (and designation of a department, Art. 7); number; cap exceptions approved and recorded"),
    T(PROPOSED, RETURN, S(DRAFT), A, INSP_F_REASON, 0, "reasons"),
    /* the 督查方案 (Art. 15): content, targets, scope, methods, period, team; the leader named by the government (Art. 8) */
    T(OPENED, SUBMIT_SCHEME, S(SCHEME_SUBMITTED), M, 0, 0, "the scheme complete: content, targets, scope, methods, period, team"),
    T(SCHEME_SUBMITTED, APPROVE_SCHEME, S(SCHEME_APPROVED), A, 0, 0, "the team leader named by the government; scope and targets frozen"),
    T(SCHEME_SUBMITTED, RETURN_SCHEME, S(OPENED), A, INSP_F_REASON, 0, "reasons"),
    /* under way */
    T(SCHEME_APPROVED, START, S(IN_PROGRESS), M, 0, INSP_COND_OVERT, "the targets are notified (督查通知)"),
    T(SCHEME_APPROVED, START_COVERT, S(IN_PROGRESS), M, 0, INSP_COND_COVERT, "no notice: the targets learn nothing until the findings are issued"),
    WIDEN(SCHEME_APPROVED), WIDEN(IN_PROGRESS),
    T(IN_PROGRESS, SUBMIT_FINDINGS, S(FINDINGS_SUBMITTED), CAP_INSP_FIELD, 0, INSP_COND_TEAM_LEADER, "the team leader submits the findings (problems, responsible units, deadlines)"),
    T(FINDINGS_SUBMITTED, RETURN_FINDINGS, S(IN_PROGRESS), M, INSP_F_REASON, 0, "reasons, to the team leader"),
    T(FINDINGS_SUBMITTED, ISSUE_FINDINGS, S(FINDINGS_ISSUED), M, 0, 0, "a rectification task per finding (immediate fixes closed at once); secrecy ends; the targets told"),
    /* the conclusion (Art. 16) and its receipt */
    T(FINDINGS_ISSUED, ISSUE_CONCLUSION, S(CONCLUDED), M, INSP_F_TEXT, 0, "督查结论: numbered, dated, to each target"),
    {INSP_ST_CONCLUDED, INSP_ACT_RECEIVE_CONCLUSION, S(CONCLUSION_RECEIVED), WF_PART, CAP_RECT_HANDLE, WF_ANY_ROLE, 0, 0, 0, 0, "the target signs for the conclusion: the review window (Art. 17) starts"},
    T(CONCLUDED, SEND_REPORT, WF_SAME, M, 0, INSP_COND_REPORT_DRAFT, "督查报告 to the principal leader"),
    T(CONCLUSION_RECEIVED, SEND_REPORT, WF_SAME, M, 0, INSP_COND_REPORT_DRAFT, "督查报告 to the principal leader"),
    T(CONCLUSION_RECEIVED, CLOSE, S(CLOSED), M, 0, INSP_COND_CLOSABLE, "every task verified, no review open"),
    /* filing of an inspection outside the plan (审批报备) */
    FILE_ROW(OPENED), FILE_ROW(SCHEME_SUBMITTED), FILE_ROW(SCHEME_APPROVED), FILE_ROW(IN_PROGRESS),
    FILE_ROW(FINDINGS_SUBMITTED), FILE_ROW(FINDINGS_ISSUED), FILE_ROW(CONCLUDED), FILE_ROW(CONCLUSION_RECEIVED),
    FILE_ROW(CLOSED),
    /* no duplication (能合尽合) and withdrawal before the work starts */
    MERGE(DRAFT), MERGE(PROPOSED), MERGE(OPENED),
    WITHDRAW(DRAFT), WITHDRAW(PROPOSED), WITHDRAW(OPENED), WITHDRAW(SCHEME_SUBMITTED), WITHDRAW(SCHEME_APPROVED),
    COMMENT(DRAFT), COMMENT(PROPOSED), COMMENT(OPENED), COMMENT(SCHEME_SUBMITTED), COMMENT(SCHEME_APPROVED),
    COMMENT(IN_PROGRESS), COMMENT(FINDINGS_SUBMITTED), COMMENT(FINDINGS_ISSUED), COMMENT(CONCLUDED),
    COMMENT(CONCLUSION_RECEIVED), COMMENT(CLOSED), COMMENT(WITHDRAWN), COMMENT(MERGED),
};

#define HOME(role) {role, WF_AT_HOME, 0, false}
#define ORELSE_HOME(role) {role, WF_AT_HOME, 0, true}
#define UNIT(role) {role, WF_AT_PART, 0, false}
#define LEADER {0, WF_PERSON, INSP_PERSON_LEADER, false}
#define PARTPERSON {0, WF_PART_PERSON, 0, false}
#define W(of, st, cond, task, label, en, act, n, ...) {of, st, cond, task, label, act, {__VA_ARGS__}, n, en}
#define OBJW(st, cond, task, label, en, act, who) W(-1, INSP_ST_##st, cond, task, label, en, INSP_ACT_##act, 1, who)

static const struct wf_wait waits[] = {
    OBJW(DRAFT, INSP_COND_SELF_AUTHORISED, "open", "督查事项待立项", "Open the inspection", OPEN, HOME(ROLE_OFFICE)),
    OBJW(DRAFT, -INSP_COND_SELF_AUTHORISED, "submit", "督查工作建议待报请主要领导批准", "Submit the proposal to the head", SUBMIT, HOME(ROLE_OFFICE)),
    OBJW(PROPOSED, 0, "approve", "督查工作建议待批准", "Approve the proposal", APPROVE, HOME(ROLE_PRINCIPAL)),
    OBJW(OPENED, 0, "submit_scheme", "待制定督查方案", "Draw up the scheme", SUBMIT_SCHEME, HOME(ROLE_OFFICE)),
    OBJW(SCHEME_SUBMITTED, 0, "approve_scheme", "督查方案待审批（指定督查组组长）", "Approve the scheme (name the team leader)", APPROVE_SCHEME, HOME(ROLE_PRINCIPAL)),
    OBJW(SCHEME_APPROVED, INSP_COND_OVERT, "start", "督查方案已批准，待启动督查", "Start the inspection", START, HOME(ROLE_OFFICE)),
    OBJW(SCHEME_APPROVED, INSP_COND_COVERT, "start_covert", "督查方案已批准，待启动暗访", "Start the unannounced visit", START_COVERT, HOME(ROLE_OFFICE)),
    OBJW(IN_PROGRESS, 0, "submit_findings", "督查实施中：汇总问题清单并提交", "Submit the findings", SUBMIT_FINDINGS, LEADER),
    OBJW(FINDINGS_SUBMITTED, 0, "issue_findings", "问题清单待审核、反馈并交办整改", "Issue the findings", ISSUE_FINDINGS, HOME(ROLE_OFFICE)),
    OBJW(FINDINGS_ISSUED, 0, "issue_conclusion", "待出具督查结论", "Issue the conclusion", ISSUE_CONCLUSION, HOME(ROLE_OFFICE)),
    OBJW(CONCLUSION_RECEIVED, INSP_COND_CLOSABLE, "close", "整改已全部核查销号，待办结", "Close the inspection", CLOSE, HOME(ROLE_OFFICE)),
    W(INSP_PART_TARGET, INSP_ST_CONCLUDED, 0, "receive_conclusion", "督查结论待签收", "Receive the conclusion", INSP_ACT_RECEIVE_CONCLUSION, 1,
      UNIT(ROLE_HEAD)),
    W(INSP_PART_WIDENING, INSP_SIDE_PENDING, 0, "decide_widening", "扩大督查范围待审批", "Decide the widening", INSP_ACT_DECIDE_WIDENING, 1,
      HOME(ROLE_PRINCIPAL)),
    W(INSP_PART_MEMBER, INSP_SIDE_PENDING, 0, "field_work", "参加督查：记录现场情况、上传证据、提出问题", "Field work: records, evidence, findings", -1, 1,
      PARTPERSON),
    W(INSP_PART_ENGAGEMENT, INSP_SIDE_PENDING, 0, "evaluate", "第三方评估报告待提交", "Submit the evaluation", -1, 1, UNIT(ROLE_EVALUATOR)),
};

/* Whom each decision is told, besides the to-dos it creates. */
static const struct wf_inform informs[] = {
    {INSP_ACT_START, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "the notice (督查通知): subject, period, team"},
    {INSP_ACT_ISSUE_FINDINGS, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "the problems found and the rectification tasks"},
    {INSP_ACT_ISSUE_CONCLUSION, WF_INFORM_EACH_PART, UNIT(ROLE_CONTACT), "the conclusion (督查结论)"},
    {INSP_ACT_RETURN_FINDINGS, WF_INFORM_ONCE, LEADER, "the reasons"},
    {INSP_ACT_DECIDE_WIDENING, WF_INFORM_ONCE, HOME(ROLE_OFFICE), "the decision on the widening"},
    {INSP_ACT_SEND_REPORT, WF_INFORM_ONCE, HOME(ROLE_PRINCIPAL), "the report (督查报告)"},
};
/* clang-format on */
#undef T
#undef S
#undef M
#undef A

static const struct wf_name side_states[] = {[INSP_SIDE_PENDING] = {"pending", "待处理", "Pending"}};

static const struct wf_partdef partdefs[INSP_PART__COUNT] = {
    [INSP_PART_TARGET] = {"target", "督查对象", "Inspected unit", NULL, 0},
    [INSP_PART_WIDENING] = {"widening", "扩大范围申请", "Widening request", side_states, 1},
    [INSP_PART_MEMBER] = {"member", "督查组成员", "Team member", side_states, 1},
    [INSP_PART_ENGAGEMENT] = {"engagement", "第三方评估", "Third-party evaluation", side_states, 1},
};

const char *insp_state_name(int s)
{
    return wf_state_name(&insp_workflow, s);
}

const char *insp_state_label(int s)
{
    return wf_state_label(&insp_workflow, s);
}

/* ---- hooks ---- */

static bool phase(int s)
{
    return s >= INSP_ST_IN_PROGRESS && s <= INSP_ST_CONCLUSION_RECEIVED;
}

static int64_t pending_widening(struct ctx *c, struct insp *it)
{
    if (it->pending_widening < 0) {
        it->pending_widening = 0;
        db_one_int(c->db, &it->pending_widening,
                   "SELECT id FROM insp_widenings WHERE inspection_id = ? AND state = 'pending'", DB_INT(it->id));
    }
    return it->pending_widening;
}

/* May it be opened without the head's approval? On a decision or an instruction (the government's own
 * will), on the approved plan, or as a look-back of a finding — except a department-led inspection
 * outside the plan, which the government must designate (Art. 7). */
static bool self_authorised(const struct insp *it)
{
    if (!strcmp(it->basis, "proposal"))
        return false;
    if (!strcmp(it->basis, "plan") || !strcmp(it->basis, "lookback"))
        return true;
    for (int i = 0; i < it->norgs; i++)
        if (it->orgs[i].lead && strcmp(it->orgs[i].unit_path, it->office_path))
            return false;
    return true;
}

static bool cond(struct ctx *c, struct wf_obj *o, int k)
{
    struct insp *it = insp_of(o);
    switch ((enum insp_cond)k) {
    case INSP_COND_SELF_AUTHORISED:
        return self_authorised(it);
    case INSP_COND_UNFILED:
        return !it->filed_at && !it->plan_entry_id && strcmp(it->basis, "lookback");
    case INSP_COND_OVERT:
        return !it->covert;
    case INSP_COND_COVERT:
        return it->covert;
    case INSP_COND_PENDING_WIDENING:
        return pending_widening(c, it) != 0;
    case INSP_COND_NO_PENDING_WIDENING:
        return pending_widening(c, it) == 0;
    case INSP_COND_TEAM_LEADER:
        return !c->user || (it->team_leader_id && c->user->id == it->team_leader_id);
    case INSP_COND_REPORT_DRAFT:
        return it->report_text && *it->report_text;
    case INSP_COND_CLOSABLE:
        return insp_closable(c, it);
    case INSP_COND__COUNT:
        break;
    }
    return ALWAYS(0);
}

static enum err load(struct ctx *c, int64_t id, bool with_waits, struct wf_obj **out)
{
    struct insp *it = arena_alloc(c->arena, sizeof *it);
    enum err e = insp_load(c, id, it);
    if (!e && with_waits)
        e = insp_load_waits(c, it);
    *out = &it->wf;
    return e;
}

/* The body's values beyond their presence. */
static enum err check(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct insp *it = insp_of(a->obj);
    const json_t *b = a->body;
    switch ((enum insp_action)a->action) {
    case INSP_ACT_MERGE:
    case INSP_ACT_JOIN: {
        int64_t into = jv_int(b, "into_id", 0);
        struct insp other;
        if (into == it->id)
            return ctx_fail(c, ERR_INVALID, "不能并入自身（into_id）");
        if (insp_load(c, into, &other) || !perm_item_visible(c->user, &other.scope))
            return ctx_fail(c, ERR_INVALID, "要并入的督查不存在或无权查看（into_id）");
        if (other.state == INSP_ST_WITHDRAWN || other.state == INSP_ST_MERGED || other.state >= INSP_ST_CONCLUDED)
            return ctx_fail(c, ERR_CONFLICT, "要并入的督查「%s」，不能再并入", insp_state_label(other.state));
        if (a->action == INSP_ACT_MERGE) {
            if (strcmp(other.office_path, it->office_path))
                return ctx_fail(c, ERR_CONFLICT, "只能合并本督查机构的督查；其他督查机构的相近督查请「并入联合督查」");
            if (other.scheme_approved_at)
                return ctx_fail(
                    c, ERR_CONFLICT,
                    "要并入的督查方案已经批准，督查范围和对象已冻结；请「并入联合督查」作为联合组织单位参加");
        }
        return ERR_OK;
    }
    case INSP_ACT_REQUEST_WIDENING: {
        int n;
        int64_t *units = insp_int_array(c, json_object_get(b, "unit_ids"), &n);
        const char *scope = jv_str(b, "scope");
        if (!n && (!scope || !*scope))
            return ctx_fail(c, ERR_INVALID, "请说明要增加的督查对象（unit_ids）或扩大后的督查范围（scope）");
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < it->ntargets; k++)
                if (it->targets[k].unit_id == units[i])
                    return ctx_fail(c, ERR_INVALID, "“%s”已是督查对象（unit_ids）", it->targets[k].unit_name);
            for (int k = 0; k < it->norgs; k++)
                if (it->orgs[k].unit_id == units[i])
                    return ctx_fail(c, ERR_INVALID, "组织单位不能同时是督查对象（unit_ids）");
        }
        int64_t *ids;
        const char **paths;
        return n ? insp_units_parse(c, json_object_get(b, "unit_ids"), "unit_ids", it->office_path, 50, &ids, &paths,
                                    &n)
                 : ERR_OK;
    }
    case INSP_ACT_SUBMIT_SCHEME: {
        const char *missing = !*it->scheme_content ? "督查内容（scheme_content）"
                              : !*it->scheme_scope ? "督查范围（scheme_scope）"
                              : !it->ntargets      ? "督查对象（target_unit_ids）"
                              : !it->nteam         ? "督查组（PUT /api/v1/inspections/{id}/team）"
                                                   : NULL;
        if (missing)
            return ctx_fail(c, ERR_INVALID, "督查方案不完整：请填写%s", missing);
        return ERR_OK;
    }
    case INSP_ACT_APPROVE_SCHEME: {
        int64_t leader = jv_int(b, "team_leader_id", it->team_leader_id);
        if (!leader)
            return ctx_fail(c, ERR_INVALID,
                            "请指定督查组组长（team_leader_id）：组长由政府指定（《政府督查工作条例》第八条）");
        const char *name = insp_user_name(c, leader);
        if (!*name)
            return ctx_fail(c, ERR_INVALID, "用户（team_leader_id）不存在：%" PRId64, leader);
        return ERR_OK;
    }
    case INSP_ACT_RECEIVE_CONCLUSION:
        return ERR_OK;
    default:
        return ERR_OK;
    }
}

/* The least advanced target decides the state while the targets act. */
static int rollup(struct wf_act *a)
{
    const struct insp *it = insp_of(a->obj);
    int s = INSP_ST_CONCLUSION_RECEIVED;
    for (int i = 0; i < it->ntargets; i++)
        if (it->targets[i].state >= 0 && it->targets[i].state < s)
            s = it->targets[i].state;
    return s;
}

static enum err save(struct wf_act *a)
{
    return insp_save_state(a, "inspections", "inspection", insp_of(a->obj)->version);
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    *n = 0;
    struct stmt *st = db_query(c->db,
                               "SELECT id FROM inspections WHERE id > ? AND state NOT IN ('closed', 'withdrawn', "
                               "'merged') ORDER BY id LIMIT ?",
                               DB_INT(after), DB_INT(limit));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取督查");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < limit)
        out[(*n)++] = stmt_int(st, 0);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取督查") : ERR_OK;
}

#define N(a) ((int)(sizeof(a) / sizeof *(a)))

const struct workflow insp_workflow = {
    .name = "inspection",
    .what = INSP_WHAT,
    .title = "Inspections (督查)",
    .intro = "The states, actions and transition table of `src/inspections/insp_workflow.c`; the effect of each "
             "action is in `src/inspections/insp_effects.c`. An inspection is opened only on a government decision, "
             "the head's instruction, the approved annual plan or an approved proposal (督查工作建议, Art. 11); the "
             "督查方案 is approved before the work starts and freezes the targets and scope (Art. 15). The targets are "
             "its parts: they sign for the conclusion, and while they do the inspection's state is the least advanced "
             "target's. An unannounced inspection (暗访) is invisible to its targets' users until the findings are "
             "issued.",
    .link = "/inspections/%lld",
    .part_what = "督查对象",
    .home_what = "government whose office runs the inspection",
    .track_what = "target",
    .person_what = {[INSP_PERSON_LEADER] = "team leader"},
    .part_key = "target",
    .part_member = "target_id",
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
    .effects = insp_effects,
    .read_cap = CAP_INSP_READ,
    .table = "inspections",
    .load = load,
    .cond = cond,
    .phase = phase,
    .check = check,
    .rollup = rollup,
    .save = save,
    .on_action = NULL,
    .ids = ids,
};
