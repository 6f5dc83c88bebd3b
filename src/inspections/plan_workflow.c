/*
 * plan_workflow.c: the annual plan's workflow (年度督查计划, DOMAIN.md §6, the 2024 rules): the office
 * compiles the departments' proposals (include, reject, merge), submits the plan within the total cap
 * (or with an exception for the principal leader to approve), the principal leader approves it, and
 * the office files it with the level above (备案). The declaration for the engine and one effect per
 * action; loading and JSON are in plan.c.
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/check.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "notify/notify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const struct wf_name states[PLAN_ST__COUNT] = {
    [PLAN_ST_DRAFTING] = {"drafting", "征集编制中", "Compiling"},
    [PLAN_ST_SUBMITTED] = {"submitted", "待主要领导审批", "Awaiting approval"},
    [PLAN_ST_APPROVED] = {"approved", "已批准待备案", "Approved, to be filed"},
    [PLAN_ST_FILED] = {"filed", "已报上级备案", "Filed"},
};

static const struct wf_name actions[PLAN_ACT__COUNT] = {
    [PLAN_ACT_SUBMIT] = {"submit", "报批", "Submit"},
    [PLAN_ACT_APPROVE] = {"approve", "批准", "Approve"},
    [PLAN_ACT_RETURN] = {"return", "退回", "Return"},
    [PLAN_ACT_FILE] = {"file", "报上级备案", "File with the level above"},
    [PLAN_ACT_INCLUDE_ENTRY] = {"include_entry", "纳入计划", "Include proposal"},
    [PLAN_ACT_REJECT_ENTRY] = {"reject_entry", "不予纳入", "Reject proposal"},
    [PLAN_ACT_MERGE_ENTRY] = {"merge_entry", "合并建议", "Merge proposals"},
    [PLAN_ACT_COMMENT] = {"comment", "备注", "Comment"},
};

static const struct wf_field fields[] = {
    {"reason", true, "需要填写理由（reason）"},
    {"entry_id", false, "需要指明哪一项建议（entry_id）"},
    {"into_id", false, "需要指明并入哪一项建议（into_id）"},
    {"text", true, "需要填写内容（text）"},
};

static const struct wf_cond conds[PLAN_COND__COUNT] = {
    [PLAN_COND_PENDING_ENTRY] = {"pending_entry", "该计划没有待处理的部门督查建议"},
    [PLAN_COND_NO_PENDING_ENTRY] = {"no_pending_entry",
                                    "还有部门督查建议未处理（纳入、不予纳入或合并），请处理后再报批"},
};

/* clang-format off */
#define T(from, act, to, cap, role, fl, cond, rec) \
    {PLAN_ST_##from, PLAN_ACT_##act, to, WF_OBJECT, cap, role, fl, cond, 0, 0, rec}
#define S(x) PLAN_ST_##x
#define ANY WF_ANY_ROLE
#define ENTRY(act, fl, rec) T(DRAFTING, act, WF_SAME, CAP_INSP_MANAGE, ANY, fl, PLAN_COND_PENDING_ENTRY, rec)

static const struct wf_row rows[] = {
    /* the office compiles the departments' proposals */
    ENTRY(INCLUDE_ENTRY, PLAN_F_ENTRY, "the proposal joins the plan (the comprehensive-once rule checked; an exception with its reason)"),
    ENTRY(REJECT_ENTRY, PLAN_F_ENTRY | PLAN_F_REASON, "the proposal is not taken, with the reason the department hears"),
    ENTRY(MERGE_ENTRY, PLAN_F_ENTRY | PLAN_F_INTO, "the proposal is merged into a like one (targets, organisers and window united)"),
    T(DRAFTING, SUBMIT, S(SUBMITTED), CAP_INSP_MANAGE, ANY, 0, PLAN_COND_NO_PENDING_ENTRY, "the total checked against last year's × the cap factor; an exception with its reason"),
    /* the principal leader decides */
    T(SUBMITTED, APPROVE, S(APPROVED), CAP_INSP_APPROVE, ANY, 0, 0, "approval; the exceptions asked for are approved and recorded"),
    T(SUBMITTED, RETURN, S(DRAFTING), CAP_INSP_APPROVE, ANY, PLAN_F_REASON, 0, "reasons; the exceptions asked for are refused"),
    /* filing with the level above (审批报备) */
    T(APPROVED, FILE, S(FILED), CAP_INSP_MANAGE, ANY, 0, 0, "filed with the government above (its office sees it)"),
    T(DRAFTING, COMMENT, WF_SAME, CAP_INSP_READ, ANY, PLAN_F_TEXT, 0, "comment"),
    T(SUBMITTED, COMMENT, WF_SAME, CAP_INSP_READ, ANY, PLAN_F_TEXT, 0, "comment"),
    T(APPROVED, COMMENT, WF_SAME, CAP_INSP_READ, ANY, PLAN_F_TEXT, 0, "comment"),
    T(FILED, COMMENT, WF_SAME, CAP_INSP_READ, ANY, PLAN_F_TEXT, 0, "comment"),
};

#define HOME(role) {role, WF_AT_HOME, 0, false}
#define OBJW(st, task, label, en, act, who) {-1, PLAN_ST_##st, 0, task, label, PLAN_ACT_##act, {who}, 1, en}

static const struct wf_wait waits[] = {
    OBJW(DRAFTING, "compile", "年度督查计划征集编制中，待报批", "Compile and submit the plan", SUBMIT, HOME(ROLE_OFFICE)),
    OBJW(SUBMITTED, "approve", "年度督查计划待审批", "Approve the plan", APPROVE, HOME(ROLE_PRINCIPAL)),
    OBJW(APPROVED, "file", "年度督查计划待报上级备案", "File the plan", FILE, HOME(ROLE_OFFICE)),
    {PLAN_PART_ENTRY, 0, 0, "decide_entry", "部门督查建议待处理", PLAN_ACT_INCLUDE_ENTRY, {HOME(ROLE_OFFICE)}, 1, "Decide on the proposal"},
};
/* clang-format on */
#undef T
#undef S
#undef ANY
#undef ENTRY

static const struct wf_name side_states[] = {{"pending", "待处理", "Pending"}};
static const struct wf_partdef partdefs[PLAN_PART__COUNT] = {
    [PLAN_PART_NONE] = {"none", "（无）", "(none)", NULL, 0},
    [PLAN_PART_ENTRY] = {"entry", "部门督查建议", "Department proposal", side_states, 1},
};

/* ---- hooks ---- */

static enum err load(struct ctx *c, int64_t id, bool waits_too, struct wf_obj **out)
{
    struct plan *p = arena_alloc(c->arena, sizeof *p);
    enum err e = plan_load(c, id, p);
    if (!e && waits_too)
        e = plan_load_waits(c, p);
    *out = &p->wf;
    return e;
}

static int64_t pending(struct ctx *c, struct plan *p)
{
    if (p->npending < 0) {
        p->npending = 0;
        db_one_int(c->db, &p->npending, "SELECT COUNT(*) FROM insp_entries WHERE plan_id = ? AND state = 'proposed'",
                   DB_INT(p->id));
    }
    return p->npending;
}

static bool cond(struct ctx *c, struct wf_obj *o, int k)
{
    struct plan *p = plan_of(o);
    switch ((enum plan_cond)k) {
    case PLAN_COND_PENDING_ENTRY:
        return pending(c, p) > 0;
    case PLAN_COND_NO_PENDING_ENTRY:
        return pending(c, p) == 0;
    case PLAN_COND__COUNT:
        break;
    }
    return ALWAYS(0);
}

/* The entry the body names must be a proposal of this plan still waiting (and into_id a live one). */
static enum err check(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct plan *p = plan_of(a->obj);
    /* without any proposal waiting, the row's condition refuses it (409) */
    if (!(a->row->fields & PLAN_F_ENTRY) || !pending(c, p))
        return ERR_OK;
    struct entry e;
    int64_t id = jv_int(a->body, "entry_id", 0);
    if (entry_load(c, id, &e, NULL) || e.plan_id != p->id)
        return ctx_fail(c, ERR_INVALID, "该计划没有编号为 %" PRId64 " 的督查建议（entry_id）", id);
    if (strcmp(e.state, "proposed"))
        return ctx_fail(c, ERR_CONFLICT, "该督查建议已处理（当前状态：%s）", e.state);
    if (a->row->fields & PLAN_F_INTO) {
        struct entry into;
        int64_t iid = jv_int(a->body, "into_id", 0);
        if (iid == id || entry_load(c, iid, &into, NULL) || into.plan_id != p->id ||
            (strcmp(into.state, "proposed") && strcmp(into.state, "included")))
            return ctx_fail(c, ERR_INVALID, "并入的督查建议（into_id）应为本计划中另一项未处理或已纳入的建议");
    }
    return ERR_OK;
}

static enum err save(struct wf_act *a)
{
    return insp_save_state(a, "insp_plans", "plan", plan_of(a->obj)->version);
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    *n = 0;
    struct stmt *st = db_query(c->db, "SELECT id FROM insp_plans WHERE id > ? AND state <> 'filed' ORDER BY id LIMIT ?",
                               DB_INT(after), DB_INT(limit));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取年度督查计划");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < limit)
        out[(*n)++] = stmt_int(st, 0);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取年度督查计划") : ERR_OK;
}

/* ---- effects ---- */

/* Tells the proposing department's head what became of its proposal (a message about the entry). */
static enum err tell_department(struct wf_act *a, const struct entry *e, const char *what)
{
    struct plan *p = plan_of(a->obj);
    /* the entry has no page of its own: the message opens its plan */
    struct notice n = {.kind = MSG_NOTICE,
                       .object_type = "insp_entry",
                       .object_id = e->id,
                       .link = arena_printf(a->c->arena, plan_workflow.link, (long long)p->id)};
    n.subject = arena_printf(a->c->arena, "【督查建议】《%s》%s", utf8_inner_title(a->c->arena, e->subject), what);
    n.body = arena_printf(a->c->arena, "%s %" PRId64 "年度督查计划：您单位提出的督查建议《%s》%s。%s", p->office_name,
                          p->year, utf8_inner_title(a->c->arena, e->subject), what,
                          jv_str(a->body, "reason") ? jv_str(a->body, "reason") : "");
    return notify_role_at(a->c, e->organiser_unit_id, "head", &n);
}

static enum err set_entry(struct ctx *c, int64_t id, const char *state, const char *note, const char *exception)
{
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_exec(c->db,
                         "UPDATE insp_entries SET state = ?, decision_note = ?, exception_reason = COALESCE(?, "
                         "exception_reason), updated_at = ? WHERE id = ?",
                         DB_TEXT(state), DB_TEXT(note ? note : ""), DB_TEXT(exception), DB_TEXT(at), DB_INT(id));
    return ctx_db_fail(c, e, "处理督查建议");
}

/* The organiser and the co-organisers (",12,45,") of an entry, at most max; returns how many. */
static int entry_organisers(const struct entry *en, int64_t *out, int max)
{
    int n = 0;
    out[n++] = en->organiser_unit_id;
    for (const char *s = en->co_organisers; s && *s && n < max;) {
        while (*s == ',')
            s++;
        if (!*s)
            break;
        char *end;
        out[n++] = strtoll(s, &end, 10);
        s = end;
    }
    return n;
}

/* include_entry: the comprehensive-once rule and the per-unit cap now (the total waits for submit). */
static enum err include_entry(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct plan *p = plan_of(a->obj);
    struct entry en;
    enum err e = entry_load(c, jv_int(a->body, "entry_id", 0), &en, NULL);
    if (e)
        return e;
    int64_t orgs[52];
    struct caps_check k = {.office_unit_id = p->office_unit_id,
                           .year = (int)p->year,
                           .rules = CAPS_COMPREHENSIVE | CAPS_UNIT,
                           .kind = en.kind,
                           .organisers = orgs,
                           .norganisers = entry_organisers(&en, orgs, 52),
                           .targets = en.targets,
                           .ntargets = en.ntargets,
                           .object_type = "entry",
                           .object_id = en.id,
                           .reason = jv_str(a->body, "exception_reason")};
    if ((e = insp_caps_check(c, &k)))
        return e;
    json_object_set_new(a->data, "entry", json_pack("{sI ss}", "id", (json_int_t)en.id, "subject", en.subject));
    if ((e = set_entry(c, en.id, "included", jv_str(a->body, "reason"), jv_str(a->body, "exception_reason"))))
        return e;
    return tell_department(a, &en, "已纳入年度督查计划");
}

static enum err reject_entry(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct entry en;
    enum err e = entry_load(c, jv_int(a->body, "entry_id", 0), &en, NULL);
    if (e || (e = set_entry(c, en.id, "rejected", jv_str(a->body, "reason"), NULL)) ||
        (e = insp_dup_index(c, "entry", en.id, NULL, 0, NULL, NULL)))
        return e;
    json_object_set_new(a->data, "entry", json_pack("{sI ss}", "id", (json_int_t)en.id, "subject", en.subject));
    return tell_department(a, &en, "未纳入年度督查计划");
}

/* merge_entry: the proposal folds into a like one, which keeps both origins: the targets, the
 * organisers (the merged one's become co-organisers) and the united window. */
static enum err merge_entry(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct entry en, into;
    enum err e;
    if ((e = entry_load(c, jv_int(a->body, "entry_id", 0), &en, NULL)) ||
        (e = entry_load(c, jv_int(a->body, "into_id", 0), &into, NULL)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    const char *co = into.co_organisers;
    const char *add = arena_printf(c->arena, ",%" PRId64 ",", en.organiser_unit_id);
    if (en.organiser_unit_id != into.organiser_unit_id && !strstr(co, add))
        co = arena_printf(c->arena, "%s%" PRId64 ",", co, en.organiser_unit_id);
    for (const char *s = en.co_organisers; s && *s;) {
        while (*s == ',')
            s++;
        if (!*s)
            break;
        int64_t u = strtoll(s, (char **)&s, 10);
        if (u != into.organiser_unit_id && !strstr(co, arena_printf(c->arena, ",%" PRId64 ",", u)))
            co = arena_printf(c->arena, "%s%" PRId64 ",", co, u);
    }
    const char *start = strcmp(en.start_date, into.start_date) < 0 ? en.start_date : into.start_date;
    const char *end = strcmp(en.end_date, into.end_date) > 0 ? en.end_date : into.end_date;
    const char *matters = arena_printf(c->arena, "%s%s（合并自“%s”：%s）", into.matters, *into.matters ? "\n" : "",
                                       en.subject, en.matters);
    e = db_exec(c->db,
                "UPDATE insp_entries SET co_organisers = ?, start_date = ?, end_date = ?, matters = ?, updated_at = ? "
                "WHERE id = ?",
                DB_TEXT(co), DB_TEXT(start), DB_TEXT(end), DB_TEXT(matters), DB_TEXT(at), DB_INT(into.id));
    if (!e)
        e = db_exec(c->db,
                    "INSERT INTO insp_entry_targets (entry_id, unit_id, unit_path) SELECT CAST(? AS BIGINT), "
                    "t.unit_id, t.unit_path "
                    "FROM insp_entry_targets t WHERE t.entry_id = ? AND NOT EXISTS (SELECT 1 FROM insp_entry_targets x "
                    "WHERE x.entry_id = ? AND x.unit_id = t.unit_id)",
                    DB_INT(into.id), DB_INT(en.id), DB_INT(into.id));
    if (!e)
        e = db_exec(c->db, "UPDATE insp_entries SET state = 'merged', merged_into = ?, updated_at = ? WHERE id = ?",
                    DB_INT(into.id), DB_TEXT(at), DB_INT(en.id));
    if (e)
        return ctx_db_fail(c, e, "合并督查建议");
    struct entry merged;
    if ((e = entry_load(c, into.id, &merged, NULL)) || (e = insp_dup_index(c, "entry", en.id, NULL, 0, NULL, NULL)) ||
        (e = insp_dup_index(c, "entry", into.id, merged.targets, merged.ntargets, merged.start_date, merged.end_date)))
        return e;
    json_object_set_new(a->data, "entry",
                        json_pack("{sI ss sI ss}", "id", (json_int_t)en.id, "subject", en.subject, "into_id",
                                  (json_int_t)into.id, "into_subject", into.subject));
    return tell_department(a, &en, arena_printf(c->arena, "已与《%s》合并", utf8_inner_title(c->arena, into.subject)));
}

/* submit: the year's total within last year's × the factor, or an exception for the leader. */
static enum err submit(struct wf_act *a)
{
    struct plan *p = plan_of(a->obj);
    struct caps_check k = {.office_unit_id = p->office_unit_id,
                           .year = (int)p->year,
                           .rules = CAPS_TOTAL,
                           .object_type = "plan",
                           .object_id = p->id,
                           .reason = jv_str(a->body, "exception_reason")};
    return insp_caps_check(a->c, &k);
}

/* The exceptions of the plan and of its included entries, decided with it. */
static enum err decide_exceptions(struct ctx *c, struct plan *p, bool approve)
{
    enum err e = insp_exceptions_decide(c, "plan", p->id, approve);
    struct stmt *st =
        e ? NULL
          : db_query(c->db, "SELECT id FROM insp_entries WHERE plan_id = ? AND state = 'included'", DB_INT(p->id));
    int64_t ids[512];
    int n = 0;
    while (st && stmt_step(st) == STORE_ROW && n < 512)
        ids[n++] = stmt_int(st, 0);
    if (st)
        stmt_done(st);
    for (int i = 0; i < n && !e; i++)
        e = insp_exceptions_decide(c, "entry", ids[i], approve);
    return e;
}

static enum err approve(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct plan *p = plan_of(a->obj);
    char at[21];
    time_format_iso(c->now, at);
    enum err e = decide_exceptions(c, p, true);
    if (!e)
        e = ctx_db_fail(c,
                        db_exec(c->db, "UPDATE insp_plans SET approved_by = ?, approved_at = ? WHERE id = ?",
                                DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_INT(p->id)),
                        "批准年度督查计划");
    return e;
}

static enum err return_plan(struct wf_act *a)
{
    return decide_exceptions(a->c, plan_of(a->obj), false);
}

/* file: with the government above (its office reads the plan in its scope); a top government keeps it. */
static enum err file(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct plan *p = plan_of(a->obj);
    char at[21];
    time_format_iso(c->now, at);
    struct insp_unit up = {0};
    const char *parent = NULL;
    db_one_text(c->db, c->arena, &parent,
                "SELECT pu.path FROM units u JOIN units pu ON pu.id = u.parent_id WHERE u.id = ?",
                DB_INT(p->office_unit_id));
    if (parent && insp_government_of(c, parent, &up))
        up.id = 0;
    c->err = ERR_OK;
    if (up.id)
        json_object_set_new(a->data, "filed_to", json_pack("{sI ss}", "id", (json_int_t)up.id, "name", up.name));
    enum err e = db_exec(c->db, "UPDATE insp_plans SET filed_at = ?, filed_to = ? WHERE id = ?", DB_TEXT(at),
                         DB_INT_IF(up.id, up.id), DB_INT(p->id));
    return ctx_db_fail(c, e, "备案");
}

const struct wf_effect plan_effects[PLAN_ACT__COUNT] = {
    [PLAN_ACT_SUBMIT] = {submit, NULL},
    [PLAN_ACT_APPROVE] = {approve, NULL},
    [PLAN_ACT_RETURN] = {return_plan, NULL},
    [PLAN_ACT_FILE] = {file, NULL},
    [PLAN_ACT_INCLUDE_ENTRY] = {include_entry, NULL},
    [PLAN_ACT_REJECT_ENTRY] = {reject_entry, NULL},
    [PLAN_ACT_MERGE_ENTRY] = {merge_entry, NULL},
};

#define N(a) ((int)(sizeof(a) / sizeof *(a)))

const struct workflow plan_workflow = {
    .name = "plan",
    .what = PLAN_WHAT,
    .title = "Annual inspection plans (年度督查计划)",
    .intro = "The states, actions and transition table of `src/inspections/plan_workflow.c` (effects in the same "
             "file). Departments propose inspections for the year (`POST /api/v1/plans/{id}/entries`); the office "
             "includes, rejects or merges each proposal, submits the plan within the total cap (last year's total × "
             "the cap factor, 0.5 by default) or with an exception, the principal leader approves it, and the office "
             "files it with the government above.",
    .link = "/inspections/plans/%lld",
    .part_what = "督查建议",
    .home_what = "government whose office compiles the plan",
    .track_what = "none",
    .part_key = "entry",
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
    .informs = NULL,
    .ninforms = 0,
    .partdefs = partdefs,
    .npartdefs = N(partdefs),
    .effects = plan_effects,
    .read_cap = CAP_INSP_READ,
    .table = "insp_plans",
    .load = load,
    .cond = cond,
    .phase = NULL,
    .check = check,
    .rollup = NULL,
    .save = save,
    .on_action = NULL,
    .ids = ids,
};
