/*
 * attachments.c: files attached to an item or to one of its progress reports (and, through
 * attachment_accept, the files of a result record: src/results/result_files.c). Content is stored
 * once under {data_dir}/attachments/{h[0..1]}/{h} where h is the SM3 of the bytes; the row names
 * it. Size limit and extension allow-list come from the configuration (upload_limit,
 * upload_types); the content must be what the extension says (base/filetype.h); downloads need
 * permission to see the item and are always sent as attachments of a non-HTML type.
 */
#include "items/items_internal.h"

#include "audit/audit.h"
#include "base/filetype.h"
#include "base/timeu.h"
#include "base/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The type an attachment is served with; never anything a browser renders as a page. */
static const char *attachment_type(const char *ext)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {"pdf", "application/pdf"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"png", "image/png"},
        {"txt", "text/plain; charset=utf-8"},
        {"csv", "text/csv; charset=utf-8"},
        {"zip", "application/zip"},
        {"doc", "application/msword"},
        {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {"xls", "application/vnd.ms-excel"},
        {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"ofd", "application/ofd"},
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (!strcasecmp(ext, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

/* ERR_OK if the file's content may carry extension ext; else 415 naming what it is. */
static enum err check_content(struct ctx *c, const char *path, const char *ext)
{
    char t[128];
    if (!filetype_of_file(path, t, sizeof t))
        return ctx_fail(c, ERR_INTERNAL, "无法识别文件类型（libmagic 不可用）");
    if (!filetype_fits(ext, t))
        return ctx_fail(c, ERR_MEDIA_TYPE, "文件内容与扩展名 .%s 不符（实际内容为 %s），不能上传", ext, t);
    return ERR_OK;
}

/* True if ext is in the comma-separated allow-list (case-insensitive). */
static bool ext_allowed(const char *list, const char *ext)
{
    size_t n = strlen(ext);
    for (const char *p = list; p && *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ')
            e++;
        if ((size_t)(e - p) == n && n && !strncasecmp(p, ext, n))
            return true;
        p = e;
    }
    return false;
}

static bool mkdir_p(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
                return false;
            *p = '/';
        }
    return mkdir(tmp, 0750) == 0 || errno == EEXIST;
}

const char *attachment_path(struct ctx *c, const char *hash)
{
    return arena_printf(c->arena, "%s/attachments/%.2s/%s", c->cfg->data_dir, hash, hash);
}

/* Moves the spooled file at tmp under its hash (an existing file with that hash is kept). */
static enum err store_file(struct ctx *c, const char *hash, const char *tmp, int64_t n)
{
    const char *path = attachment_path(c, hash);
    struct stat sb;
    if (stat(path, &sb) == 0 && (int64_t)sb.st_size == n)
        return ERR_OK;
    const char *dir = arena_printf(c->arena, "%s/attachments/%.2s", c->cfg->data_dir, hash);
    if (!mkdir_p(dir))
        return ctx_fail(c, ERR_INTERNAL, "无法保存附件：数据目录不可写");
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    if (!ok || chmod(tmp, 0640) != 0 || rename(tmp, path) != 0)
        return ctx_fail(c, ERR_INTERNAL, "无法保存附件：磁盘写入失败");
    return ERR_OK;
}

struct attach_args {
    int64_t id, report_id;
    const char *filename, *hash, *type;
    size_t size;
    int64_t attachment_id;
};

static bool takes_files(const struct item *it)
{
    return it->state != ITEM_ST_ARCHIVED && it->state != ITEM_ST_WITHDRAWN;
}

enum err items_take_files(struct ctx *c, int64_t id, bool *open)
{
    struct item it;
    enum err e = item_load(c, id, &it);
    *open = !e && takes_files(&it);
    return e;
}

/* The item must be visible (404), the user may attach to it (403) and it takes files (409). */
static enum err attach_allowed(struct ctx *c, int64_t id)
{
    struct item it;
    enum err e = item_load_visible(c, id, &it);
    if (e)
        return e;
    /* the office (at the issuing government) or a responsible unit's handler may attach */
    bool ok = !c->user || perm_at(c->user, CAP_ITEM_REGISTER, it.office_path) ||
              perm_at(c->user, CAP_ITEM_REVIEW, it.office_path);
    const char *at_path = it.office_path;
    for (int k = 0; k < it.ntracks && !ok; k++)
        if (perm_at(c->user, CAP_ITEM_HANDLE, it.tracks[k].unit_path)) {
            ok = true;
            at_path = it.tracks[k].unit_path;
        }
    if (!ok)
        return ctx_fail(c, ERR_FORBIDDEN, "您的角色不能为该督办事项上传附件");
    if (c->user) {
        const struct grant *g = perm_grant_at(c->user, CAP_ITEM_REGISTER, at_path);
        if (!g)
            g = perm_grant_at(c->user, CAP_ITEM_REVIEW, at_path);
        if (!g)
            g = perm_grant_at(c->user, CAP_ITEM_HANDLE, at_path);
        c->acting = g;
    }
    if (!takes_files(&it))
        return ctx_fail(c, ERR_CONFLICT, "「%s」的事项不能再上传附件", item_state_label(it.state));
    return ERR_OK;
}

static enum err attach_tx(struct ctx *c, void *arg)
{
    struct attach_args *a = arg;
    enum err e = attach_allowed(c, a->id);
    if (e)
        return e;
    if (a->report_id) {
        int64_t n = 0;
        struct stmt *st = db_prepare(c->db, "SELECT COUNT(*) FROM item_reports WHERE id = ? AND item_id = ?");
        if (st) {
            stmt_bind_int(st, 1, a->report_id);
            stmt_bind_int(st, 2, a->id);
        }
        stmt_one_int(st, &n);
        if (!n)
            return ctx_fail(c, ERR_INVALID, "进展报告 %" PRId64 " 不属于该事项", a->report_id);
    }
    char at[21];
    time_format_iso(c->now, at);
    struct stmt *st =
        db_prepare(c->db, "INSERT INTO attachments (item_id, report_id, filename, size, hash, content_type, "
                          "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "保存附件");
    stmt_bind_int(st, 1, a->id);
    if (a->report_id)
        stmt_bind_int(st, 2, a->report_id);
    else
        stmt_bind_null(st, 2);
    stmt_bind_text(st, 3, a->filename);
    stmt_bind_int(st, 4, (int64_t)a->size);
    stmt_bind_text(st, 5, a->hash);
    stmt_bind_text(st, 6, a->type);
    if (c->user)
        stmt_bind_int(st, 7, c->user->id);
    else
        stmt_bind_null(st, 7);
    stmt_bind_text(st, 8, at);
    int rc = stmt_one_int(st, &a->attachment_id);
    if (rc != STORE_ROW)
        return ctx_store_fail(c, rc == STORE_DONE ? STORE_E_OTHER : rc, "保存附件");
    json_t *data = json_pack("{sI ss sI ss}", "attachment_id", (json_int_t)a->attachment_id, "filename", a->filename,
                             "size", (json_int_t)a->size, "sm3", a->hash);
    if (a->report_id)
        json_object_set_new(data, "report_id", json_integer(a->report_id));
    e = item_event(c, a->id, "attachment", "attach", -1, -1, 0, 0, a->filename, data);
    if (!e)
        e = audit_record(c, "item.attach", "item", a->id, data);
    json_decref(data);
    return e;
}

static json_t *attachment_json(struct stmt *st)
{
    const char *by = stmt_text(st, 7);
    return json_pack("{sI so ss sI ss ss ss so ss}", "id", (json_int_t)stmt_int(st, 0), "report_id",
                     stmt_is_null(st, 1) ? json_null() : json_integer(stmt_int(st, 1)), "filename", stmt_text(st, 2),
                     "size", (json_int_t)stmt_int(st, 3), "sm3", stmt_text(st, 4), "content_type", stmt_text(st, 5),
                     "created_at", stmt_text(st, 6), "created_by_name", by ? json_string(by) : json_null(), "url", "");
}

#define ATT_COLS "a.id, a.report_id, a.filename, a.size, a.hash, a.content_type, a.created_at, u.name"

enum err attachment_accept(struct ctx *c, const char *filename, const char *path, int64_t size, const char *sm3,
                           struct attachment_file *out)
{
    if (!filename || !*filename)
        return ctx_fail(c, ERR_INVALID, "请提供文件名（multipart 的 filename 或 ?filename=）");
    const char *base = strrchr(filename, '/');
    base = base ? base + 1 : filename;
    const char *bs = strrchr(base, '\\');
    base = bs ? bs + 1 : base;
    size_t bl = strlen(base);
    if (!bl || bl > 255 || !utf8_valid(base, bl) || utf8_count(base) > 120)
        return ctx_fail(c, ERR_INVALID, "文件名无效或过长（最多 120 个字符）");
    for (const unsigned char *p = (const unsigned char *)base; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '"')
            return ctx_fail(c, ERR_INVALID, "文件名不能包含控制字符或引号");
    const char *dot = strrchr(base, '.');
    if (!dot || !dot[1] || !ext_allowed(c->cfg->upload_types, dot + 1))
        return ctx_fail(c, ERR_MEDIA_TYPE, "不允许上传该类型的文件，允许的类型：%s", c->cfg->upload_types);
    if (!size)
        return ctx_fail(c, ERR_INVALID, "文件内容为空");
    if (size > c->cfg->upload_limit)
        return ctx_fail(c, ERR_TOO_LARGE, "文件超过上限（%" PRId64 " 字节）", c->cfg->upload_limit);
    enum err e = check_content(c, path, dot + 1);
    if (e || (e = store_file(c, sm3, path, size)))
        return e;
    *out = (struct attachment_file){base, attachment_type(dot + 1)};
    return ERR_OK;
}

enum err items_attach(struct ctx *c, int64_t id, const char *filename, const char *path, int64_t size, const char *sm3,
                      int64_t report_id, json_t **out)
{
    /* permission before looking at the upload or keeping anything */
    struct attachment_file f;
    enum err e = attach_allowed(c, id);
    if (e || (e = attachment_accept(c, filename, path, size, sm3, &f)))
        return e;
    struct attach_args a = {id, report_id, f.filename, sm3, f.content_type, (size_t)size, 0};
    if ((e = ctx_tx(c, "上传附件", attach_tx, &a)))
        return e;
    struct stmt *st =
        db_prepare(c->db, "SELECT " ATT_COLS " FROM attachments a LEFT JOIN users u ON u.id = a.created_by "
                          "WHERE a.id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取附件");
    stmt_bind_int(st, 1, a.attachment_id);
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        *out = attachment_json(st);
        json_object_set_new(*out, "url",
                            json_string(arena_printf(c->arena, "/api/v1/attachments/%" PRId64, a.attachment_id)));
    }
    stmt_done(st);
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc < 0 ? rc : STORE_E_OTHER, "读取附件");
}

enum err items_attachments(struct ctx *c, int64_t id, json_t **out)
{
    struct item it;
    enum err e = item_load_visible(c, id, &it);
    if (e)
        return e;
    struct stmt *st =
        db_prepare(c->db, "SELECT " ATT_COLS " FROM attachments a LEFT JOIN users u ON u.id = a.created_by "
                          "WHERE a.item_id = ? ORDER BY a.id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取附件");
    stmt_bind_int(st, 1, id);
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        json_t *o = attachment_json(st);
        json_object_set_new(o, "url",
                            json_string(arena_printf(c->arena, "/api/v1/attachments/%" PRId64, stmt_int(st, 0))));
        json_array_append_new(arr, o);
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取附件");
    }
    *out = arr;
    return ERR_OK;
}

enum err items_attachment_file(struct ctx *c, int64_t attachment_id, const char **path, const char **filename,
                               const char **content_type)
{
    struct stmt *st = db_prepare(
        c->db, "SELECT item_id, filename, hash, content_type FROM attachments WHERE id = ? AND item_id IS NOT NULL");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取附件");
    stmt_bind_int(st, 1, attachment_id);
    int rc = stmt_step(st);
    int64_t item_id = 0;
    const char *hash = NULL;
    if (rc == STORE_ROW) {
        item_id = stmt_int(st, 0);
        *filename = arena_strdup(c->arena, stmt_text(st, 1));
        hash = arena_strdup(c->arena, stmt_text(st, 2));
        *content_type = arena_strdup(c->arena, stmt_text(st, 3));
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "附件不存在或无权查看");
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取附件");
    struct item it;
    enum err e = item_load_visible(c, item_id, &it);
    if (e)
        return ctx_fail(c, ERR_NOT_FOUND, "附件不存在或无权查看");
    *path = attachment_path(c, hash);
    return ERR_OK;
}
