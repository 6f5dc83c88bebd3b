/*
 * score_objection.c: objections to an issued scorecard (考评异议). Within the period the government's rule
 * table sets for the year (objection_days working days after the issue; the last day is fixed at issue,
 * scorecards.objection_until), the head of a unit scored (item_sign at that unit) objects to one line of its
 * own card — a line counted from the data or an adjustment of the office — with a reason and the evidence it
 * names. The office gets a to-do and a message and decides on the workflow engine (the table below): upheld
 * — the line's points become what the office decides (0: removed), with the decision as the line's note, the
 * unit's total and every rank counted again — or rejected, with the reason. The unit's head and contact are
 * told. One objection per line; the audit record and the timelines (the objection's and the card's) are
 * written in the same transaction.
 *
 * Who sees an objection: readers of items at the card's government (its office and leaders) and readers at
 * the unit that objected (perm_item with the unit as its one unit path); nobody else (404).
 */
#include "results/results_internal.h"

#include "audit/audit.h"
#include "base/check.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "calendar/calendar.h"

#include <inttypes.h>
#include <string.h>

const struct res_table objection_table = {&objection_workflow, "score_objections", "score_objection_events",
                                          "objection_id"};

static const struct wf_name states[OBJ_ST__COUNT] = {
    [OBJ_ST_PENDING] = {"pending", "待督查室处理", "Awaiting the office's decision"},
    [OBJ_ST_UPHELD] = {"upheld", "异议成立", "Upheld"},
    [OBJ_ST_REJECTED] = {"rejected", "异议不成立", "Rejected"},
};

static const struct wf_name actions[OBJ_ACT__COUNT] = {
    [OBJ_ACT_UPHOLD] = {"uphold", "异议成立", "Uphold"},
    [OBJ_ACT_REJECT] = {"reject", "异议不成立", "Reject"},
};

static const struct wf_field fields[] = {{"reason", true, "需要填写处理意见（reason）"}};
static const struct wf_cond conds[1] = {{NULL, NULL}};

/* clang-format off */
#define T(from, act, to, fl, rec) {OBJ_ST_##from, OBJ_ACT_##act, OBJ_ST_##to, WF_OBJECT, CAP_RESULT_DRAFT, WF_ANY_ROLE, fl, 0, 0, 0, rec}
static const struct wf_row rows[] = {
    T(PENDING, UPHOLD, UPHELD, OBJ_F_REASON, "the decision; the line's points as decided (points, default 0: removed), the total and ranks counted again"),
    T(PENDING, REJECT, REJECTED, OBJ_F_REASON, "the decision's reason; the card is unchanged"),
};
static const struct wf_wait waits[] = {
    {-1, OBJ_ST_PENDING, 0, "decide", "考评异议待处理", -1, {{ROLE_OFFICE, WF_AT_HOME, 0, false}}, 1, "Decide the objection"},
};
static const struct wf_inform informs[] = {
    {OBJ_ACT_UPHOLD, WF_INFORM_EACH_PART, {ROLE_HEAD, WF_AT_PART, 0, false}, "upheld: the line's new points, the total and rank"},
    {OBJ_ACT_UPHOLD, WF_INFORM_EACH_PART, {ROLE_CONTACT, WF_AT_PART, 0, false}, "upheld"},
    {OBJ_ACT_REJECT, WF_INFORM_EACH_PART, {ROLE_HEAD, WF_AT_PART, 0, false}, "rejected, with the reason"},
    {OBJ_ACT_REJECT, WF_INFORM_EACH_PART, {ROLE_CONTACT, WF_AT_PART, 0, false}, "rejected"},
};
/* clang-format on */
#undef T

/* ---- the period ---- */

enum err scorecard_objection_until(struct ctx *c, int days, const char **until)
{
    struct calendar cal;
    enum err e = calendar_load(c, &cal);
    if (e)
        return e;
    char *d = arena_alloc(c->arena, 11);
    cal_format_date(cal_add_workdays(&cal, time_local_day(c->now), days), d);
    *until = d;
    return ERR_OK;
}

