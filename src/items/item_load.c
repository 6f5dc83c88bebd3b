/*
 * item_load.c: one item as the module works on it (struct item, its tracks, and the engine's view of
 * them), its row lock, its progress rolled up from its tracks and child items, and what other modules
 * read of an item (its label, a track's progress).
 */
#include "items/items_internal.h"
#include "base/utf8.h"

#include "core/counter.h"
#include "deadlines/deadlines.h"

#include <inttypes.h>

#include <stdlib.h>
#include <string.h>

/* The item's columns as item_from_row reads them, with the office's, lead unit's and leader's names as given
 * (ITEM_COLS: from ITEM_FROM's joins; the detail: NULL, from the names' cache) */
#define ITEM_COLS_NAMED(office_name, lead_name, leader_name)                                                           \
    "i.id, i.number, i.num_year, i.num_seq, i.title, i.requirement, i.source_kind, i.source_ref, i.source_date, "      \
    "i.office_unit_id, i.office_path, " office_name ", i.lead_unit_id, i.lead_path, " lead_name                        \
    ", i.leader_id, " leader_name                                                                                      \
    ", i.importance, i.kind, i.due_date, i.confidentiality, i.tags, i.state, i.resume_state, i.parent_id, "            \
    "i.progress, i.grade, i.escalated, i.year, i.created_by, i.created_at, i.updated_at, i.closed_at, "                \
    "i.version, i.assigned_at, i.source_clue_id"
#define ITEM_COLS ITEM_COLS_NAMED("ou.name", "lu.name", "us.name")

static const char *dup_col(struct ctx *c, struct stmt *st, int col)
{
    return stmt_is_null(st, col) ? NULL : arena_strdup(c->arena, stmt_text(st, col));
}

static void item_view(struct ctx *c, struct item *it);

/* Fills it from the ITEM_COLS of the current row of st. */
static void item_from_row(struct ctx *c, struct stmt *st, struct item *it)
{
    it->id = stmt_int(st, 0);
    it->number = stmt_is_null(st, 1) ? item_late_number(c, stmt_int(st, 0)) : dup_col(c, st, 1);
    it->num_year = stmt_int(st, 2);
    it->num_seq = stmt_int(st, 3);
    it->title = dup_col(c, st, 4);
    it->requirement = dup_col(c, st, 5);
    it->source_kind = dup_col(c, st, 6);
    it->source_ref = dup_col(c, st, 7);
    it->source_date = dup_col(c, st, 8);
    it->office_unit_id = stmt_int(st, 9);
    it->office_path = dup_col(c, st, 10);
    it->office_name = dup_col(c, st, 11);
    it->lead_unit_id = stmt_int(st, 12);
    it->lead_path = dup_col(c, st, 13);
    it->lead_name = dup_col(c, st, 14);
    it->leader_id = stmt_is_null(st, 15) ? 0 : stmt_int(st, 15);
    it->leader_name = dup_col(c, st, 16);
    it->importance = dup_col(c, st, 17);
    it->kind = dup_col(c, st, 18);
    it->due_date = dup_col(c, st, 19);
    it->confidentiality = dup_col(c, st, 20);
    it->tags = dup_col(c, st, 21);
    item_state_parse(stmt_text(st, 22), &it->state);
    it->resume_state = ITEM_ST_IN_PROGRESS;
    if (!stmt_is_null(st, 23))
        item_state_parse(stmt_text(st, 23), &it->resume_state);
    it->parent_id = stmt_is_null(st, 24) ? 0 : stmt_int(st, 24);
    it->progress = (int)stmt_int(st, 25);
    it->grade = dup_col(c, st, 26);
    it->escalated = stmt_int(st, 27) != 0;
    it->year = stmt_int(st, 28);
    it->created_by = stmt_is_null(st, 29) ? 0 : stmt_int(st, 29);
    it->created_at = dup_col(c, st, 30);
    it->updated_at = dup_col(c, st, 31);
    it->closed_at = dup_col(c, st, 32);
    it->version = stmt_int(st, 33);
    it->assigned_at = dup_col(c, st, 34);
    it->source_clue_id = stmt_is_null(st, 35) ? 0 : stmt_int(st, 35);
}

