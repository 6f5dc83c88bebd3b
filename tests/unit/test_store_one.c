/* Unit tests of the store one-liners (store_one.c) on SQLite: binding, results, failures. */
#include "base/arena.h"
#include "base/buf.h"
#include "store/store.h"
#include "store/store_search.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store_in_ints.h"

static char dbpath[64];

static int setup(void **state)
{
    snprintf(dbpath, sizeof dbpath, "/tmp/ducha-unit-one-%d.db", (int)getpid());
    unlink(dbpath);
    struct store_options opt = {.pool_size = 1, .busy_timeout_ms = 2000};
    struct store *s;
    char err[256];
    if (store_open(dbpath, &opt, &s, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    struct db *db = store_acquire(s);
    enum err e = db_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER, x REAL)");
    store_release(db);
    *state = s;
    return e ? -1 : 0;
}

static int teardown(void **state)
{
    store_close(*state);
    char p[80];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    return 0;
}

static void test_exec_binds_each_type_in_order(void **state)
{
    struct db *db = store_acquire(*state);
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name, n, x) VALUES (?, ?, ?, ?)", DB_INT(1), DB_TEXT("一"),
                             DB_INT(7), DB_REAL(2.5)),
                     ERR_OK);
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name, n, x) VALUES (?, ?, ?, ?)", DB_INT(2), DB_TEXT(NULL),
                             DB_INT_IF(false, 9), DB_NULL),
                     ERR_OK);
    struct stmt *st = db_query(db, "SELECT name, n, x FROM t WHERE id = ?", DB_INT(1));
    assert_non_null(st);
    assert_int_equal(stmt_step(st), STORE_ROW);
    assert_string_equal(stmt_text(st, 0), "一");
    assert_int_equal(stmt_int(st, 1), 7);
    assert_true(stmt_double(st, 2) == 2.5);
    stmt_done(st);
    st = db_query(db, "SELECT COUNT(*) FROM t WHERE id = ? AND name IS NULL AND n IS NULL AND x IS NULL", DB_INT(2));
    assert_int_equal(stmt_step(st), STORE_ROW);
    assert_int_equal(stmt_int(st, 0), 1);
    stmt_done(st);
    assert_int_equal(db_exec(db, "DELETE FROM t"), ERR_OK);
    store_release(db);
}

static void test_one_int_row_no_row_and_null(void **state)
{
    struct db *db = store_acquire(*state);
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name, n) VALUES (5, 'a', 42)"), ERR_OK);
    int64_t v = -1;
    assert_int_equal(db_one_int(db, &v, "SELECT n FROM t WHERE name = ?", DB_TEXT("a")), ERR_OK);
    assert_int_equal(v, 42);
    v = -1;
    assert_int_equal(db_one_int(db, &v, "SELECT n FROM t WHERE name = ?", DB_TEXT("zz")), ERR_NOT_FOUND);
    assert_int_equal(v, -1);
    v = 3; /* MAX over no rows is NULL: the default stays */
    assert_int_equal(db_one_int(db, &v, "SELECT MAX(n) FROM t WHERE id > ?", DB_INT(100)), ERR_OK);
    assert_int_equal(v, 3);
    /* the statement was finished: the same SQL runs again with other values */
    assert_int_equal(db_one_int(db, &v, "SELECT n FROM t WHERE name = ?", DB_TEXT("a")), ERR_OK);
    assert_int_equal(v, 42);
    assert_int_equal(db_exec(db, "DELETE FROM t"), ERR_OK);
    store_release(db);
}

