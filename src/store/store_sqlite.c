/*
 * store_sqlite.c: the embedded SQLite backend. Each connection runs in WAL mode with foreign keys
 * on, synchronous=FULL (an acknowledged commit survives a crash) and a busy timeout; writers in
 * one process queue on the store's write lock before BEGIN IMMEDIATE, so they wait rather than
 * fail with "database is locked".
 */
#include "store/store_impl.h"

#include "store/store_fts.h"

#include "base/arena.h"
#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Steps of SQLite's virtual machine between two calls of the progress handler (sq_progress): a call reads the
 * clock, some tens of nanoseconds per thousand steps. With the test pause, every 8 steps, and a statement pauses
 * once it has run PAUSE_AFTER steps (its calls counted: SQLite's own count of steps is updated when a step
 * returns). On the demo data a registration's INSERT of the item runs ~2,300 steps, a ledger page's rows ~28 a
 * row, the calendar's read ~370, the credential check and the test clock's read fewer than 100. */
#define PROGRESS_STEPS 1000
#define PROGRESS_STEPS_PAUSED 8
#define PAUSE_AFTER 1000

struct stmt_impl;

struct conn_impl {
    sqlite3 *h;
    int busy_ms;                     /* the configured busy timeout */
    bool nowait;                     /* busy at once (sq_nowait) */
    int64_t busy_since;              /* monotonic ms of this wait's first busy answer (sq_busy) */
    int64_t gap_at;                  /* monotonic ms of the last gap left to other writers (sq_let_writers_in) */
    sqlite3_stmt *rd_begin, *rd_end; /* a read snapshot's BEGIN and COMMIT (sq_read_begin), prepared once */
    /* a request's statements (sq_deadline): the timeout, the test pause, the store's stopping flag, and the
     * statement being stepped (sq_step; NULL outside a step: BEGIN, COMMIT and ROLLBACK are never cut off) */
    bool on;
    int timeout_ms, pause_ms;
    const atomic_bool *stop;
    struct stmt_impl *cur;
};

struct stmt_impl {
    sqlite3_stmt *s;
    struct conn_impl *c;
    sqlite3 *h;
    char (*num)[32];  /* per column: the text of a REAL (sq_col_text), allocated on first use */
    int64_t deadline; /* monotonic ms at which it is cut off (0: never), set at its first step */
    int calls;        /* of the progress handler since then (sq_progress) */
    bool paused;      /* the test pause has been taken (once per statement) */
    bool cut;         /* cut off by the deadline or the stopping flag (sq_progress) */
};

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Another connection holds the write lock: tries again every BUSY_RETRY_MS until busy_ms have passed (SQLite's
 * own busy timeout backs off to a try every 100 ms, so a writer that waited a third of a second misses every
 * gap shorter than that: a process writing transaction after transaction, `ducha todos rebuild`, shut it out
 * for the whole run). db_let_writers_in leaves gaps longer than BUSY_RETRY_MS. */
#define BUSY_RETRY_MS 4
static int sq_busy(void *arg, int count)
{
    struct conn_impl *c = arg;
    if (c->nowait)
        return 0;
    int64_t now = mono_ms();
    if (count == 0)
        c->busy_since = now;
    if (now - c->busy_since >= c->busy_ms)
        return 0;
    struct timespec d = {0, (count < 3 ? count + 1 : BUSY_RETRY_MS) * 1000000L};
    nanosleep(&d, NULL);
    return 1;
}

static int sq_rc(sqlite3 *h, int rc, const char *what)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
        return STORE_DONE;
    case SQLITE_ROW:
        return STORE_ROW;
    case SQLITE_DONE:
        return STORE_DONE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        log_warn("sqlite busy: %s", sqlite3_errmsg(h));
        return STORE_E_BUSY;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return STORE_E_UNIQUE;
        return STORE_E_FOREIGN;
    default:
        log_error("sqlite error %d in %s: %s", rc, what, sqlite3_errmsg(h));
        return STORE_E_OTHER;
    }
}

/* Creates the parent directory of path if missing (one level, like ./data). */
static void sq_mkdir_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return;
    char dir[1024];
    size_t n = (size_t)(slash - path);
    if (n >= sizeof dir)
        return;
    memcpy(dir, path, n);
    dir[n] = 0;
    mkdir(dir, 0750);
}

