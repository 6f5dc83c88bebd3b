/* webhook_queue.c: deliveries as rows of the notification queue (outbox, channel "webhook"): queued
 * inside the publisher's transaction, listed and resent by administrators, and sent by the webhook
 * channel (webhook_send.c) with the endpoint's secret. A row: address = the endpoint's id, kind =
 * the event, subject = the event id, body = the JSON sent verbatim, urgent (no office-hours window). */
#include "audit/audit.h"
#include "base/log.h"
#include "base/timeu.h"
#include "core/claim.h"
#include "core/clock.h"
#include "core/perm.h"
#include "webhooks/webhook_send.h"
#include "webhooks/webhooks.h"
#include "webhooks/webhooks_internal.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

enum err wh_queue_one(struct ctx *c, int64_t webhook_id, const char *event, const char *object_type, int64_t object_id,
                      json_t *body, int64_t *delivery_id)
{
    char at[21];
    time_format_iso(c->now, at);
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text)
        die_oom();
#define QUEUE_SQL                                                                                                      \
    "INSERT INTO outbox (user_id, channel, kind, urgent, subject, body, address, object_type, object_id, state, "      \
    "next_attempt, created_at) VALUES (NULL, 'webhook', ?, 1, ?, ?, ?, ?, ?, 'pending', ?, ?)"
#define QUEUE_VALUES                                                                                                   \
    DB_TEXT(event), DB_TEXT(json_string_value(json_object_get(body, "id"))), DB_TEXT(text),                            \
        DB_TEXT(arena_printf(c->arena, "%" PRId64, webhook_id)), DB_TEXT(object_type), DB_INT(object_id),              \
        DB_INT(c->now), DB_TEXT(at)
    /* the row's id only when asked for; else it is sent later (it may name a number taken at the commit) */
    enum err e = delivery_id ? db_one_int(c->db, delivery_id, QUEUE_SQL " RETURNING id", QUEUE_VALUES)
                             : db_exec_later(c->db, QUEUE_SQL, QUEUE_VALUES);
#undef QUEUE_SQL
#undef QUEUE_VALUES
    free(text);
    return e ? ctx_db_fail(c, e, "推送事件") : ERR_OK;
}

enum err wh_queue(struct ctx *c, int64_t webhook_id, const char *event, const char *object_type, int64_t object_id,
                  json_t *body)
{
    return wh_queue_one(c, webhook_id, event, object_type, object_id, body, NULL);
}

#define DELIVERY_COLS                                                                                                  \
    "id, address, kind, subject, object_type, object_id, state, attempts, created_at, sent_at, next_attempt, "         \
    "last_error"

static json_t *delivery_json(struct stmt *st)
{
    const char *state = stmt_text(st, 6);
    char next[21];
    time_format_iso(stmt_int(st, 10), next);
    bool waiting = !strcmp(state, "pending") || !strcmp(state, "sending");
    return json_pack("{sI sI ss ss ss sI ss sI ss so so ss}", "id", (json_int_t)stmt_int(st, 0), "webhook_id",
                     (json_int_t)strtoll(stmt_text(st, 1), NULL, 10), "event", stmt_text(st, 2), "event_id",
                     stmt_text(st, 3), "object_type", stmt_text(st, 4), "object_id", (json_int_t)stmt_int(st, 5),
                     "state", state, "attempts", (json_int_t)stmt_int(st, 7), "created_at", stmt_text(st, 8), "sent_at",
                     stmt_is_null(st, 9) ? json_null() : json_string(stmt_text(st, 9)), "next_attempt",
                     waiting ? json_string(next) : json_null(), "last_error", stmt_text(st, 11));
}

enum err wh_delivery_get(struct ctx *c, int64_t delivery_id, json_t **out)
{
    struct stmt *st = db_query(c->db, "SELECT " DELIVERY_COLS " FROM outbox WHERE id = ? AND channel = 'webhook'",
                               DB_INT(delivery_id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取推送记录");
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        *out = delivery_json(st);
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "推送记录不存在");
    return rc == STORE_ROW ? ERR_OK : ctx_store_fail(c, rc, "读取推送记录");
}

/* The endpoint must be one the caller administers (404/403 as for the endpoint itself). */
static enum err endpoint_check(struct ctx *c, int64_t webhook_id)
{
    json_t *w = NULL;
    enum err e = webhooks_get(c, webhook_id, &w);
    json_decref(w);
    return e;
}

enum err webhooks_deliveries(struct ctx *c, int64_t id, const char *state, int64_t before, int limit, json_t **out)
{
    if (state && strcmp(state, "pending") && strcmp(state, "sending") && strcmp(state, "sent") &&
        strcmp(state, "dead") && strcmp(state, "cancelled"))
        return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“state”必须是 pending、sending、sent、dead 或 cancelled");
    enum err e = endpoint_check(c, id);
    if (e)
        return e;
    struct stmt *st = db_query(c->db,
                               "SELECT " DELIVERY_COLS " FROM outbox WHERE channel = 'webhook' AND address = ? AND "
                               "(? IS NULL OR state = ?) AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
                               DB_TEXT(arena_printf(c->arena, "%" PRId64, id)), DB_TEXT(state), DB_TEXT(state),
                               DB_INT(before), DB_INT(before), DB_INT(limit));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取推送记录");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr, delivery_json(st));
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取推送记录");
    }
    *out = json_pack("{so}", "deliveries", arr);
    return ERR_OK;
}

