/*
 * store_pg.c: the PostgreSQL backend on libpq.
 *
 * Statements: the portable `?` placeholders are rewritten to $1, $2 … at prepare time (outside
 * quoted strings, quoted identifiers and comments) and prepared on the server once per connection
 * (names unique per connection), lazily: a statement sent in pipeline mode (stmt_send) travels with
 * its Parse in the same round trip, one run alone is prepared (PQprepare) just before it runs, so a
 * connection that has not seen a page's statements yet answers the page in as many round trips as
 * one that has. In a transaction, a statement run while others sent ahead are pending travels with
 * them (pg_step). Parameters and results travel in text format; a
 * parameter's type is left to the server to infer from its context, except a parameter that is
 * only tested with IS [NOT] NULL, which the server cannot type: it is declared text (the test does
 * not depend on the type). stmt_step runs PQexecPrepared (PQexecParams without
 * prepared statements) at the first step and then walks the rows.
 *
 * Errors map by SQLSTATE: 23505 unique; 23503/23514/23502 foreign (constraint); 40001, 40P01,
 * 55P03 busy (retry; also counted as conflicts, store_ops.conflicts, which ctx_tx retries); 57014 (a
 * statement timeout, or cancelled by store_interrupt) cut off, not retried; class 08, 57P01-57P03 and a broken connection: conn. A COMMIT that the
 * server turned into a ROLLBACK (the transaction had failed) is reported as a failure, so a
 * half-done transaction is never acknowledged.
 *
 * Connections: lock_timeout = busy_timeout_ms, statement_timeout = statement_timeout_ms (db_statement_timeout_ms),
 * connect_timeout 10 s, TCP keepalives (idle 30 s, interval 10 s, 3 probes) and tcp_user_timeout
 * 30 s (not for bulk loads: no_statement_timeout), so that a peer that vanished (a primary host lost,
 * a cable pulled) is noticed in well under a minute instead of the kernel's two hours; all
 * overridable by the URL. alive() notices a connection
 * the server closed (restart, crash, admin shutdown) without a round trip, so the pool reconnects
 * before use.
 *
 * Behind pgbouncer in transaction pooling (opt->no_prepare): no named server-side statements (a
 * statement runs with PQexecParams, one round trip, as an unnamed statement) and no `options`
 * startup parameter (pgbouncer refuses it): the timeouts are set with SET LOCAL at BEGIN instead.
 *
 * BEGIN is not sent on its own: it waits (begin_pending) and travels at the head of the pipeline of the
 * transaction's first statement (pg_send), its result read first (pg_collect); a use of the connection
 * outside the pipeline sends it alone first (pg_begin_now), and a transaction that ran nothing ends
 * without a round trip.
 *
 * COMMIT waits at most opt->commit_timeout_ms. A COMMIT that waits longer is waiting for a
 * synchronous standby (SyncRep), which statement_timeout does not end: it is cancelled, which
 * leaves it committed on the primary only, and reported as STORE_E_CONN (outcome not acknowledged).
 */
#include "store/store_impl.h"

#include "base/arena.h"
#include "base/log.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEXTOID 25
#define DEALLOC_BATCH 32

struct conn_impl {
    PGconn *pg;
    PGcancel *cancel; /* store_interrupt's cancel request (PQcancel: from any thread) */
    bool no_prepare;
    bool broken; /* a COMMIT was cancelled: never use it again */
    int commit_timeout_ms;
    /* BEGIN, and the timeouts when they could not be startup options (no_prepare): statements each */
    char begin_sql[3][64];
    int nbegin;
    /* BEGIN was asked for and not sent yet: it travels with the transaction's first statement
     * (pg_send); a transaction that runs nothing costs nothing (pg_exec) */
    bool begin_pending;
    /* of the results pg_collect reads, the first nbegin_sent are the BEGIN's (and SET LOCALs') */
    int nbegin_sent;
    uint64_t next_name;
    uint64_t trips; /* requests whose answer we waited for (store_ops.round_trips) */
    /* transaction conflicts seen (40P01, 40001, 55P03; store_ops.conflicts); the last a lock timeout */
    uint64_t conflicts;
    bool lock_timeout;
    /* statements sent in pipeline mode (pg_send) whose results are not read yet, in order */
    struct stmt_impl **sent;
    int nsent, capsent;
    /* the pipeline was entered inside a transaction block: a statement stepped while others are
     * pending joins them (pg_step), since a failure there aborts the whole transaction anyway */
    bool pipe_in_tx;
    /* COMMIT was sent at the end of the pipeline (pg_commit_send): pg_collect reads its result, waiting
     * at most commit_timeout_ms for it, into commit_rc */
    bool commit_sent;
    int commit_rc;
    /* names of finalized statements, deallocated in batches when no transaction is open */
    char **dead;
    int ndead, capdead;
};

