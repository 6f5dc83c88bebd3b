/* api_items.c: supervision items under /api/v1/items (the ledger, the item, its workflow actions,
 * timeline, reports, children and attachments) and attachment downloads. */
#include "api/routes.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "docs/itemdocs.h"
#include "items/items.h"
#include "items/ledger.h"
#include "results/results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool item_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "督办事项不存在");
    return false;
}

bool ledger_query_from(struct req *rq, struct ledger_query *q)
{
    int64_t year, overdue, subtree, unit;
    memset(q, 0, sizeof *q);
    /* unit is an alias of unit_id; subtree=0 makes the unit filters match the unit itself only */
    if (!req_query_int(rq, "unit", 0, INT64_MAX, 0, &unit) || !req_query_int(rq, "subtree", 0, 1, 1, &subtree) ||
        !req_query_int(rq, "lead_unit_id", 0, INT64_MAX, 0, &q->lead_unit_id) ||
        !req_query_int(rq, "co_unit_id", 0, INT64_MAX, 0, &q->co_unit_id) ||
        !req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &q->unit_id) ||
        !req_query_int(rq, "leader_id", 0, INT64_MAX, 0, &q->leader_id) ||
        !req_query_int(rq, "parent_id", 0, INT64_MAX, 0, &q->parent_id) ||
        !req_query_int(rq, "year", 0, 9999, 0, &year) || !req_query_int(rq, "overdue", 0, 1, 0, &overdue))
        return false;
    if (!q->unit_id)
        q->unit_id = unit;
    q->exact = subtree == 0;
    q->year = year;
    q->overdue = overdue != 0;
    q->state = req_query(rq, "state");
    q->source_kind = req_query(rq, "source_kind");
    q->importance = req_query(rq, "importance");
    q->kind = req_query(rq, "kind");
    q->confidentiality = req_query(rq, "confidentiality");
    /* a filter's value outside its list is refused, not answered with an empty ledger */
    const char *refusal = NULL;
    if (q->confidentiality && *q->confidentiality && !items_confidentiality_label(q->confidentiality))
        refusal = "密级（confidentiality）应为 internal（内部）或 public（公开）";
    else if (q->importance && *q->importance && !items_importance_label(q->importance))
        refusal = "重要程度（importance）应为 general（一般事项）或 major（重大复杂事项）";
    else if (q->kind && *q->kind && !items_kind_label(q->kind))
        refusal = "事项类别（kind）应为 once（一次性事项）、ongoing（常态化推进工作）或 annual（年度重点工作）";
    else if (q->source_kind && *q->source_kind && !item_source_label(q->source_kind))
        refusal = "事项来源（source_kind）无效（见 GET /api/v1/items/meta）";
    if (refusal) {
        reply_error(rq, ERR_BAD_REQUEST, refusal);
        return false;
    }
    q->tag = req_query(rq, "tag");
    q->q = req_query(rq, "q");
    q->light = req_query(rq, "light");
    q->sort = req_query(rq, "sort");
    q->due_before = req_query(rq, "due_before");
    q->due_after = req_query(rq, "due_after");
    q->after = req_query(rq, "after");
    if (q->q && strlen(q->q) > 200) {
        reply_error(rq, ERR_BAD_REQUEST, "检索词过长（最多 200 字节）");
        return false;
    }
    return true;
}

/* GET /api/v1/items?state=&source_kind=&lead_unit_id=&co_unit_id=&unit_id=&leader_id=&importance=&kind=
 *   &due_before=&due_after=&overdue=&light=&tag=&year=&parent_id=&q=&sort=&page=&per_page=&subtree=&after=
 * (subtree=0: the unit filters match the unit itself only; limit/unit: aliases of per_page/unit_id;
 * after: the `next` cursor of the previous page) */
