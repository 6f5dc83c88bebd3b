/*
 * item_json.c: an item as the API shows it (GET /api/v1/items/{id}): its fields, tracks, allowed
 * actions, children roll-up, extensions and suspension periods.
 */
#include "core/hooks.h"
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

/* Text of element k of the row r (NULL for null). */
static const char *col_text(const json_t *r, size_t k)
{
    return json_string_value(json_array_get(r, k));
}

static json_t *col_text_or_null(const json_t *r, size_t k)
{
    return item_str_or_null(col_text(r, k));
}

/* Children roll-up: counts per state, average progress, and the list (rows: id, number, title, state,
 * progress, due_date, the lead unit's name). */
static json_t *children_json(struct ctx *c, const json_t *rows, json_t **rollup)
{
    json_t *arr = json_array(), *by = json_object(), *r;
    int n = 0, sum = 0, done = 0;
    char today[11], yellow[11];
    items_light_dates(c, today, yellow);
    size_t k;
    json_array_foreach(rows, k, r)
    {
        const char *state = col_text(r, 3) ? col_text(r, 3) : "";
        int progress = (int)json_integer_value(json_array_get(r, 4));
        enum item_state s = ITEM_ST_DRAFT;
        item_state_parse(state, &s);
        json_array_append_new(arr,
                              json_pack("{sI so so ss ss si so so ss}", "id", json_integer_value(json_array_get(r, 0)),
                                        "number", col_text_or_null(r, 1), "title", col_text_or_null(r, 2), "state",
                                        state, "state_label", item_state_label(s), "progress", progress, "due_date",
                                        col_text_or_null(r, 5), "lead_unit_name", col_text_or_null(r, 6), "light",
                                        items_light_for(col_text(r, 5), s, today, yellow)));
        json_object_set_new(by, state, json_integer(json_integer_value(json_object_get(by, state)) + 1));
        if (s != ITEM_ST_WITHDRAWN) {
            n++;
            sum += s >= ITEM_ST_COMPLETED && s <= ITEM_ST_ARCHIVED ? 100 : progress;
            done += s >= ITEM_ST_COMPLETED && s <= ITEM_ST_ARCHIVED;
        }
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
                      item_state_label(t->state), "progress", items_track_percent(t->state, t->progress), "received_at",
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

/* The item's extensions (rows: id, reason, old_date, new_date, state, requested_at, track_id, decided_at,
 * decision_note) and the pending one; it->pending_ext is set from them, so that the allowed actions need
 * no read of their own. */
static json_t *extensions_json(const json_t *rows, struct item *it, json_t **pending)
{
    json_t *ext = json_array(), *r;
    *pending = json_null();
    it->pending_ext = 0;
    size_t k;
    json_array_foreach(rows, k, r)
    {
        json_t *track = json_array_get(r, 6);
        json_t *e =
            json_pack("{sI so so so so so so so so}", "id", json_integer_value(json_array_get(r, 0)), "reason",
                      col_text_or_null(r, 1), "old_date", col_text_or_null(r, 2), "new_date", col_text_or_null(r, 3),
                      "state", col_text_or_null(r, 4), "requested_at", col_text_or_null(r, 5), "track_id",
                      json_is_integer(track) ? json_integer(json_integer_value(track)) : json_null(), "decided_at",
                      col_text_or_null(r, 7), "decision_note", col_text_or_null(r, 8));
        if (col_text(r, 4) && !strcmp(col_text(r, 4), "pending")) {
            json_decref(*pending);
            *pending = json_incref(e);
            it->pending_ext = json_integer_value(json_array_get(r, 0));
        }
        json_array_append_new(ext, e);
    }
    return ext;
}

/* The suspension periods (rows: id, started_at, ended_at, reason). */
static json_t *suspensions_json(const json_t *rows)
{
    json_t *sus = json_array(), *r;
    size_t k;
    json_array_foreach(rows, k, r)
    {
        json_array_append_new(sus, json_pack("{so so so}", "started_at", col_text_or_null(r, 1), "ended_at",
                                             col_text_or_null(r, 2), "reason", col_text_or_null(r, 3)));
    }
    return sus;
}

enum err items_get(struct ctx *c, int64_t id, json_t **out)
{
    struct item it;
    struct item_lists lists;
    enum err e = item_load_detail(c, id, &it, &lists);
    if (!e && !perm_item_visible(c->user, &it.scope))
        e = ctx_fail(c, ERR_NOT_FOUND, "督办事项不存在或无权查看");
    if (e) {
        item_lists_free(&lists);
        return e;
    }
    json_t *pending, *ext = extensions_json(lists.extensions, &it, &pending);
    *out = item_json(c, &it);
    json_t *rollup;
    json_object_set_new(*out, "children", children_json(c, lists.children, &rollup));
    json_object_set_new(*out, "children_rollup", rollup);
    json_object_set_new(*out, "extensions", ext);
    json_object_set_new(*out, "pending_extension", pending);
    json_object_set_new(*out, "suspensions", suspensions_json(lists.suspensions));
    /* whether the caller may split it, and under which unit (the units a child may go to are below it) */
    const struct track *st = item_split_track(c, &it, 0);
    json_object_set_new(*out, "split_under",
                        st ? json_pack("{sI ss}", "unit_id", (json_int_t)st->unit_id, "unit_name", st->unit_name)
                           : json_null());
    item_lists_free(&lists);
    /* the clue it was converted from, for whom may read that clue (its row names it: no statement for an item
     * that came from no clue) */
    json_t *clue = NULL;
    if (it.source_clue_id && (e = hooks_clue_source(c, it.source_clue_id, &clue))) {
        json_decref(*out);
        *out = NULL;
        return e;
    }
    json_object_set_new(*out, "source_clue", clue ? clue : json_null());
    return ERR_OK;
}
