/*
 * item_timeline.c: the timeline of an item (办理过程): its events, written by every change in the change's
 * transaction (and by other modules through items_timeline_add and items_mark_escalated), and read with
 * the deadline module's reminders and ladder steps merged in by time.
 */
#include "items/items_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "core/events.h"
#include "deadlines/deadlines.h"

#include <stdlib.h>
#include <string.h>

enum err item_event(struct ctx *c, int64_t item_id, const char *kind, const char *action, int from, int to,
                    int64_t track_id, int64_t unit_id, const char *note, json_t *data)
{
    char at[21];
    time_format_iso(c->now, at);
    char *d = data ? json_dumps(data, JSON_COMPACT) : NULL;
    enum err e =
        db_exec(c->db,
                "INSERT INTO item_events (item_id, at, actor_id, actor, actor_name, kind, action, from_state, "
                "to_state, track_id, unit_id, note, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                DB_INT(item_id), DB_TEXT(at), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(ctx_actor(c)),
                DB_TEXT(c->user && c->user->name ? c->user->name : "系统"), DB_TEXT(kind), DB_TEXT(action),
                DB_TEXT(from >= 0 ? item_state_name((enum item_state)from) : NULL),
                DB_TEXT(to >= 0 ? item_state_name((enum item_state)to) : NULL), DB_INT_IF(track_id, track_id),
                DB_INT_IF(unit_id, unit_id), DB_TEXT(note ? note : ""), DB_TEXT(d ? d : "{}"));
    free(d);
    if (e)
        return ctx_db_fail(c, e, "记录办理过程");
    /* the timeline is the item's event log: subscribers (webhooks) see each record in this transaction */
    return events_publish(c, &(struct domain_event){"item", item_id, kind, action, unit_id, note, data});
}

enum err items_mark_escalated(struct ctx *c, int64_t item_id, const char *note, json_t *data)
{
    int64_t id;
    enum err e = db_one_int(c->db, &id,
                            "UPDATE items SET escalated = 1, version = version + 1 WHERE id = ? AND escalated = 0 "
                            "RETURNING id",
                            DB_INT(item_id));
    if (e == ERR_NOT_FOUND) /* no such item, or listed already */
        return ERR_OK;
    if (e)
        return ctx_db_fail(c, e, "列入督查事项");
    e = item_event(c, item_id, "transition", "escalate", -1, -1, 0, 0, note, data);
    if (!e) {
        json_t *sum = json_pack("{ss sO}", "note", note, "data", data ? data : json_null());
        e = audit_record(c, "item.escalate", "item", item_id, sum);
        json_decref(sum);
    }
    return e;
}

enum err items_timeline_add(struct ctx *c, int64_t item_id, int64_t unit_id, const char *kind, const char *action,
                            const char *note, json_t *data)
{
    /* no row: no such item (ignored); a NULL track: the item as a whole */
    struct stmt *st = db_query(c->db,
                               "SELECT t.id FROM items i LEFT JOIN item_tracks t ON t.item_id = i.id AND t.unit_id = ? "
                               "WHERE i.id = ?",
                               DB_INT(unit_id), DB_INT(item_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "记录办理过程");
    int rc = stmt_step(st);
    int64_t track = rc == STORE_ROW && !stmt_is_null(st, 0) ? stmt_int(st, 0) : 0;
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "记录办理过程");
    if (rc == STORE_DONE)
        return ERR_OK;
    return item_event(c, item_id, kind, action, -1, -1, track, unit_id, note, data);
}

/* The Chinese name of a deadline ladder step ("remind-2", "press", "pause@…"). */
static const char *step_label(struct ctx *c, const char *step)
{
    if (!strncmp(step, "remind-", 7))
        return atoi(step + 7) ? arena_printf(c->arena, "催办提醒（到期前 %d 个工作日）", atoi(step + 7))
                              : "催办提醒（到期当日）";
    if (!strcmp(step, "press"))
        return "提请分管领导督办";
    if (!strcmp(step, "notice"))
        return "下达书面催办通知";
    if (!strcmp(step, "report"))
        return "报告主要领导，列入督查事项";
    if (!strncmp(step, "pause", 5))
        return "计时暂停";
    if (!strncmp(step, "resume", 6))
        return "恢复计时";
    return step;
}

struct timed {
    json_t *ev;
    const char *at;
    size_t order;
};

static int timed_cmp(const void *a, const void *b)
{
    const struct timed *x = a, *y = b;
    int r = strcmp(x->at, y->at);
    return r ? r : (x->order > y->order) - (x->order < y->order);
}

