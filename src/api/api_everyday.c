/* api_everyday.c: the everyday tools of the supervision office (#15) beyond one item's own actions: batch
 * actions from the ledger. */
#include "api/routes.h"
#include "items/items.h"

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

const struct route everyday_routes[] = {
    {"POST", "/api/v1/items/batch", h_items_batch, CAP_ITEM_READ, ROUTE_JSON,
     "batch approve, assign or press (催办) a ledger selection, each item on its own",
     "principal,leader,office:A *:F; body={\"action\":\"press\",\"ids\":[$item],\"text\":\"矩阵批量催办\"}"},
    {"GET", "/api/v1/leaders", h_leaders, CAP_ITEM_REGISTER, 0,
     "the leaders in charge (分管领导) of an issuing government, proposed from their portfolios",
     "office:AAR *:F; query=lead_unit_id=$unit"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
