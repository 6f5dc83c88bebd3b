/*
 * store.h: the only door to the database. Two backends (SQLite, PostgreSQL) sit behind one ops
 * table (curl's vtls idea); nothing outside src/store includes sqlite3.h or libpq-fe.h.
 *
 * SQL is written once, portable: `?` placeholders (bound by position, from 1), no backend-specific
 * functions. Migrations may use dialect tokens that the backend expands: {{ID}} (auto-increment
 * 64-bit primary key), {{BYTEWISE}} (a collation that compares bytes, for materialized paths).
 *
 * Lifetimes: a struct store is a process-wide pool. A struct db is one connection, checked out by
 * one thread at a time (store_acquire/store_release). A struct stmt belongs to its db and is cached
 * there by SQL text; every db_prepare is paired with stmt_done, which resets it for reuse.
 */
#ifndef DUCHA_STORE_H
#define DUCHA_STORE_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct db;
struct stmt;

enum store_rc {
    STORE_ROW = 1,        /* stmt_step: a row is available */
    STORE_DONE = 0,       /* stmt_step: finished */
    STORE_E_UNIQUE = -1,  /* unique or primary key violation */
    STORE_E_FOREIGN = -2, /* foreign key or check violation */
    STORE_E_BUSY = -3,    /* lock wait timed out, serialization failure, deadlock: safe to retry */
    STORE_E_CONN = -4,    /* connection lost; the db reconnects on its next use */
    STORE_E_OTHER = -5,   /* anything else: a bug or a broken database; logged */
    STORE_E_CUT = -6,     /* cut off: ran past the statement timeout (db_deadline; PostgreSQL statement_timeout,
                           * 57014) or the process is stopping (store_interrupt); logged. Not retried: it would
                           * take as long again. In a transaction, the transaction can only roll back */
};

struct store_options {
    int pool_size;             /* connections; >= 1 */
    int busy_timeout_ms;       /* SQLite busy timeout, PostgreSQL lock_timeout */
    int mmap_mb;               /* SQLite: bytes of the file read through mmap (0 = off) */
    bool must_exist;           /* SQLite: refuse a missing file instead of creating it */
    bool no_prepare;           /* PostgreSQL: no named prepared statements (pgbouncer transaction pooling) */
    int commit_timeout_ms;     /* PostgreSQL: longest wait of a COMMIT (synchronous standby); 0 = busy timeout */
    bool no_statement_timeout; /* PostgreSQL: statements may run as long as they need, and the server may
                                * take as long as it needs to read what is sent (bulk loads) */
    int statement_timeout_ms;  /* the longest statement (0: none): PostgreSQL's statement_timeout of every
                                * connection (but bulk loads); SQLite: the statements under db_deadline */
    int test_pause_ms;         /* tests only (store_test_pause) */
};

/*
 * Opens a pool for url ("sqlite:PATH", "PATH", "postgres://…" or "postgresql://…"). Returns ERR_OK
 * or an error with a one-line message in err. SQLite databases (and their directory) are created.
 */
enum err store_open(const char *url, const struct store_options *opt, struct store **out, char *err, size_t errlen);
void store_close(struct store *s);

/*
 * Read replicas (PostgreSQL hot standbys; the approach of GitLab's database load balancer). s gets a
 * second pool on url, connected on first use. A caller that may read from it asks the replica's
 * replay position (store_replica_lsn: cached, refreshed at most every 100 ms by one thread; 0 when
 * the replica does not answer) and compares it with the position its user's last write reached on
 * the primary (db_commit_lsn after that commit): only a replica at or past it may serve the read.
 */
enum err store_open_replica(struct store *s, const char *url, char *err, size_t errlen);
bool store_has_replica(const struct store *s);
/* A connection of the replica pool (NULL without a replica); store_release returns it. */
struct db *store_acquire_replica(struct store *s);
/* The replica's replay LSN, 0 if unknown; *replay_age (may be NULL): seconds since the last replayed
 * commit, -1 if unknown (an idle primary makes it grow without lag). */
uint64_t store_replica_lsn(struct store *s, double *replay_age);
/* The primary's current WAL position (after a commit: a position that includes it); 0 on SQLite or
 * on failure. One round trip. */
