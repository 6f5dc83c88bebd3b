/*
 * workflow.c: the states, the actions and the one transition table of a supervision item.
 * Unlisted (state, action) pairs are refused with 409 by items_act.
 */
#include "items/workflow.h"

#include "base/buf.h"

#include <string.h>

static const struct {
    const char *name, *label;
} states[ST__COUNT] = {
    [ST_DRAFT] = {"draft", "草稿"},
    [ST_SUBMITTED] = {"submitted", "已立项待副主任审核"},
    [ST_DEPUTY_APPROVED] = {"deputy_approved", "待主任审批"},
    [ST_APPROVED] = {"approved", "已审批待交办"},
    [ST_ASSIGNED] = {"assigned", "已交办"},
    [ST_RECEIVED] = {"received", "已签收"},
    [ST_IN_PROGRESS] = {"in_progress", "办理中"},
    [ST_COMPLETION_REQUESTED] = {"completion_requested", "申请办结"},
    [ST_COMPLETION_SIGNED] = {"completion_signed", "已核签待审核"},
    [ST_COMPLETED] = {"completed", "已办结"},
    [ST_ARCHIVED] = {"archived", "已归档"},
    [ST_WITHDRAWN] = {"withdrawn", "已撤销"},
    [ST_SUSPENDED] = {"suspended", "已中止"},
};

static const struct {
    const char *name, *label;
} actions[ACT__COUNT] = {
    [ACT_SUBMIT] = {"submit", "立项报审"},
    [ACT_APPROVE] = {"approve", "审批通过"},
    [ACT_RETURN] = {"return", "退回"},
    [ACT_ASSIGN] = {"assign", "交办"},
    [ACT_RECEIVE] = {"receive", "签收"},
    [ACT_REPORT] = {"report", "报送进展"},
    [ACT_PLAN] = {"plan", "提出时间节点和方案"},
    [ACT_REQUEST_COMPLETION] = {"request_completion", "申请办结"},
    [ACT_SIGN] = {"sign", "负责人核签"},
    [ACT_RETURN_REPLY] = {"return_reply", "负责人退回答复"},
    [ACT_VERIFY] = {"verify", "审核办结"},
    [ACT_ARCHIVE] = {"archive", "归档"},
    [ACT_REQUEST_EXTENSION] = {"request_extension", "申请延期"},
    [ACT_DECIDE_EXTENSION] = {"decide_extension", "审批延期"},
    [ACT_WITHDRAW] = {"withdraw", "撤销"},
    [ACT_ESCALATE] = {"escalate", "列入督查事项"},
    [ACT_SUSPEND] = {"suspend", "中止（挂账）"},
    [ACT_RESUME] = {"resume", "恢复办理"},
    [ACT_COMMENT] = {"comment", "备注"},
};

/* clang-format off */
#define T(from, act, to, scope, cap, role, flags, rec) {ST_##from, ACT_##act, to, scope, cap, role, flags, rec}
#define S(x) ST_##x
#define ANY WF_ANY_ROLE

/* The whole lifecycle. Read a row as: in state FROM, ACTION by someone holding CAP (and ROLE) at
 * the issuing government (WF_ITEM) or at their own responsible unit (WF_TRACK) leads to TO. */
