/*
 * clue_load.c: one clue as the module works on it (struct clue and the engine's view of it), who sees
 * what of it, its JSON for the office and for a verifier, the list, the timeline, duplicates, and the
 * one function that reads a reporter (条例 Art. 26).
 */
#include "clues/clues_internal.h"

#include "base/textsim.h"
#include "core/events.h"
#include "core/unit_up.h"
#include "crypto/sm2.h"
#include "inspections/inspections.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define CLUE_COLS                                                                                                      \
    "c.id, c.version, c.state, c.number, c.title, c.office_unit_id, c.office_path, o.name, c.area_unit_id, "           \
    "c.area_path, a.name, c.unit_id, c.unit_path, u.name, c.place, c.category, c.description, c.summary, c.source, "   \
    "c.origin_platform, c.origin_number, c.origin_due_date, c.anonymous, c.due_date, c.merged_into, c.dup_of, "        \
    "c.dup_score, c.item_id, c.inspection_id, c.close_reason, c.public_reply, c.photos, c.created_by, c.created_at, "  \
    "c.updated_at, c.closed_at, c.origin_received_on, c.summary_masked, c.summary_reviewed, c.contact_point_id"
#define CLUE_FROM                                                                                                      \
    " FROM clues c JOIN units o ON o.id = c.office_unit_id JOIN units a ON a.id = c.area_unit_id "                     \
    "LEFT JOIN units u ON u.id = c.unit_id "

const char *clue_col(struct ctx *c, struct stmt *st, int i)
{
    return stmt_is_null(st, i) ? NULL : arena_strdup(c->arena, stmt_text(st, i));
}

static int64_t col_id(struct stmt *st, int i)
{
    return stmt_is_null(st, i) ? 0 : stmt_int(st, i);
}

static int state_of(const char *s)
{
    int v = CLUE_ST_RECEIVED;
    wf_state_parse(&clue_workflow, s, &v);
    return v;
}

/* A verification's state as a state of the workflow (the engine's part state). */
static int verif_state(const char *s)
{
    return !strcmp(s, "verifying") ? CLUE_ST_VERIFYING : !strcmp(s, "verified") ? CLUE_ST_VERIFIED : CLUE_ST_RECEIVED;
}

enum err clue_load(struct ctx *c, int64_t id, struct clue *cl)
{
    memset(cl, 0, sizeof *cl);
    struct stmt *st = db_query(c->db, "SELECT " CLUE_COLS CLUE_FROM "WHERE c.id = ?", DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取线索");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        cl->wf.id = stmt_int(st, 0);
        cl->wf.version = stmt_int(st, 1);
        cl->wf.state = state_of(stmt_text(st, 2));
        cl->wf.number = clue_col(c, st, 3);
        cl->wf.title = clue_col(c, st, 4);
        cl->office_unit_id = stmt_int(st, 5);
        cl->office_path = clue_col(c, st, 6);
        cl->office_name = clue_col(c, st, 7);
        cl->area_unit_id = stmt_int(st, 8);
        cl->area_path = clue_col(c, st, 9);
        cl->area_name = units_area_name(c->arena, clue_col(c, st, 10));
        cl->unit_id = col_id(st, 11);
        cl->unit_path = clue_col(c, st, 12);
        cl->unit_name = clue_col(c, st, 13);
        cl->place = clue_col(c, st, 14);
        cl->category = clue_col(c, st, 15);
        cl->description = clue_col(c, st, 16);
        cl->summary = clue_col(c, st, 17);
        cl->source = clue_col(c, st, 18);
        cl->origin_platform = clue_col(c, st, 19);
        cl->origin_number = clue_col(c, st, 20);
        cl->origin_due_date = clue_col(c, st, 21);
        cl->anonymous = stmt_int(st, 22) != 0;
        cl->wf.due_date = clue_col(c, st, 23);
        cl->merged_into = col_id(st, 24);
        cl->dup_of = col_id(st, 25);
        cl->dup_score = stmt_is_null(st, 26) ? 0 : stmt_double(st, 26);
        cl->item_id = col_id(st, 27);
        cl->inspection_id = col_id(st, 28);
        cl->close_reason = clue_col(c, st, 29);
        cl->public_reply = clue_col(c, st, 30);
        cl->photos = (int)stmt_int(st, 31);
        cl->created_by = col_id(st, 32);
        cl->created_at = clue_col(c, st, 33);
        cl->updated_at = clue_col(c, st, 34);
        cl->closed_at = clue_col(c, st, 35);
        cl->origin_received_on = clue_col(c, st, 36);
        cl->summary_masked = (int)stmt_int(st, 37);
        cl->summary_reviewed = stmt_int(st, 38) != 0;
        cl->contact_point_id = col_id(st, 39);
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "线索不存在或无权查看");
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取线索");

