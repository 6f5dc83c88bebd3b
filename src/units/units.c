/* units.c: the organisation tree and the registry of unit path copies; see units.h. */
#include "units/units.h"

#include "audit/audit.h"
#include "base/csv.h"
#include "base/table.h"
#include "base/utf8.h"
#include "base/log.h"
#include "base/timeu.h"
#include "core/perm.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The columns other modules keep unit paths in (units_register_path_copy); fixed after start-up. */
#define COPIES_MAX 48
static struct {
    const char *table, *column;
} copies[COPIES_MAX];
static int ncopies;

void units_register_path_copy(const char *table, const char *column)
{
    for (int k = 0; k < ncopies; k++)
        if (!strcmp(copies[k].table, table) && !strcmp(copies[k].column, column))
            return;
    if (ncopies == COPIES_MAX) {
        log_error("bug: more than %d unit path copies registered", COPIES_MAX);
        abort();
    }
    copies[ncopies].table = table;
    copies[ncopies].column = column;
    ncopies++;
}

/* Statements run before the copies move (units_register_move_lock); fixed after start-up. */
static const char *move_locks[COPIES_MAX];
static int nmove_locks;

void units_register_move_lock(const char *sql)
{
    if (nmove_locks == COPIES_MAX) {
        log_error("bug: more than %d unit move locks registered", COPIES_MAX);
        abort();
    }
    move_locks[nmove_locks++] = sql;
}

static const struct {
    const char *kind, *label;
} unit_kinds[] = {
    {"government", "人民政府"}, {"department", "部门"},   {"township", "乡镇（街道）"},
    {"office", "督查机构"},     {"external", "外部机构"},
};

const char *units_kind_label(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof unit_kinds / sizeof *unit_kinds; i++)
        if (strcmp(kind, unit_kinds[i].kind) == 0)
            return unit_kinds[i].label;
    return NULL;
}

const struct jv_field units_create_spec[] = {
    {"code", JV_STRING, JV_REQUIRED, 0, 32}, {"name", JV_STRING, JV_REQUIRED, 0, 100},
    {"kind", JV_STRING, JV_REQUIRED, 0, 20}, {"parent_id", JV_INT, JV_NULLABLE, 0, 0},
    {"principal", JV_STRING, 0, 0, 50},      {"contact", JV_STRING, 0, 0, 50},
    {"phone", JV_STRING, 0, 0, 30},          {"prefix", JV_STRING, 0, 0, 10},
    {"sort", JV_INT, 0, 0, 1000000},         {NULL, 0, 0, 0, 0},
};

const struct jv_field units_update_spec[] = {
    {"name", JV_STRING, 0, 1, 100},   {"kind", JV_STRING, 0, 0, 20},
    {"parent_id", JV_INT, 0, 0, 0},   {"principal", JV_STRING, 0, 0, 50},
    {"contact", JV_STRING, 0, 0, 50}, {"phone", JV_STRING, 0, 0, 30},
    {"prefix", JV_STRING, 0, 0, 10},  {"sort", JV_INT, 0, 0, 1000000},
    {"version", JV_INT, 0, 0, 0},     {NULL, 0, 0, 0, 0},
};

#define UNIT_COLS                                                                                                      \
    "id, code, name, kind, parent_id, path, depth, principal, contact, phone, prefix, sort, version, created_at, "     \
    "updated_at"

static json_t *unit_row_json(struct stmt *st)
{
    const char *kind = stmt_text(st, 3);
    const char *label = units_kind_label(kind);
    return json_pack("{sI ss ss ss ss so ss sI ss ss ss ss sI sI ss ss}", "id", (json_int_t)stmt_int(st, 0), "code",
                     stmt_text(st, 1), "name", stmt_text(st, 2), "kind", kind, "kind_label", label ? label : kind,
                     "parent_id", stmt_is_null(st, 4) ? json_null() : json_integer(stmt_int(st, 4)), "path",
                     stmt_text(st, 5), "depth", (json_int_t)stmt_int(st, 6), "principal", stmt_text(st, 7), "contact",
                     stmt_text(st, 8), "phone", stmt_text(st, 9), "prefix", stmt_text(st, 10), "sort",
                     (json_int_t)stmt_int(st, 11), "version", (json_int_t)stmt_int(st, 12), "created_at",
                     stmt_text(st, 13), "updated_at", stmt_text(st, 14));
}

