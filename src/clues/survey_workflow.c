/*
 * survey_workflow.c: the declaration of the surveys' workflow for the engine (src/workflow): the office
 * drafts a questionnaire, opens it (the public link answers; the questions are frozen) and closes it (the
 * results are final). A survey past its closing day takes no answers even while open. The hooks read and
 * write a survey for the engine; the effects stamp the moments.
 */
#include "clues/surveys_internal.h"

#include "base/check.h"
#include "base/utf8.h"
#include "core/claim.h"

#include <inttypes.h>
#include <string.h>

static const struct wf_name states[SURVEY_ST__COUNT] = {
    [SURVEY_ST_DRAFT] = {"draft", "草稿", "Draft"},
    [SURVEY_ST_OPEN] = {"open", "收集中", "Open"},
    [SURVEY_ST_CLOSED] = {"closed", "已结束", "Closed"},
};

static const struct wf_name actions[SURVEY_ACT__COUNT] = {
    [SURVEY_ACT_OPEN] = {"open", "发布", "Open"},
    [SURVEY_ACT_CLOSE] = {"close", "结束收集", "Close"},
};

static const struct wf_cond conds[] = {{NULL, NULL}};

/* clang-format off */
#define T(from, act, to, rec) {SURVEY_ST_##from, SURVEY_ACT_##act, SURVEY_ST_##to, WF_OBJECT, CAP_SURVEY_MANAGE, WF_ANY_ROLE, 0, 0, 0, 0, rec}

/* Read a row as: in state FROM, ACTION by someone holding CAP_SURVEY_MANAGE at the survey's government
 * leads to TO. */
static const struct wf_row rows[] = {
    T(DRAFT, OPEN, OPEN, "opened_at; the public link answers until the closing day; the questions are frozen"),
    T(OPEN, CLOSE, CLOSED, "closed_at; no more answers, the results are final (the scheduler takes it, as the "
                           "system, once the closing day has ended, and tells the drafter)"),
};

#define HOME(role) {role, WF_AT_HOME, 0, false}

/* The office that drafted it opens it. */
static const struct wf_wait waits[] = {
    {-1, SURVEY_ST_DRAFT, 0, "open", "问卷待发布", SURVEY_ACT_OPEN, {HOME(ROLE_OFFICE)}, 1, "Open the survey"},
};
/* clang-format on */
#undef T
#undef HOME

const char *survey_state_name(int s)
{
    return s >= 0 && s < SURVEY_ST__COUNT ? states[s].name : "?";
}

const char *survey_state_label(int s)
{
    return s >= 0 && s < SURVEY_ST__COUNT ? states[s].label : "?";
}

int survey_state_parse(const char *s)
{
    for (int i = 0; s && i < SURVEY_ST__COUNT; i++)
        if (!strcmp(s, states[i].name))
            return i;
    return -1;
}

/* ---- hooks ---- */

static enum err load(struct ctx *c, int64_t id, bool waits_too, struct wf_obj **out)
{
    (void)waits_too;
    struct survey *s = arena_alloc(c->arena, sizeof *s);
    enum err e = survey_load(c, id, s);
    *out = &s->wf;
    return e;
}

static enum err save(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct survey *s = survey_of(a->obj);
    char at[21];
    time_format_iso(c->now, at);
    int64_t nv;
    enum err e =
        db_one_int(c->db, &nv,
                   "UPDATE surveys SET state = ?, updated_at = ?, opened_at = COALESCE(opened_at, ?), "
                   "closed_at = ?, version = version + 1 WHERE id = ? AND version = ? RETURNING version",
                   DB_TEXT(survey_state_name(a->to)), DB_TEXT(at), DB_TEXT(a->to == SURVEY_ST_OPEN ? at : NULL),
                   DB_TEXT(a->to == SURVEY_ST_CLOSED ? at : NULL), DB_INT(s->wf.id), DB_INT(s->wf.version));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "问卷已被他人同时处理，请刷新后重试");
    if (e)
        return ctx_db_fail(c, e, "更新问卷");
    return survey_event(c, s->wf.id, wf_action_name(a->wf, a->action), a->from, a->to, a->data);
}

/* open: a questionnaire goes public only with questions and a closing day not yet past. */
static enum err open_before(struct wf_act *a)
{
    struct survey *s = survey_of(a->obj);
    char today[11];
    clue_today(a->c, today);
    if (s->nquestions < 1)
        return ctx_fail_field(a->c, "questions", "问卷还没有题目，请先添加题目（questions）再发布");
    if (strcmp(s->closes_on, today) < 0)
        return ctx_fail_field(a->c, "closes_on", "截止日期（closes_on）%s 已过，请先修改截止日期再发布", s->closes_on);
    a->outcome = arena_printf(a->c->arena, "问卷已发布，%s 截止", s->closes_on);
    return ERR_OK;
}

/* close: by the scheduler (no user) once the closing day has ended — its drafter hears of it (the office
 * closing it by hand needs no message). */