    st = db_query(c->db,
                  "SELECT v.id, v.unit_id, v.unit_path, u.name, v.state, v.request, v.due_date, v.finding, v.report, "
                  "v.reported_by, v.reported_at, v.assigned_at FROM clue_verifications v JOIN units u ON u.id = "
                  "v.unit_id WHERE v.clue_id = ? ORDER BY v.id",
                  DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取线索核查");
    int cap = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        cl->verifs = arena_grow(c->arena, cl->verifs, cl->nverifs, &cap, sizeof *cl->verifs);
        struct clue_verif *v = &cl->verifs[cl->nverifs++];
        v->id = stmt_int(st, 0);
        v->unit_id = stmt_int(st, 1);
        v->unit_path = clue_col(c, st, 2);
        v->unit_name = clue_col(c, st, 3);
        v->state = clue_col(c, st, 4);
        v->request = clue_col(c, st, 5);
        v->due_date = clue_col(c, st, 6);
        v->finding = clue_col(c, st, 7);
        v->report = clue_col(c, st, 8);
        v->reported_by = col_id(st, 9);
        v->reported_at = clue_col(c, st, 10);
        v->assigned_at = clue_col(c, st, 11);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取线索核查");

    /* the engine's view: home, scope (the office and the units verifying or that verified), one track */
    cl->current = cl->nverifs - 1;
    const char **paths = arena_alloc(c->arena, sizeof *paths * (size_t)(cl->nverifs + 1));
    int np = 0;
    for (int i = 0; i < cl->nverifs; i++)
        if (strcmp(cl->verifs[i].state, "recalled"))
            paths[np++] = cl->verifs[i].unit_path;
    cl->wf.home_unit_id = cl->office_unit_id;
    cl->wf.home_path = cl->office_path;
    cl->wf.scope = (struct perm_item){cl->office_path, paths, np, true};
    if (cl->current >= 0) {
        const struct clue_verif *v = &cl->verifs[cl->current];
        cl->wf.parts = arena_alloc(c->arena, sizeof *cl->wf.parts);
        cl->wf.parts[0] = (struct wf_part){0, v->id, verif_state(v->state), v->unit_id, v->unit_path, v->unit_name, 0};
        cl->wf.nparts = cl->wf.ntracks = 1;
    }
    if (!cl->wf.due_date && cl->origin_due_date && cl->wf.state == CLUE_ST_RECEIVED)
        cl->wf.due_date = cl->origin_due_date;
    return ERR_OK;
}

/* Does the user see the clue? Its supervision office and those above with CAP_CLUE_READ, the units
 * that verify or verified it, the leaders whose portfolio holds such a unit. */
static bool visible(struct ctx *c, const struct clue *cl)
{
    return !c->user || (perm_any(c->user, CAP_CLUE_READ) && perm_item_visible(c->user, &cl->wf.scope));
}

enum err clue_load_visible(struct ctx *c, int64_t id, struct clue *cl)
{
    enum err e = clue_load(c, id, cl);
    if (e)
        return e;
    if (!visible(c, cl))
        return ctx_fail(c, ERR_NOT_FOUND, "线索不存在或无权查看");
    return ERR_OK;
}

bool clue_is_office(struct ctx *c, const struct clue *cl)
{
    return !c->user || perm_at(c->user, CAP_CLUE_MANAGE, cl->office_path);
}

enum err clue_event(struct ctx *c, int64_t id, const char *kind, const char *action, int from, int to, int64_t unit_id,
                    const char *note, bool pub, json_t *data)
{
    char at[21];
    time_format_iso(c->now, at);
    char *d = data ? json_dumps(data, JSON_COMPACT) : NULL;
    enum err e = db_exec(c->db,
                         "INSERT INTO clue_events (clue_id, at, actor_id, actor, actor_name, kind, action, from_state, "
                         "to_state, unit_id, note, public, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         DB_INT(id), DB_TEXT(at), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(ctx_actor(c)),
                         DB_TEXT(c->user && c->user->name ? c->user->name : "系统"), DB_TEXT(kind), DB_TEXT(action),
                         DB_TEXT(from >= 0 ? clue_state_name((enum clue_state)from) : NULL),
                         DB_TEXT(to >= 0 ? clue_state_name((enum clue_state)to) : NULL), DB_INT_IF(unit_id, unit_id),
                         DB_TEXT(note ? note : ""), DB_INT(pub ? 1 : 0), DB_TEXT(d ? d : "{}"));
    free(d);
    if (e)
        return ctx_db_fail(c, e, "记录线索办理过程");
    /* subscribers (webhooks: the office's endpoints) get the record without its note and details: what
     * was written to or about the reporter stays inside */
    return events_publish(c, &(struct domain_event){CLUE_KIND, id, kind, action, 0, NULL, NULL});
}

/* ---- JSON ---- */

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* {id, number, title, state} of another clue, or null. */
static json_t *clue_ref(struct ctx *c, int64_t id)
{
    if (!id)
        return json_null();
    json_t *out = json_null();
    struct stmt *st = db_query(c->db, "SELECT number, title, state FROM clues WHERE id = ?", DB_INT(id));
    if (st && stmt_step(st) == STORE_ROW)
        out = json_pack("{sI ss ss ss}", "id", (json_int_t)id, "number", stmt_text(st, 0), "title", stmt_text(st, 1),
                        "state", stmt_text(st, 2));
    stmt_done(st);
    return out;
}

/* {id, number, subject, state, state_label} of the inspection a clue became, when the user may see it
 * (the targets of an unannounced one see nothing of it until its findings are issued), else null. */
static json_t *clue_inspection(struct ctx *c, int64_t id)
{
    if (!id)
        return json_null();
    enum err err = c->err;
    const char *msg = c->msg, *field = c->field;
    json_t *it = NULL;
    if (insp_get(c, id, &it)) {
        c->err = err; /* invisible is an answer here, not a failure of the request */
        c->msg = msg;
        c->field = field;
        return json_null();
    }
    json_t *out = json_pack("{sI sO sO sO sO}", "id", (json_int_t)id, "number", json_object_get(it, "number"),
                            "subject", json_object_get(it, "subject"), "state", json_object_get(it, "state"),
                            "state_label", json_object_get(it, "state_label"));
    json_decref(it);
    return out;
}

/* {id, name} of the grassroots contact point a clue came from, or null. */
static json_t *contact_point_ref(struct ctx *c, int64_t id)
{
    json_t *out = json_null();
    struct stmt *st = id ? db_query(c->db, "SELECT name FROM contact_points WHERE id = ?", DB_INT(id)) : NULL;
    if (st && stmt_step(st) == STORE_ROW)
        out = json_pack("{sI ss}", "id", (json_int_t)id, "name", stmt_text(st, 0));
    stmt_done(st);
    return out;
}

static bool clue_inspection_visible(struct ctx *c, int64_t id)
{
    json_t *j = clue_inspection(c, id);
    bool seen = json_is_object(j);
    json_decref(j);
    return seen;
}

const char *clue_source_label(const char *s, bool office, const char **shown)
{
    if (!office && !strcmp(s, "contact_point"))
        s = "staff";
    *shown = s;
    return !strcmp(s, "public")          ? "群众反映（互联网+督查）"
           : !strcmp(s, "transfer")      ? "上级转办"
           : !strcmp(s, "contact_point") ? "基层联系点反映"
                                         : "工作人员登记";
}

json_t *clue_json(struct ctx *c, struct clue *cl)
{
    bool office = clue_is_office(c, cl);
    enum clue_state s = (enum clue_state)cl->wf.state;
    json_t *verifs = json_array();
    for (int i = 0; i < cl->nverifs; i++) {
        const struct clue_verif *v = &cl->verifs[i];
        if (!office && c->user && !perm_sees(c->user, v->unit_path))
            continue; /* a verifier sees its own units' verifications */
        json_array_append_new(verifs,
                              json_pack("{sI sI ss ss ss ss so so so so ss}", "id", (json_int_t)v->id, "unit_id",
                                        (json_int_t)v->unit_id, "unit_name", v->unit_name, "state", v->state, "request",
                                        v->request ? v->request : "", "due_date", v->due_date, "finding",
                                        str_or_null(v->finding), "finding_label",
                                        str_or_null(clue_finding_label(v->finding)), "report", str_or_null(v->report),
                                        "reported_at", str_or_null(v->reported_at), "assigned_at", v->assigned_at));
    }
    json_t *photos = json_array();
    struct stmt *st =
        db_query(c->db, "SELECT id, type, size, state, reason FROM clue_photos WHERE clue_id = ? ORDER BY id",
                 DB_INT(cl->wf.id));
    while (st && stmt_step(st) == STORE_ROW)
        json_array_append_new(photos, json_pack("{sI ss sI ss so}", "id", (json_int_t)stmt_int(st, 0), "type",
                                                stmt_text(st, 1), "size", (json_int_t)stmt_int(st, 2), "state",
                                                stmt_text(st, 3), "reason", str_or_null(stmt_text(st, 4))));
    stmt_done(st);
    json_t *item = json_null();
    const char *pub = clue_public_status(s);
    if (cl->item_id) {
        st = db_query(c->db, "SELECT number, title, state FROM items WHERE id = ?", DB_INT(cl->item_id));
        if (st && stmt_step(st) == STORE_ROW)
            item = json_pack("{sI so ss ss}", "id", (json_int_t)cl->item_id, "number", str_or_null(stmt_text(st, 0)),
                             "title", stmt_text(st, 1), "state", stmt_text(st, 2));
        if (st && json_is_object(item) && s == CLUE_ST_CONVERTED)
            pub = clue_item_public_status(json_string_value(json_object_get(item, "state")));
        stmt_done(st);
    }
    const char *source, *source_text = clue_source_label(cl->source, office, &source);
    json_t *out = json_pack(
        "{sI ss ss ss ss s{sI ss} s{sI ss} ss ss ss ss ss so so so so ss ss ss so so so so so so so so so ss ss so sI}",
        "id", (json_int_t)cl->wf.id, "number", cl->wf.number, "title", cl->wf.title, "category", cl->category,
        "category_label", clue_category_label(cl->category) ? clue_category_label(cl->category) : cl->category,
        "office", "id", (json_int_t)cl->office_unit_id, "name", cl->office_name, "area", "id",
        (json_int_t)cl->area_unit_id, "name", cl->area_name, "place", cl->place, "summary", cl->summary, "source",
        source, "source_label", source_text, "origin_platform", cl->origin_platform, "origin_number",
        str_or_null(cl->origin_number), "origin_due_date", str_or_null(cl->origin_due_date), "origin_received_on",
        str_or_null(cl->origin_received_on), "unit",
        cl->unit_id ? json_pack("{sI ss}", "id", (json_int_t)cl->unit_id, "name", cl->unit_name) : json_null(), "state",
        clue_state_name(s), "state_label", clue_state_label(s), "public_status", pub, "due_date",
        str_or_null(cl->wf.due_date), "merged_into", clue_ref(c, cl->merged_into), "item", item, "inspection",
        clue_inspection(c, cl->inspection_id), "close_reason", str_or_null(cl->close_reason), "close_reason_label",
        str_or_null(clue_close_reason_label(cl->close_reason)), "public_reply", str_or_null(cl->public_reply),
        "verifications", verifs, "photos", photos, "created_at", cl->created_at, "updated_at", cl->updated_at,
        "closed_at", str_or_null(cl->closed_at), "version", (json_int_t)cl->wf.version);
    int track = -1;
    for (int k = 0; k < cl->wf.ntracks && track < 0; k++)
        if (!c->user || perm_sees(c->user, cl->wf.parts[k].unit_path))
            track = k;
    json_object_set_new(out, "allowed_actions", workflow_allowed_actions(c, &clue_workflow, &cl->wf, -1));
    json_object_set_new(out, "verification_actions",
                        track >= 0 ? workflow_allowed_actions(c, &clue_workflow, &cl->wf, track) : json_array());
    if (office) {
        /* what the office alone reads: the report as written, whether a reporter is known, the hints */
        json_object_set_new(out, "description", json_string(cl->description));
        json_object_set_new(out, "summary_masked", json_integer(cl->summary_masked));
        json_object_set_new(out, "summary_reviewed", json_boolean(cl->summary_reviewed));
        /* a contact point's report names its sender (the reporter route reads the account) */
        json_object_set_new(out, "anonymous", json_boolean(cl->anonymous && !cl->contact_point_id));
        json_t *dup = clue_ref(c, cl->dup_of);
        if (json_is_object(dup))
            json_object_set_new(dup, "score", json_real(cl->dup_score));
        json_object_set_new(out, "dup_of", dup);
        json_t *merged = json_array();
        st =
            db_query(c->db, "SELECT id, number, title FROM clues WHERE merged_into = ? ORDER BY id", DB_INT(cl->wf.id));
        while (st && stmt_step(st) == STORE_ROW)
            json_array_append_new(merged, json_pack("{sI ss ss}", "id", (json_int_t)stmt_int(st, 0), "number",
                                                    stmt_text(st, 1), "title", stmt_text(st, 2)));
        stmt_done(st);
        json_object_set_new(out, "merged", merged);
        json_object_set_new(out, "contact_point", contact_point_ref(c, cl->contact_point_id));
        json_object_set_new(out, "office_view", json_true());
    } else {
        json_object_set_new(out, "office_view", json_false());
    }
    return out;
}

enum err clues_get(struct ctx *c, int64_t id, json_t **out)
{
    struct clue cl;
    enum err e = clue_load_visible(c, id, &cl);
    if (!e)
        *out = clue_json(c, &cl);
    return e;
}

/* ---- the list ---- */

/* The visibility condition of a list (appended to sql, binds into b from *k): the office path under a
 * prefix where the user reads clues, or a verification by a unit under one (or in a leader's
 * portfolio). mine: only verifications of units where the user verifies. */
static const char *scope_sql(struct ctx *c, bool mine, struct db_bind *b, int *k)
{
    if (!c->user)
        return "1 = 1";
    int n, np = 0;
    const char **pre = perm_scope_cap(c, mine ? CAP_CLUE_VERIFY : CAP_CLUE_READ, &n);
    const char *office = "", *units = "";
    for (int i = 0; i < n; i++) {
        if (!mine) {
            office =
                arena_printf(c->arena, "%s%s(c.office_path >= ? AND c.office_path < ?)", office, *office ? " OR " : "");
            b[(*k)++] = DB_TEXT(pre[i]);
            b[(*k)++] = DB_TEXT(perm_path_upper(c->arena, pre[i]));
        }
    }
    for (int i = 0; i < n; i++) {
        units = arena_printf(c->arena, "%s%s(v.unit_path >= ? AND v.unit_path < ?)", units, *units ? " OR " : "");
        b[(*k)++] = DB_TEXT(pre[i]);
        b[(*k)++] = DB_TEXT(perm_path_upper(c->arena, pre[i]));
    }
    if (!mine && perm_any(c->user, CAP_CLUE_READ))
        for (int i = 0; i < c->user->nportfolio; i++, np++) {
            units = arena_printf(c->arena, "%s%s(v.unit_path >= ? AND v.unit_path < ?)", units, *units ? " OR " : "");
            b[(*k)++] = DB_TEXT(c->user->portfolio_paths[i]);
            b[(*k)++] = DB_TEXT(perm_path_upper(c->arena, c->user->portfolio_paths[i]));
        }
    if (!*office && !*units)
        return "1 = 0";
    const char *via_units = *units ? arena_printf(c->arena,
                                                  "EXISTS (SELECT 1 FROM clue_verifications v WHERE v.clue_id = c.id "
                                                  "AND v.state <> 'recalled' AND (%s))",
                                                  units)
                                   : NULL;
    if (!*office)
        return via_units;
    return via_units ? arena_printf(c->arena, "(%s OR %s)", office, via_units) : arena_printf(c->arena, "(%s)", office);
}

/* The clues of the offices where the user handles clues (CAP_CLUE_MANAGE): their office paths' ranges OR'ed, binds
 * into b; "" when there is none. */
static const char *manage_ranges(struct ctx *c, struct db_bind *b, int *k)
{
    int n;
    const char **pre = perm_scope_cap(c, CAP_CLUE_MANAGE, &n);
    const char *in = "";
    for (int i = 0; i < n; i++) {
        in = arena_printf(c->arena, "%s%s(c.office_path >= ? AND c.office_path < ?)", in, *in ? " OR " : "");
        b[(*k)++] = DB_TEXT(pre[i]);
        b[(*k)++] = DB_TEXT(perm_path_upper(c->arena, pre[i]));
    }
    return in;
}

/* The condition of the filters (appended), binds into b. */
static enum err filter_sql(struct ctx *c, const struct clue_query *q, const char **where, struct db_bind *b, int *k)
{
    const char *w = "";
    if (q->state) {
        int s;
        if (!wf_state_parse(&clue_workflow, q->state, &s))
            return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“state”不是线索的状态：%s", q->state);
        w = arena_printf(c->arena, "%s AND c.state = ?", w);
        b[(*k)++] = DB_TEXT(q->state);
    }
    if (q->category) {
        if (!clue_category_label(q->category))
            return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“category”不是线索的类别：%s", q->category);
        w = arena_printf(c->arena, "%s AND c.category = ?", w);
        b[(*k)++] = DB_TEXT(q->category);
    }
    if (q->source) {
        if (strcmp(q->source, "public") && strcmp(q->source, "transfer") && strcmp(q->source, "staff") &&
            strcmp(q->source, "contact_point"))
            return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“source”应为 public、transfer、staff 或 contact_point");
        if (c->user && !strcmp(q->source, "staff")) {
            /* a point's clue reads as the office's own record (source staff) to anyone but its office
             * (clue_source_label): it answers this filter outside the offices where the user handles clues, or
             * leaving it out would tell which of the staff's clues came from a point */
            const char *in = manage_ranges(c, b, k);
            w = *in ? arena_printf(c->arena, "%s AND (c.source = 'staff' OR (c.source = 'contact_point' AND NOT (%s)))",
                                   w, in)
                    : arena_printf(c->arena, "%s AND c.source IN ('staff', 'contact_point')", w);
        } else {
            w = arena_printf(c->arena, "%s AND c.source = ?", w);
            b[(*k)++] = DB_TEXT(q->source);
        }
    }
    if (q->contact_point_id) {
        w = arena_printf(c->arena, "%s AND c.contact_point_id = ?", w);
        b[(*k)++] = DB_INT(q->contact_point_id);
    }
    if (c->user && (q->contact_point_id || (q->source && !strcmp(q->source, "contact_point")))) {
        /* which clues came from a contact point is the office's to know: the filter reads only the clues of
         * offices where the user handles clues (any other user is refused) */
        const char *in = manage_ranges(c, b, k);
        if (!*in)
            return ctx_fail(c, ERR_FORBIDDEN, "只有督查室可以按基层联系点查找线索");
        w = arena_printf(c->arena, "%s AND (%s)", w, in);
    }
    if (q->q && *q->q) {
        const char *like = arena_printf(c->arena, "%%%s%%", q->q);
        w = arena_printf(c->arena, "%s AND (c.title LIKE ? OR c.summary LIKE ? OR c.number LIKE ? OR c.place LIKE ?)",
                         w);
        for (int i = 0; i < 4; i++)
            b[(*k)++] = DB_TEXT(like);
    }
    const struct {
        int64_t id;
        const char *column;
    } ranges[] = {{q->unit_id, "c.unit_path"}, {q->area_id, "c.area_path"}};
    for (int i = 0; i < 2; i++) {
        if (!ranges[i].id)
            continue;
        const char *path = NULL;
        if (db_one_text(c->db, c->arena, &path, "SELECT path FROM units WHERE id = ?", DB_INT(ranges[i].id)))
            return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“%s”不是已有的单位", i ? "area_id" : "unit_id");
        w = arena_printf(c->arena, "%s AND %s >= ? AND %s < ?", w, ranges[i].column, ranges[i].column);
        b[(*k)++] = DB_TEXT(path);
        b[(*k)++] = DB_TEXT(perm_path_upper(c->arena, path));
    }
    if (q->transfers)
        w = arena_printf(c->arena, "%s AND c.source = 'transfer'", w);
    if (q->item_id) {
        w = arena_printf(c->arena, "%s AND c.item_id = ?", w);
        b[(*k)++] = DB_INT(q->item_id);
    }
    *where = w;
    return ERR_OK;
}

enum err clues_list(struct ctx *c, const struct clue_query *q, json_t **out)
{
    /* scope_sql's binds, then the filters' (manage_ranges: two per grant, at most twice) */
    int n = c->user ? 10 * c->user->ngrants + 2 * c->user->nportfolio : 0;
    struct db_bind *b = arena_alloc(c->arena, sizeof *b * (size_t)(n + 24));
    int k = 0;
    const char *scope = scope_sql(c, q->mine, b, &k);
    const char *filters;
    enum err e = filter_sql(c, q, &filters, b, &k);
    if (e)
        return e;
    int kw = k; /* the binds of the WHERE clause */
    const char *where = arena_printf(c->arena, " FROM clues c WHERE %s%s", scope, filters);

