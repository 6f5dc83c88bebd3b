/* api_session.c: sign in, sign out, who am I, change my password; and the health check. */
#include "api/routes.h"
#include "auth/auth.h"
#include "base/timeu.h"

#include <stdio.h>
#include <string.h>

/*
 * GET /api/v1/health (readiness, for load balancers): 200 {"status":"ok","version","db","time",
 * "database":"ok"} when the database answers and accepts writes; otherwise 503 with the error shape,
 * its message saying whether the database is unreachable or read-only, so that a balancer sends no
 * traffic to a node that would fail it. One round trip to the database.
 */
static int h_health(struct req *rq)
{
    bool writable = false;
    int rc = db_probe(rq->ctx.db, &writable);
    if (rc < 0)
        return reply_error(rq, ERR_UNAVAILABLE, "数据库暂时无法连接，本节点暂不能处理请求");
    if (!writable)
        return reply_error(rq, ERR_UNAVAILABLE, "数据库为只读（备库或正在切换），本节点暂不能处理写入请求");
    char now[21];
    time_format_iso(rq->ctx.now, now);
    return reply_json(rq, 200,
                      json_pack("{ss ss ss ss ss}", "status", "ok", "version", DUCHA_VERSION, "db", db_kind(rq->ctx.db),
                                "time", now, "database", "ok"));
}

/* GET /api/v1/health/live (liveness): 200 while the process serves HTTP; never touches the database. */
static int h_live(struct req *rq)
{
    return reply_json(rq, 200, json_pack("{ss ss}", "status", "alive", "version", DUCHA_VERSION));
}

/*
 * The user and the session's CSRF token. The user carries its capabilities as perm.c gives them: each
 * role grant ("roles") lists the caps it carries within that unit's subtree (perm_grant_has), and
 * "caps" is their union. The web app shows pages and buttons from these; the server still checks
 * every request (and every object's scope) itself. "now" is the server's clock: the app's "today" (the
 * workbench's date, how long a to-do has waited) follows it, not the clock of the user's computer.
 */
static json_t *session_json(const struct principal *p, const char *csrf, int64_t now)
{
    json_t *user = principal_json(p);
    json_t *roles = json_object_get(user, "roles");
    bool held[CAP__COUNT] = {false};
    for (int i = 0; i < p->ngrants; i++) {
        json_t *caps = json_array();
        for (int c = CAP_SIGNED_IN + 1; c < CAP__COUNT; c++)
            if (perm_grant_has(&p->grants[i], (enum cap)c)) {
                json_array_append_new(caps, json_string(cap_name((enum cap)c)));
                held[c] = true;
            }
        json_object_set_new(json_array_get(roles, (size_t)i), "caps", caps);
    }
    json_t *all = json_array();
    for (int c = CAP_SIGNED_IN + 1; c < CAP__COUNT; c++)
        if (held[c])
            json_array_append_new(all, json_string(cap_name((enum cap)c)));
    json_object_set_new(user, "caps", all);
    char at[21];
    time_format_iso(now, at);
    return json_pack("{so ss ss}", "user", user, "csrf_token", csrf, "now", at);
}

static const char *session_cookie(struct req *rq, const char *token, int max_age)
{
    /* a session cookie (no Max-Age) unless clearing it; the server enforces the idle timeout */
    return arena_printf(rq->arena, "ducha_session=%s; Path=/; HttpOnly; SameSite=Strict%s%s", token,
                        max_age == 0 ? "; Max-Age=0" : "", rq->app->cfg.cookie_secure ? "; Secure" : "");
}

