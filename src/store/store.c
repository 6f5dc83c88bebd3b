/*
 * store.c: the backend-independent half of the store: URL parsing, the connection pool, the
 * per-connection statement cache, transaction nesting and the migration runner.
 */
#include "store/store_impl.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/timeu.h"
#include "store/migrations.h"
#include "store/store_search.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_BUCKETS 256
#define CACHE_MAX 2048
/* cached statements of one text: the first and its twins, for uses that overlap (one per row of a page
 * sent ahead with stmt_send, a statement run again while it steps); the twins of all texts are bounded apart
 * from CACHE_MAX, so that they never take the room of a statement not cached yet */
#define TWINS_MAX 64
#define TWINS_ALL 512
#define LATER_MAX 64

struct stmt {
    struct db *db;
    struct stmt_impl *impl;
    char *sql;
    uint64_t hash;
    struct stmt *next; /* cache chain: the first cached statement of each text */
    struct stmt *twin; /* more cached statements of the same text (TWINS_MAX in all) */
    bool cached;
    bool stepped; /* executed since the last reset (db_usage counts it once) */
    bool sent;    /* stmt_send since the last reset */
};

struct db {
    struct store *store;
    const struct store_ops *ops;
    struct conn_impl *conn;
    struct stmt *cache[CACHE_BUCKETS];
    int ncache, ntwins; /* first statements of a text cached, twins cached */
    int depth;
    bool failed;     /* an inner rollback happened: the outer commit must roll back */
    bool write_lock; /* holds store->write_mu (SQLite) */
    bool reading;    /* in a read snapshot (db_read_begin) */
    const char *txn_file;
    int txn_line;
    bool wrote;                                 /* a transaction committed since checkout */
    int (*on_commit)(struct db *db, void *arg); /* db_on_commit */
    void *on_commit_arg;
    /* db_usage since checkout: statements run; round trips of closed connections, and the
     * current connection's count at checkout (or at its connect) */
    uint64_t statements, trips_done, trips_mark;
    /* the connection's conflict count when the outermost transaction began (db_conflict) */
    uint64_t conflicts_mark;
    /* whether a statement of the transaction has run (so its BEGIN reached the server), and whether
     * the connection was lost before (db_conflict: nothing of it ran, it may run again) */
    bool begun;
    bool lost_at_begin;
    /* writes sent ahead whose outcome nothing waits for (db_exec_later), in order: finished
     * (db_settle) once the next statement has travelled */
    struct stmt **later;
    int nlater, caplater;
    struct stmt_impl **impls; /* their statements' impls (later_impls), nimpl allocated */
    int nimpl;
    bool settling;
    /* values taken just before COMMIT (db_late), the calls that wait for them and the writes held
     * back until then; released: the values are known and nothing is held any more */
    struct late *lates;
    int nlate, caplate;
    struct late_call *calls;
    int ncall, capcall;
    struct held *held;
    int nheld, capheld;
    bool released;
    bool committing; /* in the outermost db_commit: a write held now would be held too late */
    /* a request's statements (db_deadline) until store_release; a statement cut off since checkout (db_cut_off:
     * 1 timeout, 2 stopping; the request's later statements are refused, stmt_step) */
    bool deadline;
    int cut;
    pthread_mutex_t conn_mu; /* conn's replacement against store_interrupt's cancel from another thread */
};

struct late {
    char *key, *token, *value;
    int (*take)(struct db *db, void *arg, char **value);
    void *arg;
};

struct late_call {
    int (*fn)(struct db *db, void *arg);
    void *arg;
};

struct held { /* a write held back until the values are known: its SQL and values, copied */
    char *sql;
    struct db_bind *binds;
};

struct store {
    const struct store_ops *ops;
    char *target;
    struct store_options opt;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_mutex_t write_mu; /* SQLite: one writer at a time in this process; writers queue here */
    struct db **idle;
    int nidle;
    struct db **all;
    int nall;
    /* statistics (store_stats); the ones not under mu are atomic */
    uint64_t acquires, waits;
    double wait_seconds;
    atomic_uint_fast64_t connects, failures, commits, rollbacks, busy, retries;
    /* read replica (store_open_replica): its own pool; on that pool, its replay position */
    struct store *replica;
    pthread_mutex_t rmu;
    atomic_uint_fast64_t r_lsn;
    _Atomic double r_age, r_checked;
    atomic_bool stopping; /* store_interrupt */
};

static double mono_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

char *store_replace_all(const char *sql, const char *token, const char *value)
{
    size_t tl = strlen(token), vl = strlen(value), n = 0;
    for (const char *p = sql; (p = strstr(p, token)); p += tl)
        n++;
    char *out = xmalloc(strlen(sql) + n * vl + 1), *o = out;
    const char *p = sql, *q;
    while ((q = strstr(p, token))) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, value, vl);
        o += vl;
        p = q + tl;
    }
    strcpy(o, p);
    return out;
}

/* A pool for url; eager: open the first connection now (so that a bad URL fails here, not on the
 * first request), else connect on first use. */
static enum err store_create(const char *url, const struct store_options *opt, bool eager, struct store **out,
                             char *err, size_t errlen)
{
    const struct store_ops *ops;
    const char *target = url;
    if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13)) {
        ops = &store_pg_ops;
    } else {
        ops = &store_sqlite_ops;
        if (!strncmp(url, "sqlite:", 7))
            target = url + 7;
        if (!*target) {
            snprintf(err, errlen, "empty database path");
            return ERR_INVALID;
        }
    }
    struct store *s = xcalloc(1, sizeof *s);
    s->ops = ops;
    s->target = xstrdup(target);
    s->opt = *opt;
    if (s->opt.pool_size < 1)
        s->opt.pool_size = 1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->write_mu, NULL);
    pthread_mutex_init(&s->rmu, NULL);
    s->all = xcalloc((size_t)s->opt.pool_size, sizeof *s->all);
    s->idle = xcalloc((size_t)s->opt.pool_size, sizeof *s->idle);
    struct conn_impl *c = NULL;
    if (eager) {
        c = ops->connect(s->target, &s->opt, err, errlen);
        if (!c) {
            store_close(s);
            return strncmp(err, "invalid", 7) ? ERR_UNAVAILABLE : ERR_INVALID;
        }
        atomic_fetch_add(&s->connects, 1);
    }
    for (int i = 0; i < s->opt.pool_size; i++) {
        struct db *db = xcalloc(1, sizeof *db);
        db->store = s;
        db->ops = ops;
        pthread_mutex_init(&db->conn_mu, NULL);
        /* the eager connection on top of the idle stack: the first acquire takes it (below, it waited unused
         * while the first acquire opened another; a server start opened five PostgreSQL sessions for four) */
        if (i == s->opt.pool_size - 1)
            db->conn = c;
        s->all[s->nall++] = db;
        s->idle[s->nidle++] = db;
    }
    *out = s;
    return ERR_OK;
}

enum err store_open(const char *url, const struct store_options *opt, struct store **out, char *err, size_t errlen)
{
    return store_create(url, opt, true, out, err, errlen);
}

enum err store_open_replica(struct store *s, const char *url, char *err, size_t errlen)
{
    if (s->ops != &store_pg_ops || (strncmp(url, "postgres://", 11) && strncmp(url, "postgresql://", 13))) {
        snprintf(err, errlen,
                 "db_replica: read replicas need PostgreSQL (a postgres:// URL for both db and db_replica)");
        return ERR_INVALID;
    }
    return store_create(url, &s->opt, false, &s->replica, err, errlen);
}

bool store_has_replica(const struct store *s)
{
    return s->replica != NULL;
}

struct db *store_acquire_replica(struct store *s)
{
    return s->replica ? store_acquire(s->replica) : NULL;
}

