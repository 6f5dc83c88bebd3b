/*
 * result.c: one result record (结果运用) as the module works on it — loading it with its unit concerned
 * (the engine's one part), its row lock, its timeline — and what the API asks of results: create and
 * edit a draft (with the checks of its kind, its unit and the items it rests on), one record as JSON,
 * the list a user may see, the timeline, and the workflow actions by name.
 */
#include "results/results_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "calendar/calendar.h"
#include "units/units.h"

#include <ctype.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const struct jv_field results_create_spec[] = {
    {"kind", JV_STRING, JV_REQUIRED, 1, 20, "类型"},
    {"title", JV_STRING, JV_REQUIRED, 1, 200, "标题"},
    {"content", JV_STRING, JV_REQUIRED, 1, 20000, "事实和依据"},
    {"unit_id", JV_INT, JV_REQUIRED, 1, INT64_MAX, "单位"},
    {"item_ids", JV_INT_ARRAY, 0, 0, 50, "所依据的督办事项"},
    {"inspection_ids", JV_INT_ARRAY, 0, 0, 50, "所依据的督查"},
    {"person", JV_STRING, 0, 0, 100, "被约谈人或责任人"},
    {"recipient", JV_STRING, 0, 0, 100, "送达机关"},
    {"referral_to", JV_STRING, JV_NULLABLE, 0, 20, "移送对象"},
    {"talk_by", JV_STRING, 0, 0, 100, "约谈人"},
    {"talk_at", JV_STRING, JV_NULLABLE, 0, 16, "约谈时间"},
    {"talk_place", JV_STRING, 0, 0, 200, "约谈地点"},
    {"rectify_due", JV_STRING, JV_NULLABLE, 0, 10, "整改时限"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field results_update_spec[] = {
    {"title", JV_STRING, 0, 1, 200, "标题"},
    {"content", JV_STRING, 0, 1, 20000, "事实和依据"},
    {"unit_id", JV_INT, 0, 1, INT64_MAX, "单位"},
    {"item_ids", JV_INT_ARRAY, 0, 0, 50, "所依据的督办事项"},
    {"inspection_ids", JV_INT_ARRAY, 0, 0, 50, "所依据的督查"},
    {"person", JV_STRING, 0, 0, 100, "被约谈人或责任人"},
    {"recipient", JV_STRING, 0, 0, 100, "送达机关"},
    {"referral_to", JV_STRING, JV_NULLABLE, 0, 20, "移送对象"},
    {"talk_by", JV_STRING, 0, 0, 100, "约谈人"},
    {"talk_at", JV_STRING, JV_NULLABLE, 0, 16, "约谈时间"},
    {"talk_place", JV_STRING, 0, 0, 200, "约谈地点"},
    {"rectify_due", JV_STRING, JV_NULLABLE, 0, 10, "整改时限"},
    {"version", JV_INT, 0, 0, 0, "版本"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field results_action_spec[] = {
    {"version", JV_INT, 0, 0, 0, "版本"},
    {"reason", JV_STRING, 0, 0, 2000, "理由"},
    {"record", JV_STRING, 0, 0, 20000, "约谈记录"},
    {"text", JV_STRING, 0, 0, 10000, "跟踪落实情况"},
    {"held_at", JV_STRING, 0, 0, 16, "约谈实际时间"},
    {"rectification", JV_STRING, 0, 0, 20000, "整改情况"},
    {"attachment_ids", JV_INT_ARRAY, 0, 0, 20, "整改材料"},
    {NULL, 0, 0, 0, 0, NULL},
};

bool result_time_valid(const char *s)
{
    static const char shape[] = "dddd-dd-dd dd:dd";
    if (!s || strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return false;
    int h = atoi(s + 11), mi = atoi(s + 14);
    char day[11];
    int64_t n;
    snprintf(day, sizeof day, "%.10s", s);
    return cal_parse_date(day, &n) && h <= 23 && mi <= 59; /* a real day: not 2026-02-30 */
}

/* ---- loading ---- */

#define RESULT_COLS                                                                                                    \
    "r.id, r.kind, r.number, r.title, r.content, r.office_unit_id, r.home_path, r.unit_id, r.unit_path, u.name, "      \
    "u.code, o.name, r.person, r.recipient, r.referral_to, r.talk_by, r.talk_at, r.talk_place, r.talk_record, "        \
    "r.held_at, r.follow_up, r.state, r.year, r.created_by, r.created_at, r.updated_at, r.approved_at, "               \
    "r.issued_at, r.closed_at, r.version, r.rectify_due, r.rectification, r.rectified_at, r.rectify_escalated"

static bool issued(enum result_state s)
{
    return s == RES_ST_ISSUED || s == RES_ST_HELD || s == RES_ST_CLOSED || s == RES_ST_REVIEWING;
}

/* The engine's view: home the drafting government, the unit concerned the one part, visible to that
 * unit once issued; a talk's to-dos are due on its day. */
static void result_view(struct result *r)
{
    struct wf_obj *o = &r->wf;
    o->id = r->id;
    o->version = r->version;
    o->state = (int)r->state;
    o->resume_state = (int)r->state;
    o->home_path = r->home_path;
    o->home_unit_id = res_path_last_id(r->home_path);
    r->unit_paths[0] = r->unit_path;
    o->scope = (struct perm_item){r->home_path, r->unit_paths, 1, issued(r->state)};
    o->number = r->number;
    o->title = r->title;
    o->variety = result_kind_name(r->kind);
    o->due_date = NULL;
    /* a criticism's unit reports its rectification by its deadline: the to-do's due day */
    r->part = (struct wf_part){0, r->unit_id, (int)r->state, r->unit_id, r->unit_path, r->unit_name, 0, r->rectify_due};
    o->parts = &r->part;
    o->nparts = o->ntracks = 1;
}

enum err result_load(struct ctx *c, int64_t id, struct result *r)
{
    memset(r, 0, sizeof *r);
    struct stmt *st = db_query(c->db,
                               "SELECT " RESULT_COLS " FROM results r JOIN units u ON u.id = r.unit_id "
                               "JOIN units o ON o.id = r.office_unit_id WHERE r.id = ?",
                               DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取结果运用记录");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        r->id = stmt_int(st, 0);
        result_kind_parse(stmt_text(st, 1), &r->kind);
        r->number = res_col(c, st, 2);
        r->title = res_col(c, st, 3);
        r->content = res_col(c, st, 4);
        r->office_unit_id = stmt_int(st, 5);
        r->home_path = res_col(c, st, 6);
        r->unit_id = stmt_int(st, 7);
        r->unit_path = res_col(c, st, 8);
        r->unit_name = res_col(c, st, 9);
        r->unit_code = res_col(c, st, 10);
        r->office_name = res_col(c, st, 11);
        r->person = res_col(c, st, 12);
        r->recipient = res_col(c, st, 13);
        r->referral_to = res_col(c, st, 14);
        r->talk_by = res_col(c, st, 15);
        r->talk_at = res_col(c, st, 16);
        r->talk_place = res_col(c, st, 17);
        r->talk_record = res_col(c, st, 18);
        r->held_at = res_col(c, st, 19);
        r->follow_up = res_col(c, st, 20);
        int s = 0;
        wf_state_parse(&result_workflow, stmt_text(st, 21), &s);
        r->state = (enum result_state)s;
        r->year = stmt_int(st, 22);
        r->created_by = stmt_is_null(st, 23) ? 0 : stmt_int(st, 23);
        r->created_at = res_col(c, st, 24);
        r->updated_at = res_col(c, st, 25);
        r->approved_at = res_col(c, st, 26);
        r->issued_at = res_col(c, st, 27);
        r->closed_at = res_col(c, st, 28);
        r->version = stmt_int(st, 29);
        r->rectify_due = res_col(c, st, 30);
        r->rectification = res_col(c, st, 31);
        r->rectified_at = res_col(c, st, 32);
        r->rectify_escalated = stmt_int(st, 33) != 0;
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", RESULT_WHAT);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取结果运用记录");
    result_view(r);
    if (r->kind == RES_TALK && r->talk_at && (r->state == RES_ST_ISSUED))
        r->wf.due_date = arena_printf(c->arena, "%.10s", r->talk_at);
    return ERR_OK;
}

/* Loads and requires visibility (404 otherwise: nobody learns that another unit's draft exists). */
enum err result_load_visible(struct ctx *c, int64_t id, struct result *r)
{
    enum err e = result_load(c, id, r);
    if (!e && !perm_item_visible(c->user, &r->wf.scope))
        e = ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", RESULT_WHAT);
    return e;
}

const struct res_table result_table = {&result_workflow, "results", "result_events", "result_id"};

enum err result_lock(struct ctx *c, const struct result *r)
{
    return res_lock(c, &result_table, r->id, r->version, RESULT_WHAT);
}

/* ---- checks of a draft's values ---- */

/* The members of a draft as they will be after the change (the record's values under the body's). */
static json_t *merged(const struct result *r, const json_t *b)
{
    json_t *m = json_pack("{ss ss sI ss ss so ss so}", "title", r->title, "content", r->content, "unit_id",
                          (json_int_t)r->unit_id, "person", r->person, "recipient", r->recipient, "referral_to",
                          res_str(r->referral_to), "talk_by", r->talk_by, "talk_at", res_str(r->talk_at));
    json_object_set_new(m, "talk_place", json_string(r->talk_place));
    json_object_set_new(m, "rectify_due", res_str(r->rectify_due));
    json_object_update(m, (json_t *)b);
    return m;
}

/* What each kind needs beyond the common members (422 naming the member). */
static enum err check_kind(struct ctx *c, enum result_kind k, const json_t *m)
{
    const char *label = result_kind_label(k);
    if (res_blank(jv_str(m, "title")))
        return ctx_fail_field(c, "title", "需要填写标题（title）");
    if (res_blank(jv_str(m, "content")))
        return ctx_fail_field(c, "content", "需要填写%s的事实和依据（content）", label);
    if (k == RES_TALK) {
        if (res_blank(jv_str(m, "person")))
            return ctx_fail_field(c, "person", "约谈需要填写被约谈人（person）");
        if (res_blank(jv_str(m, "talk_by")))
            return ctx_fail_field(c, "talk_by", "约谈需要填写约谈人（talk_by）");
        if (!result_time_valid(jv_str(m, "talk_at")))
            return ctx_fail_field(c, "talk_at", "约谈需要填写约谈时间（talk_at），格式为 YYYY-MM-DD HH:MM");
        if (res_blank(jv_str(m, "talk_place")))
            return ctx_fail_field(c, "talk_place", "约谈需要填写约谈地点（talk_place）");
    } else if (jv_str(m, "talk_at") || !res_blank(jv_str(m, "talk_by")) || !res_blank(jv_str(m, "talk_place"))) {
        const char *f = jv_str(m, "talk_at") ? "talk_at" : !res_blank(jv_str(m, "talk_by")) ? "talk_by" : "talk_place";
        return ctx_fail_field(c, f, "只有约谈填写约谈人、时间和地点（talk_by、talk_at、talk_place）");
    }
    if (k == RES_ACCOUNTABILITY && res_blank(jv_str(m, "recipient")))
        return ctx_fail_field(c, "recipient",
                              "问责建议需要填写送达的有权机关（recipient），如纪检监察机关或组织人事部门");
    const char *to = jv_str(m, "referral_to");
    if (k == RES_REFERRAL && (!to || (strcmp(to, "supervision") && strcmp(to, "judicial"))))
        return ctx_fail_field(c, "referral_to",
                              "移送需要指明移送对象（referral_to）：supervision（监察机关）或 judicial（司法机关）");
    if (k != RES_REFERRAL && to)
        return ctx_fail_field(c, "referral_to", "只有移送填写移送对象（referral_to）");
    return result_rectify_check(c, k, m);
}

/* The unit concerned lies in the drafting government's subtree (not the government itself). */
static enum err check_unit(struct ctx *c, const char *home_path, int64_t unit, const char **unit_path)
{
    enum err e = units_path(c, unit, unit_path);
    if (e || !res_path_within(*unit_path, home_path) || !strcmp(*unit_path, home_path))
        return ctx_fail_field(c, "unit_id", "单位（unit_id）%" PRId64 " 不存在或不是本级政府所属单位", unit);
    return ERR_OK;
}

/* True if the id at position i of ids appeared before it. */
static bool repeated(const json_t *ids, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (json_integer_value(json_array_get(ids, j)) == json_integer_value(json_array_get(ids, i)))
            return true;
    return false;
}

/* What a record may rest on, of one kind: the query reads (home path, eligible, number, the unit concerned
 * among its units) for (unit, id); the words name the member and say why each refusal. */
struct link_kind {
    const char *member; /* "item_ids" */
    const char *what;   /* "督办事项" */
    const char *sql;
    const char *not_eligible;  /* "尚未交办或已撤销" */
    const char *not_concerned; /* "责任单位" */
};

/* Items: of the same government, assigned (not a draft nor withdrawn), the unit concerned among their
 * responsible units. */
static const struct link_kind ITEM_LINKS = {
    "item_ids", "督办事项",
    "SELECT i.office_path, i.state NOT IN ('draft', 'submitted', 'deputy_approved', 'approved', 'withdrawn'), "
    "i.number, (SELECT COUNT(*) FROM item_tracks t WHERE t.item_id = i.id AND t.unit_id = ?) FROM items i "
    "WHERE i.id = ?",
    "尚未交办或已撤销", "责任单位"};

/* Inspections: run by the same government's office, their findings issued (an unannounced visit is no
 * secret to its targets from then on), the unit concerned among their targets. */
static const struct link_kind INSPECTION_LINKS = {
    "inspection_ids", "督查",
    "SELECT n.office_path, n.findings_issued_at IS NOT NULL, n.number, "
    "(SELECT COUNT(*) FROM insp_targets t WHERE t.inspection_id = n.id AND t.unit_id = ?) FROM inspections n "
    "WHERE n.id = ?",
    "尚未反馈问题", "被督查单位"};

/* Each id of ids (of kind k) may be rested on by a record of home_path about unit; no duplicates. any_unit: the
 * unit need not be among the object's units (a policy advice goes to whoever made the document or measure the
 * inspection found unsuitable, often not the unit inspected). */
static enum err check_kind_links(struct ctx *c, const struct link_kind *k, const char *home_path, int64_t unit,
                                 bool any_unit, const json_t *ids)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        int64_t id = json_integer_value(v);
        if (repeated(ids, i))
            return ctx_fail_field(c, k->member, "%s（%s）%" PRId64 " 重复", k->what, k->member, id);
        struct stmt *st = db_query(c->db, k->sql, DB_INT(unit), DB_INT(id));
        if (!st)
            return ctx_db_fail(c, ERR_INTERNAL, arena_printf(c->arena, "读取%s", k->what));
        int rc = stmt_step(st);
        bool same = false, eligible = false, concerns = false;
        const char *number = NULL;
        if (rc == STORE_ROW) {
            same = !strcmp(stmt_text(st, 0), home_path);
            eligible = stmt_int(st, 1) != 0;
            number = res_col(c, st, 2);
            concerns = stmt_int(st, 3) > 0;
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, arena_printf(c->arena, "读取%s", k->what));
        if (!same)
            return ctx_fail_field(c, k->member, "%s（%s）%" PRId64 " 不存在或不是本级政府的%s", k->what, k->member, id,
                                  k->what);
        if (!eligible)
            return ctx_fail_field(c, k->member, "%s（%s）%s %s，不能作为依据", k->what, k->member,
                                  number ? number : "（未编号）", k->not_eligible);
        if (!concerns && !any_unit)
            return ctx_fail_field(c, k->member, "所选单位不是%s（%s）%s 的%s", k->what, k->member, number,
                                  k->not_concerned);
    }
    return ERR_OK;
}

/* What the record rests on: at least one item or inspection, each checked. */
static enum err check_links(struct ctx *c, enum result_kind kind, const char *home_path, int64_t unit,
                            const json_t *items, const json_t *inspections)
{
    if (!json_array_size(items) && !json_array_size(inspections))
        return ctx_fail_field(c, "item_ids", "需要关联至少一项所依据的督办事项（item_ids）或督查（inspection_ids）");
    bool any = kind == RES_ADVICE;
    enum err e = check_kind_links(c, &ITEM_LINKS, home_path, unit, any, items);
    return e ? e : check_kind_links(c, &INSPECTION_LINKS, home_path, unit, any, inspections);
}

/* Replaces the links of one kind ("item", "inspection") with ids. */
static enum err save_links(struct ctx *c, int64_t id, const char *kind, const json_t *ids)
{
    enum err e =
        db_exec(c->db, "DELETE FROM result_links WHERE result_id = ? AND object_kind = ?", DB_INT(id), DB_TEXT(kind));
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        if (e)
            break;
        e = db_exec(c->db, "INSERT INTO result_links (result_id, object_kind, object_id) VALUES (?, ?, ?)", DB_INT(id),
                    DB_TEXT(kind), DB_INT(json_integer_value(v)));
    }
    return ctx_db_fail(c, e, "保存所依据的事项和督查");
}

/* The ids a record is linked to of one kind, in id order (a new array). */
static json_t *link_ids(struct ctx *c, int64_t id, const char *kind)
{
    json_t *arr = json_array();
    struct stmt *st =
        db_query(c->db, "SELECT object_id FROM result_links WHERE result_id = ? AND object_kind = ? ORDER BY object_id",
                 DB_INT(id), DB_TEXT(kind));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, json_integer(stmt_int(st, 0)));
    stmt_done(st);
    return arr;
}

