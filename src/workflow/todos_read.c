/*
 * todos_read.c: reading the stored to-dos (todos.c writes them): a user's page of to-dos with its
 * counts (GET /api/v1/todos), and who must act on one object now (the deadline module's reminders
 * and escalation).
 *
 * A page is read by the index (assignee, due_key, id), one index range per key the user answers to
 * (each role grant, and the person), `limit + 1` rows from each past the cursor, merged in C, and written
 * as JSON text straight into the reply (base/jsonw.h). The counts per kind and per light are todo_lights'
 * rows of the user's keys (one per kind and light, kept with todo_counts in the same transaction and
 * recoloured when the light dates move: todos.c); while the stored dates are not today's they add up
 * todo_counts, one row per (kind, due date). Neither looks at the objects themselves.
 */
#include "workflow/wf_internal.h"

#include "base/check.h"
#include "base/jsonw.h"
#include "base/timeu.h"
#include "calendar/calendar.h"
#include "core/clock.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NO_DUE "9999-12-31"
#define AFTER_ALL "9999-12-32" /* above every due_key */

void workflow_light_dates(struct ctx *c, char today[11], char yellow[11])
{
    int64_t day = time_local_day(c->now);
    struct calendar cal;
    if (calendar_load(c, &cal) != ERR_OK) { /* the built-in State Council data is still right */
        cal.ex = cal_builtin;
        cal.n = cal_builtin_n;
        c->err = ERR_OK;
    }
    cal_format_date(day, today);
    cal_format_date(cal_add_workdays(&cal, day, (int)c->cfg->yellow_days), yellow);
}

void workflow_light_dates_now(struct ctx *c, char today[11], char yellow[11])
{
    int64_t then = c->now;
    if (c->cfg)
        c->now = clock_now(c->db, c->cfg);
    workflow_light_dates(c, today, yellow);
    c->now = then;
}

const char *workflow_light(const char *due, const char *today, const char *yellow)
{
    if (!due || !*due || !strcmp(due, NO_DUE))
        return "none";
    if (strcmp(due, today) < 0)
        return "red";
    return strcmp(due, yellow) <= 0 ? "yellow" : "green";
}

/* The keys the signed-in user answers to (arena): one per role grant, and the person; *n of them. */
static const char **user_keys(struct ctx *c, int *n)
{
    const struct principal *u = c->user;
    const char **out = arena_alloc(c->arena, sizeof *out * (size_t)(u->ngrants + 1));
    *n = 0;
    for (int i = 0; i < u->ngrants; i++) {
        struct key k = {(int)u->grants[i].role, u->grants[i].unit_id, 0};
        const char *t = key_text(c, &k);
        bool dup = false;
        for (int j = 0; j < *n && !dup; j++)
            dup = !strcmp(out[j], t);
        if (!dup)
            out[(*n)++] = t;
    }
    struct key me = {-1, 0, u->id};
    out[(*n)++] = key_text(c, &me);
    return out;
}

/* "2026-03-01,1234": the due_key and id of the last to-do of the previous page. */
static bool cursor_parse(const char *s, char due[11], int64_t *id)
{
    if (strlen(s) < 12 || s[10] != ',' || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    char *end;
    *id = strtoll(s + 11, &end, 10);
    if (*end || *id < 0 || s[11] == '-' || s[11] == '+')
        return false;
    memcpy(due, s, 10);
    due[10] = 0;
    return true;
}

struct row {
    int64_t id, object_id, unit_id;
    const char *kind, *part, *task, *label, *number, *title, *state, *unit_name, *due, *since, *variety;
};

static int row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    int r = strcmp(x->due, y->due);
    return r ? r : (x->id > y->id) - (x->id < y->id);
}

static const struct workflow *kind_of(const struct workflow *const *kinds, const char *name)
{
    for (int i = 0; kinds[i]; i++)
        if (!strcmp(kinds[i]->name, name))
            return kinds[i];
    return NULL;
}

