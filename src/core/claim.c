#include "core/claim.h"

#include "base/log.h"
#include "base/timeu.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <unistd.h>

static char holder[24];
static pthread_once_t holder_once = PTHREAD_ONCE_INIT;
static void holder_init(void)
{
    unsigned char r[9];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(holder, sizeof holder, r, sizeof r);
}

const char *claim_holder(void)
{
    pthread_once(&holder_once, holder_init);
    return holder;
}

enum err claim_once(struct ctx *c, const char *key, bool *won)
{
    const char *what = "认领任务";
    *won = false;
    if (!db_in_transaction(c->db)) {
        log_error("bug: claim_once(%s) outside a transaction", key);
        return ctx_fail(c, ERR_INTERNAL, "%s：服务器内部错误", what);
    }
    char at[21], node[300], host[256] = "";
    time_format_iso(c->now, at);
    gethostname(host, sizeof host - 1);
    snprintf(node, sizeof node, "%s:%ld", host, (long)getpid());
    struct stmt *st = db_prepare(c->db, "INSERT INTO job_claims (key, claimed_at, node) VALUES (?, ?, ?) "
                                        "ON CONFLICT (key) DO NOTHING RETURNING key");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, what);
    stmt_bind_text(st, 1, key);
    stmt_bind_text(st, 2, at);
    stmt_bind_text(st, 3, node);
    int rc = stmt_step(st);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, what);
    *won = rc == STORE_ROW;
    return ERR_OK;
}

enum err claim_lease_commit(struct ctx *c, struct stmt *st, void (*take)(struct stmt *st, void *arg), void *arg,
                            const char *what)
{
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    bool got = rc == STORE_ROW;
    if (got)
        take(st, arg);
    if (st)
        stmt_done(st);
    enum err e = ctx_end_tx(c, rc, what);
    return e ? e : got ? ERR_OK : ERR_NOT_FOUND;
}
