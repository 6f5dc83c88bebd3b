#include "auth/users.h"

#include "auth/auth.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "core/perm.h"
#include "crypto/password.h"
#include "units/units.h"

#include <inttypes.h>
#include <string.h>

const struct jv_field users_create_spec[] = {
    {"username", JV_STRING, JV_REQUIRED, 2, 64},
    {"name", JV_STRING, JV_REQUIRED, 0, 50},
    {"unit_id", JV_INT, JV_REQUIRED, 0, 0},
    {"password", JV_STRING, JV_REQUIRED | JV_VERBATIM, 0, 128},
    {"email", JV_STRING, 0, 0, 120},
    {"phone", JV_STRING, 0, 0, 30},
    {"roles", JV_OBJECT_ARRAY, 0, 0, 50},
    {"portfolio", JV_INT_ARRAY, 0, 0, 500},
    {"must_change_password", JV_BOOL, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

const struct jv_field users_update_spec[] = {
    {"name", JV_STRING, 0, 1, 50},
    {"email", JV_STRING, 0, 0, 120},
    {"phone", JV_STRING, 0, 0, 30},
    {"disabled", JV_BOOL, 0, 0, 0},
    {"password", JV_STRING, JV_VERBATIM, 0, 128},
    {"unlock", JV_BOOL, 0, 0, 0},
    {"portfolio", JV_INT_ARRAY, 0, 0, 500},
    {"version", JV_INT, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

const struct jv_field users_grant_spec[] = {
    {"role", JV_STRING, JV_REQUIRED, 0, 20},
    {"unit_id", JV_INT, JV_REQUIRED, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static const char SQL_USER[] =
    "SELECT u.id, u.username, u.name, u.unit_id, un.name, un.path, u.email, u.phone, COALESCE(t.failures, 0), "
    "COALESCE(t.blocked_until, 0), u.must_change_password, u.disabled, u.created_at, u.updated_at, u.version "
    "FROM users u JOIN units un ON un.id = u.unit_id LEFT JOIN login_throttle t ON t.key = 'acct:' || u.username";

static json_t *user_row_json(struct ctx *c, struct stmt *st)
{
    return json_pack("{sI ss ss sI ss ss ss sI sb sb sb ss ss sI}", "id", (json_int_t)stmt_int(st, 0), "username",
                     stmt_text(st, 1), "name", stmt_text(st, 2), "unit_id", (json_int_t)stmt_int(st, 3), "unit_name",
                     stmt_text(st, 4), "email", stmt_text(st, 6), "phone", stmt_text(st, 7), "failed_logins",
                     (json_int_t)stmt_int(st, 8), "locked", stmt_int(st, 9) > c->now, "must_change_password",
                     stmt_int(st, 10) != 0, "disabled", stmt_int(st, 11) != 0, "created_at", stmt_text(st, 12),
                     "updated_at", stmt_text(st, 13), "version", (json_int_t)stmt_int(st, 14));
}

/* Adds roles and portfolio arrays to a user object. */
static enum err user_add_grants(struct ctx *c, int64_t id, json_t *u)
{
    struct stmt *st = db_prepare(c->db, "SELECT r.id, r.role, r.unit_id, un.code, un.name FROM user_roles r "
                                        "JOIN units un ON un.id = r.unit_id WHERE r.user_id = ? ORDER BY r.id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取用户");
    stmt_bind_int(st, 1, id);
    json_t *roles = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        enum role r;
        role_parse(stmt_text(st, 1), &r);
        json_array_append_new(roles, json_pack("{sI ss ss sI ss ss}", "id", (json_int_t)stmt_int(st, 0), "role",
                                               stmt_text(st, 1), "role_label", role_label(r), "unit_id",
                                               (json_int_t)stmt_int(st, 2), "unit_code", stmt_text(st, 3), "unit_name",
                                               stmt_text(st, 4)));
    }
    stmt_done(st);
    json_object_set_new(u, "roles", roles);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取用户");
    st = db_prepare(c->db, "SELECT unit_id FROM leader_portfolio WHERE user_id = ? ORDER BY unit_id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取用户");
    stmt_bind_int(st, 1, id);
    json_t *pf = json_array();
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(pf, json_integer(stmt_int(st, 0)));
    stmt_done(st);
    json_object_set_new(u, "portfolio", pf);
    return rc < 0 ? ctx_store_fail(c, rc, "读取用户") : ERR_OK;
}

/* Loads a user; with check, the user's unit must be in the caller's scope (else 404). */
static enum err user_load(struct ctx *c, int64_t id, bool check, json_t **out, const char **unit_path)
{
    struct stmt *st = db_prepare(c->db, arena_printf(c->arena, "%s WHERE u.id = ?", SQL_USER));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取用户");
    stmt_bind_int(st, 1, id);
    int rc = stmt_step(st);
    json_t *u = NULL;
    const char *path = NULL;
    if (rc == STORE_ROW) {
        u = user_row_json(c, st);
        path = arena_strdup(c->arena, stmt_text(st, 5));
    }
    stmt_done(st);
    if (rc == STORE_ROW && check && !perm_sees(c->user, path)) {
        json_decref(u);
        rc = STORE_DONE;
    }
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "用户不存在或无权查看");
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取用户");
    enum err e = user_add_grants(c, id, u);
    if (e) {
        json_decref(u);
        return e;
    }
    *out = u;
    if (unit_path)
        *unit_path = path;
    return ERR_OK;
}

enum err users_get(struct ctx *c, int64_t id, json_t **out)
{
    return user_load(c, id, true, out, NULL);
}

enum err users_list(struct ctx *c, const char *q, int64_t unit_id, int limit, int offset, json_t **out)
{
    int n;
    const char **scope = perm_scope(c, &n);
    if (!c->user) {
        scope = arena_alloc(c->arena, sizeof *scope);
        scope[0] = "/";
        n = 1;
    }
    if (unit_id) {
        const char *p;
        enum err e = units_path(c, unit_id, &p);
        if (!e && !perm_sees(c->user, p))
            e = ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
        if (e)
            return e;
        scope = arena_alloc(c->arena, sizeof *scope);
        scope[0] = p;
        n = 1;
    }
    /* one OR-ed range per scope root keeps the query a set of index range scans */
    char *sql = arena_printf(c->arena, "%s WHERE (? IS NULL OR u.username LIKE ? OR u.name LIKE ?) AND (", SQL_USER);
    for (int i = 0; i < n; i++)
        sql = arena_printf(c->arena, "%s%s(un.path >= ? AND un.path < ?)", sql, i ? " OR " : "");
    sql = arena_printf(c->arena, "%s) ORDER BY u.id DESC LIMIT ? OFFSET ?", sql);
    struct stmt *st = db_prepare(c->db, sql);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "查询用户");
    const char *like = q && *q ? arena_printf(c->arena, "%%%s%%", q) : NULL;
    stmt_bind_text(st, 1, like);
    stmt_bind_text(st, 2, like);
    stmt_bind_text(st, 3, like);
    int k = 4;
    for (int i = 0; i < n; i++) {
        stmt_bind_text(st, k++, scope[i]);
        stmt_bind_text(st, k++, perm_path_upper(c->arena, scope[i]));
    }
    stmt_bind_int(st, k++, limit);
    stmt_bind_int(st, k, offset);
    json_t *arr = json_array();
    int rc;
    int64_t ids[1000];
    int nid = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        json_array_append_new(arr, user_row_json(c, st));
        if (nid < 1000)
            ids[nid++] = stmt_int(st, 0);
    }
    stmt_done(st);
    for (int i = 0; i < nid && rc >= 0; i++)
        if (user_add_grants(c, ids[i], json_array_get(arr, (size_t)i)))
            rc = STORE_E_OTHER;
    if (rc < 0) {
        json_decref(arr);
        return c->err ? c->err : ctx_store_fail(c, rc, "查询用户");
    }
    *out = arr;
    return ERR_OK;
}

/* Validates and inserts one grant inside a transaction. */
static enum err grant_insert(struct ctx *c, int64_t uid, const char *role_s, int64_t unit_id, enum cap cap)
{
    enum role r;
    if (!role_parse(role_s, &r))
        return ctx_fail(c, ERR_INVALID,
                        "角色“%s”无效，可选：admin principal leader director deputy secretary office inspector "
                        "parttime contact head evaluator",
                        role_s);
    const char *path;
    enum err e = units_path(c, unit_id, &path);
    if (e)
        return ctx_fail(c, ERR_INVALID, "授权单位 %" PRId64 " 不存在", unit_id);
    if (c->user && (e = perm_require(c, cap, path, "授权单位")))
        return e == ERR_NOT_FOUND ? ctx_fail(c, ERR_INVALID, "授权单位 %" PRId64 " 不存在", unit_id) : e;
    struct stmt *st = db_prepare(c->db, "INSERT INTO user_roles (user_id, role, unit_id) VALUES (?, ?, ?)");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "授予角色");
    stmt_bind_int(st, 1, uid);
    stmt_bind_text(st, 2, role_name(r));
    stmt_bind_int(st, 3, unit_id);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc == STORE_E_UNIQUE)
        return ctx_fail(c, ERR_CONFLICT, "该用户已在此单位拥有“%s”角色", role_label(r));
    return rc < 0 ? ctx_store_fail(c, rc, "授予角色") : ERR_OK;
}