/* Loads a unit without scope checks; ERR_NOT_FOUND if absent. */
static enum err unit_load(struct ctx *c, int64_t id, json_t **out)
{
    struct stmt *st = db_prepare(c->db, "SELECT " UNIT_COLS " FROM units WHERE id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取单位");
    stmt_bind_int(st, 1, id);
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *out = unit_row_json(st);
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc, "读取单位");
}

enum err units_path(struct ctx *c, int64_t id, const char **path)
{
    enum err e = db_one_text(c->db, c->arena, path, "SELECT path FROM units WHERE id = ?", DB_INT(id));
    return e == ERR_NOT_FOUND ? ctx_fail(c, e, "单位不存在或无权查看") : ctx_db_fail(c, e, "读取单位");
}

enum err units_get(struct ctx *c, int64_t id, json_t **out)
{
    const char *path;
    enum err e = units_path(c, id, &path);
    if (e)
        return e;
    if (!perm_sees(c->user, path))
        return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
    return unit_load(c, id, out);
}

enum err units_find_code(struct ctx *c, const char *code, int64_t *id, const char **path)
{
    struct stmt *st = db_prepare(c->db, "SELECT id, path FROM units WHERE code = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取单位");
    stmt_bind_text(st, 1, code);
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        *id = stmt_int(st, 0);
        *path = arena_strdup(c->arena, stmt_text(st, 1));
    }
    stmt_done(st);
    if (rc == STORE_ROW && !perm_sees(c->user, *path))
        rc = STORE_DONE;
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "单位代码 %s 不存在或无权查看", code);
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc, "读取单位");
}

/* Checks code and kind values beyond what the JSON spec says. */
static enum err unit_check_values(struct ctx *c, const json_t *body)
{
    const char *code = jv_str(body, "code");
    if (code) {
        for (const char *p = code; *p; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-' ||
                  *p == '_' || *p == '.'))
                return ctx_fail(c, ERR_INVALID, "单位代码只能包含字母、数字和 - _ .");
    }
    const char *kind = jv_str(body, "kind");
    if (kind && !units_kind_label(kind))
        return ctx_fail(c, ERR_INVALID, "单位类型“%s”无效，应为 government、department、township、office 或 external",
                        kind);
    const char *name = jv_str(body, "name");
    if (name && !*name)
        return ctx_fail(c, ERR_INVALID, "单位名称不能为空");
    return ERR_OK;
}

struct unit_create_args {
    const json_t *body;
    enum cap cap; /* held at the parent */
    int64_t id;
};

static enum err unit_create_tx(struct ctx *c, void *arg)
{
    struct unit_create_args *a = arg;
    const json_t *b = a->body;
    int64_t parent = jv_int(b, "parent_id", 0);
    const char *ppath = "/";
    int depth = 0;
    if (parent) {
        struct stmt *st = db_prepare(c->db, "SELECT path, depth FROM units WHERE id = ?");
        if (!st)
            return ctx_store_fail(c, STORE_E_OTHER, "新建单位");
        stmt_bind_int(st, 1, parent);
        int rc = stmt_step(st);
        if (rc == STORE_ROW) {
            ppath = arena_strdup(c->arena, stmt_text(st, 0));
            depth = (int)stmt_int(st, 1) + 1;
        }
        stmt_done(st);
        if (rc == STORE_DONE)
            return ctx_fail(c, ERR_INVALID, "上级单位 %" PRId64 " 不存在", parent);
        if (rc < 0)
            return ctx_store_fail(c, rc, "新建单位");
        enum err e = perm_require(c, a->cap, ppath, "上级单位");
        if (e)
            return e == ERR_NOT_FOUND ? ctx_fail(c, ERR_INVALID, "上级单位 %" PRId64 " 不存在", parent) : e;
    } else if (c->user) {
        return ctx_fail(c, ERR_INVALID, "必须指定上级单位（parent_id）");
    }
    char at[21];
    time_format_iso(c->now, at);
    /* insert with a temporary path, then set the real one that contains the new id */
#define OR_EMPTY(k) DB_TEXT(jv_str(b, k) ? jv_str(b, k) : "")
    enum err e =
        db_one_int(c->db, &a->id,
                   "INSERT INTO units (code, name, kind, parent_id, path, depth, principal, contact, phone, "
                   "prefix, sort, created_at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING id",
                   DB_TEXT(jv_str(b, "code")), DB_TEXT(jv_str(b, "name")), DB_TEXT(jv_str(b, "kind")),
                   DB_INT_IF(parent, parent), DB_INT(depth), OR_EMPTY("principal"), OR_EMPTY("contact"),
                   OR_EMPTY("phone"), OR_EMPTY("prefix"), DB_INT(jv_int(b, "sort", 0)), DB_TEXT(at), DB_TEXT(at));
#undef OR_EMPTY
    if (e == ERR_CONFLICT) {
        ctx_fail(c, ERR_CONFLICT, "单位代码 %s 已存在", jv_str(b, "code"));
        c->field = "code"; /* a form marks the code it was given */
        return ERR_CONFLICT;
    }
    if (!e)
        e = db_exec(c->db, "UPDATE units SET path = ? WHERE id = ?",
                    DB_TEXT(arena_printf(c->arena, "%s%" PRId64 "/", ppath, a->id)), DB_INT(a->id));
    if (e)
        return ctx_db_fail(c, e == ERR_NOT_FOUND ? ERR_INTERNAL : e, "新建单位");
    json_t *sum = json_pack("{s{sO}}", "after", "unit", (json_t *)b);
    e = audit_record(c, "unit.create", "unit", a->id, sum);
    json_decref(sum);
    return e;
}