/* ---- create and edit ---- */

struct create_args {
    const json_t *body;
    enum result_kind kind;
    int64_t id;
};

static enum err create_tx(struct ctx *c, void *arg)
{
    struct create_args *a = arg;
    const json_t *b = a->body;
    const struct grant *g;
    int64_t office;
    enum err e = res_drafting_grant(c, &g, &office);
    if (e)
        return e;
    const char *home = g->unit_path, *unit_path;
    int64_t unit = jv_int(b, "unit_id", 0);
    json_t *ids = json_object_get(b, "item_ids"), *insp = json_object_get(b, "inspection_ids");
    if ((e = check_kind(c, a->kind, b)) || (e = check_unit(c, home, unit, &unit_path)) ||
        (e = check_links(c, a->kind, home, unit, ids, insp)))
        return e;
    char at[21], today[11];
    time_format_iso(c->now, at);
    result_today(c, today);
    const char *person = jv_str(b, "person"), *recipient = jv_str(b, "recipient");
    const char *talk_by = jv_str(b, "talk_by"), *place = jv_str(b, "talk_place");
    e = db_one_int(c->db, &a->id,
                   "INSERT INTO results (kind, title, content, office_unit_id, home_path, unit_id, unit_path, person, "
                   "recipient, referral_to, talk_by, talk_at, talk_place, rectify_due, state, year, created_by, "
                   "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?) "
                   "RETURNING id",
                   DB_TEXT(result_kind_name(a->kind)), DB_TEXT(jv_str(b, "title")), DB_TEXT(jv_str(b, "content")),
                   DB_INT(office), DB_TEXT(home), DB_INT(unit), DB_TEXT(unit_path), DB_TEXT(person ? person : ""),
                   DB_TEXT(recipient ? recipient : ""), DB_TEXT(jv_str(b, "referral_to")),
                   DB_TEXT(talk_by ? talk_by : ""), DB_TEXT(jv_str(b, "talk_at")), DB_TEXT(place ? place : ""),
                   DB_TEXT(jv_str(b, "rectify_due")), DB_INT(atoi(today)), DB_INT(c->user->id), DB_TEXT(at),
                   DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "新建结果运用记录");
    if ((e = save_links(c, a->id, "item", ids)) || (e = save_links(c, a->id, "inspection", insp)) ||
        (e = res_event(c, &result_table, a->id, "create", -1, RES_ST_DRAFT, NULL, b)))
        return e;
    json_t *sum = json_pack("{sO}", "after", (json_t *)b);
    e = audit_record(c, "result.create", "result", a->id, sum);
    json_decref(sum);
    return e ? e : workflow_todos_sync_new(c, &result_workflow, a->id); /* the draft waits on its office */
}

