/*
 * item_json.c: an item as the API shows it (GET /api/v1/items/{id}): its fields, tracks, allowed
 * actions, children roll-up, extensions and suspension periods.
 */
#include "items/items_internal.h"

#include <string.h>

json_t *item_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *tags_json(const char *tags)
{
    json_t *a = json_array();
    if (!tags || !*tags)
        return a;
    const char *p = tags;
    while (*p) {
        if (*p == ',') {
            p++;
            continue;
        }
        const char *e = strchr(p, ',');
        if (!e)
            e = p + strlen(p);
        json_array_append_new(a, json_stringn(p, (size_t)(e - p)));
        p = e;
    }
    return a;
}

/* Children roll-up: counts per state, average progress, and the list. */
static json_t *children_json(struct ctx *c, struct stmt *st, json_t **rollup)
{
    json_t *arr = json_array(), *by = json_object();
    int n = 0, sum = 0, done = 0;
    char today[11], yellow[11];
    items_light_dates(c, today, yellow);
    if (st) {
        while (stmt_step(st) == STORE_ROW) {
            enum item_state s = ITEM_ST_DRAFT;
            item_state_parse(stmt_text(st, 3), &s);
            json_array_append_new(arr, json_pack("{sI so ss ss ss si ss ss ss}", "id", (json_int_t)stmt_int(st, 0),
                                                 "number", item_str_or_null(stmt_text(st, 1)), "title",
                                                 stmt_text(st, 2), "state", stmt_text(st, 3), "state_label",
                                                 item_state_label(s), "progress", (int)stmt_int(st, 4), "due_date",
                                                 stmt_text(st, 5), "lead_unit_name", stmt_text(st, 6), "light",
                                                 items_light_for(stmt_text(st, 5), s, today, yellow)));
            json_object_set_new(by, stmt_text(st, 3),
                                json_integer(json_integer_value(json_object_get(by, stmt_text(st, 3))) + 1));
            if (s != ITEM_ST_WITHDRAWN) {
                n++;
                sum += s >= ITEM_ST_COMPLETED && s <= ITEM_ST_ARCHIVED ? 100 : (int)stmt_int(st, 4);
                done += s >= ITEM_ST_COMPLETED && s <= ITEM_ST_ARCHIVED;
            }
        }
        stmt_done(st);
    }
    *rollup = json_pack("{si si si so}", "total", n, "completed", done, "progress", n ? sum / n : 0, "by_state", by);
    return arr;
}

json_t *item_json(struct ctx *c, struct item *it)
{
    json_t *tracks = json_array();
    for (int i = 0; i < it->ntracks; i++) {
        const struct track *t = &it->tracks[i];
        json_array_append_new(
            tracks,
            json_pack("{sI sI ss ss ss ss ss si so so so so so so}", "id", (json_int_t)t->id, "unit_id",
                      (json_int_t)t->unit_id, "unit_code", t->unit_code, "unit_name", t->unit_name, "role",
                      t->lead ? "lead" : "co", "state", item_state_name(t->state), "state_label",
                      item_state_label(t->state), "progress", t->progress, "received_at",
                      item_str_or_null(t->received_at), "plan_text", item_str_or_null(t->plan_text), "plan_date",
                      item_str_or_null(t->plan_date), "reply_text", item_str_or_null(t->reply_text), "signed_at",
                      item_str_or_null(t->signed_at), "allowed_actions", item_allowed_actions(c, it, t)));
    }
    const char *sl = item_source_label(it->source_kind);
    json_t *o = json_pack(
        "{sI so ss ss ss ss ss so sI ss sI ss so so ss ss ss ss so ss ss so si so sb sI ss ss so sI}", "id",
        (json_int_t)it->id, "number", item_str_or_null(it->number), "title", it->title, "requirement", it->requirement,
        "source_kind", it->source_kind, "source_kind_label", sl ? sl : it->source_kind, "source_ref", it->source_ref,
        "source_date", item_str_or_null(it->source_date), "office_unit_id", (json_int_t)it->office_unit_id,
        "office_unit_name", it->office_name, "lead_unit_id", (json_int_t)it->lead_unit_id, "lead_unit_name",
        it->lead_name, "leader_id", it->leader_id ? json_integer(it->leader_id) : json_null(), "leader_name",
        item_str_or_null(it->leader_name), "importance", it->importance, "kind", it->kind, "due_date", it->due_date,
        "confidentiality", it->confidentiality, "tags", tags_json(it->tags), "state", item_state_name(it->state),
        "state_label", item_state_label(it->state), "parent_id",
        it->parent_id ? json_integer(it->parent_id) : json_null(), "progress", it->progress, "grade",
        item_str_or_null(it->grade), "escalated", it->escalated, "year", (json_int_t)it->year, "created_at",
        it->created_at, "updated_at", it->updated_at, "closed_at", item_str_or_null(it->closed_at), "version",
        (json_int_t)it->version);
    json_object_set_new(o, "assigned_at", item_str_or_null(it->assigned_at));
    json_object_set_new(o, "light", json_string(items_light(c, it->due_date, it->state)));
    json_object_set_new(o, "tracks", tracks);
    if (it->state == ITEM_ST_SUSPENDED)
        json_object_set_new(o, "resume_state", json_string(item_state_name(it->resume_state)));
    json_object_set_new(o, "allowed_actions", item_allowed_actions(c, it, NULL));
    return o;
}