bool scorecard_objection_open(struct ctx *c, const struct scorecard *s)
{
    char today[11];
    result_today(c, today);
    return s->state == SC_ST_ISSUED && s->objection_until && strcmp(today, s->objection_until) <= 0;
}

bool scorecard_may_object(struct ctx *c, const struct scorecard *s, const char *unit_path)
{
    return c->user && unit_path && scorecard_objection_open(c, s) && perm_at(c->user, CAP_ITEM_SIGN, unit_path);
}

json_t *scorecard_objection_brief(struct stmt *st, int i)
{
    if (stmt_is_null(st, i))
        return json_null();
    int k = 0;
    wf_state_parse(&objection_workflow, stmt_text(st, i + 1), &k);
    return json_pack("{sI ss ss}", "id", (json_int_t)stmt_int(st, i), "state", stmt_text(st, i + 1), "state_label",
                     wf_state_label(&objection_workflow, k));
}

/* ---- loading ---- */

#define OBJ_COLS                                                                                                       \
    "o.id, o.scorecard_id, o.unit_id, o.unit_path, u.name, u.code, o.home_path, o.line_id, o.adjustment_id, o.what, "  \
    "o.points_before, o.points_after, o.reason, o.evidence, o.decision, o.state, o.created_at, o.updated_at, "         \
    "o.decided_at, o.version, s.title, s.year, s.home_unit_id, cb.name, db.name"

enum err objection_load(struct ctx *c, int64_t id, struct objection *o)
{
    memset(o, 0, sizeof *o);
    struct stmt *st = db_query(c->db,
                               "SELECT " OBJ_COLS " FROM score_objections o JOIN units u ON u.id = o.unit_id "
                               "JOIN scorecards s ON s.id = o.scorecard_id "
                               "LEFT JOIN users cb ON cb.id = o.created_by LEFT JOIN users db ON db.id = o.decided_by "
                               "WHERE o.id = ?",
                               DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取考评异议");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        o->id = stmt_int(st, 0);
        o->scorecard_id = stmt_int(st, 1);
        o->unit_id = stmt_int(st, 2);
        o->unit_path = res_col(c, st, 3);
        o->unit_name = res_col(c, st, 4);
        o->unit_code = res_col(c, st, 5);
        o->home_path = res_col(c, st, 6);
        o->line_id = stmt_is_null(st, 7) ? 0 : stmt_int(st, 7);
        o->adjustment_id = stmt_is_null(st, 8) ? 0 : stmt_int(st, 8);
        o->what = res_col(c, st, 9);
        o->points_before = stmt_int(st, 10);
        o->has_after = !stmt_is_null(st, 11);
        o->points_after = o->has_after ? stmt_int(st, 11) : 0;
        o->reason = res_col(c, st, 12);
        o->evidence = res_col(c, st, 13);
        o->decision = res_col(c, st, 14);
        int k = 0;
        wf_state_parse(&objection_workflow, stmt_text(st, 15), &k);
        o->state = (enum objection_state)k;
        o->created_at = res_col(c, st, 16);
        o->updated_at = res_col(c, st, 17);
        o->decided_at = res_col(c, st, 18);
        o->version = stmt_int(st, 19);
        o->card_title = res_col(c, st, 20);
        o->card_year = (int)stmt_int(st, 21);
        o->wf.home_unit_id = stmt_int(st, 22);
        o->created_by_name = res_col(c, st, 23);
        o->decided_by_name = res_col(c, st, 24);
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", OBJECTION_WHAT);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取考评异议");
    struct wf_obj *w = &o->wf;
    w->id = o->id;
    w->version = o->version;
    w->state = w->resume_state = (int)o->state;
    w->home_path = o->home_path;
    o->unit_paths[0] = o->unit_path;
    w->scope = (struct perm_item){o->home_path, o->unit_paths, 1, true};
    /* the unit that objected first: the office's to-dos of two units' objections to one card differ */
    w->title = arena_printf(c->arena, "%s：%s", o->unit_name, o->card_title);
    o->part = (struct wf_part){0, o->unit_id, (int)o->state, o->unit_id, o->unit_path, o->unit_name, 0};
    w->parts = &o->part;
    w->nparts = w->ntracks = 1;
    return ERR_OK;
}