enum err results_create(struct ctx *c, const json_t *body, json_t **out)
{
    struct create_args a = {body, RES_PRAISE, 0};
    if (!result_kind_parse(jv_str(body, "kind"), &a.kind))
        return ctx_fail_field(
            c, "kind",
            "类型（kind）应为 praise（通报表扬）、criticism（通报批评）、talk（约谈）、"
            "accountability（问责建议）、referral（移送）、tolerance（容错认定）或 advice（政策建议）");
    enum err e = ctx_tx(c, "新建结果运用记录", create_tx, &a);
    return e ? e : results_get(c, a.id, out);
}

struct update_args {
    int64_t id;
    const json_t *body;
};

static enum err update_tx(struct ctx *c, void *arg)
{
    struct update_args *a = arg;
    const json_t *b = a->body;
    struct result r;
    enum err e = result_load_visible(c, a->id, &r);
    if (e || (e = perm_require_item(c, CAP_RESULT_DRAFT, &r.wf.scope, r.home_path, RESULT_WHAT)) ||
        (e = result_lock(c, &r)))
        return e;
    if (jv_has(b, "version") && jv_int(b, "version", 0) != r.version)
        return ctx_fail(c, ERR_CONFLICT, "%s已被他人修改（当前版本 %" PRId64 "），请刷新后重试", RESULT_WHAT,
                        r.version);
    if (r.state != RES_ST_DRAFT)
        return ctx_fail(c, ERR_CONFLICT, "只有草稿可以修改（当前状态：%s）", wf_state_label(&result_workflow, r.state));
    /* the unit may change: the links kept must still concern it */
    json_t *m = merged(&r, b), *ids = json_object_get(b, "item_ids"), *insp = json_object_get(b, "inspection_ids");
    json_t *now_ids = ids ? NULL : link_ids(c, r.id, "item"), *now_insp = insp ? NULL : link_ids(c, r.id, "inspection");
    int64_t unit = jv_int(m, "unit_id", 0);
    const char *unit_path;
    if ((e = check_kind(c, r.kind, m)) || (e = check_unit(c, r.home_path, unit, &unit_path)) ||
        (e = check_links(c, r.kind, r.home_path, unit, ids ? ids : now_ids, insp ? insp : now_insp)))
        goto out;
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db,
                "UPDATE results SET title = ?, content = ?, unit_id = ?, unit_path = ?, person = ?, recipient = ?, "
                "referral_to = ?, talk_by = ?, talk_at = ?, talk_place = ?, rectify_due = ?, updated_at = ?, "
                "version = version + 1 WHERE id = ?",
                DB_TEXT(jv_str(m, "title")), DB_TEXT(jv_str(m, "content")), DB_INT(unit), DB_TEXT(unit_path),
                DB_TEXT(jv_str(m, "person")), DB_TEXT(jv_str(m, "recipient")), DB_TEXT(jv_str(m, "referral_to")),
                DB_TEXT(jv_str(m, "talk_by")), DB_TEXT(jv_str(m, "talk_at")), DB_TEXT(jv_str(m, "talk_place")),
                DB_TEXT(jv_str(m, "rectify_due")), DB_TEXT(at), DB_INT(r.id));
    if (e) {
        e = ctx_db_fail(c, e, "修改结果运用记录");
        goto out;
    }
    if ((ids && (e = save_links(c, r.id, "item", ids))) || (insp && (e = save_links(c, r.id, "inspection", insp))) ||
        (e = res_event(c, &result_table, r.id, "update", -1, -1, NULL, b)))
        goto out;
    json_t *sum = json_pack("{sO}", "change", (json_t *)b);
    e = audit_record(c, "result.update", "result", r.id, sum);
    json_decref(sum);
    if (!e)
        e = workflow_todos_sync(c, &result_workflow, r.id, NULL); /* the title of its to-dos */
