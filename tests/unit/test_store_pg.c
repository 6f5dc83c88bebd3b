/*
 * Unit tests of the PostgreSQL backend through the store interface: placeholder translation,
 * parameter typing, SQLSTATE mapping, transactions (a failed one is never committed), lock
 * timeouts, reconnection after the server drops a connection, the schema catalog and the shared
 * counters and claims. Starts a throwaway server with scripts/pg.sh (run from the repository root);
 * skipped when PostgreSQL is not installed.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "core/claim.h"
#include "core/counter.h"
#include "store/store.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store_in_ints.h"

static char pgdir[64];
static char url[256];
static bool have_pg;

static int group_setup(void **state)
{
    (void)state;
    snprintf(pgdir, sizeof pgdir, "/tmp/ducha-unit-pg-%d", (int)getpid());
    char cmd[256];
    snprintf(cmd, sizeof cmd, "scripts/pg.sh start %s 2>/dev/null | tail -n 1", pgdir);
    FILE *p = popen(cmd, "r");
    if (p && fgets(url, sizeof url, p) && !strncmp(url, "postgres://", 11)) {
        url[strcspn(url, "\n")] = 0;
        have_pg = true;
    }
    if (p)
        pclose(p);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "scripts/pg.sh destroy %s >/dev/null 2>&1; rm -rf %s", pgdir, pgdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", pgdir);
    return 0;
}

static int setup(void **state)
{
    if (!have_pg)
        return 0;
    /* lock waits end after 300 ms; a COMMIT (5,000 records sealed at once, fsync, a loaded machine) may
     * take longer than that and is not what these tests time */
    struct store_options opt = {.pool_size = 2, .busy_timeout_ms = 300, .commit_timeout_ms = 30000};
    struct store *s;
    char err[256];
    if (store_open(url, &opt, &s, err, sizeof err) || store_migrate(s, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    if (have_pg)
        store_close(*state);
    return 0;
}

#define NEED_PG()                                                                                                      \
    do {                                                                                                               \
        if (!have_pg)                                                                                                  \
            skip();                                                                                                    \
    } while (0)

static void test_kind_and_migrations(void **state)
{
    NEED_PG();
    struct store *s = *state;
    assert_string_equal(store_kind(s), "postgres");
    int v = store_schema_version(s);
    assert_true(v >= 7);
    char err[256];
    assert_int_equal(store_migrate(s, err, sizeof err), ERR_OK);
    assert_int_equal(store_schema_version(s), v);
}

/* The search document's functions, which the ledger's triggers call at every registration, are PL/pgSQL (migration
 * 0045): a SQL function that cannot be inlined is planned again at every call. Their text: test_store_one.c
 * pins the C tokenizer's, tests/api/test_pg_cluster.py compares the two. */
static void test_the_search_functions_keep_their_plans(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    struct stmt *st = db_prepare(db, "SELECT string_agg(p.proname || ' ' || l.lanname, ', ' ORDER BY p.proname) "
                                     "FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                                     "WHERE p.proname IN ('item_search_scope', 'item_search_words')");
    assert_non_null(st);
    assert_int_equal(stmt_step(st), STORE_ROW);
    assert_string_equal(stmt_text(st, 0), "item_search_scope plpgsql, item_search_words plpgsql");
    stmt_done(st);
    store_release(db);
}

static void test_placeholders_outside_quotes_only(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    /* '?' in a string, in a quoted identifier and in comments are not parameters */
    struct stmt *st = db_prepare(db, "SELECT '?''?' || ? AS \"a?\", ? + 1 -- what?\n/* ? */");
    assert_non_null(st);
    stmt_bind_text(st, 1, "x");
    stmt_bind_int(st, 2, 41);
    assert_int_equal(stmt_step(st), STORE_ROW);
    assert_string_equal(stmt_text(st, 0), "?'?x");
    assert_int_equal(stmt_int(st, 1), 42);
    assert_string_equal(stmt_column_name(st, 0), "a?");
    assert_int_equal(stmt_columns(st), 2);
    assert_int_equal(stmt_step(st), STORE_DONE);
    stmt_done(st);
    store_release(db);
}

static void test_is_null_parameters_and_nulls(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    const char *sql = "SELECT COUNT(*) FROM calendar_days WHERE (? IS NULL OR kind = ?) AND (? IS NOT NULL OR 1 = 1)";
    for (int i = 0; i < 2; i++) {
        struct stmt *st = db_prepare(db, sql);
        assert_non_null(st);
        stmt_bind_text(st, 1, i ? "holiday" : NULL);
        stmt_bind_text(st, 2, i ? "holiday" : NULL);
        stmt_bind_int(st, 3, 5);
        int64_t n = -1;
        assert_int_equal(stmt_one_int(st, &n), STORE_ROW);
        assert_true(n > 0);
    }
    struct stmt *st = db_prepare(db, "SELECT NULL::text, 2.5::float8, true");
    assert_int_equal(stmt_step(st), STORE_ROW);
    assert_true(stmt_is_null(st, 0));
    assert_null(stmt_text(st, 0));
    assert_true(stmt_double(st, 1) == 2.5);
    assert_int_equal(stmt_int(st, 2), 1);
    stmt_done(st);
    store_release(db);
}

static void test_sqlstates_map_to_store_codes(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    struct stmt *st = db_prepare(db, "INSERT INTO counters (name, value) VALUES (?, 1)");
    stmt_bind_text(st, 1, "u1");
    assert_int_equal(stmt_step(st), STORE_DONE);
    stmt_done(st);
    st = db_prepare(db, "INSERT INTO counters (name, value) VALUES (?, 1)");
    stmt_bind_text(st, 1, "u1");
    assert_int_equal(stmt_step(st), STORE_E_UNIQUE);
    stmt_done(st);
    st = db_prepare(db, "INSERT INTO user_roles (user_id, role, unit_id) VALUES (?, 'admin', ?)");
    stmt_bind_int(st, 1, 999999);
    stmt_bind_int(st, 2, 999999);
    assert_int_equal(stmt_step(st), STORE_E_FOREIGN); /* 23503 */
    stmt_done(st);
    st = db_prepare(db, "INSERT INTO calendar_days (day, kind) VALUES ('2099-01-01', 'party')");
    assert_int_equal(stmt_step(st), STORE_E_FOREIGN); /* 23514 check */
    stmt_done(st);
    st = db_prepare(db, "INSERT INTO counters (name, value) VALUES ('n', NULL)");
    assert_int_equal(stmt_step(st), STORE_E_FOREIGN); /* 23502 not null */
    stmt_done(st);
    /* prepared when it first runs: the error shows at its first step */
    st = db_prepare(db, "SELECT nonsense FROM nowhere");
    assert_non_null(st);
    assert_int_equal(stmt_step(st), STORE_E_OTHER);
    stmt_done(st);
    assert_int_equal(store_err(STORE_E_UNIQUE), ERR_CONFLICT);
    store_release(db);
}

static int64_t count_settings(struct db *db, const char *key)
{
    struct stmt *st = db_prepare(db, "SELECT COUNT(*) FROM settings WHERE key = ?");
    stmt_bind_text(st, 1, key);
    int64_t n = -1;
    assert_int_equal(stmt_one_int(st, &n), STORE_ROW);
    return n;
}

static void test_failed_transaction_is_never_committed(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO settings (key, value) VALUES ('t1', '1')"), 0);
    /* an error the caller ignores aborts the PostgreSQL transaction: COMMIT must not report success */
    struct stmt *st = db_prepare(db, "INSERT INTO settings (key, value) VALUES ('t1', '2')");
    assert_int_equal(stmt_step(st), STORE_E_UNIQUE);
    stmt_done(st);
    assert_true(db_commit(db) < 0);
    assert_int_equal(count_settings(db, "t1"), 0);
    /* nested: an inner rollback dooms the whole transaction */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO settings (key, value) VALUES ('t2', '1')"), 0);
    assert_int_equal(db_begin(db), 0);
    db_rollback(db);
    assert_true(db_commit(db) < 0);
    assert_int_equal(count_settings(db, "t2"), 0);
    /* and a good one commits */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO settings (key, value) VALUES ('t3', '1')"), 0);
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(count_settings(db, "t3"), 1);
    store_release(db);
}

static void test_lock_wait_times_out_as_busy(void **state)
{
    NEED_PG();
    struct db *a = store_acquire(*state), *b = store_acquire(*state);
    assert_int_equal(db_exec(a, "INSERT INTO counters (name, value) VALUES ('lk', 0)"), 0);
    assert_int_equal(db_begin(a), 0);
    assert_int_equal(db_exec(a, "UPDATE counters SET value = 1 WHERE name = 'lk'"), 0);
    assert_int_equal(db_begin(b), 0);
    struct stmt *st = db_prepare(b, "UPDATE counters SET value = 2 WHERE name = ?");
    stmt_bind_text(st, 1, "lk");
    assert_int_equal(stmt_step(st), STORE_E_BUSY); /* lock_timeout = busy_timeout_ms (300) */
    stmt_done(st);
    db_rollback(b);
    assert_int_equal(db_commit(a), 0);
    store_release(a);
    store_release(b);
}

static void test_reconnects_after_the_server_drops_the_connection(void **state)
{
    NEED_PG();
    struct store *s = *state;
    struct db *a = store_acquire(s), *b = store_acquire(s);
    int64_t pid = 0;
    assert_int_equal(stmt_one_int(db_prepare(a, "SELECT pg_backend_pid()"), &pid), STORE_ROW);
    store_release(a);
    /* the other connection of the pool terminates it (as a server restart would) */
    struct stmt *st = db_prepare(b, "SELECT pg_terminate_backend(CAST(? AS INTEGER))");
    stmt_bind_int(st, 1, pid);
    assert_int_equal(stmt_step(st), STORE_ROW);
    stmt_done(st);
    usleep(200 * 1000);
    struct db *again = store_acquire(s); /* the only idle connection: a's, noticed dead and dropped */
    assert_ptr_equal(again, a);
    assert_false(db_connected(again)); /* it reconnects on first use */
    int64_t pid2 = 0;
    assert_int_equal(stmt_one_int(db_prepare(again, "SELECT pg_backend_pid()"), &pid2), STORE_ROW);
    assert_true(pid2 != pid);
    store_release(again);
    store_release(b);
}

static void test_catalog_orders_tables_by_foreign_keys(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    struct store_table *t = NULL;
    int n = 0;
    assert_int_equal(store_tables(db, &t, &n), 0);
    int units = -1, users = -1, roles = -1;
    for (int i = 0; i < n; i++) {
        if (!strcmp(t[i].name, "units")) {
            units = i;
            assert_int_equal(t[i].identity, 0);
            assert_string_equal(t[i].cols[t[i].self_fk], "parent_id");
            assert_string_equal(t[i].cols[t[i].self_ref], "id");
        } else if (!strcmp(t[i].name, "users")) {
            users = i;
        } else if (!strcmp(t[i].name, "user_roles")) {
            roles = i;
        } else if (!strcmp(t[i].name, "counters")) {
            assert_int_equal(t[i].identity, -1);
        }
    }
    assert_true(units >= 0 && units < users && users < roles);
    for (int i = 0; i < n; i++)
        assert_int_equal(db_reset_identity(db, &t[i]), 0);
    store_tables_free(t, n);
    store_release(db);
}

static void test_counter_and_claim_in_a_transaction(void **state)
{
    NEED_PG();
    struct arena ar = ARENA_INIT;
    struct ctx c = {.arena = &ar, .db = store_acquire(*state)};
    int64_t v = 0;
    bool won = false;
    assert_int_equal(claim_once(&c, "unit.job", &won), ERR_INTERNAL); /* outside a transaction: a bug */
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(counter_next(&c, "unit.c", &v), ERR_OK);
    assert_int_equal(v, 1);
    assert_int_equal(counter_next(&c, "unit.c", &v), ERR_OK);
    assert_int_equal(v, 2);
    db_rollback(c.db); /* a rolled-back transaction gives its numbers back */
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(counter_next(&c, "unit.c", &v), ERR_OK);
    assert_int_equal(v, 1);
    assert_int_equal(claim_once(&c, "unit.job", &won), ERR_OK);
    assert_true(won);
    assert_int_equal(claim_once(&c, "unit.job", &won), ERR_OK);
    assert_false(won);
    assert_int_equal(db_commit(c.db), 0);
    store_release(c.db);
    arena_free(&ar);
}

static void test_audit_verify_pages_through_a_long_chain(void **state)
{
    NEED_PG();
    struct arena ar = ARENA_INIT;
    struct config cfg;
    char err[64];
    conf_defaults(&cfg);
    conf_set(&cfg, "audit_key", "unit-test-audit-key-0123", err, sizeof err);
    conf_set(&cfg, "data_dir", "/nonexistent", err, sizeof err);
    struct ctx c = {.arena = &ar, .db = store_acquire(*state), .cfg = &cfg, .now = 1767225600};
    assert_int_equal(audit_open(&c), ERR_OK);
    struct audit_check chk;
    assert_int_equal(audit_verify(&c, NULL, &chk), ERR_OK);
    int64_t base = chk.records;
    assert_int_equal(db_begin(c.db), 0);
    for (int i = 0; i < 5003; i++) /* more than one page of 5000 */
        assert_int_equal(audit_record(&c, "test.page", "test", i, NULL), ERR_OK);
    assert_int_equal(db_commit(c.db), 0);
    assert_int_equal(audit_seal(&c, 0, NULL), ERR_OK);
    assert_int_equal(audit_verify(&c, NULL, &chk), ERR_OK);
    assert_true(chk.ok);
    assert_int_equal(chk.records, base + 5003);
    /* a record altered in the second page is found and named */
    struct stmt *st = db_prepare(c.db, "UPDATE audit_log SET summary = '{\"x\":1}' WHERE seq = ?");
    stmt_bind_int(st, 1, base + 5002);
    assert_int_equal(stmt_step(st), STORE_DONE);
    stmt_done(st);
    assert_int_equal(audit_verify(&c, NULL, &chk), ERR_OK);
    assert_false(chk.ok);
    assert_int_equal(chk.bad_seq, base + 5002);
    store_release(c.db);
    conf_free(&cfg);
    arena_free(&ar);
}

/*
 * A real deadlock (40P01) inside ctx_tx, provoked in a fixed order: another transaction B holds row
 * dl2; the body takes dl1 and lets B ask for dl1; once the server shows B waiting for that lock, the
 * body asks for dl2. B's session has deadlock_timeout 60 s and does not check in time; the body's
 * check (1 s after it began to wait, when B already waits) finds the cycle, so the body's
 * transaction is the one aborted whatever the machine's speed. ctx_tx rolls it back and runs it
 * again; the second attempt commits. Exactly one audit record, each row changed once by each
 * transaction, the hook set before ctx_tx runs once, the one set inside the failed attempt never,
 * no failure message left behind, and the retry counted.
 */
struct dl_run {
    struct store *body_store, *su; /* the body's pool; B's and the watcher's, as the superuser */
    struct db *b;                  /* B, holding dl2 */
    int64_t b_pid;
    int runs, good_hooks, bad_hooks;
    pthread_t other;
    bool started, seen_waiting;
    atomic_bool other_done;
    int other_rc; /* B's update of dl1 (0 when it went through), then its commit */
};

static void *dl_other(void *arg)
{
    struct dl_run *r = arg;
    r->other_rc = db_exec(r->b, "UPDATE counters SET value = value + 10 WHERE name = 'dl1'");
    if (r->other_rc)
        db_rollback(r->b);
    else
        r->other_rc = db_commit(r->b);
    atomic_store(&r->other_done, true);
    return NULL;
}

/* Until B's connection waits for a row lock (no time limit: the server's state decides). */
static bool dl_wait_for_b(struct dl_run *r)
{
    struct db *w = store_acquire(r->su); /* who waits for what: only the superuser sees B's state */
    int64_t waiting = 0;
    while (!waiting && !atomic_load(&r->other_done)) {
        struct stmt *st = db_prepare(w, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = CAST(? AS INTEGER) "
                                        "AND wait_event_type = 'Lock'");
        stmt_bind_int(st, 1, r->b_pid);
        if (stmt_one_int(st, &waiting) != STORE_ROW)
            break;
        if (!waiting)
            usleep(5 * 1000);
    }
    store_release(w);
    return waiting != 0;
}

static int good_hook(struct db *db, void *arg)
{
    (void)db;
    ((struct dl_run *)arg)->good_hooks++;
    return 0;
}

static int bad_hook(struct db *db, void *arg)
{
    (void)db;
    ((struct dl_run *)arg)->bad_hooks++;
    return 0;
}

static enum err dl_body(struct ctx *c, void *arg)
{
    struct dl_run *r = arg;
    r->runs++;
    enum err e = db_exec(c->db, "UPDATE counters SET value = value + 1 WHERE name = 'dl1'");
    if (e)
        return ctx_db_fail(c, e, "测试");
    if (r->runs == 1) {
        db_on_commit(c->db, bad_hook, r); /* set inside the attempt that will fail */
        r->started = pthread_create(&r->other, NULL, dl_other, r) == 0;
        r->seen_waiting = r->started && dl_wait_for_b(r);
    }
    if ((e = db_exec(c->db, "UPDATE counters SET value = value + 1 WHERE name = 'dl2'")))
        return ctx_db_fail(c, e, "测试");
    return audit_record(c, "test.retry", "test", 1, NULL);
}

static int64_t counter_value(struct db *db, const char *name)
{
    int64_t v = -1;
    assert_int_equal(db_one_int(db, &v, "SELECT value FROM counters WHERE name = ?", DB_TEXT(name)), ERR_OK);
    return v;
}

static void test_ctx_tx_runs_a_deadlocked_transaction_again(void **state)
{
    NEED_PG();
    (void)state;
    struct dl_run r = {0};
    char err[256], su_url[300];
    /* lock waits longer than the deadlock check, so that the check (not the lock timeout) decides */
    struct store_options opt = {.pool_size = 2, .busy_timeout_ms = 30000};
    assert_int_equal(store_open(url, &opt, &r.body_store, err, sizeof err), ERR_OK);
    const char *at = strchr(url, '@');
    snprintf(su_url, sizeof su_url, "postgres://postgres%s", at);
    struct store_options su_opt = {.pool_size = 2, .busy_timeout_ms = 30000};
    assert_int_equal(store_open(su_url, &su_opt, &r.su, err, sizeof err), ERR_OK);

    struct arena ar = ARENA_INIT;
    struct config cfg;
    conf_defaults(&cfg);
    conf_set(&cfg, "audit_key", "unit-test-audit-key-0123", err, sizeof err);
    conf_set(&cfg, "data_dir", "/nonexistent", err, sizeof err);
    struct ctx c = {.arena = &ar, .db = store_acquire(r.body_store), .cfg = &cfg, .now = 1767225600};
    assert_int_equal(audit_open(&c), ERR_OK);
    assert_int_equal(db_exec(c.db, "DELETE FROM counters WHERE name IN ('dl1', 'dl2')"), ERR_OK);
    assert_int_equal(db_exec(c.db, "INSERT INTO counters (name, value) VALUES ('dl1', 0), ('dl2', 0)"), ERR_OK);
    int64_t audits = -1;
    assert_int_equal(db_one_int(c.db, &audits, "SELECT COUNT(*) FROM audit_queue WHERE action = 'test.retry'"), ERR_OK);
    assert_int_equal(audits, 0);
    struct store_stats before, after;
    store_stats(r.body_store, &before);

    r.b = store_acquire(r.su);
    assert_int_equal(db_exec(r.b, "SET deadlock_timeout = '60s'"), ERR_OK);
    assert_int_equal(db_one_int(r.b, &r.b_pid, "SELECT pg_backend_pid()"), ERR_OK);
    assert_int_equal(db_begin(r.b), 0);
    assert_int_equal(db_exec(r.b, "UPDATE counters SET value = value + 10 WHERE name = 'dl2'"), ERR_OK);

    db_on_commit(c.db, good_hook, &r);
    enum err e = ctx_tx(&c, "测试", dl_body, &r);
    assert_true(r.started);
    assert_true(r.seen_waiting);
    pthread_join(r.other, NULL);
    assert_int_equal(r.other_rc, 0);
    assert_int_equal(e, ERR_OK);
    assert_null(c.msg);
    assert_int_equal(r.runs, 2);
    assert_int_equal(r.good_hooks, 1);
    assert_int_equal(r.bad_hooks, 0);
    assert_int_equal(counter_value(c.db, "dl1"), 11);
    assert_int_equal(counter_value(c.db, "dl2"), 11);
    assert_int_equal(db_one_int(c.db, &audits,
                                "SELECT (SELECT COUNT(*) FROM audit_queue WHERE action = 'test.retry') + "
                                "(SELECT COUNT(*) FROM audit_log WHERE action = 'test.retry')"),
                     ERR_OK);
    assert_int_equal(audits, 1);
    store_stats(r.body_store, &after);
    assert_int_equal(after.retries - before.retries, 1);
    assert_int_equal(after.busy - before.busy, 1);
    assert_int_equal(after.commits - before.commits, 1);

    store_release(r.b);
    store_release(c.db);
    store_close(r.su);
    store_close(r.body_store);
    conf_free(&cfg);
    arena_free(&ar);
}

/* Statements sent together (stmt_send) come back in one round trip, each with its own rows, stepped
 * in any order; a failure reaches the statements after it, not those before; the same SQL sent
 * twice gets two statements; db_usage counts statements and round trips. */
/* In a transaction, a statement run while others sent ahead are pending travels with them: a write
 * sent ahead and the next write cost one round trip; a failure of the one sent ahead reaches the one
 * run (the transaction is lost either way). Outside a transaction the sent ones are read first, in a
 * round trip of their own, and the statement run after them is not touched by their failure. */
static void test_a_statement_run_in_a_transaction_travels_with_those_sent(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    const char *ins = "INSERT INTO counters (name, value) VALUES (?, ?)";
    assert_int_equal(db_exec(db, "DELETE FROM counters WHERE name LIKE 'joined-%'"), ERR_OK);
    struct db_usage u0, u1;
    assert_int_equal(db_begin(db), 0);
    db_usage(db, &u0);
    struct stmt *a = db_prepare(db, ins);
    stmt_bind_text(a, 1, "joined-a");
    stmt_bind_int(a, 2, 1);
    stmt_send(a);
    assert_int_equal(db_exec(db, "UPDATE counters SET value = value + 1 WHERE name = 'joined-a'"), ERR_OK);
    assert_int_equal(stmt_step(a), STORE_DONE);
    stmt_done(a);
    db_usage(db, &u1);
    assert_int_equal(u1.statements - u0.statements, 2);
    assert_int_equal(u1.round_trips - u0.round_trips, 1);
    assert_int_equal(db_commit(db), 0);
    int64_t v = 0;
    assert_int_equal(db_one_int(db, &v, "SELECT value FROM counters WHERE name = 'joined-a'"), ERR_OK);
    assert_int_equal(v, 2); /* the update ran after the insert it travelled with */

    /* the one sent ahead fails: the one run reports it, nothing is kept */
    assert_int_equal(db_begin(db), 0);
    struct stmt *bad = db_prepare(db, "SELECT 1 / ?");
    stmt_bind_int(bad, 1, 0);
    stmt_send(bad);
    assert_int_not_equal(db_exec(db, "INSERT INTO counters (name, value) VALUES ('joined-b', 1)"), ERR_OK);
    assert_int_equal(stmt_step(bad), STORE_E_OTHER);
    stmt_done(bad);
    db_rollback(db);
    assert_int_equal(db_one_int(db, &v, "SELECT COUNT(*) FROM counters WHERE name = 'joined-b'"), ERR_OK);
    assert_int_equal(v, 0);

    /* outside a transaction: the sent one first (its failure its own), then the write, which commits */
    db_usage(db, &u0);
    bad = db_prepare(db, "SELECT 1 / ?");
    stmt_bind_int(bad, 1, 0);
    stmt_send(bad);
    assert_int_equal(db_exec(db, "INSERT INTO counters (name, value) VALUES ('joined-c', 1)"), ERR_OK);
    assert_int_equal(stmt_step(bad), STORE_E_OTHER);
    stmt_done(bad);
    db_usage(db, &u1);
    assert_int_equal(u1.round_trips - u0.round_trips, 2);
    assert_int_equal(db_one_int(db, &v, "SELECT COUNT(*) FROM counters WHERE name = 'joined-c'"), ERR_OK);
    assert_int_equal(v, 1);
    store_release(db);
}

static void test_sent_statements_share_one_round_trip(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    const char *a_sql = "SELECT ? + 1", *b_sql = "SELECT g FROM generate_series(1, ?) g ORDER BY g";
    /* prepared once (a prepare is a round trip of its own, the first time on a connection) */
    for (int i = 0; i < 2; i++) {
        struct stmt *st = db_prepare(db, i ? b_sql : a_sql);
        stmt_bind_int(st, 1, 1);
        assert_int_equal(stmt_step(st), STORE_ROW);
        stmt_done(st);
    }
    struct db_usage u0, u1;
    db_usage(db, &u0);
    struct stmt *a = db_prepare(db, a_sql), *b = db_prepare(db, b_sql);
    stmt_bind_int(a, 1, 41);
    stmt_send(a);
    stmt_bind_int(b, 1, 3);
    stmt_send(b);
    /* b first: both arrive together */
    for (int k = 1; k <= 3; k++) {
        assert_int_equal(stmt_step(b), STORE_ROW);
        assert_int_equal(stmt_int(b, 0), k);
    }
    assert_int_equal(stmt_step(b), STORE_DONE);
    assert_int_equal(stmt_step(a), STORE_ROW);
    assert_int_equal(stmt_int(a, 0), 42);
    db_usage(db, &u1);
    assert_int_equal(u1.statements - u0.statements, 2);
    assert_int_equal(u1.round_trips - u0.round_trips, 1);
    stmt_done(b);
    /* a is in use: the same SQL again gets a statement of its own */
    struct stmt *a2 = db_prepare(db, a_sql);
    assert_ptr_not_equal(a, a2);
    stmt_bind_int(a2, 1, 99);
    stmt_send(a2);
    assert_int_equal(stmt_step(a2), STORE_ROW);
    assert_int_equal(stmt_int(a2, 0), 100);
    assert_int_equal(stmt_int(a, 0), 42);
    stmt_done(a2);
    stmt_done(a);
    assert_ptr_equal(db_prepare(db, a_sql), a); /* done: the cached one again */
    stmt_done(a);

    /* a failing statement in the middle: the one before answers, the ones after report the failure */
    struct stmt *ok = db_prepare(db, a_sql), *bad = db_prepare(db, "SELECT 1 / ?"), *after = db_prepare(db, b_sql);
    stmt_bind_int(ok, 1, 1);
    stmt_send(ok);
    stmt_bind_int(bad, 1, 0);
    stmt_send(bad);
    stmt_bind_int(after, 1, 2);
    stmt_send(after);
    assert_int_equal(stmt_step(ok), STORE_ROW);
    assert_int_equal(stmt_int(ok, 0), 2);
    assert_int_equal(stmt_step(bad), STORE_E_OTHER);
    assert_int_equal(stmt_step(after), STORE_E_OTHER);
    stmt_done(ok);
    stmt_done(bad);
    stmt_done(after);
    /* the connection is fine afterwards, in and out of transactions; a sent statement left unread
     * is read before the next one runs */
    assert_int_equal(db_begin(db), 0);
    struct stmt *in = db_prepare(db, a_sql);
    stmt_bind_int(in, 1, 6);
    stmt_send(in);
    assert_int_equal(db_exec(db, "INSERT INTO counters (name, value) VALUES ('pipelined', 1)"), ERR_OK);
    assert_int_equal(stmt_step(in), STORE_ROW);
    assert_int_equal(stmt_int(in, 0), 7);
    stmt_done(in);
    assert_int_equal(db_commit(db), 0);
    int64_t v = 0;
    assert_int_equal(db_one_int(db, &v, "SELECT value FROM counters WHERE name = 'pipelined'"), ERR_OK);
    assert_int_equal(v, 1);
    store_release(db);
}

/* A connection that has not seen a page's statements yet answers it in as many round trips as one
 * that has: a statement's Parse travels with its execution, sent together with the others
 * (stmt_send) or alone (stmt_step); a statement whose Parse fails reports it, the ones sent after it
 * report the failure, and the connection goes on (the failed one is prepared again when it is
 * fixed, i.e. never named on the server). */
static void test_first_use_costs_no_extra_round_trip(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    struct db_usage u0, u1;
    db_usage(db, &u0);
    struct stmt *a = db_prepare(db, "SELECT ? * 2 AS first_use_a"), *b = db_prepare(db, "SELECT ? * 3 AS first_use_b");
    stmt_bind_int(a, 1, 2);
    stmt_send(a);
    stmt_bind_int(b, 1, 2);
    stmt_send(b);
    assert_int_equal(stmt_step(a), STORE_ROW);
    assert_int_equal(stmt_int(a, 0), 4);
    assert_int_equal(stmt_step(b), STORE_ROW);
    assert_int_equal(stmt_int(b, 0), 6);
    db_usage(db, &u1);
    assert_int_equal(u1.round_trips - u0.round_trips, 1);
    stmt_done(a);
    stmt_done(b);
    /* again: prepared now, still one round trip */
    db_usage(db, &u0);
    stmt_bind_int(a, 1, 5);
    stmt_send(a);
    stmt_bind_int(b, 1, 5);
    stmt_send(b);
    assert_int_equal(stmt_step(b), STORE_ROW);
    assert_int_equal(stmt_int(b, 0), 15);
    assert_int_equal(stmt_step(a), STORE_ROW);
    assert_int_equal(stmt_int(a, 0), 10);
    db_usage(db, &u1);
    assert_int_equal(u1.round_trips - u0.round_trips, 1);
    stmt_done(a);
    stmt_done(b);
    /* alone: one round trip the first time too */
    db_usage(db, &u0);
    struct stmt *c = db_prepare(db, "SELECT ? * 4 AS first_use_c");
    stmt_bind_int(c, 1, 3);
    assert_int_equal(stmt_step(c), STORE_ROW);
    assert_int_equal(stmt_int(c, 0), 12);
    db_usage(db, &u1);
    assert_int_equal(u1.round_trips - u0.round_trips, 1);
    stmt_done(c);
    /* a Parse that fails in a batch: the one before answers, it and the one after report it */
    struct stmt *ok = db_prepare(db, "SELECT ? + 7 AS first_use_ok"),
                *bad = db_prepare(db, "SELECT nothing FROM nowhere_at_all"),
                *after = db_prepare(db, "SELECT ? + 8 AS first_use_after");
    stmt_bind_int(ok, 1, 1);
    stmt_send(ok);
    stmt_send(bad);
    stmt_bind_int(after, 1, 1);
    stmt_send(after);
    assert_int_equal(stmt_step(ok), STORE_ROW);
    assert_int_equal(stmt_int(ok, 0), 8);
    assert_int_equal(stmt_step(bad), STORE_E_OTHER);
    assert_int_equal(stmt_step(after), STORE_E_OTHER);
    stmt_done(ok);
    stmt_done(bad);
    stmt_done(after);
    /* the one after was never prepared: it is now, and runs */
    after = db_prepare(db, "SELECT ? + 8 AS first_use_after");
    stmt_bind_int(after, 1, 2);
    assert_int_equal(stmt_step(after), STORE_ROW);
    assert_int_equal(stmt_int(after, 0), 10);
    stmt_done(after);
    /* and in a transaction */
    assert_int_equal(db_begin(db), 0);
    struct stmt *in = db_prepare(db, "SELECT ? + 9 AS first_use_in");
    stmt_bind_int(in, 1, 1);
    stmt_send(in);
    assert_int_equal(db_exec(db, "INSERT INTO counters (name, value) VALUES ('first_use', 1)"), ERR_OK);
    assert_int_equal(stmt_step(in), STORE_ROW);
    assert_int_equal(stmt_int(in, 0), 10);
    stmt_done(in);
    assert_int_equal(db_commit(db), 0);
    store_release(db);
}

/* BEGIN travels with the transaction's first statement: a transaction of one write costs two round
 * trips (the write with its BEGIN, the COMMIT), one that ran nothing costs none, and what it wrote is
 * its own until COMMIT (another connection does not see it; a rollback takes it back). */
static void test_begin_travels_with_the_first_statement(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state), *other = store_acquire(*state);
    assert_int_equal(db_exec(db, "DELETE FROM counters WHERE name LIKE 'begin-%'"), ERR_OK);
    struct db_usage u0, u1;
    db_usage(db, &u0);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_commit(db), 0);
    db_usage(db, &u1);
    assert_int_equal(u1.round_trips - u0.round_trips, 0);

    db_usage(db, &u0);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO counters (name, value) VALUES ('begin-a', 1)"), ERR_OK);
    db_usage(db, &u1);
    assert_int_equal(u1.round_trips - u0.round_trips, 1);
    int64_t n = -1;
    assert_int_equal(db_one_int(other, &n, "SELECT COUNT(*) FROM counters WHERE name = 'begin-a'"), ERR_OK);
    assert_int_equal(n, 0); /* inside a transaction: not visible outside before COMMIT */
    assert_int_equal(db_commit(db), 0);
    db_usage(db, &u1);
    assert_int_equal(u1.round_trips - u0.round_trips, 2);
    assert_int_equal(db_one_int(other, &n, "SELECT COUNT(*) FROM counters WHERE name = 'begin-a'"), ERR_OK);
    assert_int_equal(n, 1);

    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO counters (name, value) VALUES ('begin-b', 1)"), ERR_OK);
    db_rollback(db);
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM counters WHERE name = 'begin-b'"), ERR_OK);
    assert_int_equal(n, 0);
    /* a statement sent first carries the BEGIN too */
    assert_int_equal(db_begin(db), 0);
    struct stmt *st = db_query(db, "INSERT INTO counters (name, value) VALUES ('begin-c', 1) RETURNING value");
    stmt_send(st);
    assert_int_equal(stmt_step(st), STORE_ROW);
    stmt_done(st);
    db_rollback(db);
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM counters WHERE name = 'begin-c'"), ERR_OK);
    assert_int_equal(n, 0);
    store_release(other);
    store_release(db);
}

