/* api_docs.c: documents of items (PDF, XLSX, CSV, import, archive files), seals and signatures. */
#include "api/routes.h"
#include "base/log.h"
#include "docs/itemdocs.h"
#include "docs/seal.h"
#include "items/item_workflow.h"
#include "items/items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *state_words(struct arena *a, const char *list)
{
    const char *out = "";
    char *copy = arena_strdup(a, list), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        enum item_state s;
        out = arena_printf(a, "%s%s%s", out, *out ? "、" : "", item_state_parse(t, &s) ? item_state_label(s) : t);
    }
    return out;
}

static const char *light_words(const char *light)
{
    return !strcmp(light, "red")      ? "红灯"
           : !strcmp(light, "yellow") ? "黄灯"
           : !strcmp(light, "green")  ? "绿灯"
                                      : light;
}

/* The ledger filter of GET /api/v1/items; *words describes it for the list's heading in the page's words
 * ("状态：已交办；重要程度：重大复杂事项"). False after a 400. */
static bool ledger_filter(struct req *rq, struct ledger_query *q, const char **words)
{
    if (!ledger_query_from(rq, q))
        return false;
    static const struct {
        const char *key, *word;
        const char *(*label)(const char *v);
    } keys[] = {{"source_kind", "事项来源", item_source_label},
                {"importance", "重要程度", items_importance_label},
                {"kind", "事项类型", items_kind_label},
                {"confidentiality", "密级", items_confidentiality_label},
                {"tag", "标签", NULL},
                {"q", "检索", NULL},
                {"light", "亮灯", light_words},
                {"due_before", "办结时限不晚于", NULL},
                {"due_after", "办结时限不早于", NULL}};
    const char *w = q->state && *q->state ? arena_printf(rq->arena, "状态：%s", state_words(rq->arena, q->state)) : "";
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *v = req_query(rq, keys[i].key), *l = v && keys[i].label ? keys[i].label(v) : NULL;
        if (v && *v)
            w = arena_printf(rq->arena, "%s%s%s：%s", w, *w ? "；" : "", keys[i].word, l ? l : v);
    }
    if (q->overdue)
        w = arena_printf(rq->arena, "%s%s已逾期", w, *w ? "；" : "");
    if (q->year)
        w = arena_printf(rq->arena, "%s%s%lld年度", w, *w ? "；" : "", (long long)q->year);
    *words = w;
    return true;
}

/* Replies with a file download of bytes (taken from b), named in Chinese (ASCII fallback for old clients). */
static int reply_download(struct req *rq, const char *type, const char *name, const char *fallback, struct buf *b)
{
    reply_bytes(rq, 200, type, b->data ? b->data : "", b->len);
    buf_free(b);
    reply_header(rq, "Content-Disposition", req_disposition(rq, name, fallback));
    return 0;
}

/* "古督〔2026〕9号-督办通知.pdf": the item's number and what the file is ("督办通知-<id>" before it is numbered). */
static const char *item_file_name(struct req *rq, int64_t id, const char *what, const char *ext)
{
    const char *number = items_number(&rq->ctx, id);
    return number ? arena_printf(rq->arena, "%s-%s.%s", number, what, ext)
                  : arena_printf(rq->arena, "%s-%lld.%s", what, (long long)id, ext);
}

/* GET /api/v1/items/{id}/documents/{kind}.pdf, kind: notice, reminder, record. Same permission as the item. */
static int h_item_document(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "督办事项不存在");
    const char *file = req_param(rq, "file");
    size_t n = strlen(file);
    enum doc_kind kind;
    if (n < 5 || strcmp(file + n - 4, ".pdf") || !doc_kind_parse(arena_strndup(rq->arena, file, n - 4), &kind) ||
        kind == DOC_LIST)
        return reply_error(rq, ERR_NOT_FOUND, "没有这种文书（notice.pdf、reminder.pdf、record.pdf）");
    struct buf out = {0};
    enum err e = docs_item_pdf(&rq->ctx, id, kind, &out);
    if (e) {
        buf_free(&out);
        return reply_ctx_error(rq);
    }
    return reply_download(rq, "application/pdf", item_file_name(rq, id, doc_kind_label(kind), "pdf"),
                          arena_printf(rq->arena, "%s-%lld.pdf", doc_kind_name(kind), (long long)id), &out);
}