void wh_add_stats(struct ctx *c, int64_t webhook_id, json_t *o)
{
    json_t *counts = json_pack("{si si si si si}", "pending", 0, "sending", 0, "sent", 0, "dead", 0, "cancelled", 0);
    const char *addr = arena_printf(c->arena, "%" PRId64, webhook_id);
    struct stmt *st = db_query(c->db,
                               "SELECT state, COUNT(*) FROM outbox WHERE channel = 'webhook' AND address = ? "
                               "GROUP BY state",
                               DB_TEXT(addr));
    while (st && stmt_step(st) == STORE_ROW)
        json_object_set_new(counts, stmt_text(st, 0), json_integer(stmt_int(st, 1)));
    stmt_done(st);
    json_t *last = json_null();
    st = db_query(c->db,
                  "SELECT " DELIVERY_COLS " FROM outbox WHERE channel = 'webhook' AND address = ? ORDER BY id DESC "
                  "LIMIT 1",
                  DB_TEXT(addr));
    if (st && stmt_step(st) == STORE_ROW)
        last = delivery_json(st);
    stmt_done(st);
    json_object_set_new(o, "deliveries", counts);
    json_object_set_new(o, "last_delivery", last);
}

enum err wh_cancel_pending(struct ctx *c, int64_t webhook_id)
{
    enum err e = db_exec(c->db,
                         "UPDATE outbox SET state = 'cancelled', last_error = '接收地址已删除' WHERE channel = "
                         "'webhook' AND address = ? AND state IN ('pending', 'sending')",
                         DB_TEXT(arena_printf(c->arena, "%" PRId64, webhook_id)));
    return e ? ctx_db_fail(c, e, "取消推送") : ERR_OK;
}

struct redeliver_args {
    int64_t webhook_id, delivery_id;
};

static enum err redeliver_tx(struct ctx *c, void *arg)
{
    struct redeliver_args *a = arg;
    const char *state = NULL;
    enum err e = db_one_text(c->db, c->arena, &state,
                             "SELECT state FROM outbox WHERE id = ? AND channel = 'webhook' AND address = ?",
                             DB_INT(a->delivery_id), DB_TEXT(arena_printf(c->arena, "%" PRId64, a->webhook_id)));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_NOT_FOUND, "推送记录不存在");
    if (e)
        return ctx_db_fail(c, e, "重发推送");
    if (!strcmp(state, "pending") || !strcmp(state, "sending"))
        return ctx_fail(c, ERR_CONFLICT, "该推送正在排队或发送中（%s），无需重发", state);
    if (!strcmp(state, "cancelled"))
        return ctx_fail(c, ERR_CONFLICT, "该推送已取消（接收地址已删除），不能重发");
    e = db_exec(c->db,
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt = ?, sent_at = NULL, last_error = '' "
                "WHERE id = ?",
                DB_INT(c->now), DB_INT(a->delivery_id));
    if (e)
        return ctx_db_fail(c, e, "重发推送");
    json_t *sum = json_pack("{sI ss}", "delivery_id", (json_int_t)a->delivery_id, "state_before", state);
    e = audit_record(c, "webhook.redeliver", "webhook", a->webhook_id, sum);
    json_decref(sum);
    return e;
}

enum err webhooks_redeliver(struct ctx *c, int64_t id, int64_t delivery_id, json_t **out)
{
    struct redeliver_args a = {id, delivery_id};
    enum err e = endpoint_check(c, id);
    if (!e)
        e = ctx_tx(c, "重发推送", redeliver_tx, &a);
    return e ? e : wh_delivery_get(c, delivery_id, out);
}

/* ---- sending ---- */

/* Sends one claimed row with the endpoint's current URL and secret. True when the receiver took it
 * (2xx); otherwise false with the reason in err. */
