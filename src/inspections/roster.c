/*
 * roster.c: the inspector roster (督查员名录, DOMAIN.md §1, §6): full-time 督查专员 and part-time
 * inspectors (NPC deputies, CPPCC members, journalists, experts, government counsellors), with or
 * without an account, each on the roster of a government; their assignments (the teams they are on,
 * as far as the reader may see those inspections) and training records. The office (督查室) keeps the
 * roster; the office side reads it; a part-time inspector reads his own record only.
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "core/unit_up.h"

#include <inttypes.h>
#include <string.h>

const struct jv_field inspector_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"name", JV_STRING, 0, 1, 40},
    {"kind", JV_STRING, 0, 1, 20},
    {"unit_id", JV_INT, 0, 1, INT64_MAX},
    {"user_id", JV_INT, JV_NULLABLE, 1, INT64_MAX},
    {"organisation", JV_STRING, 0, 0, 200},
    {"phone", JV_STRING, 0, 0, 40},
    {"expertise", JV_STRING, 0, 0, 500},
    {"active", JV_BOOL, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

const struct jv_field training_spec[] = {
    {"day", JV_DATE, JV_REQUIRED, 0, 0},
    {"title", JV_STRING, JV_REQUIRED, 2, 200},
    {"hours", JV_INT, 0, 0, 1000},
    {"note", JV_STRING, 0, 0, 2000},
    {NULL, 0, 0, 0, 0},
};

struct inspector {
    int64_t id, user_id, unit_id, version;
    const char *name, *kind, *unit_path, *unit_name, *organisation, *phone, *expertise, *created_at;
    bool active;
};

static enum err load(struct ctx *c, int64_t id, struct inspector *r)
{
    memset(r, 0, sizeof *r);
    struct stmt *st =
        db_query(c->db,
                 "SELECT r.id, COALESCE(r.user_id, 0), r.unit_id, r.version, r.name, r.kind, r.unit_path, "
                 "u.name, r.organisation, r.phone, r.expertise, r.created_at, r.active FROM inspectors r "
                 "JOIN units u ON u.id = r.unit_id WHERE r.id = ?",
                 DB_INT(id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取督查员");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        r->id = stmt_int(st, 0);
        r->user_id = stmt_int(st, 1);
        r->unit_id = stmt_int(st, 2);
        r->version = stmt_int(st, 3);
        r->name = insp_col(c, st, 4);
        r->kind = insp_col(c, st, 5);
        r->unit_path = insp_col(c, st, 6);
        r->unit_name = insp_col(c, st, 7);
        r->organisation = insp_col(c, st, 8);
        r->phone = insp_col(c, st, 9);
        r->expertise = insp_col(c, st, 10);
        r->created_at = insp_col(c, st, 11);
        r->active = stmt_int(st, 12) != 0;
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取督查员");
    return rc == STORE_ROW ? ERR_OK : ctx_fail(c, ERR_NOT_FOUND, "督查员不存在或无权查看");
}

/* The office side of the roster's government (or above), or the inspector himself. */
static bool visible(struct ctx *c, const struct inspector *r)
{
    return !c->user || perm_at(c->user, CAP_INSP_READ, r->unit_path) || r->user_id == c->user->id;
}