enum err units_create(struct ctx *c, const json_t *body, json_t **out)
{
    return units_create_as(c, body, CAP_UNIT_WRITE, out);
}

enum err units_create_as(struct ctx *c, const json_t *body, enum cap cap, json_t **out)
{
    enum err e = unit_check_values(c, body);
    if (e)
        return e;
    struct unit_create_args a = {body, cap, 0};
    e = ctx_tx(c, "新建单位", unit_create_tx, &a);
    return e ? e : unit_load(c, a.id, out);
}

enum err units_list(struct ctx *c, int64_t parent_id, const char *q, const char *kind, int limit, json_t **out)
{
    json_t *arr = json_array();
    int rc = STORE_DONE;
    if (parent_id) {
        const char *path;
        enum err e = units_path(c, parent_id, &path);
        if (!e && !perm_sees(c->user, path))
            e = ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
        if (e) {
            json_decref(arr);
            return e;
        }
    }
    if (parent_id && !q && !kind) {
        struct stmt *st =
            db_prepare(c->db, "SELECT " UNIT_COLS " FROM units WHERE parent_id = ? ORDER BY sort, code LIMIT ?");
        if (!st)
            goto fail;
        stmt_bind_int(st, 1, parent_id);
        stmt_bind_int(st, 2, limit);
        while ((rc = stmt_step(st)) == STORE_ROW)
            json_array_append_new(arr, unit_row_json(st));
        stmt_done(st);
    } else {
        /* scope: the caller's top units (or everything for the system), filtered */
        int n;
        const char **scope = perm_scope(c, &n);
        if (!c->user) {
            scope = arena_alloc(c->arena, sizeof *scope);
            scope[0] = "/";
            n = 1;
        }
        const char *under = NULL;
        if (parent_id)
            units_path(c, parent_id, &under);
        for (int i = 0; i < n && rc >= 0; i++) {
            const char *lo = under ? under : scope[i];
            if (under && strncmp(under, scope[i], strlen(scope[i])) != 0)
                continue;
            struct stmt *st;
            if (!q && !kind && !under) {
                /* the scope's top units alone: looked up (the roots for the system's "/"), not found among
                 * the subtree's rows (a province's 5,000 units read for one) */
                bool roots = !strcmp(lo, "/");
                st = db_prepare(c->db, roots ? "SELECT " UNIT_COLS
                                               " FROM units WHERE parent_id IS NULL ORDER BY path LIMIT ?"
                                             : "SELECT " UNIT_COLS " FROM units WHERE path = ? LIMIT ?");
                if (!st)
                    goto fail;
                if (!roots)
                    stmt_bind_text(st, 1, lo);
                stmt_bind_int(st, roots ? 1 : 2, limit);
            } else {
                st = db_prepare(c->db,
                                "SELECT " UNIT_COLS " FROM units WHERE path >= ? AND path < ? AND (? IS NULL "
                                "OR kind = ?) AND (? IS NULL OR name LIKE ? OR code LIKE ?) ORDER BY path LIMIT ?");
                if (!st)
                    goto fail;
                const char *like = q ? arena_printf(c->arena, "%%%s%%", q) : NULL;
                stmt_bind_text(st, 1, lo);
                stmt_bind_text(st, 2, perm_path_upper(c->arena, lo));
                stmt_bind_text(st, 3, kind);
                stmt_bind_text(st, 4, kind);
                stmt_bind_text(st, 5, like);
                stmt_bind_text(st, 6, like);
                stmt_bind_text(st, 7, like);
                stmt_bind_int(st, 8, limit);
            }
            while ((rc = stmt_step(st)) == STORE_ROW && (int)json_array_size(arr) < limit)
                json_array_append_new(arr, unit_row_json(st));
            stmt_done(st);
            if (under)
                break;
        }
    }
    if (rc < 0)
        goto fail;
    *out = arr;
    return ERR_OK;
fail:
    json_decref(arr);
    return ctx_store_fail(c, rc < 0 ? rc : STORE_E_OTHER, "查询单位");
}