/* "16/B374D848" → 0x16B374D848; 0 for NULL or a malformed value */
static uint64_t lsn_parse(const char *t)
{
    unsigned hi, lo;
    return t && sscanf(t, "%X/%X", &hi, &lo) == 2 ? ((uint64_t)hi << 32) | lo : 0;
}

uint64_t store_replica_lsn(struct store *s, double *replay_age)
{
    struct store *r = s->replica;
    if (!r)
        return 0;
    double now = mono_seconds();
    /* one thread refreshes (at most every 100 ms); the others use what it found */
    if (now - r->r_checked > 0.1 && pthread_mutex_trylock(&r->rmu) == 0) {
        if (now - r->r_checked > 0.1) {
            uint64_t lsn = 0;
            double age = -1;
            struct db *db = store_acquire(r);
            struct stmt *st =
                db_prepare(db, "SELECT pg_last_wal_replay_lsn()::text, "
                               "COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), -1)");
            if (st && stmt_step(st) == STORE_ROW) {
                lsn = lsn_parse(stmt_text(st, 0));
                age = stmt_double(st, 1);
            }
            stmt_done(st);
            store_release(db);
            atomic_store(&r->r_lsn, lsn);
            r->r_age = age;
            r->r_checked = mono_seconds();
        }
        pthread_mutex_unlock(&r->rmu);
    }
    if (replay_age)
        *replay_age = r->r_age;
    return atomic_load(&r->r_lsn);
}

uint64_t db_commit_lsn(struct db *db)
{
    if (db->ops != &store_pg_ops)
        return 0;
    struct stmt *st = db_prepare(db, "SELECT pg_current_wal_lsn()::text");
    uint64_t lsn = st && stmt_step(st) == STORE_ROW ? lsn_parse(stmt_text(st, 0)) : 0;
    stmt_done(st);
    return lsn;
}

static void db_cache_clear(struct db *db)
{
    for (int i = 0; i < CACHE_BUCKETS; i++) {
        struct stmt *st = db->cache[i];
        while (st) {
            struct stmt *n = st->next;
            for (struct stmt *t = st, *tn; t; t = tn) {
                tn = t->twin;
                db->ops->finalize(t->impl);
                free(t->sql);
                free(t);
            }
            st = n;
        }
        db->cache[i] = NULL;
    }
    db->ncache = db->ntwins = 0;
}

/* Round trips of db's current connection since it was opened (0 without one, or on SQLite). */
static uint64_t conn_trips(const struct db *db)
{
    return db->conn && db->ops->round_trips ? db->ops->round_trips(db->conn) : 0;
}

/* Conflicts told to db's current connection since it was opened (0 without one, or on SQLite). */
static uint64_t conn_conflicts(const struct db *db, bool *lock_timeout)
{
    bool lt = false;
    uint64_t n = db->conn && db->ops->conflicts ? db->ops->conflicts(db->conn, &lt) : 0;
    if (lock_timeout)
        *lock_timeout = lt;
    return n;
}

int db_conflict(const struct db *db)
{
    if (db->lost_at_begin)
        return DB_CONFLICT_CONN;
    bool lock_timeout;
    if (conn_conflicts(db, &lock_timeout) == db->conflicts_mark)
        return 0;
    return lock_timeout ? DB_CONFLICT_LOCK_TIMEOUT : DB_CONFLICT;
}

void db_note_retry(struct db *db)
{
    atomic_fetch_add(&db->store->retries, 1);
}

void db_on_commit_get(const struct db *db, int (**fn)(struct db *db, void *arg), void **arg)
{
    *fn = db->on_commit;
    *arg = db->on_commit_arg;
}

static int db_settle(struct db *db);

/* ---- values taken just before COMMIT (db_late) ---- */

static void late_clear(struct db *db)
{
    for (int i = 0; i < db->nlate; i++) {
        free(db->lates[i].key);
        free(db->lates[i].token);
        free(db->lates[i].value);
    }
    for (int i = 0; i < db->nheld; i++) {
        for (int k = 0; db->held[i].binds[k].type != DB_BIND_END_; k++)
            free((char *)db->held[i].binds[k].s);
        free(db->held[i].binds);
        free(db->held[i].sql);
    }
    db->nlate = db->ncall = db->nheld = 0;
    db->released = false;
}

int db_late(struct db *db, const char *key, const char *token, int (*take)(struct db *db, void *arg, char **value),
            void *arg)
{
    if (db->depth <= 0 || db->released) {
        log_error("bug: db_late outside a transaction");
        return STORE_E_OTHER;
    }
    if (db->nlate == db->caplate) {
        db->caplate = db->caplate ? db->caplate * 2 : 4;
        db->lates = xrealloc(db->lates, (size_t)db->caplate * sizeof *db->lates);
    }
    db->lates[db->nlate++] = (struct late){xstrdup(key), xstrdup(token), NULL, take, arg};
    return 0;
}

const char *db_late_token(const struct db *db, const char *key)
{
    for (int i = 0; !db->released && i < db->nlate; i++)
        if (!strcmp(db->lates[i].key, key))
            return db->lates[i].token;
    return NULL;
}

bool db_late_in(const struct db *db, const char *s)
{
    for (int i = 0; s && !db->released && i < db->nlate; i++)
        if (strstr(s, db->lates[i].token))
            return true;
    return false;
}

void db_late_call(struct db *db, int (*fn)(struct db *db, void *arg), void *arg)
{
    if (db->ncall == db->capcall) {
        db->capcall = db->capcall ? db->capcall * 2 : 4;
        db->calls = xrealloc(db->calls, (size_t)db->capcall * sizeof *db->calls);
    }
    db->calls[db->ncall++] = (struct late_call){fn, arg};
}

char *db_late_subst(const struct db *db, const char *s)
{
    char *out = xstrdup(s ? s : "");
    for (int i = 0; i < db->nlate; i++)
        if (db->lates[i].value && strstr(out, db->lates[i].token)) {
            char *next = store_replace_all(out, db->lates[i].token, db->lates[i].value);
            free(out);
            out = next;
        }
    return out;
}

bool db_outermost(const struct db *db)
{
    return db->depth == 1;
}

static bool binds_hold_token(const struct db *db, const struct db_bind *b)
{
    for (int i = 0; b[i].type != DB_BIND_END_; i++)
        if (b[i].type == DB_BIND_TEXT_ && db_late_in(db, b[i].s))
            return true;
    return false;
}

/* Keeps a copy of a write (its SQL and values) for late_release. */
static void hold(struct db *db, const char *sql, const struct db_bind *b)
{
    int n = 0;
    while (b[n].type != DB_BIND_END_)
        n++;
    struct db_bind *copy = xcalloc((size_t)n + 1, sizeof *copy);
    for (int i = 0; i <= n; i++) {
        copy[i] = b[i];
        copy[i].s = b[i].type == DB_BIND_TEXT_ && b[i].s ? xstrdup(b[i].s) : NULL;
    }
    if (db->nheld == db->capheld) {
        db->capheld = db->capheld ? db->capheld * 2 : 8;
        db->held = xrealloc(db->held, (size_t)db->capheld * sizeof *db->held);
    }
    db->held[db->nheld++] = (struct held){xstrdup(sql), copy};
}

bool db_late_hold(struct db *db, const char *sql, const struct db_bind *b)
{
    if (!db->nlate || db->released || !binds_hold_token(db, b))
        return false;
    hold(db, sql, b);
    return true;
}

bool db_hold_until_commit(struct db *db, const char *sql, const struct db_bind *b)
{
    if (db->depth <= 0 || db->released || db->committing)
        return false;
    hold(db, sql, b);
    return true;
}

bool db_late_refused(const struct db *db, const char *sql, const struct db_bind *b)
{
    if (!db->nlate || db->released || !binds_hold_token(db, b))
        return false;
    log_error("bug: a value taken at the commit (its token) in a statement that reads: %.200s", sql);
    return true;
}

