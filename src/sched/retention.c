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
#include "core/clock.h"

#include <stdio.h>
#include <string.h>

#define BATCH_ROWS 5000
#define MAX_BATCHES 100
#define LOG_MIN_DAYS 180

/* Runs sql (one DELETE … RETURNING, binding the cutoff: `age` seconds before now) in batches; adds the rows
 * deleted to *n. Now is read in each batch's transaction, not when the pass began: a clock moved meanwhile (the
 * test clock set back) must not make a row written since look `age` old — a session signed in a moment ago. */
static enum err delete_batches(struct ctx *c, const char *what, const char *sql, int64_t age, int64_t *n)
{
    for (int b = 0; b < MAX_BATCHES; b++) {
        int rc = db_begin(c->db);
        if (rc < 0)
            return ctx_store_fail(c, rc, what);
        struct stmt *st = db_prepare(c->db, sql);
        if (!st) {
            db_rollback(c->db);
            return ctx_store_fail(c, STORE_E_OTHER, what);
        }
        stmt_bind_int(st, 1, clock_now(c->db, c->cfg) - age);
        stmt_bind_int(st, 2, BATCH_ROWS);
        int rows = 0;
        while ((rc = stmt_step(st)) == STORE_ROW)
            rows++;
        stmt_done(st);
        if (rc < 0) {
            db_rollback(c->db);
            return ctx_store_fail(c, rc, what);
        }
        if ((rc = db_commit(c->db)) < 0)
            return ctx_store_fail(c, rc, what);
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
        "AND next_attempt < ? AND channel IN ('email', 'sms', 'webhook') ORDER BY next_attempt LIMIT ?) "
        "RETURNING id",
        days * 86400, &out->outbox);
    if (!e)
        e = delete_batches(c, "清理过期会话",
                           "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE last_seen < ? LIMIT ?) "
                           "RETURNING id",
                           c->cfg->session_idle_minutes * 60 + 86400, &out->sessions);
    if (!e)
        e = delete_batches(c, "清理过期幂等键",
                           "DELETE FROM idempotency_keys WHERE (user_id, idem_key) IN (SELECT user_id, idem_key FROM "
                           "idempotency_keys WHERE created_at < ? LIMIT ?) RETURNING user_id",
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