static void test_one_text_copies_into_the_arena(void **state)
{
    struct db *db = store_acquire(*state);
    struct arena a = ARENA_INIT;
    assert_int_equal(
        db_exec(db, "INSERT INTO t (id, name) VALUES (?, ?), (?, NULL)", DB_INT(1), DB_TEXT("督查室"), DB_INT(2)),
        ERR_OK);
    const char *s = "unchanged";
    assert_int_equal(db_one_text(db, &a, &s, "SELECT name FROM t WHERE id = ?", DB_INT(1)), ERR_OK);
    assert_string_equal(s, "督查室");
    assert_int_equal(db_one_text(db, &a, &s, "SELECT name FROM t WHERE id = ?", DB_INT(2)), ERR_OK);
    assert_null(s);
    s = "unchanged";
    assert_int_equal(db_one_text(db, &a, &s, "SELECT name FROM t WHERE id = ?", DB_INT(3)), ERR_NOT_FOUND);
    assert_string_equal(s, "unchanged");
    arena_free(&a);
    assert_int_equal(db_exec(db, "DELETE FROM t"), ERR_OK);
    store_release(db);
}

static void test_failures_map_to_errors(void **state)
{
    struct db *db = store_acquire(*state);
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name) VALUES (?, ?)", DB_INT(1), DB_TEXT("x")), ERR_OK);
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name) VALUES (?, ?)", DB_INT(2), DB_TEXT("x")), ERR_CONFLICT);
    assert_int_equal(db_exec(db, "SELECT * FROM no_such_table"), ERR_INTERNAL);
    int64_t n = 0;
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM t"), ERR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(db_exec(db, "DELETE FROM t"), ERR_OK);
    store_release(db);
}

static void test_values_must_match_placeholders(void **state)
{
    struct db *db = store_acquire(*state);
    /* too few and too many values: nothing runs */
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name) VALUES (?, ?)", DB_INT(1)), ERR_INTERNAL);
    assert_int_equal(db_exec(db, "INSERT INTO t (id) VALUES (?)", DB_INT(1), DB_INT(2)), ERR_INTERNAL);
    assert_null(db_query(db, "SELECT id FROM t WHERE id = ?"));
    int64_t n = -1;
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM t"), ERR_OK);
    assert_int_equal(n, 0);
    /* a ? inside a string, a quoted identifier or a comment is no placeholder */
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name) VALUES (?, 'why? it''s ?') -- ?\n", DB_INT(1)), ERR_OK);
    assert_int_equal(
        db_one_int(db, &n, "SELECT \"id\" /* ? */ FROM t WHERE name = 'why? it''s ?' AND id = ?", DB_INT(1)), ERR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(db_exec(db, "DELETE FROM t"), ERR_OK);
    store_release(db);
}

/* A statement in use when its SQL is asked for again: the second use gets one of its own, kept in the cache as a
 * twin and handed out again the next time the two overlap, instead of prepared anew (its address is the proof:
 * under AddressSanitizer, whose quarantine keeps freed memory from being reused at once, a statement finalized
 * and prepared again would have another). Both read their own rows. Past TWINS_MAX (64) uses at once, the rest
 * are prepared for the one use and still work. */
static void test_overlapping_uses_of_one_statement_are_cached_as_twins(void **state)
{
    struct db *db = store_acquire(*state);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(db_exec(db, "INSERT INTO t (id, n) VALUES (?, ?)", DB_INT(i), DB_INT(i * 10)), ERR_OK);
    static const char *const sql = "SELECT n FROM t WHERE id = ?";
    struct stmt *seen[2] = {NULL, NULL};
    for (int round = 0; round < 2; round++) {
        struct stmt *a = db_query(db, sql, DB_INT(1));
        assert_int_equal(stmt_step(a), STORE_ROW);
        struct stmt *b = db_query(db, sql, DB_INT(2));
        assert_ptr_not_equal(a, b);
        assert_int_equal(stmt_step(b), STORE_ROW);
        assert_int_equal(stmt_int(a, 0), 10);
        assert_int_equal(stmt_int(b, 0), 20);
        if (round == 0) {
            seen[0] = a;
            seen[1] = b;
        } else {
            assert_ptr_equal(a, seen[0]);
            assert_ptr_equal(b, seen[1]);
        }
        stmt_done(b);
        stmt_done(a);
    }
    struct stmt *many[70];
    for (int i = 0; i < 70; i++) {
        many[i] = db_query(db, sql, DB_INT(1 + i % 3));
        assert_non_null(many[i]);
        assert_int_equal(stmt_step(many[i]), STORE_ROW);
    }
    for (int i = 0; i < 70; i++) {
        assert_int_equal(stmt_int(many[i], 0), 10 * (1 + i % 3));
        stmt_done(many[i]);
    }
    assert_int_equal(db_exec(db, "DELETE FROM t"), ERR_OK);
    store_release(db);
}

