/* api_clues.c: the office's and the verifiers' side of clues (线索) under /api/v1/clues: the list, one
 * clue, triage edits, workflow actions, timeline, similar clues, photos, the reporter (the clue's own
 * supervision office alone) and the import of clues transferred from above. */
#include "api/routes.h"
#include "clues/clues.h"
#include "docs/pointdocs.h"

#include <string.h>
#include <strings.h>

static bool clue_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "线索不存在");
    return false;
}

/* GET /api/v1/clues?state=&category=&source=&q=&unit_id=&area_id=&item_id=&contact_point_id=&mine=&page=&per_page= */
static int h_list(struct req *rq)
{
    struct clue_query q = {0};
    int64_t page, per_page, mine, item;
    if (!req_query_int(rq, "page", 1, 1000000, 1, &page) || !req_query_int(rq, "per_page", 1, 200, 20, &per_page) ||
        !req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &q.unit_id) ||
        !req_query_int(rq, "area_id", 0, INT64_MAX, 0, &q.area_id) ||
        !req_query_int(rq, "item_id", 0, INT64_MAX, 0, &item) || !req_query_int(rq, "mine", 0, 1, 0, &mine) ||
        !req_query_int(rq, "contact_point_id", 0, INT64_MAX, 0, &q.contact_point_id))
        return 0;
    q.page = (int)page;
    q.per_page = (int)per_page;
    q.mine = mine != 0;
    q.item_id = item;
    q.state = req_query(rq, "state");
    q.category = req_query(rq, "category");
    q.source = req_query(rq, "source");
    q.q = req_query(rq, "q");
    if (q.q && strlen(q.q) > 200)
        return reply_error(rq, ERR_BAD_REQUEST, "检索词过长（最多 200 字节）");
    json_t *out = NULL;
    enum err e = clues_list(&rq->ctx, &q, &out);
    return reply_result(rq, e, 200, out);
}