static enum err load_visible(struct ctx *c, int64_t id, struct objection *o)
{
    enum err e = objection_load(c, id, o);
    if (!e && c->user && !perm_item_visible(c->user, &o->wf.scope))
        return ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", OBJECTION_WHAT);
    return e;
}

static json_t *objection_json(struct ctx *c, struct objection *o)
{
    json_t *j = json_pack("{sI sI s{sI ss ss} s{sI ss si} ss ss so so ss ss ss ss sI}", "id", (json_int_t)o->id,
                          "scorecard_id", (json_int_t)o->scorecard_id, "unit", "id", (json_int_t)o->unit_id, "code",
                          o->unit_code, "name", o->unit_name, "scorecard", "id", (json_int_t)o->scorecard_id, "title",
                          o->card_title, "year", o->card_year, "target", o->line_id ? "line" : "adjustment", "what",
                          o->what, "points_before", scorecard_tenths(o->points_before), "points_after",
                          o->has_after ? scorecard_tenths(o->points_after) : json_null(), "reason", o->reason,
                          "evidence", o->evidence, "state", wf_state_name(&objection_workflow, o->state), "state_label",
                          wf_state_label(&objection_workflow, o->state), "version", (json_int_t)o->version);
    json_object_set_new(j, "line_id", o->line_id ? json_integer(o->line_id) : json_null());
    json_object_set_new(j, "adjustment_id", o->adjustment_id ? json_integer(o->adjustment_id) : json_null());
    json_object_set_new(j, "decision", res_str(o->decision));
    json_object_set_new(j, "created_at", json_string(o->created_at));
    json_object_set_new(j, "created_by", res_str(o->created_by_name));
    json_object_set_new(j, "decided_at", res_str(o->decided_at));
    json_object_set_new(j, "decided_by", res_str(o->decided_by_name));
    json_object_set_new(j, "allowed_actions", workflow_allowed_actions(c, &objection_workflow, &o->wf, -1));
    return j;
}

enum err objections_get(struct ctx *c, int64_t id, json_t **out)
{
    struct objection o;
    enum err e = load_visible(c, id, &o);
    if (!e)
        *out = objection_json(c, &o);
    return e;
}

enum err objections_events(struct ctx *c, int64_t id, json_t **out)
{
    struct objection o;
    enum err e = load_visible(c, id, &o);
    return e ? e : res_events(c, &objection_table, id, out);
}

enum err objections_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out)
{
    struct objection o;
    enum err e = load_visible(c, id, &o);
    if (!e) /* the unit reads its objection; deciding it is the government's */
        e = res_act(c, &objection_workflow, id, action, body, o.home_path);
    return e ? e : objections_get(c, id, out);
}

/* The objections the user may see, newest first: those of cards of a government where the user reads items,
 * and those of the units the user reads. Filters: state, scorecard. */
enum err objections_list(struct ctx *c, const char *state, int64_t scorecard_id, int page, int per_page, json_t **out)
{
    int k;
    if (state && *state && !wf_state_parse(&objection_workflow, state, &k))
        return ctx_fail_field(c, "state", "状态（state）应为 pending、upheld 或 rejected");
    struct res_binds bd = {0};
    const char *w = "";
    int ns;
    const char **scope = perm_scope_cap(c, CAP_ITEM_READ, &ns);
    for (int i = 0; i < ns; i++) {
        w = arena_printf(c->arena,
                         "%s%s(o.home_path >= ? AND o.home_path < ?) OR (o.unit_path >= ? AND "
                         "o.unit_path < ?)",
                         w, *w ? " OR " : "");
        for (int j = 0; j < 2; j++) {
            res_bind_add(c, &bd, DB_TEXT(scope[i]));
            res_bind_add(c, &bd, DB_TEXT(perm_path_upper(c->arena, scope[i])));
        }
    }
    const char *where = *w ? arena_printf(c->arena, "(%s)", w) : "1 = 0";
    if (state && *state) {
        where = arena_printf(c->arena, "%s AND o.state = ?", where);
        res_bind_add(c, &bd, DB_TEXT(state));
    }
    if (scorecard_id) {
        where = arena_printf(c->arena, "%s AND o.scorecard_id = ?", where);
        res_bind_add(c, &bd, DB_INT(scorecard_id));
    }
    int64_t total = 0, *ids;
    int n;
    enum err e = res_page_ids(c, "score_objections o", "o.id", where, &bd, page, per_page, &total, &ids, &n);
    if (e)
        return e;
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        struct objection o;
        e = objection_load(c, ids[i], &o);
        if (e) {
            json_decref(arr);
            return e;
        }
        json_array_append_new(arr, objection_json(c, &o));
    }
    *out =
        json_pack("{so sI si si}", "objections", arr, "total", (json_int_t)total, "page", page, "per_page", per_page);
    return ERR_OK;
}