/* db_exec_later: writes sent ahead travel with the next statement (one round trip), which sees them;
 * a failure among them reaches that statement or the commit, and nothing of the transaction is kept. */
static void test_writes_sent_later_travel_with_the_next_statement(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    assert_int_equal(db_exec(db, "DELETE FROM counters WHERE name LIKE 'later-%'"), ERR_OK);
    struct db_usage u0, u1;
    db_usage(db, &u0);
    assert_int_equal(db_begin(db), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(db_exec_later(db, "INSERT INTO counters (name, value) VALUES (?, ?)",
                                       DB_TEXT(i ? (i == 1 ? "later-b" : "later-c") : "later-a"), DB_INT(i)),
                         ERR_OK);
    db_usage(db, &u1);
    assert_int_equal(u1.round_trips - u0.round_trips, 0);
    int64_t n = -1;
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM counters WHERE name LIKE 'later-%'"), ERR_OK);
    assert_int_equal(n, 3);
    db_usage(db, &u1);
    assert_int_equal(u1.round_trips - u0.round_trips, 1); /* BEGIN, three inserts and the count */
    assert_int_equal(u1.statements - u0.statements, 5);
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM counters WHERE name LIKE 'later-%'"), ERR_OK);
    assert_int_equal(n, 3);

    /* a failing one (a duplicate): the statement after it reports it, the commit refuses */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec_later(db, "INSERT INTO counters (name, value) VALUES ('later-d', 1)"), ERR_OK);
    assert_int_equal(db_exec_later(db, "INSERT INTO counters (name, value) VALUES ('later-a', 1)"), ERR_OK);
    assert_int_not_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM counters"), ERR_OK);
    assert_true(db_commit(db) < 0);
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM counters WHERE name = 'later-d'"), ERR_OK);
    assert_int_equal(n, 0);
    /* the last before COMMIT: the commit finds it out */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO counters (name, value) VALUES ('later-e', 1)"), ERR_OK);
    assert_int_equal(db_exec_later(db, "INSERT INTO counters (name, value) VALUES ('later-b', 1)"), ERR_OK);
    assert_true(db_commit(db) < 0);
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM counters WHERE name = 'later-e'"), ERR_OK);
    assert_int_equal(n, 0);
    /* and a rollback finishes them */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec_later(db, "INSERT INTO counters (name, value) VALUES ('later-f', 1)"), ERR_OK);
    db_rollback(db);
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM counters WHERE name = 'later-f'"), ERR_OK);
    assert_int_equal(n, 0);
    /* many: a round trip per 64 at most, all kept */
    assert_int_equal(db_begin(db), 0);
    for (int i = 0; i < 200; i++) {
        char name[32];
        snprintf(name, sizeof name, "later-many-%d", i);
        assert_int_equal(
            db_exec_later(db, "INSERT INTO counters (name, value) VALUES (?, ?)", DB_TEXT(name), DB_INT(i)), ERR_OK);
    }
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(db_one_int(db, &n, "SELECT SUM(value) FROM counters WHERE name LIKE 'later-many-%'"), ERR_OK);
    assert_int_equal(n, 199 * 200 / 2);
    store_release(db);
}