/* A new track of it (the array grows by doubling). */
static struct track *track_add(struct ctx *c, struct item *it, int *cap)
{
    if (it->ntracks == *cap) {
        int ncap = *cap ? *cap * 2 : 4;
        struct track *n = arena_alloc(c->arena, sizeof *n * (size_t)ncap);
        if (*cap)
            memcpy(n, it->tracks, sizeof *n * (size_t)*cap);
        it->tracks = n;
        *cap = ncap;
    }
    return &it->tracks[it->ntracks++];
}

/* The scope (who sees it), the pending extension unknown, the engine's view: once the tracks are in. */
static void item_finish(struct ctx *c, struct item *it)
{
    const char **paths = arena_alloc(c->arena, sizeof *paths * (size_t)(it->ntracks + 1));
    for (int i = 0; i < it->ntracks; i++)
        paths[i] = it->tracks[i].unit_path;
    it->scope.office_path = it->office_path;
    it->scope.unit_paths = paths;
    it->scope.nunits = it->ntracks;
    it->scope.units_see = it->assigned_at != NULL;
    it->pending_ext = -1;
    item_view(c, it);
}

#define ITEM_FROM                                                                                                      \
    " FROM items i JOIN units ou ON ou.id = i.office_unit_id JOIN units lu ON lu.id = i.lead_unit_id "                 \
    "LEFT JOIN users us ON us.id = i.leader_id "

enum err item_load(struct ctx *c, int64_t id, struct item *it)
{
    memset(it, 0, sizeof *it);
    struct stmt *st = db_query(c->db, "SELECT " ITEM_COLS ITEM_FROM "WHERE i.id = ?", DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取督办事项");
    /* the item and its tracks travel together (stmt_send: one round trip on PostgreSQL) */
    stmt_send(st);
    struct stmt *tracks =
        db_query(c->db,
                 "SELECT t.id, t.unit_id, t.unit_path, u.code, u.name, t.role, t.state, t.progress, t.received_at, "
                 "t.plan_text, t.plan_date, t.reply_text, t.signed_at FROM item_tracks t JOIN units u ON u.id = "
                 "t.unit_id WHERE t.item_id = ? ORDER BY CASE WHEN t.role = 'lead' THEN 0 ELSE 1 END, t.id",
                 DB_INT(id));
    stmt_send(tracks);
    int rc = stmt_step(st);
    if (rc == STORE_ROW)
        item_from_row(c, st, it);
    stmt_done(st);
    if (rc < 0 || rc == STORE_DONE)
        stmt_done(tracks);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "督办事项不存在或无权查看");
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取督办事项");

    st = tracks;
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取督办事项");
    int cap = 0;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        struct track *t = track_add(c, it, &cap);
        t->id = stmt_int(st, 0);
        t->unit_id = stmt_int(st, 1);
        t->unit_path = dup_col(c, st, 2);
        t->unit_code = dup_col(c, st, 3);
        t->unit_name = dup_col(c, st, 4);
        t->lead = !strcmp(stmt_text(st, 5), "lead");
        item_state_parse(stmt_text(st, 6), &t->state);
        t->progress = (int)stmt_int(st, 7);
        t->received_at = dup_col(c, st, 8);
        t->plan_text = dup_col(c, st, 9);
        t->plan_date = dup_col(c, st, 10);
        t->reply_text = dup_col(c, st, 11);
        t->signed_at = dup_col(c, st, 12);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取督办事项");
    item_finish(c, it);
    return ERR_OK;
}

/* Text of element k of the array a ("" when it is no text). */
static const char *jtext(const json_t *a, size_t k)
{
    const char *s = json_string_value(json_array_get(a, k));
    return s ? s : "";
}

/* Text of element k of the array a, copied (NULL for null). */
static const char *jdup(struct ctx *c, const json_t *a, size_t k)
{
    const char *s = json_string_value(json_array_get(a, k));
    return s ? arena_strdup(c->arena, s) : NULL;
}

/* the item with its lists and the names' generation (view item_detail, migration 0306): one statement without
 * joins, the names (NULL here, at ITEM_COLS' places; the tracks' and children's units) from the names' cache
 * (ledger_item_names), the lists' rows sorted here */
#define DETAIL_COLS                                                                                                    \
    ITEM_COLS_NAMED("NULL", "NULL", "NULL") ", i.tracks, i.children, i.extensions, i.suspensions, i.names_gen"
static const char detail_sql[] = "SELECT " DETAIL_COLS " FROM item_detail i WHERE i.id = ?";