/* The statements of what only the detail view carries: children, extensions, suspensions. */
struct detail_q {
    struct stmt *children, *ext, *suspensions;
};

/* Sends them (stmt_send): they depend only on the id, so they travel with the item's own load (one round
 * trip on PostgreSQL for the item, its tracks and these). */
static void detail_send(struct ctx *c, int64_t id, struct detail_q *q)
{
    q->children = db_query(c->db,
                           "SELECT i.id, i.number, i.title, i.state, i.progress, i.due_date, u.name "
                           "FROM items i JOIN units u ON u.id = i.lead_unit_id WHERE i.parent_id = ? ORDER BY i.id",
                           DB_INT(id));
    stmt_send(q->children);
    q->ext = db_query(c->db,
                      "SELECT id, reason, old_date, new_date, state, requested_at, track_id, decided_at, "
                      "decision_note FROM item_extensions WHERE item_id = ? ORDER BY id",
                      DB_INT(id));
    stmt_send(q->ext);
    q->suspensions = db_query(
        c->db, "SELECT started_at, ended_at, reason FROM item_suspensions WHERE item_id = ? ORDER BY id", DB_INT(id));
    stmt_send(q->suspensions);
}

/* Finishes them unread (the item is not shown). */
static void detail_done(struct detail_q *q)
{
    struct stmt *all[] = {q->children, q->ext, q->suspensions};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (all[i])
            stmt_done(all[i]);
}

/* Adds what only the detail view carries (q, sent by detail_send): children, pending extension,
 * suspensions, counts. */
static void item_json_detail(struct ctx *c, struct detail_q *q, json_t *o)
{
    struct stmt *children = q->children, *st = q->ext, *suspensions = q->suspensions;
    json_t *rollup;
    json_object_set_new(o, "children", children_json(c, children, &rollup));
    json_object_set_new(o, "children_rollup", rollup);
    json_t *ext = json_array(), *pending = json_null();
    if (st) {
        while (stmt_step(st) == STORE_ROW) {
            json_t *e = json_pack("{sI ss ss ss ss ss so so ss}", "id", (json_int_t)stmt_int(st, 0), "reason",
                                  stmt_text(st, 1), "old_date", stmt_text(st, 2), "new_date", stmt_text(st, 3), "state",
                                  stmt_text(st, 4), "requested_at", stmt_text(st, 5), "track_id",
                                  stmt_is_null(st, 6) ? json_null() : json_integer(stmt_int(st, 6)), "decided_at",
                                  item_str_or_null(stmt_text(st, 7)), "decision_note", stmt_text(st, 8));
            if (!strcmp(stmt_text(st, 4), "pending")) {
                json_decref(pending);
                pending = json_incref(e);
            }
            json_array_append_new(ext, e);
        }
        stmt_done(st);
    }
    json_object_set_new(o, "extensions", ext);
    json_object_set_new(o, "pending_extension", pending);
    st = suspensions;
    json_t *sus = json_array();
    if (st) {
        while (stmt_step(st) == STORE_ROW)
            json_array_append_new(sus, json_pack("{ss so ss}", "started_at", stmt_text(st, 0), "ended_at",
                                                 item_str_or_null(stmt_text(st, 1)), "reason", stmt_text(st, 2)));
        stmt_done(st);
    }
    json_object_set_new(o, "suspensions", sus);
}

enum err items_get(struct ctx *c, int64_t id, json_t **out)
{
    struct item it;
    struct detail_q q;
    detail_send(c, id, &q);
    enum err e = item_load_visible(c, id, &it);
    if (e) {
        detail_done(&q);
        return e;
    }
    *out = item_json(c, &it);
    item_json_detail(c, &q, *out);
    return ERR_OK;
}
