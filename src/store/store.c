/*
 * store.c: the backend-independent half of the store: URL parsing, the connection pool, the
 * per-connection statement cache, transaction nesting and the migration runner.
 */
#include "store/store_impl.h"

#include "base/arena.h"
#include "base/log.h"
#include "base/timeu.h"
#include "store/migrations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_BUCKETS 256
#define CACHE_MAX 2048

struct stmt {
    struct db *db;
    struct stmt_impl *impl;
    char *sql;
    uint64_t hash;
    struct stmt *next; /* cache chain */
    bool cached;
};

struct db {
    struct store *store;
    const struct store_ops *ops;
    struct conn_impl *conn;
    struct stmt *cache[CACHE_BUCKETS];
    int ncache;
    int depth;
    bool failed;     /* an inner rollback happened: the outer commit must roll back */
    bool write_lock; /* holds store->write_mu (SQLite) */
    const char *txn_file;
    int txn_line;
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
};

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

enum err store_open(const char *url, const struct store_options *opt, struct store **out, char *err, size_t errlen)
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
    s->all = xcalloc((size_t)s->opt.pool_size, sizeof *s->all);
    s->idle = xcalloc((size_t)s->opt.pool_size, sizeof *s->idle);
    /* open the first connection now so that a bad URL fails here, not on the first request */
    struct conn_impl *c = ops->connect(s->target, &s->opt, err, errlen);
    if (!c) {
        store_close(s);
        return ERR_UNAVAILABLE;
    }
    for (int i = 0; i < s->opt.pool_size; i++) {
        struct db *db = xcalloc(1, sizeof *db);
        db->store = s;
        db->ops = ops;
        if (i == 0)
            db->conn = c;
        s->all[s->nall++] = db;
        s->idle[s->nidle++] = db;
    }
    *out = s;
    return ERR_OK;
}

static void db_cache_clear(struct db *db)
{
    for (int i = 0; i < CACHE_BUCKETS; i++) {
        struct stmt *st = db->cache[i];
        while (st) {
            struct stmt *n = st->next;
            db->ops->finalize(st->impl);
            free(st->sql);
            free(st);
            st = n;
        }
        db->cache[i] = NULL;
    }
    db->ncache = 0;
}

static void db_disconnect(struct db *db)
{
    db_cache_clear(db);
    if (db->conn)
        db->ops->disconnect(db->conn);
    db->conn = NULL;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nall; i++) {
        db_disconnect(s->all[i]);
        free(s->all[i]);
    }
    free(s->all);
    free(s->idle);
    free(s->target);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->write_mu);
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
        return false;
    }
    db_disconnect(db);
    char err[512];
    db->conn = db->ops->connect(db->store->target, &db->store->opt, err, sizeof err);
    if (!db->conn) {
        log_warn("database connection failed: %s", err);
        return false;
    }
    return true;
}

struct db *store_acquire(struct store *s)
{
    pthread_mutex_lock(&s->mu);
    while (s->nidle == 0)
        pthread_cond_wait(&s->cv, &s->mu);
    struct db *db = s->idle[--s->nidle];
    pthread_mutex_unlock(&s->mu);
    db_ensure_conn(db); /* a failure shows up as STORE_E_CONN on first use */
    return db;
}

void store_release(struct db *db)
{
    if (db->depth > 0) {
        log_error("bug: transaction opened at %s:%d was never closed; rolling back", db->txn_file, db->txn_line);
        db->depth = 1;
        db_rollback(db);
    }
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

int db_begin_at(struct db *db, const char *file, int line)
{
    if (db->depth > 0) {
        db->depth++;
        return 0;
    }
    if (!db_ensure_conn(db))
        return STORE_E_CONN;
    if (db->ops == &store_sqlite_ops) {
        pthread_mutex_lock(&db->store->write_mu);
        db->write_lock = true;
    }
    int rc = db->ops->exec(db->conn, db->ops->begin_sql);
    if (rc == STORE_E_CONN) {
        /* nothing happened yet: a connection the server dropped is replaced once, transparently */
        db_disconnect(db);
        rc = db_ensure_conn(db) ? db->ops->exec(db->conn, db->ops->begin_sql) : STORE_E_CONN;
    }
    if (rc < 0) {
        db_unlock_writer(db);
        return rc;
    }
    db->depth = 1;
    db->failed = false;
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

int db_commit(struct db *db)
{
    if (db->depth <= 0) {
        log_error("bug: commit without transaction");
        return STORE_E_OTHER;
    }
    if (--db->depth > 0)
        return 0;
    int rc;
    if (db->failed) {
        db->ops->exec(db->conn, "ROLLBACK");
        rc = db->ops->alive(db->conn) ? STORE_E_OTHER : STORE_E_CONN;
    } else {
        rc = db->ops->exec(db->conn, "COMMIT");
        if (rc < 0)
            db->ops->exec(db->conn, "ROLLBACK");
    }
    db_unlock_writer(db);
    return rc;
}

void db_rollback(struct db *db)
{
    if (db->depth <= 0)
        return;
    if (--db->depth > 0) {
        db->failed = true;
        return;
    }
    if (db->conn)
        db->ops->exec(db->conn, "ROLLBACK");
    db_unlock_writer(db);
}

struct stmt *db_prepare(struct db *db, const char *sql)
{
    uint64_t h = fnv1a(sql);
    struct stmt **slot = &db->cache[h % CACHE_BUCKETS];
    for (struct stmt *st = *slot; st; st = st->next)
        if (st->hash == h && strcmp(st->sql, sql) == 0)
            return st;
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
    if (db->ncache < CACHE_MAX) {
        st->cached = true;
        st->next = *slot;
        *slot = st;
        db->ncache++;
    }
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

void stmt_bind_null(struct stmt *st, int idx)
{
    st->db->ops->bind_null(st->impl, idx);
}

int stmt_step(struct stmt *st)
{
    int rc = st->db->ops->step(st->impl);
    if (rc == STORE_E_CONN && st->db->depth > 0)
        st->db->failed = true;
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

enum err store_migrate(struct store *s, char *err, size_t errlen)
{
    struct db *db = store_acquire(s);
    enum err result = ERR_OK;
    /* under the migration lock: nodes starting together must not race to create the table */
    int rc = db_begin(db);
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
        snprintf(err, errlen, "cannot create schema_migrations (is the database reachable?)");
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
            char *sql = db->ops->dialect(m->sql);
            rc = db->ops->exec(db->conn, sql);
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