struct stmt_impl {
    struct conn_impl *c;
    char name[24];
    char *text; /* the translated SQL (prepared lazily; sent with every execution under no_prepare) */
    Oid *types; /* its declared parameter types */
    int nparams;
    char **vals; /* malloc'd text of each parameter, NULL = SQL NULL */
    PGresult *res;
    int nrows, row;
    bool executed;
    bool sent;     /* in c->sent: executed by the server, its result not read yet */
    bool prepared; /* named statement prepared on the server (never when unnamed) */
    /* runs as the unnamed statement (PQexecParams), parsed with each execution: under no_prepare,
     * and a statement used once (pg_once) that a named one would only cost a DEALLOCATE more */
    bool unnamed;
    bool preparing; /* sent with its Parse (pg_send): the Parse's result comes first */
    int rc;         /* the error its pipelined execution ended with (0: none) */
};

static void pg_notice(void *arg, const char *msg)
{
    (void)arg;
    log_debug("postgres: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* Maps an error result (or a NULL result) to a store code; logs what is not an expected outcome. */
static int pg_rc(struct conn_impl *c, const PGresult *res, const char *what)
{
    PGconn *pg = c->pg;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(pg);
    int len = (int)strcspn(msg ? msg : "", "\n");
    if (PQstatus(pg) != CONNECTION_OK || !state || !strncmp(state, "08", 2) || !strcmp(state, "57P01") ||
        !strcmp(state, "57P02") || !strcmp(state, "57P03")) {
        log_warn("postgres connection lost in %s: %.*s", what, len, msg ? msg : "");
        return STORE_E_CONN;
    }
    /* a server that is (still, or again) read-only: a standby being promoted, or a demoted primary
     * that a proxy has not yet taken out; this connection goes, the next one may reach the primary */
    if (!strcmp(state, "25006")) {
        log_warn("postgres: the server is read-only (in recovery?) in %s: reconnecting", what);
        c->broken = true;
        return STORE_E_CONN;
    }
    if (!strcmp(state, "23505"))
        return STORE_E_UNIQUE;
    if (!strcmp(state, "23503") || !strcmp(state, "23514") || !strcmp(state, "23502"))
        return STORE_E_FOREIGN;
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")) {
        c->conflicts++;
        c->lock_timeout = !strcmp(state, "55P03");
    }
    if (!strcmp(state, "57014")) { /* statement_timeout, or cancelled by store_interrupt */
        log_warn("postgres: statement cut off in %s: %.*s", what, len, msg);
        return STORE_E_CUT;
    }
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")) {
        /* a deadlock's detail names the locks each process waited for (the statements are in the server's log) */
        const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        char d[512] = "";
        for (size_t i = 0; detail && detail[i] && i + 1 < sizeof d; i++)
            d[i] = detail[i] == '\n' ? ' ' : detail[i];
        log_warn("postgres busy (%s) in %s: %.*s%s%s", state, what, len, msg, *d ? " — " : "", d);
        return STORE_E_BUSY;
    }
    log_error("postgres error %s in %s: %.*s", state, what, len, msg);
    return STORE_E_OTHER;
}

static int64_t mono_ms(void);
static PGresult *pg_get_bounded(struct conn_impl *c, int64_t deadline, int *timed_out);
static int pg_commit_rc(struct conn_impl *c, PGresult *r, int timed_out, int before);

/*
 * Reads the results of the statements sent in pipeline mode (pg_send), in order, into their
 * statements, and leaves pipeline mode: one round trip for all of them. A statement after a failed
 * one was not run (PGRES_PIPELINE_ABORTED): it reports the first failure. Called before anything
 * else uses the connection.
 */