uint64_t db_commit_lsn(struct db *db);
/* "sqlite" or "postgres". */
const char *store_kind(const struct store *s);
/* Applies every embedded migration not yet applied, each in its own transaction, under a lock
 * that makes concurrent callers (several nodes) wait. A database that is already current is only
 * read, so a node may start on a read-only standby; one that needs migrating but is read-only
 * fails with ERR_UNAVAILABLE and a message that says so. */
enum err store_migrate(struct store *s, char *err, size_t errlen);
/* Highest applied migration version, or -1. */
int store_schema_version(struct store *s);

/* Writes a consistent online copy of the database to path (SQLite); progress(arg, done, total)
 * is called as pages are copied. PostgreSQL: ERR_INVALID with advice to use pg_dump. */
enum err store_backup(struct store *s, const char *path, void (*progress)(void *, long, long), void *arg, char *err,
                      size_t errlen);

/* Checks out a connection (waits for one). Never NULL. It connects on first use, so a checkout
 * costs nothing while the server is down; the failure shows up as STORE_E_CONN there. */
struct db *store_acquire(struct store *s);
/* Returns it; an open transaction is rolled back and logged as a bug. */
void store_release(struct db *db);

/*
 * A request's statements: from now until store_release, a statement that runs longer than the store's
 * statement_timeout_ms, or any statement once store_interrupt has been called, is cut off (STORE_E_CUT).
 * SQLite checks it as the statement runs (a progress handler every 1,000 steps of its machine): a
 * runaway read stops instead of burning a core for minutes after its client has gone. PostgreSQL: every
 * connection has statement_timeout already; store_interrupt cancels the statements of such connections
 * that are running. Bulk work (migrations, ducha gen, migrate-data, the ledger commands, the scheduler)
 * never calls it.
 */
void db_deadline(struct db *db);
/* Whether a statement was cut off since checkout (STORE_E_CUT): 0 no, 1 past the statement timeout,
 * 2 the process is stopping. */
int db_cut_off(const struct db *db);
/* The process is stopping (SIGTERM): the statements under db_deadline, running or to come, are cut off
 * (on s and its replica pool). */
void store_interrupt(struct store *s);
/* Tests only (test_statement_pause_ms, with the test clock), before the first request: on SQLite a statement
 * under db_deadline that runs past 1,000 steps of SQLite's machine waits ms once, watching its deadline and
 * store_interrupt, so that a test can make a request outlast the timeout or be running at SIGTERM. */
void store_test_pause(struct store *s, int ms);
struct store *db_store(struct db *db);
const char *db_kind(const struct db *db);

/*
 * Transactions. db_begin starts a write transaction: on SQLite writers queue on a process lock and
 * BEGIN IMMEDIATE, on PostgreSQL READ COMMITTED with row locks. Nesting is counted: only the
 * outermost commit commits; a rollback at any depth rolls the whole transaction back.
 */
#define db_begin(db) db_begin_at((db), __FILE__, __LINE__)
int db_begin_at(struct db *db, const char *file, int line);
int db_commit(struct db *db);
void db_rollback(struct db *db);
bool db_in_transaction(const struct db *db);
/*
 * A read snapshot, for a unit of work that reads (a GET request): the statements that follow read the
 * database as it was at the first of them, until store_release. SQLite: a deferred transaction, so the
 * shared lock and the WAL's read mark are taken once instead of by every statement; it never takes the
 * write lock — db_begin, or a statement that writes outside a transaction, ends it first, and what runs
 * after that sees the database as it is then. Its BEGIN and COMMIT are not counted by db_usage (no
 * statement of the work's own, no round trip). PostgreSQL: nothing (each statement outside a transaction
 * is its own, READ COMMITTED; statements sent together share one, stmt_send). Does nothing inside a
 * transaction or when called twice.
 */
void db_read_begin(struct db *db);
/* A read snapshot taken again: what follows reads the database as it is now, not as it was at the work's first
 * statement — for a reader that must see what was committed before something it read outside the database (the
 * audit verification: a checkpoint file line is written after its records' COMMIT). Nothing without a snapshot. */
void db_read_again(struct db *db);
/* True if db holds a usable connection (false while the PostgreSQL server is unreachable). */
bool db_connected(struct db *db);

/* Readiness: one round trip. STORE_ROW with *writable set (false on a read-only standby or a
 * read-only session), or a negative code when the database cannot be reached. */
int db_probe(struct db *db, bool *writable);