enum err units_subtree(struct ctx *c, int64_t id, json_t **out)
{
    const char *path;
    enum err e = units_path(c, id, &path);
    if (e)
        return e;
    if (!perm_sees(c->user, path))
        return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
    struct stmt *st = db_prepare(c->db, "SELECT " UNIT_COLS " FROM units WHERE path >= ? AND path < ? ORDER BY path");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "查询单位");
    stmt_bind_text(st, 1, path);
    stmt_bind_text(st, 2, perm_path_upper(c->arena, path));
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr, unit_row_json(st));
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "查询单位");
    }
    *out = arr;
    return ERR_OK;
}

struct unit_update_args {
    int64_t id;
    const json_t *body;
};

static enum err unit_update_tx(struct ctx *c, void *arg)
{
    struct unit_update_args *a = arg;
    const json_t *b = a->body;
    json_t *before;
    enum err e = unit_load(c, a->id, &before);
    if (e)
        return e;
    const char *path = json_string_value(json_object_get(before, "path"));
    if ((e = perm_require(c, CAP_UNIT_WRITE, path, "单位")))
        goto out;
    int64_t version = json_integer_value(json_object_get(before, "version"));
    if (jv_has(b, "version") && jv_int(b, "version", 0) != version) {
        e = ctx_fail(c, ERR_CONFLICT, "单位已被他人修改（当前版本 %" PRId64 "），请刷新后重试", version);
        goto out;
    }
    /* moving: the new parent must be writable, and not inside the unit itself */
    const json_t *old_parent = json_object_get(before, "parent_id");
    int64_t new_parent = jv_int(b, "parent_id", json_is_integer(old_parent) ? json_integer_value(old_parent) : 0);
    const char *new_path = path;
    int depth_delta = 0;
    if (jv_has(b, "parent_id") && (!json_is_integer(old_parent) || new_parent != json_integer_value(old_parent))) {
        const char *ppath;
        if ((e = units_path(c, new_parent, &ppath)) || (e = perm_require(c, CAP_UNIT_WRITE, ppath, "上级单位"))) {
            if (e == ERR_NOT_FOUND)
                e = ctx_fail(c, ERR_INVALID, "上级单位不存在");
            goto out;
        }
        if (strncmp(ppath, path, strlen(path)) == 0) {
            e = ctx_fail(c, ERR_INVALID, "不能把单位移动到它自己或其下级单位之下");
            goto out;
        }
        new_path = arena_printf(c->arena, "%s%" PRId64 "/", ppath, a->id);
        int old_depth = (int)json_integer_value(json_object_get(before, "depth"));
        int new_depth = 0;
        for (const char *p = ppath; *p; p++)
            new_depth += *p == '/';
        depth_delta = new_depth - 1 - old_depth;
    }
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(
        c->db,
        "UPDATE units SET name = COALESCE(?, name), kind = COALESCE(?, kind), principal = COALESCE(?, principal), "
        "contact = COALESCE(?, contact), phone = COALESCE(?, phone), prefix = COALESCE(?, prefix), "
        "sort = COALESCE(?, sort), parent_id = ?, updated_at = ?, version = version + 1 WHERE id = ? AND "
        "version = ?",
        DB_TEXT(jv_str(b, "name")), DB_TEXT(jv_str(b, "kind")), DB_TEXT(jv_str(b, "principal")),
        DB_TEXT(jv_str(b, "contact")), DB_TEXT(jv_str(b, "phone")), DB_TEXT(jv_str(b, "prefix")),
        DB_INT_IF(jv_has(b, "sort"), jv_int(b, "sort", 0)), DB_INT_IF(new_parent, new_parent), DB_TEXT(at),
        DB_INT(a->id), DB_INT(version));
    if (e) {
        e = ctx_db_fail(c, e, "修改单位");
        goto out;
    }
    if (new_path != path) {
        /* rewrite the prefix of every path in the subtree, and of the copies other modules keep of them
         * (visibility as a range scan: units_register_path_copy) */
        const char *upper = perm_path_upper(c->arena, path);
        e = db_exec(
            c->db, "UPDATE units SET path = ? || SUBSTR(path, ?), depth = depth + ? WHERE path >= ? AND path < ?",
            DB_TEXT(new_path), DB_INT((int64_t)strlen(path) + 1), DB_INT(depth_delta), DB_TEXT(path), DB_TEXT(upper));
        /* the rows other modules lock first (units_register_move_lock), then the copies move */
        for (int k = 0; k < nmove_locks && !e; k++)
            e = db_exec(c->db, move_locks[k], DB_TEXT(path), DB_TEXT(upper));
        for (int k = 0; k < ncopies && !e; k++) {
            const char *t = copies[k].table, *col = copies[k].column;
            e = db_exec(c->db,
                        arena_printf(c->arena, "UPDATE %s SET %s = ? || SUBSTR(%s, ?) WHERE %s >= ? AND %s < ?", t, col,
                                     col, col, col),
                        DB_TEXT(new_path), DB_INT((int64_t)strlen(path) + 1), DB_TEXT(path), DB_TEXT(upper));
        }
        if (e) {
            e = ctx_db_fail(c, e, "移动单位");
            goto out;
        }
    }
    json_t *sum = json_pack("{sO sO}", "before", before, "change", (json_t *)b);
    e = audit_record(c, "unit.update", "unit", a->id, sum);
    json_decref(sum);
out:
    json_decref(before);
    return e;
}