/* s, or NULL (JSON null) when it is empty. */
static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

/* One to-do written into the page, with its object's link and the light of its due date. */
static void row_write(struct ctx *c, struct jw *w, const struct workflow *const *kinds, const struct row *r,
                      const char *today, const char *yellow)
{
    const struct workflow *wf = kind_of(kinds, r->kind);
    int st = -1;
    if (wf)
        wf_state_parse(wf, r->state, &st);
    jw_obj(w);
    jw_qkint(w, JW_K("id"), r->id);
    jw_qkstr(w, JW_K("kind"), r->kind);
    jw_qkstr(w, JW_K("kind_label"), wf ? wf->what : r->kind);
    /* the object's own kind when its workflow runs several (a result: talk, 约谈) */
    const char *variety = wf ? wf_variety_label(wf, r->variety) : NULL;
    jw_qkstr(w, JW_K("variety"), variety ? r->variety : NULL);
    jw_qkstr(w, JW_K("variety_label"), variety);
    jw_qkint(w, JW_K("object_id"), r->object_id);
    jw_qkstr(w, JW_K("number"), or_null(r->number));
    jw_qkstr(w, JW_K("title"), r->title);
    jw_qkstr(w, JW_K("state"), r->state);
    jw_qkstr(w, JW_K("state_label"), wf && st >= 0 ? wf_state_label(wf, st) : r->state);
    jw_qkstr(w, JW_K("task"), r->task);
    jw_qkstr(w, JW_K("label"), r->label);
    const char *colon = strchr(r->part, ':');
    jw_qkey(w, JW_K("part"));
    if (colon) {
        jw_obj(w);
        jw_qkey(w, JW_K("kind"));
        jw_strn(w, r->part, (size_t)(colon - r->part));
        jw_qkint(w, JW_K("id"), strtoll(colon + 1, NULL, 10));
        jw_end_obj(w);
    } else {
        jw_null(w);
    }
    jw_qkey(w, JW_K("unit_id"));
    if (r->unit_id)
        jw_int(w, r->unit_id);
    else
        jw_null(w);
    jw_qkstr(w, JW_K("unit_name"), or_null(r->unit_name));
    jw_qkstr(w, JW_K("due_date"), strcmp(r->due, NO_DUE) ? r->due : NULL);
    jw_qkstr(w, JW_K("light"), workflow_light(r->due, today, yellow));
    jw_qkstr(w, JW_K("since"), r->since);
    jw_qkstr(w, JW_K("link"), wf ? wf_link(c, wf, r->object_id) : NULL);
    jw_end_obj(w);
}

/* The counts of the user's to-dos: per kind (in the order the keys first show them), and per light. */
struct todo_counts {
    struct kind_n {
        const char *kind;
        int64_t n;
    } * kinds;
    int nkinds, cap;
    int64_t total, red, yellow, none;
};

static void counts_kind_add(struct ctx *c, struct todo_counts *t, const char *kind, int64_t n)
{
    t->total += n;
    for (int i = 0; i < t->nkinds; i++)
        if (!strcmp(t->kinds[i].kind, kind)) {
            t->kinds[i].n += n;
            return;
        }
    t->kinds = arena_grow(c->arena, t->kinds, t->nkinds, &t->cap, sizeof *t->kinds);
    t->kinds[t->nkinds++] = (struct kind_n){arena_strdup(c->arena, kind), n};
}

/* True when todo_lights holds the lights of today's dates: its stored dates (todo_light_dates, moved with it by
 * workflow_todo_lights_refresh) are today's and this yellow's. */
static bool lights_kept(struct ctx *c, const char *today, const char *yellow)
{
    struct stmt *st = db_query(c->db, "SELECT today, yellow FROM todo_light_dates WHERE id = 1");
    bool kept =
        st && stmt_step(st) == STORE_ROW && !strcmp(stmt_text(st, 0), today) && !strcmp(stmt_text(st, 1), yellow);
    stmt_done(st);
    return kept;
}