/*
 * A one-shot hook run inside the next outermost commit, just before COMMIT: what it writes commits
 * or fails with the transaction (a negative store code from it rolls the transaction back and is
 * what db_commit returns). Cleared when it has run or on store_release.
 */
void db_on_commit(struct db *db, int (*fn)(struct db *db, void *arg), void *arg);
/* The hook db_on_commit set last and not run yet (NULL if none), so that a transaction run again can
 * start with the hook it started with (ctx_tx). */
void db_on_commit_get(const struct db *db, int (**fn)(struct db *db, void *arg), void **arg);
/*
 * Values taken just before COMMIT (an item's gap-free number, whose counter row concurrent
 * registrations queue on: taken last, the row is held for the commit only). db_late registers one in
 * the outermost transaction under a token — text unique in the transaction that stands for the value
 * until then (callers put it where the value goes: a timeline row, a message, the audit summary).
 * Until the commit, a write (db_exec, db_exec_later) any of whose text values contains a pending
 * token is held back. At the outermost commit, first of all, each take(db, arg, &value) runs (its
 * statement travels with the writes sent ahead; *value malloc'd), then the calls of db_late_call
 * (writes derived from a text with a token: the audit record's MAC), then the held writes with every
 * token replaced by its value, in the order they were made; then the db_on_commit hook and COMMIT.
 * A rollback drops them all, so a rolled-back transaction takes no value. A statement that reads
 * (db_query, db_one_int, db_one_text) with a pending token in its values is a bug (logged, refused):
 * a token never reaches the database. Returns 0 or STORE_E_OTHER (no transaction).
 */
int db_late(struct db *db, const char *key, const char *token, int (*take)(struct db *db, void *arg, char **value),
            void *arg);
/* The token registered under key in this transaction and not yet replaced, or NULL. */
const char *db_late_token(const struct db *db, const char *key);
/* True if s contains a pending token. */
bool db_late_in(const struct db *db, const char *s);
/* fn(db, arg) runs at the commit once the values are known (db_late_subst gives them), before the held
 * writes; a negative return rolls the transaction back. */
void db_late_call(struct db *db, int (*fn)(struct db *db, void *arg), void *arg);
/* s with every token replaced by its value (malloc'd; the values are known only inside db_late_call's fn). */
char *db_late_subst(const struct db *db, const char *s);
/* True if db is in its outermost transaction (not nested). */
bool db_outermost(const struct db *db);
/* True if a transaction committed on db since it was checked out. */
bool db_wrote(const struct db *db);

/*
 * Whether the current or last outermost transaction on db (until the next db_begin) was told by the
 * server of a conflict that a new attempt of the whole transaction may not meet: 0 none;
 * DB_CONFLICT a deadlock or serialization failure (PostgreSQL 40P01, 40001), DB_CONFLICT_LOCK_TIMEOUT
 * a row lock not granted within busy_timeout_ms (55P03; the last conflict told). The server has
 * aborted such a transaction: it can only roll back. SQLite never reports one (its writers queue
 * for the database before they begin). A statement timeout (57014) is STORE_E_CUT, no
 * conflict: running it again would take as long. DB_CONFLICT_CONN: the connection was lost in the
 * transaction's first round trip (PostgreSQL sends BEGIN with the first statement): nothing of it ran,
 * and the next attempt gets a new connection.
 */
enum { DB_CONFLICT = 1, DB_CONFLICT_LOCK_TIMEOUT = 2, DB_CONFLICT_CONN = 3 };
int db_conflict(const struct db *db);
/* Counts a transaction begun again (store_stats.retries). */
void db_note_retry(struct db *db);

/* Counters of a pool, for the metrics. */
struct store_stats {
    int size, in_use;            /* connections in the pool; checked out now */
    uint64_t acquires, waits;    /* checkouts; checkouts that found no idle connection */
    double wait_seconds;         /* total time spent waiting for a connection */
    uint64_t connects, failures; /* connections opened; attempts that failed */
    uint64_t commits, rollbacks; /* outermost transactions */
    uint64_t busy;               /* statements that met a lock timeout, serialization failure or deadlock */
    uint64_t retries;            /* transactions begun again: on a new connection after the server dropped
                                  * one, or after a conflict (ctx_tx) */
};
void store_stats(struct store *s, struct store_stats *out);

