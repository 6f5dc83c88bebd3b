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

const struct route everyday_routes[] = {
    {"POST", "/api/v1/items/batch", h_items_batch, CAP_ITEM_READ, ROUTE_JSON,
     "batch approve, assign or press (催办) a ledger selection, each item on its own"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