/* One key's counts: its rows of todo_lights (a row per kind and light, kept with todo_counts), or — while the
 * stored dates are not today's (between midnight and the scheduler's next pass) — its rows of todo_counts, one
 * per kind and due date, summed by today's dates. */
static enum err counts_key(struct ctx *c, const char *key, bool kept, const char *today, const char *yellow,
                           struct todo_counts *t)
{
    struct stmt *st =
        kept ? db_query(c->db,
                        "SELECT kind, SUM(n), SUM(CASE WHEN light = 'red' THEN n ELSE 0 END), "
                        "SUM(CASE WHEN light = 'yellow' THEN n ELSE 0 END), "
                        "SUM(CASE WHEN light = 'none' THEN n ELSE 0 END) FROM todo_lights WHERE assignee = ? "
                        "GROUP BY kind ORDER BY kind",
                        DB_TEXT(key))
             : db_query(c->db,
                        "SELECT kind, SUM(n), SUM(CASE WHEN due_key < ? THEN n ELSE 0 END), "
                        "SUM(CASE WHEN due_key >= ? AND due_key <= ? THEN n ELSE 0 END), "
                        "SUM(CASE WHEN due_key = ? THEN n ELSE 0 END) FROM todo_counts WHERE assignee = ? "
                        "GROUP BY kind ORDER BY kind",
                        DB_TEXT(today), DB_TEXT(today), DB_TEXT(yellow), DB_TEXT(NO_DUE), DB_TEXT(key));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "统计待办事项");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (stmt_int(st, 1) <= 0) /* a kind whose kept rows are all at zero */
            continue;
        counts_kind_add(c, t, stmt_text(st, 0), stmt_int(st, 1));
        t->red += stmt_int(st, 2);
        t->yellow += stmt_int(st, 3);
        t->none += stmt_int(st, 4);
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "统计待办事项") : ERR_OK;
}

static void counts_write(struct jw *w, const struct todo_counts *t)
{
    jw_qkey(w, JW_K("counts"));
    jw_obj(w);
    jw_qkint(w, JW_K("total"), t->total);
    jw_qkey(w, JW_K("by_kind"));
    jw_obj(w);
    for (int i = 0; i < t->nkinds; i++)
        jw_kint(w, t->kinds[i].kind, t->kinds[i].n);
    jw_end_obj(w);
    jw_qkey(w, JW_K("by_light"));
    jw_obj(w);
    jw_qkint(w, JW_K("red"), t->red);
    jw_qkint(w, JW_K("yellow"), t->yellow);
    jw_qkint(w, JW_K("green"), t->total - t->red - t->yellow - t->none);
    jw_qkint(w, JW_K("none"), t->none);
    jw_end_obj(w);
    jw_end_obj(w);
}