static void test_query_reads_many_rows(void **state)
{
    struct db *db = store_acquire(*state);
    for (int i = 1; i <= 300; i++)
        assert_int_equal(db_exec(db, "INSERT INTO t (id, n) VALUES (?, ?)", DB_INT(i), DB_INT(i % 3)), ERR_OK);
    struct stmt *st = db_query(db, "SELECT id FROM t WHERE n = ? ORDER BY id", DB_INT(0));
    assert_non_null(st);
    int rows = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        rows++;
    stmt_done(st);
    assert_int_equal(rc, STORE_DONE);
    assert_int_equal(rows, 100);
    assert_int_equal(db_exec(db, "DELETE FROM t"), ERR_OK);
    store_release(db);
}

static void test_rows_are_written_a_batch_to_a_statement(void **state)
{
    struct db *db = store_acquire(*state);
    struct arena a = ARENA_INIT;
    struct db_rows r = {.db = db, .arena = &a, .insert = "INSERT INTO t (id, name, n) VALUES ", .ncols = 3, .batch = 2};
    char names[5][16];
    for (int i = 0; i < 5; i++) {
        snprintf(names[i], sizeof names[i], "r%d", i);
        assert_int_equal(db_rows_add(&r, (const struct db_bind[]){DB_INT(i + 1), DB_TEXT(names[i]), DB_INT(i * 10)}),
                         ERR_OK);
        int64_t n = -1;
        assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM t"), ERR_OK);
        assert_int_equal(n, (i + 1) / 2 * 2); /* a full batch is written at once, the rest waits */
        assert_int_equal(r.n, (i + 1) % 2);
    }
    assert_int_equal(db_rows_flush(&r), ERR_OK);
    assert_int_equal(db_rows_flush(&r), ERR_OK); /* nothing held: nothing written */
    int64_t n = 0, sum = 0;
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM t WHERE name = 'r' || (id - 1)"), ERR_OK);
    assert_int_equal(db_one_int(db, &sum, "SELECT SUM(n) FROM t"), ERR_OK);
    assert_int_equal(n, 5);
    assert_int_equal(sum, 100);
    /* a row that breaks a constraint fails its batch's statement */
    assert_int_equal(db_rows_add(&r, (const struct db_bind[]){DB_INT(6), DB_TEXT("r0"), DB_INT(0)}), ERR_OK);
    assert_int_not_equal(db_rows_flush(&r), ERR_OK);
    assert_int_equal(db_exec(db, "DELETE FROM t"), ERR_OK);
    arena_free(&a);
    store_release(db);
}

static void test_real_text_reads_back_the_same_number(void **state)
{
    struct db *db = store_acquire(*state);
    const double xs[] = {0.8059701492537313, 0.1, 2.5, 0.0, -1e-300, 123456789.123456789};
    for (int i = 0; i < 6; i++)
        assert_int_equal(db_exec(db, "INSERT INTO t (id, x) VALUES (?, ?)", DB_INT(i + 1), DB_REAL(xs[i])), ERR_OK);
    struct stmt *st = db_query(db, "SELECT x FROM t ORDER BY id");
    for (int i = 0; i < 6; i++) {
        assert_int_equal(stmt_step(st), STORE_ROW);
        const char *text = stmt_text(st, 0);
        assert_true(strtod(text, NULL) == xs[i]); /* SQLite's own text: 0.805970149253731 */
        assert_true(strlen(text) <= 24);
    }
    stmt_done(st);
    st = db_query(db, "SELECT x, name FROM t WHERE id = 1");
    assert_int_equal(stmt_step(st), STORE_ROW);
    assert_string_equal(stmt_text(st, 0), "0.8059701492537313"); /* the shortest such text */
    assert_null(stmt_text(st, 1));
    stmt_done(st);
    assert_int_equal(db_exec(db, "DELETE FROM t"), ERR_OK);
    store_release(db);
}