static bool wh_send_row(struct ctx *c, int64_t delivery_id, const char *address, const char *event,
                        const char *event_id, const char *body, char *err, size_t errlen)
{
    const char *url = NULL, *sealed = NULL;
    int64_t active = 0, deleted = 1;
    struct stmt *st = db_query(c->db, "SELECT url, secret, active, deleted FROM webhooks WHERE id = ?",
                               DB_INT(strtoll(address, NULL, 10)));
    if (st && stmt_step(st) == STORE_ROW) {
        url = arena_strdup(c->arena, stmt_text(st, 0));
        sealed = arena_strdup(c->arena, stmt_text(st, 1));
        active = stmt_int(st, 2);
        deleted = stmt_int(st, 3);
    }
    stmt_done(st);
    if (!url || deleted) {
        snprintf(err, errlen, "接收地址已删除");
        return false;
    }
    if (!active) {
        snprintf(err, errlen, "接收地址已暂停");
        return false;
    }
    char *secret = wh_secret_open(c->cfg, sealed);
    if (!secret) {
        snprintf(err, errlen, "无法解开推送密钥：secret_key 与登记时的不一致（请恢复原 secret_key 或更换推送密钥）");
        return false;
    }
    struct wh_message m = {url, secret, event, event_id, delivery_id, time_now(), body};
    long status;
    bool ok = wh_send(c->cfg, &m, &status, err, errlen);
    sodium_memzero(secret, strlen(secret));
    free(secret);
    return ok;
}

struct claimed {
    int64_t id;
    const char *address, *event, *event_id, *body;
    int attempts;
};

/*
 * A claim is a short lease held by one process (claimed_by, random per process), as for e-mail and SMS
 * (src/notify): it covers one delivery (webhook_timeout_s plus a margin) and is renewed, owner checked,
 * right before each send. A process that dies leaves its claims to the other nodes within the lease; a
 * row another node took over meanwhile is skipped, never sent twice by us.
 */
#define LEASE_MARGIN_S 20

static int64_t lease_s(const struct config *cfg)
{
    return (cfg->webhook_timeout_s > 0 ? cfg->webhook_timeout_s : 10) + LEASE_MARGIN_S;
}

/* Renews the lease of row id if this process still holds it; true if it does. */
static bool lease_renew(struct ctx *c, int64_t id)
{
    int64_t mine = 0;
    enum err e = db_one_int(c->db, &mine,
                            "UPDATE outbox SET lease_until = ? WHERE id = ? AND state = 'sending' AND claimed_by = ? "
                            "RETURNING id",
                            DB_INT(clock_now(c->db, c->cfg) + lease_s(c->cfg)), DB_INT(id), DB_TEXT(claim_holder()));
    return !e && mine == id;
}

/* The delay before attempt n+1 after n failed ones: webhook_retry_s doubling, at most an hour. */
static int64_t backoff(const struct config *cfg, int attempts)
{
    int64_t d = cfg->webhook_retry_s > 0 ? cfg->webhook_retry_s : 30;
    for (int k = 1; k < attempts && d < 3600; k++)
        d *= 2;
    return d < 3600 ? d : 3600;
}

static int claimed_cmp(const void *a, const void *b)
{
    int64_t x = ((const struct claimed *)a)->id, y = ((const struct claimed *)b)->id;
    return (x > y) - (x < y);
}