void items_get_send(struct ctx *c, int64_t id)
{
    struct stmt *st = db_query(c->db, detail_sql, DB_INT(id));
    stmt_send(st);
    if (st)
        ctx_ahead_put(c, st, detail_sql, id);
}

static int row_id_cmp(const void *x, const void *y)
{
    json_int_t a = json_integer_value(json_array_get(*(json_t *const *)x, 0)),
               b = json_integer_value(json_array_get(*(json_t *const *)y, 0));
    return a < b ? -1 : a > b;
}

/* rows (arrays whose first element is the row's id) sorted by id; rows is released */
static json_t *rows_by_id(struct ctx *c, json_t *rows)
{
    size_t n = json_array_size(rows);
    if (n < 2)
        return rows;
    json_t **v = arena_alloc(c->arena, sizeof *v * n);
    for (size_t k = 0; k < n; k++)
        v[k] = json_array_get(rows, k);
    qsort(v, n, sizeof *v, row_id_cmp);
    json_t *out = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append(out, v[k]);
    json_decref(rows);
    return out;
}

/* the lead unit's track first, then the others by id (as the item's statement of item_load orders them) */
static int track_cmp(const void *x, const void *y)
{
    const struct track *a = x, *b = y;
    if (a->lead != b->lead)
        return a->lead ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

enum err item_load_detail(struct ctx *c, int64_t id, struct item *it, struct item_lists *lists)
{
    memset(it, 0, sizeof *it);
    memset(lists, 0, sizeof *lists);
    struct stmt *st = ctx_ahead_take(c, detail_sql, id); /* sent with the credential check (items_get_send) */
    if (!st)
        st = db_query(c->db, detail_sql, DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取督办事项");
    int rc = stmt_step(st);
    json_t *tracks = NULL;
    bool gen_known = false;
    int64_t gen = 0;
    if (rc == STORE_ROW) {
        item_from_row(c, st, it);
        tracks = jv_array_parse(stmt_text(st, 36));
        lists->children = jv_array_parse(stmt_text(st, 37));
        lists->extensions = jv_array_parse(stmt_text(st, 38));
        lists->suspensions = jv_array_parse(stmt_text(st, 39));
        gen_known = !stmt_is_null(st, 40);
        gen = gen_known ? stmt_int(st, 40) : 0;
    }
    stmt_done(st);
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_NOT_FOUND, "督办事项不存在或无权查看");
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取督办事项");
    if (!tracks || !lists->children || !lists->extensions || !lists->suspensions) {
        json_decref(tracks);
        item_lists_free(lists);
        return ctx_db_fail(c, ERR_INTERNAL, "读取督办事项");
    }
    int cap = 0;
    size_t k;
    json_t *r;
    json_array_foreach(tracks, k, r)
    {
        struct track *t = track_add(c, it, &cap);
        t->id = json_integer_value(json_array_get(r, 0));
        t->unit_id = json_integer_value(json_array_get(r, 1));
        t->unit_path = jdup(c, r, 2);
        t->lead = !strcmp(jtext(r, 3), "lead");
        item_state_parse(jtext(r, 4), &t->state);
        t->progress = (int)json_integer_value(json_array_get(r, 5));
        t->received_at = jdup(c, r, 6);
        t->plan_text = jdup(c, r, 7);
        t->plan_date = jdup(c, r, 8);
        t->reply_text = jdup(c, r, 9);
        t->signed_at = jdup(c, r, 10);
    }
    json_decref(tracks);
    if (it->ntracks > 1)
        qsort(it->tracks, (size_t)it->ntracks, sizeof *it->tracks, track_cmp);
    lists->children = rows_by_id(c, lists->children);
    lists->extensions = rows_by_id(c, lists->extensions);
    lists->suspensions = rows_by_id(c, lists->suspensions);
    /* the names, once the lists parsed (no name read for nothing): the children's lead units' too */
    int nkids = (int)json_array_size(lists->children);
    int64_t *kid_units = arena_alloc(c->arena, sizeof *kid_units * (size_t)(nkids + 1));
    const char **kid_names = arena_alloc(c->arena, sizeof *kid_names * (size_t)(nkids + 1));
    json_array_foreach(lists->children, k, r)
    {
        kid_units[k] = json_integer_value(json_array_get(r, 6));
    }
    enum err e = ledger_item_names(c, gen_known, gen, it, kid_units, kid_names, nkids);
    if (e) {
        item_lists_free(lists);
        return e;
    }
    json_array_foreach(lists->children, k, r)
    {
        json_array_set_new(r, 6, kid_names[k] ? json_string(kid_names[k]) : json_null());
    }
    item_finish(c, it);
    return ERR_OK;
}

void item_lists_free(struct item_lists *lists)
{
    json_decref(lists->children);
    json_decref(lists->extensions);
    json_decref(lists->suspensions);
    memset(lists, 0, sizeof *lists);
}

/* The id of the unit at the end of a materialized path ("/1/7/45/" -> 45). */
static int64_t path_last_id(const char *path)
{
    const char *end = path + strlen(path);
    if (end > path && end[-1] == '/')
        end--;
    const char *p = end;
    while (p > path && p[-1] != '/')
        p--;
    return strtoll(p, NULL, 10);
}

/* Fills it->wf, the engine's view of the item: its tracks are the parts the track rows act on. */
static void item_view(struct ctx *c, struct item *it)
{
    struct wf_obj *o = &it->wf;
    o->id = it->id;
    o->version = it->version;
    o->state = (int)it->state;
    o->resume_state = (int)it->resume_state;
    o->home_path = it->office_path;
    o->home_unit_id = path_last_id(it->office_path);
    o->scope = it->scope;
    o->number = it->number;
    o->title = it->title;
    /* the item's deadline is its units' and the office's until it is completed; the archive that follows is not late
     * by it (立卷归档 "及时", with no limit of its own): its to-do has no due date, and waits as long as it waits */
    o->due_date = it->state < ITEM_ST_COMPLETED ? it->due_date : NULL;
    o->persons[ITEM_PERSON_LEADER] = it->leader_id;
    o->parts = arena_alloc(c->arena, sizeof *o->parts * (size_t)(it->ntracks + 1));
    for (int i = 0; i < it->ntracks; i++) {
        const struct track *t = &it->tracks[i];
        o->parts[i] =
            (struct wf_part){ITEM_PART_TRACK, t->id, (int)t->state, t->unit_id, t->unit_path, t->unit_name, 0};
    }
    o->nparts = o->ntracks = it->ntracks;
}

/* Appends one part to the view (arena; the array grows by copying). */
static void view_add(struct ctx *c, struct wf_obj *o, const struct wf_part *p)
{
    struct wf_part *n = arena_alloc(c->arena, sizeof *n * (size_t)(o->nparts + 1));
    memcpy(n, o->parts, sizeof *n * (size_t)o->nparts);
    n[o->nparts++] = *p;
    o->parts = n;
}

/* The item's track with this id, or NULL. */
static const struct track *track_by_id(const struct item *it, int64_t id)
{
    for (int i = 0; i < it->ntracks; i++)
        if (it->tracks[i].id == id)
            return &it->tracks[i];
    return NULL;
}

/* Adds to the view the parts of one kind that sql lists (id, track_id, the person who made it), each on
 * its track's unit. */
/* Reads the rows of st (sent or not: the first step reads them; NULL: its prepare failed) as parts of
 * kind, and finishes it. */
static enum err add_parts(struct ctx *c, struct item *it, enum item_part kind, struct stmt *st, const char *what)
{
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, what);
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const struct track *t = track_by_id(it, stmt_is_null(st, 1) ? 0 : stmt_int(st, 1));
        struct wf_part p = {kind,
                            stmt_int(st, 0),
                            ITEM_SIDE_PENDING,
                            t ? t->unit_id : 0,
                            t ? t->unit_path : NULL,
                            t ? t->unit_name : NULL,
                            stmt_is_null(st, 2) ? 0 : stmt_int(st, 2)};
        view_add(c, &it->wf, &p);
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, what) : ERR_OK;
}

