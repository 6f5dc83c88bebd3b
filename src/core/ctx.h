/*
 * ctx.h: what one unit of work (an HTTP request, a CLI command, a scheduler pass) carries into
 * the domain modules: its arena, its database connection, who acts, from where, and when. Domain
 * functions report expected failures through ctx_fail, which keeps one human-readable message.
 */
#ifndef DUCHA_CTX_H
#define DUCHA_CTX_H

#include "base/arena.h"
#include "base/conf.h"
#include "base/err.h"
#include "core/role.h"
#include "store/store.h"

struct ctx {
    struct arena *arena;
    struct db *db;
    const struct config *cfg;
    const struct principal *user; /* NULL: the system itself (CLI, scheduler) */
    const char *client;           /* client address, "cli" or "scheduler" */
    int64_t now;                  /* Unix seconds; the test clock when enabled */
    /* the grant that authorized the current action (set by perm_require), recorded in the audit */
    const struct grant *acting;
    /* overrides the unit path under which the next audit records are readable (e.g. a failed
     * login is readable in the account's unit, though nobody acted there) */
    const char *audit_scope;
    enum err err;
    const char *msg;
    const char *field; /* the request member a failure is about (ctx_fail_field), or NULL */
    /* A read sent with the credential check (ctx_send_ahead): set by the router for a route whose
     * handler's first read needs nothing from the check, so that both travel in one round trip. */
    void (*ahead)(void *arg);
    void *ahead_arg;
    struct stmt *ahead_stmt; /* what ahead sent, until its reader takes it (ctx_ahead_take) */
    const char *ahead_sql;   /* the SQL text it runs: its reader's */
    int64_t ahead_id;        /* the id it reads */
};

/* Records the failure (message formatted into the arena) and returns e. */
enum err ctx_fail(struct ctx *c, enum err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Records a 422 about one member of the request (named in the message too, for people) and returns
 * ERR_INVALID; the API's error carries the member as "field" so that a form can mark it. */
enum err ctx_fail_field(struct ctx *c, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Maps a negative store code to an error with a message that names what was being done. */
enum err ctx_store_fail(struct ctx *c, int rc, const char *what);
/* Ends a transaction begun with db_begin whose last store call returned rc: rolls back and reports rc when it
 * failed (rc < 0), commits otherwise and reports a failed commit. ERR_OK when committed. */
enum err ctx_end_tx(struct ctx *c, int rc, const char *what);
/* Turns the result of a store one-liner (db_exec, db_one_int … in store.h) into a message that
 * names what was being done: ERR_OK stays ERR_OK; ERR_NOT_FOUND, ERR_CONFLICT, ERR_UNAVAILABLE and
 * the rest get a sentence each (ERR_UNAVAILABLE, not ERR_INTERNAL, when the database is not connected).
 * Returns the error given to the caller. */
enum err ctx_db_fail(struct ctx *c, enum err e, const char *what);
/* The actor's name for audit and timeline: the username, or "system". */
const char *ctx_actor(const struct ctx *c);

/*
 * Reads sent ahead (one round trip on PostgreSQL for the credential check and the page's first read).
 * The authentication calls ctx_send_ahead right after sending (stmt_send) its own statement and before
 * stepping it: c->ahead, if set, runs once and sends its read, which keeps it with ctx_ahead_put. The
 * read's rows are only looked at by its reader (ctx_ahead_take), after the router's checks passed; a
 * request refused before that drops it unread (ctx_ahead_drop). SQLite runs it at the reader's step.
 */
void ctx_send_ahead(struct ctx *c);
/* Keeps st (sent) as the read of sql for id. */
void ctx_ahead_put(struct ctx *c, struct stmt *st, const char *sql, int64_t id);
/* The statement sent ahead for exactly sql and id (the caller steps and finishes it), or NULL. */
struct stmt *ctx_ahead_take(struct ctx *c, const char *sql, int64_t id);
/* Finishes a read sent ahead that nobody took; clears c->ahead. */
void ctx_ahead_drop(struct ctx *c);

#endif

#ifndef DUCHA_CTX_TX
#define DUCHA_CTX_TX
/*
 * Runs fn(c, arg) in one write transaction: commits if it returns ERR_OK, rolls back otherwise.
 * Every change and its audit record go through here (or an explicit db_begin/db_commit pair).
 * "what" names the operation for error messages.
 *
 * Run again: when the transaction is the outermost one and the database aborted it for a conflict
 * with another transaction (db_conflict: a deadlock or serialization failure, up to 3 attempts; a
 * lock timeout, 2), or lost the connection before any statement of it had run (PostgreSQL sends BEGIN
 * with the first statement; the next attempt reconnects), it is rolled back and fn runs again from the
 * start after a short random pause,
 * so the user sees the action done instead of "数据库繁忙". Before each new attempt ctx_tx puts back
 * what the failed one may have changed: c->err, c->msg, c->field (the failure), c->acting (the
 * grant perm_require noted), c->audit_scope, and the db_on_commit hook to the one set before
 * ctx_tx (a hook set inside the failed attempt is dropped; one it consumed is set again). What the
 * failed attempt allocated in c->arena stays allocated until the unit of work ends (a pointer the
 * attempt left behind never dangles) but the next attempt must not use it. Nested in another
 * transaction, ctx_tx never runs fn again: the outermost one does.
 *
 * So a body must be safe to run more than once, that is:
 *   - read its inputs from arg and the database only, and (re)initialise every output it writes to
 *     arg at its start (counters set, lists emptied), never accumulate across calls;
 *   - change nothing outside the transaction that a second run would repeat: no network request,
 *     no message sent (queue it in the outbox, in the transaction), no process-wide cache updated
 *     with what the transaction wrote (invalidate it instead), no one-time input consumed (an
 *     upload stream read once: read it before ctx_tx; a challenge: spend it in the transaction);
 *   - a file it writes is written again whole under the same name (the archive) or was stored
 *     before ctx_tx by its content (attachments).
 * A body that cannot satisfy this runs in its own db_begin/db_commit pair instead.
 */
enum err ctx_tx(struct ctx *c, const char *what, enum err (*fn)(struct ctx *c, void *arg), void *arg);
#endif