/* What a connection did since it was checked out (store_acquire): statements executed (each
 * prepared statement once per execution, BEGIN/COMMIT/ROLLBACK once each) and the round trips to
 * the server they took (PostgreSQL; 0 on SQLite, which has none). The metrics add them up per
 * route, so a page's cost in round trips is visible and testable. */
struct db_usage {
    uint64_t statements, round_trips;
};
void db_usage(const struct db *db, struct db_usage *out);

/* Prepares (or fetches from the cache) a statement; NULL on failure (logged). On PostgreSQL nothing
 * travels yet: the statement is prepared on the server with its first execution, in the same round
 * trip, so an error in its SQL shows at its first stmt_step. */
struct stmt *db_prepare(struct db *db, const char *sql);
/* The same, planned again at each execution with its values, never cached: for a statement over a table that
 * grows fast from small (the month's audit partition), whose cached generic plan — a scan, made while the
 * table was a few pages — PostgreSQL keeps until the table is next analyzed (the unnamed statement: parsed and
 * planned in the round trip of each execution). stmt_done finalizes it. SQLite: db_prepare uncached. */
struct stmt *db_prepare_planned(struct db *db, const char *sql);
void stmt_bind_int(struct stmt *st, int idx, int64_t v);
void stmt_bind_double(struct stmt *st, int idx, double v);
/* Binds a copy of s; NULL binds SQL NULL. */
void stmt_bind_text(struct stmt *st, int idx, const char *s);
void stmt_bind_null(struct stmt *st, int idx);
/*
 * Ships st, bound, to the server now and reads its result later, at its first stmt_step: on
 * PostgreSQL the statements sent one after another travel together and all their results come
 * back in one round trip (libpq pipeline mode), read at the first stmt_step of any of them or at
 * the next other use of the connection. Step them in any order; each answers as if run alone,
 * except that a statement after one that failed reports that failure. Outside a transaction the
 * statements sent together run in one implicit transaction (one snapshot): send reads only.
 * SQLite (no round trips): does nothing. NULL is ignored (the caller's stmt_step reports it).
 */
void stmt_send(struct stmt *st);
/* STORE_ROW, STORE_DONE or a negative enum store_rc. */
int stmt_step(struct stmt *st);
int64_t stmt_int(struct stmt *st, int col);
double stmt_double(struct stmt *st, int col);
/* Text of a column (NULL for SQL NULL); valid until the next step or stmt_done. A floating-point value
 * is written with every digit it needs to read back as the same number (on both databases). */
const char *stmt_text(struct stmt *st, int col);
bool stmt_is_null(struct stmt *st, int col);
int stmt_columns(struct stmt *st);
const char *stmt_column_name(struct stmt *st, int col);
/*
 * A list of integers as one condition: db_sql_in_ints appends to *sql (a struct buf, base/buf.h) the
 * condition that col is one of n values, and stmt_bind_ints binds them from parameter idx, returning
 * the index of the parameter after them. SQLite: "col IN (?, ?, …)", n parameters padded to the next
 * power of two (at least 8) with the last value repeated, so that few statement texts are cached (one
 * per padded length). PostgreSQL: "col = ANY(CAST(? AS BIGINT[]))", one parameter holding the n values
 * as an array literal (no padding): one statement (prepared once on the server, one plan) whatever n, and
 * one value to send instead of n. n must be at least 1.
 */
struct buf;
void db_sql_in_ints(const struct db *db, struct buf *sql, const char *col, int n);
int stmt_bind_ints(struct stmt *st, int idx, const int64_t *v, int n);
/* Resets the statement and clears its bindings for reuse. */
void stmt_done(struct stmt *st);

/* Maps a negative store code to the project error (unique -> conflict, busy/conn -> unavailable). */
enum err store_err(int rc);

/* Convenience: runs st expecting zero or one row of one integer column; returns STORE_ROW with *out
 * set, STORE_DONE if no row, or a negative code. Calls stmt_done. */
int stmt_one_int(struct stmt *st, int64_t *out);

