/*
 * clue_workflow.c: the declaration of the clue's workflow for the engine (src/workflow): its states and
 * actions, THE transition table, who must act in each state, whom each decision is told, the hooks
 * through which the engine reads and writes a clue, and the words of the domain (categories, close
 * reasons, findings). The effect of each action is in clue_effects.c.
 *
 * A clue's one part (a "track" to the engine) is its latest verification: the unit that verifies acts
 * on it (report) while the clue is verifying.
 */
#include "clues/clues_internal.h"
#include "base/utf8.h"

#include "calendar/workdays.h"

#include <inttypes.h>
#include <string.h>

static const struct wf_name states[CLUE_ST__COUNT] = {
    [CLUE_ST_RECEIVED] = {"received", "待分拣", "Received"},
    [CLUE_ST_VERIFYING] = {"verifying", "核查中", "Being verified"},
    [CLUE_ST_VERIFIED] = {"verified", "已核查待处理", "Verified"},
    [CLUE_ST_CONVERTED] = {"converted", "已转办", "Converted"},
    [CLUE_ST_CLOSED] = {"closed", "已办结", "Closed"},
    [CLUE_ST_MERGED] = {"merged", "已合并", "Merged"},
};

static const struct wf_name actions[CLUE_ACT__COUNT] = {
    [CLUE_ACT_ASSIGN] = {"assign", "交办核查", "Assign verification"},
    [CLUE_ACT_REPORT] = {"report", "报送核查情况", "Report verification"},
    [CLUE_ACT_RECALL] = {"recall", "收回核查", "Recall verification"},
    [CLUE_ACT_MERGE] = {"merge", "合并重复线索", "Merge into another clue"},
    [CLUE_ACT_CONVERT_ITEM] = {"convert_item", "转为督办事项", "Convert into an item"},
    [CLUE_ACT_CONVERT_INSPECTION] = {"convert_inspection", "转为督查", "Convert into an inspection"},
    [CLUE_ACT_CLOSE] = {"close", "办结", "Close"},
    [CLUE_ACT_REPLY] = {"reply", "答复群众", "Reply to the reporter"},
    [CLUE_ACT_COMMENT] = {"comment", "备注", "Comment"},
    [CLUE_ACT_PRESS] = {"press", "催办", "Press the verifying unit"},
};

/* in the order of enum clue_field */
static const struct wf_field fields[] = {
    {"unit_id", false, "需要选择核查单位（unit_id）"},
    {"due_date", false, "需要填写时限（due_date）"},
    {"text", true, "需要填写内容（text）"},
    {"finding", false, NULL}, /* checked against the findings by check() */
    {"reason", true, "需要填写理由（reason）"},
    {"into", false, "需要指定合并到哪一条线索（into）"},
    {"reply", true, "需要填写答复群众的内容（reply）"},
    {"close_reason", false, NULL}, /* checked against the close reasons by check() */
    {"lead_unit_id", false, "需要选择牵头单位（lead_unit_id）"},
    {"start_date", false, "需要填写督查开始日期（start_date）"},
    {"end_date", false, "需要填写督查结束日期（end_date）"},
};

/* no row or wait of the clue depends on more than the state (index 0 is "none") */
static const struct wf_cond conds[] = {{"none", NULL}};

/* clang-format off */
#define T(from, act, to, scope, cap, fl, rec) {CLUE_ST_##from, CLUE_ACT_##act, to, scope, cap, WF_ANY_ROLE, fl, 0, 0, 0, rec}
#define S(x) CLUE_ST_##x
#define OBJ WF_OBJECT
#define TRK WF_PART
#define MANAGE CAP_CLUE_MANAGE

/* Read a row as: in state FROM, ACTION by someone holding CAP at the clue's government (OBJ) or at the
 * verifying unit (TRK) leads to TO. */
