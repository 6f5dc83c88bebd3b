/*
 * outbox.c: the outbox's delivery pass and its administration. Delivery claims due rows of the
 * deferred channels that are configured, under a lease held by this process (PostgreSQL: FOR NO KEY UPDATE
 * SKIP LOCKED; SQLite: the process write lock), renews it right before each send, hands each row to
 * its channel's send outside any transaction, and marks it sent, or retries it with exponential
 * back-off, or after notify_attempts failures moves it to the dead letters that administrators list
 * and retry.
 */
#include "notify/notify_internal.h"

#include "audit/audit.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/timeu.h"
#include "calendar/calendar.h"
#include "core/claim.h"
#include "core/clock.h"
#include "core/perm.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct claimed {
    int64_t id;
    const struct notify_channel *ch;
    const char *address, *subject, *body, *kind, *object_type;
    int64_t object_id;
    int attempts;
    bool urgent;
    int64_t user_id; /* 0: none */
};

#define CLAIM_COLS "id, channel, address, subject, body, attempts, urgent, kind, object_type, object_id, user_id"

/* ---- rechecks at send time (notify.h) ---- */

#define RECHECKS_MAX 16
struct recheck {
    const char *object_type;
    notify_recheck_fn fn;
};
static struct recheck rechecks[RECHECKS_MAX];
static int nrechecks;

void notify_register_recheck(const char *object_type, notify_recheck_fn fn)
{
    for (int i = 0; i < nrechecks; i++)
        if (!strcmp(rechecks[i].object_type, object_type)) {
            rechecks[i].fn = fn;
            return;
        }
    if (nrechecks < RECHECKS_MAX)
        rechecks[nrechecks++] = (struct recheck){object_type, fn};
}

static notify_recheck_fn recheck_of(const char *object_type)
{
    for (int i = 0; object_type && *object_type && i < nrechecks; i++)
        if (!strcmp(rechecks[i].object_type, object_type))
            return rechecks[i].fn;
    return NULL;
}

/*
 * A claim is a short lease held by one process (claimed_by, random per process): LEASE_S covers one
 * delivery (the channels give up after 20 s) and is renewed, owner checked, right before each send. A
 * process that dies (kill -9, a lost host) leaves its claims to the other nodes within LEASE_S; a
 * row another node took over meanwhile is skipped, never sent twice by us.
 */
#define LEASE_S 30

/* The object's recheck of claimed row r (notify.h), inside lease_renew's transaction: false when the
 * row was dropped (cancelled with the hook's reason); r's subject and body rewritten when the hook
 * says so. */
static bool recheck(struct ctx *c, struct claimed *r)
{
    notify_recheck_fn fn = recheck_of(r->object_type);
    if (!fn)
        return true;
    struct notify_queued q = {r->kind, r->subject, r->body, r->object_id, false};
    int64_t newer = 0;
    if (r->user_id) /* outbox_user (user_id, channel, id): only the recipient's later rows */
        db_one_int(c->db, &newer,
                   "SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE user_id = ? AND channel = ? AND id > ? AND "
                   "kind = ? AND object_type = ? AND object_id = ? AND state IN ('pending', 'sending', 'sent') "
                   "LIMIT 1) n",
                   DB_INT(r->user_id), DB_TEXT(r->ch->name), DB_INT(r->id), DB_TEXT(r->kind), DB_TEXT(r->object_type),
                   DB_INT(r->object_id));
    q.newer = newer > 0;
    const char *subject = r->subject, *body = r->body, *why = NULL;
    switch (fn(c, &q, &subject, &body, &why)) {
    case NOTIFY_SEND:
        return true;
    case NOTIFY_REWRITE:
        if (db_exec(c->db, "UPDATE outbox SET subject = ?, body = ? WHERE id = ?", DB_TEXT(subject), DB_TEXT(body),
                    DB_INT(r->id)))
            return false;
        r->subject = subject;
        r->body = body;
        return true;
    case NOTIFY_DROP:
        db_exec(c->db, "UPDATE outbox SET state = 'cancelled', last_error = ? WHERE id = ?",
                DB_TEXT(why ? why : "已不再需要发送"), DB_INT(r->id));
        log_info("notification %" PRId64 " (%s) not sent: %s", r->id, r->ch->name, why ? why : "superseded");
        return false;
    }
    return true;
}