/* GET /api/v1/items/documents/list.pdf?<ledger filters> */
static int h_list_document(struct req *rq)
{
    struct ledger_query q;
    const char *words;
    if (!ledger_filter(rq, &q, &words))
        return 0;
    struct buf out = {0};
    enum err e = docs_list_pdf(&rq->ctx, &q, words, &out);
    if (e) {
        buf_free(&out);
        return reply_ctx_error(rq);
    }
    return reply_download(rq, "application/pdf", "督办事项清单.pdf", "list.pdf", &out);
}

/* Sends the temporary file at path (removed once opened: the bytes stream from disk, whatever the size). */
static int reply_temp_file(struct req *rq, const char *type, const char *name, const char *fallback, const char *path)
{
    rq->status = 200;
    rq->reply_type = type;
    rq->reply_file = path;
    rq->reply_file_temp = true;
    reply_header(rq, "Content-Disposition", req_disposition(rq, name, fallback));
    return 0;
}

/* GET /api/v1/items/export.xlsx?<ledger filters> */
static int h_export_xlsx(struct req *rq)
{
    struct ledger_query q;
    const char *words, *path;
    if (!ledger_filter(rq, &q, &words))
        return 0;
    enum err e = docs_ledger_xlsx(&rq->ctx, &q, &path);
    if (e)
        return reply_ctx_error(rq);
    return reply_temp_file(rq, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "督办台账.xlsx",
                           "ledger.xlsx", path);
}

/* The test hook (with the test clock only): while the file DATA_DIR/test_hold_export exists, a ledger export waits
 * before it starts (a file: the request reads the database in one snapshot, which would never see a setting
 * change), so that a test sees what else is answered meanwhile (tests/api/test_http_lanes.py). At most two
 * minutes. */
static void test_hold_export(struct req *rq)
{
    if (!rq->app->cfg.test_clock)
        return;
    const char *path = arena_printf(rq->arena, "%s/test_hold_export", rq->app->cfg.data_dir);
    for (int i = 0; i < 6000 && access(path, F_OK) == 0; i++) {
        if (i == 0)
            log_info("ledger export held (test_hold_export)");
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
}

/* GET /api/v1/items/export.csv?<ledger filters> */
static int h_export_csv(struct req *rq)
{
    test_hold_export(rq);
    struct ledger_query q;
    const char *words, *path;
    if (!ledger_filter(rq, &q, &words))
        return 0;
    enum err e = docs_ledger_csv(&rq->ctx, &q, &path);
    if (e)
        return reply_ctx_error(rq);
    return reply_temp_file(rq, "text/csv; charset=utf-8", "督办台账.csv", "ledger.csv", path);
}

/* POST /api/v1/items/import?dry_run=1 (text/csv body): all rows or none; 422 lists the rows' errors. */
static int h_import(struct req *rq)
{
    int64_t dry;
    if (!req_query_int(rq, "dry_run", 0, 1, 0, &dry))
        return 0;
    if (!rq->body_len)
        return reply_error(rq, ERR_BAD_REQUEST, "请上传 CSV 文件内容");
    json_t *report = NULL;
    const char *name = req_query(rq, "filename");
    if (name && strlen(name) > 255)
        return reply_error(rq, ERR_BAD_REQUEST, "文件名（filename）过长");
    enum err e = docs_import_csv(&rq->ctx, rq->body, rq->body_len, dry != 0, name, &report);
    if (e) {
        json_t *body =
            json_pack("{s{ss ss sO}}", "error", "code", err_code(e), "message",
                      rq->ctx.msg ? rq->ctx.msg : err_default_message(e), "rows", json_object_get(report, "errors"));
        json_decref(report);
        return reply_json(rq, err_status(e), body);
    }
    return reply_json(rq, dry ? 200 : 201, report);
}

/* GET /api/v1/items/{id}/archive.zip: the archive file of an archived item. */
static int h_archive(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "督办事项不存在");
    const char *path;
    enum err e = docs_archive_file(&rq->ctx, id, &path);
    if (e)
        return reply_ctx_error(rq);
    rq->reply_file = path;
    rq->reply_type = "application/zip";
    rq->status = 200;
    reply_header(rq, "Content-Disposition",
                 req_disposition(rq, item_file_name(rq, id, "档案", "zip"),
                                 arena_printf(rq->arena, "archive-%lld.zip", (long long)id)));
    return 0;
}