enum err units_update(struct ctx *c, int64_t id, const json_t *body, json_t **out)
{
    const char *path;
    enum err e = units_path(c, id, &path);
    if (!e && !perm_sees(c->user, path))
        e = ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
    if (!e)
        e = unit_check_values(c, body);
    if (e)
        return e;
    struct unit_update_args a = {id, body};
    e = ctx_tx(c, "修改单位", unit_update_tx, &a);
    return e ? e : unit_load(c, id, out);
}

static enum err unit_delete_tx(struct ctx *c, void *arg)
{
    int64_t id = *(int64_t *)arg;
    json_t *before;
    enum err e = unit_load(c, id, &before);
    if (e)
        return e;
    const char *path = arena_strdup(c->arena, json_string_value(json_object_get(before, "path")));
    if ((e = perm_require(c, CAP_UNIT_WRITE, path, "单位")))
        goto out;
    static const struct {
        const char *sql, *what;
    } refs[] = {
        {"SELECT COUNT(*) FROM units WHERE parent_id = ?", "下级单位"},
        {"SELECT COUNT(*) FROM users WHERE unit_id = ?", "用户"},
        {"SELECT COUNT(*) FROM user_roles WHERE unit_id = ?", "角色授权"},
    };
    for (size_t i = 0; i < sizeof refs / sizeof *refs; i++) {
        int64_t n = 0;
        if ((e = db_one_int(c->db, &n, refs[i].sql, DB_INT(id)))) {
            e = ctx_db_fail(c, e, "删除单位");
            goto out;
        }
        if (n > 0) {
            e = ctx_fail(c, ERR_CONFLICT, "该单位还有 %" PRId64 " 个%s，不能删除", n, refs[i].what);
            goto out;
        }
    }
    /* what other modules keep of the unit (items, milestones …) refuses by its foreign keys */
    if ((e = db_exec(c->db, "DELETE FROM units WHERE id = ?", DB_INT(id)))) {
        e = e == ERR_CONFLICT ? ctx_fail(c, e, "该单位仍被督办事项等记录引用，不能删除")
                              : ctx_db_fail(c, e, "删除单位");
        goto out;
    }
    json_t *sum = json_pack("{sO}", "before", before);
    e = audit_record(c, "unit.delete", "unit", id, sum);
    json_decref(sum);
out:
    json_decref(before);
    return e;
}