static enum err close_after(struct wf_act *a)
{
    struct ctx *c = a->c;
    struct survey *s = survey_of(a->obj);
    if (c->user)
        return ERR_OK;
    a->outcome = arena_printf(c->arena, "问卷已于 %s 截止，系统自动结束收集", s->closes_on);
    struct notice n = {.kind = MSG_SYSTEM,
                       .subject = arena_printf(c->arena, "【问卷已截止】%s", s->wf.title),
                       .body = arena_printf(c->arena,
                                            "问卷《%s》已于截止日期 %s 结束收集，共收到 %d 份答卷。"
                                            "系统已自动结束收集，结果已定稿，可查看结果或导出。",
                                            utf8_inner_title(c->arena, s->wf.title), s->closes_on, s->responses),
                       .object_type = SURVEY_KIND,
                       .object_id = s->wf.id,
                       .link = arena_printf(c->arena, survey_workflow.link, (long long)s->wf.id)};
    if (s->created_by)
        return notify_user(c, s->created_by, &n);
    return notify_role_at(c, s->office_unit_id, "office", &n);
}

static const struct wf_effect effects[SURVEY_ACT__COUNT] = {
    [SURVEY_ACT_OPEN] = {open_before, NULL},
    [SURVEY_ACT_CLOSE] = {NULL, close_after},
};

/* ---- the scheduler: surveys past their closing day are closed ---- */

struct close_args {
    int64_t id;
    bool closed;
};

static enum err close_tx(struct ctx *c, void *arg)
{
    struct close_args *x = arg;
    bool won = false;
    /* once across nodes and passes: the claim commits with the close (a loser waits, then skips) */
    enum err e = claim_once(c, arena_printf(c->arena, "survey_close:%" PRId64, x->id), &won);
    if (e || !won)
        return e;
    /* the system's record is read where the survey's own are: its office's subtree */
    const char *office_path = NULL;
    if ((e = ctx_db_fail(
             c,
             db_one_text(c->db, c->arena, &office_path, "SELECT office_path FROM surveys WHERE id = ?", DB_INT(x->id)),
             "读取问卷")))
        return e;
    const char *scope = c->audit_scope;
    c->audit_scope = office_path;
    json_t *body = json_pack("{ss}", "reason", "已到截止日期");
    e = workflow_act(c, &survey_workflow, x->id, SURVEY_ACT_CLOSE, body, NULL);
    json_decref(body);
    c->audit_scope = scope;
    x->closed = !e;
    return e;
}

enum err surveys_sched(struct ctx *c, int limit, int *closed)
{
    *closed = 0;
    char today[11];
    clue_today(c, today);
    struct stmt *st = db_query(c->db,
                               "SELECT id FROM surveys WHERE state = 'open' AND closes_on < ? ORDER BY closes_on, id "
                               "LIMIT ?",
                               DB_TEXT(today), DB_INT(limit));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取到期问卷");
    int64_t *ids = arena_alloc(c->arena, sizeof *ids * (size_t)(limit + 1));
    int n = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && n < limit)
        ids[n++] = stmt_int(st, 0);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取到期问卷");
    for (int i = 0; i < n; i++) {
        struct close_args x = {ids[i], false};
        enum err e = ctx_tx(c, "结束到期问卷", close_tx, &x);
        if (e == ERR_CONFLICT) /* another node closed it between the read and the claim: nothing to do */
            continue;
        if (e)
            return e;
        *closed += x.closed;
    }
    return ERR_OK;
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    *n = 0;
    struct stmt *st = db_query(c->db, "SELECT id FROM surveys WHERE id > ? AND state = 'draft' ORDER BY id LIMIT ?",
                               DB_INT(after), DB_INT(limit));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取问卷");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < limit)
        out[(*n)++] = stmt_int(st, 0);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取问卷") : ERR_OK;
}

#define N(a) ((int)(sizeof(a) / sizeof *(a)))

const struct workflow survey_workflow = {
    .name = SURVEY_KIND,
    .what = SURVEY_WHAT,
    .title = "Surveys (民意调查 / 问卷)",
    .intro = "The states, actions and transition table of `src/clues/survey_workflow.c`. The office of a "
             "government drafts a questionnaire, opens it on its public link and closes it; answers are taken "
             "while it is open and not past its closing day (`closes_on`), one per invitation token or device. "
             "A satisfaction survey attached to a rectification task is quoted in the task's verification.",
    .link = "/surveys/%lld",
    .part_what = "",
    .home_what = "government whose office runs it",
    .track_what = "none",
    .person_what = {NULL, NULL},
    .part_key = "part",
    .part_member = NULL,
    .table = "surveys",
    .states = states,
    .nstates = N(states),
    .actions = actions,
    .nactions = N(actions),
    .rows = rows,
    .nrows = N(rows),
    .fields = NULL,
    .nfields = 0,
    .conds = conds,
    .nconds = N(conds),
    .waits = waits,
    .nwaits = N(waits),
    .informs = NULL,
    .ninforms = 0,
    .partdefs = NULL,
    .npartdefs = 0,
    .effects = effects,
    .read_cap = CAP_CLUE_READ,
    .load = load,
    .cond = NULL,
    .phase = NULL,
    .check = NULL,
    .rollup = NULL,
    .save = save,
    .on_action = NULL,
    .notice = NULL,
    .ids = ids,
};
