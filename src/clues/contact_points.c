/*
 * contact_points.c: grassroots contact points (基层联系点), see contact_points.h. A point is a unit the supervision
 * office designates; its own people (a role carrying CAP_CLUE_POINT held at the unit itself) report to the office,
 * each report a clue of source contact_point (clue_insert: the office's to-do 线索待分拣 and its message). Who
 * reads what: the office (and those above it with CAP_CLUE_READ) every point of its government and every report,
 * with links to the clues; the point's own people the point without the office's note, and only the reports they
 * sent themselves, in the words the public's tracking page uses (status, reply), never the clue.
 */
#include "clues/clues_internal.h"

#include "calendar/workdays.h"
#include "notify/notify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CHARS 60
#define FOCUS_MAX 500
#define NOTE_MAX 2000
#define REASON_MAX 500

const struct jv_field contact_points_create_spec[] = {
    {"unit_id", JV_INT, JV_REQUIRED, 1, INT64_MAX, "联系点单位"},
    {"name", JV_STRING, 0, 1, NAME_MAX_CHARS, "联系点名称"},
    {"focus", JV_STRING, JV_REQUIRED, 1, FOCUS_MAX, "联系重点"},
    {"started_on", JV_DATE, 0, 0, 0, "确定日期"},
    {"note", JV_STRING, 0, 0, NOTE_MAX, "备注"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field contact_points_update_spec[] = {
    {"version", JV_INT, JV_REQUIRED, 1, INT64_MAX, "版本"},
    {"name", JV_STRING, 0, 1, NAME_MAX_CHARS, "联系点名称"},
    {"focus", JV_STRING, 0, 1, FOCUS_MAX, "联系重点"},
    {"note", JV_STRING, 0, 0, NOTE_MAX, "备注"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field contact_points_end_spec[] = {
    {"version", JV_INT, JV_REQUIRED, 1, INT64_MAX, "版本"},
    {"reason", JV_STRING, JV_REQUIRED, 1, REASON_MAX, "撤销原因"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field contact_points_report_spec[] = {
    {"category", JV_STRING, JV_REQUIRED, 1, 40, "问题类别"},
    {"title", JV_STRING, 0, 1, 100, "标题"},
    {"description", JV_STRING, JV_REQUIRED, 1, 4000, "反映内容"},
    {"place", JV_STRING, 0, 0, 200, "具体地点"},
    {NULL, 0, 0, 0, 0, NULL},
};

#define POINT_COLS                                                                                                     \
    "p.id, p.office_unit_id, p.office_path, o.name, p.unit_id, p.unit_path, u.name, u.kind, p.name, p.focus, p.note, " \
    "p.state, p.started_on, p.ended_on, p.end_reason, p.created_at, p.updated_at, p.version "
#define POINT_FROM " FROM contact_points p JOIN units o ON o.id = p.office_unit_id JOIN units u ON u.id = p.unit_id "

struct point {
    int64_t id, office_unit_id, unit_id, version;
    const char *office_path, *office_name, *unit_path, *unit_name, *unit_kind, *name, *focus, *note, *state,
        *started_on, *ended_on, *end_reason, *created_at, *updated_at;
    bool manage; /* the office that handles its clues (CAP_CLUE_MANAGE): its reports with their clues */
    bool office; /* the user reads it as its office (CAP_CLUE_READ at the office's government or above) */
    bool own;    /* the user reports for it (CAP_CLUE_POINT at its unit) */
};

static void point_row(struct ctx *c, struct stmt *st, struct point *p)
{
    p->id = stmt_int(st, 0);
    p->office_unit_id = stmt_int(st, 1);
    p->office_path = clue_col(c, st, 2);
    p->office_name = clue_col(c, st, 3);
    p->unit_id = stmt_int(st, 4);
    p->unit_path = clue_col(c, st, 5);
    p->unit_name = clue_col(c, st, 6);
    p->unit_kind = clue_col(c, st, 7);
    p->name = clue_col(c, st, 8);
    p->focus = clue_col(c, st, 9);
    p->note = clue_col(c, st, 10);
    p->state = clue_col(c, st, 11);
    p->started_on = clue_col(c, st, 12);
    p->ended_on = clue_col(c, st, 13);
    p->end_reason = clue_col(c, st, 14);
    p->created_at = clue_col(c, st, 15);
    p->updated_at = clue_col(c, st, 16);
    p->version = stmt_int(st, 17);
    p->office = !c->user || perm_at(c->user, CAP_CLUE_READ, p->office_path);
    p->manage = !c->user || perm_at(c->user, CAP_CLUE_MANAGE, p->office_path);
    p->own = c->user && perm_at_unit(c->user, CAP_CLUE_POINT, p->unit_id);
}

/* The point as the user may see it: 404 when neither its office's reader nor its own people. */
static enum err point_load(struct ctx *c, int64_t id, struct point *p)
{
    memset(p, 0, sizeof *p);
    struct stmt *st = db_query(c->db, "SELECT " POINT_COLS POINT_FROM "WHERE p.id = ?", DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取基层联系点");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        point_row(c, st, p);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取基层联系点");
    if (rc == STORE_DONE || !(p->office || p->own))
        return ctx_fail(c, ERR_NOT_FOUND, "基层联系点不存在或无权查看");
    return ERR_OK;
}

/* The reports counted for the user, {total, open}: all of the point's for its office, one's own for its people; null
 * for the leaders, who read the point and its research reports but not its reports, since which clues came through
 * a point is the office's to know (clue_source_label) — not counted for them. */
static json_t *report_counts(struct ctx *c, const struct point *p)
{
    if (!p->manage && !p->own)
        return json_null();
    int64_t total = 0, open = 0;
    struct stmt *st =
        db_query(c->db,
                 "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state IN ('received', 'verifying', 'verified') THEN 1 ELSE "
                 "0 END), 0) FROM clues WHERE contact_point_id = ? AND (? = 1 OR created_by = ?)",
                 DB_INT(p->id), DB_INT(p->manage ? 1 : 0), DB_INT(c->user ? c->user->id : 0));
    if (st && stmt_step(st) == STORE_ROW) {
        total = stmt_int(st, 0);
        open = stmt_int(st, 1);
    }
    stmt_done(st);
    return json_pack("{sI sI}", "total", (json_int_t)total, "open", (json_int_t)open);
}

/* The visits counted for the user: the office all, the point's own people all, the leaders the submitted ones. */
static void visit_counts(struct ctx *c, const struct point *p, int64_t *total, int64_t *submitted)
{
    *total = *submitted = 0;
    struct stmt *st =
        db_query(c->db,
                 "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'submitted' THEN 1 ELSE 0 END), 0) "
                 "FROM contact_point_visits WHERE contact_point_id = ? AND (? = 1 OR state = 'submitted')",
                 DB_INT(p->id), DB_INT(p->manage || p->own ? 1 : 0));
    if (st && stmt_step(st) == STORE_ROW) {
        *total = stmt_int(st, 0);
        *submitted = stmt_int(st, 1);
    }
    stmt_done(st);
}

static json_t *point_json(struct ctx *c, const struct point *p)
{
    bool active = !strcmp(p->state, "active"), manage = p->manage;
    int64_t visits, submitted;
    visit_counts(c, p, &visits, &submitted);
    json_t *out = json_pack(
        "{sI ss sI ss sI ss ss so ss ss ss so so so s{sI sI} s{sb sb sb sb} sI ss ss}", "id", (json_int_t)p->id, "name",
        p->name, "unit_id", (json_int_t)p->unit_id, "unit_name", p->unit_name, "office_unit_id",
        (json_int_t)p->office_unit_id, "office_name", p->office_name, "focus", p->focus, "note",
        p->office ? json_string(p->note) : json_null(), "state", p->state, "state_label", active ? "联系中" : "已撤销",
        "started_on", p->started_on, "ended_on", p->ended_on ? json_string(p->ended_on) : json_null(), "end_reason",
        p->end_reason ? json_string(p->end_reason) : json_null(), "reports", report_counts(c, p), "visits", "total",
        (json_int_t)visits, "submitted", (json_int_t)submitted, "can", "edit", active && manage, "end",
        active && manage, "report", active && p->own, "visit", active && manage, "version", (json_int_t)p->version,
        "created_at", p->created_at, "updated_at", p->updated_at);
    return out;
}

enum err contact_points_get(struct ctx *c, int64_t id, json_t **out)
{
    struct point p;
    enum err e = point_load(c, id, &p);
    if (!e)
        *out = point_json(c, &p);
    return e;
}

/* ---- the list ---- */

enum err contact_points_list(struct ctx *c, const struct contact_point_query *q, json_t **out)
{
    if (q->state && strcmp(q->state, "active") && strcmp(q->state, "ended"))
        return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“state”应为 active（联系中）或 ended（已撤销）");
    /* the offices' points (under a prefix where the user reads clues) and the points of the user's own units */
    int n = 0, k = 0;
    const char **pre = c->user ? perm_scope_cap(c, CAP_CLUE_READ, &n) : NULL;
    int own = c->user ? c->user->ngrants : 0; /* at most one bind per grant */
    struct db_bind *b = arena_alloc(c->arena, sizeof *b * (size_t)(2 * n + own + 12));
    const char *scope = c->user ? "" : "1 = 1";
    for (int i = 0; i < n; i++) {
        scope = arena_printf(c->arena, "%s%s(p.office_path >= ? AND p.office_path < ?)", scope, *scope ? " OR " : "");
        b[k++] = DB_TEXT(pre[i]);
        b[k++] = DB_TEXT(perm_path_upper(c->arena, pre[i]));
    }
    for (int i = 0; c->user && i < c->user->ngrants; i++)
        if (perm_at_unit(c->user, CAP_CLUE_POINT, c->user->grants[i].unit_id)) {
            scope = arena_printf(c->arena, "%s%sp.unit_id = ?", scope, *scope ? " OR " : "");
            b[k++] = DB_INT(c->user->grants[i].unit_id);
        }
    if (!*scope)
        scope = "1 = 0";
    int64_t after = 0;
    if (q->after && *q->after) {
        char *end;
        after = strtoll(q->after, &end, 10);
        if (*end || after <= 0)
            return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“after”应为上一页返回的 next");
    }
    const char *like = q->q && *q->q ? arena_printf(c->arena, "%%%s%%", q->q) : NULL;
    b[k++] = DB_TEXT(q->state);
    b[k++] = DB_TEXT(q->state);
    b[k++] = DB_TEXT(like);
    b[k++] = DB_TEXT(like);
    b[k++] = DB_TEXT(like);
    b[k++] = DB_TEXT(like);
    b[k++] = DB_INT(after);
    b[k++] = DB_INT(after);
    b[k++] = DB_INT(q->limit + 1);
    b[k] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    /* newest first: the id orders the pages (keyset), the limit's one more row tells that a next page exists */
    struct stmt *st = db_query_a(c->db,
                                 arena_printf(c->arena,
                                              "SELECT " POINT_COLS POINT_FROM
                                              "WHERE (%s) AND (? IS NULL OR p.state = ?) AND (? IS NULL OR p.name "
                                              "LIKE ? OR u.name LIKE ? OR p.focus LIKE ?) AND (? = 0 OR p.id < ?) "
                                              "ORDER BY p.id DESC LIMIT ?",
                                              scope),
                                 b);
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取基层联系点");
    struct point *rows = arena_alloc(c->arena, sizeof *rows * (size_t)(q->limit + 1));
    int nrows = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && nrows <= q->limit)
        point_row(c, st, &rows[nrows++]);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取基层联系点");
    json_t *arr = json_array();
    for (int i = 0; i < nrows && i < q->limit; i++)
        json_array_append_new(arr, point_json(c, &rows[i]));
    json_t *next =
        nrows > q->limit ? json_string(arena_printf(c->arena, "%" PRId64, rows[q->limit - 1].id)) : json_null();
    *out = json_pack("{so so}", "contact_points", arr, "next", next);
    return ERR_OK;
}

/* ---- designate, change, end ---- */

/* Tells the point's own people (its liaison officers and heads) what the office decided. */
static enum err tell_point(struct ctx *c, const struct point *p, const char *subject, const char *body)
{
    struct notice nt = {MSG_SYSTEM,
                        false,
                        subject,
                        body,
                        "contact_point",
                        p->id,
                        arena_printf(c->arena, "/contact-points/%" PRId64, p->id)};
    enum err e = notify_role_at(c, p->unit_id, "contact", &nt);
    return e ? e : notify_role_at(c, p->unit_id, "head", &nt);
}

static enum err point_audit(struct ctx *c, const struct point *p, const char *action, json_t *data)
{
    const char *saved = c->audit_scope;
    c->audit_scope = p->office_path;
    enum err e = audit_record(c, action, "contact_point", p->id, data);
    c->audit_scope = saved;
    json_decref(data);
    return e;
}

struct create_args {
    const json_t *body;
    const char *unit_path, *unit_name, *office_path, *name, *started_on;
    int64_t unit_id, office_id, id;
};

/* 409 naming unit_id: the unit is an active contact point already. */
static enum err already(struct ctx *c, const char *unit_name)
{
    ctx_fail(c, ERR_CONFLICT, "%s已是基层联系点，不能重复确定", unit_name);
    c->field = "unit_id";
    return ERR_CONFLICT;
}

static enum err create_tx(struct ctx *c, void *arg)
{
    struct create_args *x = arg;
    int64_t other = 0;
    enum err e = db_one_int(c->db, &other, "SELECT id FROM contact_points WHERE unit_id = ? AND state = 'active'",
                            DB_INT(x->unit_id));
    if (!e)
        return already(c, x->unit_name);
    if (e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "读取基层联系点");
    char at[21];
    time_format_iso(c->now, at);
    const char *note = jv_str(x->body, "note");
    e = db_one_int(c->db, &x->id,
                   "INSERT INTO contact_points (office_unit_id, office_path, unit_id, unit_path, name, focus, note, "
                   "state, started_on, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, "
                   "?, ?, ?) RETURNING id",
                   DB_INT(x->office_id), DB_TEXT(x->office_path), DB_INT(x->unit_id), DB_TEXT(x->unit_path),
                   DB_TEXT(x->name), DB_TEXT(jv_str(x->body, "focus")), DB_TEXT(note ? note : ""),
                   DB_TEXT(x->started_on), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_TEXT(at));
    if (e == ERR_CONFLICT) /* another designation of the unit committed first */
        return already(c, x->unit_name);
    if (e)
        return ctx_db_fail(c, e, "保存基层联系点");
    struct point p;
    if ((e = point_load(c, x->id, &p)))
        return e;
    e = point_audit(c, &p, "contact_point.create",
                    json_pack("{sI ss ss ss}", "unit_id", (json_int_t)x->unit_id, "name", x->name, "focus",
                              jv_str(x->body, "focus"), "started_on", x->started_on));
    if (!e)
        e = tell_point(c, &p, arena_printf(c->arena, "【基层联系点】%s", p.name),
                       arena_printf(c->arena,
                                    "%s督查室自%s起确定本单位为基层联系点。联系重点：%s。请及时通过“基层联系点”页面"
                                    "反映工作中发现的问题和基层的意见建议。",
                                    p.office_name, p.started_on, p.focus));
    return e;
}

enum err contact_points_create(struct ctx *c, const json_t *body, json_t **out)
{
    struct create_args x = {.body = body, .unit_id = jv_int(body, "unit_id", 0)};
    const char *kind = NULL;
    struct stmt *st = db_query(c->db, "SELECT path, name, kind FROM units WHERE id = ?", DB_INT(x.unit_id));
    if (st && stmt_step(st) == STORE_ROW) {
        x.unit_path = arena_strdup(c->arena, stmt_text(st, 0));
        x.unit_name = arena_strdup(c->arena, stmt_text(st, 1));
        kind = arena_strdup(c->arena, stmt_text(st, 2));
    }
    stmt_done(st);
    if (!x.unit_path || (c->user && !perm_sees(c->user, x.unit_path)))
        return ctx_fail_field(c, "unit_id", "联系点单位（unit_id）不存在或无权查看");
    enum err e = clue_office_of(c, x.unit_path, &x.office_id, &x.office_path);
    if (e)
        return e;
    if ((e = perm_require(c, CAP_CLUE_MANAGE, x.office_path, "基层联系点")))
        return e;
    if (x.office_id == x.unit_id || (kind && !strcmp(kind, "government") && !strcmp(x.unit_path, x.office_path)))
        return ctx_fail_field(c, "unit_id", "联系点应是本级政府所辖的地方或部门，不能是政府本身（unit_id）");
    /* a place (a township, a lower government) or a department: not a supervision office, nor a body outside the
     * government (an evaluator, a media centre) */
    if (!kind || (strcmp(kind, "township") && strcmp(kind, "department") && strcmp(kind, "government")))
        return ctx_fail_field(c, "unit_id", "联系点应是本级政府所辖的乡镇（街道）、下级政府或部门，%s不是（unit_id）",
                              x.unit_name);
    x.name = jv_str(body, "name") ? jv_str(body, "name") : arena_printf(c->arena, "%s基层联系点", x.unit_name);
    char today[11];
    clue_today(c, today);
    x.started_on = jv_str(body, "started_on") ? jv_str(body, "started_on") : arena_strdup(c->arena, today);
    if ((e = ctx_tx(c, "确定基层联系点", create_tx, &x)))
        return e;
    return contact_points_get(c, x.id, out);
}

struct change_args {
    int64_t id;
    const json_t *body;
    bool end;
};

static enum err change_tx(struct ctx *c, void *arg)
{
    struct change_args *x = arg;
    enum err e = db_lock_row(c->db, "contact_points", x->id);
    if (e)
        return ctx_db_fail(c, e, "读取基层联系点");
    struct point p;
    if ((e = point_load(c, x->id, &p)) || (e = perm_require(c, CAP_CLUE_MANAGE, p.office_path, "基层联系点")))
        return e;
    if (strcmp(p.state, "active"))
        return ctx_fail(c, ERR_CONFLICT, "%s已于%s撤销，不能再%s", p.name, p.ended_on, x->end ? "撤销" : "修改");
    if (jv_int(x->body, "version", 0) != p.version)
        return ctx_fail(c, ERR_CONFLICT, "基层联系点已被他人修改，请刷新后重试");
    char at[21], today[11];
    time_format_iso(c->now, at);
    clue_today(c, today);
    if (x->end) {
        const char *reason = jv_str(x->body, "reason");
        e = db_exec(c->db,
                    "UPDATE contact_points SET state = 'ended', ended_on = ?, end_reason = ?, updated_at = ?, "
                    "version = version + 1 WHERE id = ?",
                    DB_TEXT(today), DB_TEXT(reason), DB_TEXT(at), DB_INT(x->id));
        if (e)
            return ctx_db_fail(c, e, "撤销基层联系点");
        e = point_audit(c, &p, "contact_point.end", json_pack("{ss ss}", "ended_on", today, "reason", reason));
        if (!e)
            e = tell_point(c, &p, arena_printf(c->arena, "【基层联系点撤销】%s", p.name),
                           arena_printf(c->arena, "%s督查室于%s撤销了本单位的基层联系点。原因：%s。", p.office_name,
                                        today, reason));
        return e;
    }
    const char *keys[] = {"name", "focus", "note"}, *now[] = {p.name, p.focus, p.note};
    json_t *before = json_object(), *after = json_object();
    for (int i = 0; i < 3; i++) {
        const char *v = jv_str(x->body, keys[i]);
        if (v && strcmp(v, now[i])) {
            json_object_set_new(before, keys[i], json_string(now[i]));
            json_object_set_new(after, keys[i], json_string(v));
            now[i] = v;
        }
    }
    e = db_exec(c->db,
                "UPDATE contact_points SET name = ?, focus = ?, note = ?, updated_at = ?, version = version + 1 "
                "WHERE id = ?",
                DB_TEXT(now[0]), DB_TEXT(now[1]), DB_TEXT(now[2]), DB_TEXT(at), DB_INT(x->id));
    if (e) {
        json_decref(before);
        json_decref(after);
        return ctx_db_fail(c, e, "保存基层联系点");
    }
    return point_audit(c, &p, "contact_point.update", json_pack("{so so}", "before", before, "after", after));
}

enum err contact_points_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct change_args x = {id, body, false};
    enum err e = ctx_tx(c, "修改基层联系点", change_tx, &x);
    return e ? e : contact_points_get(c, id, out);
}

enum err contact_points_end(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct change_args x = {id, body, true};
    enum err e = ctx_tx(c, "撤销基层联系点", change_tx, &x);
    return e ? e : contact_points_get(c, id, out);
}

/* ---- reports ---- */

struct report_args {
    struct clue_new n;
    int64_t point_id, id;
    const char *number;
};

static enum err report_tx(struct ctx *c, void *arg)
{
    struct report_args *x = arg;
    /* the point's row locked: an end committed meanwhile refuses the report */
    enum err e = db_lock_row(c->db, "contact_points", x->point_id);
    const char *state = NULL;
    if (!e)
        e = db_one_text(c->db, c->arena, &state, "SELECT state FROM contact_points WHERE id = ?", DB_INT(x->point_id));
    if (e)
        return ctx_db_fail(c, e, "读取基层联系点");
    if (strcmp(state, "active"))
        return ctx_fail(c, ERR_CONFLICT, "基层联系点已撤销，不能再通过它反映情况");
    return clue_insert(c, &x->n, NULL, &x->id, &x->number);
}

enum err contact_points_report(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct point p;
    enum err e = point_load(c, id, &p);
    if (e)
        return e;
    if (!p.own)
        return ctx_fail(c, ERR_FORBIDDEN, "只有联系点本单位的联络员或主要负责人可以通过联系点反映情况");
    if (strcmp(p.state, "active"))
        return ctx_fail(c, ERR_CONFLICT, "%s已于%s撤销，不能再通过它反映情况", p.name, p.ended_on);
    struct report_args x = {.point_id = id};
    struct clue_new *n = &x.n;
    n->source = "contact_point";
    n->contact_point_id = id;
    n->category = jv_str(body, "category");
    n->title = jv_str(body, "title");
    n->description = jv_str(body, "description");
    n->place = jv_str(body, "place");
    n->anonymous = true; /* the office knows the point; who sent it is the clue's created_by */
    n->office_unit_id = p.office_unit_id;
    /* the clue's area is an administrative area: the point itself when it is one, else its government */
    bool area = !strcmp(p.unit_kind, "government") || !strcmp(p.unit_kind, "township");
    n->area_unit_id = area ? p.unit_id : p.office_unit_id;
    if ((e = clue_check_new(c, n)))
        return e;
    clue_dup_hint(c, p.office_unit_id, area ? p.unit_path : p.office_path, n->place, n->description, &n->dup_of,
                  &n->dup_score);
    if ((e = ctx_tx(c, "基层联系点反映情况", report_tx, &x)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    *out =
        json_pack("{ss ss ss}", "number", x.number, "received_at", at, "status", clue_public_status(CLUE_ST_RECEIVED));
    return ERR_OK;
}

enum err contact_points_reports(struct ctx *c, int64_t id, const char *after_s, int limit, json_t **out)
{
    struct point p;
    enum err e = point_load(c, id, &p);
    if (e)
        return e;
    if (!p.manage && !p.own)
        return ctx_fail(c, ERR_FORBIDDEN, "联系点反映的情况只有督查室和本联系点的人员可以查看");
    int64_t after = 0;
    if (after_s && *after_s) {
        char *end;
        after = strtoll(after_s, &end, 10);
        if (*end || after <= 0)
            return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“after”应为上一页返回的 next");
    }
    /* the office reads every report; the point's own people only the ones they sent */
    struct stmt *st = db_query(c->db,
                               "SELECT c.id, c.number, c.title, c.category, c.state, c.created_at, i.state, "
                               "c.public_reply, c.close_reason FROM clues c LEFT JOIN items i ON i.id = c.item_id "
                               "WHERE c.contact_point_id = ? AND (? = 1 OR c.created_by = ?) AND (? = 0 OR c.id < ?) "
                               "ORDER BY c.id DESC LIMIT ?",
                               DB_INT(id), DB_INT(p.manage ? 1 : 0), DB_INT(c->user ? c->user->id : 0), DB_INT(after),
                               DB_INT(after), DB_INT(limit + 1));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取联系点反映的情况");
    json_t *arr = json_array();
    int nrows = 0, rc;
    int64_t last = 0;
    while ((rc = stmt_step(st)) == STORE_ROW && nrows < limit) {
        nrows++;
        last = stmt_int(st, 0);
        int s = CLUE_ST_RECEIVED;
        wf_state_parse(&clue_workflow, stmt_text(st, 4), &s);
        const char *category = stmt_text(st, 3);
        const char *label = clue_category_label(category) ? clue_category_label(category) : category;
        json_t *row;
        if (p.manage) {
            row = json_pack("{sI ss ss ss ss ss ss ss ss}", "clue_id", (json_int_t)last, "number", stmt_text(st, 1),
                            "title", stmt_text(st, 2), "category", category, "category_label", label, "state",
                            clue_state_name((enum clue_state)s), "state_label", clue_state_label((enum clue_state)s),
                            "created_at", stmt_text(st, 5), "link", arena_printf(c->arena, "/clues/%" PRId64, last));
        } else {
            const char *item_state = stmt_is_null(st, 6) ? NULL : stmt_text(st, 6);
            const char *status = s == CLUE_ST_CONVERTED && item_state ? clue_item_public_status(item_state)
                                                                      : clue_public_status((enum clue_state)s);
            bool done = s == CLUE_ST_CLOSED || (s == CLUE_ST_CONVERTED && clue_item_done(item_state));
            const char *reason = s == CLUE_ST_CLOSED ? clue_close_reason_label(clue_col(c, st, 8)) : NULL;
            row = json_pack("{ss ss ss ss ss sb so so ss}", "number", stmt_text(st, 1), "title", stmt_text(st, 2),
                            "category", category, "category_label", label, "status",
                            reason ? arena_printf(c->arena, "%s：%s", status, reason) : status, "closed", done, "reply",
                            stmt_is_null(st, 7) ? json_null() : json_string(stmt_text(st, 7)), "close_reason_label",
                            reason ? json_string(reason) : json_null(), "created_at", stmt_text(st, 5));
        }
        json_array_append_new(arr, row);
    }
    bool more = rc == STORE_ROW;
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取联系点反映的情况");
    }
    *out = json_pack("{so so}", "reports", arr, "next",
                     more ? json_string(arena_printf(c->arena, "%" PRId64, last)) : json_null());
    return ERR_OK;
}

/* ---- research visits (驻点调研) and their reports (调研报告) ---- */

#define TOPIC_MAX 200
#define TEAM_MAX 500
#define PART_MAX 10000

const struct jv_field contact_point_visit_spec[] = {
    {"version", JV_INT, 0, 1, INT64_MAX, "版本"},
    {"topic", JV_STRING, 0, 1, TOPIC_MAX, "调研题目"},
    {"start_date", JV_DATE, 0, 0, 0, "开始日期"},
    {"end_date", JV_DATE, 0, 0, 0, "结束日期"},
    {"team", JV_STRING, 0, 1, TEAM_MAX, "调研组成员"},
    {"situation", JV_STRING, 0, 0, PART_MAX, "基本情况"},
    {"analysis", JV_STRING, 0, 0, PART_MAX, "分析"},
    {"suggestions", JV_STRING, 0, 0, PART_MAX, "建议"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field contact_point_visit_submit_spec[] = {
    {"version", JV_INT, JV_REQUIRED, 1, INT64_MAX, "版本"},
    {NULL, 0, 0, 0, 0, NULL},
};

#define VISIT_COLS                                                                                                     \
    "v.id, v.contact_point_id, v.topic, v.start_date, v.end_date, v.team, v.situation, v.analysis, v.suggestions, "    \
    "v.state, v.submitted_at, s.name, v.created_at, v.updated_at, v.version "
#define VISIT_FROM " FROM contact_point_visits v LEFT JOIN users s ON s.id = v.submitted_by "

/* What the user may see of the point's visits: the office (manage) all with their reports, the government's leaders
 * and those above the submitted ones with their reports, the point's own people all without the reports. */
struct visit_view {
    bool manage, reader, own;
};

static struct visit_view visit_view(const struct point *p)
{
    return (struct visit_view){p->manage, p->office && !p->manage, p->own};
}

static json_t *visit_json(struct stmt *st, struct visit_view w, bool active)
{
    bool draft = !strcmp(stmt_text(st, 9), "draft");
    bool parts = w.manage || w.reader;
    json_t *o = json_pack(
        "{sI sI ss ss ss ss ss ss so so s{sb sb} sI ss ss}", "id", (json_int_t)stmt_int(st, 0), "contact_point_id",
        (json_int_t)stmt_int(st, 1), "topic", stmt_text(st, 2), "start_date", stmt_text(st, 3), "end_date",
        stmt_text(st, 4), "team", stmt_text(st, 5), "state", stmt_text(st, 9), "state_label", draft ? "草稿" : "已报送",
        "submitted_at", stmt_is_null(st, 10) ? json_null() : json_string(stmt_text(st, 10)), "submitted_by_name",
        stmt_is_null(st, 11) ? json_null() : json_string(stmt_text(st, 11)), "can", "edit", draft && active && w.manage,
        "submit", draft && active && w.manage, "version", (json_int_t)stmt_int(st, 14), "created_at", stmt_text(st, 12),
        "updated_at", stmt_text(st, 13));
    const char *keys[] = {"situation", "analysis", "suggestions"};
    for (int i = 0; i < 3; i++)
        json_object_set_new(o, keys[i], parts ? json_string(stmt_text(st, 6 + i)) : json_null());
    return o;
}

enum err contact_point_visits(struct ctx *c, int64_t id, json_t **out)
{
    struct point p;
    enum err e = point_load(c, id, &p);
    if (e)
        return e;
    struct visit_view w = visit_view(&p);
    struct stmt *st = db_query(c->db,
                               "SELECT " VISIT_COLS VISIT_FROM "WHERE v.contact_point_id = ? AND (? = 1 OR v.state = "
                               "'submitted') ORDER BY v.start_date DESC, v.id DESC",
                               DB_INT(id), DB_INT(w.manage || w.own ? 1 : 0));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取驻点调研");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr, visit_json(st, w, !strcmp(p.state, "active")));
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取驻点调研");
    }
    *out = json_pack("{so}", "visits", arr);
    return ERR_OK;
}

static enum err visit_get(struct ctx *c, const struct point *p, int64_t vid, json_t **out)
{
    struct visit_view w = visit_view(p);
    struct stmt *st = db_query(c->db, "SELECT " VISIT_COLS VISIT_FROM "WHERE v.id = ? AND v.contact_point_id = ?",
                               DB_INT(vid), DB_INT(p->id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取驻点调研");
    *out = NULL;
    int rc = stmt_step(st);
    if (rc == STORE_ROW && (w.manage || w.own || strcmp(stmt_text(st, 9), "draft")))
        *out = visit_json(st, w, !strcmp(p->state, "active"));
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取驻点调研");
    return *out ? ERR_OK : ctx_fail(c, ERR_NOT_FOUND, "驻点调研不存在或无权查看");
}

struct visit_args {
    int64_t point_id, vid;
    const json_t *body;
    bool submit;
};

static const char *const visit_keys[] = {"topic",     "start_date", "end_date",   "team",
                                         "situation", "analysis",   "suggestions"};
static const char *const visit_words[] = {"调研题目", "开始日期", "结束日期", "调研组成员", "基本情况", "分析", "建议"};

/* The values of a visit after the body (the current ones where it says nothing): 422 naming the field. */
static enum err visit_values(struct ctx *c, const json_t *body, const char **v, bool create)
{
    for (int i = 0; i < 7; i++)
        if (jv_str(body, visit_keys[i]))
            v[i] = jv_str(body, visit_keys[i]);
    for (int i = 0; create && i < 4; i++)
        if (!v[i] || !*v[i])
            return ctx_fail_field(c, visit_keys[i], "请填写%s（%s）", visit_words[i], visit_keys[i]);
    if (strcmp(v[2], v[1]) < 0)
        return ctx_fail_field(c, "end_date", "结束日期（end_date）不能早于开始日期 %s", v[1]);
    return ERR_OK;
}

/* 报送: 有情况、有分析、有建议; the government's principal and leaders are told. The report informs their decisions
 * ("为政府领导决策提供依据和参考"): a message for reference, no to-do — ducha records no instruction (批示) on it. */
static enum err visit_submit(struct ctx *c, const struct point *p, int64_t vid, const char *const *v, const char *at)
{
    for (int i = 4; i < 7; i++)
        if (!*v[i])
            return ctx_fail_field(c, visit_keys[i], "调研报告应有情况、有分析、有建议：请填写%s（%s）后再报送",
                                  visit_words[i], visit_keys[i]);
    enum err e = db_exec(c->db,
                         "UPDATE contact_point_visits SET state = 'submitted', submitted_at = ?, submitted_by = ?, "
                         "updated_at = ?, version = version + 1 WHERE id = ?",
                         DB_TEXT(at), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_INT(vid));
    if (e)
        return ctx_db_fail(c, e, "报送调研报告");
    e = point_audit(c, p, "contact_point.visit_submit",
                    json_pack("{sI ss}", "visit_id", (json_int_t)vid, "topic", v[0]));
    struct notice nt = {MSG_SYSTEM,
                        false,
                        arena_printf(c->arena, "【调研报告】%s", v[0]),
                        arena_printf(c->arena, "%s督查室报送%s驻点调研（%s至%s）的调研报告《%s》，供决策参考。",
                                     p->office_name, p->name, v[1], v[2], v[0]),
                        "contact_point",
                        p->id,
                        arena_printf(c->arena, "/contact-points/%" PRId64 "?visit=%" PRId64, p->id, vid)};
    if (!e)
        e = notify_role_at(c, p->office_unit_id, "principal", &nt);
    if (!e)
        e = notify_role_at(c, p->office_unit_id, "leader", &nt);
    return e;
}

static enum err visit_tx(struct ctx *c, void *arg)
{
    struct visit_args *x = arg;
    enum err e = db_lock_row(c->db, "contact_points", x->point_id);
    if (e)
        return ctx_db_fail(c, e, "读取基层联系点");
    struct point p;
    if ((e = point_load(c, x->point_id, &p)) || (e = perm_require(c, CAP_CLUE_MANAGE, p.office_path, "驻点调研")))
        return e;
    if (strcmp(p.state, "active"))
        return ctx_fail(c, ERR_CONFLICT, "%s已于%s撤销，不能再记录驻点调研", p.name, p.ended_on);
    char at[21];
    time_format_iso(c->now, at);
    const char *v[7] = {NULL, NULL, NULL, NULL, "", "", ""};
    if (!x->vid) {
        if ((e = visit_values(c, x->body, v, true)))
            return e;
        e = db_one_int(c->db, &x->vid,
                       "INSERT INTO contact_point_visits (contact_point_id, topic, start_date, end_date, team, "
                       "situation, analysis, suggestions, state, created_by, created_at, updated_at) VALUES (?, ?, ?, "
                       "?, ?, ?, ?, ?, 'draft', ?, ?, ?) RETURNING id",
                       DB_INT(p.id), DB_TEXT(v[0]), DB_TEXT(v[1]), DB_TEXT(v[2]), DB_TEXT(v[3]), DB_TEXT(v[4]),
                       DB_TEXT(v[5]), DB_TEXT(v[6]), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at),
                       DB_TEXT(at));
        if (e)
            return ctx_db_fail(c, e, "保存驻点调研");
        return point_audit(c, &p, "contact_point.visit",
                           json_pack("{sI ss ss ss}", "visit_id", (json_int_t)x->vid, "topic", v[0], "start_date", v[1],
                                     "end_date", v[2]));
    }
    struct stmt *st = db_query(c->db,
                               "SELECT topic, start_date, end_date, team, situation, analysis, suggestions, state, "
                               "version FROM contact_point_visits WHERE id = ? AND contact_point_id = ?",
                               DB_INT(x->vid), DB_INT(p.id));
    const char *state = NULL;
    int64_t version = 0;
    if (st && stmt_step(st) == STORE_ROW) {
        for (int i = 0; i < 7; i++)
            v[i] = arena_strdup(c->arena, stmt_text(st, i));
        state = arena_strdup(c->arena, stmt_text(st, 7));
        version = stmt_int(st, 8);
    }
    stmt_done(st);
    if (!state)
        return ctx_fail(c, ERR_NOT_FOUND, "驻点调研不存在或无权查看");
    if (strcmp(state, "draft"))
        return ctx_fail(c, ERR_CONFLICT, "调研报告已报送，不能再修改");
    if (jv_int(x->body, "version", 0) != version)
        return ctx_fail(c, ERR_CONFLICT, "驻点调研已被他人修改，请刷新后重试");
    if (x->submit)
        return visit_submit(c, &p, x->vid, v, at);
    if ((e = visit_values(c, x->body, v, false)))
        return e;
    e = db_exec(c->db,
                "UPDATE contact_point_visits SET topic = ?, start_date = ?, end_date = ?, team = ?, situation = ?, "
                "analysis = ?, suggestions = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                DB_TEXT(v[0]), DB_TEXT(v[1]), DB_TEXT(v[2]), DB_TEXT(v[3]), DB_TEXT(v[4]), DB_TEXT(v[5]), DB_TEXT(v[6]),
                DB_TEXT(at), DB_INT(x->vid));
    if (e)
        return ctx_db_fail(c, e, "保存驻点调研");
    return point_audit(c, &p, "contact_point.visit_update",
                       json_pack("{sI ss}", "visit_id", (json_int_t)x->vid, "topic", v[0]));
}

enum err contact_point_visit_save(struct ctx *c, int64_t id, int64_t vid, const json_t *body, bool submit, json_t **out)
{
    struct visit_args x = {id, vid, body, submit};
    enum err e = ctx_tx(c, submit ? "报送调研报告" : vid ? "修改驻点调研" : "记录驻点调研", visit_tx, &x);
    struct point p;
    if (!e)
        e = point_load(c, id, &p);
    return e ? e : visit_get(c, &p, x.vid, out);
}

enum err contact_point_visit_get(struct ctx *c, int64_t id, int64_t vid, json_t **point, json_t **out)
{
    struct point p;
    enum err e = point_load(c, id, &p);
    if (!e)
        e = visit_get(c, &p, vid, out);
    if (!e && point)
        *point = point_json(c, &p);
    return e;
}