static int pg_collect(struct conn_impl *c)
{
    if (!c->nsent && PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF)
        return 0;
    c->trips++;
    int first = 0;
    bool synced = PQpipelineSync(c->pg) == 1;
    for (int i = 0; i < c->nbegin_sent; i++) { /* the BEGIN sent ahead of the first statement */
        PGresult *r = synced ? PQgetResult(c->pg) : NULL;
        if ((!r || PQresultStatus(r) != PGRES_COMMAND_OK) && !first)
            first = r ? pg_rc(c, r, "begin") : STORE_E_CONN;
        if (r) {
            PQclear(r);
            while ((r = PQgetResult(c->pg)))
                PQclear(r);
        }
    }
    c->nbegin_sent = 0;
    for (int i = 0; i < c->nsent; i++) {
        struct stmt_impl *st = c->sent[i];
        PGresult *r;
        if (st->preparing) { /* the Parse sent ahead of it */
            st->preparing = false;
            r = synced ? PQgetResult(c->pg) : NULL;
            ExecStatusType ps = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
            if (ps == PGRES_COMMAND_OK) {
                st->prepared = true;
            } else if (ps != PGRES_PIPELINE_ABORTED || !first) {
                first = r ? pg_rc(c, r, "prepare") : STORE_E_CONN;
                if (first == STORE_E_OTHER)
                    log_error("  in: %.300s", st->text);
            }
            if (r) {
                PQclear(r);
                while ((r = PQgetResult(c->pg)))
                    PQclear(r);
            }
        }
        r = synced ? PQgetResult(c->pg) : NULL;
        ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        st->sent = false;
        st->executed = true;
        if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
            st->res = r;
            st->nrows = s == PGRES_TUPLES_OK ? PQntuples(r) : 0;
        } else {
            if (s == PGRES_PIPELINE_ABORTED && first)
                st->rc = first;
            else
                st->rc = first = r ? pg_rc(c, r, "pipeline") : STORE_E_CONN;
            PQclear(r);
        }
        if (r) /* the end of this statement's results */
            while ((r = PQgetResult(c->pg)))
                PQclear(r);
    }
    c->nsent = 0;
    PGresult *r;
    if (c->commit_sent) { /* the COMMIT at the end of the pipeline: started once the writes before it ended */
        c->commit_sent = false;
        int timed_out = 0;
        r = synced ? pg_get_bounded(c, mono_ms() + c->commit_timeout_ms, &timed_out) : NULL;
        c->commit_rc = pg_commit_rc(c, r, timed_out, first);
        if (r) {
            PQclear(r);
            while ((r = PQgetResult(c->pg)))
                PQclear(r);
        }
        if (timed_out) /* the connection is closed, not left mid-pipeline */
            return first;
    }
    while (synced && (r = PQgetResult(c->pg))) { /* the Sync's result */
        bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (sync)
            break;
    }
    if (!PQexitPipelineMode(c->pg))
        c->broken = true; /* results we could not read: never use it again */
    return first;
}

static struct conn_impl *pg_connect(const char *target, const struct store_options *opt, char *err, size_t n)
{
    int busy = opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 10000;
    int stmt_timeout = opt->no_statement_timeout ? 0 : opt->statement_timeout_ms > 0 ? opt->statement_timeout_ms : 0;
    char options[160];
    snprintf(options, sizeof options, "-c lock_timeout=%d -c statement_timeout=%d", busy, stmt_timeout);
    /* a URL libpq cannot parse is a configuration error, not an outage: no point in retrying it */
    char *perr = NULL;
    PQconninfoOption *parsed = PQconninfoParse(target, &perr);
    if (!parsed) {
        snprintf(err, n, "invalid PostgreSQL URL: %.*s", perr ? (int)strcspn(perr, "\n") : 12,
                 perr ? perr : "out of memory");
        PQfreemem(perr);
        return NULL;
    }
    PQconninfoFree(parsed);
    /* later keywords win: the URL (dbname, expanded) comes last so that its settings override ours */
    const char *keys[] = {"connect_timeout",
                          "application_name",
                          "client_encoding",
                          "keepalives",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "tcp_user_timeout",
                          "options",
                          "dbname",
                          NULL};
    /* a bulk load (no statement timeout) waits as long as the server takes over each COPY message:
     * a table with triggers may keep the server from reading for minutes, and tcp_user_timeout
     * would drop a connection whose sent data stays unacknowledged that long (keepalives remain) */
    const char *vals[] = {"10",    "ducha", "UTF8", "1", "30", "10", "3", opt->no_statement_timeout ? "0" : "30000",
                          options, target,  NULL};
    if (opt->no_prepare) { /* pgbouncer: no startup options */
        keys[8] = "dbname";
        vals[8] = target;
        keys[9] = vals[9] = NULL;
    }
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg) {
        snprintf(err, n, "cannot connect to PostgreSQL: out of memory");
        return NULL;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        const char *m = PQerrorMessage(pg);
        snprintf(err, n, "cannot connect to PostgreSQL: %.*s", (int)strcspn(m, "\n"), m);
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, pg_notice, NULL);
    struct conn_impl *c = xcalloc(1, sizeof *c);
    c->pg = pg;
    c->cancel = PQgetCancel(pg);
    c->no_prepare = opt->no_prepare;
    c->commit_timeout_ms = opt->commit_timeout_ms > 0 ? opt->commit_timeout_ms : busy;
    snprintf(c->begin_sql[0], sizeof c->begin_sql[0], "BEGIN");
    c->nbegin = 1;
    if (opt->no_prepare) {
        snprintf(c->begin_sql[1], sizeof c->begin_sql[1], "SET LOCAL lock_timeout = %d", busy);
        snprintf(c->begin_sql[2], sizeof c->begin_sql[2], "SET LOCAL statement_timeout = %d", stmt_timeout);
        c->nbegin = 3;
    }
    return c;
}

static void pg_disconnect(struct conn_impl *c)
{
    free(c->sent);
    for (int i = 0; i < c->ndead; i++)
        free(c->dead[i]);
    free(c->dead);
    if (c->cancel)
        PQfreeCancel(c->cancel);
    PQfinish(c->pg);
    free(c);
}

/*
 * True if the connection can be used. Besides libpq's status, looks (without waiting) whether the
 * server wrote to an idle connection: that is the end of file or the termination message a server
 * sends when it shuts down or crashes, which libpq only notices when it reads.
 */
