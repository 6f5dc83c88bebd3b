/* api_webhooks.c: events out — endpoints of other systems, their deliveries, the event kinds
 * (/api/v1/webhooks; administrators of the endpoint's unit). */
#include "api/routes.h"
#include "webhooks/webhooks.h"

static bool webhook_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "推送地址不存在");
    return false;
}

static int h_events(struct req *rq)
{
    json_t *out = NULL;
    enum err e = webhooks_event_kinds(&rq->ctx, &out);
    return reply_result(rq, e, 200, out);
}

static int h_list(struct req *rq)
{
    json_t *out = NULL;
    enum err e = webhooks_list(&rq->ctx, &out);
    return reply_result(rq, e, 200, out);
}

static int h_create(struct req *rq)
{
    if (!req_check(rq, webhooks_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = webhooks_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_get(struct req *rq)
{
    int64_t id;
    if (!webhook_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = webhooks_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_update(struct req *rq)
{
    int64_t id;
    if (!webhook_id(rq, &id) || !req_check(rq, webhooks_update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = webhooks_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_delete(struct req *rq)
{
    int64_t id;
    if (!webhook_id(rq, &id))
        return 0;
    enum err e = webhooks_delete(&rq->ctx, id);
    return e ? reply_ctx_error(rq) : reply_empty(rq);
}

static int h_rotate(struct req *rq)
{
    int64_t id;
    if (!webhook_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = webhooks_rotate_secret(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_ping(struct req *rq)
{
    int64_t id;
    if (!webhook_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = webhooks_ping(&rq->ctx, id, &out);
    return reply_result(rq, e, 202, out);
}

/* GET /api/v1/webhooks/{id}/deliveries?state=&before=&limit= */
static int h_deliveries(struct req *rq)
{
    int64_t id, before, limit;
    if (!webhook_id(rq, &id) || !req_query_int(rq, "before", 0, INT64_MAX, 0, &before) ||
        !req_query_int(rq, "limit", 1, 200, 50, &limit))
        return 0;
    const char *state = req_query(rq, "state");
    json_t *out = NULL;
    enum err e = webhooks_deliveries(&rq->ctx, id, state && *state ? state : NULL, before, (int)limit, &out);
    return reply_result(rq, e, 200, out);
}

static int h_redeliver(struct req *rq)
{
    int64_t id, did;
    if (!webhook_id(rq, &id))
        return 0;
    if (!req_param_id(rq, "delivery", &did))
        return reply_error(rq, ERR_NOT_FOUND, "推送记录不存在");
    json_t *out = NULL;
    enum err e = webhooks_redeliver(&rq->ctx, id, did, &out);
    return reply_result(rq, e, 202, out);
}

const struct route webhook_routes[] = {
    {"GET", "/api/v1/webhooks/events", h_events, CAP_WEBHOOK_ADMIN, 0, "event kinds one may subscribe to",
     "top,admin:A *:F"},
    {"GET", "/api/v1/webhooks", h_list, CAP_WEBHOOK_ADMIN, 0, "endpoints of other systems in scope", "top,admin:A *:F"},
    {"POST", "/api/v1/webhooks", h_create, CAP_WEBHOOK_ADMIN, ROUTE_JSON, "register an endpoint (secret shown once)",
     "top,admin:R *:F; body={}"},
    {"GET", "/api/v1/webhooks/{id}", h_get, CAP_WEBHOOK_ADMIN, 0, "one endpoint with its delivery counts",
     "top,admin:N *:F; id=999999999"},
    {"PATCH", "/api/v1/webhooks/{id}", h_update, CAP_WEBHOOK_ADMIN, ROUTE_JSON, "change, pause or resume",
     "top,admin:N *:F; id=999999999; body={\"active\":false}"},
    {"DELETE", "/api/v1/webhooks/{id}", h_delete, CAP_WEBHOOK_ADMIN, 0, "remove an endpoint",
     "top,admin:N *:F; id=999999999"},
    {"POST", "/api/v1/webhooks/{id}/secret", h_rotate, CAP_WEBHOOK_ADMIN, 0, "a new secret (shown once)",
     "top,admin:N *:F; id=999999999"},
    {"POST", "/api/v1/webhooks/{id}/ping", h_ping, CAP_WEBHOOK_ADMIN, 0, "queue a test delivery",
     "top,admin:N *:F; id=999999999"},
    {"GET", "/api/v1/webhooks/{id}/deliveries", h_deliveries, CAP_WEBHOOK_ADMIN, 0, "deliveries and their status",
     "top,admin:N *:F; id=999999999"},
    {"POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/retry", h_redeliver, CAP_WEBHOOK_ADMIN, 0,
     "send a delivery again", "top,admin:N *:F; id=999999999; delivery=1"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