/* POST /api/v1/session {username, password}: sets the HttpOnly cookie, returns user and CSRF token. */
static int h_login(struct req *rq)
{
    static const struct jv_field spec[] = {
        {"username", JV_STRING, JV_REQUIRED, 0, 64},
        {"password", JV_STRING, JV_REQUIRED | JV_VERBATIM, 0, 128},
        {NULL, 0, 0, 0, 0},
    };
    if (!req_check(rq, spec))
        return 0;
    struct login_result lr;
    enum err e = auth_login(&rq->ctx, jv_str(rq->json, "username"), jv_str(rq->json, "password"),
                            req_cookie(rq, "ducha_device"), &lr);
    if (e == ERR_TOO_MANY)
        reply_header(rq, "Retry-After", arena_printf(rq->arena, "%lld", (long long)lr.retry_after));
    if (e)
        return reply_ctx_error(rq);
    reply_header(rq, "Set-Cookie", session_cookie(rq, lr.token, -1));
    if (lr.device[0]) /* the browser's mark of a past sign-in (auth.c: throttling) */
        reply_header(rq, "Set-Cookie",
                     arena_printf(rq->arena,
                                  "ducha_device=%s; Path=/api/v1/session; Max-Age=31536000; HttpOnly; "
                                  "SameSite=Strict%s",
                                  lr.device, rq->app->cfg.cookie_secure ? "; Secure" : ""));
    rq->reply_secret = true;
    return reply_json(rq, 200, session_json(rq->ctx.user, lr.csrf, rq->ctx.now));
}

/* GET /api/v1/session: the signed-in user and the CSRF token of this session. */
static int h_session_get(struct req *rq)
{
    const char *csrf = rq->ctx.user->csrf ? rq->ctx.user->csrf : "";
    rq->reply_secret = true;
    return reply_json(rq, 200, session_json(rq->ctx.user, csrf, rq->ctx.now));
}

/* DELETE /api/v1/session: ends the cookie session. */
static int h_logout(struct req *rq)
{
    if (!rq->ctx.user->session_id)
        return reply_error(rq, ERR_INVALID, "API 令牌没有会话可退出");
    enum err e = auth_logout(&rq->ctx, rq->ctx.user->session_id);
    if (e)
        return reply_ctx_error(rq);
    reply_header(rq, "Set-Cookie", session_cookie(rq, "", 0));
    return reply_empty(rq);
}

/* PUT /api/v1/session/password {old_password, new_password} */
static int h_password(struct req *rq)
{
    static const struct jv_field spec[] = {
        {"old_password", JV_STRING, JV_REQUIRED | JV_VERBATIM, 0, 128},
        {"new_password", JV_STRING, JV_REQUIRED | JV_VERBATIM, 0, 128},
        {NULL, 0, 0, 0, 0},
    };
    if (!req_check(rq, spec))
        return 0;
    enum err e = auth_change_password(&rq->ctx, jv_str(rq->json, "old_password"), jv_str(rq->json, "new_password"));
    return e ? reply_ctx_error(rq) : reply_empty(rq);
}

const struct route health_routes[] = {
    {"GET", "/api/v1/health", h_health, CAP_PUBLIC, 0, "readiness: 503 unless the database answers and is writable",
     "*:A; anon=A"},
    {"GET", "/api/v1/health/live", h_live, CAP_PUBLIC, 0, "liveness: the process answers (no database)", "*:A; anon=A"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};

const struct route session_routes[] = {
    {"POST", "/api/v1/session", h_login, CAP_PUBLIC, ROUTE_JSON, "sign in",
     "*:A; anon=A; body={\"username\":\"gc_deputy\",\"password\":\"Demo2026\"}"},
    {"GET", "/api/v1/session", h_session_get, CAP_SIGNED_IN, 0, "current user and CSRF token", "*:A"},
    {"DELETE", "/api/v1/session", h_logout, CAP_SIGNED_IN, 0, "sign out", "*:A"},
    {"PUT", "/api/v1/session/password", h_password, CAP_SIGNED_IN, ROUTE_JSON, "change own password",
     "*:R; body={\"old_password\":\"Not-the-password-2026\",\"new_password\":\"Matrix2026new\"}"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