/* At the outermost commit (depth 1): takes the values, runs the calls, then the held writes (those with
 * tokens, replaced, and those of db_exec_at_commit), in order. 0 or the first failure. */
static int late_release(struct db *db)
{
    int rc = 0;
    for (int i = 0; i < db->nlate && rc >= 0; i++)
        rc = db->lates[i].take(db, db->lates[i].arg, &db->lates[i].value);
    if (rc < 0)
        return rc;
    db->released = true;
    for (int i = 0; i < db->ncall && rc >= 0; i++)
        rc = db->calls[i].fn(db, db->calls[i].arg);
    for (int i = 0; i < db->nheld && rc >= 0; i++) {
        struct db_bind *b = db->held[i].binds;
        for (int k = 0; b[k].type != DB_BIND_END_; k++)
            if (b[k].type == DB_BIND_TEXT_ && b[k].s) {
                char *v = db_late_subst(db, b[k].s);
                free((char *)b[k].s);
                b[k].s = v;
            }
        enum err e = db_exec_later_a(db, db->held[i].sql, b);
        if (e)
            rc = STORE_E_OTHER;
    }
    return rc;
}

static void db_disconnect(struct db *db)
{
    db->reading = false;
    db_cache_clear(db);
    db->trips_done += conn_trips(db) - db->trips_mark;
    db->trips_mark = 0;
    pthread_mutex_lock(&db->conn_mu);
    struct conn_impl *conn = db->conn;
    db->conn = NULL;
    pthread_mutex_unlock(&db->conn_mu);
    if (conn)
        db->ops->disconnect(conn);
}

void db_usage(const struct db *db, struct db_usage *out)
{
    out->statements = db->statements;
    out->round_trips = db->trips_done + conn_trips(db) - db->trips_mark;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    store_close(s->replica);
    for (int i = 0; i < s->nall; i++) {
        db_disconnect(s->all[i]);
        free(s->all[i]->later);
        free(s->all[i]->impls);
        free(s->all[i]->lates);
        free(s->all[i]->calls);
        free(s->all[i]->held);
        pthread_mutex_destroy(&s->all[i]->conn_mu);
        free(s->all[i]);
    }
    free(s->all);
    free(s->idle);
    free(s->target);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->write_mu);
    pthread_mutex_destroy(&s->rmu);
    free(s);
}

const char *store_kind(const struct store *s)
{
    return s->ops->kind;
}

const char *db_kind(const struct db *db)
{
    return db->ops->kind;
}

struct store *db_store(struct db *db)
{
    return db->store;
}

/* Makes sure db has a live connection; reconnects (dropping cached statements) if it was lost. */
static bool db_ensure_conn(struct db *db)
{
    if (db->conn && db->ops->alive(db->conn))
        return true;
    if (db->depth > 0) {
        /* never inside a transaction: the statements after it would run outside it, half-applying it */
        db->failed = true;
        db->lost_at_begin = db->lost_at_begin || !db->begun; /* nothing of it ran: db_conflict */
        return false;
    }
    /* the server dropped it: the work begins again on a new connection (counted once: a transaction whose
     * connection was lost before anything of it ran was counted when ctx_tx ran it again) */
    if (db->conn && !db->lost_at_begin)
        atomic_fetch_add(&db->store->retries, 1);
    db_disconnect(db);
    char err[512];
    struct conn_impl *conn = db->ops->connect(db->store->target, &db->store->opt, err, sizeof err);
    if (!conn) {
        atomic_fetch_add(&db->store->failures, 1);
        log_warn("database connection failed: %s", err);
        return false;
    }
    if (db->deadline && db->ops->deadline)
        db->ops->deadline(conn, true, &db->store->opt, &db->store->stopping);
    pthread_mutex_lock(&db->conn_mu);
    db->conn = conn;
    pthread_mutex_unlock(&db->conn_mu);
    atomic_fetch_add(&db->store->connects, 1);
    return true;
}

struct db *store_acquire(struct store *s)
{
    pthread_mutex_lock(&s->mu);
    s->acquires++;
    if (s->nidle == 0) {
        s->waits++;
        double t0 = mono_seconds();
        while (s->nidle == 0)
            pthread_cond_wait(&s->cv, &s->mu);
        s->wait_seconds += mono_seconds() - t0;
    }
    struct db *db = s->idle[--s->nidle];
    pthread_mutex_unlock(&s->mu);
    db->wrote = false;
    /* a connection the server closed is dropped now (with its statements); the next use reconnects */
    if (db->conn && !db->ops->alive(db->conn))
        db_disconnect(db);
    db->statements = db->trips_done = 0;
    db->trips_mark = conn_trips(db);
    db->cut = 0;
    return db;
}

void db_deadline(struct db *db)
{
    pthread_mutex_lock(&db->conn_mu);
    db->deadline = true;
    pthread_mutex_unlock(&db->conn_mu);
    if (db->conn && db->ops->deadline)
        db->ops->deadline(db->conn, true, &db->store->opt, &db->store->stopping);
}

int db_cut_off(const struct db *db)
{
    return db->cut;
}

void store_test_pause(struct store *s, int ms)
{
    for (; s; s = s->replica)
        s->opt.test_pause_ms = ms;
}

void store_interrupt(struct store *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true);
    /* PostgreSQL: the requests' statements running now are cancelled (SQLite's progress handler sees the flag) */
    for (int i = 0; i < s->nall && s->ops->cancel; i++) {
        struct db *db = s->all[i];
        pthread_mutex_lock(&db->conn_mu);
        if (db->deadline && db->conn)
            s->ops->cancel(db->conn);
        pthread_mutex_unlock(&db->conn_mu);
    }
    store_interrupt(s->replica);
}

void store_stats(struct store *s, struct store_stats *out)
{
    pthread_mutex_lock(&s->mu);
    out->size = s->nall;
    out->in_use = s->nall - s->nidle;
    out->acquires = s->acquires;
    out->waits = s->waits;
    out->wait_seconds = s->wait_seconds;
    pthread_mutex_unlock(&s->mu);
    out->connects = atomic_load(&s->connects);
    out->failures = atomic_load(&s->failures);
    out->commits = atomic_load(&s->commits);
    out->rollbacks = atomic_load(&s->rollbacks);
    out->busy = atomic_load(&s->busy);
    out->retries = atomic_load(&s->retries);
}

/* Ends the read snapshot: before a write, and when the connection goes back to the pool. */
static void db_read_end(struct db *db)
{
    if (!db->reading)
        return;
    db->reading = false;
    if (db->conn)
        (void)db->ops->read_end(db->conn); /* a read-only transaction: nothing to lose (a failure is logged) */
}

void db_read_begin(struct db *db)
{
    if (db->reading || db->depth > 0 || !db->ops->read_begin || !db_ensure_conn(db))
        return;
    db->reading = db->ops->read_begin(db->conn) == 0;
}

void db_read_again(struct db *db)
{
    if (!db->reading)
        return;
    db_read_end(db);
    db_read_begin(db);
}