/* Replaces a leader's portfolio with the given unit ids. */
static enum err portfolio_set(struct ctx *c, int64_t uid, const json_t *ids)
{
    struct stmt *st = db_prepare(c->db, "DELETE FROM leader_portfolio WHERE user_id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "设置分管单位");
    stmt_bind_int(st, 1, uid);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "设置分管单位");
    size_t i;
    const json_t *v;
    json_array_foreach(ids, i, v)
    {
        int64_t unit = json_integer_value(v);
        const char *path;
        if (units_path(c, unit, &path) || !perm_sees(c->user, path))
            return ctx_fail(c, ERR_INVALID, "分管单位 %" PRId64 " 不存在", unit);
        st = db_prepare(c->db, "INSERT INTO leader_portfolio (user_id, unit_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "设置分管单位");
        stmt_bind_int(st, 1, uid);
        stmt_bind_int(st, 2, unit);
        rc = stmt_step(st);
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "设置分管单位");
    }
    return ERR_OK;
}

struct user_args {
    int64_t id;
    const json_t *body;
    const char *hash;
    enum cap cap; /* held at the user's unit and the units of the roles */
};

static enum err user_create_tx(struct ctx *c, void *arg)
{
    struct user_args *a = arg;
    const json_t *b = a->body;
    int64_t unit = jv_int(b, "unit_id", 0);
    const char *path;
    if (units_path(c, unit, &path))
        return ctx_fail(c, ERR_INVALID, "所属单位 %" PRId64 " 不存在", unit);
    enum err e = perm_require(c, a->cap, path, "所属单位");
    if (e)
        return e == ERR_NOT_FOUND ? ctx_fail(c, ERR_INVALID, "所属单位 %" PRId64 " 不存在", unit) : e;
    char at[21];
    time_format_iso(c->now, at);
    struct stmt *st =
        db_prepare(c->db, "INSERT INTO users (username, name, unit_id, password_hash, email, phone, "
                          "must_change_password, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                          "RETURNING id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "新建用户");
    stmt_bind_text(st, 1, jv_str(b, "username"));
    stmt_bind_text(st, 2, jv_str(b, "name"));
    stmt_bind_int(st, 3, unit);
    stmt_bind_text(st, 4, a->hash);
    stmt_bind_text(st, 5, jv_str(b, "email") ? jv_str(b, "email") : "");
    stmt_bind_text(st, 6, jv_str(b, "phone") ? jv_str(b, "phone") : "");
    stmt_bind_int(st, 7, jv_bool(b, "must_change_password", c->user != NULL));
    stmt_bind_text(st, 8, at);
    stmt_bind_text(st, 9, at);
    int rc = stmt_one_int(st, &a->id);
    if (rc == STORE_E_UNIQUE)
        return ctx_fail(c, ERR_CONFLICT, "用户名 %s 已存在", jv_str(b, "username"));
    if (rc != STORE_ROW)
        return ctx_store_fail(c, rc == STORE_DONE ? STORE_E_OTHER : rc, "新建用户");
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(b, "roles"), i, g)
    {
        char msg[256];
        if (jv_check(g, users_grant_spec, msg, sizeof msg))
            return ctx_fail(c, ERR_INVALID, "roles 第 %zu 项：%s", i + 1, msg);
        if ((e = grant_insert(c, a->id, jv_str(g, "role"), jv_int(g, "unit_id", 0), a->cap)))
            return e;
    }
    if (json_object_get(b, "portfolio") && (e = portfolio_set(c, a->id, json_object_get(b, "portfolio"))))
        return e;
    json_t *copy = json_deep_copy(b);
    json_object_del(copy, "password");
    json_t *sum = json_pack("{so}", "after", copy);
    e = audit_record(c, "user.create", "user", a->id, sum);
    json_decref(sum);
    return e;
}

