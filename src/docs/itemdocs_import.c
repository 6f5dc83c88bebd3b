/*
 * itemdocs_import.c: draft items from a CSV file (docs/documents.md), all rows or none; units and
 * leaders by code, name or username within the caller's scope.
 */
#include "docs/itemdocs_internal.h"

#include "audit/audit.h"
#include "base/csv.h"
#include "core/perm.h"
#include "units/units.h"

#include <string.h>

struct import_args {
    const char *csv;
    size_t len;
    bool dry_run;
    json_t *errors, *created, *kinds;
    const char *filename; /* the file's name, for the audit record (NULL: not given) */
};

static void row_error(struct import_args *a, int row, const char *msg)
{
    if (json_array_size(a->errors) < 200)
        json_array_append_new(a->errors, json_pack("{si ss}", "row", row, "message", msg));
}

/* A unit by code, else by exact name, among the units the caller sees. */
static enum err find_unit(struct ctx *c, const char *s, int64_t *id)
{
    const char *path;
    enum err saved = c->err;
    if (units_find_code(c, s, id, &path) == ERR_OK)
        return ERR_OK;
    c->err = saved;
    struct stmt *st = db_prepare(c->db, "SELECT id, path FROM units WHERE name = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "查找单位");
    stmt_bind_text(st, 1, s);
    int found = 0;
    while (stmt_step(st) == STORE_ROW)
        if (perm_sees(c->user, stmt_text(st, 1))) {
            *id = stmt_int(st, 0);
            found++;
        }
    stmt_done(st);
    if (found == 1)
        return ERR_OK;
    return ctx_fail(c, ERR_INVALID, found ? "单位“%s”有重名，请填写单位代码" : "单位“%s”不存在或不在您的管辖范围内", s);
}

/* A user by username, else by exact name (leaders in charge). */
static enum err find_user(struct ctx *c, const char *s, int64_t *id)
{
    struct stmt *st = db_prepare(c->db, "SELECT id FROM users WHERE username = ? OR name = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "查找用户");
    stmt_bind_text(st, 1, s);
    stmt_bind_text(st, 2, s);
    int found = 0;
    while (stmt_step(st) == STORE_ROW) {
        *id = stmt_int(st, 0);
        found++;
    }
    stmt_done(st);
    if (found == 1)
        return ERR_OK;
    return ctx_fail(c, ERR_INVALID, found ? "分管领导“%s”有重名，请填写用户名" : "分管领导“%s”不存在", s);
}

/* The source kind from its name or its Chinese label. */
static const char *source_kind(struct import_args *a, const char *s)
{
    size_t i;
    json_t *k;
    json_array_foreach(a->kinds, i, k)
    {
        const char *name = json_string_value(json_object_get(k, "name"));
        const char *label = json_string_value(json_object_get(k, "label"));
        if ((name && !strcmp(name, s)) || (label && !strcmp(label, s)))
            return name;
    }
    return NULL;
}

static enum err import_tx(struct ctx *c, void *arg)
{
    struct import_args *a = arg;
    json_array_clear(a->errors); /* ctx_tx may run this again */
    json_array_clear(a->created);
    struct csv_reader r;
    csv_init(&r, a->csv, a->len);
    char **f;
    int n = csv_next(&r, c->arena, &f);
    enum { C_TITLE, C_REQ, C_SKIND, C_SREF, C_LEAD, C_CO, C_LEADER, C_DUE, C_IMP, C_KIND, C_SECRECY, C__N };
    /* each column by its English name or its Chinese header (the ledger CSV export's, docs/ledger.c) */
    static const char *const names[C__N][2] = {
        {"title", "督办事项"},      {"requirement", "督办要求"}, {"source_kind", "事项来源"},
        {"source_ref", "来源文号"}, {"lead_unit", "牵头单位"},   {"co_units", "责任单位"},
        {"leader", "分管领导"},     {"due_date", "办结时限"},    {"importance", "重要程度"},
        {"kind", "事项类型"},       {"confidentiality", "密级"}};
    int col[C__N];
    for (int k = 0; k < C__N; k++)
        col[k] = -1;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < C__N; k++)
            if (!strcmp(f[i], names[k][0]) || !strcmp(f[i], names[k][1]))
                col[k] = i;
    if (n <= 0 || col[C_TITLE] < 0 || col[C_SKIND] < 0 || col[C_LEAD] < 0 || col[C_DUE] < 0) {
        row_error(
            a, 1,
            "表头至少应有 督办事项、事项来源、牵头单位、办结时限 列（可选 督办要求、来源文号、责任单位、分管领导、"
            "重要程度、事项类型、密级；英文列名 title、source_kind、lead_unit、due_date … 亦可）");
        return ctx_fail(c, ERR_INVALID, "CSV 表头不正确");
    }
    int row = 1, ncols = n;
    while ((n = csv_next(&r, c->arena, &f)) != 0) {
        row++;
        if (n < 0) {
            row_error(a, row, "引号未闭合");
            break;
        }
        if (n != ncols) {
            row_error(a, row, arena_printf(c->arena, "应有 %d 列，实有 %d 列", ncols, n));
            continue;
        }
#define COL(k) (col[k] >= 0 ? csv_unguard(f[col[k]]) : "")
        json_t *body =
            json_pack("{ss ss ss}", "title", COL(C_TITLE), "requirement", COL(C_REQ), "due_date", COL(C_DUE));
        const char *sk = source_kind(a, COL(C_SKIND));
        const char *msg = NULL;
        int64_t id;
        c->err = ERR_OK;
        if (!sk)
            msg = arena_printf(c->arena, "事项来源“%s”无效", COL(C_SKIND));
        else
            json_object_set_new(body, "source_kind", json_string(sk));
        if (!msg && *COL(C_SREF))
            json_object_set_new(body, "source_ref", json_string(COL(C_SREF)));
        /* importance and kind by name or label ("general" / "一般事项"); an unknown one is refused by the spec */
        const char *imp = items_importance_name(COL(C_IMP)), *kind = items_kind_name(COL(C_KIND));
        if (!msg && *COL(C_IMP))
            json_object_set_new(body, "importance", json_string(imp ? imp : COL(C_IMP)));
        if (!msg && *COL(C_KIND))
            json_object_set_new(body, "kind", json_string(kind ? kind : COL(C_KIND)));
        const char *secrecy = items_confidentiality_name(COL(C_SECRECY));
        if (!msg && *COL(C_SECRECY))
            json_object_set_new(body, "confidentiality", json_string(secrecy ? secrecy : COL(C_SECRECY)));
        if (!msg && find_unit(c, COL(C_LEAD), &id) == ERR_OK)
            json_object_set_new(body, "lead_unit_id", json_integer(id));
        else if (!msg)
            msg = c->msg;
        if (!msg && *COL(C_CO)) {
            json_t *co = json_array();
            char *list = arena_strdup(c->arena, COL(C_CO)), *save = NULL;
            /* "、" separates units in the export; ";" is accepted too */
            for (char *p = list; (p = strstr(p, "、"));)
                memcpy(p, ";;;", 3);
            for (char *t = strtok_r(list, ";", &save); t && !msg; t = strtok_r(NULL, ";", &save))
                if (find_unit(c, t, &id) == ERR_OK)
                    json_array_append_new(co, json_integer(id));
                else
                    msg = c->msg;
            json_object_set_new(body, "co_unit_ids", co);
        }
        if (!msg && *COL(C_LEADER)) {
            if (find_user(c, COL(C_LEADER), &id) == ERR_OK)
                json_object_set_new(body, "leader_id", json_integer(id));
            else
                msg = c->msg;
        }
#undef COL
        char vmsg[256];
        if (!msg && jv_check(body, items_create_spec, vmsg, sizeof vmsg))
            msg = arena_strdup(c->arena, vmsg);
        json_t *item = NULL;
        if (!msg) {
            c->err = ERR_OK;
            enum err e = items_create(c, body, &item);
            if (e) {
                msg = c->msg ? c->msg : err_default_message(e);
                if (e == ERR_UNAVAILABLE || e == ERR_INTERNAL) {
                    row_error(a, row, msg);
                    json_decref(body);
                    return e;
                }
            } else {
                json_array_append_new(a->created,
                                      json_pack("{si sO sO sO}", "row", row, "id", json_object_get(item, "id"), "title",
                                                json_object_get(item, "title"), "lead_unit_name",
                                                json_object_get(item, "lead_unit_name")));
                json_decref(item);
            }
        }
        if (msg)
            row_error(a, row, msg);
        json_decref(body);
    }
    if (json_array_size(a->errors))
        return ctx_fail(c, ERR_INVALID, "导入文件有 %zu 处错误，未导入任何事项", json_array_size(a->errors));
    if (row == 1)
        return ctx_fail(c, ERR_INVALID, "导入文件没有数据行");
    json_t *sum =
        json_pack("{so si si sb}", "filename", a->filename ? json_string(a->filename) : json_null(), "rows",
                  (int)json_array_size(a->created), "created", (int)json_array_size(a->created), "dry_run", a->dry_run);
    enum err e = audit_record(c, "item.import", "item", 0, sum);
    json_decref(sum);
    if (!e && a->dry_run)
        return ERR_CONFLICT; /* roll back: a preview writes nothing */
    return e;
}

enum err docs_import_csv(struct ctx *c, const char *csv, size_t len, bool dry_run, const char *filename,
                         json_t **report)
{
    json_t *meta = NULL;
    enum err e = items_meta(c, &meta);
    if (e)
        return e;
    struct import_args a = {csv,     len, dry_run, json_array(), json_array(), json_object_get(meta, "source_kinds"),
                            filename};
    e = ctx_tx(c, "导入督办事项", import_tx, &a);
    if (dry_run && e == ERR_CONFLICT && !json_array_size(a.errors)) {
        e = ERR_OK;
        c->err = ERR_OK;
        c->msg = NULL;
    }
    bool ok = e == ERR_OK;
    if (dry_run) { /* a preview's ids were rolled back: do not show them */
        size_t i;
        json_t *v;
        json_array_foreach(a.created, i, v) json_object_del(v, "id");
    }
    *report =
        json_pack("{sb si so so}", "dry_run", dry_run, "created", ok && !dry_run ? (int)json_array_size(a.created) : 0,
                  "items", ok ? a.created : (json_decref(a.created), json_array()), "errors", a.errors);
    json_decref(meta);
    return e;
}