/* The query of the item's 催办 events (their time and the units each pressed), sent (stmt_send). */
static struct stmt *presses_send(struct ctx *c, const struct item *it)
{
    struct stmt *st =
        db_query(c->db, "SELECT at, data FROM item_events WHERE item_id = ? AND action = 'press'", DB_INT(it->id));
    stmt_send(st);
    return st;
}

/* The last 催办 of each unit of the item (ISO time; "" when never), for the ladder parts: *at[k] is the
 * track k's. One read of the item's press events (st, presses_send), each naming the units it pressed. */
static enum err last_presses(struct ctx *c, const struct item *it, struct stmt *st, const char ***at)
{
    *at = arena_alloc(c->arena, sizeof **at * (size_t)(it->ntracks + 1));
    for (int k = 0; k < it->ntracks; k++)
        (*at)[k] = "";
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取催办记录");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        json_t *d = json_loads(stmt_text(st, 1), 0, NULL), *units = json_object_get(d, "unit_ids"), *u;
        size_t i;
        json_array_foreach(units, i, u)
        {
            for (int k = 0; k < it->ntracks; k++)
                if (it->tracks[k].unit_id == json_integer_value(u) && strcmp(stmt_text(st, 0), (*at)[k]) > 0)
                    (*at)[k] = arena_strdup(c->arena, stmt_text(st, 0));
        }
        json_decref(d);
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取催办记录") : ERR_OK;
}