static json_t *json_of(struct ctx *c, const struct inspector *r, bool full)
{
    const char *label = insp_inspector_kind_label(r->kind);
    json_t *j = json_pack("{sI ss ss ss s{sI ss} so ss ss ss sb sI ss}", "id", (json_int_t)r->id, "name", r->name,
                          "kind", r->kind, "kind_label", label ? label : r->kind, "unit", "id", (json_int_t)r->unit_id,
                          "name", r->unit_name, "user_id", r->user_id ? json_integer(r->user_id) : json_null(),
                          "organisation", r->organisation, "phone", r->phone, "expertise", r->expertise, "active",
                          r->active, "version", (json_int_t)r->version, "created_at", r->created_at);
    /* assignments: the teams the inspector is on, of the inspections the reader may see */
    json_t *assignments = json_array();
    int64_t count = 0;
    struct stmt *st = db_query(c->db,
                               "SELECT m.inspection_id, m.role FROM insp_team m WHERE m.inspector_id = ? OR "
                               "(m.user_id = ? AND ? <> 0) ORDER BY m.inspection_id DESC LIMIT 200",
                               DB_INT(r->id), DB_INT(r->user_id), DB_INT(r->user_id));
    int64_t ids[200];
    const char *roles[200];
    int n = 0;
    while (st && stmt_step(st) == STORE_ROW && n < 200) {
        ids[n] = stmt_int(st, 0);
        roles[n++] = insp_col(c, st, 1);
    }
    if (st)
        stmt_done(st);
    for (int i = 0; i < n; i++) {
        struct insp it;
        if (insp_load(c, ids[i], &it) || !perm_item_visible(c->user, &it.scope))
            continue;
        count++;
        if (full)
            json_array_append_new(assignments,
                                  json_pack("{sI so ss ss ss ss ss}", "inspection_id", (json_int_t)it.id, "number",
                                            it.number ? json_string(it.number) : json_null(), "subject", it.subject,
                                            "role", roles[i], "state", insp_state_name(it.state), "start_date",
                                            it.start_date, "end_date", it.end_date));
    }
    json_object_set_new(j, "assignment_count", json_integer(count));
    if (!full) {
        json_decref(assignments);
        return j;
    }
    json_object_set_new(j, "assignments", assignments);
    json_t *trainings = json_array();
    st = db_query(c->db,
                  "SELECT id, day, title, hours, note FROM inspector_trainings WHERE inspector_id = ? "
                  "ORDER BY day DESC, id DESC",
                  DB_INT(r->id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(trainings, json_pack("{sI ss ss sI ss}", "id", (json_int_t)stmt_int(st, 0), "day",
                                                   stmt_text(st, 1), "title", stmt_text(st, 2), "hours",
                                                   (json_int_t)stmt_int(st, 3), "note", stmt_text(st, 4)));
    if (st)
        stmt_done(st);
    json_object_set_new(j, "trainings", trainings);
    return j;
}

enum err inspectors_list(struct ctx *c, const char *kind, const char *q, bool all, json_t **out)
{
    if (kind && *kind && !insp_inspector_kind_label(kind))
        return ctx_fail(c, ERR_BAD_REQUEST, "督查人员类别（kind）无效（见 GET /api/v1/inspections/meta）");
    if (kind && !*kind)
        kind = NULL;
    /* the rosters of the governments the user reads, and of those above them (members may come from
     * there); a part-timer: his own record */
    int n;
    const char **scope = perm_scope_cap(c, CAP_INSP_READ, &n);
    const char *where = "(r.user_id = ?";
    struct db_bind b[120];
    int nb = 0;
    b[nb++] = DB_INT(c->user ? c->user->id : 0);
    const char *w;
    for (int i = 0; i < n && unit_up_or_below(c->arena, "r.unit_path", scope[i], b, &nb, 110, &w); i++)
        where = arena_printf(c->arena, "%s OR %s", where, w);
    if (!c->user)
        where = "(1 = 1";
    where = arena_printf(c->arena,
                         "%s) AND (? IS NULL OR r.kind = ?) AND (? IS NULL OR r.name LIKE ?) AND (? = 1 OR "
                         "r.active = 1)",
                         where);
    b[nb++] = DB_TEXT(kind);
    b[nb++] = DB_TEXT(kind);
    b[nb++] = DB_TEXT(q);
    b[nb++] = DB_TEXT(q ? arena_printf(c->arena, "%%%s%%", q) : NULL);
    b[nb++] = DB_INT(all);
    b[nb] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    struct stmt *st = db_query_a(
        c->db,
        arena_printf(c->arena, "SELECT r.id FROM inspectors r WHERE %s ORDER BY r.unit_path, r.kind, r.name LIMIT 500",
                     where),
        b);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取督查员名录");
    int64_t ids[500];
    int k = 0;
    while (stmt_step(st) == STORE_ROW && k < 500)
        ids[k++] = stmt_int(st, 0);
    stmt_done(st);
    json_t *arr = json_array();
    for (int i = 0; i < k; i++) {
        struct inspector r;
        if (!load(c, ids[i], &r) && visible(c, &r))
            json_array_append_new(arr, json_of(c, &r, false));
    }
    *out = json_pack("{so}", "inspectors", arr);
    return ERR_OK;
}

enum err inspector_get(struct ctx *c, int64_t id, json_t **out)
{
    struct inspector r;
    enum err e = load(c, id, &r);
    if (e == ERR_NOT_FOUND || (!e && !visible(c, &r)))
        return ctx_fail(c, ERR_NOT_FOUND, "督查员不存在或无权查看");
    if (!e)
        *out = json_of(c, &r, true);
    return e;
}

/* Validates the kind and the account; 422 naming the field. */
static enum err check(struct ctx *c, const json_t *b, int64_t self)
{
    const char *kind = jv_str(b, "kind");
    if (kind && !insp_inspector_kind_label(kind))
        return ctx_fail(
            c, ERR_INVALID,
            "督查员类别（kind）应为 fulltime（督查专员）、npc_deputy（人大代表）、cppcc_member（政协委员）、"
            "journalist（新闻记者）、expert（专家学者）、counsellor（政府参事）或 other");
    int64_t user = jv_int(b, "user_id", 0);
    if (user) {
        int64_t other = 0;
        if (!*insp_user_name(c, user))
            return ctx_fail(c, ERR_INVALID, "用户（user_id）不存在：%" PRId64, user);
        if (!db_one_int(c->db, &other, "SELECT id FROM inspectors WHERE user_id = ?", DB_INT(user)) && other != self)
            return ctx_fail(c, ERR_CONFLICT, "该用户已在督查员名录中（督查员 %" PRId64 "）", other);
    }
    return ERR_OK;
}

struct write_args {
    int64_t id;
    const json_t *body;
};

static enum err create_tx(struct ctx *c, void *arg)
{
    struct write_args *x = arg;
    const json_t *b = x->body;
    if (!jv_str(b, "name") || !jv_str(b, "kind"))
        return ctx_fail(c, ERR_INVALID, "请填写姓名（name）和类别（kind）");
    struct insp_unit gov;
    enum err e;
    if (jv_has(b, "unit_id")) {
        struct insp_unit u;
        if ((e = insp_unit(c, jv_int(b, "unit_id", 0), "unit_id", &u)) || (e = insp_government_of(c, u.path, &gov)))
            return e;
    } else {
        const char *path = NULL;
        for (int i = 0; c->user && i < c->user->ngrants && !path; i++)
            if (perm_at(c->user, CAP_INSP_MANAGE, c->user->grants[i].unit_path))
                path = c->user->grants[i].unit_path;
        if (!path)
            return ctx_fail(c, ERR_FORBIDDEN, "您的角色不能管理督查员名录");
        if ((e = insp_government_of(c, path, &gov)))
            return e;
    }
    if ((e = perm_require(c, CAP_INSP_MANAGE, gov.path, "单位")) || (e = check(c, b, 0)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    json_t *user = json_object_get(b, "user_id");
    e = db_one_int(c->db, &x->id,
                   "INSERT INTO inspectors (user_id, name, kind, unit_id, unit_path, organisation, phone, expertise, "
                   "active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   DB_INT_IF(json_is_integer(user), json_integer_value(user)), DB_TEXT(jv_str(b, "name")),
                   DB_TEXT(jv_str(b, "kind")), DB_INT(gov.id), DB_TEXT(gov.path),
                   DB_TEXT(jv_str(b, "organisation") ? jv_str(b, "organisation") : ""),
                   DB_TEXT(jv_str(b, "phone") ? jv_str(b, "phone") : ""),
                   DB_TEXT(jv_str(b, "expertise") ? jv_str(b, "expertise") : ""), DB_INT(jv_bool(b, "active", true)),
                   DB_TEXT(at), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存督查员");
    return audit_record(c, "inspector.create", "inspector", x->id, (json_t *)b);
}

enum err inspector_create(struct ctx *c, const json_t *body, json_t **out)
{
    struct write_args x = {0, body};
    enum err e = ctx_tx(c, "保存督查员", create_tx, &x);
    return e ? e : inspector_get(c, x.id, out);
}

static enum err update_tx(struct ctx *c, void *arg)
{
    struct write_args *x = arg;
    const json_t *b = x->body;
    struct inspector r;
    enum err e = load(c, x->id, &r);
    if (e || !visible(c, &r))
        return ctx_fail(c, ERR_NOT_FOUND, "督查员不存在或无权查看");
    if ((e = perm_require(c, CAP_INSP_MANAGE, r.unit_path, "督查员")) || (e = check(c, b, r.id)))
        return e;
    if (jv_has(b, "version") && jv_int(b, "version", 0) != r.version)
        return ctx_fail(c, ERR_CONFLICT, "督查员信息已被他人修改，请刷新后重试");
    char at[21];
    time_format_iso(c->now, at);
    json_t *user = json_object_get(b, "user_id");
    e = db_exec(c->db,
                "UPDATE inspectors SET name = ?, kind = ?, user_id = ?, organisation = ?, phone = ?, expertise = ?, "
                "active = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                DB_TEXT(jv_str(b, "name") ? jv_str(b, "name") : r.name),
                DB_TEXT(jv_str(b, "kind") ? jv_str(b, "kind") : r.kind),
                user ? (json_is_integer(user) ? DB_INT(json_integer_value(user)) : DB_NULL)
                     : DB_INT_IF(r.user_id, r.user_id),
                DB_TEXT(jv_str(b, "organisation") ? jv_str(b, "organisation") : r.organisation),
                DB_TEXT(jv_str(b, "phone") ? jv_str(b, "phone") : r.phone),
                DB_TEXT(jv_str(b, "expertise") ? jv_str(b, "expertise") : r.expertise),
                DB_INT(jv_bool(b, "active", r.active)), DB_TEXT(at), DB_INT(r.id));
    if (e)
        return ctx_db_fail(c, e, "保存督查员");
    return audit_record(c, "inspector.update", "inspector", r.id, (json_t *)b);
}

enum err inspector_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct write_args x = {id, body};
    enum err e = ctx_tx(c, "保存督查员", update_tx, &x);
    return e ? e : inspector_get(c, id, out);
}

static enum err training_tx(struct ctx *c, void *arg)
{
    struct write_args *x = arg;
    const json_t *b = x->body;
    struct inspector r;
    enum err e = load(c, x->id, &r);
    if (e || !visible(c, &r))
        return ctx_fail(c, ERR_NOT_FOUND, "督查员不存在或无权查看");
    if ((e = perm_require(c, CAP_INSP_MANAGE, r.unit_path, "督查员")))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db,
                "INSERT INTO inspector_trainings (inspector_id, day, title, hours, note, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                DB_INT(r.id), DB_TEXT(jv_str(b, "day")), DB_TEXT(jv_str(b, "title")), DB_INT(jv_int(b, "hours", 0)),
                DB_TEXT(jv_str(b, "note") ? jv_str(b, "note") : ""), DB_INT_IF(c->user, c->user ? c->user->id : 0),
                DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存培训记录");
    return audit_record(c, "inspector.training", "inspector", r.id, (json_t *)b);
}

enum err inspector_training_add(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct write_args x = {id, body};
    enum err e = ctx_tx(c, "保存培训记录", training_tx, &x);
    return e ? e : inspector_get(c, id, out);
}