static bool pg_alive(struct conn_impl *c)
{
    if (c->broken || PQstatus(c->pg) != CONNECTION_OK)
        return false;
    if (c->nsent) /* statements in flight (pg_send): their results are what the socket holds */
        return true;
    PGTransactionStatusType ts = PQtransactionStatus(c->pg);
    if (ts == PQTRANS_UNKNOWN || ts == PQTRANS_ACTIVE)
        return false;
    struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
    if (p.fd < 0)
        return false;
    if (poll(&p, 1, 0) > 0) {
        if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
            return false;
        if (!PQconsumeInput(c->pg))
            return false;
        PGnotify *nt;
        while ((nt = PQnotifies(c->pg)))
            PQfreemem(nt);
        /* an unsolicited error (e.g. 57P01 terminating connection) leaves the socket at EOF */
        if (poll(&p, 1, 0) > 0 && !PQconsumeInput(c->pg))
            return false;
    }
    return PQstatus(c->pg) == CONNECTION_OK;
}

/* Deallocates finalized statements once enough have gathered and no transaction is open. */
static void pg_flush_dead(struct conn_impl *c, bool force)
{
    pg_collect(c);
    if (!c->ndead || (!force && c->ndead < DEALLOC_BATCH) || PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        return;
    size_t len = 1;
    for (int i = 0; i < c->ndead; i++)
        len += strlen(c->dead[i]) + 16;
    char *sql = xmalloc(len), *p = sql;
    *p = 0;
    for (int i = 0; i < c->ndead; i++) {
        p += sprintf(p, "DEALLOCATE %s;", c->dead[i]);
        free(c->dead[i]);
    }
    c->ndead = 0;
    c->trips++;
    PGresult *r = PQexec(c->pg, sql);
    PQclear(r);
    free(sql);
}

/* Sends the pending BEGIN (and the timeouts) at the head of the pipeline just entered: its results
 * are read first by pg_collect. False if libpq refused (nothing of it queued then). */
static bool pg_send_begin(struct conn_impl *c)
{
    for (int i = 0; i < c->nbegin; i++)
        if (!PQsendQueryParams(c->pg, c->begin_sql[i], 0, NULL, NULL, NULL, NULL, 0)) {
            if (i)
                c->broken = true; /* part of it queued: the connection's state is unknown */
            return false;
        }
    c->nbegin_sent = c->nbegin;
    c->begin_pending = false;
    return true;
}

/* Runs the pending BEGIN on its own (one round trip), for the uses of the connection that do not
 * go through the pipeline (COPY, a plain statement, a statement that could not be sent): 0 or a
 * negative store code. */
static int pg_begin_now(struct conn_impl *c)
{
    if (!c->begin_pending)
        return 0;
    pg_collect(c);
    if (!PQenterPipelineMode(c->pg) || !pg_send_begin(c)) {
        c->begin_pending = false;
        c->broken = true;
        return STORE_E_CONN;
    }
    c->pipe_in_tx = true;
    return pg_collect(c); /* the BEGIN's outcome */
}

/* Milliseconds of CLOCK_MONOTONIC. */
static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * The next result, waiting for it until deadline (mono_ms). When it has not come by then the wait is
 * cancelled (a COMMIT waiting for a synchronous standby then ends, committed locally only), what
 * remains is drained, *timed_out is set and NULL returned: the caller drops the connection. NULL
 * without *timed_out: no more results, or the connection failed.
 */
static PGresult *pg_get_bounded(struct conn_impl *c, int64_t deadline, int *timed_out)
{
    *timed_out = 0;
    for (;;) {
        if (!PQisBusy(c->pg))
            return PQgetResult(c->pg);
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            break;
        struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
        int pr = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
        if (pr < 0 && errno != EINTR)
            break;
        if (pr > 0 && !PQconsumeInput(c->pg))
            return NULL;
    }
    *timed_out = 1;
    PGcancel *cancel = PQgetCancel(c->pg);
    char ebuf[256];
    if (cancel) {
        PQcancel(cancel, ebuf, sizeof ebuf);
        PQfreeCancel(cancel);
    }
    /* drain, so that the connection is not left mid-result; it is closed by the caller anyway */
    PGresult *r;
    while ((r = PQgetResult(c->pg)))
        PQclear(r);
    c->broken = true; /* the pool replaces it before its next use */
    log_error("postgres: COMMIT waited more than %d ms (a synchronous standby not answering?); cancelled: "
              "committed on this server only, not acknowledged",
              c->commit_timeout_ms);
    return NULL;
}

/*
 * The outcome of a COMMIT from its result r (NULL: none came; timed_out: pg_get_bounded gave up):
 * 0 or a negative store code. before: the failure of a statement before it in the same pipeline,
 * which the COMMIT did not run after (PGRES_PIPELINE_ABORTED) and reports.
 */
static int pg_commit_rc(struct conn_impl *c, PGresult *r, int timed_out, int before)
{
    if (timed_out)
        return STORE_E_CONN;
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_PIPELINE_ABORTED && before)
        return before;
    if (st == PGRES_COMMAND_OK) {
        /* COMMIT of a failed transaction succeeds as a ROLLBACK: that is not a commit */
        if (strcmp(PQcmdStatus(r), "ROLLBACK"))
            return 0;
        log_warn("postgres: COMMIT of a failed transaction was rolled back");
        return STORE_E_OTHER;
    }
    return pg_rc(c, r, "commit");
}

