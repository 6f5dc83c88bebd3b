/* api_units.c: the organisation tree under /api/v1/units. */
#include "api/routes.h"
#include "docs/itemdocs.h"
#include "units/units.h"

#include <string.h>

/* GET /api/v1/units?parent_id=&q=&kind=&limit= */
static int h_units_list(struct req *rq)
{
    int64_t parent, limit;
    if (!req_query_int(rq, "parent_id", 0, INT64_MAX, 0, &parent) || !req_query_int(rq, "limit", 1, 5000, 500, &limit))
        return 0;
    const char *q = req_query(rq, "q"), *kind = req_query(rq, "kind");
    if (kind && *kind && !units_kind_label(kind))
        return reply_error(rq, ERR_BAD_REQUEST,
                           "单位类别（kind）应为 government（人民政府）、department（部门）、township（乡镇、街道）、"
                           "office（督查机构）或 external（外部机构）");
    json_t *out = NULL;
    enum err e = units_list(&rq->ctx, parent, q && *q ? q : NULL, kind && *kind ? kind : NULL, (int)limit, &out);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{so}", "units", out));
}

static int h_unit_get(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "单位不存在");
    json_t *out = NULL;
    enum err e = units_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_unit_subtree(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "单位不存在");
    json_t *out = NULL;
    enum err e = units_subtree(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{so}", "units", out));
}

static int h_unit_create(struct req *rq)
{
    if (!req_check(rq, units_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = units_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_unit_update(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "单位不存在");
    if (!req_check(rq, units_update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = units_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_unit_delete(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "单位不存在");
    enum err e = units_delete(&rq->ctx, id);
    return e ? reply_ctx_error(rq) : reply_empty(rq);
}

/* POST /api/v1/units/import?dry_run=1 (an XLSX workbook or UTF-8 CSV as the body): all rows or none;
 * 422 lists each error with its row and column. */
static int h_unit_import(struct req *rq)
{
    int64_t dry;
    if (!req_query_int(rq, "dry_run", 0, 1, 0, &dry))
        return 0;
    if (!rq->body_len)
        return reply_error(rq, ERR_BAD_REQUEST, "请上传单位表（XLSX 工作簿或 UTF-8 编码的 CSV 文件）");
    json_t *report = NULL;
    const char *name = req_query(rq, "filename");
    if (name && strlen(name) > 255)
        return reply_error(rq, ERR_BAD_REQUEST, "文件名（filename）过长");
    enum err e = units_import(&rq->ctx, rq->body, rq->body_len, dry != 0, name, &report);
    if (e) {
        json_t *body = json_pack("{s{ss ss so}}", "error", "code", err_code(e), "message",
                                 rq->ctx.msg ? rq->ctx.msg : err_default_message(e), "rows",
                                 json_incref(json_object_get(report, "errors")));
        json_decref(report);
        return reply_json(rq, err_status(e), body);
    }
    return reply_json(rq, 200, report);
}

/* GET /api/v1/units/import/template.xlsx */
static int h_unit_template(struct req *rq)
{
    const char *path;
    enum err e = docs_units_template(&rq->ctx, &path);
    if (e)
        return reply_ctx_error(rq);
    rq->status = 200; /* the temporary file streams from disk and is removed once opened */
    rq->reply_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    rq->reply_file = path;
    rq->reply_file_temp = true;
    reply_header(rq, "Content-Disposition", req_disposition(rq, "单位导入模板.xlsx", "units-template.xlsx"));
    return 0;
}

const struct route unit_routes[] = {
    {"GET", "/api/v1/units", h_units_list, CAP_UNIT_READ, 0, "list units in scope", "parttime,evaluator:F *:A"},
    {"POST", "/api/v1/units", h_unit_create, CAP_UNIT_WRITE, ROUTE_JSON, "create a unit",
     "top:A admin:AAR *:F; "
     "body={\"code\":\"mx-$uniq\",\"name\":\"矩阵单位\",\"kind\":\"department\",\"parent_id\":$unit}"},
    {"GET", "/api/v1/units/import/template.xlsx", h_unit_template, CAP_UNIT_WRITE, ROUTE_LONG,
     "the workbook for importing units (单位导入模板.xlsx)", "top:A admin:A *:F"},
    {"POST", "/api/v1/units/import", h_unit_import, CAP_UNIT_WRITE, ROUTE_RAW,
     "import units from XLSX or CSV with Chinese headings (dry_run=1: check only)",
     "top:A admin:AAR *:F; type=text/csv; "
     "body=code,name,kind,parent_code,principal,contact\nmx-$uniq,矩阵单位,department,$unitcode,,\n"},
    {"GET", "/api/v1/units/{id}", h_unit_get, CAP_UNIT_READ, 0, "one unit",
     "top:A admin,principal,leader,director,deputy,secretary,office,inspector:AAN contact,head:ANN *:F"},
    {"PATCH", "/api/v1/units/{id}", h_unit_update, CAP_UNIT_WRITE, ROUTE_JSON, "change or move a unit",
     "top:A admin:AAN *:F; body={\"principal\":\"矩阵\"}"},
    {"DELETE", "/api/v1/units/{id}", h_unit_delete, CAP_UNIT_WRITE, 0, "delete an empty unit",
     "top:A admin:AAN *:F; fresh"},
    {"GET", "/api/v1/units/{id}/subtree", h_unit_subtree, CAP_UNIT_READ, 0, "a unit and everything below it",
     "top:A admin,principal,leader,director,deputy,secretary,office,inspector:AAN contact,head:ANN *:F"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