void store_release(struct db *db)
{
    if (db->deadline) {
        pthread_mutex_lock(&db->conn_mu);
        db->deadline = false;
        pthread_mutex_unlock(&db->conn_mu);
        if (db->conn && db->ops->deadline)
            db->ops->deadline(db->conn, false, &db->store->opt, &db->store->stopping);
    }
    db_read_end(db);
    if (db->depth > 0) {
        log_error("bug: transaction opened at %s:%d was never closed; rolling back", db->txn_file, db->txn_line);
        db->depth = 1;
        db_rollback(db);
    }
    db->on_commit = NULL;
    late_clear(db);
    struct store *s = db->store;
    pthread_mutex_lock(&s->mu);
    s->idle[s->nidle++] = db;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void db_unlock_writer(struct db *db)
{
    if (db->write_lock) {
        db->write_lock = false;
        pthread_mutex_unlock(&db->store->write_mu);
    }
}

/* Runs a transaction statement (BEGIN, COMMIT, ROLLBACK) on db's connection, counted by db_usage. */
static int db_exec_txn(struct db *db, const char *sql)
{
    db->statements++;
    return db->ops->exec(db->conn, sql);
}

void db_let_writers_in(struct db *db)
{
    if (db->depth == 0 && db->conn && db->ops->let_writers_in)
        db->ops->let_writers_in(db->conn);
}

enum err db_exec_unless_busy_a(struct db *db, const char *sql, const struct db_bind *binds)
{
    if (db->depth > 0 || !db->ops->nowait)
        return db_exec_a(db, sql, binds);
    if (pthread_mutex_trylock(&db->store->write_mu) != 0)
        return ERR_UNAVAILABLE; /* a writer of this process holds the lock: do not queue behind it */
    /* nor behind another process's (a CLI command, another server on the file): busy at once */
    bool nowait = db_ensure_conn(db);
    if (nowait)
        db->ops->nowait(db->conn, true);
    enum err e = db_exec_a(db, sql, binds);
    if (nowait && db->conn)
        db->ops->nowait(db->conn, false);
    pthread_mutex_unlock(&db->store->write_mu);
    return e;
}

int db_begin_at(struct db *db, const char *file, int line)
{
    if (db->depth > 0) {
        db->depth++;
        return 0;
    }
    db_read_end(db); /* a write transaction starts from the database as it is now */
    if (!db_ensure_conn(db))
        return STORE_E_CONN;
    if (db->ops == &store_sqlite_ops) {
        pthread_mutex_lock(&db->store->write_mu);
        db->write_lock = true;
    }
    int rc = db_exec_txn(db, db->ops->begin_sql);
    if (rc == STORE_E_CONN) {
        /* nothing happened yet: a connection the server dropped is replaced once, transparently */
        atomic_fetch_add(&db->store->retries, 1);
        db_disconnect(db);
        rc = db_ensure_conn(db) ? db_exec_txn(db, db->ops->begin_sql) : STORE_E_CONN;
    }
    if (rc < 0) {
        db_unlock_writer(db);
        return rc;
    }
    db->depth = 1;
    db->failed = false;
    db->lost_at_begin = db->begun = false;
    db->conflicts_mark = conn_conflicts(db, NULL);
    db->txn_file = file;
    db->txn_line = line;
    return 0;
}

bool db_in_transaction(const struct db *db)
{
    return db->depth > 0;
}

bool db_connected(struct db *db)
{
    return db->conn && db->ops->alive(db->conn);
}

/* The statements of the writes sent later, in order (for ops->commit_send; valid until the next call). */
static struct stmt_impl *const *later_impls(struct db *db)
{
    if (db->nimpl < db->nlater) {
        db->nimpl = db->nlater;
        db->impls = xrealloc(db->impls, (size_t)db->nimpl * sizeof *db->impls);
    }
    for (int i = 0; i < db->nlater; i++)
        db->impls[i] = db->later[i]->impl;
    return db->impls;
}

int db_commit(struct db *db)
{
    if (db->depth <= 0) {
        log_error("bug: commit without transaction");
        return STORE_E_OTHER;
    }
    if (--db->depth > 0)
        return 0;
    int rc = 0;
    db->committing = true;
    if (!db->failed && (db->nlate || db->nheld)) {
        db->depth = 1; /* the values' statements and the held writes run inside the transaction */
        rc = late_release(db);
        db->depth = 0;
    }
    /* PostgreSQL: the COMMIT travels with the last writes sent later (one round trip, not two), unless
     * a hook still has statements to run before it */
    bool piped = !db->failed && rc >= 0 && !db->on_commit && db->nlater && db->ops->commit_send &&
                 db->ops->commit_send(db->conn, later_impls(db), db->nlater) == 0;
    int src = db_settle(db);
    if (rc >= 0)
        rc = src;
    late_clear(db);
    if (!db->failed && rc >= 0 && db->on_commit) {
        int (*fn)(struct db *, void *) = db->on_commit;
        db->on_commit = NULL;
        db->depth = 1; /* the hook's statements run inside the transaction */
        rc = fn(db, db->on_commit_arg);
        db->depth = 0;
    }
    if (piped) {
        db->statements++;
        int crc = db->ops->commit_result(db->conn);
        if (rc >= 0)
            rc = crc;
        if (rc < 0)
            db_exec_txn(db, "ROLLBACK");
    } else if (db->failed || rc < 0) {
        db_exec_txn(db, "ROLLBACK");
        if (rc >= 0)
            rc = db->ops->alive(db->conn) ? STORE_E_OTHER : STORE_E_CONN;
    } else {
        rc = db_exec_txn(db, "COMMIT");
        if (rc < 0)
            db_exec_txn(db, "ROLLBACK");
    }
    db->committing = false;
    db_unlock_writer(db);
    if (rc == STORE_E_BUSY)
        atomic_fetch_add(&db->store->busy, 1);
    atomic_fetch_add(rc < 0 ? &db->store->rollbacks : &db->store->commits, 1);
    if (rc >= 0)
        db->wrote = true;
    return rc;
}

void db_on_commit(struct db *db, int (*fn)(struct db *db, void *arg), void *arg)
{
    db->on_commit = fn;
    db->on_commit_arg = arg;
}

bool db_wrote(const struct db *db)
{
    return db->wrote;
}

int db_probe(struct db *db, bool *writable)
{
    *writable = false;
    struct stmt *st = db_prepare(db, db->ops->probe_sql);
    if (!st)
        return db_connected(db) ? STORE_E_OTHER : STORE_E_CONN;
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *writable = stmt_int(st, 0) == 1;
    stmt_done(st);
    return rc == STORE_DONE ? STORE_E_OTHER : rc;
}

void db_rollback(struct db *db)
{
    if (db->depth <= 0)
        return;
    if (--db->depth > 0) {
        db->failed = true;
        return;
    }
    db_settle(db);
    late_clear(db);
    if (db->conn)
        db_exec_txn(db, "ROLLBACK");
    db_unlock_writer(db);
    atomic_fetch_add(&db->store->rollbacks, 1);
}

/* A statement of db's connection for sql (hash h), not cached yet; NULL on failure. */
static struct stmt *stmt_new(struct db *db, const char *sql, uint64_t h)
{
    if (!db_ensure_conn(db))
        return NULL;
    struct stmt_impl *impl = db->ops->prepare(db->conn, sql);
    if (!impl)
        return NULL;
    struct stmt *st = xcalloc(1, sizeof *st);
    st->db = db;
    st->impl = impl;
    st->sql = xstrdup(sql);
    st->hash = h;
    return st;
}

struct stmt *db_prepare(struct db *db, const char *sql)
{
    /* before the cache too: a pooled connection the server ended while it was idle (pg_terminate_backend,
     * a restart) is replaced here, before the request's first statement, which would otherwise fail */
    if (!db_ensure_conn(db))
        return NULL;
    uint64_t h = fnv1a(sql);
    struct stmt **slot = &db->cache[h % CACHE_BUCKETS];
    struct stmt *first = NULL;
    for (struct stmt *st = *slot; st && !first; st = st->next)
        if (st->hash == h && strcmp(st->sql, sql) == 0)
            first = st;
    /* a cached one that is not sent or being stepped; else this use gets one of its own, cached as a twin
     * (a page that sends the same statement for each of its rows prepares them once per connection, not once
     * a request: the inspections overlapping a new one, four statements each, were most of its creation) */
    int twins = 0;
    for (struct stmt *st = first; st; st = st->twin, twins++)
        if (!st->stepped && !st->sent)
            return st;
    struct stmt *st = stmt_new(db, sql, h);
    if (!st)
        return NULL;
    if (first ? twins < TWINS_MAX && db->ntwins < TWINS_ALL : db->ncache < CACHE_MAX) {
        st->cached = true;
        if (first) {
            st->twin = first->twin;
            first->twin = st;
            db->ntwins++;
        } else {
            st->next = *slot;
            *slot = st;
            db->ncache++;
        }
    } else if (db->ops->once) {
        db->ops->once(st->impl);
    }
    return st;
}

struct stmt *db_prepare_planned(struct db *db, const char *sql)
{
    struct stmt *st = stmt_new(db, sql, fnv1a(sql));
    if (st && db->ops->once)
        db->ops->once(st->impl);
    return st;
}

void stmt_bind_int(struct stmt *st, int idx, int64_t v)
{
    st->db->ops->bind_int(st->impl, idx, v);
}

void stmt_bind_double(struct stmt *st, int idx, double v)
{
    st->db->ops->bind_double(st->impl, idx, v);
}

void stmt_bind_text(struct stmt *st, int idx, const char *s)
{
    if (s)
        st->db->ops->bind_text(st->impl, idx, s);
    else
        st->db->ops->bind_null(st->impl, idx);
}

static bool db_arrays(const struct db *db)
{
    return !strcmp(db->ops->kind, "postgres");
}

/* SQLite's placeholders for a list of n: the next power of two, at least 8 (the last value repeated). */
static int in_slots(int n)
{
    int slots = 8;
    while (slots < n)
        slots *= 2;
    return slots;
}

void db_sql_in_ints(const struct db *db, struct buf *sql, const char *col, int n)
{
    buf_puts(sql, col);
    if (db_arrays(db)) {
        buf_puts(sql, " = ANY(CAST(? AS BIGINT[]))");
        return;
    }
    buf_puts(sql, " IN (");
    for (int i = 0, slots = in_slots(n); i < slots; i++)
        buf_puts(sql, i ? ", ?" : "?");
    buf_puts(sql, ")");
}

int stmt_bind_ints(struct stmt *st, int idx, const int64_t *v, int n)
{
    if (!db_arrays(st->db)) {
        int slots = in_slots(n);
        for (int i = 0; i < slots; i++)
            stmt_bind_int(st, idx + i, v[i < n ? i : n - 1]);
        return idx + slots;
    }
    char *text = xmalloc((size_t)n * 21 + 3), *o = text; /* {1,2,3}: a sign and 19 digits, a comma */
    *o++ = '{';
    for (int i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        uint64_t u = v[i] < 0 ? -(uint64_t)v[i] : (uint64_t)v[i];
        char d[20];
        int k = 0;
        do
            d[k++] = (char)('0' + u % 10);
        while (u /= 10);
        if (v[i] < 0)
            *o++ = '-';
        while (k)
            *o++ = d[--k];
    }
    *o++ = '}';
    *o = 0;
    stmt_bind_text(st, idx, text);
    free(text);
    return idx + 1;
}

void stmt_bind_null(struct stmt *st, int idx)
{
    st->db->ops->bind_null(st->impl, idx);
}

/* Finishes the writes sent ahead (db_exec_later), in order: their results have come back with the
 * statement after them (or come now, in one round trip). The first failure, or 0. */
static int db_settle(struct db *db)
{
    int first = 0;
    db->settling = true;
    for (int i = 0; i < db->nlater; i++) {
        int rc = stmt_step(db->later[i]);
        if (rc < 0 && !first)
            first = rc;
        stmt_done(db->later[i]);
    }
    db->nlater = 0;
    db->settling = false;
    return first;
}

void db_later_push(struct db *db, struct stmt *st)
{
    if (db->nlater >= LATER_MAX) /* a long run of them (the audit sealer's batch): a round trip per LATER_MAX */
        db_settle(db);
    if (db->nlater == db->caplater) {
        db->caplater = db->caplater ? db->caplater * 2 : 8;
        db->later = xrealloc(db->later, (size_t)db->caplater * sizeof *db->later);
    }
    db->later[db->nlater++] = st;
    stmt_send(st);
}

bool db_sends_later(const struct db *db)
{
    return db->depth > 0 && db->ops->send && db->conn;
}

void stmt_send(struct stmt *st)
{
    if (!st)
        return;
    st->sent = true;
    if (st->db->ops->send && st->db->conn)
        st->db->ops->send(st->impl);
}

/* A statement cut off (STORE_E_CUT): noted for db_cut_off (logged by the backend); a transaction fails. */
static int stmt_cut(struct db *db)
{
    if (!db->cut)
        db->cut = atomic_load(&db->store->stopping) ? 2 : 1;
    if (db->depth > 0)
        db->failed = true;
    return STORE_E_CUT;
}

int stmt_step(struct stmt *st)
{
    /* a request's statement once the process is stopping, or after one of the request's was cut off: the request
     * is over (a caller that goes on without the answer would otherwise carry on as if nothing had happened; in a
     * transaction SQLite has rolled back after an interrupted write, and what followed would run outside it). Not
     * one sent ahead already: its result is read as usual */
    if (st->db->deadline && !st->stepped && !st->sent && (st->db->cut || atomic_load(&st->db->store->stopping)))
        return stmt_cut(st->db);
    if (!st->stepped) {
        /* a write outside a transaction: the read snapshot ends first (it would have to become the write
         * lock, and fail when the database changed since it began) */
        if (st->db->reading && st->db->depth == 0 && st->db->ops->writes(st->impl))
            db_read_end(st->db);
        st->stepped = true;
        st->db->statements++;
    }
    struct db *db = st->db;
    int rc = db->ops->step(st->impl);
    if (rc == STORE_E_CONN && db->depth > 0) {
        db->failed = true;
        db->lost_at_begin = db->lost_at_begin || !db->begun;
    }
    db->begun = db->begun || rc >= 0;
    if (db->nlater && !db->settling) { /* the writes sent ahead travelled with it */
        int lrc = db_settle(db);
        if (lrc < 0 && rc >= 0)
            rc = lrc;
    }
    if (rc == STORE_E_BUSY)
        atomic_fetch_add(&db->store->busy, 1);
    if (rc == STORE_E_CUT)
        stmt_cut(db);
    return rc;
}

int64_t stmt_int(struct stmt *st, int col)
{
    return st->db->ops->col_int(st->impl, col);
}

double stmt_double(struct stmt *st, int col)
{
    return st->db->ops->col_double(st->impl, col);
}

const char *stmt_text(struct stmt *st, int col)
{
    return st->db->ops->col_text(st->impl, col);
}

bool stmt_is_null(struct stmt *st, int col)
{
    return st->db->ops->col_null(st->impl, col);
}

int stmt_columns(struct stmt *st)
{
    return st->db->ops->ncols(st->impl);
}

const char *stmt_column_name(struct stmt *st, int col)
{
    return st->db->ops->col_name(st->impl, col);
}

void stmt_done(struct stmt *st)
{
    if (!st)
        return;
    if (st->cached) {
        st->db->ops->reset(st->impl);
        st->stepped = st->sent = false;
        return;
    }
    st->db->ops->finalize(st->impl);
    free(st->sql);
    free(st);
}

enum err store_err(int rc)
{
    switch (rc) {
    case STORE_ROW:
    case STORE_DONE:
        return ERR_OK;
    case STORE_E_UNIQUE:
    case STORE_E_FOREIGN:
        return ERR_CONFLICT;
    case STORE_E_BUSY:
    case STORE_E_CONN:
    case STORE_E_CUT:
        return ERR_UNAVAILABLE;
    default:
        return ERR_INTERNAL;
    }
}

int stmt_one_int(struct stmt *st, int64_t *out)
{
    if (!st)
        return STORE_E_OTHER;
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *out = stmt_int(st, 0);
    stmt_done(st);
    return rc;
}

int store_schema_version(struct store *s)
{
    struct db *db = store_acquire(s);
    int64_t v = -1;
    struct stmt *st = db_prepare(db, "SELECT MAX(version) FROM schema_migrations");
    if (st && stmt_step(st) == STORE_ROW && !stmt_is_null(st, 0))
        v = stmt_int(st, 0);
    stmt_done(st);
    store_release(db);
    return (int)v;
}

/* Number of embedded migrations not recorded in schema_migrations (all of them if it is missing);
 * a negative store code if the database cannot be read. Only reads. */
static int migrations_pending(struct db *db)
{
    /* a new database has no schema_migrations: look in the catalog first rather than fail a query */
    struct stmt *st = db_prepare(db, db->ops->tables_sql);
    if (!st)
        return db_connected(db) ? STORE_E_OTHER : STORE_E_CONN;
    bool exists = false;
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        exists = exists || !strcmp(stmt_text(st, 0), "schema_migrations");
    stmt_done(st);
    if (rc < 0)
        return rc;
    if (!exists)
        return (int)store_migrations_n;
    bool *have = xcalloc(store_migrations_n + 1, sizeof *have);
    st = db_prepare(db, "SELECT version FROM schema_migrations");
    if (st) {
        while ((rc = stmt_step(st)) == STORE_ROW)
            for (size_t i = 0; i < store_migrations_n; i++)
                if (store_migrations[i].version == stmt_int(st, 0))
                    have[i] = true;
        stmt_done(st);
    } else if (!db_connected(db)) {
        rc = STORE_E_CONN;
    }
    int pending = 0;
    for (size_t i = 0; i < store_migrations_n; i++)
        pending += !have[i];
    free(have);
    return rc < 0 ? rc : pending;
}

enum err store_migrate(struct store *s, char *err, size_t errlen)
{
    struct db *db = store_acquire(s);
    enum err result = ERR_OK;
    /* a current schema needs no write: nodes may start on (or fail over to) a read-only standby */
    int pending = migrations_pending(db);
    if (pending == STORE_E_CONN) {
        snprintf(err, errlen, "the database cannot be reached");
        store_release(db);
        return ERR_UNAVAILABLE;
    }
    if (pending == 0) {
        db_cache_clear(db);
        store_release(db);
        return ERR_OK;
    }
    bool writable = false;
    int rc = db_probe(db, &writable);
    if (rc >= 0 && !writable) {
        snprintf(err, errlen,
                 "the database is read-only (a standby in recovery, or default_transaction_read_only): %d "
                 "migration%s must be applied on the primary first",
                 pending > 0 ? pending : (int)store_migrations_n, pending == 1 ? "" : "s");
        db_cache_clear(db);
        store_release(db);
        return ERR_UNAVAILABLE;
    }
    /* under the migration lock: nodes starting together must not race to create the table */
    rc = db_begin(db);
    if (rc >= 0 && db->ops->migrate_lock_sql)
        rc = db->ops->exec(db->conn, db->ops->migrate_lock_sql);
    if (rc >= 0)
        rc = db->ops->exec(db->conn, "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                                     "name TEXT NOT NULL, applied_at TEXT NOT NULL)");
    if (rc >= 0)
        rc = db_commit(db);
    else
        db_rollback(db);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create schema_migrations: %s",
                 db_connected(db) ? "see the log" : "the database cannot be reached");
        store_release(db);
        return store_err(rc);
    }
    for (size_t i = 0; i < store_migrations_n && !result; i++) {
        const struct store_migration *m = &store_migrations[i];
        if (m->backend && strcmp(m->backend, db->ops->kind) != 0)
            continue; /* the other backend's half of a NNNN_name.{sqlite,postgres}.sql pair */
        if ((rc = db_begin(db)) < 0) {
            snprintf(err, errlen, "migration %04d: cannot begin a transaction", m->version);
            result = store_err(rc);
            break;
        }
        if (db->ops->migrate_lock_sql)
            db->ops->exec(db->conn, db->ops->migrate_lock_sql);
        int64_t applied = 0;
        struct stmt *st = db_prepare(db, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?");
        if (st)
            stmt_bind_int(st, 1, m->version);
        if (stmt_one_int(st, &applied) != STORE_ROW) {
            snprintf(err, errlen, "migration %04d: cannot read schema_migrations", m->version);
            result = ERR_INTERNAL;
        } else if (!applied) {
            /* a migration that starts with "-- postgres only" is recorded, not run, elsewhere */
            bool skip = !strncmp(m->sql, "-- postgres only", 16) && strcmp(db->ops->kind, "postgres") != 0;
            char *sql = db->ops->dialect(m->sql);
            rc = skip ? 0 : db->ops->exec(db->conn, sql);
            free(sql);
            if (rc < 0) {
                snprintf(err, errlen, "migration %04d_%s failed (see log)", m->version, m->name);
                result = ERR_INTERNAL;
            } else {
                char now[21];
                time_format_iso(time_now(), now);
                st = db_prepare(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
                if (st) {
                    stmt_bind_int(st, 1, m->version);
                    stmt_bind_text(st, 2, m->name);
                    stmt_bind_text(st, 3, now);
                    rc = stmt_step(st);
                    stmt_done(st);
                }
                if (!st || rc < 0) {
                    snprintf(err, errlen, "migration %04d: cannot record it", m->version);
                    result = ERR_INTERNAL;
                }
            }
        }
        if (result) {
            db_rollback(db);
        } else if ((rc = db_commit(db)) < 0) {
            snprintf(err, errlen, "migration %04d: commit failed", m->version);
            result = store_err(rc);
        }
    }
    /* statements cached before the schema changed may be stale on PostgreSQL */
    db_cache_clear(db);
    store_release(db);
    return result;
}

enum err store_backup(struct store *s, const char *path, void (*progress)(void *, long, long), void *arg, char *err,
                      size_t errlen)
{
    if (!s->ops->backup) {
        snprintf(err, errlen, "backup of a %s database: use the server's own tools (pg_dump)", s->ops->kind);
        return ERR_INVALID;
    }
    struct db *db = store_acquire(s);
    enum err e = db->conn ? s->ops->backup(db->conn, path, progress, arg, err, errlen) : ERR_UNAVAILABLE;
    store_release(db);
    return e;
}

char *store_quote_ident(const char *name)
{
    char *out = xmalloc(strlen(name) * 2 + 3), *o = out;
    *o++ = '"';
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            *o++ = '"';
        *o++ = *p;
    }
    *o++ = '"';
    *o = 0;
    return out;
}

