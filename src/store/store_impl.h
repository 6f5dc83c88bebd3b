/*
 * store_impl.h: what a backend implements (private to src/store). The generic layer (store.c)
 * owns pooling, the statement cache, transaction nesting and migrations; a backend only talks to
 * its library.
 */
#ifndef DUCHA_STORE_IMPL_H
#define DUCHA_STORE_IMPL_H

#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>

struct stmt_impl;
struct conn_impl;

struct store_ops {
    const char *kind;
    /* opens one connection; err receives a message on failure */
    struct conn_impl *(*connect)(const char *target, const struct store_options *opt, char *err, size_t n);
    void (*disconnect)(struct conn_impl *c);
    /* true if the connection is usable (PostgreSQL: not broken) */
    bool (*alive)(struct conn_impl *c);
    /* runs a script without parameters; 0 or a negative store code */
    int (*exec)(struct conn_impl *c, const char *sql);
    struct stmt_impl *(*prepare)(struct conn_impl *c, const char *sql);
    void (*finalize)(struct stmt_impl *s);
    void (*bind_int)(struct stmt_impl *s, int idx, int64_t v);
    void (*bind_double)(struct stmt_impl *s, int idx, double v);
    void (*bind_text)(struct stmt_impl *s, int idx, const char *v);
    void (*bind_null)(struct stmt_impl *s, int idx);
    int (*step)(struct stmt_impl *s);
    int64_t (*col_int)(struct stmt_impl *s, int col);
    double (*col_double)(struct stmt_impl *s, int col);
    const char *(*col_text)(struct stmt_impl *s, int col);
    bool (*col_null)(struct stmt_impl *s, int col);
    int (*ncols)(struct stmt_impl *s);
    const char *(*col_name)(struct stmt_impl *s, int col);
    void (*reset)(struct stmt_impl *s);
    /* messages this connection has waited for the server to answer since it was opened (NULL: an
     * embedded database, no round trips) */
    uint64_t (*round_trips)(struct conn_impl *c);
    /* transaction conflicts (deadlock, serialization failure, lock timeout) this connection was told
     * of since it was opened, *lock_timeout: whether the last was a lock timeout (NULL: none are
     * told apart, SQLite's writers queue before they begin) */
    uint64_t (*conflicts)(struct conn_impl *c, bool *lock_timeout);
    /* starts executing a bound statement without waiting for its result (stmt_send); NULL: the
     * first step executes it */
    void (*send)(struct stmt_impl *s);
    /* the statement will be finalized after one use (not cached): NULL when it makes no difference */
    void (*once)(struct stmt_impl *s);
    /* sends COMMIT behind the n statements in flight (all sent), to be read with them in one round
     * trip: 0 sent, 1 not (the caller runs COMMIT with exec); NULL: never. commit_result: its outcome,
     * 0 or a negative store code, once those statements' results have been read (or reading them now) */
    int (*commit_send)(struct conn_impl *c, struct stmt_impl *const *pending, int n);
    int (*commit_result)(struct conn_impl *c);
    /* a read snapshot (db_read_begin): begins and ends a transaction that only reads, 0 or a negative store
     * code; writes: whether a statement may change the database (the snapshot is ended before it runs);
     * NULL: the backend has none (PostgreSQL: each statement outside a transaction is its own) */
    int (*read_begin)(struct conn_impl *c);
    int (*read_end)(struct conn_impl *c);
    bool (*writes)(struct stmt_impl *s);
    /* on: writes fail at once (STORE_E_BUSY) instead of waiting for another connection's write lock; off:
     * they wait the busy timeout again. NULL: row locks, nothing to wait for at the start (PostgreSQL) */
    void (*nowait)(struct conn_impl *c, bool on);
    /* optional: between the transactions of a long run of them, leaves other connections' writers a gap to
     * take the write lock in (SQLite: one writer at a time and no queue; PostgreSQL's row locks queue) */
    void (*let_writers_in)(struct conn_impl *c);
    /* a request's statements (db_deadline), on: from now on a statement stepped on c that runs longer than
     * opt->statement_timeout_ms, or once *stop is true, is cut off (its step returns STORE_E_CUT, logged); off:
     * never. NULL: the server's statement_timeout does it (PostgreSQL) */
    void (*deadline)(struct conn_impl *c, bool on, const struct store_options *opt, const atomic_bool *stop);
    /* asks the server to cancel what runs on c; callable from any thread while another uses c. NULL: nothing to
     * ask (SQLite: the progress handler of `deadline` sees the flag) */
    void (*cancel)(struct conn_impl *c);
    /* transaction statements of this dialect */
    const char *begin_sql;
    /* one row, one column: 1 if this session may write, else 0 */
    const char *probe_sql;
    /* expands the migration dialect tokens; returns malloc'd text */
    char *(*dialect)(const char *sql);
    /* copies the database to a file (NULL if the backend has its own tools) */
    enum err (*backup)(struct conn_impl *c, const char *path, void (*progress)(void *, long, long), void *arg,
                       char *err, size_t n);
    /* takes and releases the cross-process migration lock (inside a transaction for PostgreSQL) */
    const char *migrate_lock_sql;
    /* catalog queries for store_tables: the names of the tables; the columns of the table named by
     * the one parameter as (name, 1 if auto-increment else 0) in order; its foreign keys as
     * (referenced table, column, referenced column or NULL for the primary key) */
    const char *tables_sql, *columns_sql, *fkeys_sql;
    /* bulk load (NULL: the generic layer inserts row by row): starts `sql` (a COPY … FROM STDIN),
     * sends bytes of COPY text format, ends it; 0 or a negative store code */
    int (*copy_start)(struct conn_impl *c, const char *sql);
    int (*copy_put)(struct conn_impl *c, const char *data, size_t n);
    int (*copy_finish)(struct conn_impl *c, bool ok);
    /* printf format (column, table: quoted identifiers) of a statement with two parameters (table,
     * column) that moves the identity sequence past the largest value; NULL if not needed */
    const char *reset_identity_fmt;
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* Replaces every occurrence of token in sql by value; returns malloc'd text. */
char *store_replace_all(const char *sql, const char *token, const char *value);

#endif