/* Renews the lease of row r if this process still holds it, and rechecks it (notify.h), in a
 * transaction of its own; true if it is still ours to send. */
static bool lease_renew(struct ctx *c, struct claimed *r)
{
    if (db_begin(c->db) < 0)
        return false;
    int64_t got;
    bool mine = db_one_int(c->db, &got,
                           "UPDATE outbox SET lease_until = ? WHERE id = ? AND state = 'sending' AND claimed_by = ? "
                           "RETURNING id",
                           DB_INT(clock_now(c->db, c->cfg) + LEASE_S), /* now, not when the pass began */
                           DB_INT(r->id), DB_TEXT(claim_holder())) == ERR_OK;
    if (mine)
        mine = recheck(c, r);
    return db_commit(c->db) >= 0 && mine;
}

/* "channel IN (?, ?)" for the n configured channels (structure only: the names are bound). */
static const char *in_channels(struct ctx *c, int n)
{
    struct buf b = {0};
    buf_puts(&b, "channel IN (");
    for (int i = 0; i < n; i++)
        buf_puts(&b, i ? ", ?" : "?");
    buf_puts(&b, ")");
    char *s = buf_take(&b);
    const char *out = arena_strdup(c->arena, s);
    free(s);
    return out;
}

/* Prepares a claim or probe statement: binds head[0..nhead), then the channel names, then limit
 * when > 0 (the values are checked against the placeholders). */
static struct stmt *prepare_claim(struct ctx *c, const char *sql, const struct db_bind *head, int nhead,
                                  const struct notify_channel *const *on, int non, int limit)
{
    struct db_bind *b = arena_alloc(c->arena, sizeof *b * (size_t)(nhead + non + 2));
    int k = 0;
    for (int i = 0; i < nhead; i++)
        b[k++] = head[i];
    for (int i = 0; i < non; i++)
        b[k++] = DB_TEXT(on[i]->name);
    if (limit > 0)
        b[k++] = DB_INT(limit);
    b[k] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    return db_query_a(c->db, sql, b);
}

/* Marks one row after its attempt: sent, or pending again after the back-off, or dead after
 * notify_attempts failures; only if this process still holds it. */
static enum err settle(struct ctx *c, const struct claimed *r, bool ok, const char *err)
{
    char at[21];
    time_format_iso(c->now, at);
    bool dead = !ok && r->attempts >= c->cfg->notify_attempts;
    int64_t next = c->now;
    if (!ok) {
        int64_t delay = c->cfg->notify_retry_s;
        for (int k = 1; k < r->attempts && delay < 86400; k++)
            delay *= 2;
        next = c->now + delay;
        if (!dead && !r->urgent)
            notify_window(c, next, &next);
        log_warn("notification %" PRId64 " (%s) attempt %d failed: %s%s", r->id, r->ch->name, r->attempts, err,
                 dead ? " (dead letter)" : "");
    }
    const char *state = ok ? "sent" : dead ? "dead" : "pending";
    int rc = db_begin(c->db);
    if (rc < 0)
        return ctx_store_fail(c, rc, "投递通知");
    enum err e = db_exec(c->db,
                         "UPDATE outbox SET state = ?, sent_at = ?, next_attempt = ?, last_error = ? "
                         "WHERE id = ? AND state = 'sending' AND claimed_by = ?",
                         DB_TEXT(state), DB_TEXT(ok ? at : NULL), DB_INT(next), DB_TEXT(err), DB_INT(r->id),
                         DB_TEXT(claim_holder()));
    if (e) {
        db_rollback(c->db);
        return ctx_db_fail(c, e, "投递通知");
    }
    return (rc = db_commit(c->db)) < 0 ? ctx_store_fail(c, rc, "投递通知") : ERR_OK;
}

/* Outside office hours (notify_window later than now), the due non-urgent rows of the channels in
 * `in` wait for the next office hours: a pass that runs late, a retry or a channel configured at night
 * does not send a non-urgent message at 22:00. Rows whose lease ran out go back to pending too. In
 * the claim's transaction. */