void store_tables_free(struct store_table *t, int n)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < t[i].ncols; j++)
            free(t[i].cols[j]);
        free(t[i].cols);
        free(t[i].name);
    }
    free(t);
}

static int table_col(const struct store_table *t, const char *name)
{
    for (int j = 0; name && j < t->ncols; j++)
        if (!strcmp(t->cols[j], name))
            return j;
    return -1;
}

int store_tables(struct db *db, struct store_table **out, int *n)
{
    *out = NULL;
    *n = 0;
    struct stmt *st = db_prepare(db, db->ops->tables_sql);
    if (!st)
        return STORE_E_OTHER;
    int cap = 16, nt = 0, rc;
    struct store_table *t = xcalloc((size_t)cap, sizeof *t);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (nt == cap) {
            cap *= 2;
            t = xrealloc(t, (size_t)cap * sizeof *t);
        }
        memset(&t[nt], 0, sizeof *t);
        t[nt].name = xstrdup(stmt_text(st, 0));
        t[nt].identity = t[nt].self_fk = t[nt].self_ref = -1;
        nt++;
    }
    stmt_done(st);
    /* deps[i * nt + j]: table i references table j */
    bool *deps = xcalloc((size_t)nt * (size_t)nt + 1, sizeof *deps);
    for (int i = 0; i < nt && rc >= 0; i++) {
        st = db_prepare(db, db->ops->columns_sql);
        if (!st) {
            rc = STORE_E_OTHER;
            break;
        }
        stmt_bind_text(st, 1, t[i].name);
        int ccap = 8;
        t[i].cols = xcalloc((size_t)ccap, sizeof *t[i].cols);
        while ((rc = stmt_step(st)) == STORE_ROW) {
            if (t[i].ncols == ccap) {
                ccap *= 2;
                t[i].cols = xrealloc(t[i].cols, (size_t)ccap * sizeof *t[i].cols);
            }
            if (stmt_int(st, 1))
                t[i].identity = t[i].ncols;
            t[i].cols[t[i].ncols++] = xstrdup(stmt_text(st, 0));
        }
        stmt_done(st);
        if (rc < 0)
            break;
        st = db_prepare(db, db->ops->fkeys_sql);
        if (!st) {
            rc = STORE_E_OTHER;
            break;
        }
        stmt_bind_text(st, 1, t[i].name);
        while ((rc = stmt_step(st)) == STORE_ROW) {
            const char *ref = stmt_text(st, 0);
            if (!strcmp(ref, t[i].name)) {
                t[i].self_fk = table_col(&t[i], stmt_text(st, 1));
                t[i].self_ref = stmt_is_null(st, 2) ? t[i].identity : table_col(&t[i], stmt_text(st, 2));
                continue;
            }
            for (int j = 0; j < nt; j++)
                if (!strcmp(t[j].name, ref))
                    deps[i * nt + j] = true;
        }
        stmt_done(st);
    }
    if (rc < 0) {
        free(deps);
        store_tables_free(t, nt);
        return rc;
    }
    /* dependency order: repeatedly take the first table (by name) whose references are all placed */
    struct store_table *sorted = xcalloc((size_t)nt + 1, sizeof *sorted);
    bool *placed = xcalloc((size_t)nt + 1, sizeof *placed);
    int ns = 0;
    while (ns < nt) {
        int pick = -1;
        for (int i = 0; i < nt && pick < 0; i++) {
            if (placed[i])
                continue;
            bool ready = true;
            for (int j = 0; j < nt && ready; j++)
                if (deps[i * nt + j] && !placed[j])
                    ready = false;
            if (ready)
                pick = i;
        }
        if (pick < 0)
            break;
        placed[pick] = true;
        sorted[ns++] = t[pick];
    }
    free(deps);
    free(placed);
    if (ns < nt) {
        log_error("foreign keys form a cycle among the tables; cannot order them");
        free(sorted);
        store_tables_free(t, nt);
        return STORE_E_OTHER;
    }
    free(t);
    *out = sorted;
    *n = nt;
    return 0;
}

