/*
 * router.c: matching a request to a route and the checks every route shares, in this order:
 * route (404/405) → authentication (401) → password change pending (403) → CSRF (403) →
 * capability (403) → body (400/413/415) → handler.
 */
#include "http/http.h"

#include "api/idempotency.h"
#include "api/metrics.h"
#include "api/replica.h"
#include "api/routes.h"
#include "auth/auth.h"
#include "base/log.h"
#include "base/utf8.h"
#include "core/clock.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Matches path against pattern, capturing {name} segments into rq->params (unless rq is NULL). */
static bool route_match(const char *pattern, const char *path, struct req *rq)
{
    int np = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *seg_end = strchr(s, '/');
            if (!seg_end)
                seg_end = s + strlen(s);
            if (seg_end == s || np >= 8)
                return false;
            if (rq) {
                rq->params[np].key = arena_strndup(rq->arena, p + 1, (size_t)(close - p - 1));
                rq->params[np].value = arena_strndup(rq->arena, s, (size_t)(seg_end - s));
            }
            np++;
            p = close + 1;
            s = seg_end;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    if (*p || *s)
        return false;
    if (rq)
        rq->nparams = np;
    return true;
}

unsigned router_route_flags(const char *method, const char *path, bool test_clock, bool *found)
{
    *found = false;
    for (int t = 0; api_route_tables[t]; t++)
        for (const struct route *r = api_route_tables[t]; r->method; r++)
            if (((r->flags & ROUTE_TEST_CLOCK) == 0 || test_clock) && strcmp(r->method, method) == 0 &&
                route_match(r->pattern, path, NULL)) {
                *found = true;
                return r->flags;
            }
    return 0;
}

/* Finds the route; *path_known is set when the path exists with another method. */
static const struct route *route_find(struct req *rq, bool *path_known)
{
    *path_known = false;
    for (int t = 0; api_route_tables[t]; t++)
        for (const struct route *r = api_route_tables[t]; r->method; r++) {
            if ((r->flags & ROUTE_TEST_CLOCK) && !rq->app->cfg.test_clock)
                continue;
            if (!route_match(r->pattern, rq->path, rq))
                continue;
            if (strcmp(r->method, rq->method) == 0 ||
                (strcmp(rq->method, "HEAD") == 0 && strcmp(r->method, "GET") == 0))
                return r;
            *path_known = true;
        }
    return NULL;
}