static enum err hold_to_office_hours(struct ctx *c, const char *in, const struct notify_channel *const *on, int non)
{
    int64_t window;
    enum err e = notify_window(c, c->now, &window);
    if (e || window <= c->now)
        return e;
    const struct db_bind head[3] = {DB_INT(window), DB_INT(c->now), DB_INT(c->now)};
    struct stmt *st =
        prepare_claim(c,
                      arena_printf(c->arena,
                                   "UPDATE outbox SET state = 'pending', next_attempt = ?, claimed_by = '' "
                                   "WHERE urgent = 0 AND next_attempt <= ? AND (state = 'pending' OR "
                                   "(state = 'sending' AND lease_until <= ?)) AND %s",
                                   in),
                      head, 3, on, non, 0);
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    if (st)
        stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "投递通知") : ERR_OK;
}

/*
 * E-mail and SMS that could not leave within notify_stale_workdays working days of becoming due (their channel
 * was not configured, the scheduler was stopped) are not sent late: a county that configures SMTP months after it
 * began would otherwise send months of old notices at once. They are cancelled with the reason (the inbox copy
 * stays; retries of a failed delivery keep notify_attempts), one audit record for the lot. Before
 * hold_to_office_hours, which would move them into tomorrow's office hours. In the claim's transaction.
 */
static enum err cancel_stale(struct ctx *c, const char *in, const struct notify_channel *const *on, int non)
{
    int64_t n_days = c->cfg->notify_stale_workdays;
    if (n_days <= 0)
        return ERR_OK;
    struct calendar cal;
    enum err e = calendar_load(c, &cal);
    if (e)
        return e;
    if (n_days > 3650)
        n_days = 3650;
    int64_t day = cal_add_workdays(&cal, time_local_day(c->now), -(int)n_days), before = time_local_instant(day, 0);
    char since[11];
    cal_format_date(day, since);
    const char *why = arena_printf(c->arena,
                                   "超过 %d 个工作日未能发出（%s前即应发出；当时该渠道未配置或投递暂停），不再补发；"
                                   "站内消息已送达",
                                   (int)n_days, since);
    const struct db_bind head[2] = {DB_TEXT(why), DB_INT(before)};
    struct stmt *st = prepare_claim(c,
                                    arena_printf(c->arena,
                                                 "UPDATE outbox SET state = 'cancelled', last_error = ? "
                                                 "WHERE state = 'pending' AND attempts = 0 AND next_attempt < ? AND %s "
                                                 "RETURNING id",
                                                 in),
                                    head, 2, on, non, 0);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "投递通知");
    int64_t n = 0, first = 0;
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        if (!n++ || stmt_int(st, 0) < first)
            first = stmt_int(st, 0);
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "投递通知");
    if (!n)
        return ERR_OK;
    log_info("%" PRId64 " e-mail/SMS notifications not sent: due before %s, more than %d working days ago", n, since,
             (int)n_days);
    json_t *sum = json_pack("{sI ss si ss}", "cancelled", (json_int_t)n, "due_before", since, "workdays", (int)n_days,
                            "reason", why);
    e = audit_record(c, "outbox.stale", "outbox", first, sum);
    json_decref(sum);
    return e;
}