enum err workflow_todos_page(struct ctx *c, const struct workflow *const *kinds, const struct todo_query *q,
                             struct buf *out)
{
    if (!c->user)
        return ctx_fail(c, ERR_UNAUTHORIZED, "请先登录");
    char today[11], yellow[11], after_due[11] = "";
    int64_t after_id = 0;
    workflow_light_dates(c, today, yellow);
    if (q->after && *q->after && !cursor_parse(q->after, after_due, &after_id))
        return ctx_fail(c, ERR_BAD_REQUEST, "翻页位置（after）无效：请使用上一页返回的 next");
    if (q->kind && !kind_of(kinds, q->kind))
        return ctx_fail(c, ERR_BAD_REQUEST, "没有名为“%s”的对象种类（kind）", q->kind);
    if (q->object_id && !q->kind)
        return ctx_fail(c, ERR_BAD_REQUEST, "按对象（object_id）列待办时须同时给出对象种类（kind）");
    /* the light as a range of due_key, [lo, hi) */
    const char *lo = "", *hi = AFTER_ALL;
    char yellow_next[11];
    int64_t yday = 0;
    cal_parse_date(yellow, &yday);
    cal_format_date(yday + 1, yellow_next);
    if (q->light) {
        if (!strcmp(q->light, "red"))
            hi = today;
        else if (!strcmp(q->light, "yellow"))
            lo = today, hi = yellow_next;
        else if (!strcmp(q->light, "green"))
            lo = yellow_next, hi = NO_DUE;
        else if (!strcmp(q->light, "none"))
            lo = NO_DUE;
        else
            return ctx_fail(c, ERR_BAD_REQUEST, "亮灯（light）应为 red、yellow、green 或 none");
    }
    if (strcmp(after_due, lo) > 0) /* the index range starts at the cursor, not at the first to-do */
        lo = after_due;
    int nkeys;
    const char **keys = user_keys(c, &nkeys);
    int limit = q->limit, cap = nkeys * (limit + 1), n = 0;
    struct row *rows = arena_alloc(c->arena, sizeof *rows * (size_t)(cap + 1));
    for (int k = 0; k < nkeys; k++) {
        /* (due_key, id) > the cursor: a row-value range on the index after the assignee (and kind) */
#define TODO_SELECT                                                                                                    \
    "SELECT id, kind, object_id, part, task, label, number, title, state, unit_id, unit_name, due_key, since, "        \
    "variety FROM todos "
#define TODO_COLS TODO_SELECT "WHERE assignee = ? "
#define TODO_RANGE                                                                                                     \
    "AND due_key >= ? AND due_key < ? AND (due_key, id) > (?, CAST(? AS BIGINT)) ORDER BY due_key, id LIMIT ?"
        /* one object's: its few rows by todos_key (kind, object_id, …, assignee), sorted after; `assignee || ''`
         * keeps SQLite's planner off todos_queue, which gives the order but walks every to-do of the user */
        struct stmt *st =
            q->object_id
                ? db_query(c->db, TODO_SELECT "WHERE assignee || '' = ? AND kind = ? AND object_id = ? " TODO_RANGE,
                           DB_TEXT(keys[k]), DB_TEXT(q->kind), DB_INT(q->object_id), DB_TEXT(lo), DB_TEXT(hi),
                           DB_TEXT(after_due), DB_INT(after_id), DB_INT(limit + 1))
            : q->kind ? db_query(c->db, TODO_COLS "AND kind = ? " TODO_RANGE, DB_TEXT(keys[k]), DB_TEXT(q->kind),
                                 DB_TEXT(lo), DB_TEXT(hi), DB_TEXT(after_due), DB_INT(after_id), DB_INT(limit + 1))
                      : db_query(c->db, TODO_COLS TODO_RANGE, DB_TEXT(keys[k]), DB_TEXT(lo), DB_TEXT(hi),
                                 DB_TEXT(after_due), DB_INT(after_id), DB_INT(limit + 1));
        if (!st)
            return ctx_db_fail(c, ERR_INTERNAL, "读取待办事项");
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW && ALWAYS(n < cap)) {
            struct row *r = &rows[n++];
            r->id = stmt_int(st, 0);
            r->kind = arena_strdup(c->arena, stmt_text(st, 1));
            r->object_id = stmt_int(st, 2);
            r->part = arena_strdup(c->arena, stmt_text(st, 3));
            r->task = arena_strdup(c->arena, stmt_text(st, 4));
            r->label = arena_strdup(c->arena, stmt_text(st, 5));
            r->number = arena_strdup(c->arena, stmt_text(st, 6));
            r->title = arena_strdup(c->arena, stmt_text(st, 7));
            r->state = arena_strdup(c->arena, stmt_text(st, 8));
            r->unit_id = stmt_int(st, 9);
            r->unit_name = arena_strdup(c->arena, stmt_text(st, 10));
            r->due = arena_strdup(c->arena, stmt_text(st, 11));
            r->since = arena_strdup(c->arena, stmt_text(st, 12));
            r->variety = arena_strdup(c->arena, stmt_text(st, 13));
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "读取待办事项");
    }
    qsort(rows, (size_t)n, sizeof *rows, row_cmp);
    /* the counts first: a failure leaves nothing written */
    struct todo_counts counts = {0};
    bool kept = lights_kept(c, today, yellow);
    for (int k = 0; k < nkeys; k++) {
        enum err e = counts_key(c, keys[k], kept, today, yellow, &counts);
        if (e)
            return e;
    }
    struct jw w;
    jw_init(&w, out);
    jw_obj(&w);
    jw_qkey(&w, JW_K("todos"));
    jw_arr(&w);
    const struct row *last = NULL;
    int taken = 0, i = 0;
    for (; i < n && taken < limit; i++) {
        bool dup = false; /* the same to-do reached through two of the user's keys */
        for (int j = 0; j < i && !dup; j++)
            dup = rows[j].object_id == rows[i].object_id && !strcmp(rows[j].kind, rows[i].kind) &&
                  !strcmp(rows[j].part, rows[i].part) && !strcmp(rows[j].task, rows[i].task);
        last = &rows[i];
        if (dup)
            continue;
        row_write(c, &w, kinds, &rows[i], today, yellow);
        taken++;
    }
    jw_end_arr(&w);
    jw_qkstr(&w, JW_K("next"), i < n && last ? arena_printf(c->arena, "%s,%" PRId64, last->due, last->id) : NULL);
    counts_write(&w, &counts);
    jw_end_obj(&w);
    return ERR_OK;
}

