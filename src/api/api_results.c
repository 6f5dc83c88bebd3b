/* api_results.c: using the results (结果运用): /api/v1/results — praise, criticism, admonition talks,
 * accountability proposals and referrals — and /api/v1/bulletins — bulletins (督查通报) drawn from the
 * data: the lists, a draft, its edits, its workflow actions (docs/workflow.md), its timeline, and a
 * bulletin's official-document PDF. */
#include "api/routes.h"
#include "docs/bulletins.h"
#include "docs/scoring.h"
#include "results/results.h"

#include "base/timeu.h"
#include "calendar/workdays.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool object_id(struct req *rq, int64_t *id, const char *what)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, arena_printf(rq->arena, "%s不存在", what));
    return false;
}

const struct req_upload *api_upload(struct req *rq, const char **filename)
{
    const struct req_upload *up = rq->upload;
    if (!up || up->malformed) {
        reply_error(rq, ERR_BAD_REQUEST, "multipart/form-data 格式错误或没有文件");
        return NULL;
    }
    *filename = up->multipart ? up->filename : req_query(rq, "filename");
    return up;
}

json_t *api_action_body(struct req *rq, const struct jv_field *spec)
{
    json_t *body = NULL;
    if (rq->body_len) {
        if (!rq->content_type || strncmp(rq->content_type, "application/json", 16) != 0) {
            reply_error(rq, ERR_MEDIA_TYPE, "请求体必须是 JSON（Content-Type: application/json）");
            return NULL;
        }
        body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(body)) {
            json_decref(body);
            reply_error(rq, ERR_BAD_REQUEST, "请求体必须是 JSON 对象");
            return NULL;
        }
    } else {
        body = json_object();
    }
    char msg[256];
    const char *field;
    enum err e = jv_check_at(body, spec, msg, sizeof msg, &field);
    if (e) {
        json_decref(body);
        reply_error_field(rq, e, msg, field);
        return NULL;
    }
    return body;
}

/* ---- results ---- */