/* POST /api/v1/units/{id}/seal[?rotate=1]: creates (or replaces) the unit's SM2 seal. 201 with its public part. */
static int h_seal_create(struct req *rq)
{
    int64_t id, rotate;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "单位不存在");
    if (!req_query_int(rq, "rotate", 0, 1, 0, &rotate))
        return 0;
    json_t *out = NULL;
    enum err e = seal_create(&rq->ctx, id, rotate != 0, &out);
    return reply_result(rq, e, 201, out);
}

static int h_seal_get(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "单位不存在");
    json_t *out = NULL;
    enum err e = seal_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/signatures/{id}: a signature record with everything needed to verify it offline. */
static int h_signature_get(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "电子签章记录不存在");
    json_t *out = NULL;
    enum err e = seal_signature_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

const struct route docs_routes[] = {
    {"GET", "/api/v1/items/{id}/documents/{file}", h_item_document, CAP_ITEM_READ, ROUTE_LONG,
     "an item's notice, reminder or record as PDF (notice.pdf, reminder.pdf, record.pdf)",
     "principal,leader,director,deputy,secretary,office:AAN contact,head:ANN *:F; file=notice.pdf"},
    {"GET", "/api/v1/items/documents/list.pdf", h_list_document, CAP_ITEM_READ, ROUTE_LONG,
     "the list of a ledger filter as PDF", "principal,leader,director,deputy,secretary,office,contact,head:A *:F"},
    {"GET", "/api/v1/items/export.xlsx", h_export_xlsx, CAP_ITEM_READ, ROUTE_LONG, "the ledger of a filter as XLSX",
     "principal,leader,director,deputy,secretary,office,contact,head:A *:F"},
    {"GET", "/api/v1/items/export.csv", h_export_csv, CAP_ITEM_READ, ROUTE_LONG, "the ledger of a filter as CSV",
     "principal,leader,director,deputy,secretary,office,contact,head:A *:F"},
    {"POST", "/api/v1/items/import", h_import, CAP_ITEM_REGISTER, ROUTE_RAW,
     "import draft items from CSV (dry_run=1: preview)",
     "office:AAR *:F; query=dry_run=1; type=text/csv; "
     "body=title,source_kind,lead_unit,due_date\n矩阵导入,meeting,$unitcode,2031-01-01\n"},
    {"GET", "/api/v1/items/{id}/archive.zip", h_archive, CAP_ITEM_READ, ROUTE_LONG,
     "the archive file (立卷归档) of an archived item",
     "principal,leader,director,deputy,secretary,office:AAN contact,head:ANN *:F; state=archived"},
    {"POST", "/api/v1/units/{id}/seal", h_seal_create, CAP_UNIT_WRITE, 0, "create the unit's digital seal (SM2)",
     "top:A admin:AAN *:F; fresh"},
    {"GET", "/api/v1/units/{id}/seal", h_seal_get, CAP_UNIT_READ, 0, "the unit's seal: fingerprint and public key",
     "top:A admin,principal,leader,director,deputy,secretary,office,inspector:AAN contact,head:ANN *:F"},
    {"GET", "/api/v1/signatures/{id}", h_signature_get, CAP_SIGNED_IN, 0, "a seal signature, verifiable offline",
     "principal,leader,director,deputy,secretary,office:AAN contact,head:ANN *:N"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
