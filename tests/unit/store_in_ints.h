/*
 * store_in_ints.h: the check of db_sql_in_ints and stmt_bind_ints that the SQLite (test_store_one.c) and
 * PostgreSQL (test_store_pg.c) unit tests share: a list of five integers (the extremes of a bigint among them)
 * after four other parameters selects exactly the three values it names; returns the SQL it ran, which the
 * caller frees, after checking that the index after the list is next_param.
 */
#ifndef DUCHA_TEST_STORE_IN_INTS_H
#define DUCHA_TEST_STORE_IN_INTS_H

static char *check_in_ints(struct db *db, int next_param)
{
    const int64_t vals[] = {INT64_MIN, -7, 5, INT64_MAX}, want[] = {INT64_MAX, 0, -7, 42, INT64_MIN};
    struct buf sql = {0};
    buf_puts(&sql, "SELECT x FROM (SELECT CAST(? AS BIGINT) AS x UNION ALL SELECT ? UNION ALL SELECT ? UNION ALL "
                   "SELECT ?) v WHERE ");
    db_sql_in_ints(db, &sql, "x", 5);
    buf_puts(&sql, " ORDER BY x");
    struct stmt *st = db_prepare(db, sql.data);
    assert_non_null(st);
    for (int i = 0; i < 4; i++)
        stmt_bind_int(st, i + 1, vals[i]);
    assert_int_equal(stmt_bind_ints(st, 5, want, 5), next_param);
    int64_t got[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(stmt_step(st), STORE_ROW);
        got[i] = stmt_int(st, 0);
    }
    assert_int_equal(stmt_step(st), STORE_DONE);
    stmt_done(st);
    assert_true(got[0] == INT64_MIN && got[1] == -7 && got[2] == INT64_MAX);
    return buf_take(&sql);
}

#endif