int db_reset_identity(struct db *db, const struct store_table *t)
{
    if (!db->ops->reset_identity_fmt || t->identity < 0)
        return 0;
    char *qt = store_quote_ident(t->name), *qc = store_quote_ident(t->cols[t->identity]);
    size_t n = strlen(db->ops->reset_identity_fmt) + strlen(qt) + strlen(qc) + 1;
    char *sql = xmalloc(n);
    snprintf(sql, n, db->ops->reset_identity_fmt, qc, qt);
    struct stmt *st = db_prepare(db, sql);
    int rc = STORE_E_OTHER;
    if (st) {
        stmt_bind_text(st, 1, t->name);
        stmt_bind_text(st, 2, t->cols[t->identity]);
        rc = stmt_step(st);
        stmt_done(st);
    }
    free(sql);
    free(qt);
    free(qc);
    return rc < 0 ? rc : 0;
}

/* ---- bulk loading ---- */

#define COPY_FLUSH (256 * 1024)

struct db_copy {
    struct db *db;
    int ncols;
    int rc;
    bool native;      /* COPY; else row-by-row INSERT */
    bool started;     /* the COPY is open on the connection */
    struct stmt *ins; /* the INSERT (row by row) */
    char *buf;        /* COPY text not yet sent */
    size_t len, cap;
};