static bool username_ok(const char *s)
{
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
              *p == '.' || *p == '-'))
            return false;
    return true;
}

enum err users_create_hashed(struct ctx *c, const json_t *body, const char *hash, json_t **out)
{
    if (!username_ok(jv_str(body, "username")))
        return ctx_fail(c, ERR_INVALID, "用户名只能包含字母、数字和 _ . -");
    struct user_args a = {0, body, hash, CAP_USER_ADMIN};
    enum err e = ctx_tx(c, "新建用户", user_create_tx, &a);
    return e ? e : user_load(c, a.id, false, out, NULL);
}

enum err users_create(struct ctx *c, const json_t *body, json_t **out)
{
    return users_create_as(c, body, CAP_USER_ADMIN, out);
}

enum err users_create_as(struct ctx *c, const json_t *body, enum cap cap, json_t **out)
{
    if (!username_ok(jv_str(body, "username")))
        return ctx_fail(c, ERR_INVALID, "用户名只能包含字母、数字和 _ . -");
    const char *bad = password_policy(jv_str(body, "password"), (size_t)c->cfg->password_min_length);
    if (bad)
        return ctx_fail(c, ERR_INVALID, "%s", bad);
    char hash[128];
    if (!password_hash(jv_str(body, "password"), hash))
        die_oom();
    struct user_args a = {0, body, hash, cap};
    enum err e = ctx_tx(c, "新建用户", user_create_tx, &a);
    return e ? e : user_load(c, a.id, false, out, NULL);
}

