/* api_inspections.c: inspections (督查检查) under /api/v1: annual plans and proposals, caps, the
 * no-duplication check, inspections with their team, field records, evidence, findings, evaluations and
 * report, rectification tasks, reviews, the inspector roster. Every route's object is checked by the
 * inspections module (404 when invisible — a secret 暗访 answers like an id that does not exist). */
#include "api/routes.h"
#include "docs/inspdocs.h"
#include "inspections/inspections.h"

#include <string.h>

/* The id path parameter, or a 404 with the object's sentence. */
static bool id_param(struct req *rq, const char *name, const char *what, int64_t *id)
{
    if (req_param_id(rq, name, id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, arena_printf(rq->arena, "%s不存在或无权查看", what));
    return false;
}

/* An optional JSON object body (an action's), checked against spec; false after a reply. *body: owned. */
static bool optional_body(struct req *rq, const struct jv_field *spec, json_t **body)
{
    *body = NULL;
    if (rq->body_len) {
        if (!rq->content_type || strncmp(rq->content_type, "application/json", 16) != 0) {
            reply_error(rq, ERR_MEDIA_TYPE, "请求体必须是 JSON（Content-Type: application/json）");
            return false;
        }
        json_error_t jerr;
        *body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(*body)) {
            json_decref(*body);
            *body = NULL;
            reply_error(rq, ERR_BAD_REQUEST, "请求体必须是 JSON 对象");
            return false;
        }
    } else {
        *body = json_object();
    }
    char msg[256];
    enum err e = jv_check(*body, spec, msg, sizeof msg);
    if (e) {
        json_decref(*body);
        *body = NULL;
        reply_error(rq, e, msg);
        return false;
    }
    return true;
}

typedef enum err (*act_fn)(struct ctx *c, int64_t id, const char *action, const json_t *body, json_t **out);

static int act(struct req *rq, const char *what, act_fn fn)
{
    int64_t id;
    json_t *body, *out = NULL;
    if (!id_param(rq, "id", what, &id) || !optional_body(rq, insp_action_spec, &body))
        return 0;
    enum err e = fn(&rq->ctx, id, req_param(rq, "action"), body, &out);
    json_decref(body);
    return reply_result(rq, e, 200, out);
}

typedef enum err (*get_fn)(struct ctx *c, int64_t id, json_t **out);