/*
 * One-liners (store_one.c), in the manner of Fossil's db_int()/db_text(): prepare, bind, step and
 * done in one call, for the statements that read one value or change rows.
 *
 * Binding: the values follow the SQL, one per `?` in order, each written with its type:
 *     db_exec(db, "UPDATE milestones SET next_at = ? WHERE id = ?", DB_INT_IF(next >= 0, next), DB_INT(id));
 *     db_one_text(db, arena, &name, "SELECT name FROM units WHERE id = ?", DB_INT(id));
 * DB_INT(v) binds an integer, DB_REAL(v) a double, DB_TEXT(s) a copy of s (NULL binds SQL NULL),
 * DB_NULL binds NULL, DB_INT_IF(cond, v) binds v when cond holds and NULL otherwise. A number of
 * values that differs from the number of `?` in the SQL (outside quotes and comments) is a bug: it is
 * logged and the call returns ERR_INTERNAL without running anything.
 *
 * Results: ERR_OK; ERR_NOT_FOUND when a db_one_* query yields no row; otherwise the store failure
 * mapped by store_err (ERR_CONFLICT for a unique or foreign key violation, ERR_UNAVAILABLE when the
 * database is busy or unreachable, ERR_INTERNAL for the rest, logged). The statement is always
 * finished (stmt_done) before returning. Domain code turns a failure into a message with
 * ctx_db_fail (core/ctx.h).
 */
enum db_bind_type { DB_BIND_END_, DB_BIND_INT_, DB_BIND_REAL_, DB_BIND_TEXT_, DB_BIND_NULL_ };
struct db_bind {
    enum db_bind_type type;
    int64_t i;
    double d;
    const char *s;
};
#define DB_INT(v) ((struct db_bind){DB_BIND_INT_, (int64_t)(v), 0, NULL})
#define DB_REAL(v) ((struct db_bind){DB_BIND_REAL_, 0, (double)(v), NULL})
#define DB_TEXT(v) ((struct db_bind){DB_BIND_TEXT_, 0, 0, (v)})
#define DB_NULL ((struct db_bind){DB_BIND_NULL_, 0, 0, NULL})
#define DB_INT_IF(cond, v) ((cond) ? DB_INT(v) : DB_NULL)
/* the values as an array ended by a DB_BIND_END_ element (internal) */
#define DB_BINDS_(...) ((const struct db_bind[]){__VA_ARGS__ __VA_OPT__(, ){DB_BIND_END_, 0, 0, NULL}})

/* Runs a statement that returns no rows (INSERT, UPDATE, DELETE, DDL). */
#define db_exec(db, sql, ...) db_exec_a((db), (sql), DB_BINDS_(__VA_ARGS__))
/* The first column of the first row as an integer in *out; a SQL NULL leaves *out unchanged (so a
 * default may be set before the call). ERR_NOT_FOUND (and *out unchanged) when there is no row. */
#define db_one_int(db, out, sql, ...) db_one_int_a((db), (out), (sql), DB_BINDS_(__VA_ARGS__))
/* The first column of the first row as text copied into arena a (NULL for SQL NULL). ERR_NOT_FOUND
 * (and *out unchanged) when there is no row. */
#define db_one_text(db, a, out, sql, ...) db_one_text_a((db), (a), (out), (sql), DB_BINDS_(__VA_ARGS__))
/* Prepares sql and binds the values, for reading several rows or columns: step it with stmt_step
 * and finish it with stmt_done. NULL when the statement cannot be prepared or the values do not
 * match the placeholders (logged). */
#define db_query(db, sql, ...) db_query_a((db), (sql), DB_BINDS_(__VA_ARGS__))

enum err db_exec_a(struct db *db, const char *sql, const struct db_bind *binds);
/*
 * Between the transactions of a long run of them (outside a transaction): leaves the writers of other
 * connections a gap to take the write lock in, now and then (SQLite: writers take turns only by trying
 * again, and one that commits and begins again at once would shut the others out; PostgreSQL: nothing).
 */
void db_let_writers_in(struct db *db);
/*
 * A write a reader may skip (a session's last activity): outside a transaction on SQLite it runs only
 * when no writer of this process holds the write lock, and without waiting for another connection's
 * (ERR_UNAVAILABLE, nothing done, when either holds it), so a read never queues behind a write
 * transaction; inside a transaction and on PostgreSQL: db_exec.
 */