static enum err user_update_tx(struct ctx *c, void *arg)
{
    struct user_args *a = arg;
    const json_t *b = a->body;
    json_t *before;
    const char *path;
    enum err e = user_load(c, a->id, true, &before, &path);
    if (e)
        return e;
    if ((e = perm_require(c, a->cap, path, "用户"))) {
        json_decref(before);
        return e;
    }
    int64_t version = json_integer_value(json_object_get(before, "version"));
    if (jv_has(b, "version") && jv_int(b, "version", 0) != version) {
        json_decref(before);
        return ctx_fail(c, ERR_CONFLICT, "用户已被他人修改，请刷新后重试");
    }
    if (c->user && a->id == c->user->id && jv_bool(b, "disabled", false)) {
        json_decref(before);
        return ctx_fail(c, ERR_INVALID, "不能停用自己的账号");
    }
    char at[21];
    time_format_iso(c->now, at);
    struct stmt *st = db_prepare(
        c->db, "UPDATE users SET name = COALESCE(?, name), email = COALESCE(?, email), phone = COALESCE(?, phone), "
               "disabled = COALESCE(?, disabled), password_hash = COALESCE(?, password_hash), "
               "must_change_password = CASE WHEN ? IS NULL THEN must_change_password ELSE 1 END, "
               "failed_logins = CASE WHEN ? = 1 THEN 0 ELSE failed_logins END, "
               "locked_until = CASE WHEN ? = 1 THEN 0 ELSE locked_until END, "
               "updated_at = ?, version = version + 1 WHERE id = ?");
    if (!st) {
        json_decref(before);
        return ctx_store_fail(c, STORE_E_OTHER, "修改用户");
    }
    stmt_bind_text(st, 1, jv_str(b, "name"));
    stmt_bind_text(st, 2, jv_str(b, "email"));
    stmt_bind_text(st, 3, jv_str(b, "phone"));
    if (jv_has(b, "disabled"))
        stmt_bind_int(st, 4, jv_bool(b, "disabled", false));
    else
        stmt_bind_null(st, 4);
    stmt_bind_text(st, 5, a->hash);
    stmt_bind_text(st, 6, c->user ? a->hash : NULL); /* an admin reset must be changed; the CLI sets it for good */
    stmt_bind_int(st, 7, jv_bool(b, "unlock", false) || a->hash);
    stmt_bind_int(st, 8, jv_bool(b, "unlock", false) || a->hash);
    stmt_bind_text(st, 9, at);
    stmt_bind_int(st, 10, a->id);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc < 0) {
        json_decref(before);
        return ctx_store_fail(c, rc, "修改用户");
    }
    if (jv_bool(b, "disabled", false) || a->hash) {
        st = db_prepare(c->db, "DELETE FROM sessions WHERE user_id = ?");
        if (st) {
            stmt_bind_int(st, 1, a->id);
            rc = stmt_step(st);
            stmt_done(st);
        }
        if (!st || rc < 0) {
            json_decref(before);
            return ctx_store_fail(c, st ? rc : STORE_E_OTHER, "修改用户");
        }
    }
    /* unlock (or a new password): the name's sign-in failures are forgotten */
    if ((jv_bool(b, "unlock", false) || a->hash) &&
        (e = auth_unthrottle(c, json_string_value(json_object_get(before, "username"))))) {
        json_decref(before);
        return e;
    }
    if (json_object_get(b, "portfolio") && (e = portfolio_set(c, a->id, json_object_get(b, "portfolio")))) {
        json_decref(before);
        return e;
    }
    json_t *change = json_deep_copy(b);
    if (json_object_get(change, "password"))
        json_object_set_new(change, "password", json_string("(reset)"));
    json_t *sum = json_pack("{so so}", "before", before, "change", change);
    e = audit_record(c, jv_bool(b, "disabled", false) ? "user.disable" : "user.update", "user", a->id, sum);
    json_decref(sum);
    return e;
}