/* db_late: a value taken by the commit's first statement; writes naming its token are held and carry
 * the value; a read naming it is refused; a rollback takes no value. */
static int take_seq(struct db *db, void *arg, char **value)
{
    (void)arg;
    int64_t v = 0;
    if (db_one_int(db, &v, "UPDATE t SET n = n + 1 WHERE id = 100 RETURNING n"))
        return STORE_E_OTHER;
    char buf[32];
    snprintf(buf, sizeof buf, "第%d号", (int)v);
    *value = xstrdup(buf);
    return 0;
}

static int late_seen; /* what db_late_call's function saw */
static char late_text[64];

static int see_late(struct db *db, void *arg)
{
    char *s = db_late_subst(db, arg);
    snprintf(late_text, sizeof late_text, "%s", s);
    free(s);
    late_seen++;
    return 0;
}

static void test_a_value_taken_at_the_commit_reaches_the_held_writes(void **state)
{
    struct db *db = store_acquire(*state);
    const char *tok = "\xee\x80\x80k:1\xee\x80\x81";
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name, n) VALUES (100, 'seq', 0)"), ERR_OK);
    /* rolled back: nothing held is written and no value is taken */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_late(db, "k:1", tok, take_seq, NULL), 0);
    assert_string_equal(db_late_token(db, "k:1"), tok);
    assert_null(db_late_token(db, "k:2"));
    assert_int_equal(
        db_exec(db, "INSERT INTO t (id, name) VALUES (101, ?)", DB_TEXT("编号 \xee\x80\x80k:1\xee\x80\x81 已定")),
        ERR_OK);
    db_rollback(db);
    int64_t n = -1;
    assert_int_equal(db_one_int(db, &n, "SELECT n FROM t WHERE id = 100"), ERR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM t WHERE id = 101"), ERR_OK);
    assert_int_equal(n, 0);
    assert_null(db_late_token(db, "k:1"));
    /* committed: the value is taken once, the held write and the call see it, in place of the token */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_late(db, "k:1", tok, take_seq, NULL), 0);
    assert_int_equal(
        db_exec_later(db, "INSERT INTO t (id, name) VALUES (101, ?)", DB_TEXT("编号 \xee\x80\x80k:1\xee\x80\x81 已定")),
        ERR_OK);
    assert_int_equal(db_one_int(db, &n, "SELECT COUNT(*) FROM t WHERE id = 101"), ERR_OK);
    assert_int_equal(n, 0);                                                     /* held until the commit */
    assert_null(db_query(db, "SELECT id FROM t WHERE name = ?", DB_TEXT(tok))); /* a read with it: a bug */
    late_seen = 0;
    db_late_call(db, see_late, "审计：\xee\x80\x80k:1\xee\x80\x81");
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(late_seen, 1);
    assert_string_equal(late_text, "审计：第1号");
    struct arena a = ARENA_INIT;
    const char *name = NULL;
    assert_int_equal(db_one_text(db, &a, &name, "SELECT name FROM t WHERE id = 101"), ERR_OK);
    assert_string_equal(name, "编号 第1号 已定");
    assert_int_equal(db_one_int(db, &n, "SELECT n FROM t WHERE id = 100"), ERR_OK);
    assert_int_equal(n, 1);
    assert_null(db_late_token(db, "k:1"));
    arena_free(&a);
    store_release(db);
}

/* A write held until the commit (db_exec_at_commit): unseen inside the transaction, written in order at the
 * commit, dropped by a rollback; outside a transaction it runs at once. */
