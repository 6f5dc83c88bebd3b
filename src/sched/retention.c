/*
 * retention.c: what the database may forget, once an hour on one node (claim "retention:HOUR").
 *
 * - delivered e-mail and SMS (outbox rows `sent`, and dead letters) after retention_outbox_days;
 *   they are delivery logs, so never before 180 days (等保 2.0 keeps logs at least six months: a
 *   smaller setting is raised to 180). In-app messages (the inbox) are the users' and stay.
 * - sessions a day after they expired (idle longer than session_idle_minutes);
 * - idempotency keys after their 24 hours.
 * On PostgreSQL it also creates the coming months' partitions of item_events, outbox and audit_log.
 * The audit log is never deleted here. Each batch (at most 5,000 rows) is its own transaction, so
 * retention never holds locks for long; a pass stops after 100 batches per kind and goes on in the
 * next hour.
 */
#include "sched/sched.h"

#include "base/log.h"
#include "base/timeu.h"
#include "core/claim.h"

#include <stdio.h>
#include <string.h>

#define BATCH_ROWS 5000
#define MAX_BATCHES 100
#define LOG_MIN_DAYS 180

/*
 * Runs sql (one DELETE … RETURNING whose `%s` is "now" and whose two parameters are that now and the
 * batch size) in batches, deleting rows older than now - age; adds the rows deleted to *n.
 *
 * Under the test clock "now" is the wall clock plus the offset as the DELETE itself reads it, not the
 * pass's c->now: a pass that began before the clock was set back (tests move it months back) would
 * otherwise delete what was written with the new clock meanwhile, e.g. the session a test has just
 * signed in with (seen as 401 登录已失效 right after a clock change). The statement's own snapshot
 * holds the offset under which every row it can see was written.
 */
static enum err delete_batches(struct ctx *c, const char *what, const char *sql_fmt, int64_t age, int64_t *n)
{
    const char *now_sql = c->cfg->test_clock ? "(? + COALESCE((SELECT CAST(value AS INTEGER) FROM settings "
                                               "WHERE key = 'test_clock_offset'), 0))"
                                             : "?";
    const char *sql = arena_printf(c->arena, sql_fmt, now_sql);
    int64_t now = c->cfg->test_clock ? time_now() : c->now;
    for (int b = 0; b < MAX_BATCHES; b++) {
        int rc = db_begin(c->db);
        if (rc < 0)
            return ctx_store_fail(c, rc, what);
        struct stmt *st = db_prepare(c->db, sql);
        if (!st) {
            db_rollback(c->db);
            return ctx_store_fail(c, STORE_E_OTHER, what);
        }
        stmt_bind_int(st, 1, now - age);
        stmt_bind_int(st, 2, BATCH_ROWS);
        int rows = 0;
        while ((rc = stmt_step(st)) == STORE_ROW)
            rows++;
        stmt_done(st);
        enum err e = ctx_end_tx(c, rc, what);
        if (e)
            return e;
        *n += rows;
        if (rows < BATCH_ROWS)
            break;
    }
    return ERR_OK;
}

enum err retention_pass(struct ctx *c, struct retention_stats *out)
{
    *out = (struct retention_stats){0};
    /* once an hour, on one node */
    char key[64], hour[21];
    time_format_iso(c->now - c->now % 3600, hour);
    snprintf(key, sizeof key, "retention:%.13s", hour);
    bool won = false;
    int rc = db_begin(c->db);
    if (rc < 0)
        return ctx_store_fail(c, rc, "清理过期数据");
    enum err e = claim_once(c, key, &won);
    if (e) {
        db_rollback(c->db);
        return e;
    }
    if ((rc = db_commit(c->db)) < 0)
        return ctx_store_fail(c, rc, "清理过期数据");
    if (!won)
        return ERR_OK;
    out->ran = true;
    int64_t days = c->cfg->retention_outbox_days < LOG_MIN_DAYS ? LOG_MIN_DAYS : c->cfg->retention_outbox_days;
    e = delete_batches(
        c, "清理已投递的通知",
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state IN ('sent', 'dead', 'cancelled') "
        "AND next_attempt < %s AND channel IN ('email', 'sms', 'webhook') ORDER BY next_attempt LIMIT ?) "
        "RETURNING id",
        days * 86400, &out->outbox);
    if (!e)
        e = delete_batches(c, "清理过期会话",
                           "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE last_seen < %s LIMIT ?) "
                           "RETURNING id",
                           c->cfg->session_idle_minutes * 60 + 86400, &out->sessions);
    if (!e)
        e = delete_batches(c, "清理过期幂等键",
                           "DELETE FROM idempotency_keys WHERE (user_id, idem_key) IN (SELECT user_id, idem_key FROM "
                           "idempotency_keys WHERE created_at < %s LIMIT ?) RETURNING user_id",
                           86400, &out->idempotency_keys);
    /* PostgreSQL: the coming months' partitions of item_events, outbox (migration 0042) and audit_log (0043) */
    if (!e && !strcmp(db_kind(c->db), "postgres")) {
        struct stmt *st = db_prepare(c->db, "SELECT ducha_partitions_ahead(2)");
        if (st && stmt_step(st) == STORE_ROW)
            out->partitions = (int)stmt_int(st, 0);
        stmt_done(st);
    }
    if (!e && (out->outbox || out->sessions || out->idempotency_keys))
        log_info("retention: deleted %lld delivered notifications (older than %lld days), %lld expired sessions, "
                 "%lld idempotency keys",
                 (long long)out->outbox, (long long)days, (long long)out->sessions, (long long)out->idempotency_keys);
    return e;
}