#define db_exec_unless_busy(db, sql, ...) db_exec_unless_busy_a((db), (sql), DB_BINDS_(__VA_ARGS__))
enum err db_exec_unless_busy_a(struct db *db, const char *sql, const struct db_bind *binds);
/*
 * A write whose outcome nothing after it waits for (a timeline row, an audit record), inside a
 * transaction: on PostgreSQL it is sent ahead (stmt_send) and travels with the next statement run, in
 * the same round trip; the statements after it run after it, so they see it. Its failure is reported by
 * that next statement (the server has aborted the transaction then, 25P02) or by the commit, and the
 * transaction rolls back: never acknowledged. SQLite, and outside a transaction: db_exec. Returns
 * ERR_OK once sent; a bug in the values is reported at once.
 */
#define db_exec_later(db, sql, ...) db_exec_later_a((db), (sql), DB_BINDS_(__VA_ARGS__))
enum err db_exec_later_a(struct db *db, const char *sql, const struct db_bind *binds);
/*
 * A write to a row that concurrent transactions queue on (a shared count) whose outcome nothing in the
 * transaction reads: held (a copy of the SQL and values) until the outermost commit and sent there,
 * after the values taken at the commit, with the other held writes in order and — on PostgreSQL — in
 * the round trip of the COMMIT, so that its row lock lasts that round trip only instead of the rest of
 * the transaction. The transaction's later statements do not see it (on both databases); a rollback
 * drops it. Outside a transaction: db_exec.
 */
#define db_exec_at_commit(db, sql, ...) db_exec_at_commit_a((db), (sql), DB_BINDS_(__VA_ARGS__))
enum err db_exec_at_commit_a(struct db *db, const char *sql, const struct db_bind *binds);
/* internal (store_one.c): holds a write until the outermost commit (false outside a transaction) */
bool db_hold_until_commit(struct db *db, const char *sql, const struct db_bind *b);
/* internal (store_one.c): whether db_exec_later sends ahead; hands a bound write to it */
bool db_sends_later(const struct db *db);
void db_later_push(struct db *db, struct stmt *st);
/* internal (store_one.c, db_late): holds a write whose values contain a pending token (true: held,
 * nothing sent); refuses a reading statement with one (true: a bug, logged) */
bool db_late_hold(struct db *db, const char *sql, const struct db_bind *b);
bool db_late_refused(const struct db *db, const char *sql, const struct db_bind *b);
/* PostgreSQL: takes the row lock of table's row id (SELECT … FOR NO KEY UPDATE) in the open transaction, so
 * that what is read after it cannot be replaced by a concurrent writer (READ COMMITTED). NO KEY: the lock
 * serialises the writers of the object and nothing else; inserts of rows that reference it (its timeline,
 * its tracks: a foreign key's FOR KEY SHARE) do not wait for it, as they would for FOR UPDATE. SQLite's write
 * transaction holds the database already: nothing to do. A missing row is not an error. table is a
 * name from the code, never from input. */
enum err db_lock_row(struct db *db, const char *table, int64_t id);
/* The same, sent ahead (stmt_send) so that it travels with the statements after it, the object's load,
 * in one round trip: they run after it, so they read the row as it is once locked. *out: the lock's
 * statement (NULL on SQLite), finished by db_lock_row_end after them, which returns the lock's outcome
 * (a failed lock fails the statements sent after it too). */
enum err db_lock_row_send(struct db *db, const char *table, int64_t id, struct stmt **out);
enum err db_lock_row_end(struct stmt *st);
/* The same without waiting (FOR NO KEY UPDATE SKIP LOCKED): *locked false when another transaction holds the
 * row, so that a background pass never waits on a row a user's action holds (and never deadlocks with
 * it); true when the lock was taken, the row does not exist, or on SQLite. */
enum err db_try_lock_row(struct db *db, const char *table, int64_t id, bool *locked);
enum err db_one_int_a(struct db *db, int64_t *out, const char *sql, const struct db_bind *binds);
struct arena;
enum err db_one_text_a(struct db *db, struct arena *a, const char **out, const char *sql, const struct db_bind *binds);
struct stmt *db_query_a(struct db *db, const char *sql, const struct db_bind *binds);
/* Binds binds[0..] (up to the DB_BIND_END_ element) to st from parameter 1. */
void stmt_bind_all(struct stmt *st, const struct db_bind *binds);