/* Adds the deadline module's reminders and ladder steps (the scheduler's side of the timeline) and
 * orders everything by time. Steps the user may not see are left out by deadlines_list. */
static json_t *with_reminders(struct ctx *c, int64_t id, json_t *events)
{
    json_t *ms = NULL;
    if (deadlines_list(c, "item", id, &ms) != ERR_OK) {
        c->err = ERR_OK;
        return events;
    }
    size_t i, j;
    json_t *m, *s;
    json_array_foreach(ms, i, m)
    {
        json_array_foreach(json_object_get(m, "steps"), j, s)
        {
            const char *step = json_string_value(json_object_get(s, "step"));
            const char *at = json_string_value(json_object_get(s, "at"));
            /* pauses follow the suspend/resume transitions already on the timeline */
            if (!step || !at || !strncmp(step, "pause", 5) || !strncmp(step, "resume", 6))
                continue;
            json_int_t unit = json_integer_value(json_object_get(m, "unit_id"));
            json_array_append_new(
                events,
                json_pack("{sn ss ss ss ss ss ss sn sn sn so sn ss sO}", "id", "at", at, "actor", "system",
                          "actor_name", "系统", "kind", "reminder", "action", step, "action_label",
                          arena_printf(c->arena, "%s：%s", json_string_value(json_object_get(m, "kind_label")),
                                       step_label(c, step)),
                          "from_state", "to_state", "track_id", "unit_id", unit ? json_integer(unit) : json_null(),
                          "unit_name", "note",
                          json_string_value(json_object_get(m, "due_date"))
                              ? arena_printf(c->arena, "期限 %s", json_string_value(json_object_get(m, "due_date")))
                              : "",
                          "data", json_object_get(s, "detail") ? json_object_get(s, "detail") : json_null()));
        }
    }
    json_decref(ms);
    size_t n = json_array_size(events);
    struct timed *t = arena_alloc(c->arena, sizeof *t * (n + 1));
    for (i = 0; i < n; i++) {
        t[i].ev = json_incref(json_array_get(events, i));
        const char *at = json_string_value(json_object_get(t[i].ev, "at"));
        t[i].at = at ? at : "";
        t[i].order = i;
    }
    qsort(t, n, sizeof *t, timed_cmp);
    json_t *sorted = json_array();
    for (i = 0; i < n; i++)
        json_array_append_new(sorted, t[i].ev);
    json_decref(events);
    return sorted;
}

enum err items_events(struct ctx *c, int64_t id, json_t **out)
{
    struct item it;
    enum err e = item_load_visible(c, id, &it);
    if (e)
        return e;
    struct stmt *st = db_query(c->db,
                               "SELECT e.id, e.at, e.actor, e.actor_name, e.kind, e.action, e.from_state, e.to_state, "
                               "e.track_id, e.unit_id, u.name, e.note, e.data FROM item_events e LEFT JOIN units u ON "
                               "u.id = e.unit_id WHERE e.item_id = ? ORDER BY e.id",
                               DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取办理过程");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        enum item_action a;
        const char *action = stmt_text(st, 5);
        const char *label = item_action_parse(action, &a)  ? item_action_label(a)
                            : !strcmp(action, "create")    ? "新建"
                            : !strcmp(action, "decompose") ? "分解"
                            : !strcmp(action, "update")    ? "修改"
                            : !strcmp(action, "review")    ? "审核进展"
                            : !strcmp(action, "attach")    ? "上传附件"
                            : !strcmp(action, "notice")    ? "督办通知"
                                                           : action;
        json_t *data = json_loads(stmt_text(st, 12), 0, NULL);
        json_array_append_new(
            arr, json_pack("{sI ss ss ss ss ss ss so so so so so ss so}", "id", (json_int_t)stmt_int(st, 0), "at",
                           stmt_text(st, 1), "actor", stmt_text(st, 2), "actor_name", stmt_text(st, 3), "kind",
                           stmt_text(st, 4), "action", action, "action_label", label, "from_state",
                           item_str_or_null(stmt_text(st, 6)), "to_state", item_str_or_null(stmt_text(st, 7)),
                           "track_id", stmt_is_null(st, 8) ? json_null() : json_integer(stmt_int(st, 8)), "unit_id",
                           stmt_is_null(st, 9) ? json_null() : json_integer(stmt_int(st, 9)), "unit_name",
                           item_str_or_null(stmt_text(st, 10)), "note", stmt_text(st, 11), "data",
                           data ? data : json_object()));
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取办理过程");
    }
    *out = with_reminders(c, id, arr);
    return ERR_OK;
}