static void copy_append(struct db_copy *cp, const char *p, size_t n)
{
    if (cp->len + n + 1 > cp->cap) {
        while (cp->len + n + 1 > cp->cap)
            cp->cap = cp->cap ? cp->cap * 2 : COPY_FLUSH * 2;
        cp->buf = xrealloc(cp->buf, cp->cap);
    }
    memcpy(cp->buf + cp->len, p, n);
    cp->len += n;
}

/* "INSERT INTO t (a, b) VALUES (?, ?)" or "COPY t (a, b) FROM STDIN"; malloc'd */
static char *copy_statement(const char *table, int ncols, char *const *cols, bool native)
{
    char *qt = store_quote_ident(table);
    size_t n = strlen(qt) + 64;
    for (int j = 0; j < ncols; j++)
        n += strlen(cols[j]) * 2 + 8;
    char *sql = xmalloc(n), *p = sql;
    p += sprintf(p, native ? "COPY %s (" : "INSERT INTO %s (", qt);
    for (int j = 0; j < ncols; j++) {
        char *qc = store_quote_ident(cols[j]);
        p += sprintf(p, "%s%s", j ? ", " : "", qc);
        free(qc);
    }
    if (native) {
        strcpy(p, ") FROM STDIN");
    } else {
        p += sprintf(p, ") VALUES (");
        for (int j = 0; j < ncols; j++)
            p += sprintf(p, "%s?", j ? ", " : "");
        strcpy(p, ")");
    }
    free(qt);
    return sql;
}

struct db_copy *db_copy_begin(struct db *db, const char *table, int ncols, char *const *cols)
{
    struct db_copy *cp = xcalloc(1, sizeof *cp);
    cp->db = db;
    cp->ncols = ncols;
    cp->native = db->ops->copy_start != NULL;
    char *sql = copy_statement(table, ncols, cols, cp->native);
    if (!db_ensure_conn(db))
        cp->rc = STORE_E_CONN;
    else if (cp->native)
        cp->started = (cp->rc = db->ops->copy_start(db->conn, sql)) >= 0;
    else if (!(cp->ins = db_prepare(db, sql)))
        cp->rc = STORE_E_OTHER;
    free(sql);
    if (cp->rc < 0 && db->depth > 0)
        db->failed = true;
    return cp;
}

int db_copy_row(struct db_copy *cp, const char *const *vals)
{
    if (cp->rc < 0)
        return cp->rc;
    if (!cp->native) {
        for (int j = 0; j < cp->ncols; j++)
            stmt_bind_text(cp->ins, j + 1, vals[j]);
        int rc = stmt_step(cp->ins);
        stmt_done(cp->ins);
        return cp->rc = rc < 0 ? rc : 0;
    }
    /* COPY text format: tab between columns, \N for NULL, backslash escapes, newline at the end */
    for (int j = 0; j < cp->ncols; j++) {
        if (j)
            copy_append(cp, "\t", 1);
        const char *v = vals[j];
        if (!v) {
            copy_append(cp, "\\N", 2);
            continue;
        }
        const char *run = v;
        for (const char *p = v; *p; p++) {
            const char *esc = *p == '\\' ? "\\\\" : *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : *p == '\t' ? "\\t" : NULL;
            if (!esc)
                continue;
            copy_append(cp, run, (size_t)(p - run));
            copy_append(cp, esc, 2);
            run = p + 1;
        }
        copy_append(cp, run, strlen(run));
    }
    copy_append(cp, "\n", 1);
    if (cp->len >= COPY_FLUSH) {
        cp->rc = cp->db->ops->copy_put(cp->db->conn, cp->buf, cp->len);
        cp->len = 0;
    }
    return cp->rc;
}

int db_copy_end(struct db_copy *cp)
{
    int rc = cp->rc;
    if (cp->native && rc >= 0 && cp->len)
        rc = cp->db->ops->copy_put(cp->db->conn, cp->buf, cp->len);
    if (cp->started && cp->db->conn) {
        int end = cp->db->ops->copy_finish(cp->db->conn, rc >= 0);
        if (rc >= 0)
            rc = end;
    }
    if (rc < 0 && cp->db->depth > 0)
        cp->db->failed = true;
    free(cp->buf);
    free(cp);
    return rc < 0 ? rc : 0;
}