/*
 * Runs COMMIT, waiting at most c->commit_timeout_ms for its result (pg_get_bounded). Returns the
 * result or NULL (*timed_out: the wait was cancelled, the connection is broken).
 */
static PGresult *pg_commit_bounded(struct conn_impl *c, int *timed_out)
{
    *timed_out = 0;
    if (!PQsendQuery(c->pg, "COMMIT"))
        return NULL;
    int64_t deadline = mono_ms() + c->commit_timeout_ms;
    PGresult *last = NULL, *r;
    while ((r = pg_get_bounded(c, deadline, timed_out))) {
        PQclear(last);
        last = r;
    }
    if (*timed_out) {
        PQclear(last);
        return NULL;
    }
    return last;
}

/*
 * Sends COMMIT at the end of the pipeline that carries the transaction's last writes (the n pending
 * statements, all sent), so that they and the COMMIT cost one round trip: its outcome is read with
 * their results (pg_collect) and handed out by pg_commit_result. 0 when sent; 1 when not (nothing
 * in flight, or a pending statement that is not in the pipeline): the caller runs COMMIT itself.
 */
static int pg_commit_send(struct conn_impl *c, struct stmt_impl *const *pending, int n)
{
    if (c->broken || !c->nsent || !c->pipe_in_tx || PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF)
        return 1;
    for (int i = 0; i < n; i++)
        if (!pending[i]->sent)
            return 1;
    /* the server holds results back until a Sync or a Flush: a Flush ahead of the COMMIT sends the writes'
     * results at once, so that only the COMMIT's own wait (a synchronous standby) is bounded below, and
     * reading those results never waits for it */
    if (PQsendFlushRequest(c->pg) != 1 || !PQsendQueryParams(c->pg, "COMMIT", 0, NULL, NULL, NULL, NULL, 0))
        return 1;
    c->commit_sent = true;
    c->commit_rc = STORE_E_CONN;
    return 0;
}

/* The outcome of the COMMIT sent by pg_commit_send (read now if its round trip has not been made). */
static int pg_commit_result(struct conn_impl *c)
{
    if (c->commit_sent)
        pg_collect(c);
    return c->commit_rc;
}

static int pg_exec(struct conn_impl *c, const char *sql)
{
    if (c->broken)
        return STORE_E_CONN;
    bool commit = !strcmp(sql, "COMMIT");
    if (!strcmp(sql, "BEGIN")) {
        pg_collect(c); /* reads sent outside it are not part of it */
        c->begin_pending = true;
        return 0;
    }
    if (c->begin_pending && (commit || !strcmp(sql, "ROLLBACK"))) {
        c->begin_pending = false; /* nothing ran in it: nothing to end */
        return 0;
    }
    int rc = pg_begin_now(c);
    if (rc)
        return rc;
    pg_flush_dead(c, false);
    int timed_out = 0;
    c->trips++;
    PGresult *r = commit ? pg_commit_bounded(c, &timed_out) : PQexec(c->pg, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (commit) {
        rc = pg_commit_rc(c, r, timed_out, 0);
    } else if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        rc = 0;
    } else {
        rc = pg_rc(c, r, "exec");
        if (rc == STORE_E_OTHER)
            log_error("  in: %.200s", sql);
    }
    PQclear(r);
    return rc;
}

/* True if the text at p (after blanks) is IS NULL or IS NOT NULL. */
static bool followed_by_is_null(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    if (strncasecmp(p, "IS", 2) || !isspace((unsigned char)p[2]))
        return false;
    p += 2;
    while (isspace((unsigned char)*p))
        p++;
    if (!strncasecmp(p, "NOT", 3) && isspace((unsigned char)p[3])) {
        p += 3;
        while (isspace((unsigned char)*p))
            p++;
    }
    return !strncasecmp(p, "NULL", 4) && !isalnum((unsigned char)p[4]) && p[4] != '_';
}

/*
 * Rewrites `?` placeholders to $n, leaving quoted strings ('…' with '' escapes), quoted
 * identifiers ("…"), line comments and block comments alone. Returns malloc'd SQL, the number of
 * parameters in *np and (malloc'd, one per parameter) the declared types in *types: 0 (inferred)
 * or text for parameters only tested with IS [NOT] NULL.
 */