static int get(struct req *rq, const char *what, get_fn fn)
{
    int64_t id;
    json_t *out = NULL;
    if (!id_param(rq, "id", what, &id))
        return 0;
    enum err e = fn(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

typedef enum err (*post_fn)(struct ctx *c, int64_t id, const json_t *body, json_t **out);

/* A JSON body to an object: validated by spec, then fn; replies status. */
static int post(struct req *rq, const char *what, const struct jv_field *spec, post_fn fn, int status)
{
    int64_t id;
    json_t *out = NULL;
    if (!id_param(rq, "id", what, &id) || !req_check(rq, spec))
        return 0;
    enum err e = fn(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, status, out);
}

static int events(struct req *rq, const char *type, const char *what)
{
    int64_t id;
    json_t *out = NULL;
    if (!id_param(rq, "id", what, &id))
        return 0;
    enum err e = insp_events(&rq->ctx, type, id, &out);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{so}", "events", out));
}

/* ---- settings, meta, caps, duplicates, burden ---- */

static int h_meta(struct req *rq)
{
    json_t *out = NULL;
    enum err e = insp_meta(&rq->ctx, &out);
    return reply_result(rq, e, 200, out);
}

static int h_settings_get(struct req *rq)
{
    json_t *out = NULL;
    enum err e = insp_settings_get(&rq->ctx, &out);
    return reply_result(rq, e, 200, out);
}

static int h_settings_put(struct req *rq)
{
    json_t *out = NULL;
    if (!req_check(rq, insp_settings_spec))
        return 0;
    enum err e = insp_settings_put(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_unit_caps_get(struct req *rq)
{
    json_t *out = NULL;
    enum err e = insp_unit_caps_get(&rq->ctx, &out);
    return reply_result(rq, e, 200, out);
}

static int h_unit_caps_put(struct req *rq)
{
    json_t *out = NULL;
    if (!req_check(rq, insp_unit_caps_spec))
        return 0;
    enum err e = insp_unit_caps_put(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_caps(struct req *rq)
{
    int64_t office, year;
    json_t *out = NULL;
    if (!req_query_int(rq, "office_unit_id", 0, INT64_MAX, 0, &office) || !req_query_int(rq, "year", 0, 2100, 0, &year))
        return 0;
    enum err e = insp_caps(&rq->ctx, office, year, &out);
    return reply_result(rq, e, 200, out);
}

static int h_duplicates(struct req *rq)
{
    json_t *out = NULL;
    if (!req_check(rq, insp_dup_spec))
        return 0;
    enum err e = insp_duplicates(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_burden_check(struct req *rq)
{
    json_t *out = NULL;
    if (!req_check(rq, insp_burden_check_spec))
        return 0;
    enum err e = insp_burden_check(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_burden(struct req *rq)
{
    int64_t year, unit;
    json_t *out = NULL;
    if (!req_query_int(rq, "year", 0, 2100, 0, &year) || !req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &unit))
        return 0;
    enum err e = insp_burden(&rq->ctx, year, unit, &out);
    return reply_result(rq, e, 200, out);
}

/* ---- plans ---- */

static int h_plans(struct req *rq)
{
    int64_t year;
    json_t *out = NULL;
    if (!req_query_int(rq, "year", 0, 2100, 0, &year))
        return 0;
    enum err e = insp_plans_list(&rq->ctx, year, &out);
    return reply_result(rq, e, 200, out);
}

static int h_plan_create(struct req *rq)
{
    json_t *out = NULL;
    if (!req_check(rq, insp_plan_create_spec))
        return 0;
    enum err e = insp_plan_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_plan_get(struct req *rq)
{
    return get(rq, "年度督查计划", insp_plan_get);
}

static int h_plan_units(struct req *rq)
{
    int64_t id;
    const char *q = req_query(rq, "q");
    if (!id_param(rq, "id", "年度督查计划", &id))
        return 0;
    if (q && strlen(q) > 100)
        return reply_error(rq, ERR_BAD_REQUEST, "检索词（q）最长 100 个字符");
    json_t *out = NULL;
    enum err e = insp_plan_units(&rq->ctx, id, q, &out);
    return reply_result(rq, e, 200, out);
}

static int h_plan_act(struct req *rq)
{
    return act(rq, "年度督查计划", insp_plan_act);
}

static int h_plan_events(struct req *rq)
{
    return events(rq, "plan", "年度督查计划");
}

static int h_entry_propose(struct req *rq)
{
    return post(rq, "年度督查计划", insp_entry_spec, insp_entry_propose, 201);
}

static int h_entry_withdraw(struct req *rq)
{
    int64_t id, eid;
    json_t *out = NULL;
    if (!id_param(rq, "id", "年度督查计划", &id) || !id_param(rq, "eid", "督查建议", &eid))
        return 0;
    enum err e = insp_entry_withdraw(&rq->ctx, id, eid, &out);
    return reply_result(rq, e, 200, out);
}

/* ---- inspections ---- */

static int h_list(struct req *rq)
{
    struct insp_query q = {0};
    int64_t page, per_page, year, unit, plan, item, mine, filed, unfiled;
    if (!req_query_int(rq, "page", 1, 1000000, 1, &page) || !req_query_int(rq, "per_page", 1, 200, 50, &per_page) ||
        !req_query_int(rq, "year", 0, 2100, 0, &year) || !req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &unit) ||
        !req_query_int(rq, "plan_id", 0, INT64_MAX, 0, &plan) ||
        !req_query_int(rq, "item_id", 0, INT64_MAX, 0, &item) || !req_query_int(rq, "mine", 0, 1, 0, &mine) ||
        !req_query_int(rq, "filed", 0, 1, 0, &filed) || !req_query_int(rq, "unfiled", 0, 1, 0, &unfiled))
        return 0;
    q.state = req_query(rq, "state");
    q.kind = req_query(rq, "kind");
    q.basis = req_query(rq, "basis");
    q.q = req_query(rq, "q");
    if (q.q && strlen(q.q) > 200)
        return reply_error(rq, ERR_BAD_REQUEST, "检索词过长（最多 200 字节）");
    q.year = year;
    q.unit_id = unit;
    q.plan_id = plan;
    q.item_id = item;
    q.mine = mine;
    q.filed = filed;
    q.unfiled = unfiled;
    q.page = (int)page;
    q.per_page = (int)per_page;
    json_t *out = NULL;
    enum err e = insp_list(&rq->ctx, &q, &out);
    return reply_result(rq, e, 200, out);
}

static int h_create(struct req *rq)
{
    json_t *out = NULL;
    if (!req_check(rq, insp_create_spec))
        return 0;
    enum err e = insp_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_get(struct req *rq)
{
    return get(rq, "督查", insp_get);
}

static int h_update(struct req *rq)
{
    return post(rq, "督查", insp_update_spec, insp_update, 200);
}

static int h_team(struct req *rq)
{
    return post(rq, "督查", insp_team_spec, insp_team_put, 200);
}

static int h_act(struct req *rq)
{
    return act(rq, "督查", insp_act);
}

static int h_events(struct req *rq)
{
    return events(rq, "inspection", "督查");
}

static int h_records(struct req *rq)
{
    return get(rq, "督查", insp_records);
}

static int h_record_add(struct req *rq)
{
    return post(rq, "督查", insp_record_spec, insp_record_add, 201);
}

static int h_findings(struct req *rq)
{
    return get(rq, "督查", insp_findings);
}

static int h_finding_add(struct req *rq)
{
    return post(rq, "督查", insp_finding_spec, insp_finding_add, 201);
}

static int h_finding_update(struct req *rq)
{
    int64_t id, fid;
    json_t *out = NULL;
    if (!id_param(rq, "id", "督查", &id) || !id_param(rq, "fid", "问题", &fid) || !req_check(rq, insp_finding_spec))
        return 0;
    enum err e = insp_finding_update(&rq->ctx, id, fid, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_finding_delete(struct req *rq)
{
    int64_t id, fid;
    if (!id_param(rq, "id", "督查", &id) || !id_param(rq, "fid", "问题", &fid))
        return 0;
    enum err e = insp_finding_delete(&rq->ctx, id, fid);
    return e ? reply_ctx_error(rq) : reply_empty(rq);
}

static int h_evaluations(struct req *rq)
{
    return get(rq, "督查", insp_evaluations);
}

static int h_evaluation_add(struct req *rq)
{
    return post(rq, "督查", insp_evaluation_spec, insp_evaluation_add, 201);
}

static int h_report_get(struct req *rq)
{
    int64_t id, regenerate;
    json_t *out = NULL;
    if (!id_param(rq, "id", "督查", &id) || !req_query_int(rq, "regenerate", 0, 1, 0, &regenerate))
        return 0;
    enum err e = insp_report_get(&rq->ctx, id, regenerate, &out);
    return reply_result(rq, e, 200, out);
}

static int h_report_put(struct req *rq)
{
    return post(rq, "督查", insp_report_spec, insp_report_put, 200);
}

static int h_reviews_of(struct req *rq)
{
    int64_t id;
    json_t *out = NULL;
    if (!id_param(rq, "id", "督查", &id))
        return 0;
    enum err e = review_list(&rq->ctx, id, req_query(rq, "state"), &out);
    return reply_result(rq, e, 200, out);
}

static int h_review_request(struct req *rq)
{
    return post(rq, "督查", review_create_spec, review_request, 201);
}

/* GET …/conclusion.pdf, …/report.pdf: the official documents. */
static int pdf(struct req *rq, bool report)
{
    int64_t id;
    struct buf out = {0};
    if (!id_param(rq, "id", "督查", &id))
        return 0;
    enum err e = docs_inspection_pdf(&rq->ctx, id, report, &out);
    if (e) {
        buf_free(&out);
        return reply_ctx_error(rq);
    }
    reply_bytes(rq, 200, "application/pdf", out.data ? out.data : "", out.len);
    buf_free(&out);
    const char *name = arena_printf(rq->arena, "%s-%lld.pdf", report ? "report" : "conclusion", (long long)id);
    reply_header(rq, "Content-Disposition", arena_printf(rq->arena, "attachment; filename=\"%s\"", name));
    return 0;
}

static int h_conclusion_pdf(struct req *rq)
{
    return pdf(rq, false);
}

static int h_report_pdf(struct req *rq)
{
    return pdf(rq, true);
}

/* ---- evidence ---- */

/* POST …/evidence: one photo or video, as multipart/form-data (the first file part) or the raw bytes
 * with ?filename=NAME; ?record_id= links it to a field record. */
static int evidence_upload(struct req *rq, int64_t insp_id, int64_t task_id)
{
    int64_t record;
    json_t *out = NULL;
    if (!req_query_int(rq, "record_id", 0, INT64_MAX, 0, &record))
        return 0;
    const struct req_upload *up = rq->upload;
    if (!up || up->malformed)
        return reply_error(rq, ERR_BAD_REQUEST, "multipart/form-data 格式错误或没有文件");
    const char *filename = up->multipart ? up->filename : req_query(rq, "filename");
    enum err e;
    if (task_id)
        e = rect_evidence_add(&rq->ctx, task_id, filename, up->path, up->size, &out);
    else
        e = insp_evidence_add(&rq->ctx, insp_id, record, 0, filename, up->path, up->size, &out);
    return reply_result(rq, e, 201, out);
}

static int h_evidence_add(struct req *rq)
{
    int64_t id;
    return id_param(rq, "id", "督查", &id) ? evidence_upload(rq, id, 0) : 0;
}

static int h_rect_evidence_add(struct req *rq)
{
    int64_t id;
    return id_param(rq, "id", "整改任务", &id) ? evidence_upload(rq, 0, id) : 0;
}

static int h_evidence_list(struct req *rq)
{
    return get(rq, "督查", insp_evidence_list);
}

static int h_evidence_get(struct req *rq)
{
    int64_t id;
    const char *path, *filename, *type, *variant = req_query(rq, "variant");
    if (!id_param(rq, "id", "证据", &id))
        return 0;
    if (variant && strcmp(variant, "clean") && strcmp(variant, "original"))
        return reply_error(rq, ERR_BAD_REQUEST, "variant 应为 original 或 clean");
    enum err e = insp_evidence_file(&rq->ctx, id, variant && !strcmp(variant, "clean"), &path, &filename, &type);
    if (e)
        return reply_ctx_error(rq);
    rq->reply_file = path;
    rq->reply_type = type;
    rq->status = 200;
    reply_header(rq, "Content-Security-Policy", "sandbox");
    reply_header(rq, "Cache-Control", "private, no-store");
    return 0;
}

/* ---- rectification tasks ---- */

static int h_rect_list(struct req *rq)
{
    struct rect_query q = {0};
    int64_t page, per_page, insp, unit;
    if (!req_query_int(rq, "page", 1, 1000000, 1, &page) || !req_query_int(rq, "per_page", 1, 200, 50, &per_page) ||
        !req_query_int(rq, "inspection_id", 0, INT64_MAX, 0, &insp) ||
        !req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &unit))
        return 0;
    q.state = req_query(rq, "state");
    q.light = req_query(rq, "light");
    q.inspection_id = insp;
    q.unit_id = unit;
    q.page = (int)page;
    q.per_page = (int)per_page;
    json_t *out = NULL;
    enum err e = rect_list(&rq->ctx, &q, &out);
    return reply_result(rq, e, 200, out);
}

static int h_rect_get(struct req *rq)
{
    return get(rq, "整改任务", rect_get);
}

static int h_rect_act(struct req *rq)
{
    return act(rq, "整改任务", rect_act);
}

static int h_rect_events(struct req *rq)
{
    return events(rq, "rectification", "整改任务");
}

/* ---- reviews ---- */

static int h_reviews(struct req *rq)
{
    json_t *out = NULL;
    enum err e = review_list(&rq->ctx, 0, req_query(rq, "state"), &out);
    return reply_result(rq, e, 200, out);
}

static int h_review_get(struct req *rq)
{
    return get(rq, "复核申请", review_get);
}

static int h_review_act(struct req *rq)
{
    return act(rq, "复核申请", review_act);
}

static int h_review_events(struct req *rq)
{
    return events(rq, "review", "复核申请");
}

/* ---- roster ---- */

static int h_inspectors(struct req *rq)
{
    int64_t all;
    json_t *out = NULL;
    if (!req_query_int(rq, "all", 0, 1, 0, &all))
        return 0;
    const char *q = req_query(rq, "q");
    if (q && strlen(q) > 100)
        return reply_error(rq, ERR_BAD_REQUEST, "检索词过长（最多 100 字节）");
    enum err e = inspectors_list(&rq->ctx, req_query(rq, "kind"), q && *q ? q : NULL, all, &out);
    return reply_result(rq, e, 200, out);
}

static int h_inspector_create(struct req *rq)
{
    json_t *out = NULL;
    if (!req_check(rq, inspector_spec))
        return 0;
    enum err e = inspector_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_inspector_get(struct req *rq)
{
    return get(rq, "督查员", inspector_get);
}

static int h_inspector_update(struct req *rq)
{
    return post(rq, "督查员", inspector_spec, inspector_update, 200);
}

static int h_training_add(struct req *rq)
{
    return post(rq, "督查员", training_spec, inspector_training_add, 201);
}

/* clang-format off */
const struct route inspection_routes[] = {
    {"GET", "/api/v1/inspections/meta", h_meta, CAP_SIGNED_IN, 0, "kinds, methods, bases, states and actions of inspections",
     "*:A"},
    {"GET", "/api/v1/inspections/settings", h_settings_get, CAP_SIGNED_IN, 0, "inspection settings (cap factor, review windows, look-back, duplicate threshold)",
     "*:A"},
    {"PUT", "/api/v1/inspections/settings", h_settings_put, CAP_SYSTEM_SETTINGS, ROUTE_JSON, "change the inspection settings",
     "top:A *:F; body={\"cap_factor\":\"0.5\"}"},
    {"GET", "/api/v1/inspections/unit-cap", h_unit_caps_get, CAP_INSP_MANAGE, 0, "the per-unit cap of inspections a year set by the office's government, and the one it inherits (减负)",
     "office:A *:F"},
    {"PUT", "/api/v1/inspections/unit-cap", h_unit_caps_put, CAP_INSP_MANAGE, ROUTE_JSON, "set the government's per-unit cap of inspections a year, or inherit the higher government's (减负)",
     "office:A *:F; body={\"unit_cap\":0}"},
    {"GET", "/api/v1/inspections/caps", h_caps, CAP_INSP_READ, 0, "the year's cap figures and exceptions of an office",
     "top,admin,parttime,evaluator:F contact,head:N *:A; query=year=$year"},
    {"POST", "/api/v1/inspections/duplicates", h_duplicates, CAP_SIGNED_IN, ROUTE_JSON, "the no-duplication check",
     "*:A; body={\"subject\":\"矩阵测试专项督查\",\"matters\":\"燃气管网\",\"target_unit_ids\":[$unit],\"start_date\":\"$year-03-02\",\"end_date\":\"$year-03-20\"}"},
    {"POST", "/api/v1/inspections/burden-check", h_burden_check, CAP_SIGNED_IN, ROUTE_JSON, "burden warnings before an inspection: each target's inspections this year against the per-unit cap, and overlapping inspections (减负)",
     "*:A; body={\"target_unit_ids\":[$unit],\"start_date\":\"$year-03-02\",\"end_date\":\"$year-03-20\"}"},
    {"GET", "/api/v1/inspections/burden", h_burden, CAP_INSP_READ, 0, "inspections per target unit in a year (减负)",
     "top,admin,parttime,evaluator:F *:A; query=year=$year"},
    {"GET", "/api/v1/plans", h_plans, CAP_INSP_READ, 0, "annual inspection plans",
     "top,admin,parttime,evaluator:F *:A"},
    {"POST", "/api/v1/plans", h_plan_create, CAP_INSP_MANAGE, ROUTE_JSON, "create an office's annual plan",
     "office:A *:F; body={\"year\":$newyear}"},
    {"GET", "/api/v1/plans/{id}", h_plan_get, CAP_INSP_READ, 0, "one plan with its entries and caps",
     "top,admin,parttime,evaluator:F *:AAN"},
    {"GET", "/api/v1/plans/{id}/units", h_plan_units, CAP_INSP_READ, 0, "units a proposal for the plan may name",
     "top,admin,parttime,evaluator:F *:AAN"},
    {"POST", "/api/v1/plans/{id}/actions/{action}", h_plan_act, CAP_INSP_READ, 0, "take a plan workflow action",
     "top,admin,parttime,evaluator:F *:AAN; action=comment; body={\"text\":\"矩阵备注\"}"},
    {"GET", "/api/v1/plans/{id}/events", h_plan_events, CAP_INSP_READ, 0, "the plan's timeline",
     "top,admin,parttime,evaluator:F *:AAN"},
    {"POST", "/api/v1/plans/{id}/entries", h_entry_propose, CAP_INSP_PROPOSE, ROUTE_JSON, "propose an inspection for the plan",
     "office:AAN head:ANN *:F; body={\"subject\":\"矩阵测试提名\",\"kind\":\"special\",\"methods\":[\"onsite\"],\"organiser_unit_id\":$unit,\"target_unit_ids\":[$town],\"start_date\":\"$year-05-01\",\"end_date\":\"$year-05-20\"}"},
    {"POST", "/api/v1/plans/{id}/entries/{eid}/withdraw", h_entry_withdraw, CAP_INSP_PROPOSE, 0, "withdraw one's proposal",
     "office:AAN head:ANN *:F"},
    {"GET", "/api/v1/inspections", h_list, CAP_SIGNED_IN, 0, "inspections the user may see, filtered and paged",
     "*:A"},
    {"POST", "/api/v1/inspections", h_create, CAP_INSP_MANAGE, ROUTE_JSON, "create a draft inspection",
     "office:AAR *:F; body={\"subject\":\"矩阵测试专项督查$uniq\",\"matters\":\"燃气管网隐患排查整治\",\"kind\":\"special\",\"methods\":[\"onsite\"],\"basis\":\"decision\",\"basis_ref\":\"常务会议纪要\",\"target_unit_ids\":[$unit],\"start_date\":\"$year-03-02\",\"end_date\":\"$year-03-20\"}"},
    {"GET", "/api/v1/inspections/{id}", h_get, CAP_SIGNED_IN, 0, "one inspection with targets, team, origins and allowed_actions",
     "top,admin:N contact,head:ANN *:AAN"},
    {"PATCH", "/api/v1/inspections/{id}", h_update, CAP_INSP_MANAGE, ROUTE_JSON, "change the draft and the 督查方案",
     "office:AAN *:F; state=draft; body={\"subject\":\"矩阵测试专项督查（改）\"}"},
    {"PUT", "/api/v1/inspections/{id}/team", h_team, CAP_INSP_MANAGE, ROUTE_JSON, "set the team (督查组)",
     "office:AAN *:F; state=opened; body={\"members\":[],\"evaluator_unit_ids\":[]}"},
    {"POST", "/api/v1/inspections/{id}/actions/{action}", h_act, CAP_SIGNED_IN, 0, "take an inspection workflow action",
     "top,admin:N contact,head:ANN *:AAN; action=comment; body={\"text\":\"矩阵备注\"}"},
    {"GET", "/api/v1/inspections/{id}/events", h_events, CAP_SIGNED_IN, 0, "the inspection's timeline",
     "top,admin:N contact,head:ANN *:AAN"},
    {"GET", "/api/v1/inspections/{id}/records", h_records, CAP_SIGNED_IN, 0, "field records (the team's working papers)",
     "top,admin:N contact,head:FNN evaluator:FFN *:AAN"},
    {"POST", "/api/v1/inspections/{id}/records", h_record_add, CAP_SIGNED_IN, ROUTE_JSON, "add a field record",
     "office,inspector,parttime:AAN top,admin:N contact,head:FNN *:FFN; body={\"place\":\"矩阵地点\",\"seen\":\"矩阵所见\",\"unit_id\":$unit}"},
    {"GET", "/api/v1/inspections/{id}/evidence", h_evidence_list, CAP_SIGNED_IN, 0, "photos and videos of the team",
     "top,admin:N contact,head:FNN evaluator:FFN *:AAN"},
    {"POST", "/api/v1/inspections/{id}/evidence", h_evidence_add, CAP_SIGNED_IN, ROUTE_UPLOAD, "upload a photo or video",
     "office,inspector,parttime:AAN top,admin:N contact,head:FNN *:FFN; query=filename=matrix.jpg; type=application/octet-stream; body=$jpeg"},
    {"GET", "/api/v1/evidence/{id}", h_evidence_get, CAP_SIGNED_IN, 0, "download evidence (without location outside the team)",
     "top,admin,contact,head,evaluator:N *:AAN"},
    {"GET", "/api/v1/inspections/{id}/findings", h_findings, CAP_SIGNED_IN, 0, "the problems found",
     "top,admin:N contact,head:ANN *:AAN"},
    {"POST", "/api/v1/inspections/{id}/findings", h_finding_add, CAP_SIGNED_IN, ROUTE_JSON, "record a problem found",
     "office,inspector,parttime:AAN top,admin:N contact,head:FNN *:FFN; body={\"title\":\"矩阵问题\",\"detail\":\"矩阵详情\",\"requirement\":\"矩阵要求\",\"unit_id\":$unit,\"due_date\":\"$due\"}"},
    {"PATCH", "/api/v1/inspections/{id}/findings/{fid}", h_finding_update, CAP_SIGNED_IN, ROUTE_JSON, "change a drafted problem",
     "office,inspector,parttime:AAN top,admin:N contact,head:FNN *:FFN; body={\"title\":\"矩阵问题（改）\"}"},
    {"DELETE", "/api/v1/inspections/{id}/findings/{fid}", h_finding_delete, CAP_SIGNED_IN, 0, "remove a drafted problem",
     "office,inspector,parttime:AAN top,admin:N contact,head:FNN *:FFN; fresh"},
    {"GET", "/api/v1/inspections/{id}/evaluations", h_evaluations, CAP_SIGNED_IN, 0, "third-party evaluations",
     "top,admin:N contact,head:FNN *:AAN"},
    {"POST", "/api/v1/inspections/{id}/evaluations", h_evaluation_add, CAP_INSP_EVALUATE, ROUTE_JSON, "submit a third-party evaluation",
     "evaluator:AAN *:F; fresh; body={\"summary\":\"矩阵评估\",\"score\":80}"},
    {"GET", "/api/v1/inspections/{id}/report", h_report_get, CAP_INSP_READ, 0, "the report (督查报告): saved or generated draft",
     "top,admin,parttime,evaluator:F contact,head:FNN *:AAN; state=conclusion_received"},
    {"PUT", "/api/v1/inspections/{id}/report", h_report_put, CAP_INSP_MANAGE, ROUTE_JSON, "save the edited report",
     "office:AAN *:F; state=conclusion_received; body={\"text\":\"督查报告正文：矩阵测试的问题已全部整改到位。\"}"},
    {"GET", "/api/v1/inspections/{id}/conclusion.pdf", h_conclusion_pdf, CAP_SIGNED_IN, ROUTE_LONG, "the conclusion (督查结论) as an official-document PDF",
     "top,admin:N contact,head:ANN *:AAN; state=concluded"},
    {"GET", "/api/v1/inspections/{id}/report.pdf", h_report_pdf, CAP_INSP_READ, ROUTE_LONG, "the report (督查报告) as PDF",
     "top,admin,parttime,evaluator:F contact,head:FNN *:AAN; state=conclusion_received"},
    {"GET", "/api/v1/inspections/{id}/reviews", h_reviews_of, CAP_SIGNED_IN, 0, "reviews of the inspection's conclusion",
     "top,admin:N contact,head:ANN *:AAN; state=concluded"},
    {"POST", "/api/v1/inspections/{id}/reviews", h_review_request, CAP_RECT_HANDLE, ROUTE_JSON, "ask for a review (复核) of the conclusion",
     "contact:FNN head:ANN *:F; state=conclusion_received; fresh; body={\"reason\":\"督查结论认定的问题与事实不符\"}"},
    {"GET", "/api/v1/rectifications", h_rect_list, CAP_SIGNED_IN, 0, "rectification tasks the user may see",
     "*:A"},
    {"GET", "/api/v1/rectifications/{id}", h_rect_get, CAP_SIGNED_IN, 0, "one rectification task with allowed_actions",
     "top,admin,evaluator:N contact,head:ANN *:AAN"},
    {"POST", "/api/v1/rectifications/{id}/actions/{action}", h_rect_act, CAP_SIGNED_IN, 0, "take a rectification workflow action",
     "top,admin,evaluator:N contact,head:ANN *:AAN; action=comment; body={\"text\":\"矩阵备注\"}"},
    {"GET", "/api/v1/rectifications/{id}/events", h_rect_events, CAP_SIGNED_IN, 0, "the task's timeline",
     "top,admin,evaluator:N contact,head:ANN *:AAN"},
    {"POST", "/api/v1/rectifications/{id}/evidence", h_rect_evidence_add, CAP_SIGNED_IN, ROUTE_UPLOAD, "upload rectification evidence",
     "top,admin,evaluator:N contact,head:ANN office:AAN *:FFN; query=filename=matrix.jpg; type=application/octet-stream; body=$jpeg"},
    {"GET", "/api/v1/reviews", h_reviews, CAP_SIGNED_IN, 0, "reviews the user may see",
     "*:A"},
    {"GET", "/api/v1/reviews/{id}", h_review_get, CAP_SIGNED_IN, 0, "one review with allowed_actions",
     "top,admin,evaluator:N contact,head:ANN *:AAN"},
    {"POST", "/api/v1/reviews/{id}/actions/{action}", h_review_act, CAP_SIGNED_IN, 0, "take a review workflow action",
     "top,admin,evaluator:N contact,head:ANN *:AAN; action=comment; body={\"text\":\"矩阵备注\"}"},
    {"GET", "/api/v1/reviews/{id}/events", h_review_events, CAP_SIGNED_IN, 0, "the review's timeline",
     "top,admin,evaluator:N contact,head:ANN *:AAN"},
    {"GET", "/api/v1/inspectors", h_inspectors, CAP_SIGNED_IN, 0, "the inspector roster (a part-timer: his own record)",
     "*:A"},
    {"POST", "/api/v1/inspectors", h_inspector_create, CAP_INSP_MANAGE, ROUTE_JSON, "add an inspector to the roster",
     "office:A *:F; body={\"name\":\"矩阵督查员\",\"kind\":\"counsellor\",\"organisation\":\"县政府参事室\"}"},
    {"GET", "/api/v1/inspectors/{id}", h_inspector_get, CAP_SIGNED_IN, 0, "one inspector with assignments and training",
     "top,admin,parttime,contact,head,evaluator:N *:AAN"},
    {"PATCH", "/api/v1/inspectors/{id}", h_inspector_update, CAP_INSP_MANAGE, ROUTE_JSON, "change an inspector",
     "office:AAN *:F; body={\"organisation\":\"县政府参事室（矩阵）\"}"},
    {"POST", "/api/v1/inspectors/{id}/trainings", h_training_add, CAP_INSP_MANAGE, ROUTE_JSON, "record a training",
     "office:AAN *:F; body={\"day\":\"$today\",\"title\":\"矩阵培训\",\"hours\":2}"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
/* clang-format on */