/* Before SQLite's first use: no memory statistics (nothing reads them). With them every allocation of every
 * connection (some 640 a ledger page: parsed values, cursors) takes one mutex of the process and updates the
 * figures under it. */
static void sq_config(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static struct conn_impl *sq_connect(const char *target, const struct store_options *opt, char *err, size_t n)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sq_config);
    sqlite3 *h = NULL;
    if (!opt->must_exist)
        sq_mkdir_parent(target);
    int rc = sqlite3_open_v2(
        target, &h, SQLITE_OPEN_READWRITE | (opt->must_exist ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, n, "cannot open SQLite database %s: %s", target, h ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close(h);
        return NULL;
    }
    sqlite3_extended_result_codes(h, 1);
    int busy_ms = opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 10000;
    char *msg = NULL;
    rc = sqlite3_exec(h,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, n, "cannot configure SQLite database %s: %s", target, msg ? msg : sqlite3_errmsg(h));
        sqlite3_free(msg);
        sqlite3_close(h);
        return NULL;
    }
    if (store_fts_register(h) != SQLITE_OK) {
        snprintf(err, n, "cannot register the full-text tokenizer on %s: %s", target, sqlite3_errmsg(h));
        sqlite3_close(h);
        return NULL;
    }
    if (opt->mmap_mb > 0) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA mmap_size=%lld", (long long)opt->mmap_mb * 1024 * 1024);
        sqlite3_exec(h, pragma, NULL, NULL, NULL); /* best effort: a build without mmap ignores it */
    }
    struct conn_impl *c = xcalloc(1, sizeof *c);
    c->h = h;
    c->busy_ms = busy_ms;
    sqlite3_busy_handler(h, sq_busy, c);
    return c;
}

static void sq_disconnect(struct conn_impl *c)
{
    sqlite3_finalize(c->rd_begin);
    sqlite3_finalize(c->rd_end);
    sqlite3_close_v2(c->h);
    free(c);
}

static bool sq_alive(struct conn_impl *c)
{
    (void)c;
    return true;
}

static int sq_exec(struct conn_impl *c, const char *sql)
{
    /* a write interrupted in a transaction (sq_progress) has rolled the transaction back already */
    if (!strcmp(sql, "ROLLBACK") && sqlite3_get_autocommit(c->h))
        return 0;
    char *msg = NULL;
    int rc = sqlite3_exec(c->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK && msg)
        log_error("sqlite exec: %s", msg);
    sqlite3_free(msg);
    return rc == SQLITE_OK ? 0 : sq_rc(c->h, sqlite3_extended_errcode(c->h), "exec");
}

/* Runs *cached (prepared from sql on first use) to its end. */
static int sq_run_cached(struct conn_impl *c, sqlite3_stmt **cached, const char *sql)
{
    if (!*cached && sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, cached, NULL) != SQLITE_OK)
        return sq_rc(c->h, sqlite3_extended_errcode(c->h), sql);
    int rc = sqlite3_step(*cached);
    sqlite3_reset(*cached);
    return rc == SQLITE_DONE ? 0 : sq_rc(c->h, rc, sql);
}

/* A read snapshot: a deferred transaction takes the shared lock (and the WAL's read mark) at its first
 * statement and keeps it until its COMMIT, where a statement outside a transaction takes and drops it
 * itself. It never takes the write lock: store.c ends it before anything writes (sq_writes). */
static int sq_read_begin(struct conn_impl *c)
{
    return sq_run_cached(c, &c->rd_begin, "BEGIN DEFERRED");
}

static int sq_read_end(struct conn_impl *c)
{
    return sq_run_cached(c, &c->rd_end, "COMMIT");
}

/* Whether a statement may change the database (BEGIN, COMMIT and reads do not). */
static bool sq_writes(struct stmt_impl *st)
{
    return !sqlite3_stmt_readonly(st->s);
}

/* A write that must not wait for another connection's write lock (busy: SQLITE_BUSY at once). */
static void sq_nowait(struct conn_impl *c, bool on)
{
    c->nowait = on;
}

/* Lets the writers of other connections in (called between transactions of a long run of them): every
 * LET_IN_EVERY_MS, a pause of twice the interval at which a waiting writer tries again (sq_busy). */
