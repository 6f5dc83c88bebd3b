/* api_users.c: accounts, role grants and API tokens under /api/v1/users (admin only). */
#include "api/routes.h"
#include "auth/tokens.h"
#include "auth/users.h"

static bool user_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "用户不存在");
    return false;
}

static int h_users_list(struct req *rq)
{
    int64_t unit, limit, offset;
    if (!req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &unit) || !req_query_int(rq, "limit", 1, 500, 50, &limit) ||
        !req_query_int(rq, "offset", 0, 10000000, 0, &offset))
        return 0;
    json_t *out = NULL;
    enum err e = users_list(&rq->ctx, req_query(rq, "q"), unit, (int)limit, (int)offset, &out);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{so}", "users", out));
}

static int h_user_create(struct req *rq)
{
    if (!req_check(rq, users_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = users_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_user_get(struct req *rq)
{
    int64_t id;
    if (!user_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = users_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_user_update(struct req *rq)
{
    int64_t id;
    if (!user_id(rq, &id) || !req_check(rq, users_update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = users_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_user_delete(struct req *rq)
{
    int64_t id;
    if (!user_id(rq, &id))
        return 0;
    enum err e = users_disable(&rq->ctx, id);
    return e ? reply_ctx_error(rq) : reply_empty(rq);
}

static int h_user_grant(struct req *rq)
{
    int64_t id;
    if (!user_id(rq, &id) || !req_check(rq, users_grant_spec))
        return 0;
    json_t *out = NULL;
    enum err e = users_grant(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_user_revoke(struct req *rq)
{
    int64_t id, gid;
    if (!user_id(rq, &id))
        return 0;
    if (!req_param_id(rq, "grant", &gid))
        return reply_error(rq, ERR_NOT_FOUND, "该角色授权不存在");
    json_t *out = NULL;
    enum err e = users_revoke(&rq->ctx, id, gid, &out);
    return reply_result(rq, e, 200, out);
}

static int h_tokens_list(struct req *rq)
{
    int64_t id;
    if (!user_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = tokens_list(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_token_create(struct req *rq)
{
    int64_t id;
    if (!user_id(rq, &id) || !req_check(rq, tokens_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = tokens_create(&rq->ctx, id, rq->json, &out);
    rq->reply_secret = true; /* the token, shown once */
    return reply_result(rq, e, 201, out);
}

static int h_token_revoke(struct req *rq)
{
    int64_t id, tid;
    if (!user_id(rq, &id))
        return 0;
    if (!req_param_id(rq, "token", &tid))
        return reply_error(rq, ERR_NOT_FOUND, "令牌不存在");
    json_t *out = NULL;
    enum err e = tokens_revoke(&rq->ctx, id, tid, &out);
    return reply_result(rq, e, 200, out);
}

const struct route user_routes[] = {
    {"GET", "/api/v1/users", h_users_list, CAP_USER_ADMIN, 0, "list users in scope", "top,admin:A *:F"},
    {"POST", "/api/v1/users", h_user_create, CAP_USER_ADMIN, ROUTE_JSON, "create a user",
     "top:A admin:AAR *:F; "
     "body={\"username\":\"mx$uniq\",\"name\":\"矩阵\",\"unit_id\":$unit,\"password\":\"Matrix2026x\",\"roles\":[]}"},
    {"GET", "/api/v1/users/{id}", h_user_get, CAP_USER_ADMIN, 0, "one user with grants", "top:A admin:AAN *:F"},
    {"PATCH", "/api/v1/users/{id}", h_user_update, CAP_USER_ADMIN, ROUTE_JSON, "change, reset, unlock, disable",
     "top:A admin:AAN *:F; body={\"phone\":\"12345\"}"},
    {"DELETE", "/api/v1/users/{id}", h_user_delete, CAP_USER_ADMIN, 0, "disable a user", "top:A admin:AAN *:F; fresh"},
    {"POST", "/api/v1/users/{id}/roles", h_user_grant, CAP_USER_ADMIN, ROUTE_JSON, "grant a role at a unit",
     "top:A admin:AAN *:F; fresh; body={\"role\":\"head\",\"unit_id\":$unit}"},
    {"DELETE", "/api/v1/users/{id}/roles/{grant}", h_user_revoke, CAP_USER_ADMIN, 0, "revoke a grant",
     "top:A admin:AAN *:F; fresh"},
    {"GET", "/api/v1/users/{id}/tokens", h_tokens_list, CAP_USER_ADMIN, 0, "a user's API tokens (no secrets)",
     "top:A admin:AAN *:F"},
    {"POST", "/api/v1/users/{id}/tokens", h_token_create, CAP_USER_ADMIN, ROUTE_JSON,
     "a new API token for the user, shown once", "top:A admin:AAN *:F; body={\"name\":\"矩阵 $uniq\"}"},
    {"DELETE", "/api/v1/users/{id}/tokens/{token}", h_token_revoke, CAP_USER_ADMIN, 0, "revoke one API token",
     "top:A admin:AAN *:F; fresh"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
