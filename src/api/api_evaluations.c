/* api_evaluations.c: third-party evaluation (第三方评估) under /api/v1/evaluations: engagements (drafts,
 * workflow actions), the evaluator's scores, findings and evidence, the units' self-assessments, the
 * timeline and the side-by-side view (对表分析) with its XLSX export. */
#include "api/routes.h"
#include "docs/evaldocs.h"
#include "evaluations/evaluations.h"

static bool eval_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "第三方评估不存在");
    return false;
}

static bool unit_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "unit", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "该单位不在本次评估范围内");
    return false;
}

/* GET /api/v1/evaluations?state=&page=&per_page= */
static int h_list(struct req *rq)
{
    int64_t page, per_page;
    if (!req_query_int(rq, "page", 1, 1000000, 1, &page) || !req_query_int(rq, "per_page", 1, 200, 20, &per_page))
        return 0;
    json_t *out = NULL;
    enum err e = evaluations_list(&rq->ctx, req_query(rq, "state"), (int)page, (int)per_page, &out);
    return reply_result(rq, e, 200, out);
}

static int h_create(struct req *rq)
{
    if (!req_check(rq, evaluations_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = evaluations_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_get(struct req *rq)
{
    int64_t id;
    if (!eval_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = evaluations_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_update(struct req *rq)
{
    int64_t id;
    if (!eval_id(rq, &id) || !req_check(rq, evaluations_update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = evaluations_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_action(struct req *rq)
{
    int64_t id;
    if (!eval_id(rq, &id) || !req_check(rq, evaluations_action_spec))
        return 0;
    json_t *out = NULL;
    enum err e = evaluations_act(&rq->ctx, id, req_param(rq, "action"), rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_events(struct req *rq)
{
    int64_t id;
    if (!eval_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = evaluations_events(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_scores(struct req *rq)
{
    int64_t id, unit;
    if (!eval_id(rq, &id) || !unit_id(rq, &unit) || !req_check(rq, evaluations_scores_spec))
        return 0;
    json_t *out = NULL;
    enum err e = evaluations_score(&rq->ctx, id, unit, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_self(struct req *rq)
{
    int64_t id, unit;
    if (!eval_id(rq, &id) || !unit_id(rq, &unit) || !req_check(rq, evaluations_self_spec))
        return 0;
    json_t *out = NULL;
    enum err e = evaluations_self(&rq->ctx, id, unit, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* POST …/units/{unit}/evidence: a photo (JPEG, PNG: kept without location) or a PDF, as multipart/form-data
 * (the first file part) or the raw bytes with ?filename=NAME. */
static int h_evidence_add(struct req *rq)
{
    int64_t id, unit;
    if (!eval_id(rq, &id) || !unit_id(rq, &unit))
        return 0;
    const struct req_upload *up = rq->upload;
    if (!up || up->malformed)
        return reply_error(rq, ERR_BAD_REQUEST, "multipart/form-data 格式错误或没有文件");
    json_t *out = NULL;
    enum err e = evaluations_evidence_add(&rq->ctx, id, unit, up->multipart ? up->filename : req_query(rq, "filename"),
                                          up->path, up->size, &out);
    return reply_result(rq, e, 201, out);
}

static int h_evidence_get(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "评估证据不存在");
    const char *path, *filename, *type;
    if (evaluations_evidence_file(&rq->ctx, id, &path, &filename, &type))
        return reply_ctx_error(rq);
    rq->reply_file = path;
    rq->reply_type = type;
    rq->status = 200;
    reply_header(rq, "Content-Disposition", req_disposition(rq, filename, "evidence"));
    reply_header(rq, "Content-Security-Policy", "sandbox");
    reply_header(rq, "Cache-Control", "private, no-store");
    return 0;
}

static int h_compare(struct req *rq)
{
    int64_t id;
    if (!eval_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = evaluations_compare(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_compare_xlsx(struct req *rq)
{
    int64_t id;
    if (!eval_id(rq, &id))
        return 0;
    json_t *cmp = NULL;
    const char *path = NULL;
    enum err e = evaluations_compare(&rq->ctx, id, &cmp);
    if (!e)
        e = docs_evaluation_xlsx(&rq->ctx, cmp, &path);
    json_decref(cmp);
    if (e)
        return reply_ctx_error(rq);
    rq->status = 200;
    rq->reply_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    rq->reply_file = path;
    rq->reply_file_temp = true;
    reply_header(rq, "Content-Disposition", req_disposition(rq, "对表分析.xlsx", "comparison.xlsx"));
    return 0;
}

/* ---- the evaluator organisations (the office) ---- */

static bool org_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "第三方评估机构不存在");
    return false;
}

static int h_orgs(struct req *rq)
{
    json_t *out = NULL;
    enum err e = eval_orgs_list(&rq->ctx, &out);
    return reply_result(rq, e, 200, out);
}

static int h_org_create(struct req *rq)
{
    if (!req_check(rq, eval_orgs_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = eval_orgs_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_org_get(struct req *rq)
{
    int64_t id;
    if (!org_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = eval_orgs_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_org_user(struct req *rq)
{
    int64_t id;
    if (!org_id(rq, &id) || !req_check(rq, eval_orgs_user_spec))
        return 0;
    json_t *out = NULL;
    enum err e = eval_orgs_add_user(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_org_suspend(struct req *rq)
{
    int64_t id;
    if (!org_id(rq, &id) || !req_check(rq, eval_orgs_suspend_spec))
        return 0;
    json_t *out = NULL;
    enum err e = eval_orgs_suspend(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_org_account(struct req *rq)
{
    int64_t id, uid;
    if (!org_id(rq, &id) || !req_check(rq, eval_orgs_account_spec))
        return 0;
    if (!req_param_id(rq, "user", &uid))
        return reply_error(rq, ERR_NOT_FOUND, "该评估机构没有这个评估人员账号");
    json_t *out = NULL;
    enum err e = eval_orgs_account(&rq->ctx, id, uid, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_org_resume(struct req *rq)
{
    int64_t id;
    if (!org_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = eval_orgs_suspend(&rq->ctx, id, NULL, &out);
    return reply_result(rq, e, 200, out);
}

/* who sees an engagement of 交通运输局 (own), 住建局 (other) engaged with 古城县民生评估中心, 安平县's (county) */
#define READERS "contact,head:ANN evaluator:AAN top,admin,parttime:N *:AAN"
#define GOV "contact,head:FNN evaluator,parttime,top,admin:F *:AAN"

const struct route evaluation_routes[] = {
    {"GET", "/api/v1/evaluations", h_list, CAP_SIGNED_IN, 0, "the engagements the user may see, newest first", "*:A"},
    {"POST", "/api/v1/evaluations", h_create, CAP_INSP_MANAGE, ROUTE_JSON, "a new draft engagement",
     "office:AAR *:F; "
     "body={\"title\":\"矩阵测试评估\",\"period_start\":\"$today\",\"period_end\":\"$due\",\"due_date\":"
     "\"$due\",\"objects\":[{\"kind\":\"item\",\"id\":$item}],\"unit_ids\":[$unit],\"indicators\":[{\"name\":"
     "\"落实情况\",\"max_score\":100}]}"},
    {"GET", "/api/v1/evaluations/{id}", h_get, CAP_SIGNED_IN, 0, "one engagement as the user may see it", READERS},
    {"PATCH", "/api/v1/evaluations/{id}", h_update, CAP_INSP_MANAGE, ROUTE_JSON,
     "change a draft (objects, units, indicators replace)",
     "office:AAN *:F; state=draft; body={\"basis\":\"矩阵修改的评估依据\"}"},
    {"POST", "/api/v1/evaluations/{id}/actions/{action}", h_action, CAP_SIGNED_IN, ROUTE_JSON,
     "engage, submit, return or accept",
     "office:AAN contact,head,evaluator,top,admin,parttime:N *:FFN; state=draft; action=engage; fresh; body={}"},
    {"GET", "/api/v1/evaluations/{id}/events", h_events, CAP_SIGNED_IN, 0, "the timeline", READERS},
    {"PUT", "/api/v1/evaluations/{id}/units/{unit}/scores", h_scores, CAP_INSP_EVALUATE, ROUTE_JSON,
     "the evaluator's scores and findings of one unit", "evaluator:AAN *:F; body={\"findings\":\"矩阵评估发现\"}"},
    {"PUT", "/api/v1/evaluations/{id}/units/{unit}/self", h_self, CAP_ITEM_HANDLE, ROUTE_JSON,
     "the unit's self-assessment (自评)", "contact,head:RNN *:F; body={\"scores\":[]}"},
    {"POST", "/api/v1/evaluations/{id}/units/{unit}/evidence", h_evidence_add, CAP_INSP_EVALUATE, ROUTE_UPLOAD,
     "upload the evaluator's evidence about one unit",
     "evaluator:AAN *:F; query=filename=matrix.jpg; type=application/octet-stream; body=$jpeg"},
    {"GET", "/api/v1/evaluation-evidence/{id}", h_evidence_get, CAP_SIGNED_IN, 0, "download one evidence file",
     "contact,head,top,admin,parttime:N *:AAN"},
    {"GET", "/api/v1/evaluations/{id}/comparison", h_compare, CAP_INSP_READ, 0,
     "对表分析: the evaluator's scores, the self-assessments and the inspections' findings side by side", GOV},
    {"GET", "/api/v1/evaluations/{id}/comparison.xlsx", h_compare_xlsx, CAP_INSP_READ, ROUTE_LONG, "对表分析 as XLSX",
     GOV},
    {"GET", "/api/v1/evaluator-orgs", h_orgs, CAP_INSP_MANAGE, 0,
     "the evaluator organisations of the office's government", "office:A *:F"},
    {"POST", "/api/v1/evaluator-orgs", h_org_create, CAP_INSP_MANAGE, ROUTE_JSON,
     "register an evaluator organisation below the office's government",
     "office:A *:F; body={\"name\":\"矩阵评估机构$uniq\",\"scope\":\"民生项目评估\"}"},
    {"GET", "/api/v1/evaluator-orgs/{id}", h_org_get, CAP_INSP_MANAGE, 0,
     "one evaluator organisation with its users and engagements", "office:AAN *:F"},
    {"POST", "/api/v1/evaluator-orgs/{id}/users", h_org_user, CAP_INSP_MANAGE, ROUTE_JSON,
     "open an account for the organisation (role evaluator)",
     "office:AAN *:F; body={\"username\":\"matrix_eval_$uniq\",\"name\":\"矩阵评估员\",\"password\":"
     "\"Matrix-Eval-2026!\"}"},
    {"PATCH", "/api/v1/evaluator-orgs/{id}/users/{user}", h_org_account, CAP_INSP_MANAGE, ROUTE_JSON,
     "disable or enable one of the organisation's accounts, or reset its password (ends its sessions)",
     "office:AAN *:F; fresh; body={\"disabled\":true,\"reason\":\"矩阵测试停用\"}"},
    {"POST", "/api/v1/evaluator-orgs/{id}/suspend", h_org_suspend, CAP_INSP_MANAGE, ROUTE_JSON,
     "suspend the organisation (reason)", "office:AAN *:F; fresh; body={\"reason\":\"矩阵测试暂停\"}"},
    {"POST", "/api/v1/evaluator-orgs/{id}/resume", h_org_resume, CAP_INSP_MANAGE, ROUTE_JSON,
     "lift the organisation's suspension", "office:AAN *:F; state=suspended; fresh; body={}"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
