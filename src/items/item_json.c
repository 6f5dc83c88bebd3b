/*
 * item_json.c: an item as the API shows it (GET /api/v1/items/{id}): its fields, tracks, allowed
 * actions, children roll-up, extensions and suspension periods — written as JSON text (jsonw), the one
 * definition of its shape; items_get parses that text for the callers that add to it or read it.
 */
#include "base/jsonw.h"
#include "core/hooks.h"
#include "items/items_internal.h"

#include <string.h>

json_t *item_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Text of element k of the row r (NULL for null). */
static const char *col_text(const json_t *r, size_t k)
{
    return json_string_value(json_array_get(r, k));
}

/* A jansson value (an allowed actions' array, a clue) written and released. */
static void json_put(struct jw *w, json_t *v)
{
    jw_json(w, v);
    json_decref(v);
}

/* Children roll-up: the list (rows: id, number, title, state, progress, due_date, the lead unit's name), then
 * counts per state (in the order they first come), average progress. */
static void children_write(struct ctx *c, struct jw *w, const json_t *rows)
{
    size_t nrows = json_array_size(rows), nby = 0, k;
    const char **by_state = arena_alloc(c->arena, sizeof *by_state * (nrows + 1));
    int *by_n = arena_alloc(c->arena, sizeof *by_n * (nrows + 1));
    int n = 0, sum = 0, done = 0;
    char today[11], yellow[11];
    items_light_dates(c, today, yellow);
    jw_qkey(w, JW_K("children"));
    jw_arr(w);
    json_t *r;
    json_array_foreach(rows, k, r)
    {
        const char *state = col_text(r, 3) ? col_text(r, 3) : "";
        int progress = (int)json_integer_value(json_array_get(r, 4));
        enum item_state s = ITEM_ST_DRAFT;
        item_state_parse(state, &s);
        jw_obj(w);
        jw_qkint(w, JW_K("id"), json_integer_value(json_array_get(r, 0)));
        jw_qkstr(w, JW_K("number"), col_text(r, 1));
        jw_qkstr(w, JW_K("title"), col_text(r, 2));
        jw_qkstr(w, JW_K("state"), state);
        jw_qkstr(w, JW_K("state_label"), item_state_label(s));
        jw_qkint(w, JW_K("progress"), progress);
        jw_qkstr(w, JW_K("due_date"), col_text(r, 5));
        jw_qkstr(w, JW_K("lead_unit_name"), col_text(r, 6));
        jw_qkstr(w, JW_K("light"), items_light_for(col_text(r, 5), s, today, yellow));
        jw_end_obj(w);
        size_t b = 0;
        while (b < nby && strcmp(by_state[b], state))
            b++;
        if (b == nby) {
            by_state[nby] = state;
            by_n[nby++] = 0;
        }
        by_n[b]++;
        if (s != ITEM_ST_WITHDRAWN) {
            n++;
            sum += s >= ITEM_ST_COMPLETED && s <= ITEM_ST_ARCHIVED ? 100 : progress;
            done += s >= ITEM_ST_COMPLETED && s <= ITEM_ST_ARCHIVED;
        }
    }
    jw_end_arr(w);
    jw_qkey(w, JW_K("children_rollup"));
    jw_obj(w);
    jw_qkint(w, JW_K("total"), n);
    jw_qkint(w, JW_K("completed"), done);
    jw_qkint(w, JW_K("progress"), n ? sum / n : 0);
    jw_qkey(w, JW_K("by_state"));
    jw_obj(w);
    for (size_t b = 0; b < nby; b++)
        jw_kint(w, by_state[b], by_n[b]);
    jw_end_obj(w);
    jw_end_obj(w);
}

