/*
 * item_workflow.c: the declaration of the supervision item's workflow for the engine (src/workflow):
 * its states and actions, THE transition table, who must act in each state, whom each decision is
 * told, and the hooks through which the engine reads and writes an item. The effect of each action is
 * in item_effects.c. Unlisted (state, action) pairs are refused with 409 by the engine.
 */
#include "items/items_internal.h"

#include "audit/audit.h"
#include "base/check.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "deadlines/deadlines.h"

#include <inttypes.h>
#include <string.h>

static const struct wf_name states[ITEM_ST__COUNT] = {
    [ITEM_ST_DRAFT] = {"draft", "草稿", "Draft"},
    [ITEM_ST_SUBMITTED] = {"submitted", "已立项待副主任审核", "Awaiting deputy"},
    [ITEM_ST_DEPUTY_APPROVED] = {"deputy_approved", "待主任审批", "Awaiting director"},
    [ITEM_ST_APPROVED] = {"approved", "已审批待交办", "Approved"},
    [ITEM_ST_ASSIGNED] = {"assigned", "已交办", "Assigned"},
    [ITEM_ST_RECEIVED] = {"received", "已签收", "Received"},
    [ITEM_ST_IN_PROGRESS] = {"in_progress", "办理中", "In progress"},
    [ITEM_ST_COMPLETION_REQUESTED] = {"completion_requested", "申请办结", "Completion requested"},
    [ITEM_ST_COMPLETION_SIGNED] = {"completion_signed", "已核签待审核", "Signed, awaiting review"},
    [ITEM_ST_COMPLETED] = {"completed", "已办结", "Completed"},
    [ITEM_ST_ARCHIVED] = {"archived", "已归档", "Archived"},
    [ITEM_ST_WITHDRAWN] = {"withdrawn", "已撤销", "Withdrawn"},
    [ITEM_ST_SUSPENDED] = {"suspended", "已中止", "Suspended"},
};

static const struct wf_name actions[ITEM_ACT__COUNT] = {
    [ITEM_ACT_SUBMIT] = {"submit", "立项报审", "Submit"},
    [ITEM_ACT_APPROVE] = {"approve", "审批通过", "Approve"},
    [ITEM_ACT_RETURN] = {"return", "退回", "Return"},
    [ITEM_ACT_ASSIGN] = {"assign", "交办", "Assign"},
    [ITEM_ACT_RECEIVE] = {"receive", "签收", "Receive"},
    [ITEM_ACT_REPORT] = {"report", "报送进展", "Report progress"},
    [ITEM_ACT_PLAN] = {"plan", "提出时间节点和方案", "Submit plan"},
    [ITEM_ACT_REQUEST_COMPLETION] = {"request_completion", "申请办结", "Request completion"},
    [ITEM_ACT_SIGN] = {"sign", "负责人核签", "Sign (unit head)"},
    [ITEM_ACT_RETURN_REPLY] = {"return_reply", "负责人退回答复", "Return reply"},
    [ITEM_ACT_VERIFY] = {"verify", "审核办结", "Verify completion"},
    [ITEM_ACT_ARCHIVE] = {"archive", "归档", "Archive"},
    [ITEM_ACT_REQUEST_EXTENSION] = {"request_extension", "申请延期", "Request extension"},
    [ITEM_ACT_DECIDE_EXTENSION] = {"decide_extension", "审批延期", "Decide extension"},
    [ITEM_ACT_WITHDRAW] = {"withdraw", "撤销", "Withdraw"},
    [ITEM_ACT_ESCALATE] = {"escalate", "列入督查事项", "Escalate to inspection"},
    [ITEM_ACT_SUSPEND] = {"suspend", "中止（挂账）", "Suspend"},
    [ITEM_ACT_RESUME] = {"resume", "恢复办理", "Resume"},
    [ITEM_ACT_COMMENT] = {"comment", "备注", "Comment"},
    [ITEM_ACT_PRESS] = {"press", "催办", "Press"},
};

/* in the order of enum item_field */
static const struct wf_field fields[] = {
    {"reason", true, "需要填写理由（reason）"},
    {"text", true, "需要填写内容（text）"},
    {"percent", false, "需要填写完成进度百分比（percent）"},
    {"approve", false, "需要给出决定（approve: true 或 false）"},
    {"new_date", false, "需要填写新的办理期限（new_date）"},
    {"plan_date", false, "需要填写解决的时间节点（plan_date）"},
    {"grade", false, NULL}, /* checked against the configured grades by item_check */
};