/*
 * Rows written to one table by multi-row INSERTs, `batch` rows a statement (a card's thousands of lines, a
 * notice to thousands of holders: one statement per row was most of their cost). Fill the first members:
 *   struct db_rows r = {.db = db, .arena = arena, .insert = "INSERT INTO t (a, b) VALUES ", .ncols = 2,
 *                       .batch = 200, .later = false};
 * then db_rows_add each row (ncols values: texts must live until the flush; a full batch is written at once)
 * and db_rows_flush the rest. later: each statement by db_exec_later_a (sent ahead; its failure shows at the
 * next read), else db_exec_a. The values live in the arena. Errors as db_exec.
 */
struct db_rows {
    struct db *db;
    struct arena *arena;
    const char *insert; /* "INSERT INTO t (columns) VALUES " */
    int ncols, batch;
    bool later;
    int n;             /* rows held */
    struct db_bind *v; /* batch rows of ncols values, and the end */
};
enum err db_rows_add(struct db_rows *r, const struct db_bind *row);
enum err db_rows_flush(struct db_rows *r);

/*
 * The schema as the database sees it (for copying a database, `ducha migrate-data`): the tables in
 * an order where each comes after the tables its foreign keys reference (self-references aside).
 */
struct store_table {
    char *name;
    int ncols;
    char **cols;
    int identity; /* index of the auto-increment column, or -1 */
    int self_fk;  /* column that references a row of this same table, or -1 */
    int self_ref; /* the column it references, or -1 */
};
/* Fills *out (free with store_tables_free) and *n; 0 or a negative store code (a cycle among
 * foreign keys: STORE_E_OTHER, logged). schema_migrations is included. */
int store_tables(struct db *db, struct store_table **out, int *n);
void store_tables_free(struct store_table *t, int n);
/* Moves t's identity sequence past its largest value (PostgreSQL after rows were inserted with
 * explicit ids); does nothing where ids need no sequence (SQLite). 0 or a negative store code. */
int db_reset_identity(struct db *db, const struct store_table *t);
/*
 * Bulk loading (`ducha migrate-data`): rows into the named columns of a table, inside the caller's
 * transaction. PostgreSQL: one COPY … FROM STDIN (text format), streamed in 256 KiB messages;
 * SQLite: a prepared INSERT per row. Values are text, NULL for SQL NULL. db_copy_row and
 * db_copy_end return 0 or a negative store code; after a failure only db_copy_end may follow, and
 * it frees the copy whatever happened.
 */
struct db_copy;
struct db_copy *db_copy_begin(struct db *db, const char *table, int ncols, char *const *cols);
int db_copy_row(struct db_copy *cp, const char *const *vals);
int db_copy_end(struct db_copy *cp);

/*
 * Bulk load mode, inside the caller's transaction (PostgreSQL; SQLite: nothing to do, *n = 0): drops
 * every foreign key, primary key, unique constraint and index of the schema's tables and returns in
 * *restore (malloc'd array of malloc'd SQL) what recreates them, keys first, foreign keys last; rows
 * then load without per-row index maintenance and foreign-key triggers, and each index is built once,
 * each foreign key checked by one query. The derived tables (store_table_derived) keep theirs. It also
 * sets the load's transaction up (maintenance_work_mem, work_mem, synchronous_commit off). db_bulk_end
 * runs and frees them (0 or a negative code: a row that breaks a key or a reference fails there, and the
 * transaction with it).
 */
int db_bulk_begin(struct db *db, char ***restore, int *n);
int db_bulk_end(struct db *db, char **restore, int n);
/* The same for the user triggers of every table, the derived tables' included (the ones that keep the
 * ledger's scope rows, lights, counters and search index): off for the load, on again with db_bulk_end.
 * PostgreSQL only; SQLite: nothing. */
int db_bulk_triggers_off(struct db *db, char ***restore, int *n);
/* The same for a fill of the derived tables `tables` (NULL-terminated) on a database nobody reads yet
 * (migrate-data's ledger_fill_part): their rows emptied, every key and index of theirs dropped and built
 * again by db_bulk_end once the rows are in (a sort each instead of one insertion per row into each index),
 * their user triggers off until then; maintenance_work_mem and work_mem as db_bulk_begin's. Nothing reads
 * them by a key during the fill. PostgreSQL only; SQLite: nothing. */
int db_bulk_tables_begin(struct db *db, const char *const *tables, char ***restore, int *n);

/* name as a quoted SQL identifier ("a""b"); malloc'd. */
char *store_quote_ident(const char *name);

#endif
