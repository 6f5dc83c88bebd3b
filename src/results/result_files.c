/*
 * result_files.c: the files a criticised unit sends with its rectification report (整改材料). They are
 * attachments like an item's (items/attachments.c, attachment_accept: the same checks of name, type, size and
 * content, the same store under data_dir/attachments, `ducha attachments verify`) whose row names the record
 * (result_id, migration 0178) instead of an item:
 *   upload   whoever may report the rectification (the unit's contact or head; the office and the leaders 403,
 *            another unit 404) while it is theirs to report (issued, a criticism with a deadline; 409 else);
 *            the record's timeline (attach) and the audit trail (result.attach)
 *   report   report_rectification names them (attachment_ids): files of this record not yet reported (422
 *            naming attachment_ids else); their round is fixed (result_round: 1 the first report, 2 after a
 *            return …) and the report's timeline entry lists them
 *   read     whoever sees the record (the unit once issued, the office in its review): the list in the JSON's
 *            rectification.attachments, the file at /api/v1/attachments/{id}
 */
#include "results/results_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "items/items.h"

#include <inttypes.h>

#define ATT_COLS "a.id, a.filename, a.size, a.hash, a.content_type, a.created_at, u.name, a.result_round"

/* Who may upload now: visible (404), may report the rectification at all (403), now (409). */
static enum err upload_allowed(struct ctx *c, int64_t id, struct result *r)
{
    enum err e = result_load_visible(c, id, r);
    if (e)
        return e;
    if (!workflow_may_ever(c, &result_workflow, &r->wf, RES_ACT_REPORT_RECTIFICATION))
        return ctx_fail(c, ERR_FORBIDDEN, "只有被通报批评单位的联络员或负责人可以上传整改材料");
    if (r->kind != RES_CRITICISM || !r->rectify_due || r->state != RES_ST_ISSUED)
        return ctx_fail(c, ERR_CONFLICT, "整改材料只能在待报送整改情况时上传，当前状态为「%s」",
                        wf_state_label(&result_workflow, r->state));
    if (c->user)
        c->acting = perm_grant_at(c->user, CAP_RECT_HANDLE, r->unit_path);
    return ERR_OK;
}

struct upload {
    int64_t id, size, attachment_id;
    const char *hash;
    struct attachment_file f;
};

