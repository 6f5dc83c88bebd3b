/*
 * notify.c: queueing: one outbox row per recipient and chosen channel, inside the caller's
 * transaction, deferred rows within office hours; see notify.h. The kinds of message and the
 * registry of channels: kinds.c. Delivery and the outbox's administration: outbox.c. The inbox:
 * inbox.c. Preferences: prefs.c. Channels: inbox.c, smtp.c, sms.c (channel.h).
 */
#include "notify/notify_internal.h"

#include "base/buf.h"
#include "base/log.h"
#include "base/timeu.h"
#include "calendar/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- office hours ---- */

/* Parses office_hours "HH:MM-HH:MM" into minutes; defaults 08:30-17:30 when malformed. */
static void office_hours(const struct config *cfg, int *from, int *to)
{
    int h1, m1, h2, m2;
    if (cfg->office_hours && sscanf(cfg->office_hours, "%d:%d-%d:%d", &h1, &m1, &h2, &m2) == 4 &&
        h1 * 60 + m1 < h2 * 60 + m2) {
        *from = h1 * 60 + m1;
        *to = h2 * 60 + m2;
    } else {
        *from = 8 * 60 + 30;
        *to = 17 * 60 + 30;
    }
}

enum err notify_window(struct ctx *c, int64_t t, int64_t *out)
{
    struct calendar cal;
    enum err e = calendar_load(c, &cal);
    if (e)
        return e;
    int from, to;
    office_hours(c->cfg, &from, &to);
    int64_t day = time_local_day(t);
    int minutes = time_local_minutes_of_day(t);
    for (int i = 0; i < 400; i++, day++) {
        if (!cal_is_workday(&cal, day))
            continue;
        if (i == 0 && minutes >= to)
            continue;
        if (i == 0 && minutes >= from) {
            *out = t;
            return ERR_OK;
        }
        *out = time_local_instant(day, from * 60);
        return ERR_OK;
    }
    *out = t;
    return ERR_OK;
}

/* ---- queueing ---- */

/* Queues one row on channel ch at instant when; ids (optional) collects {id, channel}. */
static enum err enqueue(struct ctx *c, int64_t user, const struct notify_channel *ch, const char *address,
                        const struct notice *n, int64_t when, json_t *ids)
{
    char at[21];
    time_format_iso(c->now, at);
    int64_t id = 0;
#define ENQUEUE_SQL                                                                                                    \
    "INSERT INTO outbox (user_id, channel, kind, urgent, subject, body, address, object_type, object_id, link, "       \
    "state, "                                                                                                          \
    "next_attempt, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define ENQUEUE_VALUES                                                                                                 \
    DB_INT(user), DB_TEXT(ch->name), DB_TEXT(msg_kind_name(n->kind)), DB_INT(n->urgent), DB_TEXT(n->subject),          \
        DB_TEXT(n->body ? n->body : ""), DB_TEXT(address), DB_TEXT(n->object_type ? n->object_type : ""),              \
        DB_INT(n->object_id), DB_TEXT(n->link ? n->link : ""), DB_TEXT(ch->deferred ? "pending" : "sent"),             \
        DB_INT(when), DB_TEXT(at), DB_TEXT(ch->deferred ? NULL : at)
    /* the row's id only when asked for; else it is sent later (it may name a number taken at the commit) */
    enum err e = ids ? db_one_int(c->db, &id, ENQUEUE_SQL " RETURNING id", ENQUEUE_VALUES)
                     : db_exec_later(c->db, ENQUEUE_SQL, ENQUEUE_VALUES);
#undef ENQUEUE_SQL
#undef ENQUEUE_VALUES
    if (e)
        return ctx_db_fail(c, e == ERR_NOT_FOUND ? ERR_INTERNAL : e, "发送通知");
    if (ids)
        json_array_append_new(ids, json_pack("{sI ss}", "id", (json_int_t)id, "channel", ch->name));
    return ERR_OK;
}