enum err notify_deliver(struct ctx *c, int limit, int *sent, int *failed)
{
    *sent = *failed = 0;
    /* the deferred channels that can send now; rows of the others wait until they are configured */
    int nch, non = 0;
    const struct notify_channel *const *chs = notify_channels(&nch);
    const struct notify_channel **on = arena_alloc(c->arena, sizeof *on * (size_t)(nch + 1));
    for (int i = 0; i < nch; i++)
        if (chs[i]->deferred && chs[i]->send && chs[i]->configured && chs[i]->configured(c->cfg))
            on[non++] = chs[i];
    if (!non)
        return ERR_OK;
    const char *in = in_channels(c, non);
    bool pg = strcmp(db_kind(c->db), "postgres") == 0;
    /* two index-friendly claims: rows due now, then rows whose lease ran out (a node died while
     * sending) */
    const char *due_sql =
        arena_printf(c->arena, "SELECT id FROM outbox WHERE state = 'pending' AND next_attempt <= ? AND %s", in);
    const char *stale_sql = arena_printf(
        c->arena, "SELECT id FROM outbox WHERE state = 'sending' AND next_attempt <= ? AND lease_until <= ? AND %s",
        in);
    /* an idle pass stays a read: probe the index before taking the write lock */
    int64_t due = 1;
    const struct db_bind now2[2] = {DB_INT(c->now), DB_INT(c->now)};
    struct stmt *probe =
        prepare_claim(c, arena_printf(c->arena, "SELECT COUNT(*) FROM (%s LIMIT 1) p", due_sql), now2, 1, on, non, 0);
    if (stmt_one_int(probe, &due) == STORE_ROW && due == 0) {
        probe = prepare_claim(c, arena_printf(c->arena, "SELECT COUNT(*) FROM (%s LIMIT 1) p", stale_sql), now2, 2, on,
                              non, 0);
        if (stmt_one_int(probe, &due) == STORE_ROW && due == 0)
            return ERR_OK;
    }
    int rc = db_begin(c->db);
    if (rc < 0)
        return ctx_store_fail(c, rc, "投递通知");
    enum err e = cancel_stale(c, in, on, non);
    if (!e)
        e = hold_to_office_hours(c, in, on, non);
    if (e) {
        db_rollback(c->db);
        return e;
    }
    struct claimed *rows = arena_alloc(c->arena, (size_t)(limit > 0 ? limit : 1) * sizeof *rows);
    int n = 0;
    for (int pass = 0; pass < 2 && n < limit; pass++) {
        const char *sql = arena_printf(c->arena,
                                       "UPDATE outbox SET state = 'sending', lease_until = ?, claimed_by = ?, "
                                       "attempts = attempts + 1 WHERE id IN (%s ORDER BY next_attempt, id LIMIT ?%s) "
                                       "RETURNING " CLAIM_COLS,
                                       pass ? stale_sql : due_sql, pg ? " FOR NO KEY UPDATE SKIP LOCKED" : "");
        const struct db_bind head[4] = {DB_INT(clock_now(c->db, c->cfg) + LEASE_S), DB_TEXT(claim_holder()),
                                        DB_INT(c->now), DB_INT(c->now)};
        struct stmt *st = prepare_claim(c, sql, head, pass ? 4 : 3, on, non, limit - n);
        if (!st) {
            db_rollback(c->db);
            return ctx_store_fail(c, STORE_E_OTHER, "投递通知");
        }
        while ((rc = stmt_step(st)) == STORE_ROW && n < limit) {
            const struct notify_channel *ch = notify_channel(stmt_text(st, 1));
            if (!ch) /* claimed rows are of the channels in the IN list: registered */
                continue;
            rows[n++] = (struct claimed){stmt_int(st, 0),
                                         ch,
                                         arena_strdup(c->arena, stmt_text(st, 2)),
                                         arena_strdup(c->arena, stmt_text(st, 3)),
                                         arena_strdup(c->arena, stmt_text(st, 4)),
                                         arena_strdup(c->arena, stmt_text(st, 7)),
                                         arena_strdup(c->arena, stmt_text(st, 8)),
                                         stmt_int(st, 9),
                                         (int)stmt_int(st, 5),
                                         stmt_int(st, 6) != 0,
                                         stmt_int(st, 10)};
        }
        stmt_done(st);
        if (rc < 0)
            break;
    }
    if ((e = ctx_end_tx(c, rc, "投递通知")))
        return e;
    for (int i = 0; i < n; i++) {
        struct claimed *r = &rows[i];
        if (!lease_renew(c, r))
            continue; /* its lease ran out while the rows before it were sent: another node has it */
        char err[512] = "";
        struct notify_message m = {r->id,   r->address, r->subject,     r->body,
                                   r->kind, r->urgent,  r->object_type, r->object_id};
        bool ok = r->ch->send(c, &m, err, sizeof err);
        *(ok ? sent : failed) += 1;
        if ((e = settle(c, r, ok, err)))
            return e;
    }
    return ERR_OK;
}

/* ---- administration ---- */

/* newest first */
static int by_id_desc(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "id"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "id"));
    return x < y ? 1 : x > y ? -1 : 0;
}