/* The COMMIT travels with the writes sent later (one round trip for them and it), a failure raised at
 * COMMIT (a deferred foreign key) is reported as what it is and leaves nothing, and the connection
 * stays usable. */
static void test_the_commit_travels_with_the_writes_sent_later(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    assert_int_equal(db_exec(db, "DROP TABLE IF EXISTS commit_child"), ERR_OK);
    assert_int_equal(db_exec(db, "DROP TABLE IF EXISTS commit_parent"), ERR_OK);
    assert_int_equal(db_exec(db, "CREATE TABLE commit_parent (id integer PRIMARY KEY)"), ERR_OK);
    assert_int_equal(db_exec(db, "CREATE TABLE commit_child (p integer REFERENCES commit_parent (id) "
                                 "DEFERRABLE INITIALLY DEFERRED)"),
                     ERR_OK);
    struct db_usage u0, u1;
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO commit_parent (id) VALUES (1)"), ERR_OK);
    assert_int_equal(db_exec_later(db, "INSERT INTO commit_child (p) VALUES (1)"), ERR_OK);
    assert_int_equal(db_exec_later(db, "INSERT INTO commit_child (p) VALUES (1)"), ERR_OK);
    db_usage(db, &u0);
    assert_int_equal(db_commit(db), 0);
    db_usage(db, &u1);
    assert_int_equal(u1.round_trips - u0.round_trips, 1); /* the two writes and COMMIT */
    assert_int_equal(u1.statements - u0.statements, 3);   /* the writes, counted when finished, and COMMIT */
    int64_t n = -1;
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM commit_child"), ERR_OK);
    assert_int_equal(n, 2);

    /* refused at COMMIT: a child without its parent, checked only then */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO commit_parent (id) VALUES (2)"), ERR_OK);
    assert_int_equal(db_exec_later(db, "INSERT INTO commit_child (p) VALUES (3)"), ERR_OK);
    assert_int_equal(db_commit(db), STORE_E_FOREIGN);
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM commit_parent"), ERR_OK);
    assert_int_equal(n, 1);
    /* a transaction without writes sent later commits on its own, as before */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO commit_child (p) VALUES (3)"), ERR_OK);
    assert_int_equal(db_commit(db), STORE_E_FOREIGN);
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM commit_child"), ERR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(db_exec(db, "DROP TABLE commit_child"), ERR_OK);
    assert_int_equal(db_exec(db, "DROP TABLE commit_parent"), ERR_OK);
    store_release(db);
}