enum err units_delete(struct ctx *c, int64_t id)
{
    const char *path;
    enum err e = units_path(c, id, &path);
    if (!e && !perm_sees(c->user, path))
        e = ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
    return e ? e : ctx_tx(c, "删除单位", unit_delete_tx, &id);
}

/* ---- import from XLSX or CSV ---- */

enum ucol { U_CODE, U_NAME, U_KIND, U_PARENT_CODE, U_PARENT, U_PRINCIPAL, U_CONTACT, U_PHONE, U_PREFIX, U_SORT, U__N };

/* Each column's headings: the template's Chinese one first, other usual ones, the API name last. */
static const char *const unit_headings[U__N][8] = {
    [U_CODE] = {"单位代码", "代码", "单位编码", "code", NULL},
    [U_NAME] = {"单位名称", "名称", "name", NULL},
    [U_KIND] = {"类型", "单位类型", "kind", NULL},
    [U_PARENT_CODE] = {"上级单位代码", "上级代码", "parent_code", NULL},
    [U_PARENT] = {"上级单位", "上级单位名称", "parent", NULL},
    [U_PRINCIPAL] = {"主要负责人", "负责人", "principal", NULL},
    [U_CONTACT] = {"联系人", "联络员", "contact", NULL},
    [U_PHONE] = {"联系电话", "电话", "phone", NULL},
    [U_PREFIX] = {"编号前缀", "文号前缀", "prefix", NULL},
    [U_SORT] = {"排序", "排序号", "sort", NULL},
};

const char *units_import_headings(int i)
{
    return i >= 0 && i < U__N ? unit_headings[i][0] : NULL;
}

/* A kind by its name, its label or a usual short form (政府, 乡镇, 街道, 督查室); NULL if none. */
static const char *kind_parse(const char *s)
{
    static const struct {
        const char *alias, *kind;
    } aliases[] = {{"政府", "government"}, {"乡镇", "township"},   {"街道", "township"},    {"乡镇(街道)", "township"},
                   {"督查室", "office"},   {"部门", "department"}, {"外部单位", "external"}};
    for (size_t i = 0; i < sizeof unit_kinds / sizeof *unit_kinds; i++)
        if (!strcmp(s, unit_kinds[i].kind) || !strcmp(s, unit_kinds[i].label))
            return unit_kinds[i].kind;
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (!strcmp(s, aliases[i].alias))
            return aliases[i].kind;
    return NULL;
}

struct import_args {
    const char *data;
    size_t len;
    bool dry_run;
    const char *filename; /* the file's name, for the audit record (NULL: not given) */
    struct table t;
    int col[U__N];
    json_t *errors, *rows;
    int created, updated;
};

/* Adds an error of a row (and column k, U__N for the row as a whole); import goes on checking so that
 * every error is listed (up to 200). */
static void import_error(struct ctx *c, struct import_args *a, int r, int k, const char *msg)
{
    if (json_array_size(a->errors) >= 200)
        return;
    int ci = k < U__N ? a->col[k] : -1;
    json_t *err = json_pack("{si ss}", "row", a->t.row_no[r], "message", msg);
    if (k < U__N) {
        json_object_set_new(err, "field", json_string(unit_headings[k][0]));
        json_object_set_new(err, "column", ci >= 0 ? json_string(table_column_name(c->arena, ci)) : json_null());
    }
    json_array_append_new(a->errors, err);
}

/* The parent of row r: by code (上级单位代码, or 上级单位 holding a code), else by its exact name among
 * the units the user sees (one only); 0 with an error added when none or several. */
static int64_t import_parent(struct ctx *c, struct import_args *a, int r)
{
    int k = *table_cell(&a->t, r, a->col[U_PARENT_CODE]) ? U_PARENT_CODE : U_PARENT;
    const char *v = table_cell(&a->t, r, a->col[k]);
    int64_t id = 0;
    const char *path;
    c->err = ERR_OK;
    if (units_find_code(c, v, &id, &path) == ERR_OK)
        return id;
    if (c->err != ERR_NOT_FOUND)
        return 0;
    if (k == U_PARENT) {
        struct stmt *st = db_query(c->db, "SELECT id, path FROM units WHERE name = ? ORDER BY depth, id", DB_TEXT(v));
        int n = 0, rc;
        while (st && (rc = stmt_step(st)) == STORE_ROW)
            if (perm_sees(c->user, stmt_text(st, 1)) && n++ == 0)
                id = stmt_int(st, 0);
        if (st)
            stmt_done(st);
        if (n == 1)
            return id;
        if (n > 1) {
            import_error(c, a, r, k, arena_printf(c->arena, "名为“%s”的单位不止一个，请改填上级单位代码", v));
            return 0;
        }
    }
    import_error(c, a, r, k, arena_printf(c->arena, "上级单位“%s”不存在（上级须已存在或在本行之前）", v));
    return 0;
}