enum err workflow_who_must_act(struct ctx *c, const char *kind, int64_t id, int64_t part_unit_id, struct wf_actor **out,
                               int *n)
{
    *n = 0;
    *out = NULL;
    struct stmt *st = db_query(c->db,
                               "SELECT assignee, task, label, unit_id FROM todos WHERE kind = ? AND object_id = ? "
                               "AND (unit_id = ? OR CAST(? AS INTEGER) = 0) ORDER BY id",
                               DB_TEXT(kind), DB_INT(id), DB_INT(part_unit_id), DB_INT(part_unit_id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取待办事项");
    int cap = 8, rc;
    struct wf_actor *list = arena_alloc(c->arena, sizeof *list * (size_t)cap);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        struct key k;
        if (!key_parse(stmt_text(st, 0), &k))
            continue;
        if (*n == cap) {
            struct wf_actor *bigger = arena_alloc(c->arena, sizeof *bigger * (size_t)cap * 2);
            memcpy(bigger, list, sizeof *list * (size_t)cap);
            list = bigger;
            cap *= 2;
        }
        list[(*n)++] = (struct wf_actor){k.role,
                                         k.unit_id,
                                         k.user_id,
                                         stmt_int(st, 3),
                                         arena_strdup(c->arena, stmt_text(st, 1)),
                                         arena_strdup(c->arena, stmt_text(st, 2))};
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取待办事项");
    *out = list;
    return ERR_OK;
}

enum err workflow_notify_who_must_act(struct ctx *c, const char *kind, int64_t id, int64_t part_unit_id,
                                      const struct notice *n, int *sent_count)
{
    struct wf_actor *who;
    int nwho;
    *sent_count = 0;
    enum err e = workflow_who_must_act(c, kind, id, part_unit_id, &who, &nwho);
    struct sent *sent = NULL;
    for (int i = 0; i < nwho && !e; i++) {
        struct key k = {who[i].role, who[i].unit_id, who[i].user_id};
        e = send_keys(c, &k, 1, n, &sent);
    }
    for (struct sent *s = sent; s; s = s->next)
        (*sent_count)++;
    return e;
}