    /* counts per state (the filters but the state) */
    json_t *counts = json_object();
    struct clue_query nostate = *q;
    nostate.state = NULL;
    struct db_bind *cb = arena_alloc(c->arena, sizeof *cb * (size_t)(kw + 2));
    int ck = 0;
    const char *cscope = scope_sql(c, q->mine, cb, &ck), *cfilters;
    if ((e = filter_sql(c, &nostate, &cfilters, cb, &ck)))
        return e;
    cb[ck] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    struct stmt *st = db_query_a(
        c->db,
        arena_printf(c->arena, "SELECT c.state, COUNT(*) FROM clues c WHERE %s%s GROUP BY c.state", cscope, cfilters),
        cb);
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计线索");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_object_set_new(counts, stmt_text(st, 0), json_integer(stmt_int(st, 1)));
    stmt_done(st);
    if (rc < 0) {
        json_decref(counts);
        return ctx_store_fail(c, rc, "统计线索");
    }

    int64_t total = 0;
    b[k] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    st = db_query_a(c->db, arena_printf(c->arena, "SELECT COUNT(*)%s", where), b);
    if (!st || stmt_step(st) != STORE_ROW) {
        stmt_done(st);
        json_decref(counts);
        return ctx_db_fail(c, ERR_INTERNAL, "统计线索");
    }
    total = stmt_int(st, 0);
    stmt_done(st);