static bool is_mutating(const char *m)
{
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

/* Authenticates by bearer token or session cookie. ERR_OK with rq->ctx.user NULL if no credential. */
static enum err authenticate(struct req *rq, bool *by_cookie)
{
    struct principal *p = NULL;
    const char *authz = rq->header(rq, "Authorization");
    *by_cookie = false;
    if (authz && strncmp(authz, "Bearer ", 7) == 0) {
        enum err e = auth_bearer(&rq->ctx, authz + 7, &p);
        if (e)
            return e;
    } else {
        const char *tok = req_cookie(rq, "ducha_session");
        if (!tok)
            return ERR_OK;
        enum err e = auth_session(&rq->ctx, tok, &p);
        if (e)
            return e;
        *by_cookie = true;
    }
    rq->ctx.user = p;
    return ERR_OK;
}

/* Routes a user who must change the password may still use. */
static bool allowed_before_password_change(const struct route *r)
{
    return strcmp(r->pattern, "/api/v1/session") == 0 || strcmp(r->pattern, "/api/v1/session/password") == 0 ||
           strcmp(r->pattern, "/api/v1/health") == 0;
}

/* Whether a Content-Type is JSON's: media types compare case-insensitively (RFC 9110 8.3.1); parameters such as
 * charset may follow. */
static bool content_type_json(const char *ct)
{
    return ct && strncasecmp(ct, "application/json", 16) == 0 && (!ct[16] || ct[16] == ';' || ct[16] == ' ');
}

static void refuse_json(struct req *rq, const json_error_t *e)
{
    reply_error(rq, ERR_BAD_REQUEST,
                arena_printf(rq->arena, "JSON 格式错误（第 %d 行第 %d 列）：%s", e->line, e->column, e->text));
}

/*
 * A route that takes a JSON object (ROUTE_JSON) gets it parsed into rq->json, or the request is refused. A route
 * that takes no body ignores one, unless it says it is JSON and is not: bad input is refused, never acted on
 * (a unit's seal made anew, every message marked read, on a body cut off in the middle). A route that takes a
 * body of another kind (ROUTE_UPLOAD, ROUTE_RAW, ROUTE_FORM) refuses a JSON one itself, as the wrong media type.
 */
static void parse_body(struct req *rq, const struct route *r, bool *ok)
{
    *ok = true;
    const char *ct = rq->content_type;
    json_error_t jerr;
    if (!(r->flags & ROUTE_JSON)) {
        /* a route with a body of its own kind (a file, a CSV, a public form) checks its media type itself (415) */
        if (!rq->body_len || !content_type_json(ct) || (r->flags & (ROUTE_UPLOAD | ROUTE_RAW | ROUTE_FORM)))
            return;
        json_t *j = json_loadb(rq->body, rq->body_len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
        if (!j) {
            refuse_json(rq, &jerr);
            *ok = false;
        }
        json_decref(j);
        return;
    }
    if (!rq->body_len) {
        reply_error(rq, ERR_BAD_REQUEST, "请求体不能为空，应为 JSON 对象");
        *ok = false;
        return;
    }
    if (!content_type_json(ct)) {
        reply_error(rq, ERR_MEDIA_TYPE, "请求体必须是 JSON（Content-Type: application/json）");
        *ok = false;
        return;
    }
    rq->json = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!rq->json) {
        refuse_json(rq, &jerr);
        *ok = false;
        return;
    }
    if (!json_is_object(rq->json)) {
        reply_error(rq, ERR_BAD_REQUEST, "请求体必须是 JSON 对象");
        *ok = false;
    }
}

/*
 * The checks that need no body, in order: route, query text, authentication, pending password
 * change, CSRF, capability. Leaves rq->ctx.db acquired (the caller releases it). Returns the route,
 * or NULL with the refusal in rq.
 */
static const struct route *router_check(struct req *rq)
{
    bool path_known;
    const struct route *r = route_find(rq, &path_known);
    if (!r) {
        if (path_known)
            reply_error(rq, ERR_METHOD, arena_printf(rq->arena, "%s 不支持 %s 方法", rq->path, rq->method));
        else
            reply_error(rq, ERR_NOT_FOUND, arena_printf(rq->arena, "接口 %s 不存在", rq->path));
        return NULL;
    }
    for (int i = 0; i < rq->nquery; i++)
        if (!utf8_valid(rq->query[i].value, strlen(rq->query[i].value))) {
            reply_error(rq, ERR_INVALID,
                        arena_printf(rq->arena, "查询参数“%s”不是有效的 UTF-8 文本",
                                     utf8_valid(rq->query[i].key, strlen(rq->query[i].key)) ? rq->query[i].key : "?"));
            return NULL;
        }
    rq->ctx.db = store_acquire(rq->app->store);
    db_deadline(rq->ctx.db); /* a statement running past db_statement_timeout_ms, or at SIGTERM, is cut off */
    /* a request that reads reads one snapshot (SQLite: the lock taken once, not per statement; a write it
     * makes after all ends the snapshot first: store.h) */
    if (!is_mutating(rq->method))
        db_read_begin(rq->ctx.db);
    rq->ctx.now = clock_now(rq->ctx.db, &rq->app->cfg);

    /* the handler's first read travels with the credential check (struct route's ahead), except where a
     * standby may serve the page (it would run on the primary); the handler alone looks at its rows */
    rq->ctx.ahead = store_has_replica(rq->app->store) ? NULL : r->ahead;
    rq->ctx.ahead_arg = rq;
    bool by_cookie = false;
    enum err e = authenticate(rq, &by_cookie);
    rq->ctx.ahead = NULL;
    if (e && r->cap != CAP_PUBLIC) {
        reply_ctx_error(rq);
        return NULL;
    }
    if (e) { /* a stale cookie on a public route: carry on anonymously */
        rq->ctx.err = ERR_OK;
        rq->ctx.msg = NULL;
    }
    if (r->cap != CAP_PUBLIC && !rq->ctx.user) {
        reply_error(rq, ERR_UNAUTHORIZED, "请先登录");
        return NULL;
    }
    if (rq->ctx.user && rq->ctx.user->must_change_password && r->cap != CAP_PUBLIC &&
        !allowed_before_password_change(r)) {
        reply_error(rq, ERR_FORBIDDEN, "首次登录或密码已被重置，请先修改密码");
        return NULL;
    }
    if (by_cookie && is_mutating(rq->method) && r->cap != CAP_PUBLIC) {
        const char *tok = rq->header(rq, "X-CSRF-Token");
        const char *want = rq->ctx.user->csrf;
        if (!tok || strlen(tok) != strlen(want) || sodium_memcmp(tok, want, strlen(want)) != 0) {
            reply_error(rq, ERR_FORBIDDEN, "缺少或错误的 CSRF 令牌（X-CSRF-Token），请刷新页面后重试");
            return NULL;
        }
    }
    if (!perm_any(rq->ctx.user, r->cap)) {
        reply_error(rq, ERR_FORBIDDEN, perm_refusal(r->cap));
        return NULL;
    }
    return r;
}

int router_public_wait(struct app *app, const char *client, unsigned flags, bool *global)
{
    return api_public_wait(&app->cfg, client, flags, global);
}

void router_public_refusal(struct req *rq, int wait, bool global)
{
    api_public_refusal(rq, wait, global);
}

bool router_precheck(struct req *rq)
{
    bool ok = router_check(rq) != NULL;
    ctx_ahead_drop(&rq->ctx);
    if (rq->ctx.db)
        store_release(rq->ctx.db);
    rq->ctx.db = NULL;
    rq->ctx.user = NULL;
    return ok;
}

void router_dispatch(struct req *rq)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const struct route *r = router_check(rq);
    bool ok = r != NULL;
    if (ok)
        parse_body(rq, r, &ok);
    /* what the request costs the database, on the primary and (if routed there) the replica */
    struct db_usage used = {0}, primary = {0};
    struct db *first = rq->ctx.db;
    if (ok && idem_before(rq)) {
        if (first)
            db_usage(first, &primary);
        replica_route(rq, r);
        r->handler(rq);
        if (!rq->status)
            reply_error(rq, ERR_INTERNAL, NULL);
        idem_after(rq);
        replica_after(rq);
    }
    if (rq->json)
        json_decref(rq->json);
    rq->json = NULL;
    ctx_ahead_drop(&rq->ctx); /* a read sent ahead of a refused request: dropped unread */
    if (rq->ctx.db) {
        db_usage(rq->ctx.db, &used);
        if (rq->ctx.db != first) {
            used.statements += primary.statements;
            used.round_trips += primary.round_trips;
        }
        store_release(rq->ctx.db);
    }
    rq->ctx.db = NULL;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    metrics_observe(r, rq->method, rq->status,
                    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, &used);
}