/* Whether the item may be pressed: its units' ladder parts are read then (add_ladder_parts). */
static bool ladder_state(const struct item *it)
{
    return it->state >= ITEM_ST_ASSIGNED && it->state <= ITEM_ST_COMPLETION_REQUESTED;
}

/* A ladder part for each unit still working whose overdue milestones the ladder pressed or reported after
 * the last 催办 of that unit (deadlines_climbed), while the item may be pressed: climbed and presses are
 * the two reads, sent (deadlines_climbed_send, presses_send); both are finished here. A unit the ladder
 * climbed on is late since the earliest day of those milestones: that day is its to-dos' (the track's, so
 * the unit's own to-do is as red as its track) and the leader's who must press it, until it catches up. */
static enum err add_ladder_parts(struct ctx *c, struct item *it, struct stmt *climbed, struct stmt *presses)
{
    struct dl_climb *climb;
    int n;
    const char **pressed = NULL;
    enum err e = deadlines_climbed_read(c, climbed, &climb, &n);
    if (!e)
        e = last_presses(c, it, presses, &pressed);
    else
        stmt_done(presses); /* sent: finished unread */
    for (int i = 0; i < n && !e; i++)
        for (int k = 0; k < it->ntracks; k++) {
            const struct track *t = &it->tracks[k];
            if (t->unit_id != climb[i].unit_id || t->state >= ITEM_ST_COMPLETION_SIGNED)
                continue;
            const char *late = arena_strdup(c->arena, climb[i].due_date);
            if (!it->due_date || strcmp(late, it->due_date) < 0)
                it->wf.parts[k].due_date = late;
            int state = *climb[i].report_at && strcmp(pressed[k], climb[i].report_at) < 0 ? ITEM_LADDER_REPORT
                        : *climb[i].press_at && strcmp(pressed[k], climb[i].press_at) < 0 ? ITEM_LADDER_PRESS
                                                                                          : -1;
            if (state >= 0)
                view_add(
                    c, &it->wf,
                    &(struct wf_part){ITEM_PART_LADDER, t->id, state, t->unit_id, t->unit_path, t->unit_name, 0, late});
        }
    return e;
}

/* The query sql of the item's pending parts, sent (stmt_send) when want (the item's state may have
 * them), else NULL. */
static struct stmt *parts_send(struct ctx *c, const struct item *it, bool want, const char *sql)
{
    struct stmt *st = want ? db_query(c->db, sql, DB_INT(it->id)) : NULL;
    stmt_send(st);
    return st;
}

/* A handling-report part for each unit that still owes its report after the completion (the open milestones,
 * st: deadlines_open_of_kind_send, finished here). */
static enum err add_handling_parts(struct ctx *c, struct item *it, struct stmt *st)
{
    struct dl_open *owed;
    int n;
    enum err e = deadlines_open_of_kind_read(c, st, &owed, &n);
    for (int i = 0; i < n && !e; i++)
        for (int k = 0; k < it->ntracks; k++) {
            const struct track *t = &it->tracks[k];
            if (t->unit_id == owed[i].unit_id)
                view_add(c, &it->wf,
                         &(struct wf_part){ITEM_PART_HANDLING, owed[i].id, ITEM_SIDE_PENDING, t->unit_id, t->unit_path,
                                           t->unit_name, 0, owed[i].due_date});
        }
    return e;
}