#define LET_IN_EVERY_MS 50
static void sq_let_writers_in(struct conn_impl *c)
{
    int64_t now = mono_ms();
    if (!c->gap_at)
        c->gap_at = now;
    if (now - c->gap_at < LET_IN_EVERY_MS)
        return;
    struct timespec d = {0, 2 * BUSY_RETRY_MS * 1000000L};
    nanosleep(&d, NULL);
    c->gap_at = mono_ms();
}

static struct stmt_impl *sq_prepare(struct conn_impl *c, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
    if (rc != SQLITE_OK) {
        log_error("sqlite prepare failed: %s in: %.200s", sqlite3_errmsg(c->h), sql);
        return NULL;
    }
    struct stmt_impl *st = xcalloc(1, sizeof *st);
    st->s = s;
    st->c = c;
    st->h = c->h;
    return st;
}

static void sq_finalize(struct stmt_impl *st)
{
    sqlite3_finalize(st->s);
    free(st->num);
    free(st);
}

static void sq_bind_int(struct stmt_impl *st, int i, int64_t v)
{
    sqlite3_bind_int64(st->s, i, v);
}

static void sq_bind_double(struct stmt_impl *st, int i, double v)
{
    sqlite3_bind_double(st->s, i, v);
}

static void sq_bind_text(struct stmt_impl *st, int i, const char *v)
{
    sqlite3_bind_text(st->s, i, v, -1, SQLITE_TRANSIENT);
}

static void sq_bind_null(struct stmt_impl *st, int i)
{
    sqlite3_bind_null(st->s, i);
}

/*
 * The progress handler of a request's connection (sq_deadline): ends the statement being stepped (SQLite
 * returns SQLITE_INTERRUPT; an interrupted write in a transaction rolls the transaction back) once it has run
 * past its deadline or the process is stopping. The test pause (test_statement_pause_ms) waits here, once per
 * statement, in slices that watch the same two.
 */
static int sq_progress(void *arg)
{
    struct conn_impl *c = arg;
    struct stmt_impl *st = c->cur;
    if (!st)
        return 0;
    if (atomic_load(c->stop))
        return st->cut = true;
    if (c->pause_ms > 0 && !st->paused && ++st->calls * PROGRESS_STEPS_PAUSED >= PAUSE_AFTER) {
        st->paused = true;
        log_info("sqlite: statement pausing %d ms (test_statement_pause_ms): %.120s", c->pause_ms, sqlite3_sql(st->s));
        for (int64_t now = mono_ms(), until = now + c->pause_ms; now < until; now = mono_ms()) {
            if (atomic_load(c->stop) || (st->deadline && now >= st->deadline))
                return st->cut = true;
            int64_t ms = until - now < 10 ? until - now : 10;
            struct timespec t = {0, (long)ms * 1000000L};
            nanosleep(&t, NULL);
        }
    }
    return st->cut = st->deadline && mono_ms() >= st->deadline;
}

static void sq_deadline(struct conn_impl *c, bool on, const struct store_options *opt, const atomic_bool *stop)
{
    c->on = on;
    c->timeout_ms = opt->statement_timeout_ms;
    c->pause_ms = opt->test_pause_ms;
    c->stop = stop;
    c->cur = NULL;
    sqlite3_progress_handler(c->h,
                             !on               ? 0
                             : c->pause_ms > 0 ? PROGRESS_STEPS_PAUSED
                                               : PROGRESS_STEPS,
                             on ? sq_progress : NULL, c);
}

static int sq_step(struct stmt_impl *st)
{
    struct conn_impl *c = st->c;
    if (c->on) {
        if (!sqlite3_stmt_busy(st->s)) { /* its first step: its time starts */
            st->deadline = c->timeout_ms > 0 ? mono_ms() + c->timeout_ms : 0;
            st->paused = st->cut = false;
            st->calls = 0;
        }
        c->cur = st;
    }
    int rc = sqlite3_step(st->s);
    c->cur = NULL;
    if (rc == SQLITE_ROW)
        return STORE_ROW;
    if (rc == SQLITE_DONE)
        return STORE_DONE;
    if (rc == SQLITE_INTERRUPT && st->cut) {
        log_warn("sqlite: statement cut off (%s): %.200s",
                 atomic_load(c->stop) ? "the server is stopping" : "db_statement_timeout_ms", sqlite3_sql(st->s));
        return STORE_E_CUT;
    }
    return sq_rc(st->h, sqlite3_extended_errcode(st->h), "step");
}

