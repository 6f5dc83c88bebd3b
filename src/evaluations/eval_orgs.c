/*
 * eval_orgs.c: the evaluator organisations (第三方评估机构) a government's supervision office works with.
 * The office (CAP_INSP_MANAGE at its government) registers an organisation — a unit of kind external below
 * the government —, opens its users' accounts (role evaluator at the organisation, a first password the
 * user must change), sees its users and engagements, and suspends it with a reason or lifts the
 * suspension (table evaluator_orgs, migration 0214). A suspended organisation cannot be engaged, and its
 * users see and do nothing of its engagements (eval_load leaves out its members and its track, so their
 * to-dos go); its users are told of the suspension and of its end. Every change is audited in its
 * transaction.
 */
#include "evaluations/eval_internal.h"

#include "auth/users.h"
#include "notify/notify.h"
#include "units/units.h"

#include <inttypes.h>
#include <string.h>

const struct jv_field eval_orgs_create_spec[] = {
    {"name", JV_STRING, JV_REQUIRED, 1, 100, "机构名称"},
    {"code", JV_STRING, 0, 1, 32, "机构代码"},
    {"principal", JV_STRING, 0, 0, 50, "负责人"},
    {"contact", JV_STRING, 0, 0, 50, "联系人"},
    {"phone", JV_STRING, 0, 0, 30, "联系电话"},
    {"scope", JV_STRING, 0, 0, 1000, "业务范围与资质"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field eval_orgs_user_spec[] = {
    {"username", JV_STRING, JV_REQUIRED, 2, 64, "用户名"},
    {"name", JV_STRING, JV_REQUIRED, 1, 50, "姓名"},
    {"password", JV_STRING, JV_REQUIRED | JV_VERBATIM, 0, 128, "初始密码"},
    {"phone", JV_STRING, 0, 0, 30, "手机号"},
    {"email", JV_STRING, 0, 0, 120, "电子邮箱"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field eval_orgs_account_spec[] = {
    {"disabled", JV_BOOL, 0, 0, 0, "停用"},
    {"password", JV_STRING, JV_VERBATIM, 0, 128, "新密码"},
    {"reason", JV_STRING, 0, 0, 500, "停用理由"},
    {NULL, 0, 0, 0, 0, NULL},
};

const struct jv_field eval_orgs_suspend_spec[] = {
    {"reason", JV_STRING, 0, 0, 500, "暂停理由"},
    {NULL, 0, 0, 0, 0, NULL},
};

#define ORG_COLS                                                                                                       \
    "SELECT u.id, u.code, u.name, u.path, u.principal, u.contact, u.phone, o.scope, o.suspended_at, "                  \
    "o.suspended_reason, "                                                                                             \
    "(SELECT COUNT(*) FROM user_roles r JOIN users x ON x.id = r.user_id WHERE r.unit_id = u.id AND r.role = "         \
    "'evaluator' AND x.disabled = 0), (SELECT COUNT(*) FROM evaluations e WHERE e.evaluator_unit_id = u.id AND "       \
    "e.state <> 'draft'), (SELECT COUNT(*) FROM evaluations e WHERE e.evaluator_unit_id = u.id AND e.state IN "        \
    "('engaged', 'submitted')) FROM units u LEFT JOIN evaluator_orgs o ON o.unit_id = u.id WHERE u.kind = "            \
    "'external' "

static json_t *org_json(struct stmt *st)
{
    bool suspended = !stmt_is_null(st, 8);
    return json_pack("{sI ss ss ss ss ss ss sb so ss sI sI sI}", "id", (json_int_t)stmt_int(st, 0), "code",
                     stmt_text(st, 1), "name", stmt_text(st, 2), "principal", stmt_text(st, 4), "contact",
                     stmt_text(st, 5), "phone", stmt_text(st, 6), "scope", stmt_is_null(st, 7) ? "" : stmt_text(st, 7),
                     "suspended", suspended, "suspended_at", suspended ? json_string(stmt_text(st, 8)) : json_null(),
                     "suspended_reason", stmt_is_null(st, 9) ? "" : stmt_text(st, 9), "users",
                     (json_int_t)stmt_int(st, 10), "engagements", (json_int_t)stmt_int(st, 11), "engagements_open",
                     (json_int_t)stmt_int(st, 12));
}

enum err eval_orgs_list(struct ctx *c, json_t **out)
{
    int n = 0;
    const char **scope = c->user ? perm_scope_cap(c, CAP_INSP_MANAGE, &n) : NULL;
    if (n < 1)
        return ctx_fail(c, ERR_FORBIDDEN, "只有督查室可以管理第三方评估机构");
    json_t *list = json_array();
    for (int k = 0; k < n && k < 8; k++) {
        struct stmt *st = db_query(c->db, ORG_COLS "AND u.path >= ? AND u.path < ? ORDER BY u.path LIMIT 500",
                                   DB_TEXT(scope[k]), DB_TEXT(perm_path_upper(c->arena, scope[k])));
        if (!st) {
            json_decref(list);
            return ctx_db_fail(c, ERR_INTERNAL, "读取第三方评估机构");
        }
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW)
            json_array_append_new(list, org_json(st));
        stmt_done(st);
        if (rc < 0) {
            json_decref(list);
            return ctx_store_fail(c, rc, "读取第三方评估机构");
        }
    }
    *out = json_pack("{so}", "organisations", list);
    return ERR_OK;
}

/* The organisation id as the office sees it: its row (org_json's columns) and path; 404 when it is not an
 * external unit the user sees, 403 when the user sees it but may not manage it. */
static enum err org_load(struct ctx *c, int64_t id, json_t **org, const char **path)
{
    struct stmt *st = db_query(c->db, ORG_COLS "AND u.id = ?", DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取第三方评估机构");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        *path = arena_strdup(c->arena, stmt_text(st, 3));
        *org = org_json(st);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取第三方评估机构");
    if (rc != STORE_ROW)
        return ctx_fail(c, ERR_NOT_FOUND, "第三方评估机构不存在");
    enum err e = perm_require(c, CAP_INSP_MANAGE, *path, "第三方评估机构");
    if (e) {
        json_decref(*org);
        *org = NULL;
        return e == ERR_NOT_FOUND ? ctx_fail(c, ERR_NOT_FOUND, "第三方评估机构不存在") : e;
    }
    return ERR_OK;
}

/* The organisation the office manages (org_load), its name in arena memory. */
static enum err org_named(struct ctx *c, int64_t id, const char **name)
{
    json_t *org = NULL;
    const char *path;
    enum err e = org_load(c, id, &org, &path);
    if (e)
        return e;
    *name = arena_strdup(c->arena, json_string_value(json_object_get(org, "name")));
    json_decref(org);
    return ERR_OK;
}

enum err eval_orgs_get(struct ctx *c, int64_t id, json_t **out)
{
    json_t *org = NULL;
    const char *path;
    enum err e = org_load(c, id, &org, &path);
    if (e)
        return e;
    json_t *users = json_array(), *engagements = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT DISTINCT x.id, x.username, x.name, x.phone, x.disabled FROM user_roles r JOIN "
                               "users x ON x.id = r.user_id WHERE r.unit_id = ? AND r.role = 'evaluator' ORDER BY x.id",
                               DB_INT(id));
    int rc = STORE_E_OTHER;
    while (st && (rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(users, json_pack("{sI ss ss ss sb}", "id", (json_int_t)stmt_int(st, 0), "username",
                                               stmt_text(st, 1), "name", stmt_text(st, 2), "phone", stmt_text(st, 3),
                                               "disabled", stmt_int(st, 4) != 0));
    stmt_done(st);
    if (rc == STORE_DONE) {
        /* every engagement of the organisation by a government the user manages */
        st = db_query(c->db,
                      "SELECT e.id, e.title, e.state, e.period_start, e.period_end, e.due_date, g.name, e.office_path "
                      "FROM evaluations e JOIN units g ON g.id = e.office_unit_id WHERE e.evaluator_unit_id = ? ORDER "
                      "BY e.id DESC LIMIT 200",
                      DB_INT(id));
        rc = STORE_E_OTHER;
        while (st && (rc = stmt_step(st)) == STORE_ROW) {
            if (!perm_grant_at(c->user, CAP_INSP_MANAGE, stmt_text(st, 7)))
                continue;
            int s = eval_state_parse(stmt_text(st, 2));
            json_array_append_new(engagements,
                                  json_pack("{sI ss ss ss ss ss ss ss}", "id", (json_int_t)stmt_int(st, 0), "title",
                                            stmt_text(st, 1), "state", stmt_text(st, 2), "state_label",
                                            wf_state_label(&evaluation_workflow, s), "period_start", stmt_text(st, 3),
                                            "period_end", stmt_text(st, 4), "due_date", stmt_text(st, 5), "office_name",
                                            stmt_text(st, 6)));
        }
        stmt_done(st);
    }
    if (rc != STORE_DONE) {
        json_decref(org);
        json_decref(users);
        json_decref(engagements);
        return ctx_store_fail(c, rc, "读取第三方评估机构");
    }
    json_object_set_new(org, "members", users);
    json_object_set_new(org, "engagement_list", engagements);
    *out = org;
    return ERR_OK;
}

struct org_create_args {
    const json_t *body;
    const struct grant *g;
    int64_t id;
};

static enum err org_create_tx(struct ctx *c, void *arg)
{
    struct org_create_args *a = arg;
    const json_t *b = a->body;
    const char *code = jv_str(b, "code");
    if (!code) {
        int64_t n = 0;
        enum err e = db_one_int(c->db, &n, "SELECT COUNT(*) FROM units WHERE kind = 'external' AND parent_id = ?",
                                DB_INT(a->g->unit_id));
        if (e)
            return ctx_db_fail(c, e, "登记第三方评估机构");
        code = arena_printf(c->arena, "eval-%" PRId64 "-%" PRId64, a->g->unit_id, n + 1);
    }
    json_t *unit = json_pack("{ss ss ss sI}", "code", code, "name", jv_str(b, "name"), "kind", "external", "parent_id",
                             (json_int_t)a->g->unit_id);
    static const char *const copied[] = {"principal", "contact", "phone"};
    for (int k = 0; k < 3; k++)
        if (jv_str(b, copied[k]))
            json_object_set_new(unit, copied[k], json_string(jv_str(b, copied[k])));
    json_t *made = NULL;
    enum err e = units_create_as(c, unit, CAP_INSP_MANAGE, &made);
    json_decref(unit);
    if ((e == ERR_INVALID || e == ERR_CONFLICT) && !c->field)
        return ctx_fail_field(c, jv_str(b, "code") ? "code" : "name", "%s", c->msg);
    if (e)
        return e;
    a->id = json_integer_value(json_object_get(made, "id"));
    json_decref(made);
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db, "INSERT INTO evaluator_orgs (unit_id, scope, created_at, updated_at) VALUES (?, ?, ?, ?)",
                DB_INT(a->id), DB_TEXT(jv_str(b, "scope") ? jv_str(b, "scope") : ""), DB_TEXT(at), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "登记第三方评估机构");
    json_t *sum = json_pack("{sO}", "after", (json_t *)b);
    e = audit_record(c, "evaluator_org.create", "unit", a->id, sum);
    json_decref(sum);
    return e;
}

enum err eval_orgs_create(struct ctx *c, const json_t *body, json_t **out)
{
    int n = 0;
    const char **scope = c->user ? perm_scope_cap(c, CAP_INSP_MANAGE, &n) : NULL;
    if (n < 1)
        return ctx_fail(c, ERR_FORBIDDEN, "只有督查室可以登记第三方评估机构");
    struct org_create_args a = {body, perm_grant_at(c->user, CAP_INSP_MANAGE, scope[0]), 0};
    c->acting = a.g;
    enum err e = ctx_tx(c, "登记第三方评估机构", org_create_tx, &a);
    return e ? e : eval_orgs_get(c, a.id, out);
}

struct org_user_args {
    int64_t id;
    const json_t *body;
    json_t *user;
};

static enum err org_user_tx(struct ctx *c, void *arg)
{
    struct org_user_args *a = arg;
    const char *name;
    enum err e = org_named(c, a->id, &name);
    if (e)
        return e;
    json_t *u = json_deep_copy(a->body);
    json_object_set_new(u, "unit_id", json_integer(a->id));
    json_object_set_new(u, "must_change_password", json_true());
    json_object_set_new(u, "roles", json_pack("[{ss sI}]", "role", "evaluator", "unit_id", (json_int_t)a->id));
    e = users_create_as(c, u, CAP_INSP_MANAGE, &a->user);
    json_decref(u);
    if ((e == ERR_INVALID || e == ERR_CONFLICT) && !c->field)
        return ctx_fail_field(c, strstr(c->msg ? c->msg : "", "密码") ? "password" : "username", "%s", c->msg);
    return e;
}

enum err eval_orgs_add_user(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    struct org_user_args a = {id, body, NULL};
    enum err e = ctx_tx(c, "开设评估人员账号", org_user_tx, &a);
    if (e) {
        json_decref(a.user);
        return e;
    }
    *out = a.user;
    return ERR_OK;
}

struct org_suspend_args {
    int64_t id;
    const char *reason; /* NULL: lift the suspension */
};

/* The open engagements' to-dos follow the organisation's standing (eval_load leaves a suspended
 * organisation's track out); its users are told. */
static enum err org_standing_effects(struct ctx *c, int64_t id, const char *name, const char *reason)
{
    /* one engagement after the other (an organisation has a handful open) */
    for (int64_t last = 0;;) {
        enum err e = db_one_int(c->db, &last,
                                "SELECT id FROM evaluations WHERE evaluator_unit_id = ? AND state IN ('engaged', "
                                "'submitted') AND id > ? ORDER BY id LIMIT 1",
                                DB_INT(id), DB_INT(last));
        if (e == ERR_NOT_FOUND)
            break;
        if (e)
            return ctx_db_fail(c, e, "读取第三方评估");
        if ((e = workflow_todos_sync(c, &evaluation_workflow, last, NULL)))
            return e;
    }
    struct notice note = {
        .kind = MSG_SYSTEM,
        .subject = reason ? arena_printf(c->arena, "【评估机构已暂停】%s", name)
                          : arena_printf(c->arena, "【评估机构已恢复】%s", name),
        .body = reason ? arena_printf(c->arena,
                                      "督查室已暂停「%s」的第三方评估工作%s%s。暂停期间不能查看或提交评估，"
                                      "已受托的评估待督查室恢复后继续。",
                                      name, *reason ? "，理由：" : "", reason)
                       : arena_printf(c->arena, "督查室已恢复「%s」的第三方评估工作，可以继续办理受托的评估。", name),
        .object_type = "unit",
        .object_id = id,
        .link = "/evaluations"};
    return notify_role_at(c, id, "evaluator", &note);
}

static enum err org_suspend_tx(struct ctx *c, void *arg)
{
    struct org_suspend_args *a = arg;
    json_t *org = NULL;
    const char *path;
    enum err e = org_load(c, a->id, &org, &path);
    if (e)
        return e;
    bool was = json_is_true(json_object_get(org, "suspended"));
    const char *name = arena_strdup(c->arena, json_string_value(json_object_get(org, "name")));
    json_decref(org);
    if (was == (a->reason != NULL))
        return ctx_fail(c, ERR_CONFLICT, was ? "该评估机构已处于暂停状态" : "该评估机构未被暂停");
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db,
                "INSERT INTO evaluator_orgs (unit_id, suspended_at, suspended_reason, suspended_by, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id) DO UPDATE SET suspended_at = "
                "excluded.suspended_at, suspended_reason = excluded.suspended_reason, suspended_by = "
                "excluded.suspended_by, updated_at = excluded.updated_at",
                DB_INT(a->id), a->reason ? DB_TEXT(at) : DB_NULL, DB_TEXT(a->reason ? a->reason : ""),
                DB_INT_IF(a->reason, c->user->id), DB_TEXT(at), DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "更新第三方评估机构");
    json_t *sum = a->reason ? json_pack("{ss}", "reason", a->reason) : json_object();
    e = audit_record(c, a->reason ? "evaluator_org.suspend" : "evaluator_org.resume", "unit", a->id, sum);
    json_decref(sum);
    return e ? e : org_standing_effects(c, a->id, name, a->reason);
}

enum err eval_orgs_suspend(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    const char *reason = body ? jv_str(body, "reason") : NULL;
    if (body && (!reason || !*reason))
        return ctx_fail_field(c, "reason", "请填写暂停理由（reason）");
    struct org_suspend_args a = {id, reason};
    enum err e = ctx_tx(c, reason ? "暂停第三方评估机构" : "恢复第三方评估机构", org_suspend_tx, &a);
    return e ? e : eval_orgs_get(c, id, out);
}

struct org_account_args {
    int64_t id, uid;
    const json_t *body;
};

/* What the evaluator is told of a change to its account (before a disabling, while it still gets messages). */
static enum err org_account_notice(struct ctx *c, int64_t id, int64_t uid, const char *org, const char *username,
                                   const char *what, const char *reason)
{
    struct notice note = {.kind = MSG_SYSTEM, .urgent = true, .object_type = "unit", .object_id = id};
    if (strcmp(what, "disable") == 0) {
        note.subject = arena_printf(c->arena, "【账号已停用】%s", username);
        note.body = arena_printf(
            c->arena, "督查室已停用您在「%s」的评估人员账号 %s%s%s，已登录的会话均已退出。如有疑问，请联系督查室。",
            org, username, reason && *reason ? "，理由：" : "", reason ? reason : "");
    } else if (strcmp(what, "enable") == 0) {
        note.subject = arena_printf(c->arena, "【账号已启用】%s", username);
        note.body = arena_printf(c->arena, "督查室已重新启用您在「%s」的评估人员账号 %s，可以登录继续办理受托的评估。",
                                 org, username);
        note.link = "/evaluations";
    } else {
        note.subject = arena_printf(c->arena, "【密码已重置】%s", username);
        note.body = arena_printf(c->arena,
                                 "督查室已重置您在「%s」的评估人员账号 %s 的密码，已登录的会话均已退出。请向督查室"
                                 "索取新密码，登录后须立即修改。",
                                 org, username);
        note.link = "/evaluations";
    }
    return notify_user(c, uid, &note);
}

static enum err org_account_tx(struct ctx *c, void *arg)
{
    struct org_account_args *a = arg;
    const char *name;
    enum err e = org_named(c, a->id, &name);
    if (e)
        return e;
    /* the organisation's own account: of its unit, holding the role evaluator there and nothing else (an account
     * the administrator gave another role stays the administrator's) */
    struct stmt *st = db_query(c->db,
                               "SELECT x.username, x.disabled FROM users x WHERE x.id = ? AND x.unit_id = ? AND EXISTS "
                               "(SELECT 1 FROM user_roles r WHERE r.user_id = x.id AND r.unit_id = ? AND r.role = "
                               "'evaluator') AND NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = x.id AND "
                               "(r.unit_id <> ? OR r.role <> 'evaluator'))",
                               DB_INT(a->uid), DB_INT(a->id), DB_INT(a->id), DB_INT(a->id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取评估人员账号");
    int rc = stmt_step(st);
    const char *username = rc == STORE_ROW ? arena_strdup(c->arena, stmt_text(st, 0)) : NULL;
    bool was = rc == STORE_ROW && stmt_int(st, 1) != 0;
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取评估人员账号");
    if (rc != STORE_ROW)
        return ctx_fail(c, ERR_NOT_FOUND, "该评估机构没有这个评估人员账号");
    const json_t *b = a->body;
    bool toggles = jv_has(b, "disabled"), disable = jv_bool(b, "disabled", false);
    const char *password = jv_str(b, "password");
    if (toggles && disable == was)
        return ctx_fail(c, ERR_CONFLICT, was ? "该账号已停用" : "该账号未停用");
    const char *reason = jv_str(b, "reason");
    if (toggles && disable && (e = org_account_notice(c, a->id, a->uid, name, username, "disable", reason)))
        return e;
    json_t *change = json_object();
    if (toggles)
        json_object_set_new(change, "disabled", json_boolean(disable));
    if (password)
        json_object_set_new(change, "password", json_string(password));
    json_t *user = NULL;
    e = users_update_as(c, a->uid, change, CAP_INSP_MANAGE, &user);
    json_decref(change);
    json_decref(user);
    if (e == ERR_INVALID && !c->field)
        return ctx_fail_field(c, "password", "%s", c->msg);
    if (e)
        return e;
    if (toggles && !disable && (e = org_account_notice(c, a->id, a->uid, name, username, "enable", NULL)))
        return e;
    if (password && (e = org_account_notice(c, a->id, a->uid, name, username, "reset", NULL)))
        return e;
    json_t *sum = json_pack("{sI ss}", "user_id", (json_int_t)a->uid, "username", username);
    if (toggles)
        json_object_set_new(sum, "disabled", json_boolean(disable));
    if (password)
        json_object_set_new(sum, "password_reset", json_true());
    if (reason && *reason)
        json_object_set_new(sum, "reason", json_string(reason));
    e = audit_record(c, "evaluator_org.account", "unit", a->id, sum);
    json_decref(sum);
    return e;
}

enum err eval_orgs_account(struct ctx *c, int64_t id, int64_t uid, const json_t *body, json_t **out)
{
    if (jv_str(body, "reason") && !jv_bool(body, "disabled", false))
        return ctx_fail_field(c, "reason", "只有停用账号时才填写停用理由");
    if (!jv_has(body, "disabled") && !jv_str(body, "password"))
        return ctx_fail_field(c, "disabled", "请说明停用、启用账号（disabled）或重置密码（password）");
    struct org_account_args a = {id, uid, body};
    enum err e = ctx_tx(c, "管理评估人员账号", org_account_tx, &a);
    return e ? e : eval_orgs_get(c, id, out);
}
