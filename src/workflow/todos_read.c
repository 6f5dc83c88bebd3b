/*
 * todos_read.c: reading the stored to-dos (todos.c writes them): a user's page of to-dos with its
 * counts (GET /api/v1/todos), and who must act on one object now (the deadline module's reminders
 * and escalation).
 *
 * A page is read by the index (assignee, due_key, id), one index range per key the user answers to
 * (each role grant, and the person), `limit + 1` rows from each past the cursor, merged in C. The
 * counts per kind and per light add up todo_counts, one row per (kind, due date) of the user's keys.
 * Neither looks at the objects themselves.
 */
#include "workflow/wf_internal.h"

#include "base/check.h"
#include "base/timeu.h"
#include "calendar/calendar.h"

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
    const char *kind, *part, *task, *label, *number, *title, *state, *unit_name, *due, *since;
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

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* One to-do as JSON, with its object's link and the light of its due date. */
static json_t *row_json(struct ctx *c, const struct workflow *const *kinds, const struct row *r, const char *today,
                        const char *yellow)
{
    const struct workflow *wf = kind_of(kinds, r->kind);
    int st = -1;
    if (wf)
        wf_state_parse(wf, r->state, &st);
    json_t *part = json_null();
    const char *colon = strchr(r->part, ':');
    if (colon)
        part = json_pack("{ss# sI}", "kind", r->part, (int)(colon - r->part), "id",
                         (json_int_t)strtoll(colon + 1, NULL, 10));
    bool dated = strcmp(r->due, NO_DUE) != 0;
    return json_pack(
        "{sI ss ss sI so ss ss ss ss ss so so so so ss ss so}", "id", (json_int_t)r->id, "kind", r->kind, "kind_label",
        wf ? wf->what : r->kind, "object_id", (json_int_t)r->object_id, "number", str_or_null(r->number), "title",
        r->title, "state", r->state, "state_label", wf && st >= 0 ? wf_state_label(wf, st) : r->state, "task", r->task,
        "label", r->label, "part", part, "unit_id", r->unit_id ? json_integer(r->unit_id) : json_null(), "unit_name",
        str_or_null(r->unit_name), "due_date", dated ? json_string(r->due) : json_null(), "light",
        workflow_light(r->due, today, yellow), "since", r->since, "link",
        wf && wf->link ? json_string(arena_printf(c->arena, wf->link, (long long)r->object_id)) : json_null());
}

/* Counts of the user's to-dos per kind and per light (todo_counts: a row per kind and due date of each key). */
static enum err counts_json(struct ctx *c, const char **keys, int nkeys, const char *today, const char *yellow,
                            json_t **out)
{
    json_t *by_kind = json_object();
    json_int_t total = 0, red = 0, yel = 0, none = 0;
    for (int k = 0; k < nkeys; k++) {
        struct stmt *st =
            db_query(c->db,
                     "SELECT kind, SUM(n), SUM(CASE WHEN due_key < ? THEN n ELSE 0 END), "
                     "SUM(CASE WHEN due_key >= ? AND due_key <= ? THEN n ELSE 0 END), "
                     "SUM(CASE WHEN due_key = ? THEN n ELSE 0 END) FROM todo_counts WHERE assignee = ? GROUP BY kind",
                     DB_TEXT(today), DB_TEXT(today), DB_TEXT(yellow), DB_TEXT(NO_DUE), DB_TEXT(keys[k]));
        if (!st) {
            json_decref(by_kind);
            return ctx_db_fail(c, ERR_INTERNAL, "统计待办事项");
        }
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            json_int_t n = stmt_int(st, 1);
            const char *kind = stmt_text(st, 0);
            json_object_set_new(by_kind, kind, json_integer(json_integer_value(json_object_get(by_kind, kind)) + n));
            total += n;
            red += stmt_int(st, 2);
            yel += stmt_int(st, 3);
            none += stmt_int(st, 4);
        }
        stmt_done(st);
        if (rc < 0) {
            json_decref(by_kind);
            return ctx_store_fail(c, rc, "统计待办事项");
        }
    }
    *out = json_pack("{sI so s{sI sI sI sI}}", "total", total, "by_kind", by_kind, "by_light", "red", red, "yellow",
                     yel, "green", total - red - yel - none, "none", none);
    return ERR_OK;
}

enum err workflow_todos_page(struct ctx *c, const struct workflow *const *kinds, const struct todo_query *q,
                             json_t **out)
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
#define TODO_COLS                                                                                                      \
    "SELECT id, kind, object_id, part, task, label, number, title, state, unit_id, unit_name, due_key, since "         \
    "FROM todos WHERE assignee = ? "
#define TODO_RANGE                                                                                                     \
    "AND due_key >= ? AND due_key < ? AND (due_key, id) > (?, CAST(? AS BIGINT)) ORDER BY due_key, id LIMIT ?"
        struct stmt *st =
            q->kind ? db_query(c->db, TODO_COLS "AND kind = ? " TODO_RANGE, DB_TEXT(keys[k]), DB_TEXT(q->kind),
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
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "读取待办事项");
    }
    qsort(rows, (size_t)n, sizeof *rows, row_cmp);
    json_t *list = json_array();
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
        json_array_append_new(list, row_json(c, kinds, &rows[i], today, yellow));
        taken++;
    }
    json_t *counts = NULL;
    enum err e = counts_json(c, keys, nkeys, today, yellow, &counts);
    if (e) {
        json_decref(list);
        return e;
    }
    bool more = i < n;
    *out =
        json_pack("{so so so}", "todos", list, "next",
                  more && last ? json_string(arena_printf(c->arena, "%s,%" PRId64, last->due, last->id)) : json_null(),
                  "counts", counts);
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