static const struct wf_row rows[] = {
    /* triage: verification, merge, conversion or closing */
    T(RECEIVED, ASSIGN, S(VERIFYING), OBJ, MANAGE, CLUE_F_UNIT | CLUE_F_DUE, "the verifying unit, due date and requirements (线索核查)"),
    T(VERIFIED, ASSIGN, S(VERIFYING), OBJ, MANAGE, CLUE_F_UNIT | CLUE_F_DUE, "verification again, by the same or another unit"),
    T(VERIFYING, REPORT, S(VERIFIED), TRK, CAP_CLUE_VERIFY, CLUE_F_TEXT | CLUE_F_FINDING, "what was found: substantiated, partly, unsubstantiated"),
    T(VERIFYING, RECALL, S(RECEIVED), OBJ, MANAGE, CLUE_F_REASON, "reason; the verification is withdrawn from the unit"),
    T(RECEIVED, MERGE, S(MERGED), OBJ, MANAGE, CLUE_F_INTO, "the clue it duplicates; its reporter follows that one"),
    T(VERIFIED, MERGE, S(MERGED), OBJ, MANAGE, CLUE_F_INTO, "the clue it duplicates; its reporter follows that one"),
    T(RECEIVED, CONVERT_ITEM, S(CONVERTED), OBJ, MANAGE, CLUE_F_LEAD | CLUE_F_DUE, "a draft supervision item, linked both ways"),
    T(VERIFIED, CONVERT_ITEM, S(CONVERTED), OBJ, MANAGE, CLUE_F_LEAD | CLUE_F_DUE, "a draft supervision item, linked both ways"),
    T(RECEIVED, CONVERT_INSPECTION, S(CONVERTED), OBJ, MANAGE, CLUE_F_START | CLUE_F_END, "a draft inspection (线索核查) of the unit concerned, to be opened on its basis; linked both ways"),
    T(VERIFIED, CONVERT_INSPECTION, S(CONVERTED), OBJ, MANAGE, CLUE_F_START | CLUE_F_END, "a draft inspection (线索核查) of the unit concerned, to be opened on its basis; linked both ways"),
    T(RECEIVED, CLOSE, S(CLOSED), OBJ, MANAGE, CLUE_F_CLOSE_REASON | CLUE_F_REPLY, "reason and the reply the reporter sees"),
    T(VERIFIED, CLOSE, S(CLOSED), OBJ, MANAGE, CLUE_F_CLOSE_REASON | CLUE_F_REPLY, "reason and the reply the reporter sees"),
    T(CONVERTED, CLOSE, S(CLOSED), OBJ, MANAGE, CLUE_F_CLOSE_REASON | CLUE_F_REPLY, "reason and the reply the reporter sees"),
    /* a public reply while the clue is open: the reporter's tracking page shows it */
    T(RECEIVED, REPLY, WF_SAME, OBJ, MANAGE, CLUE_F_REPLY, "the reply the reporter sees"),
    T(VERIFYING, REPLY, WF_SAME, OBJ, MANAGE, CLUE_F_REPLY, "the reply the reporter sees"),
    T(VERIFIED, REPLY, WF_SAME, OBJ, MANAGE, CLUE_F_REPLY, "the reply the reporter sees"),
    T(CONVERTED, REPLY, WF_SAME, OBJ, MANAGE, CLUE_F_REPLY, "the reply the reporter sees"),
    /* internal comments by anyone who sees the clue */
    T(RECEIVED, COMMENT, WF_SAME, OBJ, CAP_CLUE_READ, CLUE_F_TEXT, "comment (internal)"),
    T(VERIFYING, COMMENT, WF_SAME, OBJ, CAP_CLUE_READ, CLUE_F_TEXT, "comment (internal)"),
    T(VERIFIED, COMMENT, WF_SAME, OBJ, CAP_CLUE_READ, CLUE_F_TEXT, "comment (internal)"),
    T(CONVERTED, COMMENT, WF_SAME, OBJ, CAP_CLUE_READ, CLUE_F_TEXT, "comment (internal)"),
    T(CLOSED, COMMENT, WF_SAME, OBJ, CAP_CLUE_READ, CLUE_F_TEXT, "comment (internal)"),
    T(MERGED, COMMENT, WF_SAME, OBJ, CAP_CLUE_READ, CLUE_F_TEXT, "comment (internal)"),
    T(VERIFYING, PRESS, WF_SAME, OBJ, MANAGE, CLUE_F_TEXT, "催办: what the office presses for; the verifying unit's contact and head hear it"),
};