/* Every read of the item's waits is sent before the first is read: the pending extensions, reports and
 * instructions, the ladder's climb and the 催办 events (while it may be pressed), the handling reports still
 * owed (once completed) travel together (one round trip on PostgreSQL, whatever the item's shape). */
enum err item_load_waits(struct ctx *c, struct item *it)
{
    enum { EXT, REP, INSTR, CLIMB, PRESS, HANDLING, NREADS };
    bool ladder = ladder_state(it), completed = it->state == ITEM_ST_COMPLETED;
    bool want[INSTR + 1] = {item_state_active(it->state),
                            it->state != ITEM_ST_COMPLETED && it->state != ITEM_ST_ARCHIVED &&
                                it->state != ITEM_ST_WITHDRAWN,
                            it->state != ITEM_ST_ARCHIVED && it->state != ITEM_ST_WITHDRAWN};
    struct stmt *st[NREADS] = {
        [EXT] = parts_send(
            c, it, want[EXT],
            "SELECT id, track_id, requested_by FROM item_extensions WHERE item_id = ? AND state = 'pending'"),
        [REP] = parts_send(c, it, want[REP],
                           "SELECT id, track_id, created_by FROM item_reports WHERE item_id = ? AND review = 'pending' "
                           "ORDER BY id"),
        [INSTR] =
            parts_send(c, it, want[INSTR],
                       "SELECT id, NULL, leader_id FROM item_instructions WHERE item_id = ? AND state = 'pending' "
                       "ORDER BY id"),
        [CLIMB] = ladder ? deadlines_climbed_send(c, "item", it->id) : NULL,
        [PRESS] = ladder ? presses_send(c, it) : NULL,
        [HANDLING] =
            completed ? deadlines_open_of_kind_send(c, "item", it->id, ms_kind_name(MS_HANDLING_REPORT)) : NULL};
    static const enum item_part kinds[3] = {ITEM_PART_EXTENSION, ITEM_PART_REPORT, ITEM_PART_INSTRUCTION};
    static const char *const whats[3] = {"读取延期申请", "读取进展报告", "读取领导批示"};
    enum err e = ERR_OK;
    /* a read not wanted was not sent (NULL); one sent after a failure is finished unread */
    for (int i = EXT; i <= INSTR; i++)
        if (want[i] && !e)
            e = add_parts(c, it, kinds[i], st[i], whats[i]);
        else
            stmt_done(st[i]);
    if (ladder && !e) {
        e = add_ladder_parts(c, it, st[CLIMB], st[PRESS]);
    } else {
        stmt_done(st[CLIMB]);
        stmt_done(st[PRESS]);
    }
    if (completed && !e)
        e = add_handling_parts(c, it, st[HANDLING]);
    else
        stmt_done(st[HANDLING]);
    return e;
}

enum err item_load_visible(struct ctx *c, int64_t id, struct item *it)
{
    enum err e = item_load(c, id, it);
    if (e)
        return e;
    if (!perm_item_visible(c->user, &it->scope))
        return ctx_fail(c, ERR_NOT_FOUND, "督办事项不存在或无权查看");
    return ERR_OK;
}

enum err item_load_locked(struct ctx *c, int64_t id, struct item *it)
{
    enum err e = db_lock_row(c->db, "items", id);
    return e ? ctx_db_fail(c, e, "锁定督办事项") : item_load_visible(c, id, it);
}

enum err item_lock(struct ctx *c, const struct item *it)
{
    int64_t id;
    enum err e = db_one_int(c->db, &id, "UPDATE items SET version = version WHERE id = ? AND version = ? RETURNING id",
                            DB_INT(it->id), DB_INT(it->version));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "督办事项已被他人同时处理，请刷新后重试");
    return ctx_db_fail(c, e, "锁定督办事项");
}

const char *item_number_key(struct ctx *c, int64_t id)
{
    return arena_printf(c->arena, "item:%" PRId64, id);
}

const char *item_late_number(struct ctx *c, int64_t id)
{
    return counter_late_token(c, item_number_key(c, id));
}

const char *items_label(struct ctx *c, int64_t item_id)
{
    struct stmt *st = db_query(c->db, "SELECT number, title FROM items WHERE id = ?", DB_INT(item_id));
    const char *out = NULL;
    if (st && stmt_step(st) == STORE_ROW) {
        const char *number = stmt_is_null(st, 0) ? item_late_number(c, item_id) : stmt_text(st, 0);
        out = arena_printf(c->arena, "%s《%s》", number ? number : "", utf8_inner_title(c->arena, stmt_text(st, 1)));
    }
    stmt_done(st);
    return out;
}