static int h_items_list(struct req *rq)
{
    struct ledger_query q;
    int64_t page, per_page, limit;
    /* limit is accepted as an alias of per_page */
    if (!req_query_int(rq, "page", 1, 1000000, 1, &page) || !req_query_int(rq, "per_page", 1, 200, 50, &per_page) ||
        !req_query_int(rq, "limit", 1, 200, 0, &limit) || !ledger_query_from(rq, &q))
        return 0;
    q.page = (int)page;
    q.per_page = (int)(limit ? limit : per_page);
    struct buf out = {0};
    enum err e = items_ledger(&rq->ctx, &q, &out);
    return reply_jsonw(rq, e, &out);
}

/* GET /api/v1/items/overview?unit_id=: the kept counts of a scope (综合分析). */
static int h_items_overview(struct req *rq)
{
    int64_t unit;
    if (!req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &unit))
        return 0;
    struct buf text = {0};
    struct jw w;
    jw_init(&w, &text);
    return reply_jsonw(rq, items_overview_write(&rq->ctx, unit, &w), &text);
}

static int h_items_meta(struct req *rq)
{
    struct buf text = {0};
    struct jw w;
    jw_init(&w, &text);
    return reply_jsonw(rq, items_meta_write(&rq->ctx, &w), &text);
}

