/* replica.c: reads on a hot standby with read-your-writes; see replica.h. */
#include "api/replica.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GET routes whose handlers only read (and never need what the user wrote a moment ago more than
 * the LSN check gives them). Add a route here only if its handler writes nothing. */
static const char *const replica_patterns[] = {
    "/api/v1/items",
    "/api/v1/items/{id}",
    "/api/v1/items/{id}/events",
    "/api/v1/items/{id}/reports",
    "/api/v1/items/{id}/attachments",
    "/api/v1/items/export.csv",
    "/api/v1/items/export.xlsx",
    "/api/v1/items/documents/list.pdf",
    "/api/v1/items/overview",
    "/api/v1/statistics",
    "/api/v1/milestones",
    "/api/v1/units",
    "/api/v1/units/{id}",
    "/api/v1/units/{id}/subtree",
    NULL,
};

/* bearer-token users (no cookie): user id → the position of their last write, in this process */
#define USER_SLOTS 4096
static struct {
    atomic_int_fast64_t user;
    atomic_uint_fast64_t lsn;
} user_lsn[USER_SLOTS];

static atomic_uint_fast64_t reads_replica, reads_primary_fresh, reads_primary_down;

static bool replica_eligible(const struct route *r)
{
    if (strcmp(r->method, "GET") != 0)
        return false;
    for (const char *const *p = replica_patterns; *p; p++)
        if (!strcmp(*p, r->pattern))
            return true;
    return false;
}

/* The position this request's user must see: the larger of the cookie and the process table. */
static uint64_t needed_lsn(struct req *rq)
{
    uint64_t need = 0;
    const char *h = rq->header(rq, "Cookie");
    const char *c = h ? strstr(h, "ducha_lsn=") : NULL;
    if (c && (c == h || c[-1] == ' ' || c[-1] == ';'))
        need = strtoull(c + 10, NULL, 16);
    if (rq->ctx.user) {
        int64_t id = rq->ctx.user->id;
        size_t slot = (size_t)id % USER_SLOTS;
        if (atomic_load(&user_lsn[slot].user) == id) {
            uint64_t l = atomic_load(&user_lsn[slot].lsn);
            if (l > need)
                need = l;
        }
    }
    return need;
}

void replica_route(struct req *rq, const struct route *r)
{
    struct store *s = rq->app->store;
    if (!store_has_replica(s) || !replica_eligible(r))
        return;
    uint64_t have = store_replica_lsn(s, NULL);
    if (!have) {
        atomic_fetch_add(&reads_primary_down, 1);
        return;
    }
    if (have < needed_lsn(rq)) {
        atomic_fetch_add(&reads_primary_fresh, 1);
        return;
    }
    struct db *db = store_acquire_replica(s);
    db_deadline(db);
    store_release(rq->ctx.db);
    rq->ctx.db = db;
    atomic_fetch_add(&reads_replica, 1);
}

void replica_after(struct req *rq)
{
    if (!store_has_replica(rq->app->store) || !db_wrote(rq->ctx.db) || db_store(rq->ctx.db) != rq->app->store)
        return;
    uint64_t lsn = db_commit_lsn(rq->ctx.db);
    if (!lsn)
        return;
    reply_header(rq, "Set-Cookie",
                 arena_printf(rq->arena, "ducha_lsn=%" PRIx64 "; Path=/; Max-Age=300; HttpOnly; SameSite=Strict%s", lsn,
                              rq->app->cfg.cookie_secure ? "; Secure" : ""));
    if (rq->ctx.user) {
        int64_t id = rq->ctx.user->id;
        size_t slot = (size_t)id % USER_SLOTS;
        atomic_store(&user_lsn[slot].user, id);
        atomic_store(&user_lsn[slot].lsn, lsn);
    }
}

void replica_metrics(struct buf *b, struct store *s)
{
    if (!store_has_replica(s))
        return;
    double age = -1;
    uint64_t lsn = store_replica_lsn(s, &age);
    buf_printf(b,
               "# HELP ducha_db_reads_total Reads of the routes a standby may serve, by where they ran and why.\n"
               "# TYPE ducha_db_reads_total counter\n"
               "ducha_db_reads_total{target=\"replica\",reason=\"fresh\"} %llu\n"
               "ducha_db_reads_total{target=\"primary\",reason=\"read_your_writes\"} %llu\n"
               "ducha_db_reads_total{target=\"primary\",reason=\"replica_down\"} %llu\n"
               "# HELP ducha_db_replica_up 1 if the read replica answered its last position check.\n"
               "# TYPE ducha_db_replica_up gauge\nducha_db_replica_up %d\n"
               "# HELP ducha_db_replica_replay_age_seconds On the read replica: time since the last replayed commit.\n"
               "# TYPE ducha_db_replica_replay_age_seconds gauge\nducha_db_replica_replay_age_seconds %.3f\n",
               (unsigned long long)atomic_load(&reads_replica), (unsigned long long)atomic_load(&reads_primary_fresh),
               (unsigned long long)atomic_load(&reads_primary_down), lsn != 0, age);
}
