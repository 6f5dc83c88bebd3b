/*
 * inbox.c: the in-app inbox: the channel every message takes (delivered when written) and the
 * signed-in user's reading of it (list, unread count, mark read).
 */
#include "notify/notify_internal.h"

#include "base/timeu.h"

static const char *inbox_address(struct ctx *c, const struct notify_recipient *r)
{
    (void)c, (void)r;
    return "";
}

const struct notify_channel notify_inbox_channel = {
    .name = "inbox",
    .label = "站内消息",
    .deferred = false,
    .address = inbox_address,
};

enum err notify_inbox(struct ctx *c, bool unread_only, int64_t before, int limit, json_t **out)
{
    struct stmt *st =
        db_query(c->db,
                 "SELECT id, kind, urgent, subject, body, object_type, object_id, created_at, read_at, link "
                 "FROM outbox WHERE user_id = ? AND channel = 'inbox' AND (? = 0 OR read_at IS NULL) "
                 "AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
                 DB_INT(c->user->id), DB_INT(unread_only), DB_INT(before), DB_INT(before), DB_INT(limit));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取消息");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(arr,
                              json_pack("{sI ss sb ss ss ss sI ss so so}", "id", (json_int_t)stmt_int(st, 0), "kind",
                                        stmt_text(st, 1), "urgent", stmt_int(st, 2) != 0, "subject", stmt_text(st, 3),
                                        "body", stmt_text(st, 4), "object_type", stmt_text(st, 5), "object_id",
                                        (json_int_t)stmt_int(st, 6), "created_at", stmt_text(st, 7), "read_at",
                                        stmt_is_null(st, 8) ? json_null() : json_string(stmt_text(st, 8)), "link",
                                        *stmt_text(st, 9) ? json_string(stmt_text(st, 9)) : json_null()));
    stmt_done(st);
    int64_t unread = 0;
    enum err e = rc < 0 ? store_err(rc)
                        : db_one_int(c->db, &unread,
                                     "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND channel = 'inbox' AND "
                                     "read_at IS NULL",
                                     DB_INT(c->user->id));
    if (e) {
        json_decref(arr);
        return ctx_db_fail(c, e, "读取消息");
    }
    *out = json_pack("{so sI}", "messages", arr, "unread", (json_int_t)unread);
    return ERR_OK;
}

static enum err read_tx(struct ctx *c, void *arg)
{
    int64_t id = *(int64_t *)arg, got;
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_one_int(c->db, &got,
                            "UPDATE outbox SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ? AND "
                            "channel = 'inbox' RETURNING id",
                            DB_TEXT(at), DB_INT(id), DB_INT(c->user->id));
    return e == ERR_NOT_FOUND ? ctx_fail(c, ERR_NOT_FOUND, "消息不存在") : ctx_db_fail(c, e, "标记已读");
}

enum err notify_read(struct ctx *c, int64_t id)
{
    return ctx_tx(c, "标记已读", read_tx, &id);
}

static enum err read_all_tx(struct ctx *c, void *arg)
{
    int64_t *count = arg;
    char at[21];
    time_format_iso(c->now, at);
    enum err e = db_one_int(c->db, count,
                            "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND channel = 'inbox' AND read_at IS NULL",
                            DB_INT(c->user->id));
    if (!e)
        e = db_exec(c->db, "UPDATE outbox SET read_at = ? WHERE user_id = ? AND channel = 'inbox' AND read_at IS NULL",
                    DB_TEXT(at), DB_INT(c->user->id));
    return ctx_db_fail(c, e, "全部标记已读");
}

enum err notify_read_all(struct ctx *c, int64_t *count)
{
    return ctx_tx(c, "全部标记已读", read_all_tx, count);
}

enum err notify_read_object(struct ctx *c, const char *object_type, int64_t object_id)
{
    if (!c->user)
        return ERR_OK;
    char at[21];
    time_format_iso(c->now, at);
    /* nothing in the action waits on its outcome: sent ahead with the next statement (the hand-offs' new messages
     * run after it, so they stay unread) */
    enum err e =
        db_exec_later(c->db,
                      "UPDATE outbox SET read_at = ? WHERE user_id = ? AND object_type = ? AND object_id = ? AND "
                      "channel = 'inbox' AND read_at IS NULL",
                      DB_TEXT(at), DB_INT(c->user->id), DB_TEXT(object_type), DB_INT(object_id));
    return ctx_db_fail(c, e, "标记已读");
}