enum err notify_user_ex(struct ctx *c, int64_t user_id, const struct notice *n, json_t *ids)
{
    struct stmt *st =
        db_query(c->db, "SELECT username, name, email, phone, disabled FROM users WHERE id = ?", DB_INT(user_id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "发送通知");
    int rc = stmt_step(st);
    struct notify_recipient r = {user_id, NULL, NULL, NULL, NULL};
    bool disabled = true;
    if (rc == STORE_ROW) {
        r.username = arena_strdup(c->arena, stmt_text(st, 0));
        r.name = arena_strdup(c->arena, stmt_text(st, 1));
        r.email = arena_strdup(c->arena, stmt_text(st, 2));
        r.phone = arena_strdup(c->arena, stmt_text(st, 3));
        disabled = stmt_int(st, 4) != 0;
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "发送通知");
    if (disabled)
        return ERR_OK;
    /* the inbox always, then each chosen channel on which the user has an address; deferred rows
     * wait for office hours on a working day unless urgent */
    const char *chosen = notify_user_channels(c, user_id, n->kind);
    int nch;
    const struct notify_channel *const *chs = notify_channels(&nch);
    int64_t when = c->now;
    bool windowed = false;
    enum err e = ERR_OK;
    for (int i = 0; i < nch && !e; i++) {
        const struct notify_channel *ch = chs[i];
        if (ch != &notify_inbox_channel && !notify_has_channel(chosen, ch->name))
            continue;
        const char *address = ch->address ? ch->address(c, &r) : "";
        if (ch->deferred && (!address || !*address))
            continue;
        if (ch->deferred && !n->urgent && !windowed) {
            e = notify_window(c, c->now, &when);
            windowed = true;
        }
        if (!e)
            e = enqueue(c, user_id, ch, address ? address : "", n, ch->deferred ? when : c->now, ids);
    }
    return e;
}

enum err notify_user(struct ctx *c, int64_t user_id, const struct notice *n)
{
    return notify_user_ex(c, user_id, n, NULL);
}

/* The rows of notify_role_units, written by one statement a chunk of OUTBOX_ROWS (db_rows; the binds of a row: 14). */
#define OUTBOX_ROWS 200

static enum err rows_add(struct db_rows *r, int64_t user, const struct notify_channel *ch, const char *address,
                         const struct notice *n, int64_t when, const char *at)
{
    return db_rows_add(
        r, (const struct db_bind[]){DB_INT(user), DB_TEXT(ch->name), DB_TEXT(msg_kind_name(n->kind)), DB_INT(n->urgent),
                                    DB_TEXT(n->subject), DB_TEXT(n->body ? n->body : ""), DB_TEXT(address),
                                    DB_TEXT(n->object_type ? n->object_type : ""), DB_INT(n->object_id),
                                    DB_TEXT(n->link ? n->link : ""), DB_TEXT(ch->deferred ? "pending" : "sent"),
                                    DB_INT(when), DB_TEXT(at), DB_TEXT(ch->deferred ? NULL : at)});
}

/* A failed write of the outbox's rows as the request's failure. */
static enum err rows_failed(struct ctx *c, enum err e)
{
    return e ? ctx_db_fail(c, e == ERR_NOT_FOUND ? ERR_INTERNAL : e, "发送通知") : ERR_OK;
}

enum err notify_role_units(struct ctx *c, const char *role, const int64_t *units, int nunits, const struct notice *n)
{
    if (nunits <= 0)
        return ERR_OK;
    /* the holders, each once, with their addresses and their preference for this kind: one read */
    struct buf sql = {0};
    buf_puts(&sql, "SELECT DISTINCT u.id, u.username, u.name, u.email, u.phone, p.channels FROM user_roles r "
                   "JOIN users u ON u.id = r.user_id LEFT JOIN notify_prefs p ON p.user_id = u.id AND p.kind = ? "
                   "WHERE r.role = ? AND u.disabled = 0 AND r.unit_id IN (");
    struct db_bind *b = arena_alloc(c->arena, sizeof *b * (size_t)(nunits + 3));
    b[0] = DB_TEXT(msg_kind_name(n->kind));
    b[1] = DB_TEXT(role);
    for (int i = 0; i < nunits; i++) {
        buf_puts(&sql, i ? ", ?" : "?");
        b[2 + i] = DB_INT(units[i]);
    }
    buf_puts(&sql, ") ORDER BY u.id");
    b[2 + nunits] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    struct stmt *st = db_query_a(c->db, sql.data, b);
    buf_free(&sql);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "发送通知");
    char at[21];
    time_format_iso(c->now, at);
    struct db_rows rows = {.db = c->db,
                           .arena = c->arena,
                           .insert = "INSERT INTO outbox (user_id, channel, kind, urgent, subject, body, address, "
                                     "object_type, object_id, link, state, next_attempt, created_at, sent_at) VALUES ",
                           .ncols = 14,
                           .batch = OUTBOX_ROWS,
                           .later = true};
    int nch, rc;
    const struct notify_channel *const *chs = notify_channels(&nch);
    int64_t when = c->now;
    bool windowed = false;
    enum err e = ERR_OK;
    /* the rows are read first, then written (a chunk's statement may not run while this one is open) */
    struct who {
        struct notify_recipient r;
        const char *chosen;
    } *all = NULL;
    int nall = 0, cap = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        all = arena_grow(c->arena, all, nall, &cap, sizeof *all);
        struct who *w = &all[nall++];
        w->r = (struct notify_recipient){
            stmt_int(st, 0), arena_strdup(c->arena, stmt_text(st, 1)), arena_strdup(c->arena, stmt_text(st, 2)),
            arena_strdup(c->arena, stmt_text(st, 3)), arena_strdup(c->arena, stmt_text(st, 4))};
        w->chosen = stmt_is_null(st, 5) ? msg_kinds[n->kind].channels : arena_strdup(c->arena, stmt_text(st, 5));
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "发送通知");
    for (int k = 0; k < nall && !e; k++)
        for (int i = 0; i < nch && !e; i++) { /* as notify_user_ex: the inbox always, then each chosen channel */
            const struct notify_channel *ch = chs[i];
            if (ch != &notify_inbox_channel && !notify_has_channel(all[k].chosen, ch->name))
                continue;
            const char *address = ch->address ? ch->address(c, &all[k].r) : "";
            if (ch->deferred && (!address || !*address))
                continue;
            if (ch->deferred && !n->urgent && !windowed) {
                e = notify_window(c, c->now, &when);
                windowed = true;
            }
            if (e)
                break;
            e = rows_failed(
                c, rows_add(&rows, all[k].r.id, ch, address ? address : "", n, ch->deferred ? when : c->now, at));
        }
    return e ? e : rows_failed(c, db_rows_flush(&rows));
}

enum err notify_role_at(struct ctx *c, int64_t unit_id, const char *role, const struct notice *n)
{
    struct stmt *st = db_query(c->db,
                               "SELECT u.id FROM user_roles r JOIN users u ON u.id = r.user_id "
                               "WHERE r.unit_id = ? AND r.role = ? AND u.disabled = 0 ORDER BY u.id",
                               DB_INT(unit_id), DB_TEXT(role));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "发送通知");
    /* read them all first: notify_user runs statements of its own */
    int64_t *ids = NULL;
    int k = 0, cap = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        ids = arena_grow(c->arena, ids, k, &cap, sizeof *ids);
        ids[k++] = stmt_int(st, 0);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "发送通知");
    enum err e = ERR_OK;
    for (int i = 0; i < k && !e; i++)
        e = notify_user(c, ids[i], n);
    return e;
}