/* Row r as the body of units_create / units_update, checked cell by cell; NULL with errors added. */
static json_t *import_row(struct ctx *c, struct import_args *a, int r)
{
    static const struct {
        int k;
        const char *key;
        int max;
    } texts[] = {{U_CODE, "code", 32},       {U_NAME, "name", 100},  {U_PRINCIPAL, "principal", 50},
                 {U_CONTACT, "contact", 50}, {U_PHONE, "phone", 30}, {U_PREFIX, "prefix", 10}};
    size_t before = json_array_size(a->errors);
    json_t *body = json_object();
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        const char *v = table_cell(&a->t, r, a->col[texts[i].k]);
        if (a->col[texts[i].k] < 0)
            continue;
        if ((int)utf8_count(v) > texts[i].max)
            import_error(c, a, r, texts[i].k,
                         arena_printf(c->arena, "%s最多 %d 个字", unit_headings[texts[i].k][0], texts[i].max));
        else
            json_object_set_new(body, texts[i].key, json_string(v));
    }
    const char *code = table_cell(&a->t, r, a->col[U_CODE]), *name = table_cell(&a->t, r, a->col[U_NAME]);
    if (!*code)
        import_error(c, a, r, U_CODE, "单位代码不能为空");
    else {
        c->err = ERR_OK;
        json_t *probe = json_pack("{ss}", "code", code);
        if (unit_check_values(c, probe))
            import_error(c, a, r, U_CODE, c->msg);
        json_decref(probe);
    }
    if (!*name)
        import_error(c, a, r, U_NAME, "单位名称不能为空");
    const char *kv = table_cell(&a->t, r, a->col[U_KIND]), *kind = kind_parse(kv);
    if (!kind)
        import_error(
            c, a, r, U_KIND,
            *kv ? arena_printf(c->arena, "类型“%s”不存在，应为 人民政府、部门、乡镇（街道）、督查机构 或 外部机构", kv)
                : "类型不能为空（人民政府、部门、乡镇（街道）、督查机构 或 外部机构）");
    else
        json_object_set_new(body, "kind", json_string(kind));
    const char *sort = table_cell(&a->t, r, a->col[U_SORT]);
    if (*sort) {
        char *end;
        long v = strtol(sort, &end, 10);
        if (*end || v < 0 || v > 1000000)
            import_error(c, a, r, U_SORT, arena_printf(c->arena, "排序“%s”应为 0 到 1000000 的整数", sort));
        else
            json_object_set_new(body, "sort", json_integer(v));
    }
    bool has_parent = *table_cell(&a->t, r, a->col[U_PARENT_CODE]) || *table_cell(&a->t, r, a->col[U_PARENT]);
    if (has_parent) {
        int64_t parent = import_parent(c, a, r);
        if (parent)
            json_object_set_new(body, "parent_id", json_integer(parent));
    } else if (c->user)
        import_error(c, a, r, a->col[U_PARENT] >= 0 ? U_PARENT : U_PARENT_CODE, "上级单位不能为空");
    if (json_array_size(a->errors) > before) {
        json_decref(body);
        return NULL;
    }
    return body;
}