enum err users_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    return users_update_as(c, id, body, CAP_USER_ADMIN, out);
}

enum err users_update_as(struct ctx *c, int64_t id, const json_t *body, enum cap cap, json_t **out)
{
    char hash[128];
    const char *pw = jv_str(body, "password");
    struct user_args a = {id, body, NULL, cap};
    if (pw) {
        const char *bad = password_policy(pw, (size_t)c->cfg->password_min_length);
        if (bad)
            return ctx_fail(c, ERR_INVALID, "%s", bad);
        if (!password_hash(pw, hash))
            die_oom();
        a.hash = hash;
    }
    enum err e = ctx_tx(c, "修改用户", user_update_tx, &a);
    return e ? e : user_load(c, id, false, out, NULL);
}

enum err users_disable(struct ctx *c, int64_t id)
{
    json_t *b = json_pack("{sb}", "disabled", 1);
    json_t *out = NULL;
    enum err e = users_update(c, id, b, &out);
    json_decref(b);
    json_decref(out);
    return e;
}

struct grant_args {
    int64_t id, grant_id;
    const json_t *body;
};

static enum err grant_tx(struct ctx *c, void *arg)
{
    struct grant_args *a = arg;
    json_t *u;
    const char *path;
    enum err e = user_load(c, a->id, true, &u, &path);
    if (e)
        return e;
    json_decref(u);
    if ((e = perm_require(c, CAP_USER_ADMIN, path, "用户")))
        return e;
    json_t *sum;
    if (a->body) {
        if ((e = grant_insert(c, a->id, jv_str(a->body, "role"), jv_int(a->body, "unit_id", 0), CAP_USER_ADMIN)))
            return e;
        sum = json_pack("{sO}", "grant", (json_t *)a->body);
    } else {
        struct stmt *st = db_prepare(c->db, "SELECT role, unit_id FROM user_roles WHERE id = ? AND user_id = ?");
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "撤销角色");
        stmt_bind_int(st, 1, a->grant_id);
        stmt_bind_int(st, 2, a->id);
        int rc = stmt_step(st);
        const char *role = rc == STORE_ROW ? arena_strdup(c->arena, stmt_text(st, 0)) : NULL;
        int64_t unit = rc == STORE_ROW ? stmt_int(st, 1) : 0;
        stmt_done(st);
        if (rc == STORE_DONE)
            return ctx_fail(c, ERR_NOT_FOUND, "该角色授权不存在");
        if (rc < 0)
            return ctx_store_fail(c, rc, "撤销角色");
        const char *upath;
        if ((e = units_path(c, unit, &upath)) || (e = perm_require(c, CAP_USER_ADMIN, upath, "授权单位")))
            return e;
        if (c->user && a->id == c->user->id && strcmp(role, "admin") == 0)
            return ctx_fail(c, ERR_INVALID, "不能撤销自己的管理员角色");
        st = db_prepare(c->db, "DELETE FROM user_roles WHERE id = ?");
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "撤销角色");
        stmt_bind_int(st, 1, a->grant_id);
        rc = stmt_step(st);
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "撤销角色");
        sum = json_pack("{s{ss sI}}", "revoked", "role", role, "unit_id", (json_int_t)unit);
    }
    e = audit_record(c, a->body ? "user.grant" : "user.revoke", "user", a->id, sum);
    json_decref(sum);
    return e;
}