    b[k++] = DB_INT(q->per_page);
    b[k++] = DB_INT((int64_t)(q->page - 1) * q->per_page);
    b[k] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    st = db_query_a(c->db,
                    arena_printf(c->arena,
                                 "SELECT c.id, c.number, c.title, c.category, c.state, c.source, c.due_date, "
                                 "c.created_at, c.area_unit_id, (SELECT name FROM units WHERE id = c.area_unit_id), "
                                 "c.unit_id, (SELECT name FROM units WHERE id = c.unit_id), c.origin_number, "
                                 "c.origin_due_date, c.dup_of, c.photos, c.office_path, c.place%s "
                                 "ORDER BY c.id DESC LIMIT ? OFFSET ?",
                                 where),
                    b);
    if (!st) {
        json_decref(counts);
        return ctx_db_fail(c, ERR_INTERNAL, "读取线索");
    }
    json_t *arr = json_array();
    char today[11];
    clue_today(c, today);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        enum clue_state s = (enum clue_state)state_of(stmt_text(st, 4));
        const char *due = stmt_is_null(st, 6) ? (stmt_is_null(st, 13) ? NULL : stmt_text(st, 13)) : stmt_text(st, 6);
        bool running = s == CLUE_ST_RECEIVED || s == CLUE_ST_VERIFYING || s == CLUE_ST_VERIFIED;
        bool office = !c->user || perm_at(c->user, CAP_CLUE_MANAGE, stmt_text(st, 16));
        const char *source;
        clue_source_label(stmt_text(st, 5), office, &source);
        json_t *row = json_pack(
            "{sI ss ss ss ss ss ss ss so so ss s{sI ss} so so sb si ss}", "id", (json_int_t)stmt_int(st, 0), "number",
            stmt_text(st, 1), "title", stmt_text(st, 2), "category", stmt_text(st, 3), "category_label",
            clue_category_label(stmt_text(st, 3)) ? clue_category_label(stmt_text(st, 3)) : stmt_text(st, 3), "state",
            clue_state_name(s), "state_label", clue_state_label(s), "source", source, "due_date", str_or_null(due),
            "overdue", json_boolean(running && due && strcmp(due, today) < 0), "created_at", stmt_text(st, 7), "area",
            "id", (json_int_t)stmt_int(st, 8), "name", units_area_name(c->arena, stmt_text(st, 9)), "unit",
            stmt_is_null(st, 10) ? json_null()
                                 : json_pack("{sI ss}", "id", (json_int_t)stmt_int(st, 10), "name", stmt_text(st, 11)),
            "origin_number", str_or_null(stmt_is_null(st, 12) ? NULL : stmt_text(st, 12)), "possible_duplicate",
            office && !stmt_is_null(st, 14), "photos", (int)stmt_int(st, 15), "place", stmt_text(st, 17));
        json_array_append_new(arr, row);
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        json_decref(counts);
        return ctx_store_fail(c, rc, "读取线索");
    }
    *out = json_pack("{so sI si si so}", "clues", arr, "total", (json_int_t)total, "page", q->page, "per_page",
                     q->per_page, "counts", counts);
    return ERR_OK;
}

