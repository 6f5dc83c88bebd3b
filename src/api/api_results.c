/* api_results.c: using the results (结果运用) under /api/v1/results — praise, criticism, admonition
 * talks, accountability proposals and referrals: the list, a draft, its edits, its workflow actions
 * (docs/workflow.md) and its timeline. */
#include "api/routes.h"
#include "results/results.h"

#include <string.h>

static bool result_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "结果运用记录不存在");
    return false;
}

/* GET /api/v1/results?kind=&state=&unit_id=&item_id=&page=&per_page= */
static int h_results_list(struct req *rq)
{
    int64_t page, per_page, unit, item;
    if (!req_query_int(rq, "page", 1, 1000000, 1, &page) || !req_query_int(rq, "per_page", 1, 200, 50, &per_page) ||
        !req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &unit) || !req_query_int(rq, "item_id", 0, INT64_MAX, 0, &item))
        return 0;
    struct result_query q = {req_query(rq, "kind"), req_query(rq, "state"), unit, item, (int)page, (int)per_page};
    json_t *out = NULL;
    enum err e = results_list(&rq->ctx, &q, &out);
    return reply_result(rq, e, 200, out);
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
    if (!result_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = results_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_result_update(struct req *rq)
{
    int64_t id;
    if (!result_id(rq, &id) || !req_check(rq, results_update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = results_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* POST /api/v1/results/{id}/actions/{action}: the body (a JSON object) may be empty. */
static int h_result_action(struct req *rq)
{
    int64_t id;
    if (!result_id(rq, &id))
        return 0;
    json_t *body = NULL;
    if (rq->body_len) {
        if (!rq->content_type || strncmp(rq->content_type, "application/json", 16) != 0)
            return reply_error(rq, ERR_MEDIA_TYPE, "请求体必须是 JSON（Content-Type: application/json）");
        body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(body)) {
            json_decref(body);
            return reply_error(rq, ERR_BAD_REQUEST, "请求体必须是 JSON 对象");
        }
    } else {
        body = json_object();
    }
    char msg[256];
    enum err e = jv_check(body, results_action_spec, msg, sizeof msg);
    if (e) {
        json_decref(body);
        return reply_error(rq, e, msg);
    }
    json_t *out = NULL;
    e = results_act(&rq->ctx, id, req_param(rq, "action"), body, &out);
    json_decref(body);
    return reply_result(rq, e, 200, out);
}

static int h_result_events(struct req *rq)
{
    int64_t id;
    if (!result_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = results_events(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

const struct route result_routes[] = {
    {"GET", "/api/v1/results", h_results_list, CAP_ITEM_READ, 0,
     "praise, criticism, talks, accountability proposals, referrals the user may see"},
    {"POST", "/api/v1/results", h_result_create, CAP_RESULT_DRAFT, ROUTE_JSON, "draft a result record"},
    {"GET", "/api/v1/results/{id}", h_result_get, CAP_ITEM_READ, 0, "one result record with allowed_actions"},
    {"PATCH", "/api/v1/results/{id}", h_result_update, CAP_RESULT_DRAFT, ROUTE_JSON, "change a draft"},
    {"POST", "/api/v1/results/{id}/actions/{action}", h_result_action, CAP_ITEM_READ, 0, "take a workflow action"},
    {"GET", "/api/v1/results/{id}/events", h_result_events, CAP_ITEM_READ, 0, "the timeline"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
