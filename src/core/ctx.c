#include "core/ctx.h"

#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* The failure of a request whose statement was cut off (db_cut_off): whatever a caller made of the store's
 * answer, the request says why it stopped (503). */
static enum err ctx_cut_off(struct ctx *c)
{
    c->field = NULL;
    c->err = ERR_UNAVAILABLE;
    if (db_cut_off(c->db) == 2) {
        c->msg = "服务器正在停止，本次请求已中止，请稍后重试";
        return ERR_UNAVAILABLE;
    }
    double s = c->cfg ? (double)c->cfg->db_statement_timeout_ms / 1000 : 60;
    c->msg =
        arena_printf(c->arena,
                     "本次请求的数据库查询运行超过 %g 秒，已中止；请缩小范围（按单位、状态或期限筛选，或使用更具体的"
                     "检索词）后重试",
                     s);
    return ERR_UNAVAILABLE;
}

enum err ctx_fail(struct ctx *c, enum err e, const char *fmt, ...)
{
    if (c->db && db_cut_off(c->db))
        return ctx_cut_off(c);
    va_list ap;
    va_start(ap, fmt);
    c->err = e;
    c->msg = arena_vprintf(c->arena, fmt, ap);
    c->field = NULL;
    va_end(ap);
    return e;
}

enum err ctx_fail_field(struct ctx *c, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->err = ERR_INVALID;
    c->msg = arena_vprintf(c->arena, fmt, ap);
    c->field = field;
    va_end(ap);
    return ERR_INVALID;
}

enum err ctx_store_fail(struct ctx *c, int rc, const char *what)
{
    /* a statement that could not even be prepared because the database went away is not a bug */
    if (rc == STORE_E_OTHER && c->db && !db_connected(c->db))
        rc = STORE_E_CONN;
    switch (rc) {
    case STORE_E_UNIQUE:
        return ctx_fail(c, ERR_CONFLICT, "%s：与已有记录重复", what);
    case STORE_E_FOREIGN:
        return ctx_fail(c, ERR_CONFLICT, "%s：仍被其他记录引用或引用了不存在的记录", what);
    case STORE_E_BUSY:
        return ctx_fail(c, ERR_UNAVAILABLE, "%s：数据库繁忙，请稍后重试", what);
    case STORE_E_CONN:
        return ctx_fail(c, ERR_UNAVAILABLE, "%s：数据库暂时无法连接，请稍后重试", what);
    case STORE_E_CUT: /* the request's statement ran too long, or the server is stopping (logged by the store) */
        return ctx_fail(c, ERR_UNAVAILABLE, "%s：已中止", what);
    default:
        log_error("store failure %d while: %s", rc, what);
        return ctx_fail(c, ERR_INTERNAL, "%s：服务器内部错误", what);
    }
}

enum err ctx_end_tx(struct ctx *c, int rc, const char *what)
{
    if (rc < 0) {
        db_rollback(c->db);
        return ctx_store_fail(c, rc, what);
    }
    if ((rc = db_commit(c->db)) < 0)
        return ctx_store_fail(c, rc, what);
    return ERR_OK;
}

enum err ctx_db_fail(struct ctx *c, enum err e, const char *what)
{
    switch (e) {
    case ERR_OK:
        return ERR_OK;
    case ERR_NOT_FOUND:
        return ctx_fail(c, e, "%s：记录不存在", what);
    case ERR_CONFLICT:
        return ctx_fail(c, e, "%s：与已有记录重复或冲突", what);
    case ERR_UNAVAILABLE:
        return ctx_fail(c, e, "%s：数据库繁忙或暂时无法连接，请稍后重试", what);
    default:
        /* a statement that failed because the database went away is not a bug (as in ctx_store_fail) */
        if (c->db && !db_connected(c->db))
            return ctx_fail(c, ERR_UNAVAILABLE, "%s：数据库暂时无法连接，请稍后重试", what);
        log_error("store failure (%s) while: %s", err_code(e), what);
        return ctx_fail(c, ERR_INTERNAL, "%s：服务器内部错误", what);
    }
}

const char *ctx_actor(const struct ctx *c)
{
    return c->user ? c->user->username : "system";
}

/* Attempts of one transaction: after a deadlock or serialization failure it is run again up to
 * twice; after a lock timeout (which has already waited busy_timeout_ms) once. */
#define TX_ATTEMPTS 3
#define TX_ATTEMPTS_LOCK_TIMEOUT 2

/* A short random pause before attempt n + 1 (5–25 ms, then 10–50 ms): two transactions that
 * deadlocked do not meet again in step. */
static void tx_backoff(int n)
{
    long ms = 5L * n + (long)arc4random_uniform((uint32_t)(20 * n + 1));
    struct timespec t = {0, ms * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

enum err ctx_tx(struct ctx *c, const char *what, enum err (*fn)(struct ctx *c, void *arg), void *arg)
{
    /* only the outermost transaction can be run again; a nested one fails, and its caller's with it */
    bool outer = !db_in_transaction(c->db);
    /* what an attempt may change and the next must start from */
    const struct grant *acting = c->acting;
    const char *audit_scope = c->audit_scope;
    int (*hook)(struct db *, void *);
    void *hook_arg;
    db_on_commit_get(c->db, &hook, &hook_arg);
    for (int attempt = 1;; attempt++) {
        int rc = db_begin(c->db);
        if (rc < 0)
            return ctx_store_fail(c, rc, what);
        enum err e = fn(c, arg);
        if (e)
            db_rollback(c->db);
        else if ((rc = db_commit(c->db)) < 0)
            e = ctx_store_fail(c, rc, what);
        if (!e)
            return ERR_OK;
        int conflict = outer ? db_conflict(c->db) : 0;
        if (!conflict || attempt >= (conflict == DB_CONFLICT_LOCK_TIMEOUT ? TX_ATTEMPTS_LOCK_TIMEOUT : TX_ATTEMPTS))
            return e;
        log_info("%s: %s, attempt %d of the transaction rolled back, running it again", what,
                 conflict == DB_CONFLICT_LOCK_TIMEOUT ? "lock timeout"
                 : conflict == DB_CONFLICT_CONN       ? "connection lost at its start"
                                                      : "deadlock or serialization failure",
                 attempt);
        db_note_retry(c->db);
        c->err = ERR_OK;
        c->msg = NULL;
        c->field = NULL;
        c->acting = acting;
        c->audit_scope = audit_scope;
        db_on_commit(c->db, hook, hook_arg);
        tx_backoff(attempt);
    }
}

void ctx_send_ahead(struct ctx *c)
{
    void (*fn)(void *) = c->ahead;
    c->ahead = NULL;
    if (fn)
        fn(c->ahead_arg);
}

void ctx_ahead_put(struct ctx *c, struct stmt *st, const char *sql, int64_t id)
{
    ctx_ahead_drop(c);
    c->ahead_stmt = st;
    c->ahead_sql = sql;
    c->ahead_id = id;
}

struct stmt *ctx_ahead_take(struct ctx *c, const char *sql, int64_t id)
{
    struct stmt *st = c->ahead_stmt;
    if (!st || c->ahead_sql != sql || c->ahead_id != id)
        return NULL;
    c->ahead_stmt = NULL;
    return st;
}

void ctx_ahead_drop(struct ctx *c)
{
    c->ahead = NULL;
    stmt_done(c->ahead_stmt);
    c->ahead_stmt = NULL;
}