/* ---- timeline, reporter, duplicates, photos ---- */

/* The words of a timeline row that is not a workflow action (how the clue came in, triage, deadlines). */
static const char *event_label(const char *kind, const char *action)
{
    static const struct {
        const char *action, *label;
    } t[] = {{"submit", "受理群众反映"},
             {"import", "导入上级转办"},
             {"create", "登记"},
             {"update", "分拣"},
             {"merged_in", "并入重复线索"}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (!strcmp(t[i].action, action))
            return t[i].label;
    return !strcmp(kind, "deadline") ? "时限提醒" : action;
}

enum err clues_events(struct ctx *c, int64_t id, json_t **out)
{
    struct clue cl;
    enum err e = clue_load_visible(c, id, &cl);
    if (e)
        return e;
    bool office = clue_is_office(c, &cl);
    struct stmt *st = db_query(c->db,
                               "SELECT id, at, actor, actor_name, kind, action, from_state, to_state, unit_id, note, "
                               "public, data FROM clue_events WHERE clue_id = ? ORDER BY id",
                               DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取线索办理过程");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        json_t *data = json_loads(stmt_text(st, 11), 0, NULL);
        if (!json_is_object(data)) {
            json_decref(data);
            data = json_object();
        }
        if (!office) /* the verifiers read what was decided, not how the public reached the office */
            json_object_del(data, "anonymous");
        const char *action = stmt_text(st, 5), *actor = stmt_text(st, 2), *actor_name = stmt_text(st, 3);
        if (!office && cl.contact_point_id && !strcmp(action, "create")) {
            /* a contact point's report reads as the office's own record: neither the point nor who sent it */
            json_object_set_new(data, "source", json_string("staff"));
            actor = "office";
            actor_name = "督查室";
        }
        if (!office && !strcmp(action, "convert_inspection") &&
            !clue_inspection_visible(c, json_integer_value(json_object_get(data, "inspection_id")))) {
            json_decref(data); /* an unannounced inspection's targets learn nothing of it from the clue */
            continue;
        }
        int a = -1;
        wf_action_parse(&clue_workflow, action, &a);
        json_array_append_new(
            arr, json_pack("{sI ss ss ss ss ss ss so so so ss sb so}", "id", (json_int_t)stmt_int(st, 0), "at",
                           stmt_text(st, 1), "actor", actor, "actor_name", actor_name, "kind", stmt_text(st, 4),
                           "action", action, "action_label",
                           a >= 0 ? wf_action_label(&clue_workflow, a) : event_label(stmt_text(st, 4), action),
                           "from_state", str_or_null(stmt_is_null(st, 6) ? NULL : stmt_text(st, 6)), "to_state",
                           str_or_null(stmt_is_null(st, 7) ? NULL : stmt_text(st, 7)), "unit_id",
                           stmt_is_null(st, 8) ? json_null() : json_integer(stmt_int(st, 8)), "note", stmt_text(st, 9),
                           "public", stmt_int(st, 10) != 0, "data", data));
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取线索办理过程");
    }
    *out = json_pack("{so}", "events", arr);
    return ERR_OK;
}

/* The clue's own supervision office: the grant carrying CAP_CLUE_REPORTER at exactly the clue's
 * government (an office above reads the clue, not who sent it), or NULL. */
static const struct grant *reporter_reader(const struct principal *p, const char *office_path)
{
    for (int i = 0; p && i < p->ngrants; i++)
        if (perm_grant_has(&p->grants[i], CAP_CLUE_REPORTER) && !strcmp(p->grants[i].unit_path, office_path))
            return &p->grants[i];
    return NULL;
}

static enum err reporter_tx(struct ctx *c, void *arg)
{
    int64_t id = *(int64_t *)arg;
    json_t *sum = json_pack("{ss}", "purpose", "查看举报人信息");
    enum err e = audit_record(c, "clue.reporter_read", CLUE_KIND, id, sum);
    json_decref(sum);
    return e;
}

enum err clue_item_source(struct ctx *c, int64_t clue_id, json_t **out)
{
    *out = NULL;
    struct stmt *st = db_query(c->db, "SELECT number, office_path FROM clues WHERE id = ?", DB_INT(clue_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取事项来源线索");
    int rc = stmt_step(st);
    /* the office's readers only: its office and those above, the government's leaders; never a unit below it
     * (the unit concerned leads the item, and a unit that verified the clue reads it from its own to-do) */
    if (rc == STORE_ROW && (!c->user || perm_at(c->user, CAP_CLUE_READ, stmt_text(st, 1))))
        *out = json_pack("{sI ss ss}", "id", (json_int_t)clue_id, "number", stmt_text(st, 0), "link",
                         arena_printf(c->arena, "/clues/%lld", (long long)clue_id));
    stmt_done(st);
    if (rc < 0) {
        json_decref(*out);
        *out = NULL;
        return ctx_store_fail(c, rc, "读取事项来源线索");
    }
    return ERR_OK;
}

enum err clues_reporter(struct ctx *c, int64_t id, json_t **out)
{
    struct clue cl;
    enum err e = clue_load_visible(c, id, &cl);
    if (e)
        return e;
    if (c->user && !(c->acting = reporter_reader(c->user, cl.office_path)))
        return ctx_fail(c, ERR_FORBIDDEN, "反映人信息只有受理该线索的督查室可以查看");
    json_t *who = NULL;
    if (!cl.anonymous) {
        const char *sealed = NULL;
        e = db_one_text(c->db, c->arena, &sealed, "SELECT sealed FROM clue_reporters WHERE clue_id = ?", DB_INT(id));
        if (e && e != ERR_NOT_FOUND)
            return ctx_db_fail(c, e, "读取反映人信息");
        if (sealed && !strncmp(sealed, "p:", 2)) {
            who = json_loads(sealed + 2, 0, NULL);
        } else if (sealed) {
            unsigned char *plain = NULL;
            size_t n = 0;
            if (!c->cfg->secret_key || !*c->cfg->secret_key ||
                !sm2_open_private(c->cfg->secret_key, sealed, &plain, &n))
                return ctx_fail(c, ERR_INTERNAL, "反映人信息无法解密：服务器的 secret_key 与保存时不同");
            who = json_loadb((const char *)plain, n, 0, NULL);
            sodium_memzero(plain, n);
            free(plain);
        }
    }
    bool named = !cl.anonymous;
    if (cl.contact_point_id && cl.created_by) { /* a contact point's report: the account that sent it */
        struct stmt *st = db_query(c->db, "SELECT name, phone, email FROM users WHERE id = ?", DB_INT(cl.created_by));
        if (st && stmt_step(st) == STORE_ROW) {
            who = json_pack("{ss}", "name", stmt_text(st, 0));
            for (int k = 1; k < 3; k++)
                if (*stmt_text(st, k))
                    json_object_set_new(who, k == 1 ? "phone" : "email", json_string(stmt_text(st, k)));
            named = true;
        }
        stmt_done(st);
    }
    if ((e = ctx_tx(c, "记录查看反映人信息", reporter_tx, &id))) {
        json_decref(who);
        return e;
    }
    *out = json_pack("{sb so}", "anonymous", !named, "reporter", who ? who : json_null());
    return ERR_OK;
}

enum err clues_similar(struct ctx *c, int64_t id, json_t **out)
{
    struct clue cl;
    enum err e = clue_load_visible(c, id, &cl);
    if (e)
        return e;
    if (!clue_is_office(c, &cl))
        return ctx_fail(c, ERR_FORBIDDEN, "只有受理该线索的督查室可以查找重复线索");
    struct bigrams mine;
    text_bigrams(c->arena, arena_printf(c->arena, "%s %s", cl.place, cl.description), 2000, &mine);
    /* the same office, the same area or one above or below it, not merged, the latest 500 */
    struct db_bind b[72] = {DB_INT(cl.office_unit_id), DB_INT(id)};
    int nb = 2;
    const char *area = "1 = 0";
    unit_up_or_below(c->arena, "c.area_path", cl.area_path, b, &nb, 70, &area);
    b[nb] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    struct stmt *st = db_query_a(
        c->db,
        arena_printf(c->arena,
                     "SELECT c.id, c.number, c.title, c.state, c.place, COALESCE(c.place, '') || ' ' || c.description, "
                     "c.created_at, a.name FROM clues c JOIN units a ON a.id = c.area_unit_id WHERE c.office_unit_id = "
                     "? AND c.id <> ? AND c.state <> 'merged' AND %s ORDER BY c.id DESC LIMIT 500",
                     area),
        b);
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "查找重复线索");
    struct cand {
        double score;
        json_t *row;
    } *cands = arena_alloc(c->arena, sizeof *cands * 500);
    int n = 0, rc;
    while ((rc = stmt_step(st)) == STORE_ROW && n < 500) {
        struct bigrams other;
        text_bigrams(c->arena, stmt_text(st, 5), 2000, &other);
        double score = text_dice(&mine, &other);
        if (score < CLUE_SIMILAR_MIN)
            continue;
        cands[n++] =
            (struct cand){score, json_pack("{sI ss ss ss ss ss ss sf}", "id", (json_int_t)stmt_int(st, 0), "number",
                                           stmt_text(st, 1), "title", stmt_text(st, 2), "state", stmt_text(st, 3),
                                           "place", stmt_text(st, 4), "created_at", stmt_text(st, 6), "area_name",
                                           units_area_name(c->arena, stmt_text(st, 7)), "score", score)};
    }
    stmt_done(st);
    /* best first (few candidates: insertion sort) */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && cands[j].score > cands[j - 1].score; j--) {
            struct cand t = cands[j];
            cands[j] = cands[j - 1];
            cands[j - 1] = t;
        }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        if (i < 20)
            json_array_append(arr, cands[i].row);
        json_decref(cands[i].row);
    }
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "查找重复线索");
    }
    *out = json_pack("{so sf}", "similar", arr, "threshold", CLUE_SIMILAR_MIN);
    return ERR_OK;
}