enum err webhooks_deliver(struct ctx *c, int limit, int *sent, int *failed)
{
    *sent = *failed = 0;
    bool pg = strcmp(db_kind(c->db), "postgres") == 0;
    /* an idle pass stays a read */
    int64_t due = 0;
    enum err e = db_one_int(c->db, &due,
                            "SELECT COUNT(*) FROM (SELECT id FROM outbox WHERE state IN ('pending', 'sending') AND "
                            "channel = 'webhook' AND next_attempt <= ? LIMIT 1) p",
                            DB_INT(c->now));
    if (e)
        return ctx_db_fail(c, e, "推送事件");
    if (!due)
        return ERR_OK;
    int rc = db_begin(c->db);
    if (rc < 0)
        return ctx_store_fail(c, rc, "推送事件");
    /* rows due now, and rows whose lease ran out (a node died while sending); a paused endpoint's
     * rows wait */
    static const char *const claim[2] = {
        "UPDATE outbox SET state = 'sending', lease_until = ?, claimed_by = ?, attempts = attempts + 1 WHERE id IN "
        "(SELECT o.id FROM outbox o JOIN webhooks w ON CAST(w.id AS TEXT) = o.address WHERE o.channel = 'webhook' "
        "AND w.active = 1 AND o.next_attempt <= ? AND (o.state = 'pending' OR (o.state = 'sending' AND "
        "o.lease_until <= ?)) ORDER BY o.next_attempt, o.id LIMIT ?) "
        "RETURNING id, address, kind, subject, body, attempts",
        "UPDATE outbox SET state = 'sending', lease_until = ?, claimed_by = ?, attempts = attempts + 1 WHERE id IN "
        "(SELECT o.id FROM outbox o JOIN webhooks w ON CAST(w.id AS TEXT) = o.address WHERE o.channel = 'webhook' "
        "AND w.active = 1 AND o.next_attempt <= ? AND (o.state = 'pending' OR (o.state = 'sending' AND "
        "o.lease_until <= ?)) ORDER BY o.next_attempt, o.id LIMIT ? FOR NO KEY UPDATE OF o SKIP LOCKED) "
        "RETURNING id, address, kind, subject, body, attempts",
    };
    struct stmt *st = db_query(c->db, claim[pg], DB_INT(c->now + lease_s(c->cfg)), DB_TEXT(claim_holder()),
                               DB_INT(c->now), DB_INT(c->now), DB_INT(limit));
    if (!st) {
        db_rollback(c->db);
        return ctx_store_fail(c, STORE_E_OTHER, "推送事件");
    }
    struct claimed *rows = arena_alloc(c->arena, (size_t)(limit > 0 ? limit : 1) * sizeof *rows);
    int n = 0;
    while ((rc = stmt_step(st)) == STORE_ROW && n < limit) {
        rows[n] = (struct claimed){stmt_int(st, 0),
                                   arena_strdup(c->arena, stmt_text(st, 1)),
                                   arena_strdup(c->arena, stmt_text(st, 2)),
                                   arena_strdup(c->arena, stmt_text(st, 3)),
                                   arena_strdup(c->arena, stmt_text(st, 4)),
                                   (int)stmt_int(st, 5)};
        n++;
    }
    stmt_done(st);
    if ((e = ctx_end_tx(c, rc, "推送事件")))
        return e;
    /* UPDATE … RETURNING gives no order (PostgreSQL): send in the order the events were queued */
    qsort(rows, (size_t)n, sizeof *rows, claimed_cmp);
    /* send outside any transaction, then record each outcome; after one failure of an endpoint
     * its other rows of this pass wait for the next attempt unsent (their claim is not counted), so
     * that a receiver that hangs costs the pass one timeout, not one per row */
    const char **down = arena_alloc(c->arena, sizeof *down * (size_t)(n ? n : 1));
    int ndown = 0;
    for (int i = 0; i < n; i++) {
        struct claimed *r = &rows[i];
        bool skip = false;
        for (int k = 0; k < ndown && !skip; k++)
            skip = !strcmp(down[k], r->address);
        if (skip) {
            e = db_exec(c->db,
                        "UPDATE outbox SET state = 'pending', attempts = attempts - 1, next_attempt = ? WHERE id = ? "
                        "AND state = 'sending' AND claimed_by = ?",
                        DB_INT(c->now + backoff(c->cfg, r->attempts)), DB_INT(r->id), DB_TEXT(claim_holder()));
            if (e)
                return ctx_db_fail(c, e, "推送事件");
            continue;
        }
        if (!lease_renew(c, r->id))
            continue; /* its lease ran out while the rows before it were sent: another node has it */
        char err[400] = "";
        bool ok = wh_send_row(c, r->id, r->address, r->event, r->event_id, r->body, err, sizeof err);
        bool dead = !ok && r->attempts >= c->cfg->webhook_attempts;
        char at[21];
        time_format_iso(c->now, at);
        if (ok)
            (*sent)++;
        else {
            (*failed)++;
            down[ndown++] = r->address;
            log_warn("webhook delivery %" PRId64 " (%s to endpoint %s) attempt %d failed: %s%s", r->id, r->event,
                     r->address, r->attempts, err, dead ? " (dead letter)" : "");
        }
        e = db_exec(c->db,
                    "UPDATE outbox SET state = ?, sent_at = ?, next_attempt = ?, last_error = ? WHERE id = ? AND "
                    "state = 'sending' AND claimed_by = ?",
                    DB_TEXT(ok     ? "sent"
                            : dead ? "dead"
                                   : "pending"),
                    DB_TEXT(ok ? at : NULL), DB_INT(ok ? c->now : c->now + backoff(c->cfg, r->attempts)), DB_TEXT(err),
                    DB_INT(r->id), DB_TEXT(claim_holder()));
        if (e)
            return ctx_db_fail(c, e, "推送事件");
    }
    return ERR_OK;
}