const struct transition workflow_table[] = {
    /* registration and approval (督查室 drafts and registers; 副主任 then 主任 approve) */
    T(DRAFT, SUBMIT, S(SUBMITTED), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_NUMBER, "assigns the number 古督〔年〕n号 (first registration)"),
    T(SUBMITTED, APPROVE, S(DEPUTY_APPROVED), WF_ITEM, CAP_ITEM_APPROVE, ROLE_DEPUTY, 0, "deputy director's approval"),
    T(SUBMITTED, RETURN, S(DRAFT), WF_ITEM, CAP_ITEM_APPROVE, ROLE_DEPUTY, WF_REASON, "reason for returning"),
    T(DEPUTY_APPROVED, APPROVE, S(APPROVED), WF_ITEM, CAP_ITEM_APPROVE, ROLE_DIRECTOR, 0, "director's approval"),
    T(DEPUTY_APPROVED, RETURN, S(DRAFT), WF_ITEM, CAP_ITEM_APPROVE, ROLE_DIRECTOR, WF_REASON, "reason for returning"),
    T(APPROVED, ASSIGN, S(ASSIGNED), WF_ITEM, CAP_ITEM_REGISTER, ANY, 0, "notice to the lead and co units, leader in charge informed"),
    /* the units' tracks */
    T(ASSIGNED, RECEIVE, S(RECEIVED), WF_TRACK, CAP_ITEM_HANDLE, ANY, 0, "receipt (签收) by the unit"),
    T(RECEIVED, REPORT, S(IN_PROGRESS), WF_TRACK, CAP_ITEM_HANDLE, ANY, WF_TEXT | WF_PERCENT, "progress report (承办反馈)"),
    T(IN_PROGRESS, REPORT, S(IN_PROGRESS), WF_TRACK, CAP_ITEM_HANDLE, ANY, WF_TEXT | WF_PERCENT, "progress report (承办反馈)"),
    T(RECEIVED, PLAN, ST_SAME, WF_TRACK, CAP_ITEM_HANDLE, ANY, WF_TEXT | WF_PLAN_DATE, "plan and date when it cannot be done in time"),
    T(IN_PROGRESS, PLAN, ST_SAME, WF_TRACK, CAP_ITEM_HANDLE, ANY, WF_TEXT | WF_PLAN_DATE, "plan and date when it cannot be done in time"),
    T(RECEIVED, REQUEST_EXTENSION, ST_SAME, WF_TRACK, CAP_ITEM_HANDLE, ANY, WF_REASON | WF_NEW_DATE, "extension request (reason, new date)"),
    T(IN_PROGRESS, REQUEST_EXTENSION, ST_SAME, WF_TRACK, CAP_ITEM_HANDLE, ANY, WF_REASON | WF_NEW_DATE, "extension request (reason, new date)"),
    T(IN_PROGRESS, REQUEST_COMPLETION, S(COMPLETION_REQUESTED), WF_TRACK, CAP_ITEM_HANDLE, ANY, WF_TEXT, "completion reply drafted by the unit"),
    T(COMPLETION_REQUESTED, SIGN, S(COMPLETION_SIGNED), WF_TRACK, CAP_ITEM_SIGN, ANY, 0, "the unit head signs the reply (核签)"),
    T(COMPLETION_REQUESTED, RETURN_REPLY, S(IN_PROGRESS), WF_TRACK, CAP_ITEM_SIGN, ANY, WF_REASON, "the unit head sends the reply back"),
    /* verification and archive (督查室) */
    T(COMPLETION_SIGNED, VERIFY, S(COMPLETED), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_GRADE, "grade (优秀/良好/合格/不合格)"),
    T(COMPLETION_SIGNED, RETURN, S(IN_PROGRESS), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "reasons; every track back to in progress"),
    T(COMPLETED, ARCHIVE, S(ARCHIVED), WF_ITEM, CAP_ITEM_REGISTER, ANY, 0, "立卷归档"),
    /* extension decisions: the office, the leader for major items */
    T(ASSIGNED, DECIDE_EXTENSION, ST_SAME, WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_DECISION | WF_MAJOR_DECIDE, "decision on the pending request; approval moves the due date"),
    T(RECEIVED, DECIDE_EXTENSION, ST_SAME, WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_DECISION | WF_MAJOR_DECIDE, "decision on the pending request; approval moves the due date"),
    T(IN_PROGRESS, DECIDE_EXTENSION, ST_SAME, WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_DECISION | WF_MAJOR_DECIDE, "decision on the pending request; approval moves the due date"),
    T(COMPLETION_REQUESTED, DECIDE_EXTENSION, ST_SAME, WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_DECISION | WF_MAJOR_DECIDE, "decision on the pending request; approval moves the due date"),
    /* withdrawal: the item keeps its number */
    T(DRAFT, WITHDRAW, S(WITHDRAWN), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "reason; the number is kept"),
    T(SUBMITTED, WITHDRAW, S(WITHDRAWN), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "reason; the number is kept"),
    T(DEPUTY_APPROVED, WITHDRAW, S(WITHDRAWN), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "reason; the number is kept"),
    T(APPROVED, WITHDRAW, S(WITHDRAWN), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "reason; the number is kept"),
    T(ASSIGNED, WITHDRAW, S(WITHDRAWN), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "reason; the number is kept"),
    T(RECEIVED, WITHDRAW, S(WITHDRAWN), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "reason; the number is kept"),
    T(IN_PROGRESS, WITHDRAW, S(WITHDRAWN), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "reason; the number is kept"),
    T(COMPLETION_REQUESTED, WITHDRAW, S(WITHDRAWN), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "reason; the number is kept"),
    T(COMPLETION_SIGNED, WITHDRAW, S(WITHDRAWN), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "reason; the number is kept"),
    T(SUSPENDED, WITHDRAW, S(WITHDRAWN), WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "reason; the number is kept"),
    /* escalation into an inspection (the inspection module picks the flag up) */
    T(ASSIGNED, ESCALATE, ST_SAME, WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "flag escalated, reason"),
    T(RECEIVED, ESCALATE, ST_SAME, WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "flag escalated, reason"),
    T(IN_PROGRESS, ESCALATE, ST_SAME, WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "flag escalated, reason"),
    T(COMPLETION_REQUESTED, ESCALATE, ST_SAME, WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "flag escalated, reason"),
    T(COMPLETION_SIGNED, ESCALATE, ST_SAME, WF_ITEM, CAP_ITEM_REGISTER, ANY, WF_REASON, "flag escalated, reason"),
    /* suspension (中止/挂账) with the leader's approval: the clocks stop */
    T(ASSIGNED, SUSPEND, S(SUSPENDED), WF_ITEM, CAP_ITEM_DECIDE, ANY, WF_REASON, "reason; a suspended period starts"),
    T(RECEIVED, SUSPEND, S(SUSPENDED), WF_ITEM, CAP_ITEM_DECIDE, ANY, WF_REASON, "reason; a suspended period starts"),
    T(IN_PROGRESS, SUSPEND, S(SUSPENDED), WF_ITEM, CAP_ITEM_DECIDE, ANY, WF_REASON, "reason; a suspended period starts"),
    T(SUSPENDED, RESUME, ST_PREV, WF_ITEM, CAP_ITEM_DECIDE, ANY, WF_REASON, "reason; the suspended period ends"),
    /* comments on the timeline, in every state, by anyone who sees the item */
    T(DRAFT, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(SUBMITTED, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(DEPUTY_APPROVED, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(APPROVED, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(ASSIGNED, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(RECEIVED, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(IN_PROGRESS, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(COMPLETION_REQUESTED, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(COMPLETION_SIGNED, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(COMPLETED, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(ARCHIVED, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(WITHDRAWN, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
    T(SUSPENDED, COMMENT, ST_SAME, WF_ITEM, CAP_ITEM_READ, ANY, WF_TEXT, "comment"),
};
/* clang-format on */
#undef T
#undef S
#undef ANY

const int workflow_count = (int)(sizeof workflow_table / sizeof *workflow_table);

const char *item_state_name(enum item_state s)
{
    return (unsigned)s < ST__COUNT ? states[s].name : "?";
}

const char *item_state_label(enum item_state s)
{
    return (unsigned)s < ST__COUNT ? states[s].label : "?";
}

bool item_state_parse(const char *s, enum item_state *out)
{
    for (int i = 0; s && i < ST__COUNT; i++)
        if (strcmp(s, states[i].name) == 0) {
            *out = (enum item_state)i;
            return true;
        }
    return false;
}

const char *item_action_name(enum item_action a)
{
    return (unsigned)a < ACT__COUNT ? actions[a].name : "?";
}

const char *item_action_label(enum item_action a)
{
    return (unsigned)a < ACT__COUNT ? actions[a].label : "?";
}

bool item_action_parse(const char *s, enum item_action *out)
{
    for (int i = 0; s && i < ACT__COUNT; i++)
        if (strcmp(s, actions[i].name) == 0) {
            *out = (enum item_action)i;
            return true;
        }
    return false;
}

const struct transition *workflow_find(enum item_state from, enum item_action action)
{
    for (int i = 0; i < workflow_count; i++)
        if (workflow_table[i].from == from && workflow_table[i].action == action)
            return &workflow_table[i];
    return NULL;
}

bool item_state_active(enum item_state s)
{
    return s >= ST_ASSIGNED && s <= ST_COMPLETION_SIGNED;
}

static const char *to_label(const struct transition *t)
{
    if (t->to == ST_SAME)
        return "（不变）";
    if (t->to == ST_PREV)
        return "（中止前的状态）";
    return item_state_label(t->to);
}

static const char *to_name(const struct transition *t)
{
    if (t->to == ST_SAME)
        return "=";
    if (t->to == ST_PREV)
        return "previous";
    return item_state_name(t->to);
}

char *workflow_markdown(void)
{
    struct buf b = {0};
    buf_puts(&b, "# The workflow of a supervision item (督办事项流转)\n\n"
                 "Generated from the transition table in `src/items/workflow.c` (`ducha workflow`); "
                 "`tests/api/test_items_workflow.py` checks that this file matches the table. Any "
                 "(state, action) pair not listed is refused with 409 and a message naming the states "
                 "that allow the action; a user without the capability (or role) gets 403; an item the "
                 "user cannot see is 404.\n\n"
                 "Scope `item`: checked at the issuing government against the item's state. Scope "
                 "`track`: checked at the actor's own responsible unit against that unit's track; while the "
                 "item is in the unit phase (assigned … completion_signed) its state is the least advanced "
                 "track's state.\n\n"
                 "## States\n\n| state | 中文 |\n|---|---|\n");
    for (int s = 0; s < ST__COUNT; s++)
        buf_printf(&b, "| `%s` | %s |\n", states[s].name, states[s].label);
    buf_puts(&b, "\n## Transitions\n\n| from | action | to | scope | capability | role | requires | records |\n"
                 "|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < workflow_count; i++) {
        const struct transition *t = &workflow_table[i];
        char req[128] = "";
        static const struct {
            unsigned flag;
            const char *what;
        } fl[] = {{WF_REASON, "reason"},       {WF_TEXT, "text"},
                  {WF_NEW_DATE, "new_date"},   {WF_GRADE, "grade"},
                  {WF_DECISION, "approve"},    {WF_PERCENT, "percent"},
                  {WF_PLAN_DATE, "plan_date"}, {WF_MAJOR_DECIDE, "item_decide if major"}};
        for (size_t k = 0; k < sizeof fl / sizeof *fl; k++)
            if (t->flags & fl[k].flag) {
                if (*req)
                    strcat(req, ", ");
                strcat(req, fl[k].what);
            }
        buf_printf(&b, "| `%s` %s | `%s` %s | `%s` %s | %s | %s | %s | %s | %s |\n", item_state_name(t->from),
                   item_state_label(t->from), item_action_name(t->action), item_action_label(t->action), to_name(t),
                   to_label(t), t->scope == WF_ITEM ? "item" : "track", cap_name(t->cap),
                   t->role == WF_ANY_ROLE ? "any" : role_name((enum role)t->role), *req ? req : "-", t->records);
    }
    return buf_take(&b);
}