static enum err upload_tx(struct ctx *c, void *arg)
{
    struct upload *u = arg;
    struct result r;
    enum err e = upload_allowed(c, u->id, &r); /* again, under the transaction: the record may have moved on */
    if (e || (e = result_lock(c, &r)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    e = db_one_int(c->db, &u->attachment_id,
                   "INSERT INTO attachments (result_id, filename, size, hash, content_type, created_by, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   DB_INT(u->id), DB_TEXT(u->f.filename), DB_INT(u->size), DB_TEXT(u->hash), DB_TEXT(u->f.content_type),
                   c->user ? DB_INT(c->user->id) : DB_NULL, DB_TEXT(at));
    if (e)
        return ctx_db_fail(c, e, "保存整改材料");
    json_t *data = json_pack("{sI ss sI ss}", "attachment_id", (json_int_t)u->attachment_id, "filename", u->f.filename,
                             "size", (json_int_t)u->size, "sm3", u->hash);
    e = res_event(c, &result_table, u->id, "attach", -1, -1, u->f.filename, data);
    if (!e)
        e = audit_record(c, "result.attach", "result", u->id, data);
    json_decref(data);
    return e;
}

static json_t *file_json(struct ctx *c, struct stmt *st)
{
    const char *by = res_col(c, st, 6);
    return json_pack("{sI ss sI ss ss ss so so ss}", "id", (json_int_t)stmt_int(st, 0), "filename", stmt_text(st, 1),
                     "size", (json_int_t)stmt_int(st, 2), "sm3", stmt_text(st, 3), "content_type", stmt_text(st, 4),
                     "created_at", stmt_text(st, 5), "created_by_name", res_str(by), "round",
                     stmt_is_null(st, 7) ? json_null() : json_integer(stmt_int(st, 7)), "url",
                     arena_printf(c->arena, "/api/v1/attachments/%" PRId64, stmt_int(st, 0)));
}

json_t *result_files_json(struct ctx *c, int64_t id)
{
    json_t *arr = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT " ATT_COLS " FROM attachments a LEFT JOIN users u ON u.id = a.created_by "
                               "WHERE a.result_id = ? ORDER BY a.id",
                               DB_INT(id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, file_json(c, st));
    stmt_done(st);
    return arr;
}

enum err results_attach(struct ctx *c, int64_t id, const char *filename, const char *path, int64_t size,
                        const char *sm3, json_t **out)
{
    struct result r;
    struct upload u = {.id = id, .size = size, .hash = sm3};
    /* permission before looking at the upload or keeping anything */
    enum err e = upload_allowed(c, id, &r);
    if (e || (e = attachment_accept(c, filename, path, size, sm3, &u.f)) ||
        (e = ctx_tx(c, "上传整改材料", upload_tx, &u)))
        return e;
    struct stmt *st = db_query(c->db,
                               "SELECT " ATT_COLS " FROM attachments a LEFT JOIN users u ON u.id = a.created_by "
                               "WHERE a.id = ?",
                               DB_INT(u.attachment_id));
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    if (rc == STORE_ROW)
        *out = file_json(c, st);
    stmt_done(st);
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc < 0 ? rc : STORE_E_OTHER, "读取整改材料");
}

enum err results_attachment_file(struct ctx *c, int64_t attachment_id, const char **path, const char **filename,
                                 const char **content_type)
{
    int64_t result_id = 0;
    const char *hash = NULL;
    struct stmt *st = db_query(c->db,
                               "SELECT result_id, filename, hash, content_type FROM attachments "
                               "WHERE id = ? AND result_id IS NOT NULL",
                               DB_INT(attachment_id));
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    if (rc == STORE_ROW) {
        result_id = stmt_int(st, 0);
        *filename = res_col(c, st, 1);
        hash = res_col(c, st, 2);
        *content_type = res_col(c, st, 3);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取整改材料");
    struct result r;
    if (rc != STORE_ROW || result_load_visible(c, result_id, &r))
        return ctx_fail(c, ERR_NOT_FOUND, "附件不存在或无权查看");
    *path = attachment_path(c, hash);
    return ERR_OK;
}

enum err result_files_report(struct wf_act *a, int round)
{
    struct ctx *c = a->c;
    json_t *ids = json_object_get(a->body, "attachment_ids"), *v;
    json_t *names = json_array();
    json_object_set_new(a->data, "attachments", names);
    size_t i;
    json_array_foreach(ids, i, v)
    {
        int64_t aid = json_integer_value(v);
        const char *name = NULL;
        enum err e = db_one_text(c->db, c->arena, &name,
                                 "UPDATE attachments SET result_round = ? WHERE id = ? AND result_id = ? "
                                 "AND result_round IS NULL RETURNING filename",
                                 DB_INT(round), DB_INT(aid), DB_INT(a->obj->id));
        if (e == ERR_NOT_FOUND)
            return ctx_fail_field(c, "attachment_ids",
                                  "整改材料（attachment_ids）%" PRId64 " 不是本记录已上传、尚未报送的文件", aid);
        if (e)
            return ctx_db_fail(c, e, "报送整改材料");
        json_array_append_new(names, json_pack("{sI ss}", "id", (json_int_t)aid, "filename", name));
    }
    return ERR_OK;
}

json_t *results_item_files(struct ctx *c, int64_t item_id)
{
    json_t *arr = json_array();
    struct stmt *st = db_query(c->db,
                               "SELECT a.id, a.filename, r.number FROM result_links l JOIN results r ON r.id = "
                               "l.result_id JOIN attachments a ON a.result_id = r.id WHERE l.object_kind = 'item' AND "
                               "l.object_id = ? AND a.result_round IS NOT NULL ORDER BY r.id, a.id",
                               DB_INT(item_id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(arr, json_pack("{sI ss ss}", "id", (json_int_t)stmt_int(st, 0), "filename",
                                             stmt_text(st, 1), "number", stmt_is_null(st, 2) ? "" : stmt_text(st, 2)));
    stmt_done(st);
    return arr;
}