static char *pg_translate(const char *sql, int *np, Oid **types)
{
    size_t len = strlen(sql), marks = 0;
    for (const char *p = sql; *p; p++)
        marks += *p == '?';
    char *out = xmalloc(len + marks * 12 + 1), *o = out; /* "$n" is at most 11 characters */
    int n = 0, tcap = 8;
    Oid *t = xcalloc((size_t)tcap, sizeof *t);
    for (const char *p = sql; *p;) {
        if (*p == '\'' || *p == '"') {
            char q = *p;
            *o++ = *p++;
            while (*p) {
                if (*p == q && p[1] == q) {
                    *o++ = *p++;
                    *o++ = *p++;
                } else if (*p == q) {
                    *o++ = *p++;
                    break;
                } else {
                    *o++ = *p++;
                }
            }
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                *o++ = *p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            size_t l = e ? (size_t)(e + 2 - p) : strlen(p);
            memcpy(o, p, l);
            o += l;
            p += l;
        } else if (*p == '?') {
            if (n == tcap) {
                tcap *= 2;
                t = xrealloc(t, (size_t)tcap * sizeof *t);
            }
            t[n] = followed_by_is_null(p + 1) ? TEXTOID : 0;
            n++;
            o += sprintf(o, "$%d", n);
            p++;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    *np = n;
    *types = t;
    return out;
}

/* Nothing is sent here: the statement is prepared on the server when it first runs (pg_send sends
 * its Parse in the same pipeline, pg_prepared prepares it on its own), so that fetching a statement
 * never breaks up a batch that is being sent. */
static struct stmt_impl *pg_prepare(struct conn_impl *c, const char *sql)
{
    if (!c->nsent)
        pg_flush_dead(c, false);
    int np = 0;
    Oid *types = NULL;
    char *text = pg_translate(sql, &np, &types);
    struct stmt_impl *st = xcalloc(1, sizeof *st);
    st->c = c;
    st->nparams = np;
    st->vals = xcalloc((size_t)(np ? np : 1), sizeof *st->vals);
    st->row = -1;
    st->text = text;
    st->types = types;
    st->unnamed = c->no_prepare;
    if (!c->no_prepare)
        snprintf(st->name, sizeof st->name, "d%" PRIu64, ++c->next_name);
    return st;
}

/* Prepares st on the server now, if it is a named statement not prepared yet (one round trip):
 * 0 or a negative store code. */
static int pg_prepared(struct stmt_impl *st)
{
    struct conn_impl *c = st->c;
    if (st->unnamed || st->prepared)
        return 0;
    int rc = pg_begin_now(c);
    if (rc)
        return rc;
    pg_collect(c);
    c->trips++;
    PGresult *r = PQprepare(c->pg, st->name, st->text, st->nparams, st->types);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK) {
        rc = pg_rc(c, r, "prepare");
        if (rc == STORE_E_OTHER)
            log_error("  in: %.300s", st->text);
    } else {
        st->prepared = true;
    }
    PQclear(r);
    return rc;
}

/* st will run once and be finalized (store.c: a second use of a cached statement's SQL while it is
 * busy): the unnamed statement, no Parse of a name to deallocate afterwards. */
static void pg_once(struct stmt_impl *st)
{
    if (!st->executed && !st->sent && !st->prepared)
        st->unnamed = true;
}

static void pg_reset(struct stmt_impl *st)
{
    if (st->sent)
        pg_collect(st->c);
    st->rc = 0;
    PQclear(st->res);
    st->res = NULL;
    st->executed = false;
    st->nrows = 0;
    st->row = -1;
    for (int i = 0; i < st->nparams; i++) {
        free(st->vals[i]);
        st->vals[i] = NULL;
    }
}

static void pg_finalize(struct stmt_impl *st)
{
    pg_reset(st);
    struct conn_impl *c = st->c;
    if (st->prepared) {
        if (c->ndead == c->capdead) {
            c->capdead = c->capdead ? c->capdead * 2 : 16;
            c->dead = xrealloc(c->dead, (size_t)c->capdead * sizeof *c->dead);
        }
        c->dead[c->ndead++] = xstrdup(st->name);
    }
    free(st->text);
    free(st->types);
    free(st->vals);
    free(st);
}

static void pg_set(struct stmt_impl *st, int idx, char *v)
{
    if (idx < 1 || idx > st->nparams) {
        log_error("bug: parameter %d out of range (statement has %d)", idx, st->nparams);
        free(v);
        return;
    }
    free(st->vals[idx - 1]);
    st->vals[idx - 1] = v;
}

static void pg_bind_int(struct stmt_impl *st, int idx, int64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%" PRId64, v);
    pg_set(st, idx, xstrdup(b));
}

static void pg_bind_double(struct stmt_impl *st, int idx, double v)
{
    char b[40];
    snprintf(b, sizeof b, "%.17g", v);
    pg_set(st, idx, xstrdup(b));
}

static void pg_bind_text(struct stmt_impl *st, int idx, const char *v)
{
    pg_set(st, idx, xstrdup(v));
}

static void pg_bind_null(struct stmt_impl *st, int idx)
{
    pg_set(st, idx, NULL);
}

/*
 * Sends st (bound) to be executed in pipeline mode without waiting: the statements sent before the
 * next wait on this connection travel together, and their results are read in one round trip
 * (pg_collect) by the first stmt_step of any of them or the next other use of the connection.
 */
static void pg_send(struct stmt_impl *st)
{
    struct conn_impl *c = st->c;
    if (st->executed || st->sent || c->broken)
        return;
    if (PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF) {
        pg_flush_dead(c, false); /* a plain query: before the pipeline */
        c->pipe_in_tx = PQtransactionStatus(c->pg) == PQTRANS_INTRANS || c->begin_pending;
        if (!PQenterPipelineMode(c->pg))
            return;                                  /* stmt_step runs it the ordinary way */
        if (c->begin_pending && !pg_send_begin(c)) { /* the transaction's first statement: BEGIN with it */
            if (!c->broken)
                PQexitPipelineMode(c->pg);
            return;
        }
    }
    bool parse = !st->unnamed && !st->prepared;
    if (parse && !PQsendPrepare(c->pg, st->name, st->text, st->nparams, st->types)) {
        if (!c->nsent && !c->nbegin_sent)
            PQexitPipelineMode(c->pg);
        return;
    }
    int ok =
        st->unnamed
            ? PQsendQueryParams(c->pg, st->text, st->nparams, st->types, (const char *const *)st->vals, NULL, NULL, 0)
            : PQsendQueryPrepared(c->pg, st->name, st->nparams, (const char *const *)st->vals, NULL, NULL, 0);
    if (!ok) { /* a Parse already queued has its result read with the others: the connection is unusable */
        if (parse)
            c->broken = true;
        if (!c->nsent && !c->nbegin_sent && !parse)
            PQexitPipelineMode(c->pg);
        return;
    }
    if (c->nsent == c->capsent) {
        c->capsent = c->capsent ? c->capsent * 2 : 8;
        c->sent = xrealloc(c->sent, (size_t)c->capsent * sizeof *c->sent);
    }
    c->sent[c->nsent++] = st;
    st->sent = true;
    st->preparing = parse;
}

static int pg_step(struct stmt_impl *st)
{
    /* In a transaction, a statement run while others sent ahead are pending travels with them: one
     * round trip for all (a write sent ahead, then the next write that needs nothing from it). It
     * reports the failure of one before it, as it would have failed after it (25P02) anyway. */
    if (!st->executed && !st->sent && ((st->c->nsent && st->c->pipe_in_tx) || st->c->begin_pending))
        pg_send(st);
    pg_collect(st->c);
    if (st->rc)
        return st->rc;
    if (!st->executed && st->c->broken)
        return STORE_E_CONN;
    if (!st->executed && !st->prepared && !st->unnamed) {
        /* first run on this connection: its Parse and its execution in one round trip */
        pg_send(st);
        pg_collect(st->c);
        if (st->rc)
            return st->rc;
    }
    if (!st->executed) {
        int prc = pg_begin_now(st->c);
        if (!prc)
            prc = pg_prepared(st);
        if (prc)
            return prc;
        st->executed = true;
        st->c->trips++;
        PGresult *r = st->unnamed ? PQexecParams(st->c->pg, st->text, st->nparams, st->types,
                                                 (const char *const *)st->vals, NULL, NULL, 0)
                                  : PQexecPrepared(st->c->pg, st->name, st->nparams, (const char *const *)st->vals,
                                                   NULL, NULL, 0);
        ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (s == PGRES_TUPLES_OK) {
            st->res = r;
            st->nrows = PQntuples(r);
        } else if (s == PGRES_COMMAND_OK) {
            st->res = r;
            st->nrows = 0;
        } else {
            int rc = pg_rc(st->c, r, "step");
            PQclear(r);
            return rc;
        }
    }
    if (st->row + 1 < st->nrows) {
        st->row++;
        return STORE_ROW;
    }
    st->row = st->nrows;
    return STORE_DONE;
}

static const char *pg_value(struct stmt_impl *st, int col)
{
    if (!st->res || st->row < 0 || st->row >= st->nrows || col < 0 || col >= PQnfields(st->res) ||
        PQgetisnull(st->res, st->row, col))
        return NULL;
    return PQgetvalue(st->res, st->row, col);
}

static int64_t pg_col_int(struct stmt_impl *st, int col)
{
    const char *v = pg_value(st, col);
    if (!v)
        return 0;
    if (v[0] == 't' && !v[1])
        return 1;
    if (v[0] == 'f' && !v[1])
        return 0;
    return strtoll(v, NULL, 10);
}

static double pg_col_double(struct stmt_impl *st, int col)
{
    const char *v = pg_value(st, col);
    return v ? strtod(v, NULL) : 0.0;
}

static const char *pg_col_text(struct stmt_impl *st, int col)
{
    return pg_value(st, col);
}

static bool pg_col_null(struct stmt_impl *st, int col)
{
    return pg_value(st, col) == NULL;
}

static int pg_ncols(struct stmt_impl *st)
{
    if (pg_begin_now(st->c))
        return 0;
    pg_collect(st->c);
    if (!st->res && st->unnamed) {
        st->c->trips++;
        PGresult *p = PQprepare(st->c->pg, "", st->text, st->nparams, st->types);
        PQclear(p);
    }
    if (!st->res && !st->unnamed && pg_prepared(st))
        return 0;
    if (!st->res) {
        st->c->trips++;
        PGresult *d = PQdescribePrepared(st->c->pg, st->unnamed ? "" : st->name);
        int n = d && PQresultStatus(d) == PGRES_COMMAND_OK ? PQnfields(d) : 0;
        PQclear(d);
        return n;
    }
    return PQnfields(st->res);
}

static const char *pg_col_name(struct stmt_impl *st, int col)
{
    if (!st->res || col < 0 || col >= PQnfields(st->res))
        return NULL;
    return PQfname(st->res, col);
}

static int pg_copy_start(struct conn_impl *c, const char *sql)
{
    if (c->broken)
        return STORE_E_CONN;
    int rc = pg_begin_now(c);
    if (rc)
        return rc;
    pg_flush_dead(c, false);
    c->trips++;
    PGresult *r = PQexec(c->pg, sql);
    rc = r && PQresultStatus(r) == PGRES_COPY_IN ? 0 : pg_rc(c, r, "copy");
    PQclear(r);
    return rc;
}

static int pg_copy_put(struct conn_impl *c, const char *data, size_t n)
{
    return PQputCopyData(c->pg, data, (int)n) == 1 ? 0 : pg_rc(c, NULL, "copy");
}

/* Ends the COPY (ok false: aborts it); the server's verdict on the rows comes here. */
static int pg_copy_finish(struct conn_impl *c, bool ok)
{
    if (PQputCopyEnd(c->pg, ok ? NULL : "aborted by ducha") != 1)
        return pg_rc(c, NULL, "copy");
    c->trips++;
    int rc = 0;
    PGresult *r;
    while ((r = PQgetResult(c->pg))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc)
            rc = ok ? pg_rc(c, r, "copy") : STORE_E_OTHER;
        PQclear(r);
    }
    return rc;
}