static int h_create(struct req *rq)
{
    if (!req_check(rq, clues_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = clues_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_meta(struct req *rq)
{
    json_t *out = NULL;
    enum err e = clues_meta(&rq->ctx, &out);
    return reply_result(rq, e, 200, out);
}

/* POST /api/v1/clues/import?dry_run=1: an XLSX or CSV file (multipart or the raw body). */
static int h_import(struct req *rq)
{
    int64_t dry;
    if (!req_query_int(rq, "dry_run", 0, 1, 0, &dry))
        return 0;
    const struct req_upload *up = rq->upload;
    if (!up || up->malformed || !up->size)
        return reply_error(rq, ERR_BAD_REQUEST, "请上传 XLSX 或 CSV 文件");
    json_t *report = NULL;
    const char *name = up->filename ? up->filename : req_query(rq, "filename");
    if (name && strlen(name) > 255)
        return reply_error(rq, ERR_BAD_REQUEST, "文件名（filename）过长");
    enum err e = clues_import(&rq->ctx, up->path, dry != 0, name, &report);
    if (e && e != ERR_INVALID) {
        json_decref(report);
        return reply_ctx_error(rq);
    }
    if (e) {
        json_t *body =
            json_pack("{s{ss ss sO}}", "error", "code", err_code(e), "message",
                      rq->ctx.msg ? rq->ctx.msg : err_default_message(e), "rows", json_object_get(report, "errors"));
        json_decref(report);
        return reply_json(rq, err_status(e), body);
    }
    return reply_json(rq, dry ? 200 : 201, report);
}

static int h_get(struct req *rq)
{
    int64_t id;
    if (!clue_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = clues_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_update(struct req *rq)
{
    int64_t id;
    if (!clue_id(rq, &id) || !req_check(rq, clues_update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = clues_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* POST /api/v1/clues/{id}/actions/{action}: the body (a JSON object) may be empty. */
static int h_action(struct req *rq)
{
    int64_t id;
    if (!clue_id(rq, &id))
        return 0;
    json_t *body = NULL;
    if (rq->body_len) {
        if (!rq->content_type || strncasecmp(rq->content_type, "application/json", 16) != 0)
            return reply_error(rq, ERR_MEDIA_TYPE, "请求体必须是 JSON（Content-Type: application/json）");
        json_error_t jerr;
        body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(body)) {
            json_decref(body);
            return reply_error(rq, ERR_BAD_REQUEST, "请求体必须是 JSON 对象");
        }
    } else {
        body = json_object();
    }
    char msg[256];
    const char *field = NULL;
    enum err e = jv_check_at(body, clues_action_spec, msg, sizeof msg, &field);
    if (e) {
        field = field ? arena_strdup(rq->arena, field) : NULL; /* the body's key: copied before the body goes */
        json_decref(body);
        return field ? reply_error_field(rq, e, msg, field) : reply_error(rq, e, msg);
    }
    json_t *out = NULL;
    e = clues_act(&rq->ctx, id, req_param(rq, "action"), body, &out);
    json_decref(body);
    return reply_result(rq, e, 200, out);
}

static int h_events(struct req *rq)
{
    int64_t id;
    if (!clue_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = clues_events(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_reporter(struct req *rq)
{
    int64_t id;
    if (!clue_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = clues_reporter(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_similar(struct req *rq)
{
    int64_t id;
    if (!clue_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = clues_similar(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/clues/{id}/photos/{photo}: the stored copy (without metadata), shown inline. */
static int h_photo(struct req *rq)
{
    int64_t id, pid;
    if (!clue_id(rq, &id))
        return 0;
    if (!req_param_id(rq, "photo", &pid))
        return reply_error(rq, ERR_NOT_FOUND, "照片不存在");
    const char *path, *type;
    enum err e = clues_photo_file(&rq->ctx, id, pid, &path, &type);
    if (e)
        return reply_ctx_error(rq);
    rq->reply_file = path;
    rq->reply_type = type;
    rq->status = 200;
    reply_header(rq, "Content-Disposition", "inline");
    reply_header(rq, "Content-Security-Policy", "sandbox");
    return 0;
}

/* ---- grassroots contact points (基层联系点) ---- */

static bool point_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "基层联系点不存在");
    return false;
}

/* GET /api/v1/contact-points?state=&q=&after=&limit= */
static int h_points(struct req *rq)
{
    int64_t limit;
    if (!req_query_int(rq, "limit", 1, 200, 50, &limit))
        return 0;
    struct contact_point_query q = {req_query(rq, "state"), req_query(rq, "q"), req_query(rq, "after"), (int)limit};
    if (q.q && strlen(q.q) > 100)
        return reply_error(rq, ERR_BAD_REQUEST, "检索词过长（最多 100 字节）");
    json_t *out = NULL;
    enum err e = contact_points_list(&rq->ctx, &q, &out);
    return reply_result(rq, e, 200, out);
}

static int h_point_create(struct req *rq)
{
    if (!req_check(rq, contact_points_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = contact_points_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_point_get(struct req *rq)
{
    int64_t id;
    if (!point_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = contact_points_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_point_update(struct req *rq)
{
    int64_t id;
    if (!point_id(rq, &id) || !req_check(rq, contact_points_update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = contact_points_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_point_end(struct req *rq)
{
    int64_t id;
    if (!point_id(rq, &id) || !req_check(rq, contact_points_end_spec))
        return 0;
    json_t *out = NULL;
    enum err e = contact_points_end(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_point_reports(struct req *rq)
{
    int64_t id, limit;
    if (!point_id(rq, &id) || !req_query_int(rq, "limit", 1, 200, 50, &limit))
        return 0;
    json_t *out = NULL;
    enum err e = contact_points_reports(&rq->ctx, id, req_query(rq, "after"), (int)limit, &out);
    return reply_result(rq, e, 200, out);
}

static int h_point_report(struct req *rq)
{
    int64_t id;
    if (!point_id(rq, &id) || !req_check(rq, contact_points_report_spec))
        return 0;
    json_t *out = NULL;
    enum err e = contact_points_report(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_visits(struct req *rq)
{
    int64_t id;
    if (!point_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = contact_point_visits(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* POST …/visits (vid 0), PATCH …/visits/{vid}, POST …/visits/{vid}/submit */
static int visit_save(struct req *rq, bool with_vid, bool submit)
{
    int64_t id, vid = 0;
    if (!point_id(rq, &id))
        return 0;
    if (with_vid && !req_param_id(rq, "vid", &vid))
        return reply_error(rq, ERR_NOT_FOUND, "驻点调研不存在");
    if (!req_check(rq, submit ? contact_point_visit_submit_spec : contact_point_visit_spec))
        return 0;
    if (with_vid && !submit && !jv_has(rq->json, "version"))
        return reply_error_field(rq, ERR_INVALID, "请提供读到的版本（version）", "version");
    json_t *out = NULL;
    enum err e = contact_point_visit_save(&rq->ctx, id, vid, rq->json, submit, &out);
    return reply_result(rq, e, with_vid ? 200 : 201, out);
}

static int h_visit_create(struct req *rq)
{
    return visit_save(rq, false, false);
}

static int h_visit_update(struct req *rq)
{
    return visit_save(rq, true, false);
}

static int h_visit_submit(struct req *rq)
{
    return visit_save(rq, true, true);
}

/* GET …/visits/{vid}/report.pdf: the research report as an official document. */
static int h_visit_pdf(struct req *rq)
{
    int64_t id, vid;
    if (!point_id(rq, &id))
        return 0;
    if (!req_param_id(rq, "vid", &vid))
        return reply_error(rq, ERR_NOT_FOUND, "驻点调研不存在");
    struct buf out = {0};
    json_t *point = NULL, *visit = NULL;
    enum err e = contact_point_visit_get(&rq->ctx, id, vid, &point, &visit);
    if (!e)
        e = docs_visit_report_pdf(&rq->ctx, point, visit, &out);
    json_decref(point);
    json_decref(visit);
    if (e) {
        buf_free(&out);
        return reply_ctx_error(rq);
    }
    reply_bytes(rq, 200, "application/pdf", out.data ? out.data : "", out.len);
    buf_free(&out);
    reply_header(rq, "Content-Disposition",
                 req_disposition(rq, arena_printf(rq->arena, "调研报告-%lld.pdf", (long long)vid),
                                 arena_printf(rq->arena, "research-report-%lld.pdf", (long long)vid)));
    return 0;
}

const struct route clue_routes[] = {
    {"GET", "/api/v1/clues", h_list, CAP_CLUE_READ, 0, "the clues the user may see, with counts per state",
     "principal,leader,director,deputy,office,contact,head:A *:F"},
    {"POST", "/api/v1/clues", h_create, CAP_CLUE_MANAGE, ROUTE_JSON, "record a clue received by staff",
     "office:AAN *:F; "
     "body={\"category\":\"other\",\"area_id\":$town,\"description\":\"矩阵测试登记的线索：路灯损坏一个月无人维修\"}"},
    {"GET", "/api/v1/clues/meta", h_meta, CAP_CLUE_READ, 0, "categories, states, actions, close reasons",
     "principal,leader,director,deputy,office,contact,head:A *:F"},
    {"POST", "/api/v1/clues/import", h_import, CAP_CLUE_MANAGE, ROUTE_UPLOAD,
     "import clues transferred from above (XLSX or CSV; dry_run=1: preview)",
     "office:R *:F; query=dry_run=1; type=text/csv; body=原编号,所在地区,问题描述,办理时限"},
    {"GET", "/api/v1/clues/{id}", h_get, CAP_CLUE_READ, 0, "one clue with its verifications and allowed_actions",
     "principal,leader,director,deputy,office:AAN contact,head:ANN *:F"},
    {"PATCH", "/api/v1/clues/{id}", h_update, CAP_CLUE_MANAGE, ROUTE_JSON, "change what triage decides",
     "office:AAN *:F; body={\"place\":\"矩阵测试地点\"}"},
    {"POST", "/api/v1/clues/{id}/actions/{action}", h_action, CAP_CLUE_READ, 0, "take a workflow action",
     "principal,leader,director,deputy,office:AAN contact,head:ANN *:F; action=comment; body={\"text\":\"矩阵备注\"}"},
    {"GET", "/api/v1/clues/{id}/events", h_events, CAP_CLUE_READ, 0, "the timeline",
     "principal,leader,director,deputy,office:AAN contact,head:ANN *:F"},
    {"GET", "/api/v1/clues/{id}/reporter", h_reporter, CAP_CLUE_REPORTER, 0,
     "the reporter, for the clue's own supervision office (audited)", "office:AAN *:F"},
    {"GET", "/api/v1/clues/{id}/similar", h_similar, CAP_CLUE_MANAGE, 0, "possible duplicates (bigram similarity)",
     "office:AAN *:F"},
    {"GET", "/api/v1/clues/{id}/photos/{photo}", h_photo, CAP_CLUE_READ, 0, "a photo (stored without metadata)",
     "principal,leader,director,deputy,office:AAN contact,head:ANN *:F"},
    {"GET", "/api/v1/contact-points", h_points, CAP_CLUE_READ, 0,
     "grassroots contact points (基层联系点): the office's, or one's own unit's",
     "principal,leader,director,deputy,office,contact,head:A *:F"},
    {"POST", "/api/v1/contact-points", h_point_create, CAP_CLUE_MANAGE, ROUTE_JSON,
     "designate a unit as a grassroots contact point (the office)",
     "office:AAR *:F; fresh; body={\"unit_id\":$newunit,\"focus\":\"矩阵测试联系重点\"}"},
    {"GET", "/api/v1/contact-points/{id}", h_point_get, CAP_CLUE_READ, 0,
     "one contact point with its counts and what the user may do",
     "principal,leader,director,deputy,office:AAN contact,head:ANN *:F"},
    {"PATCH", "/api/v1/contact-points/{id}", h_point_update, CAP_CLUE_MANAGE, ROUTE_JSON,
     "change a contact point's name, focus or note",
     "office:AAN *:F; fresh; body={\"version\":1,\"focus\":\"矩阵修改\"}"},
    {"POST", "/api/v1/contact-points/{id}/end", h_point_end, CAP_CLUE_MANAGE, ROUTE_JSON, "end a contact point (撤销)",
     "office:AAN *:F; fresh; body={\"version\":1,\"reason\":\"矩阵撤销\"}"},
    {"GET", "/api/v1/contact-points/{id}/reports", h_point_reports, CAP_CLUE_READ, 0,
     "the point's reports: all for the office, one's own for its people (the leaders read the point, not these)",
     "office:AAN principal,leader,director,deputy:FFN contact,head:ANN *:F"},
    {"POST", "/api/v1/contact-points/{id}/reports", h_point_report, CAP_CLUE_READ, ROUTE_JSON,
     "report a problem or an opinion through one's own contact point (a new clue for the office)",
     "principal,leader,director,deputy,office:FFN contact,head:ANN *:F; "
     "body={\"category\":\"policy\",\"description\":\"矩阵测试：联系点反映惠企政策落实不到位的情况\"}"},
    {"GET", "/api/v1/contact-points/{id}/visits", h_visits, CAP_CLUE_READ, 0,
     "research visits at the point (驻点调研) with their reports: the office all, the leaders the submitted ones, the "
     "point's people without the reports",
     "principal,leader,director,deputy,office:AAN contact,head:ANN *:F"},
    {"POST", "/api/v1/contact-points/{id}/visits", h_visit_create, CAP_CLUE_MANAGE, ROUTE_JSON,
     "record a research visit at the point (the office)",
     "office:AAN *:F; body={\"topic\":\"矩阵调研\",\"start_date\":\"$today\",\"end_date\":\"$today\","
     "\"team\":\"矩阵调研组\"}"},
    {"PATCH", "/api/v1/contact-points/{id}/visits/{vid}", h_visit_update, CAP_CLUE_MANAGE, ROUTE_JSON,
     "change a draft research visit and its report",
     "office:AAN *:F; fresh; body={\"version\":1,\"analysis\":\"矩阵分析\"}"},
    {"POST", "/api/v1/contact-points/{id}/visits/{vid}/submit", h_visit_submit, CAP_CLUE_MANAGE, ROUTE_JSON,
     "submit the research report to the government's principal and leaders (报送)",
     "office:AAN *:F; fresh; body={\"version\":1}"},
    {"GET", "/api/v1/contact-points/{id}/visits/{vid}/report.pdf", h_visit_pdf, CAP_CLUE_READ, ROUTE_LONG,
     "the research report as an official-document PDF (the office; the leaders once submitted)",
     "office:AAN principal,leader,director,deputy:NNN contact,head:FNN *:F"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