enum err users_grant(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct grant_args a = {id, 0, body};
    enum err e = ctx_tx(c, "授予角色", grant_tx, &a);
    return e ? e : user_load(c, id, false, out, NULL);
}

enum err users_revoke(struct ctx *c, int64_t id, int64_t grant_id, json_t **out)
{
    struct grant_args a = {id, grant_id, NULL};
    enum err e = ctx_tx(c, "撤销角色", grant_tx, &a);
    return e ? e : user_load(c, id, false, out, NULL);
}

enum err users_set_password(struct ctx *c, const char *username, const char *password)
{
    const char *bad = password_policy(password, (size_t)c->cfg->password_min_length);
    if (bad)
        return ctx_fail(c, ERR_INVALID, "%s", bad);
    struct stmt *st = db_prepare(c->db, "SELECT id FROM users WHERE username = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "设置密码");
    stmt_bind_text(st, 1, username);
    int64_t id;
    int rc = stmt_one_int(st, &id);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "用户 %s 不存在", username);
    if (rc < 0)
        return ctx_store_fail(c, rc, "设置密码");
    json_t *b = json_pack("{ss}", "password", password);
    json_t *out = NULL;
    enum err e = users_update(c, id, b, &out);
    json_decref(b);
    json_decref(out);
    return e;
}