struct lost_run {
    struct store *su;
    int64_t pid;
    int runs;
};

/* The first attempt's connection is terminated after BEGIN, before anything travelled. */
static enum err lost_body(struct ctx *c, void *arg)
{
    struct lost_run *r = arg;
    if (r->runs++ == 0) {
        struct db *b = store_acquire(r->su);
        int64_t ok = 0;
        assert_int_equal(
            db_one_int(b, &ok, "SELECT CAST(pg_terminate_backend(CAST(? AS INTEGER)) AS INTEGER)", DB_INT(r->pid)),
            ERR_OK);
        store_release(b);
        usleep(200 * 1000);
    }
    enum err e = db_exec(c->db, "INSERT INTO counters (name, value) VALUES ('lost-at-begin', 1)");
    return e ? ctx_db_fail(c, e, "测试") : ERR_OK;
}

/* BEGIN travels with the first statement, so a connection lost then is found out there, not at
 * BEGIN: nothing of the transaction ran, and ctx_tx runs it again on a new connection. */
static void test_a_connection_lost_before_anything_ran_is_begun_again(void **state)
{
    NEED_PG();
    struct store *s = *state;
    struct lost_run r = {0};
    char err[256], su_url[300];
    snprintf(su_url, sizeof su_url, "postgres://postgres%s", strchr(url, '@'));
    struct store_options su_opt = {.pool_size = 1, .busy_timeout_ms = 3000};
    assert_int_equal(store_open(su_url, &su_opt, &r.su, err, sizeof err), ERR_OK);
    struct arena ar = ARENA_INIT;
    struct config cfg;
    conf_defaults(&cfg);
    struct ctx c = {.arena = &ar, .db = store_acquire(s), .cfg = &cfg, .now = 1767225600};
    assert_int_equal(db_exec(c.db, "DELETE FROM counters WHERE name = 'lost-at-begin'"), ERR_OK);
    assert_int_equal(db_one_int(c.db, &r.pid, "SELECT pg_backend_pid()"), ERR_OK);
    struct store_stats before, after;
    store_stats(s, &before);
    enum err e = ctx_tx(&c, "测试", lost_body, &r);
    if (e)
        fprintf(stderr, "ctx_tx: %s (runs %d)\n", c.msg ? c.msg : "", r.runs);
    assert_int_equal(e, ERR_OK);
    assert_int_equal(r.runs, 2);
    store_stats(s, &after);
    assert_int_equal(after.retries - before.retries, 1);
    int64_t n = -1, pid = 0;
    assert_int_equal(db_one_int(c.db, &n, "SELECT COUNT(*) FROM counters WHERE name = 'lost-at-begin'"), ERR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(db_one_int(c.db, &pid, "SELECT pg_backend_pid()"), ERR_OK);
    assert_true(pid != r.pid);
    /* lost after a statement has run: not begun again (the caller is told) */
    r.runs = 0;
    r.pid = pid;
    assert_int_equal(db_begin(c.db), 0);
    assert_int_equal(db_exec(c.db, "UPDATE counters SET value = 2 WHERE name = 'lost-at-begin'"), ERR_OK);
    assert_int_not_equal(lost_body(&c, &r), ERR_OK);
    assert_int_equal(db_conflict(c.db), 0);
    db_rollback(c.db);
    store_release(c.db);
    store_close(r.su);
    conf_free(&cfg);
    arena_free(&ar);
}

/* db_sql_in_ints on PostgreSQL: the values travel as one array parameter, so the SQL is the same for any
 * number of them (one prepared statement), and the extremes of a bigint survive the array literal. */
static void test_a_list_of_integers_is_one_array_parameter(void **state)
{
    NEED_PG();
    struct db *db = store_acquire(*state);
    free(check_in_ints(db, 6));
    struct buf one = {0};
    db_sql_in_ints(db, &one, "x", 1);
    assert_string_equal(one.data, "x = ANY(CAST(? AS BIGINT[]))");
    buf_reset(&one);
    db_sql_in_ints(db, &one, "x", 400);
    assert_string_equal(one.data, "x = ANY(CAST(? AS BIGINT[]))");
    buf_free(&one);
    store_release(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kind_and_migrations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sent_statements_share_one_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_use_costs_no_extra_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_placeholders_outside_quotes_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_search_functions_keep_their_plans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_list_of_integers_is_one_array_parameter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_is_null_parameters_and_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlstates_map_to_store_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_transaction_is_never_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_wait_times_out_as_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnects_after_the_server_drops_the_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_orders_tables_by_foreign_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_and_claim_in_a_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_verify_pages_through_a_long_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ctx_tx_runs_a_deadlocked_transaction_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_statement_run_in_a_transaction_travels_with_those_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_begin_travels_with_the_first_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes_sent_later_travel_with_the_next_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_commit_travels_with_the_writes_sent_later, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_connection_lost_before_anything_ran_is_begun_again, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