static enum err import_tx(struct ctx *c, void *arg)
{
    struct import_args *a = arg;
    json_array_clear(a->errors); /* ctx_tx may run this again */
    json_array_clear(a->rows);
    a->created = a->updated = 0;
    table_columns(&a->t, unit_headings, U__N, a->col);
    if (a->col[U_CODE] < 0 || a->col[U_NAME] < 0 || a->col[U_KIND] < 0 ||
        (a->col[U_PARENT] < 0 && a->col[U_PARENT_CODE] < 0)) {
        import_error(c, a, 0, U__N,
                     "表头至少应有 单位代码、单位名称、类型、上级单位（或上级单位代码）列，可选 主要负责人、联系人、"
                     "联系电话、编号前缀、排序；请下载导入模板");
        return ctx_fail(c, ERR_INVALID, "导入文件的表头不正确");
    }
    for (int r = 1; r < a->t.nrows; r++) {
        bool blank = true;
        for (int i = 0; i < a->t.ncells[r] && blank; i++)
            blank = !*a->t.rows[r][i];
        if (blank)
            continue;
        json_t *body = import_row(c, a, r);
        if (!body)
            continue;
        char msg[256];
        enum err e = jv_check(body, units_create_spec, msg, sizeof msg);
        if (e) {
            import_error(c, a, r, U__N, msg);
            json_decref(body);
            continue;
        }
        const char *code = arena_strdup(c->arena, jv_str(body, "code")), *uname = jv_str(body, "name");
        uname = arena_strdup(c->arena, uname ? uname : "");
        int64_t existing;
        const char *epath;
        c->err = ERR_OK;
        bool update = units_find_code(c, code, &existing, &epath) == ERR_OK;
        if (update) {
            json_object_del(body, "code");
            struct unit_update_args ua = {existing, body};
            if (!(e = unit_update_tx(c, &ua)))
                a->updated++;
        } else if (c->err == ERR_NOT_FOUND) {
            struct unit_create_args ca = {body, CAP_UNIT_WRITE, 0};
            if (!(e = unit_create_tx(c, &ca)))
                a->created++;
        } else
            e = c->err;
        if (e == ERR_UNAVAILABLE || e == ERR_INTERNAL) {
            json_decref(body);
            return e;
        }
        if (e)
            import_error(c, a, r, U__N, c->msg ? c->msg : err_default_message(e));
        else
            json_array_append_new(a->rows, json_pack("{si ss ss ss}", "row", a->t.row_no[r], "code", code, "name",
                                                     uname, "action", update ? "updated" : "created"));
        json_decref(body);
    }
    if (json_array_size(a->errors))
        return ctx_fail(c, ERR_INVALID, "导入文件有 %zu 处错误，未导入任何单位", json_array_size(a->errors));
    if (!json_array_size(a->rows))
        return ctx_fail(c, ERR_INVALID, "导入文件没有数据行");
    json_t *sum =
        json_pack("{so si si si sb}", "filename", a->filename ? json_string(a->filename) : json_null(), "rows",
                  (int)json_array_size(a->rows), "created", a->created, "updated", a->updated, "dry_run", a->dry_run);
    enum err e = audit_record(c, "unit.import", "unit", 0, sum);
    json_decref(sum);
    if (!e && a->dry_run)
        return ERR_CONFLICT; /* roll back: a preview writes nothing */
    return e;
}

enum err units_import(struct ctx *c, const char *data, size_t len, bool dry_run, const char *filename, json_t **report)
{
    struct import_args a = {.data = data,
                            .len = len,
                            .dry_run = dry_run,
                            .filename = filename,
                            .errors = json_array(),
                            .rows = json_array()};
    char msg[200];
    enum err e = ERR_OK;
    if (table_read(c->arena, data, len, &a.t, msg, sizeof msg)) {
        json_array_append_new(a.errors, json_pack("{si ss}", "row", 1, "message", msg));
        e = ctx_fail(c, ERR_INVALID, "%s", msg);
    }
    if (!e)
        e = ctx_tx(c, "导入单位", import_tx, &a);
    if (dry_run && e == ERR_CONFLICT && !json_array_size(a.errors)) {
        e = ERR_OK;
        c->err = ERR_OK;
        c->msg = NULL;
    }
    *report =
        json_pack("{sb si si so so}", "dry_run", dry_run, "created", e ? 0 : a.created, "updated", e ? 0 : a.updated,
                  "units", e ? (json_decref(a.rows), json_array()) : a.rows, "errors", a.errors);
    return e;
}

const char *units_area_name(struct arena *a, const char *name)
{
    static const char *const organ[] = {"人民政府", "办事处"};
    size_t n = name ? strlen(name) : 0;
    for (size_t i = 0; i < sizeof organ / sizeof *organ; i++) {
        size_t k = strlen(organ[i]);
        if (n > k && !strcmp(name + n - k, organ[i]))
            return arena_strndup(a, name, n - k);
    }
    return name;
}