/* ---- raising one ---- */

const struct jv_field objections_create_spec[] = {
    {"line_id", JV_INT, 0, 1, INT64_MAX, "得分明细"},
    {"adjustment_id", JV_INT, 0, 1, INT64_MAX, "调整记录"},
    {"reason", JV_STRING, JV_REQUIRED, 1, 2000, "异议理由"},
    {"evidence", JV_STRING, 0, 0, 4000, "证明材料"},
    {NULL, 0, 0, 0, 0, NULL},
};

struct create_args {
    int64_t card, id;
    const json_t *body;
};

/* A refusal about one member of the request with its own status (403/409), the member named. */
static enum err fail_member(struct ctx *c, enum err e, const char *field, const char *msg)
{
    ctx_fail(c, e, "%s", msg);
    c->field = field;
    return e;
}

static enum err create_tx(struct ctx *c, void *arg)
{
    struct create_args *a = arg;
    const json_t *b = a->body;
    struct scorecard s;
    enum err e = scorecard_load_visible(c, a->card, &s);
    if (e || (e = res_lock(c, &scorecard_table, s.id, s.version, SCORECARD_WHAT)))
        return e;
    if (s.state != SC_ST_ISSUED)
        return ctx_fail(c, ERR_CONFLICT, "考评结果尚未下发，不能提出异议（当前状态：%s）",
                        wf_state_label(&scorecard_workflow, s.state));
    bool by_line = jv_has(b, "line_id"), by_adj = jv_has(b, "adjustment_id");
    if (by_line == by_adj)
        return ctx_fail_field(c, by_line ? "adjustment_id" : "line_id",
                              "请指明对哪一项得分提出异议：得分明细（line_id）或调整记录（adjustment_id），只能选一项");
    const char *field = by_line ? "line_id" : "adjustment_id";
    int64_t target = jv_int(b, field, 0), unit = 0, points = 0;
    const char *what = NULL, *unit_path = NULL;
    struct stmt *st =
        by_line ? db_query(c->db,
                           "SELECT l.unit_id, x.unit_path, l.points, l.rule, l.ref, l.what FROM scorecard_lines l "
                           "JOIN scorecard_units x ON x.scorecard_id = l.scorecard_id AND x.unit_id = l.unit_id "
                           "WHERE l.id = ? AND l.scorecard_id = ?",
                           DB_INT(target), DB_INT(s.id))
                : db_query(c->db,
                           "SELECT a.unit_id, x.unit_path, a.points, COALESCE(a.rule, ''), '', a.reason "
                           "FROM scorecard_adjustments a JOIN scorecard_units x ON x.scorecard_id = a.scorecard_id "
                           "AND x.unit_id = a.unit_id WHERE a.id = ? AND a.scorecard_id = ?",
                           DB_INT(target), DB_INT(s.id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取得分明细");
    json_t *rules = json_loads(s.rules_text, 0, NULL);
    if (stmt_step(st) == STORE_ROW) {
        unit = stmt_int(st, 0);
        unit_path = res_col(c, st, 1);
        points = stmt_int(st, 2);
        const char *code = stmt_text(st, 3), *label = by_line ? code : "督查室调整";
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(rules, "rules"), i,
                           r) if (!strcmp(json_string_value(json_object_get(r, "code")), code)) label =
            json_string_value(json_object_get(r, "label"));
        what = arena_printf(c->arena, "%s%s%s：%s", label, *stmt_text(st, 4) ? " " : "", stmt_text(st, 4),
                            stmt_text(st, 5));
    }
    stmt_done(st);
    json_decref(rules);
    if (!unit)
        return ctx_fail_field(c, field, "%s %" PRId64 " 不在本次考评中（%s）", by_line ? "得分明细" : "调整记录",
                              target, field);
    if (!scorecard_sees_unit(c, &s, unit_path) || !perm_at(c->user, CAP_ITEM_SIGN, unit_path))
        return fail_member(c, ERR_FORBIDDEN, field,
                           arena_printf(c->arena, "只能由本单位主要负责人对本单位的得分提出异议（%s）", field));
    if (!scorecard_objection_open(c, &s))
        return fail_member(c, ERR_CONFLICT, field,
                           arena_printf(c->arena, "异议期已于 %s 截止，不能再提出异议", s.objection_until));
    int64_t other = 0;
    e = db_one_int(c->db, &other,
                   by_line ? "SELECT id FROM score_objections WHERE line_id = ?"
                           : "SELECT id FROM score_objections WHERE adjustment_id = ?",
                   DB_INT(target));
    if (!e)
        return fail_member(
            c, ERR_CONFLICT, field,
            arena_printf(c->arena, "该项得分已提出过异议（第 %" PRId64 " 号），不能重复提出（%s）", other, field));
    if (e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "提出异议");
    const char *reason = jv_str(b, "reason"), *evidence = jv_str(b, "evidence");
    if (res_blank(reason))
        return ctx_fail_field(c, "reason", "需要填写异议理由（reason）");
    char at[21];
    time_format_iso(c->now, at);
    e = db_one_int(c->db, &a->id,
                   "INSERT INTO score_objections (scorecard_id, unit_id, unit_path, home_path, line_id, adjustment_id, "
                   "what, points_before, reason, evidence, state, created_by, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING id",
                   DB_INT(s.id), DB_INT(unit), DB_TEXT(unit_path), DB_TEXT(s.home_path), DB_INT_IF(by_line, target),
                   DB_INT_IF(by_adj, target), DB_TEXT(what), DB_INT(points), DB_TEXT(reason),
                   DB_TEXT(evidence ? evidence : ""), DB_INT(c->user->id), DB_TEXT(at), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "提出异议");
    json_t *data = json_pack("{sI ss sI ss}", "scorecard_id", (json_int_t)s.id, "target", field, "target_id",
                             (json_int_t)target, "what", what);
    e = res_event(c, &objection_table, a->id, "create", -1, OBJ_ST_PENDING, reason, data);
    if (!e) {
        json_object_set_new(data, "objection_id", json_integer(a->id));
        e = res_event(c, &scorecard_table, s.id, "objection", -1, -1, reason, data);
    }
    if (!e) {
        json_t *sum = json_pack("{sO ss}", "objection", data, "reason", reason);
        e = audit_record(c, "objection.create", "objection", a->id, sum);
        json_decref(sum);
    }
    json_decref(data);
    if (e || (e = workflow_todos_sync_new(c, &objection_workflow, a->id)))
        return e;
    /* the office hears of it at once: the to-do above is its work */
    struct objection o;
    if ((e = objection_load(c, a->id, &o)))
        return e;
    const struct notice n = {
        MSG_TODO,
        false,
        arena_printf(c->arena, "【考评异议】%s对《%s》提出异议", o.unit_name, utf8_inner_title(c->arena, s.title)),
        arena_printf(c->arena,
                     "%s对《%s》中的「%s」（%.1f 分）提出异议。理由：%s。请在系统中处理（异议成立或不成立）。",
                     o.unit_name, utf8_inner_title(c->arena, s.title), what, (double)points / 10, reason),
        objection_workflow.name,
        a->id,
        arena_printf(c->arena, objection_workflow.link, (long long)a->id),
    };
    return workflow_tell(c, &o.wf, NULL, &waits[0].who[0], &n);
}

enum err objections_create(struct ctx *c, int64_t card, const json_t *body, json_t **out)
{
    struct create_args a = {card, 0, body};
    enum err e = ctx_tx(c, "提出异议", create_tx, &a);
    return e ? e : objections_get(c, a.id, out);
}

/* ---- the decisions ---- */

static enum err record_decision(struct wf_act *a)
{
    struct ctx *c = a->c;
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_exec(c->db, "UPDATE score_objections SET decision = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                         DB_TEXT(jv_str(a->body, "reason")), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at),
                         DB_INT(a->obj->id));
    return ctx_db_fail(c, e, "记录处理意见");
}

/* Upheld: the line (or adjustment) takes the decided points, with the decision as its note; the unit's
 * computed (or adjusted) score and total follow, and every rank is counted again. */
static enum err uphold(struct wf_act *a)
{
    struct ctx *c = a->c;
    const struct objection *o = objection_of(a->obj);
    int64_t after = jv_int(a->body, "points", 0) * 10, now = 0;
    if (jv_has(a->body, "points") && !json_is_integer(json_object_get(a->body, "points")))
        return ctx_fail_field(c, "points", "调整后的分值（points）应为整数");
    if (after < -1000 || after > 1000)
        return ctx_fail_field(c, "points", "调整后的分值（points）应在 -100 至 100 之间");
    enum err e = o->line_id
                     ? db_one_int(c->db, &now, "SELECT points FROM scorecard_lines WHERE id = ?", DB_INT(o->line_id))
                     : db_one_int(c->db, &now, "SELECT points FROM scorecard_adjustments WHERE id = ?",
                                  DB_INT(o->adjustment_id));
    if (e)
        return ctx_db_fail(c, e, "读取得分明细");
    if (after == now)
        return ctx_fail_field(c, "points", "异议成立时该项分值应有变化（现为 %.1f 分）；不改变分值请选择“异议不成立”",
                              (double)now / 10);
    const char *note =
        arena_printf(c->arena, "经异议复核调整（考评异议第 %" PRId64 " 号）：%s", o->id, jv_str(a->body, "reason"));
    int64_t delta = after - now, total_before = 0, rank_before = 0;
    db_one_int(c->db, &total_before, "SELECT total FROM scorecard_units WHERE scorecard_id = ? AND unit_id = ?",
               DB_INT(o->scorecard_id), DB_INT(o->unit_id));
    db_one_int(c->db, &rank_before, "SELECT rank FROM scorecard_units WHERE scorecard_id = ? AND unit_id = ?",
               DB_INT(o->scorecard_id), DB_INT(o->unit_id));
    if (o->line_id) {
        e = db_exec(c->db, "UPDATE scorecard_lines SET points = ?, note = ? WHERE id = ?", DB_INT(after), DB_TEXT(note),
                    DB_INT(o->line_id));
        if (!e)
            e = db_exec(c->db,
                        "UPDATE scorecard_units SET computed = computed + ?, total = total + ? "
                        "WHERE scorecard_id = ? AND unit_id = ?",
                        DB_INT(delta), DB_INT(delta), DB_INT(o->scorecard_id), DB_INT(o->unit_id));
    } else {
        e = db_exec(c->db, "UPDATE scorecard_adjustments SET points = ?, reason = reason || '；' || ? WHERE id = ?",
                    DB_INT(after), DB_TEXT(note), DB_INT(o->adjustment_id));
        if (!e)
            e = db_exec(c->db,
                        "UPDATE scorecard_units SET adjusted = adjusted + ?, total = total + ? "
                        "WHERE scorecard_id = ? AND unit_id = ?",
                        DB_INT(delta), DB_INT(delta), DB_INT(o->scorecard_id), DB_INT(o->unit_id));
    }
    if (!e)
        e = db_exec(c->db, "UPDATE score_objections SET points_after = ? WHERE id = ?", DB_INT(after), DB_INT(o->id));
    if (e)
        return ctx_db_fail(c, e, "调整考评得分");
    if ((e = scorecard_rerank(c, o->scorecard_id)) || (e = record_decision(a)))
        return e;
    int64_t rank_after = 0;
    db_one_int(c->db, &rank_after, "SELECT rank FROM scorecard_units WHERE scorecard_id = ? AND unit_id = ?",
               DB_INT(o->scorecard_id), DB_INT(o->unit_id));
    json_t *change = json_pack("{sI so so so so sI sI}", "unit_id", (json_int_t)o->unit_id, "points_before",
                               scorecard_tenths(now), "points_after", scorecard_tenths(after), "total_before",
                               scorecard_tenths(total_before), "total_after", scorecard_tenths(total_before + delta),
                               "rank_before", (json_int_t)rank_before, "rank_after", (json_int_t)rank_after);
    json_object_set(a->data, "change", change);
    a->outcome = arena_printf(c->arena, "该项由 %.1f 分调整为 %.1f 分，总分 %.1f 分，排名第 %" PRId64 " 位",
                              (double)now / 10, (double)after / 10, (double)(total_before + delta) / 10, rank_after);
    json_object_set_new(change, "objection_id", json_integer(o->id));
    e = res_event(c, &scorecard_table, o->scorecard_id, "objection_upheld", -1, -1, jv_str(a->body, "reason"), change);
    json_decref(change);
    /* the card's document now says other totals: sealed again */
    struct scorecard card;
    if (!e && !(e = scorecard_load(c, o->scorecard_id, &card)))
        e = scorecard_seal(c, &card);
    return e;
}

static enum err reject(struct wf_act *a)
{
    enum err e = record_decision(a);
    if (!e)
        e = res_event(a->c, &scorecard_table, objection_of(a->obj)->scorecard_id, "objection_rejected", -1, -1,
                      jv_str(a->body, "reason"), NULL);
    return e;
}

static const struct wf_effect effects[OBJ_ACT__COUNT] = {
    [OBJ_ACT_UPHOLD] = {uphold, NULL},
    [OBJ_ACT_REJECT] = {reject, NULL},
};

/* The unit that objected is the one part in every state (it is told each decision). */
static bool phase(int s)
{
    (void)s;
    return true;
}

static enum err load(struct ctx *c, int64_t id, bool waits_too, struct wf_obj **out)
{
    (void)waits_too;
    struct objection *o = arena_alloc(c->arena, sizeof *o);
    enum err e = objection_load(c, id, o);
    *out = &o->wf;
    return e;
}

/* The unit hears the decision in words. */
static void notice(struct wf_act *a, const struct wf_wait *w, const struct wf_inform *f, const struct wf_part *p,
                   struct notice *n)
{
    (void)w;
    (void)p;
    if (!f)
        return;
    struct ctx *c = a->c;
    const struct objection *o = objection_of(a->obj);
    bool up = a->action == OBJ_ACT_UPHOLD;
    n->subject = arena_printf(c->arena, "【考评异议】%s：《%s》", up ? "异议成立" : "异议不成立",
                              utf8_inner_title(c->arena, o->card_title));
    n->body = arena_printf(c->arena, "贵单位对《%s》中「%s」提出的异议，经督查室审核%s。%s%s处理意见：%s",
                           utf8_inner_title(c->arena, o->card_title), o->what, up ? "成立" : "不成立",
                           up && a->outcome ? a->outcome : "", up ? "。" : "", jv_str(a->body, "reason"));
}

static enum err ids(struct ctx *c, int64_t after, int limit, int64_t *out, int *n)
{
    return res_ids(c, &objection_table, "'pending'", after, limit, out, n);
}

const struct workflow objection_workflow = {
    .name = "objection",
    .what = OBJECTION_WHAT,
    .title = "Objections to an issued scorecard (考评异议)",
    .intro = "The states, actions and transition table of `src/results/score_objection.c`. The head of a unit "
             "scored objects to one line of its own issued card within the period of the year's rule table "
             "(`objection_days` working days); the office decides. Upheld changes the line and counts the "
             "totals and ranks again.",
    .link = "/objections/%lld",
    .part_what = "提出异议的单位",
    .home_what = "government whose office scored the unit",
    .track_what = "unit that objected",
    .person_what = {NULL, NULL},
    .part_key = "unit",
    .part_member = NULL,
    RES_WF_TABLES,
    .effects = effects,
    .read_cap = CAP_ITEM_READ,
    .table = "score_objections",
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