#define HOME(role) {role, WF_AT_HOME, 0, false}
#define UNIT(role) {role, WF_AT_PART, 0, false}
#define ORELSE_UNIT(role) {role, WF_AT_PART, 0, true}

/* Who must act: the office sorts and decides, the verifying unit's contact (its head when it has none)
 * verifies. Nobody is awaited once the clue is converted (the item or inspection carries the work),
 * closed or merged. */
static const struct wf_wait waits[] = {
    {-1, CLUE_ST_RECEIVED, 0, "triage", "线索待分拣", CLUE_ACT_ASSIGN, {HOME(ROLE_OFFICE)}, 1, "Sort the clue"},
    {0, CLUE_ST_VERIFYING, 0, "verify", "线索待核查", CLUE_ACT_REPORT, {UNIT(ROLE_CONTACT), ORELSE_UNIT(ROLE_HEAD)}, 2,
     "Verify the clue"},
    {-1, CLUE_ST_VERIFIED, 0, "decide", "核查结果待处理", CLUE_ACT_CLOSE, {HOME(ROLE_OFFICE)}, 1,
     "Decide on the verified clue"},
};

static const struct wf_inform informs[] = {
    {CLUE_ACT_ASSIGN, WF_INFORM_EACH_PART, UNIT(ROLE_HEAD), "the verification its unit is asked for"},
    {CLUE_ACT_RECALL, WF_INFORM_CONCERNED, UNIT(ROLE_CONTACT), "the verification is withdrawn, with the reason"},
    {CLUE_ACT_PRESS, WF_INFORM_CONCERNED, UNIT(ROLE_CONTACT), "催办, with what is pressed for and the due date"},
    {CLUE_ACT_PRESS, WF_INFORM_CONCERNED, UNIT(ROLE_HEAD), "催办, with what is pressed for and the due date"},
};
/* clang-format on */
#undef T
#undef S
#undef OBJ
#undef TRK
#undef MANAGE

static const struct wf_partdef partdefs[] = {
    {"verification", "线索核查", "Verification", NULL, 0},
};

/* ---- the words of the domain ---- */

struct label {
    const char *name, *label;
};
#define N(a) ((int)(sizeof(a) / sizeof *(a)))

/* 互联网+督查's usual headings of a problem report. */
static const struct label categories[] = {
    {"policy", "政策落实"},
    {"business", "营商环境"},
    {"livelihood", "民生保障"},
    {"environment", "生态环境"},
    {"safety", "安全生产"},
    {"services", "政务服务"},
    {"conduct", "作风问题（形式主义、官僚主义）"},
    {"burden", "基层减负"},
    {"other", "其他"},
};

static const struct label close_reasons[] = {
    {"resolved", "问题已解决"},
    {"substantiated", "问题属实，已督促整改"},
    {"unsubstantiated", "经核查问题不属实"},
    {"duplicate", "重复反映，已在其他线索中办理"},
    {"out_of_scope", "不属于督查范围，已告知反映渠道"},
    {"insufficient", "线索不具体，无法核查"},
    {"transferred", "已移交有关部门依法处理"},
};

static const struct label findings[] = {
    {"substantiated", "属实"},
    {"partly", "部分属实"},
    {"unsubstantiated", "不属实"},
};

static const char *label_of(const struct label *l, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (!strcmp(l[i].name, name))
            return l[i].label;
    return NULL;
}

static json_t *labels_json(const struct label *l, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{ss ss}", "name", l[i].name, "label", l[i].label));
    return a;
}