static const struct wf_cond conds[ITEM_COND__COUNT] = {
    [ITEM_COND_PENDING_EXTENSION] = {"pending_extension", "该事项没有待审批的延期申请"},
    [ITEM_COND_NO_PENDING_EXTENSION] = {"no_pending_extension", "该事项已有一项延期申请正在审批，请等待决定"},
    [ITEM_COND_NOT_ESCALATED] = {"not_escalated", "该事项已列入督查事项"},
    [ITEM_COND_MAJOR] = {"major", "该事项不是重大复杂事项"},
    [ITEM_COND_PRESSING_LEADER] = {"pressing_leader", "您不是该事项的分管领导，该事项也未报告您"},
};

/* clang-format off */
#define T(from, act, to, scope, cap, role, fl, rec) \
    {ITEM_ST_##from, ITEM_ACT_##act, to, scope, cap, role, fl, 0, 0, 0, rec}
#define TC(from, act, to, scope, cap, role, fl, cond, rec) \
    {ITEM_ST_##from, ITEM_ACT_##act, to, scope, cap, role, fl, cond, 0, 0, rec}
/* an extension decision: the office's, the leader's for a major item */
#define DECIDE(from) \
    {ITEM_ST_##from, ITEM_ACT_DECIDE_EXTENSION, WF_SAME, WF_OBJECT, CAP_ITEM_REGISTER, ANY, ITEM_F_APPROVE, \
     ITEM_COND_PENDING_EXTENSION, ITEM_COND_MAJOR, CAP_ITEM_DECIDE, "decision on the pending request; approval moves the due date"}
/* 催办: the office, or the leader in charge of the item — and the principal leader once the ladder reported the
 * item to them (listed for inspection) — with the capability to press (item_press, 分管领导 and 主要领导) */
#define PRESS(from) \
    {ITEM_ST_##from, ITEM_ACT_PRESS, WF_SAME, WF_OBJECT, CAP_ITEM_REGISTER, ANY, ITEM_F_TEXT, 0, \
     ITEM_COND_PRESSING_LEADER, CAP_ITEM_PRESS, "催办 of the units, or of one unit's track (track_id): notice, messages, counted"}
#define S(x) ITEM_ST_##x
#define ANY WF_ANY_ROLE
#define OBJ WF_OBJECT
#define TRK WF_PART

/* The whole lifecycle. Read a row as: in state FROM, ACTION by someone holding CAP (and ROLE) at the issuing
 * government (OBJ) or at their own responsible unit (TRK) leads to TO. */
static const struct wf_row rows[] = {
    /* registration and approval (督查室 drafts and registers; 副主任 then 主任 approve) */
    T(DRAFT, SUBMIT, S(SUBMITTED), OBJ, CAP_ITEM_REGISTER, ANY, 0, "assigns the number 古督〔年〕n号 (first registration)"),
    T(SUBMITTED, APPROVE, S(DEPUTY_APPROVED), OBJ, CAP_ITEM_APPROVE, ROLE_DEPUTY, 0, "deputy director's approval"),
    T(SUBMITTED, RETURN, S(DRAFT), OBJ, CAP_ITEM_APPROVE, ROLE_DEPUTY, ITEM_F_REASON, "reason for returning"),
    T(DEPUTY_APPROVED, APPROVE, S(APPROVED), OBJ, CAP_ITEM_APPROVE, ROLE_DIRECTOR, 0, "director's approval"),
    T(DEPUTY_APPROVED, RETURN, S(DRAFT), OBJ, CAP_ITEM_APPROVE, ROLE_DIRECTOR, ITEM_F_REASON, "reason for returning"),
    T(APPROVED, ASSIGN, S(ASSIGNED), OBJ, CAP_ITEM_REGISTER, ANY, 0, "notice to the lead and co units, leader in charge informed"),
    /* the units' tracks */
    T(ASSIGNED, RECEIVE, S(RECEIVED), TRK, CAP_ITEM_HANDLE, ANY, 0, "receipt (签收) by the unit"),
    T(RECEIVED, REPORT, S(IN_PROGRESS), TRK, CAP_ITEM_HANDLE, ANY, ITEM_F_TEXT | ITEM_F_PERCENT, "progress report (承办反馈)"),
    T(IN_PROGRESS, REPORT, S(IN_PROGRESS), TRK, CAP_ITEM_HANDLE, ANY, ITEM_F_TEXT | ITEM_F_PERCENT, "progress report (承办反馈)"),
    T(RECEIVED, PLAN, WF_SAME, TRK, CAP_ITEM_HANDLE, ANY, ITEM_F_TEXT | ITEM_F_PLAN_DATE, "plan and date when it cannot be done in time"),
    T(IN_PROGRESS, PLAN, WF_SAME, TRK, CAP_ITEM_HANDLE, ANY, ITEM_F_TEXT | ITEM_F_PLAN_DATE, "plan and date when it cannot be done in time"),
    TC(RECEIVED, REQUEST_EXTENSION, WF_SAME, TRK, CAP_ITEM_HANDLE, ANY, ITEM_F_REASON | ITEM_F_NEW_DATE, ITEM_COND_NO_PENDING_EXTENSION, "extension request (reason, new date)"),
    TC(IN_PROGRESS, REQUEST_EXTENSION, WF_SAME, TRK, CAP_ITEM_HANDLE, ANY, ITEM_F_REASON | ITEM_F_NEW_DATE, ITEM_COND_NO_PENDING_EXTENSION, "extension request (reason, new date)"),
    T(IN_PROGRESS, REQUEST_COMPLETION, S(COMPLETION_REQUESTED), TRK, CAP_ITEM_HANDLE, ANY, ITEM_F_TEXT, "completion reply drafted by the unit"),
    T(COMPLETION_REQUESTED, SIGN, S(COMPLETION_SIGNED), TRK, CAP_ITEM_SIGN, ANY, 0, "the unit head signs the reply (核签)"),
    T(COMPLETION_REQUESTED, RETURN_REPLY, S(IN_PROGRESS), TRK, CAP_ITEM_SIGN, ANY, ITEM_F_REASON, "the unit head sends the reply back"),
    /* verification and archive (督查室) */
    T(COMPLETION_SIGNED, VERIFY, S(COMPLETED), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_GRADE, "grade (优秀/良好/合格/不合格)"),
    T(COMPLETION_SIGNED, RETURN, S(IN_PROGRESS), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, "reasons; every track back to in progress"),
    T(COMPLETED, ARCHIVE, S(ARCHIVED), OBJ, CAP_ITEM_REGISTER, ANY, 0, "立卷归档"),
    /* extension decisions: the office, the leader for major items */
    DECIDE(ASSIGNED), DECIDE(RECEIVED), DECIDE(IN_PROGRESS), DECIDE(COMPLETION_REQUESTED),
    /* withdrawal: the item keeps its number */
    T(DRAFT, WITHDRAW, S(WITHDRAWN), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, "reason; the number is kept"),
    T(SUBMITTED, WITHDRAW, S(WITHDRAWN), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, "reason; the number is kept"),
    T(DEPUTY_APPROVED, WITHDRAW, S(WITHDRAWN), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, "reason; the number is kept"),
    T(APPROVED, WITHDRAW, S(WITHDRAWN), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, "reason; the number is kept"),
    T(ASSIGNED, WITHDRAW, S(WITHDRAWN), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, "reason; the number is kept"),
    T(RECEIVED, WITHDRAW, S(WITHDRAWN), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, "reason; the number is kept"),
    T(IN_PROGRESS, WITHDRAW, S(WITHDRAWN), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, "reason; the number is kept"),
    T(COMPLETION_REQUESTED, WITHDRAW, S(WITHDRAWN), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, "reason; the number is kept"),
    T(COMPLETION_SIGNED, WITHDRAW, S(WITHDRAWN), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, "reason; the number is kept"),
    T(SUSPENDED, WITHDRAW, S(WITHDRAWN), OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, "reason; the number is kept"),
    /* escalation into an inspection (the inspection module picks the flag up) */
    TC(ASSIGNED, ESCALATE, WF_SAME, OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, ITEM_COND_NOT_ESCALATED, "flag escalated, reason"),
    TC(RECEIVED, ESCALATE, WF_SAME, OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, ITEM_COND_NOT_ESCALATED, "flag escalated, reason"),
    TC(IN_PROGRESS, ESCALATE, WF_SAME, OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, ITEM_COND_NOT_ESCALATED, "flag escalated, reason"),
    TC(COMPLETION_REQUESTED, ESCALATE, WF_SAME, OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, ITEM_COND_NOT_ESCALATED, "flag escalated, reason"),
    TC(COMPLETION_SIGNED, ESCALATE, WF_SAME, OBJ, CAP_ITEM_REGISTER, ANY, ITEM_F_REASON, ITEM_COND_NOT_ESCALATED, "flag escalated, reason"),
    /* suspension (中止/挂账) with the leader's approval: the clocks stop */
    T(ASSIGNED, SUSPEND, S(SUSPENDED), OBJ, CAP_ITEM_DECIDE, ANY, ITEM_F_REASON, "reason; a suspended period starts"),
    T(RECEIVED, SUSPEND, S(SUSPENDED), OBJ, CAP_ITEM_DECIDE, ANY, ITEM_F_REASON, "reason; a suspended period starts"),
    T(IN_PROGRESS, SUSPEND, S(SUSPENDED), OBJ, CAP_ITEM_DECIDE, ANY, ITEM_F_REASON, "reason; a suspended period starts"),
    T(SUSPENDED, RESUME, WF_PREV, OBJ, CAP_ITEM_DECIDE, ANY, ITEM_F_REASON, "reason; the suspended period ends"),
    /* 催办 while the units work */
    PRESS(ASSIGNED), PRESS(RECEIVED), PRESS(IN_PROGRESS), PRESS(COMPLETION_REQUESTED),
    /* comments on the timeline, in every state, by anyone who sees the item */
    T(DRAFT, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(SUBMITTED, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(DEPUTY_APPROVED, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(APPROVED, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(ASSIGNED, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(RECEIVED, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(IN_PROGRESS, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(COMPLETION_REQUESTED, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(COMPLETION_SIGNED, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(COMPLETED, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(ARCHIVED, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(WITHDRAWN, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
    T(SUSPENDED, COMMENT, WF_SAME, OBJ, CAP_ITEM_READ, ANY, ITEM_F_TEXT, "comment"),
};

#define HOME(role) {role, WF_AT_HOME, 0, false}
#define UNIT(role) {role, WF_AT_PART, 0, false}
#define ORELSE_HOME(role) {role, WF_AT_HOME, 0, true}
#define LEADER {0, WF_PERSON, ITEM_PERSON_LEADER, false}
#define W(of, st, cond, task, label, en, act, n, ...) \
    {of, st, cond, task, label, act, {__VA_ARGS__}, n, en}
#define OBJW(st, task, label, en, act, who) W(-1, ITEM_ST_##st, 0, task, label, en, ITEM_ACT_##act, 1, who)
#define TRKW(st, task, label, en, act, who) W(ITEM_PART_TRACK, ITEM_ST_##st, 0, task, label, en, ITEM_ACT_##act, 1, who)

/* Who must act in each state. Nobody is awaited in the other states: the item is with its units (the tracks
 * wait), closed, or on hold (suspended). */
static const struct wf_wait waits[] = {
    /* the item as a whole: the issuing government's office, deputy director and director */
    OBJW(DRAFT, "submit", "草稿待报审", "Submit the draft", SUBMIT, HOME(ROLE_OFFICE)),
    OBJW(SUBMITTED, "approve_deputy", "待副主任审核", "Approve (deputy director)", APPROVE, HOME(ROLE_DEPUTY)),
    OBJW(DEPUTY_APPROVED, "approve_director", "待主任审批", "Approve (director)", APPROVE, HOME(ROLE_DIRECTOR)),
    OBJW(APPROVED, "assign", "待交办", "Assign", ASSIGN, HOME(ROLE_OFFICE)),
    OBJW(COMPLETION_SIGNED, "verify", "办结答复待审核", "Verify the completion", VERIFY, HOME(ROLE_OFFICE)),
    OBJW(COMPLETED, "archive", "待立卷归档", "Archive", ARCHIVE, HOME(ROLE_OFFICE)),
    /* each responsible unit's track, while the item is with the units */
    TRKW(ASSIGNED, "receive", "待签收", "Receive", RECEIVE, UNIT(ROLE_CONTACT)),
    TRKW(RECEIVED, "report", "待报送进展", "Report progress", REPORT, UNIT(ROLE_CONTACT)),
    TRKW(IN_PROGRESS, "report", "办理中，按时报送进展或申请办结", "Report progress or request completion", REPORT, UNIT(ROLE_CONTACT)),
    TRKW(COMPLETION_REQUESTED, "sign", "办结答复待负责人核签", "Sign the completion reply", SIGN, UNIT(ROLE_HEAD)),
    /* a pending extension request: the office decides, the leader in charge for a major item */
    W(ITEM_PART_EXTENSION, ITEM_SIDE_PENDING, -ITEM_COND_MAJOR, "decide_extension", "延期申请待审批", "Decide the extension",
      ITEM_ACT_DECIDE_EXTENSION, 1, HOME(ROLE_OFFICE)),
    W(ITEM_PART_EXTENSION, ITEM_SIDE_PENDING, ITEM_COND_MAJOR, "decide_extension", "重大事项延期申请待领导审批", "Decide the extension (major item)",
      ITEM_ACT_DECIDE_EXTENSION, 3, LEADER, ORELSE_HOME(ROLE_LEADER), ORELSE_HOME(ROLE_PRINCIPAL)),
    /* a progress report: the secretarial section that follows the item reviews it (the office without one) */
    W(ITEM_PART_REPORT, ITEM_SIDE_PENDING, 0, "review_report", "进展报告待审核", "Review the progress report", -1, 2, HOME(ROLE_SECRETARY),
      ORELSE_HOME(ROLE_OFFICE)),
    /* a leader's written instruction (领导批示): the office carries it out, or registers a new item from it */
    W(ITEM_PART_INSTRUCTION, ITEM_SIDE_PENDING, 0, "follow_instruction", "领导批示待落实", "Carry out the leader's instruction", -1, 1,
      HOME(ROLE_OFFICE)),
    /* after the completion, a unit that owes its handling report (人大建议、政协提案: 办理任务完成后20日内向交办单位报告
     * 办理情况) files it: the unit's contact (POST /api/v1/items/{id}/handling-report) */
    W(ITEM_PART_HANDLING, ITEM_SIDE_PENDING, 0, "handling_report", "办结后向交办单位报告办理情况", "Report how it was handled",
      -1, 1, UNIT(ROLE_CONTACT)),
    /* the deadline ladder hands a unit's overdue work to a leader until someone presses (催办) that unit:
     * the press step to the leader in charge (the office without one), the report step to the principal leader */
    W(ITEM_PART_LADDER, ITEM_LADDER_PRESS, 0, "ladder_press", "逾期待督办，请催办承办单位", "Overdue: press the unit",
      ITEM_ACT_PRESS, 2, LEADER, ORELSE_HOME(ROLE_OFFICE)),
    W(ITEM_PART_LADDER, ITEM_LADDER_REPORT, 0, "ladder_report", "逾期已报告主要领导，请督办", "Reported overdue: press the unit",
      ITEM_ACT_PRESS, 2, HOME(ROLE_PRINCIPAL), ORELSE_HOME(ROLE_OFFICE)),
};

/* Whom each decision about the units' work is told, besides the to-dos it creates. */
static const struct wf_inform informs[] = {
    {ITEM_ACT_ASSIGN, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "the notice (督办通知): the head answers for the reply"},
    {ITEM_ACT_ASSIGN, WF_INFORM_ONCE, LEADER, "the notice (督办通知), for information"},
    {ITEM_ACT_DECIDE_EXTENSION, WF_INFORM_CONCERNED, UNIT(ROLE_CONTACT), "the decision and the new due date"},
    {ITEM_ACT_VERIFY, WF_INFORM_EACH_PART, UNIT(ROLE_CONTACT), "completed, with the grade"},
    {ITEM_ACT_VERIFY, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "completed, with the grade"},
    {ITEM_ACT_ESCALATE, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "listed for inspection, with the reason"},
    {ITEM_ACT_SUSPEND, WF_INFORM_EACH_PART, UNIT(ROLE_CONTACT), "suspended (clocks stopped), with the reason"},
    {ITEM_ACT_WITHDRAW, WF_INFORM_EACH_PART, UNIT(ROLE_CONTACT), "withdrawn, with the reason (once assigned)"},
    {ITEM_ACT_PRESS, WF_INFORM_CONCERNED, UNIT(ROLE_CONTACT), "催办 (the unit named by track_id, else every unit), with the reminder notice"},
    {ITEM_ACT_PRESS, WF_INFORM_CONCERNED, UNIT(ROLE_HEAD), "催办 (the unit named by track_id, else every unit), with the reminder notice"},
};
/* clang-format on */
#undef T
#undef TC
#undef DECIDE
#undef PRESS
#undef S
#undef ANY
#undef OBJ
#undef TRK

/* The timeline's entries that are not actions: its own (registration, edits, notices, reviews,
 * attachments) and the deadline module's ("deadline_" and the step: reminders, the ladder, clocks). */
static const struct wf_name events[] = {
    {"create", "登记立项（草稿）", "Registered (draft)"},
    {"decompose", "分解", "Decomposed"},
    {"update", "修改", "Edited"},
    {"notice", "发出督办通知", "Notice sent"},
    {"review", "审核进展报告", "Report reviewed"},
    {"attach", "上传附件", "Attachment added"},
    {"instruction", "领导批示", "Leader's instruction"},
    {"circled", "领导圈阅", "Read by a leader (圈阅)"},
    {"instruction_done", "落实领导批示", "Instruction carried out"},
    {"handling_report", "报告办理情况", "Handling reported"},
    {"from_instruction", "根据领导批示立项", "Registered from an instruction"},
    {"from_clue", "由线索转为督办事项", "Converted from a clue"},
    {"deadline_remind", "催办提醒", "Reminder"},
    {"deadline_press", "提请分管领导督办", "Leader in charge asked to press"},
    {"deadline_notice", "书面催办通知", "Written reminder notice"},
    {"deadline_report", "报告主要领导并列入督查事项", "Reported to the principal leader"},
    {"deadline_pause", "暂停计时", "Clock paused"},
    {"deadline_resume", "恢复计时", "Clock resumed"},
    {"deadline_override", "调整时限", "Deadline changed"},
};

static const struct wf_name side_states[] = {[ITEM_SIDE_PENDING] = {"pending", "待处理", "Pending"}};
static const struct wf_name ladder_states[] = {
    [ITEM_LADDER_PRESS] = {"pressed", "逾期待督办", "Overdue, to be pressed"},
    [ITEM_LADDER_REPORT] = {"reported", "逾期已报告主要领导", "Overdue, reported to the principal leader"},
};

bool item_task_ladder(const char *task)
{
    return task && !strncmp(task, "ladder_", 7);
}

static const struct wf_partdef partdefs[ITEM_PART__COUNT] = {
    [ITEM_PART_TRACK] = {"track", "责任单位办理", "Unit track", NULL, 0},
    [ITEM_PART_EXTENSION] = {"extension", "延期申请", "Extension request", side_states, 1},
    [ITEM_PART_REPORT] = {"report", "进展报告", "Progress report", side_states, 1},
    [ITEM_PART_INSTRUCTION] = {"instruction", "领导批示", "Leader's instruction", side_states, 1},
    [ITEM_PART_HANDLING] = {"handling_report", "办理情况报告", "Handling report", side_states, 1},
    [ITEM_PART_LADDER] = {"ladder", "逾期督办", "Overdue ladder", ladder_states, 2},
};

/* ---- names ---- */

const char *item_state_name(enum item_state s)
{
    return wf_state_name(&item_workflow, (int)s);
}

const char *item_state_label(enum item_state s)
{
    return wf_state_label(&item_workflow, (int)s);
}

bool item_state_parse(const char *s, enum item_state *out)
{
    int v;
    if (!wf_state_parse(&item_workflow, s, &v))
        return false;
    *out = (enum item_state)v;
    return true;
}

const char *item_action_name(enum item_action a)
{
    return wf_action_name(&item_workflow, (int)a);
}

const char *item_action_label(enum item_action a)
{
    return wf_action_label(&item_workflow, (int)a);
}

bool item_action_parse(const char *s, enum item_action *out)
{
    int v;
    if (!wf_action_parse(&item_workflow, s, &v))
        return false;
    *out = (enum item_action)v;
    return true;
}

bool item_state_active(enum item_state s)
{
    return s >= ITEM_ST_ASSIGNED && s <= ITEM_ST_COMPLETION_SIGNED;
}

/* ---- hooks ---- */

static bool phase(int s)
{
    return item_state_active((enum item_state)s);
}

int64_t item_pending_extension(struct ctx *c, struct item *it)
{
    if (it->pending_ext < 0) {
        it->pending_ext = 0;
        db_one_int(c->db, &it->pending_ext, "SELECT id FROM item_extensions WHERE item_id = ? AND state = 'pending'",
                   DB_INT(it->id));
    }
    return it->pending_ext;
}

static bool cond(struct ctx *c, struct wf_obj *o, int k)
{
    struct item *it = item_of(o);
    switch ((enum item_cond)k) {
    case ITEM_COND_PENDING_EXTENSION:
        return item_pending_extension(c, it) != 0;
    case ITEM_COND_NO_PENDING_EXTENSION:
        return item_pending_extension(c, it) == 0;
    case ITEM_COND_NOT_ESCALATED:
        return !it->escalated;
    case ITEM_COND_MAJOR:
        return it->importance && !strcmp(it->importance, "major");
    case ITEM_COND_PRESSING_LEADER:
        return c->user && ((it->leader_id && c->user->id == it->leader_id) ||
                           (it->escalated && perm_role_at(c->user, ROLE_PRINCIPAL, it->office_path)));
    case ITEM_COND__COUNT:
        break;
    }
    return ALWAYS(0);
}

static enum err load(struct ctx *c, int64_t id, bool with_waits, struct wf_obj **out)
{
    struct item *it = arena_alloc(c->arena, sizeof *it);
    enum err e = item_load(c, id, it);
    if (!e && with_waits)
        e = item_load_waits(c, it);
    *out = &it->wf;
    return e;
}

/* The body's values beyond their presence: dates and the grade. */
static enum err check(struct wf_act *a)
{
    struct ctx *c = a->c;
    const struct item *it = item_of(a->obj);
    const json_t *b = a->body;
    unsigned fl = a->row->fields;
    if (fl & ITEM_F_NEW_DATE) {
        const char *d = jv_str(b, "new_date");
        if (strcmp(d, it->due_date) <= 0)
            return ctx_fail_field(c, "new_date", "新的办结时限（new_date，%s）必须晚于现在的期限（%s）", d,
                                  it->due_date);
    }
    if (fl & ITEM_F_PLAN_DATE) {
        char today[11];
        item_today(c, today);
        const char *d = jv_str(b, "plan_date");
        if (strcmp(d, today) < 0)
            return ctx_fail_field(c, "plan_date", "计划完成日期（plan_date，%s）不能早于今天", d);
    }
    if (fl & ITEM_F_GRADE) {
        const char *g = jv_str(b, "grade");
        int n;
        const char **grades = item_grades(c, &n);
        for (int i = 0; g && i < n; i++)
            if (!strcmp(g, grades[i]))
                return ERR_OK;
        const char *list = "";
        for (int i = 0; i < n; i++)
            list = arena_printf(c->arena, "%s%s%s", list, i ? "、" : "", grades[i]);
        return ctx_fail_field(c, "grade", "办结等次（grade）应为：%s", list);
    }
    return ERR_OK;
}

/* The least advanced track decides the item's state in the unit phase. */
static int rollup(struct wf_act *a)
{
    const struct item *it = item_of(a->obj);
    enum item_state s = ITEM_ST_COMPLETION_SIGNED;
    for (int i = 0; i < it->ntracks; i++)
        if (it->tracks[i].state < s)
            s = it->tracks[i].state;
    return (int)s;
}

/* The new state, the rolled-up progress (item_progress_of) and the version, the parent's progress; then the
 * timeline. */
static enum err save(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct item *it = item_of(a->obj);
    const struct track *tr = a->part >= 0 ? &it->tracks[a->part] : NULL;
    char at[21];
    time_format_iso(c->now, at);
    int progress;
    enum err e = item_progress_of(c, it, (enum item_state)a->to, &progress);
    if (e)
        return e;
    int64_t nv;
    /* a withdrawal (撤销) closes the item in the same UPDATE: the ledger's triggers on items (scope rows, figures)
     * fire once for the action, not once for the state and again for closed_at */
    e = a->action == ITEM_ACT_WITHDRAW
            ? db_one_int(
                  c->db, &nv,
                  "UPDATE items SET state = ?, progress = ?, updated_at = ?, closed_at = ?, version = version + 1 "
                  "WHERE id = ? AND version = ? RETURNING version",
                  DB_TEXT(item_state_name((enum item_state)a->to)), DB_INT(progress), DB_TEXT(at), DB_TEXT(at),
                  DB_INT(it->id), DB_INT(it->version))
            : db_one_int(c->db, &nv,
                         "UPDATE items SET state = ?, progress = ?, updated_at = ?, version = version + 1 "
                         "WHERE id = ? AND version = ? RETURNING version",
                         DB_TEXT(item_state_name((enum item_state)a->to)), DB_INT(progress), DB_TEXT(at),
                         DB_INT(it->id), DB_INT(it->version));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "督办事项已被他人同时处理，请刷新后重试");
    if (e)
        return ctx_db_fail(c, e, "更新督办事项");
    it->progress = progress;
    if (it->parent_id && (e = item_parent_progress(c, it->parent_id)))
        return e;
    const char *note = jv_str(a->body, "reason") ? jv_str(a->body, "reason") : jv_str(a->body, "text");
    const char *kind = a->action == ITEM_ACT_REPORT    ? "report"
                       : a->action == ITEM_ACT_COMMENT ? "comment"
                                                       : "transition";
    e = item_event(c, it->id, kind, item_action_name((enum item_action)a->action), tr ? a->part_from : a->from,
                   tr ? a->part_to : a->to, tr ? tr->id : 0, tr ? tr->unit_id : 0, note, a->data);
    /* the assignment notice (督办通知) to each responsible unit, after the transition on the timeline */
    for (int k = 0; a->action == ITEM_ACT_ASSIGN && k < it->ntracks && !e; k++)
        e = item_event(c, it->id, "notice", "notice", -1, -1, it->tracks[k].id, it->tracks[k].unit_id,
                       it->tracks[k].lead ? "督办通知（牵头单位）" : "督办通知（责任单位）", NULL);
    return e;
}

static enum err on_action(struct wf_act *a)
{
    struct item *it = item_of(a->obj);
    return item_deadlines(a->c, it, a->part >= 0 ? &it->tracks[a->part] : NULL, (enum item_action)a->action, a->data);
}

/* The notice (督办通知) is the assignment's hand-off: the contacts' "receive" to-dos and the heads' and the
 * leader's informations carry its words and kind, each unit told whether it leads or co-operates. */
static void notice(struct wf_act *a, const struct wf_wait *w, const struct wf_inform *f, const struct wf_part *p,
                   struct notice *n)
{
    if (a->action == ITEM_ACT_PRESS && f) { /* 催办: urgent, with what is pressed for and the reminder notice */
        const struct item *it = item_of(a->obj);
        n->kind = MSG_PRESS;
        n->urgent = true;
        n->subject = arena_printf(a->c->arena, "【催办】%s《%s》", it->number ? it->number : "",
                                  utf8_inner_title(a->c->arena, it->title));
        n->body =
            arena_printf(a->c->arena, "%s催办：%s\n\n请抓紧办理，按时报送进展。书面催办通知见事项页面的「文书」。",
                         a->c->user && a->c->user->name ? a->c->user->name : "督查室", jv_str(a->body, "text"));
        return;
    }
    if (a->action != ITEM_ACT_ASSIGN || (w && strcmp(w->task, "receive")))
        return;
    struct ctx *c = a->c;
    const struct item *it = item_of(a->obj);
    const char *due = it->due_date ? it->due_date : "";
    n->kind = MSG_ASSIGNMENT;
    n->subject = arena_printf(c->arena, "【督办通知】%s《%s》", it->number ? it->number : "",
                              utf8_inner_title(c->arena, it->title));
    const struct track *tr = NULL;
    for (int k = 0; p && k < it->ntracks; k++)
        if (it->tracks[k].id == p->id)
            tr = &it->tracks[k];
    /* the receipt limit in its rule's unit ("1日内" / "1个工作日内", DOMAIN.md §4) */
    struct deadline_rule *rules;
    size_t nrules;
    struct deadline_facts facts = {it->source_kind, it->importance, it->kind, 0};
    const struct deadline_rule *rr =
        deadlines_rules_load(c, &rules, &nrules) ? NULL : deadlines_rule_for(rules, nrules, &facts, MS_RECEIPT);
    const char *receipt =
        rr ? arena_printf(c->arena, "请于收到通知后%s签收，", deadlines_limit_text(c->arena, rr)) : "请及时签收，";
    if (tr)
        n->body =
            arena_printf(c->arena, "贵单位为该事项的%s，办结时限 %s。%s并按时反馈办理情况。\n\n%s",
                         tr->lead ? "牵头单位" : "责任单位", due, receipt, it->requirement ? it->requirement : "");
    else if (f)
        n->body = arena_printf(c->arena, "您分管的督办事项已交办，办结时限 %s。", due);
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    *n = 0;
    struct stmt *st = db_query(c->db,
                               "SELECT id FROM items WHERE id > ? AND state NOT IN ('archived', 'withdrawn') "
                               "ORDER BY id LIMIT ?",
                               DB_INT(after), DB_INT(limit));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取督办事项");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < limit)
        out[(*n)++] = stmt_int(st, 0);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取督办事项") : ERR_OK;
}

#define N(a) ((int)(sizeof(a) / sizeof *(a)))

const struct workflow item_workflow = {
    .name = "item",
    .what = ITEM_WHAT,
    .title = "Supervision items (督办事项)",
    .intro = "The states, actions and transition table of `src/items/item_workflow.c`; the effect of each "
             "action is in `src/items/item_effects.c`. While the item is in the unit phase (assigned … "
             "completion_signed) its state is the least advanced track's state; the lead track's progress is "
             "the item's progress.",
    .link = "/items/%lld",
    .part_what = "责任单位办理记录",
    .home_what = "issuing government",
    .track_what = "track",
    .person_what = {[ITEM_PERSON_LEADER] = "leader in charge"},
    .part_key = "track",
    .part_member = "track_id",
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
    .events = events,
    .nevents = N(events),
    .effects = item_effects,
    .read_cap = CAP_ITEM_READ,
    .table = "items",
    .load = load,
    .cond = cond,
    .phase = phase,
    .check = check,
    .rollup = rollup,
    .save = save,
    .on_action = on_action,
    .notice = notice,
    .ids = ids,
};