static void test_a_write_held_until_the_commit(void **state)
{
    struct db *db = store_acquire(*state);
    int64_t n = -1;
    assert_int_equal(db_exec(db, "INSERT INTO t (id, name, n) VALUES (200, 'count', 0)"), ERR_OK);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec_at_commit(db, "UPDATE t SET n = n + ? WHERE id = 200", DB_INT(2)), ERR_OK);
    assert_int_equal(db_exec_at_commit(db, "UPDATE t SET n = n * ? WHERE id = 200", DB_INT(10)), ERR_OK);
    assert_int_equal(db_one_int(db, &n, "SELECT n FROM t WHERE id = 200"), ERR_OK);
    assert_int_equal(n, 0); /* held */
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(db_one_int(db, &n, "SELECT n FROM t WHERE id = 200"), ERR_OK);
    assert_int_equal(n, 20); /* both, in order */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec_at_commit(db, "UPDATE t SET n = 99 WHERE id = 200"), ERR_OK);
    db_rollback(db);
    assert_int_equal(db_begin(db), 0); /* nothing of it is left for the next transaction either */
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(db_one_int(db, &n, "SELECT n FROM t WHERE id = 200"), ERR_OK);
    assert_int_equal(n, 20);
    assert_int_equal(db_exec_at_commit(db, "UPDATE t SET n = 21 WHERE id = 200"), ERR_OK);
    assert_int_equal(db_one_int(db, &n, "SELECT n FROM t WHERE id = 200"), ERR_OK);
    assert_int_equal(n, 21);
    store_release(db);
}

/* The search document's words in tsvector text, as migration 0050's item_search_words writes them
 * (tests/api/test_pg_cluster.py compares the two on PostgreSQL). */
static void test_search_words_are_the_tsvector_text_of_the_three_fields(void **state)
{
    (void)state;
    struct buf b = {0};
    db_search_words(&b, "古督〔2026〕3号", "ＡＢ 交通", NULL);
    char *got = buf_take(&b);
    assert_string_equal(got, "'古督':1A '督':1A '2026':2A '3':3A '号':4A 'ab':1001B '交通':1002B '通':1002B");
    free(got);
    db_search_words(&b, NULL, NULL, NULL);
    got = buf_take(&b);
    assert_string_equal(got, "");
    free(got);
    /* positions stop at 16383, PostgreSQL's largest */
    struct buf req = {0};
    for (int i = 0; i < 14400; i++)
        buf_puts(&req, "w ");
    db_search_words(&b, NULL, NULL, req.data);
    got = buf_take(&b);
    assert_true(!strncmp(got, "'w':2001C 'w':2002C ", 20));
    size_t n = strlen(got);
    assert_true(n > 42 && !strcmp(got + n - 21, "'w':16383C 'w':16383C"));
    free(got);
    buf_free(&req);
}

/* db_sql_in_ints on SQLite: one parameter per value, bound after the statement's other parameters, the list
 * padded to the next power of two (at least 8) with its last value, so that few statement texts are cached. */
static void test_a_list_of_integers_is_one_parameter_each_padded(void **state)
{
    struct db *db = store_acquire(*state);
    char *sql = check_in_ints(db, 5 + 8);
    assert_non_null(strstr(sql, "x IN (?, ?, ?, ?, ?, ?, ?, ?) ORDER BY"));
    free(sql);
    struct buf b = {0};
    db_sql_in_ints(db, &b, "x", 9);
    assert_string_equal(b.data, "x IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    buf_free(&b);
    store_release(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_binds_each_type_in_order),
        cmocka_unit_test(test_one_int_row_no_row_and_null),
        cmocka_unit_test(test_one_text_copies_into_the_arena),
        cmocka_unit_test(test_failures_map_to_errors),
        cmocka_unit_test(test_values_must_match_placeholders),
        cmocka_unit_test(test_query_reads_many_rows),
        cmocka_unit_test(test_overlapping_uses_of_one_statement_are_cached_as_twins),
        cmocka_unit_test(test_rows_are_written_a_batch_to_a_statement),
        cmocka_unit_test(test_real_text_reads_back_the_same_number),
        cmocka_unit_test(test_a_value_taken_at_the_commit_reaches_the_held_writes),
        cmocka_unit_test(test_a_write_held_until_the_commit),
        cmocka_unit_test(test_search_words_are_the_tsvector_text_of_the_three_fields),
        cmocka_unit_test(test_a_list_of_integers_is_one_parameter_each_padded),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