/* The item's fields, tracks and allowed actions (the members before its lists). */
static void item_write(struct ctx *c, struct jw *w, struct item *it)
{
    const char *sl = item_source_label(it->source_kind);
    jw_qkint(w, JW_K("id"), it->id);
    jw_qkstr(w, JW_K("number"), it->number);
    jw_qkstr(w, JW_K("title"), it->title);
    jw_qkstr(w, JW_K("requirement"), it->requirement);
    jw_qkstr(w, JW_K("source_kind"), it->source_kind);
    jw_qkstr(w, JW_K("source_kind_label"), sl ? sl : it->source_kind);
    jw_qkstr(w, JW_K("source_ref"), it->source_ref);
    jw_qkstr(w, JW_K("source_date"), it->source_date);
    jw_qkint(w, JW_K("office_unit_id"), it->office_unit_id);
    jw_qkstr(w, JW_K("office_unit_name"), it->office_name);
    jw_qkint(w, JW_K("lead_unit_id"), it->lead_unit_id);
    jw_qkstr(w, JW_K("lead_unit_name"), it->lead_name);
    jw_qkey(w, JW_K("leader_id"));
    if (it->leader_id)
        jw_int(w, it->leader_id);
    else
        jw_null(w);
    jw_qkstr(w, JW_K("leader_name"), it->leader_name);
    jw_qkstr(w, JW_K("importance"), it->importance);
    jw_qkstr(w, JW_K("kind"), it->kind);
    jw_qkstr(w, JW_K("due_date"), it->due_date);
    jw_qkstr(w, JW_K("confidentiality"), it->confidentiality);
    jw_qkey(w, JW_K("tags"));
    jw_csv(w, it->tags);
    jw_qkstr(w, JW_K("state"), item_state_name(it->state));
    jw_qkstr(w, JW_K("state_label"), item_state_label(it->state));
    jw_qkey(w, JW_K("parent_id"));
    if (it->parent_id)
        jw_int(w, it->parent_id);
    else
        jw_null(w);
    jw_qkint(w, JW_K("progress"), it->progress);
    jw_qkstr(w, JW_K("grade"), it->grade);
    jw_qkbool(w, JW_K("escalated"), it->escalated);
    jw_qkint(w, JW_K("year"), it->year);
    jw_qkstr(w, JW_K("created_at"), it->created_at);
    jw_qkstr(w, JW_K("updated_at"), it->updated_at);
    jw_qkstr(w, JW_K("closed_at"), it->closed_at);
    jw_qkint(w, JW_K("version"), it->version);
    jw_qkstr(w, JW_K("assigned_at"), it->assigned_at);
    jw_qkstr(w, JW_K("light"), items_light(c, it->due_date, it->state));
    jw_qkey(w, JW_K("tracks"));
    jw_arr(w);
    for (int i = 0; i < it->ntracks; i++) {
        const struct track *t = &it->tracks[i];
        jw_obj(w);
        jw_qkint(w, JW_K("id"), t->id);
        jw_qkint(w, JW_K("unit_id"), t->unit_id);
        jw_qkstr(w, JW_K("unit_code"), t->unit_code);
        jw_qkstr(w, JW_K("unit_name"), t->unit_name);
        jw_qkstr(w, JW_K("role"), t->lead ? "lead" : "co");
        jw_qkstr(w, JW_K("state"), item_state_name(t->state));
        jw_qkstr(w, JW_K("state_label"), item_state_label(t->state));
        jw_qkint(w, JW_K("progress"), items_track_percent(t->state, t->progress));
        jw_qkstr(w, JW_K("received_at"), t->received_at);
        jw_qkstr(w, JW_K("plan_text"), t->plan_text);
        jw_qkstr(w, JW_K("plan_date"), t->plan_date);
        jw_qkstr(w, JW_K("reply_text"), t->reply_text);
        jw_qkstr(w, JW_K("signed_at"), t->signed_at);
        jw_qkey(w, JW_K("allowed_actions"));
        json_put(w, item_allowed_actions(c, it, t));
        jw_end_obj(w);
    }
    jw_end_arr(w);
    if (it->state == ITEM_ST_SUSPENDED)
        jw_qkstr(w, JW_K("resume_state"), item_state_name(it->resume_state));
    jw_qkey(w, JW_K("allowed_actions"));
    json_put(w, item_allowed_actions(c, it, NULL));
}

/* An extension request (row: id, reason, old_date, new_date, state, requested_at, track_id, decided_at,
 * decision_note). */