static uint64_t pg_conflicts(struct conn_impl *c, bool *lock_timeout)
{
    *lock_timeout = c->lock_timeout;
    return c->conflicts;
}

static uint64_t pg_round_trips(struct conn_impl *c)
{
    return c->trips;
}

static char *pg_dialect(const char *sql)
{
    char *a = store_replace_all(sql, "{{ID}}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
    char *b = store_replace_all(a, "{{BYTEWISE}}", "COLLATE \"C\"");
    free(a);
    return b;
}

/* store_interrupt: the server is asked to cancel the statement running on c, if any (57014: STORE_E_CUT). */
static void pg_cancel(struct conn_impl *c)
{
    char err[256];
    if (c->cancel && !PQcancel(c->cancel, err, sizeof err))
        log_warn("postgres: cancel request failed: %s", err);
}

const struct store_ops store_pg_ops = {
    .kind = "postgres",
    .cancel = pg_cancel,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .alive = pg_alive,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .bind_int = pg_bind_int,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_null = pg_col_null,
    .ncols = pg_ncols,
    .col_name = pg_col_name,
    .reset = pg_reset,
    .round_trips = pg_round_trips,
    .conflicts = pg_conflicts,
    .send = pg_send,
    .once = pg_once,
    .commit_send = pg_commit_send,
    .commit_result = pg_commit_result,
    .begin_sql = "BEGIN",
    .probe_sql = "SELECT CASE WHEN current_setting('transaction_read_only') = 'on' THEN 0 ELSE 1 END",
    .dialect = pg_dialect,
    .backup = NULL,
    /* 0x64756368 = "duch": one lock for every ducha node migrating this database */
    .migrate_lock_sql = "SELECT pg_advisory_xact_lock(1685414760)",
    /* partitions are not tables of their own: their rows are the parent's */
    .tables_sql = "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
                  "AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname",
    .columns_sql =
        "SELECT column_name, CASE WHEN is_identity = 'YES' OR column_default LIKE 'nextval(%' THEN 1 ELSE 0 END "
        "FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
    .fkeys_sql = "SELECT rc.relname, a.attname, ra.attname FROM pg_constraint co "
                 "JOIN pg_class c ON c.oid = co.conrelid JOIN pg_class rc ON rc.oid = co.confrelid "
                 "JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1] "
                 "JOIN pg_attribute ra ON ra.attrelid = co.confrelid AND ra.attnum = co.confkey[1] "
                 "WHERE co.contype = 'f' AND c.relnamespace = current_schema()::regnamespace AND c.relname = ?",
    .reset_identity_fmt =
        "SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)",
    .copy_start = pg_copy_start,
    .copy_put = pg_copy_put,
    .copy_finish = pg_copy_finish,
};
