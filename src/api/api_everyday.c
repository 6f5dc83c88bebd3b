/* api_everyday.c: the everyday tools of the supervision office (#15) beyond one item's own workflow actions:
 * batch actions from the ledger, the leaders in charge to choose from, leaders' written instructions. */
#include "api/routes.h"
#include "items/items.h"
#include "units/liaisons.h"

#include <string.h>

/* POST /api/v1/items/batch {"action","ids","text"?}: 200 with one result per item, done or refused. */
static int h_items_batch(struct req *rq)
{
    if (!req_check(rq, items_batch_spec))
        return 0;
    json_t *out = NULL;
    enum err e = items_batch(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/leaders?office_unit_id=&lead_unit_id=: the leaders in charge to choose from, one proposed. */
static int h_leaders(struct req *rq)
{
    int64_t office, lead;
    if (!req_query_int(rq, "office_unit_id", 0, INT64_MAX, 0, &office) ||
        !req_query_int(rq, "lead_unit_id", 0, INT64_MAX, 0, &lead))
        return 0;
    json_t *out = NULL;
    enum err e = items_leaders(&rq->ctx, office, lead, &out);
    return reply_result(rq, e, 200, out);
}

static bool path_ids(struct req *rq, int64_t *id, int64_t *iid)
{
    if (!req_param_id(rq, "id", id)) {
        reply_error(rq, ERR_NOT_FOUND, "督办事项不存在");
        return false;
    }
    if (iid && !req_param_id(rq, "iid", iid)) {
        reply_error(rq, ERR_NOT_FOUND, "领导批示不存在");
        return false;
    }
    return true;
}

/* POST /api/v1/items/{id}/instructions: record a leader's instruction (领导批示) or reading mark (圈阅). */
static int h_instruct(struct req *rq)
{
    int64_t id;
    if (!path_ids(rq, &id, NULL) || !req_check(rq, items_instruction_spec))
        return 0;
    json_t *out = NULL;
    enum err e = items_instruct(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_instructions(struct req *rq)
{
    int64_t id;
    if (!path_ids(rq, &id, NULL))
        return 0;
    json_t *out = NULL;
    enum err e = items_instructions(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* POST /api/v1/items/{id}/instructions/{iid}/done {"note"}: the office carried the instruction out (落实). */
static int h_instruction_done(struct req *rq)
{
    int64_t id, iid;
    if (!path_ids(rq, &id, &iid) || !req_check(rq, items_instruction_done_spec))
        return 0;
    json_t *out = NULL;
    enum err e = items_instruction_done(&rq->ctx, id, iid, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* POST /api/v1/items/{id}/handling-report {"text","attachment_id"?}: a unit reports how it handled the item after
 * the completion (办理情况报告). */
static int h_handling_report(struct req *rq)
{
    int64_t id;
    if (!path_ids(rq, &id, NULL) || !req_check(rq, items_handling_report_spec))
        return 0;
    json_t *out = NULL;
    enum err e = items_handling_report(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

/* POST /api/v1/items/{id}/instructions/{iid}/items: register a new item from the instruction (linked). */
static int h_item_from_instruction(struct req *rq)
{
    int64_t id, iid;
    if (!path_ids(rq, &id, &iid))
        return 0;
    if (!json_object_get(rq->json, "source_kind")) /* the item's source is the instruction unless said otherwise */
        json_object_set_new(rq->json, "source_kind", json_string("instruction"));
    if (!req_check(rq, items_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = items_create_from_instruction(&rq->ctx, id, iid, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

/* The directory filter of GET /api/v1/liaisons and its export; false after a 400 reply. */
static bool liaison_query_from(struct req *rq, struct liaison_query *q, int def_limit)
{
    int64_t unit, limit;
    if (!req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &unit) || !req_query_int(rq, "limit", 1, 500, def_limit, &limit))
        return false;
    *q = (struct liaison_query){unit, req_query(rq, "q"), req_query(rq, "after"), (int)limit};
    if (q->q && strlen(q->q) > 100) {
        reply_error(rq, ERR_BAD_REQUEST, "检索词过长（最多 100 字节）");
        return false;
    }
    return true;
}

/* GET /api/v1/liaisons?unit_id=&q=&after=&limit=: the liaison directory (联络员名录), scoped like units. */
static int h_liaisons(struct req *rq)
{
    struct liaison_query q;
    if (!liaison_query_from(rq, &q, 50))
        return 0;
    json_t *out = NULL;
    enum err e = liaisons_list(&rq->ctx, &q, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/liaisons/export.csv?unit_id=&q=: the directory as CSV with Chinese headers (联络员名录.csv). */
static int h_liaisons_csv(struct req *rq)
{
    struct liaison_query q;
    if (!liaison_query_from(rq, &q, 50))
        return 0;
    struct buf b = {0};
    enum err e = liaisons_csv(&rq->ctx, &q, &b);
    if (e) {
        buf_free(&b);
        return reply_ctx_error(rq);
    }
    reply_bytes(rq, 200, "text/csv; charset=utf-8", b.data ? b.data : "", b.len);
    buf_free(&b);
    reply_header(rq, "Content-Disposition", req_disposition(rq, "联络员名录.csv", "liaisons.csv"));
    return 0;
}

/* PUT /api/v1/units/{id}/liaison: the unit's entry in the directory. */
static int h_liaison_put(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "单位不存在");
    if (!req_check(rq, liaisons_spec))
        return 0;
    json_t *out = NULL;
    enum err e = liaisons_put(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

const struct route everyday_routes[] = {
    {"POST", "/api/v1/items/batch", h_items_batch, CAP_ITEM_READ, ROUTE_JSON,
     "batch approve, assign or press (催办) a ledger selection, each item on its own",
     "principal,leader,office:A *:F; body={\"action\":\"press\",\"ids\":[$item],\"text\":\"矩阵批量催办\"}"},
    {"GET", "/api/v1/leaders", h_leaders, CAP_ITEM_REGISTER, 0,
     "the leaders in charge (分管领导) of an issuing government, proposed from their portfolios",
     "office:AAR *:F; query=lead_unit_id=$unit"},
    {"POST", "/api/v1/items/{id}/instructions", h_instruct, CAP_ITEM_READ, ROUTE_JSON,
     "record a leader's written instruction (领导批示) or reading mark (圈阅)",
     "principal,leader,office:AAN director,deputy,secretary:FFN contact,head:FNN *:F; "
     "body={\"leader_name\":\"矩阵领导\",\"text\":\"矩阵批示\",\"instructed_on\":\"$today\"}"},
    {"POST", "/api/v1/items/{id}/handling-report", h_handling_report, CAP_ITEM_READ, ROUTE_JSON,
     "a responsible unit reports how it handled the item after the completion (办理情况报告)",
     "contact,head:RNN principal,leader,director,deputy,secretary,office:FFN *:F; body={\"text\":\"矩阵办理情况\"}"},
    {"GET", "/api/v1/items/{id}/instructions", h_instructions, CAP_ITEM_READ, 0, "the leaders' instructions on an item",
     "principal,leader,director,deputy,secretary,office:AAN contact,head:ANN *:F"},
    {"POST", "/api/v1/items/{id}/instructions/{iid}/done", h_instruction_done, CAP_ITEM_REGISTER, ROUTE_JSON,
     "the office carried out an instruction (落实)", "office:AAN *:F; body={\"note\":\"矩阵落实\"}"},
    {"POST", "/api/v1/items/{id}/instructions/{iid}/items", h_item_from_instruction, CAP_ITEM_REGISTER, ROUTE_JSON,
     "register a new item from an instruction",
     "office:AAN *:F; body={\"title\":\"矩阵批示立项\",\"lead_unit_id\":$unit,\"due_date\":\"$due\"}"},
    {"GET", "/api/v1/liaisons", h_liaisons, CAP_UNIT_READ, 0, "the units' liaison directory (联络员名录)",
     "top:A admin,principal,leader,director,deputy,secretary,office,inspector:AAN contact,head:ANN *:F; "
     "query=unit_id=$unit"},
    {"GET", "/api/v1/liaisons/export.csv", h_liaisons_csv, CAP_UNIT_READ, ROUTE_LONG, "the liaison directory as CSV",
     "top:A admin,principal,leader,director,deputy,secretary,office,inspector:AAN contact,head:ANN *:F; "
     "query=unit_id=$unit"},
    {"PUT", "/api/v1/units/{id}/liaison", h_liaison_put, CAP_UNIT_READ, ROUTE_JSON,
     "a unit's entry in the liaison directory, kept by the unit",
     "top:A admin,office:AAN principal,leader,director,deputy,secretary,inspector:FFN contact,head:ANN *:F; "
     "body={\"contact_name\":\"矩阵联络员\",\"contact_mobile\":\"13800000000\"}"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