static void extension_write(struct jw *w, const json_t *r)
{
    json_t *track = json_array_get(r, 6);
    jw_obj(w);
    jw_qkint(w, JW_K("id"), json_integer_value(json_array_get(r, 0)));
    jw_qkstr(w, JW_K("reason"), col_text(r, 1));
    jw_qkstr(w, JW_K("old_date"), col_text(r, 2));
    jw_qkstr(w, JW_K("new_date"), col_text(r, 3));
    jw_qkstr(w, JW_K("state"), col_text(r, 4));
    jw_qkstr(w, JW_K("requested_at"), col_text(r, 5));
    jw_qkey(w, JW_K("track_id"));
    if (json_is_integer(track))
        jw_int(w, json_integer_value(track));
    else
        jw_null(w);
    jw_qkstr(w, JW_K("decided_at"), col_text(r, 7));
    jw_qkstr(w, JW_K("decision_note"), col_text(r, 8));
    jw_end_obj(w);
}

/* The pending extension request among the rows (the last one), or NULL. */
static const json_t *pending_extension(const json_t *rows)
{
    const json_t *pending = NULL, *r;
    size_t k;
    json_array_foreach(rows, k, r)
    {
        if (col_text(r, 4) && !strcmp(col_text(r, 4), "pending"))
            pending = r;
    }
    return pending;
}

enum err items_write(struct ctx *c, int64_t id, struct jw *w)
{
    struct item it;
    struct item_lists lists;
    enum err e = item_load_detail(c, id, &it, &lists);
    if (!e && !perm_item_visible(c->user, &it.scope))
        e = ctx_fail(c, ERR_NOT_FOUND, "督办事项不存在或无权查看");
    /* the clue it was converted from, for whom may read that clue (its row names it: no statement for an item
     * that came from no clue), read before anything is written */
    json_t *clue = NULL;
    if (!e && it.source_clue_id)
        e = hooks_clue_source(c, it.source_clue_id, &clue);
    if (e) {
        item_lists_free(&lists);
        return e;
    }
    /* the pending extension request, known before the allowed actions are worked out */
    const json_t *pending = pending_extension(lists.extensions);
    it.pending_ext = pending ? json_integer_value(json_array_get(pending, 0)) : 0;
    jw_obj(w);
    item_write(c, w, &it);
    children_write(c, w, lists.children);
    jw_qkey(w, JW_K("extensions"));
    jw_arr(w);
    size_t k;
    json_t *r;
    json_array_foreach(lists.extensions, k, r)
    {
        extension_write(w, r);
    }
    jw_end_arr(w);
    jw_qkey(w, JW_K("pending_extension"));
    if (pending)
        extension_write(w, pending);
    else
        jw_null(w);
    jw_qkey(w, JW_K("suspensions"));
    jw_arr(w);
    json_array_foreach(lists.suspensions, k, r)
    {
        jw_obj(w);
        jw_qkstr(w, JW_K("started_at"), col_text(r, 1));
        jw_qkstr(w, JW_K("ended_at"), col_text(r, 2));
        jw_qkstr(w, JW_K("reason"), col_text(r, 3));
        jw_end_obj(w);
    }
    jw_end_arr(w);
    /* whether the caller may split it, and under which unit (the units a child may go to are below it) */
    const struct track *st = item_split_track(c, &it, 0);
    jw_qkey(w, JW_K("split_under"));
    if (st) {
        jw_obj(w);
        jw_qkint(w, JW_K("unit_id"), st->unit_id);
        jw_qkstr(w, JW_K("unit_name"), st->unit_name);
        jw_end_obj(w);
    } else {
        jw_null(w);
    }
    jw_qkey(w, JW_K("source_clue"));
    if (clue)
        json_put(w, clue);
    else
        jw_null(w);
    jw_end_obj(w);
    item_lists_free(&lists);
    return ERR_OK;
}

enum err item_written_tree(struct ctx *c, int64_t id, enum err (*write)(struct ctx *, int64_t, struct jw *),
                           json_t **out, const char *what)
{
    struct buf text = {0};
    struct jw w;
    jw_init(&w, &text);
    enum err e = write(c, id, &w);
    *out = NULL;
    if (!e && !(*out = json_loadb(text.data, text.len, JSON_ALLOW_NUL, NULL)))
        e = ctx_fail(c, ERR_INTERNAL, "%s", what);
    buf_free(&text);
    return e;
}

enum err items_get(struct ctx *c, int64_t id, json_t **out)
{
    return item_written_tree(c, id, items_write, out, "读取督办事项");
}