enum err notify_outbox_list(struct ctx *c, const char *state, int64_t before, int limit, json_t **out)
{
    if (!state)
        state = "dead";
    if (strcmp(state, "pending") && strcmp(state, "sending") && strcmp(state, "sent") && strcmp(state, "dead") &&
        strcmp(state, "cancelled"))
        return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“state”必须是 pending、sending、sent、dead 或 cancelled");
    /* the subtrees the user administers, none inside another (a grant under another adds nothing): the newest
     * `limit` older than `before` of each, then of all of them together, newest first */
    int np;
    const char **paths = perm_scope_cap(c, CAP_SYSTEM_ADMIN, &np);
    json_t *found = json_array();
    for (int i = 0; i < np; i++) {
        struct stmt *st = db_prepare(
            c->db,
            "SELECT o.id, o.user_id, u.username, o.channel, o.kind, o.subject, o.address, o.state, o.attempts, "
            "o.last_error, o.created_at, o.sent_at, o.next_attempt FROM outbox o JOIN users u ON u.id = o.user_id "
            "JOIN units un ON un.id = u.unit_id WHERE o.state = ? AND o.channel <> 'inbox' AND o.id < ? AND "
            "un.path >= ? AND un.path < ? ORDER BY o.id DESC LIMIT ?");
        if (!st) {
            json_decref(found);
            return ctx_store_fail(c, STORE_E_OTHER, "读取通知队列");
        }
        stmt_bind_text(st, 1, state);
        stmt_bind_int(st, 2, before > 0 ? before : INT64_MAX);
        stmt_bind_text(st, 3, paths[i]);
        stmt_bind_text(st, 4, perm_path_upper(c->arena, paths[i]));
        stmt_bind_int(st, 5, limit);
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            char next[21];
            time_format_iso(stmt_int(st, 12), next);
            enum msg_kind k;
            const char *kind_label = msg_kind_parse(stmt_text(st, 4), &k) ? msg_kinds[k].label : "";
            json_array_append_new(
                found,
                json_pack("{sI sI ss ss ss ss ss ss ss sI ss ss so ss}", "id", (json_int_t)stmt_int(st, 0), "user_id",
                          (json_int_t)stmt_int(st, 1), "username", stmt_text(st, 2), "channel", stmt_text(st, 3),
                          "kind", stmt_text(st, 4), "kind_label", kind_label, "subject", stmt_text(st, 5), "address",
                          stmt_text(st, 6), "state", stmt_text(st, 7), "attempts", (json_int_t)stmt_int(st, 8),
                          "last_error", stmt_text(st, 9), "created_at", stmt_text(st, 10), "sent_at",
                          stmt_is_null(st, 11) ? json_null() : json_string(stmt_text(st, 11)), "next_attempt", next));
        }
        stmt_done(st);
        if (rc < 0) {
            json_decref(found);
            return ctx_store_fail(c, rc, "读取通知队列");
        }
    }
    size_t n = json_array_size(found);
    json_t **rows = arena_alloc(c->arena, sizeof *rows * (n + 1));
    for (size_t i = 0; i < n; i++)
        rows[i] = json_array_get(found, i);
    qsort(rows, n, sizeof *rows, by_id_desc);
    json_t *arr = json_array();
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        json_array_append(arr, rows[i]);
    json_decref(found);
    /* the channels that deliver later, and whether this node has them configured: an unconfigured one's messages
     * wait (cancel_stale) */
    json_t *chs = json_array();
    int nch;
    const struct notify_channel *const *all = notify_channels(&nch);
    for (int i = 0; i < nch; i++)
        if (all[i]->deferred)
            json_array_append_new(chs, json_pack("{ss sb}", "channel", all[i]->name, "configured",
                                                 all[i]->send && all[i]->configured && all[i]->configured(c->cfg)));
    *out = json_pack("{so so sI}", "messages", arr, "channels", chs, "stale_workdays",
                     (json_int_t)c->cfg->notify_stale_workdays);
    return ERR_OK;
}

struct retry_args {
    int64_t id;
};