const char *clue_category_label(const char *name)
{
    return label_of(categories, N(categories), name);
}

const char *clue_category_parse(const char *s)
{
    for (int i = 0; s && *s && i < N(categories); i++)
        if (!strcmp(categories[i].name, s) || !strncmp(categories[i].label, s, strlen(s)))
            return categories[i].name;
    return NULL;
}

const char *clue_close_reason_label(const char *name)
{
    return label_of(close_reasons, N(close_reasons), name);
}

const char *clue_finding_label(const char *name)
{
    return label_of(findings, N(findings), name);
}

json_t *clue_categories_json(void)
{
    return labels_json(categories, N(categories));
}

json_t *clue_close_reasons_json(void)
{
    return labels_json(close_reasons, N(close_reasons));
}

json_t *clue_findings_json(void)
{
    return labels_json(findings, N(findings));
}

const char *clue_state_name(enum clue_state s)
{
    return wf_state_name(&clue_workflow, (int)s);
}

const char *clue_state_label(enum clue_state s)
{
    return wf_state_label(&clue_workflow, (int)s);
}

const char *clue_public_status(enum clue_state s)
{
    switch (s) {
    case CLUE_ST_RECEIVED:
        return "已受理";
    case CLUE_ST_VERIFYING:
    case CLUE_ST_VERIFIED:
        return "核查中";
    case CLUE_ST_CONVERTED:
        return "已交有关部门办理";
    case CLUE_ST_CLOSED:
        return "已办结";
    case CLUE_ST_MERGED:
        return "已合并办理";
    case CLUE_ST__COUNT:
        break;
    }
    return "已受理";
}

const char *clue_item_public_status(const char *item_state)
{
    static const struct {
        const char *state, *text;
    } t[] = {
        {"draft", "已转为督办事项，正在立项审批"},
        {"submitted", "已转为督办事项，正在立项审批"},
        {"deputy_approved", "已转为督办事项，正在立项审批"},
        {"approved", "已转为督办事项，正在立项审批"},
        {"completed", "督办事项已办结"},
        {"archived", "督办事项已办结"},
        {"withdrawn", "督办事项已撤销"},
    };
    for (size_t i = 0; item_state && i < sizeof t / sizeof *t; i++)
        if (!strcmp(item_state, t[i].state))
            return t[i].text;
    return "已列为督办事项，交有关部门办理";
}

void clue_today(struct ctx *c, char out[11])
{
    cal_format_date(time_local_day(c->now), out);
}

/* ---- hooks ---- */

static bool phase(int s)
{
    return s == CLUE_ST_VERIFYING;
}

static enum err load(struct ctx *c, int64_t id, bool with_waits, struct wf_obj **out)
{
    (void)with_waits;
    struct clue *cl = arena_alloc(c->arena, sizeof *cl);
    enum err e = clue_load(c, id, cl);
    *out = &cl->wf;
    return e;
}