out:
    json_decref(m);
    json_decref(now_ids);
    json_decref(now_insp);
    return e;
}

enum err results_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct update_args a = {id, body};
    enum err e = ctx_tx(c, "修改结果运用记录", update_tx, &a);
    return e ? e : results_get(c, id, out);
}

/* ---- reading ---- */

static json_t *items_json(struct ctx *c, int64_t id)
{
    json_t *arr = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT i.id, i.number, i.title, i.state, i.due_date FROM result_links l JOIN items i "
                               "ON i.id = l.object_id WHERE l.result_id = ? AND l.object_kind = 'item' ORDER BY i.id",
                               DB_INT(id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(arr,
                              json_pack("{sI so ss ss ss}", "id", (json_int_t)stmt_int(st, 0), "number",
                                        res_str(stmt_is_null(st, 1) ? NULL : stmt_text(st, 1)), "title",
                                        stmt_text(st, 2), "state", stmt_text(st, 3), "due_date", stmt_text(st, 4)));
    stmt_done(st);
    return arr;
}

/* The inspections a record rests on (their findings were issued: no secret left). */
static json_t *inspections_json(struct ctx *c, int64_t id)
{
    json_t *arr = json_array();
    struct stmt *st =
        db_query(c->db,
                 "SELECT n.id, n.number, n.subject, n.state FROM result_links l JOIN inspections n "
                 "ON n.id = l.object_id WHERE l.result_id = ? AND l.object_kind = 'inspection' ORDER BY n.id",
                 DB_INT(id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, json_pack("{sI so ss ss}", "id", (json_int_t)stmt_int(st, 0), "number",
                                             res_str(stmt_is_null(st, 1) ? NULL : stmt_text(st, 1)), "subject",
                                             stmt_text(st, 2), "state", stmt_text(st, 3)));
    stmt_done(st);
    return arr;
}

static json_t *result_json(struct ctx *c, struct result *r)
{
    json_t *o = json_pack(
        "{sI ss ss so ss ss ss ss sI ss s{sI ss ss} ss ss so}", "id", (json_int_t)r->id, "kind",
        result_kind_name(r->kind), "kind_label", result_kind_label(r->kind), "number", res_str(r->number), "title",
        r->title, "content", r->content, "state", wf_state_name(&result_workflow, r->state), "state_label",
        wf_state_label(&result_workflow, r->state), "office_unit_id", (json_int_t)r->office_unit_id, "office_name",
        r->office_name, "unit", "id", (json_int_t)r->unit_id, "code", r->unit_code, "name", r->unit_name, "person",
        r->person, "recipient", r->recipient, "referral_to", res_str(r->referral_to));
    if (r->kind == RES_TALK)
        json_object_set_new(o, "talk",
                            json_pack("{ss so ss so so}", "by", r->talk_by, "at", res_str(r->talk_at), "place",
                                      r->talk_place, "record", res_str(r->talk_record), "held_at",
                                      res_str(r->held_at)));
    else
        json_object_set_new(o, "talk", json_null());
    json_object_set_new(o, "follow_up", res_str(r->follow_up));
    if (r->kind == RES_CRITICISM)
        json_object_set_new(o, "rectification",
                            json_pack("{so so so sb so}", "due_date", res_str(r->rectify_due), "text",
                                      res_str(r->rectification), "reported_at", res_str(r->rectified_at), "escalated",
                                      r->rectify_escalated, "attachments", result_files_json(c, r->id)));
    else
        json_object_set_new(o, "rectification", json_null());
    json_object_set_new(o, "items", items_json(c, r->id));
    json_object_set_new(o, "inspections", inspections_json(c, r->id));
    json_object_set_new(o, "created_at", json_string(r->created_at));
    json_object_set_new(o, "updated_at", json_string(r->updated_at));
    json_object_set_new(o, "approved_at", res_str(r->approved_at));
    json_object_set_new(o, "issued_at", res_str(r->issued_at));
    json_object_set_new(o, "closed_at", res_str(r->closed_at));
    json_object_set_new(o, "version", json_integer(r->version));
    json_object_set_new(o, "allowed_actions", workflow_allowed_actions(c, &result_workflow, &r->wf, -1));
    return o;
}

enum err results_get(struct ctx *c, int64_t id, json_t **out)
{
    struct result r;
    enum err e = result_load_visible(c, id, &r);
    if (!e)
        *out = result_json(c, &r);
    return e;
}

enum err results_act(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out)
{
    enum err e = res_act(c, &result_workflow, id, action, body, NULL);
    return e ? e : results_get(c, id, out);
}

enum err results_events(struct ctx *c, int64_t id, json_t **out)
{
    struct result r;
    enum err e = result_load_visible(c, id, &r);
    return e ? e : res_events(c, &result_table, id, out);
}

/* ---- the list ---- */

/*
 * Who sees what, as ranges of the copied paths (one index range each): every record drafted under a
 * government where the user reads items, and the issued ones concerning a unit in the user's scope or
 * a leader's portfolio. The same rule as perm_item_visible on one record.
 */
static const char *visible_where(struct ctx *c, struct res_binds *b)
{
    if (!c->user)
        return "1 = 1";
    int ns;
    const char **scope = perm_scope_cap(c, CAP_ITEM_READ, &ns);
    const char *w = "";
    for (int i = 0; i < ns; i++) {
        const char *up = perm_path_upper(c->arena, scope[i]);
        w = arena_printf(c->arena,
                         "%s%s(r.home_path >= ? AND r.home_path < ?) OR (r.unit_path >= ? AND r.unit_path < ? "
                         "AND r.state IN ('issued', 'held', 'closed', 'reviewing'))",
                         w, *w ? " OR " : "");
        res_bind_add(c, b, DB_TEXT(scope[i]));
        res_bind_add(c, b, DB_TEXT(up));
        res_bind_add(c, b, DB_TEXT(scope[i]));
        res_bind_add(c, b, DB_TEXT(up));
    }
    for (int i = 0; ns && i < c->user->nportfolio; i++) {
        const char *p = c->user->portfolio_paths[i];
        w = arena_printf(c->arena,
                         "%s OR (r.unit_path >= ? AND r.unit_path < ? AND r.state IN ('issued', 'held', 'reviewing', "
                         "'closed'))",
                         w);
        res_bind_add(c, b, DB_TEXT(p));
        res_bind_add(c, b, DB_TEXT(perm_path_upper(c->arena, p)));
    }
    return *w ? arena_printf(c->arena, "(%s)", w) : "1 = 0";
}

enum err results_list(struct ctx *c, const struct result_query *q, json_t **out)
{
    enum result_kind k;
    int s;
    if (q->kind && !result_kind_parse(q->kind, &k))
        return ctx_fail(c, ERR_BAD_REQUEST,
                        "类型（kind）应为 praise、criticism、talk、accountability、referral、tolerance 或 advice");
    if (q->state && !wf_state_parse(&result_workflow, q->state, &s))
        return ctx_fail(c, ERR_BAD_REQUEST, "状态（state）不是结果运用记录的状态（见 GET /api/v1/workflows）");
    struct res_binds b = {0};
    const char *where = visible_where(c, &b);
    if (q->kind) {
        where = arena_printf(c->arena, "%s AND r.kind = ?", where);
        res_bind_add(c, &b, DB_TEXT(q->kind));
    }
    if (q->state) {
        where = arena_printf(c->arena, "%s AND r.state = ?", where);
        res_bind_add(c, &b, DB_TEXT(q->state));
    }
    if (q->unit_id) {
        where = arena_printf(c->arena, "%s AND r.unit_id = ?", where);
        res_bind_add(c, &b, DB_INT(q->unit_id));
    }
    if (q->item_id) {
        where = arena_printf(c->arena,
                             "%s AND r.id IN (SELECT result_id FROM result_links WHERE object_kind = 'item' AND "
                             "object_id = ?)",
                             where);
        res_bind_add(c, &b, DB_INT(q->item_id));
    }
    if (q->inspection_id) {
        where = arena_printf(c->arena,
                             "%s AND r.id IN (SELECT result_id FROM result_links WHERE object_kind = 'inspection' AND "
                             "object_id = ?)",
                             where);
        res_bind_add(c, &b, DB_INT(q->inspection_id));
    }
    int64_t total = 0, *ids;
    int nids;
    enum err e = res_page_ids(c, "results r", "r.id", where, &b, q->page, q->per_page, &total, &ids, &nids);
    if (e)
        return e;
    json_t *arr = json_array();
    for (int i = 0; i < nids; i++) {
        struct result r;
        if ((e = result_load(c, ids[i], &r))) {
            json_decref(arr);
            return e;
        }
        json_array_append_new(arr, result_json(c, &r));
    }
    *out = json_pack("{so sI si si}", "results", arr, "total", (json_int_t)total, "page", q->page, "per_page",
                     q->per_page);
    return ERR_OK;
}

void results_register(void)
{
    units_register_path_copy("results", "home_path");
    units_register_path_copy("results", "unit_path");
    units_register_path_copy("bulletins", "home_path");
    units_register_path_copy("bulletins", "scope_path");
    units_register_path_copy("scorecards", "home_path");
    units_register_path_copy("scorecard_units", "unit_path");
    units_register_path_copy("score_years", "home_path");
    units_register_path_copy("score_objections", "home_path");
    units_register_path_copy("score_objections", "unit_path");
    units_register_path_copy("early_warnings", "unit_path");
    units_register_path_copy("early_warnings", "office_path");
    result_rectify_register();
}
