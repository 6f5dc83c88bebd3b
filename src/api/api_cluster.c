/*
 * api_cluster.c: a probe of the shared number sequences for multi-node tests. It exists only when
 * the server runs with the test clock (tests), so that the gap-free numbering of counter_next can
 * be driven concurrently through several nodes before the item registration that uses it in
 * production, and likewise the job claims of the scheduler; it can touch only counters and claims
 * named "test.*".
 */
#include "api/routes.h"
#include "audit/audit.h"
#include "core/claim.h"
#include "core/counter.h"

#include <string.h>

struct probe_args {
    const char *name;
    int64_t value;
};

static enum err probe_tx(struct ctx *c, void *arg)
{
    struct probe_args *a = arg;
    enum err e = counter_next(c, a->name, &a->value);
    if (e)
        return e;
    json_t *sum = json_pack("{ss sI}", "counter", a->name, "value", (json_int_t)a->value);
    e = audit_record(c, "counter.next", "counter", a->value, sum);
    json_decref(sum);
    return e;
}

/* POST /api/v1/admin/counters/{name}: takes the next number of test counter {name}, audited. */
static int h_counter_next(struct req *rq)
{
    const char *name = req_param(rq, "name");
    if (!rq->app->cfg.test_clock)
        return reply_error(rq, ERR_NOT_FOUND, "仅在测试模式下可用");
    if (!name || strncmp(name, "test.", 5) || strlen(name) > 64)
        return reply_error(rq, ERR_INVALID, "计数器名称必须以 test. 开头且不超过 64 个字符");
    struct probe_args a = {name, 0};
    enum err e = ctx_tx(&rq->ctx, "取号", probe_tx, &a);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{ss sI}", "counter", name, "value", (json_int_t)a.value));
}

struct claim_args {
    const char *key;
    bool won;
};

static enum err claim_tx(struct ctx *c, void *arg)
{
    struct claim_args *a = arg;
    enum err e = claim_once(c, a->key, &a->won);
    if (e || !a->won)
        return e;
    json_t *sum = json_pack("{ss}", "key", a->key);
    e = audit_record(c, "claim.won", "claim", 0, sum);
    json_decref(sum);
    return e;
}

/* POST /api/v1/admin/claims/{key}: claims test job {key}; {"won":true} for exactly one caller. */
static int h_claim(struct req *rq)
{
    const char *key = req_param(rq, "key");
    if (!rq->app->cfg.test_clock)
        return reply_error(rq, ERR_NOT_FOUND, "仅在测试模式下可用");
    if (!key || strncmp(key, "test.", 5) || strlen(key) > 64)
        return reply_error(rq, ERR_INVALID, "任务键必须以 test. 开头且不超过 64 个字符");
    struct claim_args a = {key, false};
    enum err e = ctx_tx(&rq->ctx, "认领任务", claim_tx, &a);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{ss sb}", "key", key, "won", a.won));
}

const struct route cluster_routes[] = {
    {"POST", "/api/v1/admin/claims/{key}", h_claim, CAP_SYSTEM_ADMIN, 0,
     "test mode only: claim a test job key (true exactly once)", "top,admin:A *:F; key=test.mx$uniq"},
    {"POST", "/api/v1/admin/counters/{name}", h_counter_next, CAP_SYSTEM_ADMIN, 0,
     "test mode only: next value of a test counter", "top,admin:A *:F; name=test.mx"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