/* PUT /api/v1/items/grades {"grades": [...]} */
static int h_items_grades(struct req *rq)
{
    if (!req_check(rq, items_grades_spec))
        return 0;
    json_t *out = NULL;
    enum err e = items_set_grades(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_item_create(struct req *rq)
{
    if (!req_check(rq, items_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = items_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_item_get(struct req *rq)
{
    int64_t id;
    if (!item_id(rq, &id))
        return 0;
    struct buf text = {0};
    struct jw w;
    jw_init(&w, &text);
    return reply_jsonw(rq, items_write(&rq->ctx, id, &w), &text);
}

/* h_item_get's read, sent with the credential check (struct route's ahead) */
static void ahead_item_get(void *arg)
{
    struct req *rq = arg;
    int64_t id;
    if (req_param_id(rq, "id", &id))
        items_get_send(&rq->ctx, id);
}

static int h_item_update(struct req *rq)
{
    int64_t id;
    if (!item_id(rq, &id) || !req_check(rq, items_update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = items_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* After the archive transition has committed, its archive file is rendered and recorded by this request, outside
 * any write transaction (docs_archive_build); a failure leaves it queued for the scheduler, the transition stands. */
static void archive_file_after(struct ctx *c, int64_t id)
{
    bool stored = false;
    enum err e = docs_archive_build(c, id, true, &stored);
    if (e) {
        log_warn("archive of item %lld left to the scheduler: %s", (long long)id,
                 c->msg ? c->msg : err_default_message(e));
        c->err = ERR_OK;
        c->msg = c->field = NULL;
    }
}

/* POST /api/v1/items/{id}/actions/{action}: the body (JSON object) may be empty. */
static int h_item_action(struct req *rq)
{
    int64_t id;
    enum item_action action;
    if (!item_id(rq, &id))
        return 0;
    if (!item_action_parse(req_param(rq, "action"), &action))
        return reply_error(
            rq, ERR_NOT_FOUND,
            arena_printf(rq->arena, "没有名为“%s”的操作（见 GET /api/v1/items/meta）", req_param(rq, "action")));
    if (action == ITEM_ACT_REPORT)
        return reply_error(rq, ERR_INVALID, "进展报告请使用 POST /api/v1/items/{id}/reports");
    json_t *body = NULL;
    if (rq->body_len) {
        if (!rq->content_type || strncmp(rq->content_type, "application/json", 16) != 0)
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
    const char *field;
    enum err e = jv_check_at(body, items_action_spec, msg, sizeof msg, &field);
    if (e) {
        json_decref(body);
        return reply_error_field(rq, e, msg, field);
    }
    json_t *out = NULL;
    e = items_act(&rq->ctx, id, action, body, &out);
    json_decref(body);
    if (!e && action == ITEM_ACT_ARCHIVE)
        archive_file_after(&rq->ctx, id);
    return reply_result(rq, e, 200, out);
}

static int h_item_events(struct req *rq)
{
    int64_t id;
    if (!item_id(rq, &id))
        return 0;
    struct buf text = {0};
    struct jw w;
    jw_init(&w, &text);
    jw_obj(&w);
    jw_qkey(&w, JW_K("events"));
    enum err e = items_events_write(&rq->ctx, id, &w);
    if (!e)
        jw_end_obj(&w);
    return reply_jsonw(rq, e, &text);
}

static int h_item_report(struct req *rq)
{
    int64_t id;
    if (!item_id(rq, &id) || !req_check(rq, items_report_spec))
        return 0;
    json_t *out = NULL;
    enum err e = items_act(&rq->ctx, id, ITEM_ACT_REPORT, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_item_reports(struct req *rq)
{
    int64_t id;
    if (!item_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = items_reports(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{so}", "reports", out));
}

/* GET /api/v1/items/{id}/report-form?track_id= */
static int h_item_report_form(struct req *rq)
{
    int64_t id, track;
    if (!item_id(rq, &id) || !req_query_int(rq, "track_id", 1, INT64_MAX, 0, &track))
        return 0;
    json_t *out = NULL;
    enum err e = items_report_form(&rq->ctx, id, track, &out);
    return reply_result(rq, e, 200, out);
}

static int h_report_review(struct req *rq)
{
    int64_t id, rid;
    if (!item_id(rq, &id))
        return 0;
    if (!req_param_id(rq, "rid", &rid))
        return reply_error(rq, ERR_NOT_FOUND, "进展报告不存在");
    if (!req_check(rq, items_review_spec))
        return 0;
    json_t *out = NULL;
    enum err e = items_review_report(&rq->ctx, id, rid, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_item_child(struct req *rq)
{
    int64_t id;
    if (!item_id(rq, &id) || !req_check(rq, items_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = items_create_child(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

/* POST /api/v1/items/{id}/attachments: multipart/form-data (the first file part) or a raw body with
 * ?filename=NAME; ?report_id= links it to a progress report. The http layer spooled the file. */
static int h_item_attach(struct req *rq)
{
    int64_t id, report_id;
    const char *filename;
    const struct req_upload *up;
    if (!item_id(rq, &id) || !req_query_int(rq, "report_id", 0, INT64_MAX, 0, &report_id) ||
        !(up = api_upload(rq, &filename)))
        return 0;
    json_t *out = NULL;
    enum err e = items_attach(&rq->ctx, id, filename, up->path, up->size, up->sm3, report_id, &out);
    return reply_result(rq, e, 201, out);
}

static int h_item_attachments(struct req *rq)
{
    int64_t id;
    if (!item_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = items_attachments(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{so}", "attachments", out));
}

/* The upload's own name (RFC 5987), "attachment.<ext>" for clients without filename*. */
static const char *disposition(struct req *rq, const char *filename)
{
    const char *dot = strrchr(filename, '.');
    bool ascii_ext = dot && strlen(dot) < 12;
    for (const char *p = dot; ascii_ext && *p; p++)
        ascii_ext = (unsigned char)*p < 0x80 && *p != '"' && *p != '\\';
    return req_disposition(rq, filename, arena_printf(rq->arena, "attachment%s", ascii_ext ? dot : ""));
}

static int h_attachment_get(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "附件不存在");
    const char *path, *filename, *type;
    /* an item's file, else a result record's (a criticised unit's 整改材料): one table, one route */
    enum err e = items_attachment_file(&rq->ctx, id, &path, &filename, &type);
    if (e == ERR_NOT_FOUND)
        e = results_attachment_file(&rq->ctx, id, &path, &filename, &type);
    if (e)
        return reply_ctx_error(rq);
    rq->reply_file = path;
    rq->reply_type = type;
    rq->status = 200;
    reply_header(rq, "Content-Disposition", disposition(rq, filename));
    reply_header(rq, "Content-Security-Policy", "sandbox");
    return 0;
}

const struct route item_routes[] = {
    {"GET", "/api/v1/items", h_items_list, CAP_ITEM_READ, 0, "the ledger (台账): filtered, sorted, paged, with counts",
     "principal,leader,director,deputy,secretary,office,contact,head:A *:F"},
    {"POST", "/api/v1/items", h_item_create, CAP_ITEM_REGISTER, ROUTE_JSON, "register a draft item",
     "office:AAR *:F; "
     "body={\"title\":\"矩阵事项\",\"source_kind\":\"meeting\",\"lead_unit_id\":$unit,\"due_date\":\"2031-01-01\"}"},
    {"GET", "/api/v1/items/meta", h_items_meta, CAP_SIGNED_IN, 0, "source kinds, states, actions, grades", "*:A"},
    {"GET", "/api/v1/items/overview", h_items_overview, CAP_ITEM_READ, 0, "counts of a scope (综合分析)",
     "principal,leader,director,deputy,secretary,office,contact,head:A *:F"},
    {"PUT", "/api/v1/items/grades", h_items_grades, CAP_SYSTEM_SETTINGS, ROUTE_JSON, "set the completion grades",
     "top:A *:F; body={\"grades\":[\"优秀\",\"良好\",\"一般\",\"较差\"]}"},
    {"GET", "/api/v1/items/{id}", h_item_get, CAP_ITEM_READ, 0, "one item with tracks and allowed_actions",
     "principal,leader,director,deputy,secretary,office:AAN contact,head:ANN *:F", .ahead = ahead_item_get},
    {"PATCH", "/api/v1/items/{id}", h_item_update, CAP_ITEM_REGISTER, ROUTE_JSON, "change a draft item",
     "office:RRN *:F; body={\"title\":\"矩阵事项（改）\"}"},
    {"POST", "/api/v1/items/{id}/actions/{action}", h_item_action, CAP_ITEM_READ, 0, "take a workflow action",
     "principal,leader,director,deputy,secretary,office:AAN contact,head:ANN *:F; action=comment; "
     "body={\"text\":\"矩阵备注\"}"},
    {"GET", "/api/v1/items/{id}/events", h_item_events, CAP_ITEM_READ, 0, "the timeline",
     "principal,leader,director,deputy,secretary,office:AAN contact,head:ANN *:F"},
    {"POST", "/api/v1/items/{id}/reports", h_item_report, CAP_ITEM_HANDLE, ROUTE_JSON, "submit a progress report",
     "contact,head:ANN *:F; body={\"text\":\"矩阵进展\",\"percent\":40}"},
    {"GET", "/api/v1/items/{id}/reports", h_item_reports, CAP_ITEM_READ, 0, "progress reports",
     "principal,leader,director,deputy,secretary,office:AAN contact,head:ANN *:F"},
    {"GET", "/api/v1/items/{id}/report-form", h_item_report_form, CAP_ITEM_READ, 0,
     "the periodic report's form, pre-filled with what the system holds",
     "principal,leader,director,deputy,secretary,office:AAN contact,head:ANN *:F"},
    {"POST", "/api/v1/items/{id}/reports/{rid}/review", h_report_review, CAP_ITEM_REVIEW, ROUTE_JSON,
     "review a progress report", "director,deputy,secretary,office:AAN *:F; fresh; body={\"result\":\"accepted\"}"},
    {"POST", "/api/v1/items/{id}/children", h_item_child, CAP_ITEM_REGISTER, ROUTE_JSON, "decompose into a child item",
     "office:RRN *:F; "
     "body={\"title\":\"矩阵子事项\",\"source_kind\":\"meeting\",\"lead_unit_id\":$unit,\"due_date\":\"2031-01-01\"}"},
    {"POST", "/api/v1/items/{id}/attachments", h_item_attach, CAP_ITEM_READ, ROUTE_UPLOAD, "upload an attachment",
     "director,deputy,secretary,office:AAN contact,head:ANN principal,leader:FFN *:F; query=filename=matrix.pdf; "
     "type=application/pdf; body=%PDF-1.4\n%matrix\n"},
    {"GET", "/api/v1/items/{id}/attachments", h_item_attachments, CAP_ITEM_READ, 0, "attachments of an item",
     "principal,leader,director,deputy,secretary,office:AAN contact,head:ANN *:F"},
    {"GET", "/api/v1/attachments/{id}", h_attachment_get, CAP_ITEM_READ, 0, "download an attachment",
     "principal,leader,director,deputy,secretary,office:AAN contact,head:ANN *:F"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