static enum err retry_tx(struct ctx *c, void *arg)
{
    struct retry_args *a = arg;
    struct stmt *st = db_prepare(c->db, "SELECT o.state, un.path, o.channel, o.attempts FROM outbox o JOIN users u ON "
                                        "u.id = o.user_id JOIN units un ON un.id = u.unit_id WHERE o.id = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "重新投递");
    stmt_bind_int(st, 1, a->id);
    int rc = stmt_step(st);
    const char *state = NULL, *path = NULL, *channel = NULL;
    int64_t attempts = 0;
    if (rc == STORE_ROW) {
        state = arena_strdup(c->arena, stmt_text(st, 0));
        path = arena_strdup(c->arena, stmt_text(st, 1));
        channel = arena_strdup(c->arena, stmt_text(st, 2));
        attempts = stmt_int(st, 3);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "重新投递");
    const struct notify_channel *ch = rc == STORE_ROW ? notify_channel(channel) : NULL;
    if (rc == STORE_DONE || (ch && !ch->deferred))
        return ctx_fail(c, ERR_NOT_FOUND, "通知不存在或无权查看");
    const struct grant *g = NULL;
    for (int i = 0; c->user && i < c->user->ngrants && !g; i++)
        if (c->user->grants[i].role == ROLE_ADMIN &&
            !strncmp(path, c->user->grants[i].unit_path, strlen(c->user->grants[i].unit_path)))
            g = &c->user->grants[i];
    if (c->user && !g)
        return ctx_fail(c, ERR_NOT_FOUND, "通知不存在或无权查看");
    c->acting = g;
    if (strcmp(state, "dead") != 0)
        return ctx_fail(c, ERR_CONFLICT, "只有投递失败（dead）的通知可以重新投递，该通知状态为 %s", state);
    enum err e = db_exec(
        c->db, "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt = ? WHERE id = ? AND state = 'dead'",
        DB_INT(c->now), DB_INT(a->id));
    if (e)
        return ctx_db_fail(c, e, "重新投递");
    json_t *sum = json_pack("{ss sI}", "channel", channel, "attempts_before", (json_int_t)attempts);
    e = audit_record(c, "outbox.retry", "outbox", a->id, sum);
    json_decref(sum);
    return e;
}

enum err notify_outbox_retry(struct ctx *c, int64_t id, json_t **out)
{
    struct retry_args a = {id};
    enum err e = ctx_tx(c, "重新投递", retry_tx, &a);
    if (e)
        return e;
    *out = json_pack("{sI ss}", "id", (json_int_t)id, "state", "pending");
    return ERR_OK;
}

const struct jv_field notify_test_spec[] = {
    {"username", JV_STRING, JV_REQUIRED, 1, 64},
    {"subject", JV_STRING, 0, 1, 100},
    {"body", JV_STRING, 0, 0, 1000},
    {"urgent", JV_BOOL, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

struct test_args {
    const json_t *body;
    json_t *ids;
};

static enum err test_tx(struct ctx *c, void *arg)
{
    struct test_args *a = arg;
    const char *username = jv_str(a->body, "username");
    struct stmt *st = db_prepare(c->db, "SELECT u.id, un.path FROM users u JOIN units un ON un.id = u.unit_id "
                                        "WHERE u.username = ?");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "发送测试通知");
    stmt_bind_text(st, 1, username);
    int rc = stmt_step(st);
    int64_t uid = 0;
    const char *path = NULL;
    if (rc == STORE_ROW) {
        uid = stmt_int(st, 0);
        path = arena_strdup(c->arena, stmt_text(st, 1));
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "发送测试通知");
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "用户 %s 不存在或无权查看", username);
    enum err e = perm_require(c, CAP_SYSTEM_ADMIN, path, "用户");
    if (e)
        return e;
    struct notice n = {.kind = MSG_SYSTEM,
                       .urgent = jv_bool(a->body, "urgent", false),
                       .subject = jv_str(a->body, "subject") ? jv_str(a->body, "subject") : "ducha 测试通知",
                       .body = jv_str(a->body, "body") ? jv_str(a->body, "body")
                                                       : "这是一条测试通知，用于检查邮件和短信设置。",
                       .object_type = "user",
                       .object_id = uid};
    if ((e = notify_user_ex(c, uid, &n, a->ids)))
        return e;
    json_t *sum = json_pack("{ss sO}", "username", username, "queued", a->ids);
    e = audit_record(c, "notify.test", "user", uid, sum);
    json_decref(sum);
    return e;
}

enum err notify_test(struct ctx *c, const json_t *body, json_t **out)
{
    struct test_args a = {body, json_array()};
    enum err e = ctx_tx(c, "发送测试通知", test_tx, &a);
    if (e) {
        json_decref(a.ids);
        return e;
    }
    *out = json_pack("{so}", "queued", a.ids);
    return ERR_OK;
}