enum err clues_photo_file(struct ctx *c, int64_t id, int64_t photo_id, const char **path, const char **type)
{
    struct clue cl;
    enum err e = clue_load_visible(c, id, &cl);
    if (e)
        return e;
    struct stmt *st = db_query(c->db, "SELECT sm3, type, state, reason FROM clue_photos WHERE id = ? AND clue_id = ?",
                               DB_INT(photo_id), DB_INT(id));
    const char *h = NULL, *state = NULL, *reason = NULL;
    if (st && stmt_step(st) == STORE_ROW) {
        h = arena_strdup(c->arena, stmt_text(st, 0));
        *type = arena_strdup(c->arena, stmt_text(st, 1));
        state = arena_strdup(c->arena, stmt_text(st, 2));
        reason = stmt_text(st, 3) ? arena_strdup(c->arena, stmt_text(st, 3)) : NULL;
    }
    stmt_done(st);
    if (!h)
        return ctx_fail(c, ERR_NOT_FOUND, "照片不存在");
    /* nobody is served a photo as it was sent: only the copy the photo worker stored without its metadata */
    if (!strcmp(state, "pending"))
        return ctx_fail(c, ERR_CONFLICT, "照片处理中，请稍后再看");
    if (strcmp(state, "ready"))
        return ctx_fail(c, ERR_CONFLICT, "照片未被接收：%s", reason ? reason : "无法处理");
    *path = arena_printf(c->arena, "%s/clues/%.2s/%s", c->cfg->data_dir, h, h);
    return ERR_OK;
}