static int64_t sq_col_int(struct stmt_impl *st, int col)
{
    return sqlite3_column_int64(st->s, col);
}

static double sq_col_double(struct stmt_impl *st, int col)
{
    return sqlite3_column_double(st->s, col);
}

/* A REAL as the shortest text that reads back as the same double: SQLite's own text keeps 15 digits
 * (0.8059701492537313 becomes 0.805970149253731), so a value copied as text (migrate-data) would change. */
static const char *sq_col_text(struct stmt_impl *st, int col)
{
    if (sqlite3_column_type(st->s, col) != SQLITE_FLOAT)
        return (const char *)sqlite3_column_text(st->s, col);
    if (!st->num)
        st->num = xcalloc((size_t)sqlite3_column_count(st->s) + 1, sizeof *st->num);
    double v = sqlite3_column_double(st->s, col);
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(st->num[col], sizeof st->num[col], "%.*g", digits, v);
        if (strtod(st->num[col], NULL) == v)
            break;
    }
    return st->num[col];
}

static bool sq_col_null(struct stmt_impl *st, int col)
{
    return sqlite3_column_type(st->s, col) == SQLITE_NULL;
}

static int sq_ncols(struct stmt_impl *st)
{
    return sqlite3_column_count(st->s);
}

static const char *sq_col_name(struct stmt_impl *st, int col)
{
    return sqlite3_column_name(st->s, col);
}

static void sq_reset(struct stmt_impl *st)
{
    sqlite3_reset(st->s);
    sqlite3_clear_bindings(st->s);
}

static char *sq_dialect(const char *sql)
{
    char *a = store_replace_all(sql, "{{ID}}", "INTEGER PRIMARY KEY");
    char *b = store_replace_all(a, "{{BYTEWISE}}", "");
    free(a);
    return b;
}

static enum err sq_backup(struct conn_impl *c, const char *path, void (*progress)(void *, long, long), void *arg,
                          char *err, size_t n)
{
    sqlite3 *dst = NULL;
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, n, "cannot create %s: %s", path, dst ? sqlite3_errmsg(dst) : "out of memory");
        sqlite3_close(dst);
        return ERR_INVALID;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", c->h, "main");
    if (!b) {
        snprintf(err, n, "backup failed: %s", sqlite3_errmsg(dst));
        sqlite3_close(dst);
        return ERR_INTERNAL;
    }
    int rc;
    do {
        rc = sqlite3_backup_step(b, 256);
        if (progress)
            progress(arg, sqlite3_backup_pagecount(b) - sqlite3_backup_remaining(b), sqlite3_backup_pagecount(b));
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(50);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    enum err e = ERR_OK;
    if (rc != SQLITE_DONE) {
        snprintf(err, n, "backup failed: %s", sqlite3_errmsg(dst));
        e = ERR_INTERNAL;
    }
    sqlite3_close(dst);
    return e;
}

const struct store_ops store_sqlite_ops = {
    .backup = sq_backup,
    .kind = "sqlite",
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .alive = sq_alive,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .bind_int = sq_bind_int,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_null = sq_col_null,
    .ncols = sq_ncols,
    .col_name = sq_col_name,
    .reset = sq_reset,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
    .writes = sq_writes,
    .nowait = sq_nowait,
    .let_writers_in = sq_let_writers_in,
    .deadline = sq_deadline,
    .begin_sql = "BEGIN IMMEDIATE",
    .probe_sql = "SELECT 1",
    .dialect = sq_dialect,
    .migrate_lock_sql = NULL,
    .tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                  "ORDER BY name",
    /* an INTEGER PRIMARY KEY alone is SQLite's auto-increment row id */
    .columns_sql = "SELECT name, CASE WHEN pk = 1 AND UPPER(type) = 'INTEGER' AND NOT EXISTS "
                   "(SELECT 1 FROM pragma_table_info(?1) WHERE pk = 2) THEN 1 ELSE 0 END FROM pragma_table_info(?1) "
                   "ORDER BY cid",
    .fkeys_sql = "SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?)",
    .reset_identity_fmt = NULL,
};
