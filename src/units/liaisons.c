/* liaisons.c: the units' liaison directory (联络员名录); see liaisons.h. */
#include "units/liaisons.h"

#include "audit/audit.h"
#include "base/csv.h"
#include "base/timeu.h"
#include "core/perm.h"
#include "units/units.h"

#include <stdlib.h>
#include <string.h>

const struct jv_field liaisons_spec[] = {
    {"contact_name", JV_STRING, 0, 0, 50, "联络员姓名"},
    {"contact_mobile", JV_STRING, 0, 0, 40, "联络员手机"},
    {"contact_office_phone", JV_STRING, 0, 0, 40, "联络员办公电话"},
    {"head_name", JV_STRING, 0, 0, 50, "主要负责人姓名"},
    {"head_mobile", JV_STRING, 0, 0, 40, "主要负责人手机"},
    {"head_office_phone", JV_STRING, 0, 0, 40, "主要负责人办公电话"},
    {"version", JV_INT, 0, 0, 0, "版本"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* the six kept members, in the order of the columns below */
static const char *const members[] = {"contact_name", "contact_mobile", "contact_office_phone",
                                      "head_name",    "head_mobile",    "head_office_phone"};
static const char *const headers[] = {"单位代码",   "单位名称",   "联络员",         "联络员手机", "联络员办公电话",
                                      "主要负责人", "负责人手机", "负责人办公电话", "更新时间"};

#define COLS                                                                                                           \
    "u.id, u.code, u.name, u.kind, u.path, l.unit_id, COALESCE(l.contact_name, u.contact), "                           \
    "COALESCE(l.contact_mobile, ''), COALESCE(l.contact_office_phone, u.phone), COALESCE(l.head_name, u.principal), "  \
    "COALESCE(l.head_mobile, ''), COALESCE(l.head_office_phone, ''), l.updated_at, COALESCE(w.name, ''), "             \
    "COALESCE(l.version, 0) "
#define FROM "FROM units u LEFT JOIN unit_liaisons l ON l.unit_id = u.id LEFT JOIN users w ON w.id = l.updated_by "

/* May the user keep unit `path`'s entry: its own contact or head, or the office or administrator above it. */
static bool may_edit(const struct principal *p, const char *path)
{
    if (!p)
        return true;
    for (int k = 0; k < p->ngrants; k++)
        if ((p->grants[k].role == ROLE_CONTACT || p->grants[k].role == ROLE_HEAD) &&
            !strcmp(p->grants[k].unit_path, path))
            return true;
    return perm_role_at(p, ROLE_OFFICE, path) || perm_at(p, CAP_UNIT_WRITE, path);
}

static json_t *row_json(struct ctx *c, struct stmt *st)
{
    json_t *o =
        json_pack("{sI ss ss ss sb}", "unit_id", (json_int_t)stmt_int(st, 0), "unit_code", stmt_text(st, 1),
                  "unit_name", stmt_text(st, 2), "unit_kind", stmt_text(st, 3), "confirmed", !stmt_is_null(st, 5));
    for (int i = 0; i < 6; i++)
        json_object_set_new(o, members[i], json_string(stmt_text(st, 6 + i)));
    json_object_set_new(o, "updated_at", stmt_is_null(st, 12) ? json_null() : json_string(stmt_text(st, 12)));
    json_object_set_new(o, "updated_by_name", json_string(stmt_text(st, 13)));
    json_object_set_new(o, "version", json_integer(stmt_int(st, 14)));
    json_object_set_new(o, "editable", json_boolean(may_edit(c->user, stmt_text(st, 4))));
    return o;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Calls row(st, arg) for each entry of the selection in path order, at most limit (0: all); *last: the last
 * path (arena), for the cursor. */
static enum err each(struct ctx *c, const struct liaison_query *q, int limit,
                     void (*row)(struct ctx *c, struct stmt *st, void *arg), void *arg, int *count, const char **last)
{
    int n;
    const char **scope;
    if (q->unit_id) {
        const char *path;
        if (units_path(c, q->unit_id, &path) || !perm_sees(c->user, path))
            return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
        scope = arena_alloc(c->arena, sizeof *scope);
        scope[0] = path;
        n = 1;
    } else if (!c->user) {
        scope = arena_alloc(c->arena, sizeof *scope);
        scope[0] = "/";
        n = 1;
    } else {
        scope = perm_scope(c, &n);
        qsort(scope, (size_t)n, sizeof *scope, by_path);
    }
    const char *like = q->q && *q->q ? arena_printf(c->arena, "%%%s%%", q->q) : NULL;
    *count = 0;
    *last = NULL;
    for (int i = 0; i < n && (!limit || *count < limit); i++) {
        struct stmt *st = db_query(
            c->db,
            "SELECT " COLS FROM "WHERE u.path >= ? AND u.path < ? AND u.path > ? AND (? IS NULL OR u.name LIKE ? OR "
            "u.code LIKE ? OR COALESCE(l.contact_name, u.contact) LIKE ? OR COALESCE(l.head_name, u.principal) LIKE ? "
            "OR l.contact_mobile LIKE ? OR COALESCE(l.contact_office_phone, u.phone) LIKE ? OR l.head_mobile LIKE ? "
            "OR l.head_office_phone LIKE ?) ORDER BY u.path LIMIT ?",
            DB_TEXT(scope[i]), DB_TEXT(perm_path_upper(c->arena, scope[i])), DB_TEXT(q->after ? q->after : ""),
            DB_TEXT(like), DB_TEXT(like), DB_TEXT(like), DB_TEXT(like), DB_TEXT(like), DB_TEXT(like), DB_TEXT(like),
            DB_TEXT(like), DB_TEXT(like), DB_INT(limit ? limit - *count : INT32_MAX));
        if (!st)
            return ctx_db_fail(c, ERR_INTERNAL, "读取联络员名录");
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            row(c, st, arg);
            *last = arena_strdup(c->arena, stmt_text(st, 4));
            (*count)++;
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "读取联络员名录");
    }
    return ERR_OK;
}

static void add_json(struct ctx *c, struct stmt *st, void *arg)
{
    json_array_append_new(arg, row_json(c, st));
}

enum err liaisons_list(struct ctx *c, const struct liaison_query *q, json_t **out)
{
    json_t *arr = json_array();
    int count;
    const char *last;
    /* one more than the page tells whether there is a next page */
    enum err e = each(c, q, q->limit + 1, add_json, arr, &count, &last);
    if (e) {
        json_decref(arr);
        return e;
    }
    json_t *next = json_null();
    if (count > q->limit) {
        json_array_remove(arr, json_array_size(arr) - 1);
        const json_t *tail = json_array_get(arr, json_array_size(arr) - 1);
        const char *path;
        if (!units_path(c, json_integer_value(json_object_get(tail, "unit_id")), &path))
            next = json_string(path);
    }
    *out = json_pack("{soso}", "liaisons", arr, "next", next);
    return ERR_OK;
}

static void add_csv(struct ctx *c, struct stmt *st, void *arg)
{
    (void)c;
    struct buf *out = arg;
    csv_write_field(out, stmt_text(st, 1), false);
    csv_write_field(out, stmt_text(st, 2), false);
    for (int i = 0; i < 6; i++)
        csv_write_field(out, stmt_text(st, 6 + i), false);
    csv_write_field(out, stmt_is_null(st, 12) ? "" : stmt_text(st, 12), true);
}

enum err liaisons_csv(struct ctx *c, const struct liaison_query *q, struct buf *out)
{
    buf_append(out, "\xef\xbb\xbf", 3);
    for (size_t i = 0; i < sizeof headers / sizeof *headers; i++)
        csv_write_field(out, headers[i], i + 1 == sizeof headers / sizeof *headers);
    int count;
    const char *last;
    return each(c, q, 0, add_csv, out, &count, &last);
}

/* A phone number as people write them: digits, spaces, + - ( ), and an extension (转 or ext). */
static bool phone_ok(const char *s)
{
    for (const char *p = s; *p;) {
        if (strchr("0123456789 +-()", *p))
            p++;
        else if (!strncmp(p, "转", strlen("转")))
            p += strlen("转");
        else if (!strncmp(p, "ext", 3))
            p += 3;
        else
            return false;
    }
    return true;
}

struct put_args {
    int64_t unit_id;
    const json_t *body;
};

static enum err put_tx(struct ctx *c, void *arg)
{
    struct put_args *a = arg;
    const char *path;
    if (units_path(c, a->unit_id, &path) || !perm_sees(c->user, path))
        return ctx_fail(c, ERR_NOT_FOUND, "单位不存在或无权查看");
    if (!may_edit(c->user, path))
        return ctx_fail(c, ERR_FORBIDDEN, "只有本单位的联络员、主要负责人或上级督查室、系统管理员可以修改联络员名录");
    const char *v[6];
    for (int i = 0; i < 6; i++) {
        v[i] = jv_str(a->body, members[i]);
        if (!v[i])
            v[i] = "";
        if (strstr(members[i], "phone") || strstr(members[i], "mobile"))
            if (!phone_ok(v[i]))
                return ctx_fail_field(c, members[i], "电话号码（%s）只能包含数字、空格、+ - ( ) 和“转”分机",
                                      members[i]);
    }
    if (!*v[0] && !*v[3])
        return ctx_fail_field(c, "contact_name", "请至少填写联络员（contact_name）或主要负责人的姓名");
    int64_t version = 0;
    enum err e = db_one_int(c->db, &version, "SELECT version FROM unit_liaisons WHERE unit_id = ?", DB_INT(a->unit_id));
    if (e && e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "读取联络员名录");
    if (jv_has(a->body, "version") && jv_int(a->body, "version", 0) != version)
        return ctx_fail(c, ERR_CONFLICT, "联络员名录已被他人修改，请刷新后重试");
    char at[21];
    time_format_iso(c->now, at);
    int64_t uid = c->user ? c->user->id : 0;
    if (e == ERR_NOT_FOUND)
        e = db_exec(
            c->db,
            "INSERT INTO unit_liaisons (unit_id, contact_name, contact_mobile, contact_office_phone, head_name, "
            "head_mobile, head_office_phone, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            DB_INT(a->unit_id), DB_TEXT(v[0]), DB_TEXT(v[1]), DB_TEXT(v[2]), DB_TEXT(v[3]), DB_TEXT(v[4]),
            DB_TEXT(v[5]), DB_INT_IF(uid, uid), DB_TEXT(at));
    else
        e = db_exec(c->db,
                    "UPDATE unit_liaisons SET contact_name = ?, contact_mobile = ?, contact_office_phone = ?, "
                    "head_name = ?, head_mobile = ?, head_office_phone = ?, updated_by = ?, updated_at = ?, "
                    "version = version + 1 WHERE unit_id = ?",
                    DB_TEXT(v[0]), DB_TEXT(v[1]), DB_TEXT(v[2]), DB_TEXT(v[3]), DB_TEXT(v[4]), DB_TEXT(v[5]),
                    DB_INT_IF(uid, uid), DB_TEXT(at), DB_INT(a->unit_id));
    if (e)
        return ctx_db_fail(c, e, "保存联络员名录");
    json_t *after = json_object();
    for (int i = 0; i < 6; i++)
        json_object_set_new(after, members[i], json_string(v[i]));
    json_t *sum = json_pack("{so}", "after", after);
    c->audit_scope = path; /* readable in the unit's own audit trail */
    e = audit_record(c, "unit.liaison", "unit", a->unit_id, sum);
    c->audit_scope = NULL;
    json_decref(sum);
    return e;
}

enum err liaisons_put(struct ctx *c, int64_t unit_id, const json_t *body, json_t **out)
{
    struct put_args a = {unit_id, body};
    enum err e = ctx_tx(c, "保存联络员名录", put_tx, &a);
    if (e)
        return e;
    struct stmt *st = db_query(c->db, "SELECT " COLS FROM "WHERE u.id = ?", DB_INT(unit_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取联络员名录");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *out = row_json(c, st);
    stmt_done(st);
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc < 0 ? rc : STORE_E_OTHER, "读取联络员名录");
}