/* GET /api/v1/results?kind=&state=&unit_id=&item_id=&inspection_id=&page=&per_page= */
static int h_results_list(struct req *rq)
{
    int64_t page, per_page, unit, item, insp;
    if (!req_query_int(rq, "page", 1, 1000000, 1, &page) || !req_query_int(rq, "per_page", 1, 200, 50, &per_page) ||
        !req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &unit) ||
        !req_query_int(rq, "item_id", 0, INT64_MAX, 0, &item) ||
        !req_query_int(rq, "inspection_id", 0, INT64_MAX, 0, &insp))
        return 0;
    struct result_query q = {req_query(rq, "kind"), req_query(rq, "state"), unit, item, insp, (int)page, (int)per_page};
    json_t *out = NULL;
    enum err e = results_list(&rq->ctx, &q, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/results/export.csv?year=&kind= — for the organisation and personnel departments */
static int h_results_export(struct req *rq)
{
    int64_t year;
    char today[11];
    cal_format_date(time_local_day(rq->ctx.now), today);
    if (!req_query_int(rq, "year", 2000, 2100, atoi(today), &year))
        return 0;
    const char *kind = req_query(rq, "kind");
    struct buf out = {0};
    enum err e = results_export_csv(&rq->ctx, (int)year, kind && *kind ? kind : NULL, &out);
    if (e) {
        buf_free(&out);
        return reply_ctx_error(rq);
    }
    reply_bytes(rq, 200, "text/csv; charset=utf-8", out.data ? out.data : "", out.len);
    buf_free(&out);
    reply_header(rq, "Content-Disposition",
                 req_disposition(rq, arena_printf(rq->arena, "%lld年结果运用情况.csv", (long long)year),
                                 arena_printf(rq->arena, "results-%lld.csv", (long long)year)));
    return 0;
}

static int h_result_create(struct req *rq)
{
    if (!req_check(rq, results_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = results_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_result_get(struct req *rq)
{
    int64_t id;
    if (!object_id(rq, &id, "结果运用记录"))
        return 0;
    json_t *out = NULL;
    enum err e = results_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_result_update(struct req *rq)
{
    int64_t id;
    if (!object_id(rq, &id, "结果运用记录") || !req_check(rq, results_update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = results_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* POST /api/v1/results/{id}/actions/{action}: the body (a JSON object) may be empty. */
static int h_result_action(struct req *rq)
{
    int64_t id;
    json_t *body;
    if (!object_id(rq, &id, "结果运用记录") || !(body = api_action_body(rq, results_action_spec)))
        return 0;
    json_t *out = NULL;
    enum err e = results_act(&rq->ctx, id, req_param(rq, "action"), body, &out);
    json_decref(body);
    return reply_result(rq, e, 200, out);
}

static int h_result_events(struct req *rq)
{
    int64_t id;
    if (!object_id(rq, &id, "结果运用记录"))
        return 0;
    json_t *out = NULL;
    enum err e = results_events(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/results/settings: the government's results settings (its office and leaders) */
static int h_result_settings_get(struct req *rq)
{
    json_t *out = NULL;
    enum err e = results_settings_get(&rq->ctx, &out);
    return reply_result(rq, e, 200, out);
}

/* PUT /api/v1/results/settings: the office changes them (audited) */
static int h_result_settings_put(struct req *rq)
{
    if (!req_check(rq, results_settings_spec))
        return 0;
    json_t *out = NULL;
    enum err e = results_settings_put(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* POST /api/v1/results/{id}/attachments: a file of the rectification report (multipart/form-data, the first
 * file part, or a raw body with ?filename=NAME), spooled by the http layer. */
static int h_result_attach(struct req *rq)
{
    int64_t id;
    const char *filename;
    const struct req_upload *up;
    if (!object_id(rq, &id, "结果运用记录") || !(up = api_upload(rq, &filename)))
        return 0;
    json_t *out = NULL;
    enum err e = results_attach(&rq->ctx, id, filename, up->path, up->size, up->sm3, &out);
    return reply_result(rq, e, 201, out);
}

/* ---- bulletins ---- */

static const struct jv_field bulletin_action_spec[] = {
    {"version", JV_INT, 0, 0, 0, "版本"},
    {"reason", JV_STRING, 0, 0, 2000, "理由"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* GET /api/v1/bulletins?state=&kind=&page=&per_page= */
static int h_bulletins_list(struct req *rq)
{
    int64_t page, per_page;
    if (!req_query_int(rq, "page", 1, 1000000, 1, &page) || !req_query_int(rq, "per_page", 1, 200, 50, &per_page))
        return 0;
    json_t *out = NULL;
    enum err e =
        bulletins_list(&rq->ctx, req_query(rq, "state"), req_query(rq, "kind"), (int)page, (int)per_page, &out);
    return reply_result(rq, e, 200, out);
}

static int h_bulletin_create(struct req *rq)
{
    if (!req_check(rq, bulletins_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = bulletins_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_bulletin_get(struct req *rq)
{
    int64_t id;
    if (!object_id(rq, &id, "通报"))
        return 0;
    json_t *out = NULL;
    enum err e = bulletins_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_bulletin_update(struct req *rq)
{
    int64_t id;
    if (!object_id(rq, &id, "通报") || !req_check(rq, bulletins_update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = bulletins_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_bulletin_action(struct req *rq)
{
    int64_t id;
    json_t *body;
    if (!object_id(rq, &id, "通报") || !(body = api_action_body(rq, bulletin_action_spec)))
        return 0;
    json_t *out = NULL;
    enum err e = bulletins_act(&rq->ctx, id, req_param(rq, "action"), body, &out);
    json_decref(body);
    return reply_result(rq, e, 200, out);
}

static int h_bulletin_events(struct req *rq)
{
    int64_t id;
    if (!object_id(rq, &id, "通报"))
        return 0;
    json_t *out = NULL;
    enum err e = bulletins_events(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/bulletins/{id}/document.pdf: the GB/T 9704 document (a draft is marked as such). */
static int h_bulletin_pdf(struct req *rq)
{
    int64_t id;
    if (!object_id(rq, &id, "通报"))
        return 0;
    struct buf out = {0};
    const char *number = NULL;
    enum err e = docs_bulletin_pdf(&rq->ctx, id, &out, &number);
    if (e) {
        buf_free(&out);
        return reply_ctx_error(rq);
    }
    reply_bytes(rq, 200, "application/pdf", out.data ? out.data : "", out.len);
    buf_free(&out);
    reply_header(rq, "Content-Disposition",
                 req_disposition(rq,
                                 number ? arena_printf(rq->arena, "%s-督查通报.pdf", number)
                                        : arena_printf(rq->arena, "督查通报-%lld.pdf", (long long)id),
                                 arena_printf(rq->arena, "bulletin-%lld.pdf", (long long)id)));
    return 0;
}

/* GET /api/v1/public/bulletins?page=&per_page= (no sign-in) */
static int h_public_bulletins(struct req *rq)
{
    int64_t page, per_page;
    if (!req_query_int(rq, "page", 1, 1000000, 1, &page) || !req_query_int(rq, "per_page", 1, 100, 20, &per_page))
        return 0;
    json_t *out = NULL;
    enum err e = bulletins_public_list(&rq->ctx, (int)page, (int)per_page, &out);
    return reply_result(rq, e, 200, out);
}

static int h_public_bulletin(struct req *rq)
{
    int64_t id;
    if (!object_id(rq, &id, "通报"))
        return 0;
    json_t *out = NULL;
    enum err e = bulletins_public_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* Access: readers of items at a government (its office and leaders) see every record and bulletin its
 * office drafted; a unit sees a record about itself, and a bulletin whose scope holds it, only once issued
 * (404 before); only the office drafts and acts on drafts; another county's are out of sight (404). */
/* GET /api/v1/bulletins/{id}/annex.xlsx: the annex (every unit; the PDF lists the ranking's two ends). */
static int h_bulletin_annex(struct req *rq)
{
    int64_t id;
    const char *path, *name;
    if (!object_id(rq, &id, "通报"))
        return 0;
    if (docs_bulletin_annex_xlsx(&rq->ctx, id, &path, &name))
        return reply_ctx_error(rq);
    return reply_xlsx(rq, path, name, arena_printf(rq->arena, "bulletin-%lld-annex.xlsx", (long long)id));
}

#define SEES_ISSUED "top,admin,inspector,parttime,evaluator:F contact,head:ANN *:AAN; state=issued"
#define DRAFTS_ONLY "office:AAN top,admin,inspector,parttime,evaluator:F contact,head:NNN *:FFN"
const struct route result_routes[] = {
    {"GET", "/api/v1/results", h_results_list, CAP_ITEM_READ, 0,
     "praise, criticism, talks, accountability proposals, referrals the user may see",
     "top,admin,inspector,parttime,evaluator:F *:A"},
    {"GET", "/api/v1/results/export.csv", h_results_export, CAP_RESULT_DRAFT, ROUTE_LONG,
     "the year's issued records for the organisation and personnel departments (CSV)", "office:A *:F"},
    {"GET", "/api/v1/results/settings", h_result_settings_get, CAP_ITEM_READ, 0,
     "the government's results settings (the criticised unit's working days to report its rectification)",
     "principal,leader,director,deputy,secretary,office:A *:F"},
    {"PUT", "/api/v1/results/settings", h_result_settings_put, CAP_RESULT_DRAFT, ROUTE_JSON,
     "the office changes the results settings (audited)", "office:A *:F; body={\"rectify_workdays\":15}"},
    {"POST", "/api/v1/results", h_result_create, CAP_RESULT_DRAFT, ROUTE_JSON, "draft a result record",
     "office:AAR *:F; body={\"kind\":\"criticism\",\"title\":\"矩阵测试\",\"content\":\"矩阵测试\",\"unit_id\":$unit,"
     "\"item_ids\":[$item]}"},
    {"GET", "/api/v1/results/{id}", h_result_get, CAP_ITEM_READ, 0, "one result record with allowed_actions",
     SEES_ISSUED},
    {"PATCH", "/api/v1/results/{id}", h_result_update, CAP_RESULT_DRAFT, ROUTE_JSON, "change a draft",
     "office:AAN *:F; body={\"title\":\"矩阵修改\"}"},
    {"POST", "/api/v1/results/{id}/actions/{action}", h_result_action, CAP_ITEM_READ, 0, "take a workflow action",
     DRAFTS_ONLY "; action=withdraw; fresh; body={\"reason\":\"矩阵撤销\"}"},
    {"GET", "/api/v1/results/{id}/events", h_result_events, CAP_ITEM_READ, 0, "the timeline", SEES_ISSUED},
    {"POST", "/api/v1/results/{id}/attachments", h_result_attach, CAP_ITEM_READ, ROUTE_UPLOAD,
     "upload a file of the rectification report (the criticised unit)",
     "contact,head:ANN top,admin,inspector,parttime,evaluator:F *:FFN; state=issued; query=filename=matrix.pdf; "
     "type=application/pdf; body=%PDF-1.4\n%matrix\n"},
    {"GET", "/api/v1/bulletins", h_bulletins_list, CAP_ITEM_READ, 0, "bulletins the user may see",
     "top,admin,inspector,parttime,evaluator:F *:A"},
    {"POST", "/api/v1/bulletins", h_bulletin_create, CAP_RESULT_DRAFT, ROUTE_JSON,
     "draft a bulletin from the data of a period and scope",
     "office:AAR *:F; body={\"period_from\":\"$today\",\"period_to\":\"$today\",\"scope_unit_id\":$unit}"},
    {"GET", "/api/v1/bulletins/{id}", h_bulletin_get, CAP_ITEM_READ, 0, "one bulletin with its figures", SEES_ISSUED},
    {"PATCH", "/api/v1/bulletins/{id}", h_bulletin_update, CAP_RESULT_DRAFT, ROUTE_JSON,
     "edit a draft bulletin's words, or count again", "office:AAN *:F; body={\"intro\":\"矩阵导语\"}"},
    {"POST", "/api/v1/bulletins/{id}/actions/{action}", h_bulletin_action, CAP_ITEM_READ, 0,
     "take a workflow action on a bulletin", DRAFTS_ONLY "; action=withdraw; fresh; body={\"reason\":\"矩阵撤销\"}"},
    {"GET", "/api/v1/bulletins/{id}/events", h_bulletin_events, CAP_ITEM_READ, 0, "the bulletin's timeline",
     SEES_ISSUED},
    {"GET", "/api/v1/bulletins/{id}/document.pdf", h_bulletin_pdf, CAP_ITEM_READ, ROUTE_LONG, "the bulletin as a PDF",
     SEES_ISSUED},
    {"GET", "/api/v1/bulletins/{id}/annex.xlsx", h_bulletin_annex, CAP_ITEM_READ, ROUTE_LONG,
     "the bulletin's annex: every responsible unit's figures, the roll-up per government, the overdue items (XLSX)",
     SEES_ISSUED},
    /* published bulletins: anyone, signed in or not (the matrix's bulletins are issued and public) */
    {"GET", "/api/v1/public/bulletins", h_public_bulletins, CAP_PUBLIC, 0, "the bulletins published to the public",
     "*:A; anon=A"},
    {"GET", "/api/v1/public/bulletins/{id}", h_public_bulletin, CAP_PUBLIC, 0, "one bulletin published to the public",
     "*:A; anon=A; state=public"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