/* The body's values beyond their presence. */
static enum err check(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    const json_t *b = a->body;
    unsigned fl = a->row->fields;
    char today[11];
    clue_today(c, today);
    if (fl & CLUE_F_DUE) {
        const char *d = jv_str(b, "due_date");
        if (!d)
            return ctx_fail_field(c, "due_date", "「%s」需要填写时限（due_date）", wf_action_label(a->wf, a->action));
        if (strcmp(d, today) < 0)
            return ctx_fail_field(c, "due_date", "时限（due_date）%s 不能早于今天（%s）", d, today);
    }
    if (fl & CLUE_F_START) {
        const char *s = jv_str(b, "start_date"), *e = jv_str(b, "end_date");
        if (strcmp(s, today) < 0)
            return ctx_fail_field(c, "start_date", "督查开始日期（start_date）%s 不能早于今天（%s）", s, today);
        if (strcmp(s, e) > 0)
            return ctx_fail_field(c, "end_date", "督查结束日期（end_date）%s 不能早于开始日期 %s", e, s);
    }
    if (fl & CLUE_F_UNIT) {
        const char *path = NULL, *kind = NULL;
        struct stmt *st = db_query(c->db, "SELECT path, kind FROM units WHERE id = ?", DB_INT(jv_int(b, "unit_id", 0)));
        if (st && stmt_step(st) == STORE_ROW) {
            path = arena_strdup(c->arena, stmt_text(st, 0));
            kind = arena_strdup(c->arena, stmt_text(st, 1));
        }
        stmt_done(st);
        if (!path || strncmp(path, cl->office_path, strlen(cl->office_path)))
            return ctx_fail_field(c, "unit_id", "核查单位（unit_id）应为本级政府所属的单位");
        if (!strcmp(kind, "external"))
            return ctx_fail_field(c, "unit_id", "核查单位（unit_id）不能是外部机构");
    }
    if ((fl & CLUE_F_FINDING) && !clue_finding_label(jv_str(b, "finding")))
        return ctx_fail_field(c, "finding",
                              "核查结论（finding）应为 substantiated（属实）、partly（部分属实）或 "
                              "unsubstantiated（不属实）");
    if ((fl & CLUE_F_CLOSE_REASON) && !clue_close_reason_label(jv_str(b, "close_reason"))) {
        const char *list = "";
        for (int i = 0; i < N(close_reasons); i++)
            list = arena_printf(c->arena, "%s%s%s（%s）", list, i ? "、" : "", close_reasons[i].name,
                                close_reasons[i].label);
        return ctx_fail_field(c, "close_reason", "办结方式（close_reason）应为：%s", list);
    }
    if (fl & CLUE_F_INTO) {
        int64_t into = jv_int(b, "into", 0);
        if (into == cl->wf.id)
            return ctx_fail_field(c, "into", "不能把线索合并到它自己（into）");
        struct clue target;
        if (into <= 0 || clue_load(c, into, &target) || target.office_unit_id != cl->office_unit_id)
            return ctx_fail_field(c, "into", "要合并到的线索（into）不存在或不属于本督查室");
        c->err = ERR_OK;
        if (target.wf.state == CLUE_ST_MERGED || target.wf.state == CLUE_ST_CLOSED)
            return ctx_fail(c, ERR_INVALID, "要合并到的线索 %s 已%s，请合并到仍在办理的线索", target.wf.number,
                            target.wf.state == CLUE_ST_MERGED ? "合并" : "办结");
    }
    return ERR_OK;
}

/* The verifying unit's report decides the clue's state. */
static int rollup(struct wf_act *a)
{
    return a->part_to;
}

/* Which actions the reporter's tracking page shows. */
static bool public_action(int action)
{
    return action != CLUE_ACT_COMMENT && action != CLUE_ACT_RECALL && action != CLUE_ACT_REPORT &&
           action != CLUE_ACT_PRESS;
}

/* The new state and the version; then the timeline. */
static enum err save(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    char at[21];
    time_format_iso(c->now, at);
    bool ends = a->to == CLUE_ST_CLOSED || a->to == CLUE_ST_MERGED || a->to == CLUE_ST_CONVERTED;
    int64_t nv;
    enum err e = db_one_int(c->db, &nv,
                            "UPDATE clues SET state = ?, updated_at = ?, closed_at = COALESCE(closed_at, ?), "
                            "version = version + 1 WHERE id = ? AND version = ? RETURNING version",
                            DB_TEXT(clue_state_name((enum clue_state)a->to)), DB_TEXT(at), DB_TEXT(ends ? at : NULL),
                            DB_INT(cl->wf.id), DB_INT(cl->wf.version));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "线索已被他人同时处理，请刷新后重试");
    if (e)
        return ctx_db_fail(c, e, "更新线索");
    const char *note = jv_str(a->body, "reason");
    if (!note)
        note = jv_str(a->body, "text");
    const struct wf_part *p = a->part >= 0 ? &cl->wf.parts[a->part] : NULL;
    const char *kind = a->action == CLUE_ACT_COMMENT ? "comment" : a->action == CLUE_ACT_REPLY ? "reply" : "transition";
    return clue_event(c, cl->wf.id, kind, wf_action_name(a->wf, a->action), a->from, a->to, p ? p->unit_id : 0, note,
                      public_action(a->action), a->data);
}