const char *items_number(struct ctx *c, int64_t item_id)
{
    const char *out = NULL;
    if (db_one_text(c->db, c->arena, &out, "SELECT number FROM items WHERE id = ? AND number IS NOT NULL",
                    DB_INT(item_id)))
        out = item_late_number(c, item_id);
    return out;
}

int items_track_percent(enum item_state s, int reported)
{
    return s >= ITEM_ST_COMPLETION_SIGNED && s <= ITEM_ST_ARCHIVED ? 100 : reported;
}

int items_track_progress(struct ctx *c, int64_t item_id, int64_t unit_id)
{
    int p = -1;
    enum item_state s;
    struct stmt *st = db_query(c->db, "SELECT state, progress FROM item_tracks WHERE item_id = ? AND unit_id = ?",
                               DB_INT(item_id), DB_INT(unit_id));
    if (st && stmt_step(st) == STORE_ROW && item_state_parse(stmt_text(st, 0), &s))
        p = items_track_percent(s, (int)stmt_int(st, 1));
    stmt_done(st);
    return p;
}

/* The progress of each of the item's tracks whose unit decomposed the item: the mean of the child items it
 * issued (their own progress, 100 once completed), withdrawn ones left out; -1 for a track without any. */
static enum err children_progress(struct ctx *c, const struct item *it, int *out)
{
    for (int i = 0; i < it->ntracks; i++)
        out[i] = -1;
    struct stmt *st =
        db_query(c->db, "SELECT office_path, progress, state FROM items WHERE parent_id = ? AND state <> 'withdrawn'",
                 DB_INT(it->id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取分解事项");
    int *sum = arena_alloc(c->arena, sizeof *sum * (size_t)(it->ntracks + 1)),
        *n = arena_alloc(c->arena, sizeof *n * (size_t)(it->ntracks + 1));
    memset(sum, 0, sizeof *sum * (size_t)(it->ntracks + 1));
    memset(n, 0, sizeof *n * (size_t)(it->ntracks + 1));
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const char *state = stmt_text(st, 2);
        int p = !strcmp(state, "completed") || !strcmp(state, "archived") ? 100 : (int)stmt_int(st, 1);
        for (int i = 0; i < it->ntracks; i++)
            if (!strcmp(it->tracks[i].unit_path, stmt_text(st, 0))) {
                sum[i] += p;
                n[i]++;
            }
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取分解事项");
    for (int i = 0; i < it->ntracks; i++)
        if (n[i])
            out[i] = sum[i] / n[i];
    return ERR_OK;
}

enum err item_progress_of(struct ctx *c, const struct item *it, enum item_state state, int *progress)
{
    if (state == ITEM_ST_COMPLETED || state == ITEM_ST_ARCHIVED) {
        *progress = 100;
        return ERR_OK;
    }
    if (!it->ntracks) {
        *progress = it->progress;
        return ERR_OK;
    }
    int *kids = arena_alloc(c->arena, sizeof *kids * (size_t)it->ntracks);
    enum err e = children_progress(c, it, kids);
    if (e)
        return e;
    int sum = 0;
    for (int i = 0; i < it->ntracks; i++) {
        const struct track *t = &it->tracks[i];
        bool signed_off = items_track_percent(t->state, -1) == 100;
        sum += !signed_off && kids[i] >= 0 ? kids[i] : items_track_percent(t->state, t->progress);
    }
    *progress = sum / it->ntracks;
    return ERR_OK;
}

enum err item_parent_progress(struct ctx *c, int64_t parent_id)
{
    for (int depth = 0; parent_id && depth < 16; depth++) {
        struct item p;
        int progress;
        enum err e = item_load(c, parent_id, &p);
        if (!e)
            e = item_progress_of(c, &p, p.state, &progress);
        if (e)
            return e;
        if (progress == p.progress)
            return ERR_OK;
        if ((e = db_exec(c->db, "UPDATE items SET progress = ? WHERE id = ?", DB_INT(progress), DB_INT(p.id))))
            return ctx_db_fail(c, e, "更新上级事项进度");
        parent_id = p.parent_id;
    }
    return ERR_OK;
}
