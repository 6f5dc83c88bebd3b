/* api_notify.c: the in-app inbox, channel preferences, and the outbox for administrators. */
#include "api/routes.h"
#include "notify/notify.h"

#include <string.h>

/* GET /api/v1/inbox?unread=1&before=&limit= */
static int h_inbox(struct req *rq)
{
    int64_t unread, before, limit;
    if (!req_query_int(rq, "unread", 0, 1, 0, &unread) || !req_query_int(rq, "before", 0, INT64_MAX, 0, &before) ||
        !req_query_int(rq, "limit", 1, 200, 50, &limit))
        return 0;
    json_t *out = NULL;
    enum err e = notify_inbox(&rq->ctx, unread != 0, before, (int)limit, &out);
    return reply_result(rq, e, 200, out);
}

static int h_inbox_read(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "消息不存在");
    enum err e = notify_read(&rq->ctx, id);
    return e ? reply_ctx_error(rq) : reply_empty(rq);
}

static int h_inbox_read_all(struct req *rq)
{
    int64_t n = 0;
    enum err e = notify_read_all(&rq->ctx, &n);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{sI}", "marked", (json_int_t)n));
}

static int h_prefs_get(struct req *rq)
{
    json_t *out = NULL;
    enum err e = notify_prefs_get(&rq->ctx, &out);
    return reply_result(rq, e, 200, out);
}

static int h_prefs_put(struct req *rq)
{
    if (!req_check(rq, notify_prefs_spec))
        return 0;
    json_t *out = NULL;
    enum err e = notify_prefs_put(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/admin/outbox?state=dead&before=&limit= */
static int h_outbox(struct req *rq)
{
    int64_t before, limit;
    if (!req_query_int(rq, "before", 0, INT64_MAX, 0, &before) || !req_query_int(rq, "limit", 1, 500, 100, &limit))
        return 0;
    json_t *out = NULL;
    enum err e = notify_outbox_list(&rq->ctx, req_query(rq, "state"), before, (int)limit, &out);
    return reply_result(rq, e, 200, out);
}

static int h_outbox_retry(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "通知不存在");
    json_t *out = NULL;
    enum err e = notify_outbox_retry(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_notify_test(struct req *rq)
{
    if (!req_check(rq, notify_test_spec))
        return 0;
    json_t *out = NULL;
    enum err e = notify_test(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 202, out);
}

const struct route notify_routes[] = {
    {"GET", "/api/v1/inbox", h_inbox, CAP_SIGNED_IN, 0, "my in-app messages, newest first", "*:A"},
    {"POST", "/api/v1/inbox/read-all", h_inbox_read_all, CAP_SIGNED_IN, 0, "mark all my messages read", "*:A"},
    {"POST", "/api/v1/inbox/{id}/read", h_inbox_read, CAP_SIGNED_IN, 0, "mark one message read", "*:ANN"},
    {"GET", "/api/v1/me/preferences", h_prefs_get, CAP_SIGNED_IN, 0, "my notification channels per kind", "*:A"},
    {"PUT", "/api/v1/me/preferences", h_prefs_put, CAP_SIGNED_IN, ROUTE_JSON, "choose notification channels",
     "*:R; body={\"preferences\":{}}"},
    {"GET", "/api/v1/admin/outbox", h_outbox, CAP_SYSTEM_ADMIN, 0, "outgoing e-mail and SMS by state",
     "top,admin:A *:F"},
    {"POST", "/api/v1/admin/outbox/{id}/retry", h_outbox_retry, CAP_SYSTEM_ADMIN, 0, "retry a dead letter",
     "top:R admin:RRN *:F"},
    {"POST", "/api/v1/admin/notifications/test", h_notify_test, CAP_SYSTEM_ADMIN, ROUTE_JSON,
     "send a test notification to a user", "top:A admin:AAN *:F; body={\"username\":\"$username\"}"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