/* ---- bulk load mode (PostgreSQL) ---- */

/* statements that recreate, then statements that drop: keys (1), indexes (2; an index of a partitioned table
 * reads back as CREATE INDEX … ON ONLY …, which would leave the partitions without it), foreign keys (3), and
 * the user triggers (4: those that keep derived tables — the ledger's scope rows, lights, counters, search
 * index — per row, against tables whose keys are gone for the load, made the load quadratic; the caller
 * fills the derived tables once afterwards, ledger_fill_part) */
#define SQL_BULK_OBJECTS_                                                                                              \
    "SELECT 1, format('ALTER TABLE %s ADD CONSTRAINT %I %s', co.conrelid::regclass, co.conname, "                      \
    "pg_get_constraintdef(co.oid)), format('ALTER TABLE %s DROP CONSTRAINT %I', co.conrelid::regclass, co.conname), "  \
    "c.relname::text "                                                                                                 \
    "FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid "                                                    \
    "WHERE co.contype IN ('p', 'u') AND co.connamespace = current_schema()::regnamespace AND NOT c.relispartition "    \
    "UNION ALL "                                                                                                       \
    "SELECT 2, replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON '), "                                          \
    "format('DROP INDEX %s', i.indexrelid::regclass), (SELECT t.relname::text FROM pg_class t WHERE t.oid = "          \
    "i.indrelid) "                                                                                                     \
    "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "                                                       \
    "WHERE ic.relnamespace = current_schema()::regnamespace AND NOT ic.relispartition "                                \
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u')) "      \
    "UNION ALL "                                                                                                       \
    "SELECT 3, format('ALTER TABLE %s ADD CONSTRAINT %I %s', co.conrelid::regclass, co.conname, "                      \
    "pg_get_constraintdef(co.oid)), format('ALTER TABLE %s DROP CONSTRAINT %I', co.conrelid::regclass, co.conname), "  \
    "(SELECT t.relname::text FROM pg_class t WHERE t.oid = co.conrelid) "                                              \
    "FROM pg_constraint co WHERE co.contype = 'f' AND co.connamespace = current_schema()::regnamespace "               \
    "AND co.conparentid = 0 "                                                                                          \
    "UNION ALL "                                                                                                       \
    "SELECT DISTINCT 4, format('ALTER TABLE %s ENABLE TRIGGER USER', t.tgrelid::regclass), "                           \
    "format('ALTER TABLE %s DISABLE TRIGGER USER', t.tgrelid::regclass), c.relname::text "                             \
    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "                                                          \
    "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace AND NOT c.relispartition "
static const char SQL_BULK_OBJECTS[] = SQL_BULK_OBJECTS_ "ORDER BY 1";
/* the same, of the named tables only ({a,b}): the functions that read an index's or a constraint's definition
 * wait for a concurrent transaction that drops one (another part of migrate-data's fill, db_bulk_tables_begin),
 * so they run on the named tables' rows only (the condition is pushed into each branch) */
static const char SQL_BULK_TABLE_OBJECTS[] =
    "SELECT * FROM (" SQL_BULK_OBJECTS_ ") x WHERE x.relname = ANY(CAST(? AS TEXT[])) ORDER BY 1";

/* what a bulk mode drops (and returns what restores): */
enum bulk_mode {
    BULK_KEYS,     /* every key, index and foreign key but the derived tables' */
    BULK_TRIGGERS, /* the user triggers of every table, the derived tables' included */
    BULK_TABLES,   /* every key, index and user trigger of the named tables */
};

static bool bulk_wanted(enum bulk_mode mode, const char *const *tables, int kind, const char *table)
{
    switch (mode) {
    case BULK_KEYS:
        return kind != 4 && !store_table_derived(table);
    case BULK_TRIGGERS:
        return kind == 4;
    case BULK_TABLES:
        for (int i = 0; tables[i]; i++)
            if (!strcmp(tables[i], table))
                return kind != 3;
        return false;
    }
    return false;
}

static int bulk_begin(struct db *db, enum bulk_mode mode, const char *const *tables, char ***restore, int *n)
{
    *restore = NULL;
    *n = 0;
    if (db->ops != &store_pg_ops)
        return 0;
    struct stmt *st = db_prepare(db, mode == BULK_TABLES ? SQL_BULK_TABLE_OBJECTS : SQL_BULK_OBJECTS);
    if (!st)
        return STORE_E_OTHER;
    if (mode == BULK_TABLES) {
        struct buf names = {0};
        for (int i = 0; tables[i]; i++)
            buf_printf(&names, "%s%s", i ? "," : "{", tables[i]);
        buf_puts(&names, "}");
        stmt_bind_text(st, 1, names.data);
        buf_free(&names);
    }
    int cap = 32, ndrop = 0, rc;
    char **make = xcalloc((size_t)cap, sizeof *make), **drop = xcalloc((size_t)cap, sizeof *drop);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (!bulk_wanted(mode, tables, (int)stmt_int(st, 0), stmt_text(st, 3)))
            continue;
        if (ndrop == cap) {
            cap *= 2;
            make = xrealloc(make, (size_t)cap * sizeof *make);
            drop = xrealloc(drop, (size_t)cap * sizeof *drop);
        }
        make[ndrop] = xstrdup(stmt_text(st, 1));
        drop[ndrop++] = xstrdup(stmt_text(st, 2));
    }
    stmt_done(st);
    /* foreign keys go first (they depend on the keys), then indexes, then keys */
    for (int i = ndrop - 1; i >= 0 && rc >= 0; i--)
        rc = db->ops->exec(db->conn, drop[i]);
    /* a load's own settings: the indexes built at the end sort in memory, the fill's aggregates hash in
     * memory, and its one COMMIT does not wait for the WAL flush (all or nothing still; migrate-data's
     * ANALYZE afterwards commits with the flush, which covers the load's WAL, before it says "copied") */
    static const char *const settings[] = {"SET LOCAL maintenance_work_mem = '512MB'", "SET LOCAL work_mem = '256MB'",
                                           "SET LOCAL synchronous_commit = off"};
    size_t nsettings = mode == BULK_KEYS ? 3 : mode == BULK_TABLES ? 2 : 0;
    for (size_t i = 0; rc >= 0 && i < nsettings; i++)
        rc = db->ops->exec(db->conn, settings[i]);
    /* the fill starts from empty tables (a run again after a failed one finds rows there) */
    for (int i = 0; mode == BULK_TABLES && rc >= 0 && tables[i]; i++) {
        char *q = store_quote_ident(tables[i]), *sql = xmalloc(strlen(q) + 16);
        sprintf(sql, "TRUNCATE %s", q);
        rc = db->ops->exec(db->conn, sql);
        free(sql);
        free(q);
    }
    for (int i = 0; i < ndrop; i++)
        free(drop[i]);
    free(drop);
    if (rc < 0) {
        for (int i = 0; i < ndrop; i++)
            free(make[i]);
        free(make);
        db->failed = db->depth > 0;
        return rc;
    }
    *restore = make;
    *n = ndrop;
    return 0;
}

int db_bulk_begin(struct db *db, char ***restore, int *n)
{
    return bulk_begin(db, BULK_KEYS, NULL, restore, n);
}

int db_bulk_triggers_off(struct db *db, char ***restore, int *n)
{
    return bulk_begin(db, BULK_TRIGGERS, NULL, restore, n);
}

int db_bulk_tables_begin(struct db *db, const char *const *tables, char ***restore, int *n)
{
    return bulk_begin(db, BULK_TABLES, tables, restore, n);
}

int db_bulk_end(struct db *db, char **restore, int n)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (rc >= 0)
            rc = db->ops->exec(db->conn, restore[i]);
        free(restore[i]);
    }
    free(restore);
    if (rc < 0 && db->depth > 0)
        db->failed = true;
    return rc < 0 ? rc : 0;
}