/* The hand-off of a verification carries its due date and the office's requirements; a press (催办), urgent,
 * what is pressed for and the verification's due date. */
static void notice(struct wf_act *a, const struct wf_wait *w, const struct wf_inform *f, const struct wf_part *p,
                   struct notice *n)
{
    (void)f;
    struct ctx *c = a->c;
    struct clue *cl = clue_of(a->obj);
    if (a->action == CLUE_ACT_PRESS) {
        const char *due = p && p->due_date && *p->due_date      ? p->due_date
                          : cl->wf.due_date && *cl->wf.due_date ? cl->wf.due_date
                                                                : NULL;
        n->urgent = true;
        n->subject = arena_printf(c->arena, "【催办】线索核查 %s %s", cl->wf.number, cl->wf.title);
        n->body = arena_printf(c->arena, "督查室催办贵单位核查的线索%s《%s》：%s%s%s", cl->wf.number,
                               utf8_inner_title(c->arena, cl->wf.title), jv_str(a->body, "text"), due ? "\n\n请于" : "",
                               due ? arena_printf(c->arena, "%s前报送核查情况。", time_date_words(c->arena, due)) : "");
        return;
    }
    if (a->action != CLUE_ACT_ASSIGN)
        return;
    const char *req = jv_str(a->body, "request");
    n->subject = arena_printf(c->arena, "【线索核查】%s %s", cl->wf.number, cl->wf.title);
    n->body = arena_printf(c->arena, "%s请贵单位核查线索%s《%s》，于%s前报送核查情况。%s%s", w ? "" : "（知悉）",
                           cl->wf.number, utf8_inner_title(c->arena, cl->wf.title),
                           time_date_words(c->arena, jv_str(a->body, "due_date")), req && *req ? "\n\n核查要求：" : "",
                           req && *req ? req : "");
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    *n = 0;
    struct stmt *st = db_query(c->db,
                               "SELECT id FROM clues WHERE id > ? AND state IN ('received', 'verifying', 'verified') "
                               "ORDER BY id LIMIT ?",
                               DB_INT(after), DB_INT(limit));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取线索");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < limit)
        out[(*n)++] = stmt_int(st, 0);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取线索") : ERR_OK;
}

const struct workflow clue_workflow = {
    .name = CLUE_KIND,
    .what = CLUE_WHAT,
    .title = "Clues (线索, 互联网+督查)",
    .intro = "The states, actions and transition table of `src/clues/clue_workflow.c`; the effect of each action "
             "is in `src/clues/clue_effects.c`. A clue comes in from the public page, from staff or from above "
             "(imported) in `received`; the office sorts it (分拣) and sends it for verification (线索核查) to a "
             "unit, merges it into a clue of the same place and problem, converts it into a supervision item or "
             "an inspection (a draft of kind 线索核查, opened on its basis like any other: a proposal the principal "
             "leader approves, a decision or an instruction), or closes it with a reason and a reply the reporter "
             "reads on the tracking page. The verifying unit sees the summary the office confirmed (the "
             "description with the reporter's name and contact and any phone number, e-mail or ID number masked; "
             "assign and the conversions are refused until the office has confirmed it), never the reporter.",
    .link = CLUE_LINK,
    .part_what = "线索核查",
    .home_what = "government whose supervision office handles the clue",
    .track_what = "verification",
    .part_key = "verification",
    .part_member = "verification_id",
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
    .effects = clue_effects,
    .read_cap = CAP_CLUE_READ,
    .table = "clues",
    .load = load,
    .phase = phase,
    .check = check,
    .rollup = rollup,
    .save = save,
    .on_action = clue_deadlines,
    .notice = notice,
    .ids = ids,
};
