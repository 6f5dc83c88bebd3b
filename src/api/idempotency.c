/* idempotency.c: Idempotency-Key for POST requests; see idempotency.h. */
#include "api/idempotency.h"

#include "base/log.h"
#include "crypto/hash.h"

#include <string.h>

#define TTL_S 86400

/* What one request carries between idem_before, the commit hook and idem_after (rq->arena). */
struct idem {
    const char *key;
    char hash[65];
    int64_t user_id, now;
    const char *method, *path;
    bool hooked; /* the hook ran: the key went into a commit */
    bool lost;   /* the key was already taken (a concurrent or earlier request) */
};

static const char SQL_GET[] = "SELECT request_hash, status, content_type, response FROM idempotency_keys "
                              "WHERE user_id = ? AND idem_key = ? AND created_at > ?";

/* The stored record of the key: STORE_ROW (statement positioned on it, caller calls stmt_done),
 * STORE_DONE, or a negative code. */
static int idem_lookup(struct req *rq, const struct idem *k, struct stmt **out)
{
    struct stmt *st = db_prepare(rq->ctx.db, SQL_GET);
    *out = st;
    if (!st)
        return STORE_E_OTHER;
    stmt_bind_int(st, 1, k->user_id);
    stmt_bind_text(st, 2, k->key);
    stmt_bind_int(st, 3, k->now - TTL_S);
    return stmt_step(st);
}

/* Answers from the stored record (st positioned on it); true if it did. */
static bool idem_replay(struct req *rq, const struct idem *k, struct stmt *st)
{
    if (strcmp(stmt_text(st, 0), k->hash) != 0) {
        reply_error(rq, ERR_INVALID, "Idempotency-Key 已用于另一个请求（方法、路径或内容不同），请换一个新的键");
        return true;
    }
    int status = (int)stmt_int(st, 1);
    if (!status) {
        reply_error(rq, ERR_CONFLICT, "使用同一 Idempotency-Key 的请求正在处理或已完成，请稍后再查询结果");
        return true;
    }
    const char *body = stmt_text(st, 3) ? stmt_text(st, 3) : "";
    const char *type = stmt_text(st, 2) ? arena_strdup(rq->arena, stmt_text(st, 2)) : NULL;
    reply_bytes(rq, status, type, body, strlen(body));
    reply_header(rq, "Idempotent-Replayed", "true");
    return true;
}

/* The commit hook: records the key inside the request's first committing transaction. A key that
 * exists and has not expired fails that transaction (STORE_E_UNIQUE). */
static int idem_hook(struct db *db, void *arg)
{
    struct idem *k = arg;
    k->hooked = true;
    struct stmt *st = db_prepare(
        db, "INSERT INTO idempotency_keys (user_id, idem_key, method, path, request_hash, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT (user_id, idem_key) DO UPDATE SET method = excluded.method, "
            "path = excluded.path, request_hash = excluded.request_hash, status = 0, content_type = NULL, "
            "response = NULL, created_at = excluded.created_at WHERE idempotency_keys.created_at <= ? "
            "RETURNING created_at");
    if (!st)
        return STORE_E_OTHER;
    stmt_bind_int(st, 1, k->user_id);
    stmt_bind_text(st, 2, k->key);
    stmt_bind_text(st, 3, k->method);
    stmt_bind_text(st, 4, k->path);
    stmt_bind_text(st, 5, k->hash);
    stmt_bind_int(st, 6, k->now);
    stmt_bind_int(st, 7, k->now - TTL_S);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc == STORE_DONE || rc == STORE_E_UNIQUE) {
        k->lost = true;
        return STORE_E_UNIQUE;
    }
    return rc < 0 ? rc : 0;
}

static bool key_valid(const char *key)
{
    size_t n = strlen(key);
    if (n < 1 || n > 128)
        return false;
    for (const char *p = key; *p; p++)
        if (*p < 0x21 || *p > 0x7e)
            return false;
    return true;
}

bool idem_before(struct req *rq)
{
    const char *key = rq->header(rq, "Idempotency-Key");
    if (!key || strcmp(rq->method, "POST") != 0 || !rq->ctx.user)
        return true;
    if (!key_valid(key)) {
        reply_error(rq, ERR_BAD_REQUEST, "Idempotency-Key 须为 1 至 128 个可见 ASCII 字符");
        return false;
    }
    struct idem *k = arena_alloc(rq->arena, sizeof *k);
    memset(k, 0, sizeof *k);
    k->key = key;
    k->user_id = rq->ctx.user->id;
    k->now = rq->ctx.now;
    k->method = rq->method;
    k->path = rq->path;
    struct sm3_ctx *h = sm3_begin();
    sm3_update(h, rq->method, strlen(rq->method) + 1);
    sm3_update(h, rq->path, strlen(rq->path) + 1);
    if (rq->body)
        sm3_update(h, rq->body, rq->body_len);
    sm3_end(h, k->hash);

    struct stmt *st;
    int rc = idem_lookup(rq, k, &st);
    bool replied = rc == STORE_ROW && idem_replay(rq, k, st);
    stmt_done(st);
    if (rc < 0) {
        reply_error(rq, ERR_UNAVAILABLE, "数据库暂时无法连接，请稍后重试");
        return false;
    }
    if (replied)
        return false;
    rq->idem = k;
    db_on_commit(rq->ctx.db, idem_hook, k);
    return true;
}

void idem_after(struct req *rq)
{
    struct idem *k = rq->idem;
    if (!k)
        return;
    db_on_commit(rq->ctx.db, NULL, NULL);
    if (k->lost) { /* someone else holds the key: answer what they answered */
        struct stmt *st;
        int rc = idem_lookup(rq, k, &st);
        if (rc == STORE_ROW) {
            free(rq->reply_body);
            rq->reply_body = NULL;
            rq->nheaders = 0;
            idem_replay(rq, k, st);
        }
        stmt_done(st);
        return;
    }
    if (!k->hooked || !db_wrote(rq->ctx.db))
        return;
    /* the reply of a request that failed after committing part of its work is not kept: a 5xx says
     * "try again"; a file reply cannot be replayed and leaves the key in state 0 (409 on retry) */
    if (db_begin(rq->ctx.db) < 0) {
        log_warn("idempotency key of user %lld: the reply could not be stored (a retry gets 409)",
                 (long long)k->user_id);
        return;
    }
    struct stmt *st;
    if (rq->status >= 500)
        st = db_prepare(rq->ctx.db, "DELETE FROM idempotency_keys WHERE user_id = ? AND idem_key = ? AND status = 0");
    else if (!rq->reply_file)
        st = db_prepare(rq->ctx.db, "UPDATE idempotency_keys SET status = ?, content_type = ?, response = ? "
                                    "WHERE user_id = ? AND idem_key = ? AND status = 0");
    else
        st = NULL;
    if (!st) {
        db_rollback(rq->ctx.db);
        return;
    }
    int i = 1;
    if (rq->status < 500) {
        stmt_bind_int(st, i++, rq->status);
        stmt_bind_text(st, i++, rq->reply_type);
        char *body = arena_strndup(rq->arena, rq->reply_body ? rq->reply_body : "", rq->reply_len);
        stmt_bind_text(st, i++, body);
    }
    stmt_bind_int(st, i++, k->user_id);
    stmt_bind_text(st, i, k->key);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc >= 0)
        rc = db_commit(rq->ctx.db);
    else
        db_rollback(rq->ctx.db);
    if (rc < 0)
        log_warn("idempotency key of user %lld: the reply could not be stored (a retry gets 409)",
                 (long long)k->user_id);
}
