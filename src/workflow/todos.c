/*
 * todos.c: who must act next, derived from the waits of every workflow and stored so that reading it
 * costs the page, not the data.
 *
 * Table `todos` (migration 0010): one row per (object, part, task, assignee); `todo_counts` (0011) how
 * many each assignee has per kind and due date and `todo_lights` (0058) per kind and light, kept in the same
 * statements' transaction (count_add; workflow_todo_lights_refresh moves the lights' dates). The assignee is a key:
 * "r:<role>:<unit id>" for everyone holding a role at a unit, or "u:<user id>" for a named person. The
 * rows of an object are brought in line with its state by workflow_todos_sync in the transaction of
 * every transition (and of the modules' own changes that end a wait), so they are exactly as current
 * as the object. A user's to-dos are the rows of the user's keys (one per role grant, plus the
 * person), read by the index (assignee, due_key, id) one key at a time and merged: a page costs
 * (keys × page), whatever the user can see.
 *
 * Who a wait names is resolved when the row is written: a role at the object's home or the part's unit
 * (the holders at exactly that unit; when nobody holds it there, the nearest ancestor unit where someone
 * does, so that work is never parked where nobody looks), or a named person. Entries marked `orelse`
 * count only when the ones before them found nobody (the secretarial section, else the office).
 *
 * Messages: each new row is a hand-off, and its people get a message (MSG_TODO, or the module's own
 * notice such as the 督办通知); after an action, its informs tell the units of decisions about their work
 * (MSG_RESULT). One person gets one message per subject and action, however many roles they hold.
 */
#include "workflow/wf_internal.h"

#include "base/buf.h"
#include "base/check.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "calendar/calendar.h"
#include "store/store_search.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_DUE "9999-12-31" /* due_key of a to-do without a due date: after every date */

/* ---- resolving who ---- */

/* The unit ids of a materialized path, root first ("/1/7/45/" -> 1, 7, 45); returns how many. */
static int path_ids(const char *path, int64_t *ids, int max)
{
    int n = 0;
    for (const char *p = path; p && *p && n < max;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        char *end;
        ids[n++] = strtoll(p, &end, 10);
        p = end;
    }
    return n;
}

/* Who holds which role at the object's units (its home's and its parts' units and their ancestors, where a wait
 * may name a role): read once per sync, at the first question, as one statement — not one per wait, part and
 * ancestor (a comment on an item whose to-dos name roles at three units cost three round trips). */
struct holders {
    const struct wf_obj *o;
    bool read, failed;
    int nunits, n;
    int64_t *units; /* the units asked about */
    struct held {
        int64_t unit;
        enum role role;
    } * v;
};

static void units_add(struct ctx *c, struct holders *h, int *cap, int64_t unit, const char *path)
{
    int64_t ids[33];
    int n = path_ids(path, ids, 32);
    ids[n++] = unit;
    for (int i = 0; i < n; i++) {
        bool seen = !ids[i];
        for (int k = 0; k < h->nunits && !seen; k++)
            seen = h->units[k] == ids[i];
        if (!seen) {
            h->units = arena_grow(c->arena, h->units, h->nunits, cap, sizeof *h->units);
            h->units[h->nunits++] = ids[i];
        }
    }
}

static void holders_read(struct ctx *c, struct holders *h)
{
    h->read = true;
    int cap = 0;
    units_add(c, h, &cap, h->o->home_unit_id, h->o->home_path);
    for (int k = 0; k < h->o->nparts; k++)
        units_add(c, h, &cap, h->o->parts[k].unit_id, h->o->parts[k].unit_path);
    if (!h->nunits)
        return;
    struct buf sql = {0};
    buf_puts(&sql, "SELECT DISTINCT r.unit_id, r.role FROM user_roles r JOIN users u "
                   "ON u.id = r.user_id WHERE u.disabled = 0 AND ");
    db_sql_in_ints(c->db, &sql, "r.unit_id", h->nunits);
    struct stmt *st = db_prepare(c->db, sql.data);
    buf_free(&sql);
    if (st)
        stmt_bind_ints(st, 1, h->units, h->nunits);
    int rc = STORE_E_OTHER, vcap = 0;
    while (st && (rc = stmt_step(st)) == STORE_ROW) {
        enum role r;
        if (!role_parse(stmt_text(st, 1), &r))
            continue;
        h->v = arena_grow(c->arena, h->v, h->n, &vcap, sizeof *h->v);
        h->v[h->n++] = (struct held){stmt_int(st, 0), r};
    }
    stmt_done(st);
    h->failed = rc < 0; /* each question is then asked on its own, as before */
}

/* True if someone active holds role at exactly unit_id (h: the object's holders, read once; NULL: ask). */
static bool has_holder(struct ctx *c, struct holders *h, int role, int64_t unit_id)
{
    if (h && !h->read)
        holders_read(c, h);
    bool asked = false;
    for (int k = 0; h && !h->failed && k < h->nunits && !asked; k++)
        asked = h->units[k] == unit_id;
    if (asked) {
        for (int k = 0; k < h->n; k++)
            if (h->v[k].unit == unit_id && (int)h->v[k].role == role)
                return true;
        return false;
    }
    int64_t one = 0;
    enum err e = db_one_int(c->db, &one,
                            "SELECT 1 FROM user_roles r JOIN users u ON u.id = r.user_id "
                            "WHERE r.unit_id = ? AND r.role = ? AND u.disabled = 0 LIMIT 1",
                            DB_INT(unit_id), DB_TEXT(role_name((enum role)role)));
    return e == ERR_OK && one;
}

const char *key_text(struct ctx *c, const struct key *k)
{
    if (k->role < 0)
        return arena_printf(c->arena, "u:%" PRId64, k->user_id);
    return arena_printf(c->arena, "r:%s:%" PRId64, role_name((enum role)k->role), k->unit_id);
}

bool key_parse(const char *s, struct key *k)
{
    memset(k, 0, sizeof *k);
    k->role = -1;
    if (!strncmp(s, "u:", 2)) {
        k->user_id = strtoll(s + 2, NULL, 10);
        return k->user_id > 0;
    }
    const char *colon = strncmp(s, "r:", 2) ? NULL : strchr(s + 2, ':');
    if (!colon)
        return false;
    char role[32];
    snprintf(role, sizeof role, "%.*s", (int)(colon - s - 2), s + 2);
    enum role r;
    if (!role_parse(role, &r))
        return false;
    k->role = (int)r;
    k->unit_id = strtoll(colon + 1, NULL, 10);
    return true;
}

/* The unit and path a who entry points at (NULL path for persons or a missing part). */
static int64_t who_unit(const struct wf_obj *o, const struct wf_part *p, const struct wf_who *w, const char **path)
{
    *path = NULL;
    if (w->at == WF_AT_HOME) {
        *path = o->home_path;
        return o->home_unit_id;
    }
    if (w->at == WF_AT_PART && p && p->unit_id) {
        *path = p->unit_path;
        return p->unit_id;
    }
    return 0;
}

/*
 * Resolves the who list of a wait (or one information) for the object and part into keys (arena),
 * *n of them. Entries without `orelse` all count; an `orelse` entry only when those before found
 * nobody. When no entry finds anyone at its exact unit, the first role entry falls back to the nearest
 * ancestor unit with a holder, and failing that stays at its exact unit (a later holder sees it).
 */
static struct key *resolve(struct ctx *c, struct holders *h, const struct wf_obj *o, const struct wf_part *p,
                           const struct wf_who *who, int nwho, int *n)
{
    struct key *out = arena_alloc(c->arena, sizeof *out * (size_t)(nwho + 1));
    *n = 0;
    int first_role = -1;
    for (int i = 0; i < nwho; i++) {
        const struct wf_who *w = &who[i];
        if (w->orelse && *n)
            continue;
        if (w->at == WF_PERSON || w->at == WF_PART_PERSON) {
            int64_t user = w->at == WF_PERSON
                               ? (ALWAYS(w->person >= 0 && w->person < WF_PERSONS) ? o->persons[w->person] : 0)
                               : (p ? p->person : 0);
            if (user > 0)
                out[(*n)++] = (struct key){-1, 0, user};
            continue;
        }
        const char *path;
        int64_t unit = who_unit(o, p, w, &path);
        if (!unit)
            continue;
        if (first_role < 0)
            first_role = i;
        if (has_holder(c, h, w->role, unit))
            out[(*n)++] = (struct key){w->role, unit, 0};
    }
    if (*n || first_role < 0)
        return out;
    const struct wf_who *w = &who[first_role];
    const char *path;
    int64_t unit = who_unit(o, p, w, &path), ids[32];
    for (int k = path_ids(path, ids, 32) - 2; k >= 0; k--) /* ancestors, nearest first */
        if (has_holder(c, h, w->role, ids[k])) {
            out[(*n)++] = (struct key){w->role, ids[k], 0};
            return out;
        }
    out[(*n)++] = (struct key){w->role, unit, 0};
    return out;
}

int64_t *key_users(struct ctx *c, const struct key *k, int *n)
{
    *n = 0;
    if (k->role < 0) {
        int64_t *one = arena_alloc(c->arena, sizeof *one);
        one[(*n)++] = k->user_id;
        return one;
    }
    int cap = 8;
    int64_t *out = arena_alloc(c->arena, sizeof *out * (size_t)cap);
    struct stmt *st = db_query(c->db,
                               "SELECT u.id FROM user_roles r JOIN users u ON u.id = r.user_id "
                               "WHERE r.unit_id = ? AND r.role = ? AND u.disabled = 0 ORDER BY u.id",
                               DB_INT(k->unit_id), DB_TEXT(role_name((enum role)k->role)));
    while (st && stmt_step(st) == STORE_ROW) {
        if (*n == cap) {
            int64_t *bigger = arena_alloc(c->arena, sizeof *bigger * (size_t)cap * 2);
            memcpy(bigger, out, sizeof *out * (size_t)cap);
            out = bigger;
            cap *= 2;
        }
        out[(*n)++] = stmt_int(st, 0);
    }
    stmt_done(st);
    return out;
}

/* ---- messages ---- */

static bool sent_before(struct ctx *c, struct sent **list, int64_t user, const char *subject)
{
    for (struct sent *s = *list; s; s = s->next)
        if (s->user == user && !strcmp(s->subject, subject))
            return true;
    struct sent *s = arena_alloc(c->arena, sizeof *s);
    *s = (struct sent){user, subject, *list};
    *list = s;
    return false;
}

enum err send_keys(struct ctx *c, const struct key *keys, int nkeys, const struct notice *n, struct sent **sent)
{
    enum err e = ERR_OK;
    for (int i = 0; i < nkeys && !e; i++) {
        int nu;
        int64_t *users = key_users(c, &keys[i], &nu);
        for (int u = 0; u < nu && !e; u++)
            if (!sent_before(c, sent, users[u], n->subject))
                e = notify_user(c, users[u], n);
    }
    return e;
}

/* "古督〔2026〕3号《title》" or "《title》" before numbering. */
static const char *object_label(struct ctx *c, const struct wf_obj *o)
{
    return arena_printf(c->arena, "%s《%s》", o->number ? o->number : "",
                        utf8_inner_title(c->arena, o->title ? o->title : ""));
}

/* What the action said: "（赵敏 退回：理由）", or "" (arena). */
static const char *act_words(struct ctx *c, const struct wf_act *a)
{
    if (!a)
        return "";
    const char *who = c->user && c->user->name ? c->user->name : "系统";
    const char *note = jv_str(a->body, "reason");
    if (!note || !*note)
        note = jv_str(a->body, "text");
    return arena_printf(c->arena, "%s「%s」%s%s。", who, wf_action_label(a->wf, a->action), note && *note ? "：" : "",
                        note && *note ? note : "");
}

const char *wf_link(struct ctx *c, const struct workflow *wf, int64_t id)
{
    if (!wf->link)
        return NULL;
    /* every workflow's link is a path ending in its id ("/items/%lld"): the path and the digits, without printf
     * (a to-do page writes fifty links) */
    size_t n = strlen(wf->link);
    if (n < 4 || strcmp(wf->link + n - 4, "%lld") || memchr(wf->link, '%', n - 4) || id < 0)
        return arena_printf(c->arena, wf->link, (long long)id);
    char digits[24], *d = digits + sizeof digits;
    uint64_t v = (uint64_t)id;
    do
        *--d = (char)('0' + v % 10);
    while (v /= 10);
    size_t nd = (size_t)(digits + sizeof digits - d);
    char *out = arena_alloc_raw(c->arena, n - 4 + nd + 1);
    memcpy(out, wf->link, n - 4);
    memcpy(out + n - 4, d, nd);
    out[n - 4 + nd] = 0;
    return out;
}

/* The default message of a new to-do (the module's notice hook may change it). */
static void todo_notice(struct ctx *c, const struct workflow *wf, const struct wf_obj *o, const struct wf_part *p,
                        const struct wf_wait *w, const struct wf_act *a, struct notice *n)
{
    const char *label = object_label(c, o), *due = p && p->due_date ? p->due_date : o->due_date;
    *n = (struct notice){.kind = MSG_TODO, .object_type = wf->name, .object_id = o->id, .link = wf_link(c, wf, o->id)};
    n->subject = arena_printf(c->arena, "【待办】%s：%s", w->label, label);
    const char *what = wf_variety_label(wf, o->variety);
    n->body =
        arena_printf(c->arena, "%s%s%s%s%s需要您办理：%s。%s%s", what ? what : wf->what, label,
                     p && p->unit_name ? "（" : "", p && p->unit_name ? p->unit_name : "",
                     p && p->unit_name ? "）" : "", w->label, due ? arena_printf(c->arena, "办理时限 %s。", due) : "",
                     a ? arena_printf(c->arena, "\n\n%s", act_words(c, a)) : "");
}

/* ---- the sync ---- */

struct want {
    const char *part, *task, *label, *assignee;
    const struct wf_wait *wait;
    const struct wf_part *p;
    struct key key;
    int64_t unit_id;
    const char *unit_name;
    bool exists;
};

/* The due day of a want's to-do: its part's own, else the object's (due). */
static const char *want_due(const struct want *w, const char *due)
{
    return w->p && w->p->due_date && *w->p->due_date ? w->p->due_date : due;
}

static bool wait_applies(struct ctx *c, const struct workflow *wf, struct wf_obj *o, const struct wf_wait *w)
{
    if (!w->cond)
        return true;
    bool holds = wf->cond(c, o, w->cond < 0 ? -w->cond : w->cond);
    return w->cond > 0 ? holds : !holds;
}

static const char *part_text(struct ctx *c, const struct workflow *wf, const struct wf_part *p)
{
    if (!p)
        return "";
    const char *kind = p->kind == 0 ? wf->part_key : p->kind < wf->npartdefs ? wf->partdefs[p->kind].name : "part";
    return arena_printf(c->arena, "%s:%" PRId64, kind, p->id);
}

/* Every (part, task, assignee) the object's state awaits now (arena), *n of them. */
static struct want *wants_of(struct ctx *c, const struct workflow *wf, struct wf_obj *o, struct holders *h, int *n)
{
    int cap = 16;
    struct want *out = arena_alloc(c->arena, sizeof *out * (size_t)cap);
    *n = 0;
    bool phase = wf->phase && wf->phase(o->state);
    for (int i = 0; i < wf->nwaits; i++) {
        const struct wf_wait *w = &wf->waits[i];
        for (int k = -1; k < o->nparts; k++) {
            const struct wf_part *p = k < 0 ? NULL : &o->parts[k];
            if (w->part < 0 ? (p || o->state != w->state)
                            : (!p || p->kind != w->part || p->state != w->state || (p->kind == 0 && !phase)))
                continue;
            if (!wait_applies(c, wf, o, w))
                continue;
            int nk;
            struct key *keys = resolve(c, h, o, p, w->who, w->nwho, &nk);
            for (int j = 0; j < nk; j++) {
                if (*n == cap) {
                    struct want *bigger = arena_alloc(c->arena, sizeof *bigger * (size_t)cap * 2);
                    memcpy(bigger, out, sizeof *out * (size_t)cap);
                    out = bigger;
                    cap *= 2;
                }
                out[(*n)++] = (struct want){part_text(c, wf, p),
                                            w->task,
                                            w->label,
                                            key_text(c, &keys[j]),
                                            w,
                                            p,
                                            keys[j],
                                            p ? p->unit_id : 0,
                                            p ? p->unit_name : NULL,
                                            false};
            }
        }
    }
    return out;
}

/* The light of a due_key by the stored dates of todo_light_dates `d` (moved by workflow_todo_lights_refresh):
 * the same rule as workflow_light. */
#define TODO_LIGHT(due)                                                                                                \
    "CASE WHEN " due " = '9999-12-31' THEN 'none' WHEN " due " < d.today THEN 'red' WHEN " due " <= d.yellow "         \
    "THEN 'yellow' ELSE 'green' END"

/*
 * Moves the count of an assignee's to-dos of kind due on due_key by delta: todo_counts (per due date) and
 * todo_lights (per light by the stored dates, so that GET /api/v1/todos reads a row per kind and light), in the
 * connection's shard of them (migration 0270; readers sum the shards). Every writer that gives the same assignee
 * (a county's office) a to-do would otherwise queue on one row held through the other's COMMIT and WAL flush; the
 * change is also written at the commit (db_exec_at_commit), so a shard's row is held for the COMMIT's round trip
 * only; nothing in the transaction reads the counts. On PostgreSQL the dates' row is read FOR SHARE: a refresh
 * moving the dates (which recolours todo_lights from todo_counts, workflow_todo_lights_refresh) waits for this
 * commit, and a count written after the refresh took the row waits for it and colours by the new dates. The refresh locks
 * nothing else but todo_lights' rows, and a writer takes the dates' row before any of those: no deadlock.
 */
#define TODO_LIGHT_ADD(shard)                                                                                          \
    "INSERT INTO todo_lights (assignee, kind, light, shard, n) SELECT x.a, x.k, " TODO_LIGHT(                          \
        "x.due") ", " shard ", x.n FROM (SELECT "                                                                      \
                 "CAST(? AS TEXT) AS a, CAST(? AS TEXT) AS k, CAST(? AS TEXT) AS due, CAST(? AS BIGINT) AS n) x, "     \
                 "todo_light_dates d WHERE d.id = 1"
#define TODO_LIGHT_UPSERT " ON CONFLICT (assignee, kind, light, shard) DO UPDATE SET n = todo_lights.n + excluded.n"
#define TODO_COUNT_ADD(shard)                                                                                          \
    "INSERT INTO todo_counts (assignee, kind, due_key, shard, n) VALUES (?, ?, ?, " shard ", ?) "                      \
    "ON CONFLICT (assignee, kind, due_key, shard) DO UPDATE SET n = todo_counts.n + excluded.n"
#define TODO_COUNT_ZERO(shard)                                                                                         \
    "DELETE FROM todo_counts WHERE assignee = ? AND kind = ? AND due_key = ? AND shard = " shard " AND n = 0"
/* PostgreSQL: the connection's shard of the counts (migration 0270: one row per shard, so that writers on other
 * connections do not queue on the row of a busy assignee); SQLite's writers are serialised: shard 0. */
#define TODO_SHARD_PG "CAST(pg_backend_pid() % 16 AS INTEGER)"

static enum err count_add(struct ctx *c, const char *assignee, const char *kind, const char *due, int delta)
{
    bool pg = !strcmp(db_kind(c->db), "postgres");
    enum err e = db_exec_at_commit(c->db, pg ? TODO_COUNT_ADD(TODO_SHARD_PG) : TODO_COUNT_ADD("0"), DB_TEXT(assignee),
                                   DB_TEXT(kind), DB_TEXT(due), DB_INT(delta));
    if (!e)
        e = db_exec_at_commit(c->db,
                              pg ? TODO_LIGHT_ADD(TODO_SHARD_PG) " FOR SHARE OF d " TODO_LIGHT_UPSERT
                                 : TODO_LIGHT_ADD("0") TODO_LIGHT_UPSERT,
                              DB_TEXT(assignee), DB_TEXT(kind), DB_TEXT(due), DB_INT(delta));
    /* a row at zero goes; on PostgreSQL a shard's count may be below zero (a to-do given on one connection, taken
     * on another), so an increase may bring it to zero too; SQLite's shard 0 never goes below */
    if (!e && (delta < 0 || pg))
        e = db_exec_at_commit(c->db, pg ? TODO_COUNT_ZERO(TODO_SHARD_PG) : TODO_COUNT_ZERO("0"), DB_TEXT(assignee),
                              DB_TEXT(kind), DB_TEXT(due));
    return e;
}

/* The sync; counts: keep todo_counts too (a rebuild recounts at its end instead); lock: take the object's
 * row lock first (PostgreSQL; false when the caller holds it already: workflow_act). Without it two
 * transactions syncing one object (a module's change outside an action, and an action or another such
 * change) both read the rows as they were before either committed, and the second to insert a new to-do
 * fails at the unique key todos_key (a 409 for a change nobody else touched). */
static enum err sync_one(struct ctx *c, const struct workflow *wf, int64_t id, struct wf_act *a, bool counts, bool lock)
{
    struct stmt *held = NULL;
    enum err e = lock && wf->table ? db_lock_row_send(c->db, wf->table, id, &held) : ERR_OK;
    if (e)
        return ctx_db_fail(c, e, arena_printf(c->arena, "锁定%s", wf->what));
    /* the rows there are, sent with the lock and the object's load (one round trip on PostgreSQL): keep
     * (refreshed) what is still awaited, delete the rest */
    struct stmt *st = db_query(c->db,
                               "SELECT id, part, task, assignee, label, number, title, state, due_key, since, unit_id, "
                               "unit_name, variety FROM todos WHERE kind = ? AND object_id = ?",
                               DB_TEXT(wf->name), DB_INT(id));
    if (!st) {
        db_lock_row_end(held);
        return ctx_db_fail(c, ERR_INTERNAL, "更新待办事项");
    }
    stmt_send(st);
    struct wf_obj *o;
    e = wf->load(c, id, true, &o);
    enum err le = db_lock_row_end(held);
    if (le || e) {
        stmt_done(st);
        /* a lock that failed failed what was sent after it too: say what failed first */
        return le ? ctx_db_fail(c, le, arena_printf(c->arena, "锁定%s", wf->what)) : e;
    }
    int nw;
    struct holders h = {.o = o};
    struct want *wants = wants_of(c, wf, o, &h, &nw);
    const char *due = o->due_date && *o->due_date ? o->due_date : NO_DUE;
    const char *number = o->number ? o->number : "", *title = o->title ? o->title : "";
    const char *state = wf_state_name(wf, o->state), *variety = o->variety ? o->variety : "";
    int cap = 8, nold = 0, rc;
    struct old {
        int64_t id;
        int want; /* the want it still is, or -1 */
        bool stale;
        const char *assignee, *due, *since;
    } *old = arena_alloc(c->arena, sizeof *old * (size_t)cap);
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (nold == cap) {
            struct old *bigger = arena_alloc(c->arena, sizeof *bigger * (size_t)cap * 2);
            memcpy(bigger, old, sizeof *old * (size_t)cap);
            old = bigger;
            cap *= 2;
        }
        struct old *x = &old[nold++];
        *x = (struct old){stmt_int(st, 0),
                          -1,
                          false,
                          arena_strdup(c->arena, stmt_text(st, 3)),
                          arena_strdup(c->arena, stmt_text(st, 8)),
                          arena_strdup(c->arena, stmt_text(st, 9))};
        for (int i = 0; i < nw && x->want < 0; i++) {
            struct want *w = &wants[i];
            if (w->exists || strcmp(w->part, stmt_text(st, 1)) || strcmp(w->task, stmt_text(st, 2)) ||
                strcmp(w->assignee, stmt_text(st, 3)))
                continue;
            w->exists = true;
            x->want = i;
            x->stale = strcmp(w->label, stmt_text(st, 4)) || strcmp(number, stmt_text(st, 5)) ||
                       strcmp(title, stmt_text(st, 6)) || strcmp(state, stmt_text(st, 7)) ||
                       strcmp(want_due(w, due), stmt_text(st, 8)) || w->unit_id != stmt_int(st, 10) ||
                       strcmp(w->unit_name ? w->unit_name : "", stmt_text(st, 11)) ||
                       strcmp(variety, stmt_text(st, 12));
        }
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "更新待办事项");
    for (int i = 0; i < nold && !e; i++) {
        const struct old *x = &old[i];
        if (x->want < 0) {
            e = db_exec(c->db, "DELETE FROM todos WHERE id = ?", DB_INT(x->id));
            if (!e && counts)
                e = count_add(c, x->assignee, wf->name, x->due, -1);
        } else if (x->stale) {
            const char *wdue = want_due(&wants[x->want], due);
            const struct want *w = &wants[x->want];
            e = db_exec(c->db,
                        "UPDATE todos SET label = ?, number = ?, title = ?, state = ?, due_key = ?, unit_id = ?, "
                        "unit_name = ?, variety = ? WHERE id = ?",
                        DB_TEXT(w->label), DB_TEXT(number), DB_TEXT(title), DB_TEXT(state), DB_TEXT(wdue),
                        DB_INT(w->unit_id), DB_TEXT(w->unit_name ? w->unit_name : ""), DB_TEXT(variety), DB_INT(x->id));
            if (!e && counts && strcmp(x->due, wdue) && !(e = count_add(c, x->assignee, wf->name, x->due, -1)))
                e = count_add(c, x->assignee, wf->name, wdue, 1);
        }
    }
    if (e)
        return ctx_db_fail(c, e, "更新待办事项");

    /* the new ones: a row each, and a message to its people when an action handed the work over */
    char at[21];
    time_format_iso(c->now, at);
    struct sent *sent = NULL;
    for (int i = 0; i < nw && !e; i++) {
        struct want *w = &wants[i];
        if (w->exists)
            continue;
        /* a to-do that replaces one of the same person on the same object (签收 → 报送进展, a ladder step) waits
         * since the work first reached that person: the earliest of those it replaces (已等待 does not restart) */
        const char *since = at;
        for (int k = 0; k < nold; k++)
            if (old[k].want < 0 && !strcmp(old[k].assignee, w->assignee) && strcmp(old[k].since, since) < 0)
                since = old[k].since;
        /* the row is sent later: its count travels with it (one round trip on PostgreSQL); a number
         * taken at the commit (counter_next_late) is written then */
        e = db_exec_later(
            c->db,
            "INSERT INTO todos (assignee, kind, object_id, part, task, label, number, title, state, "
            "unit_id, unit_name, due_key, since, variety) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            DB_TEXT(w->assignee), DB_TEXT(wf->name), DB_INT(id), DB_TEXT(w->part), DB_TEXT(w->task), DB_TEXT(w->label),
            DB_TEXT(number), DB_TEXT(title), DB_TEXT(state), DB_INT(w->unit_id),
            DB_TEXT(w->unit_name ? w->unit_name : ""), DB_TEXT(want_due(w, due)), DB_TEXT(since), DB_TEXT(variety));
        if (!e && counts)
            e = count_add(c, w->assignee, wf->name, want_due(w, due), 1);
        if (e) {
            e = ctx_db_fail(c, e, "保存待办事项");
            break;
        }
        if (!a)
            continue;
        struct notice n;
        todo_notice(c, wf, o, w->p, w->wait, a, &n);
        if (wf->notice)
            wf->notice(a, w->wait, NULL, w->p, &n);
        e = send_keys(c, &w->key, 1, &n, &sent);
    }
    if (e || !a)
        return e;

    /* the informations: the units hear of decisions about their work */
    bool phase = wf->phase && (wf->phase(a->from) || wf->phase(a->to));
    for (int i = 0; i < wf->ninforms && !e; i++) {
        const struct wf_inform *f = &wf->informs[i];
        if (f->action != a->action)
            continue;
        int from = 0, to = 1;
        if (f->parts == WF_INFORM_EACH_PART) {
            to = phase ? o->ntracks : 0;
        } else if (f->parts == WF_INFORM_CONCERNED) {
            from = a->part >= 0 ? a->part : a->concerned;
            to = from >= 0 && from < o->ntracks ? from + 1 : 0;
            if (from < 0) { /* an action about the object as a whole concerns every part */
                from = 0;
                to = phase ? o->ntracks : 0;
            }
        }
        for (int k = from; k < to && !e; k++) {
            const struct wf_part *p = f->parts == WF_INFORM_ONCE ? NULL : &o->parts[k];
            struct notice n = {
                .kind = MSG_RESULT, .object_type = wf->name, .object_id = o->id, .link = wf_link(c, wf, o->id)};
            n.subject =
                arena_printf(c->arena, "【办理结果】%s：%s", wf_action_label(wf, a->action), object_label(c, o));
            n.body = arena_printf(c->arena, "%s%s%s", a->outcome ? a->outcome : "", a->outcome ? "\n\n" : "",
                                  act_words(c, a));
            if (wf->notice)
                wf->notice(a, NULL, f, p, &n);
            int nk;
            struct key *keys = resolve(c, &h, o, p, &f->who, 1, &nk);
            e = send_keys(c, keys, nk, &n, &sent);
        }
    }
    return e;
}

enum err workflow_todos_sync(struct ctx *c, const struct workflow *wf, int64_t id, struct wf_act *a)
{
    return sync_one(c, wf, id, a, true, true);
}

enum err workflow_todos_sync_new(struct ctx *c, const struct workflow *wf, int64_t id)
{
    return sync_one(c, wf, id, NULL, true, false);
}

enum err wf_todos_sync_locked(struct wf_act *a)
{
    return sync_one(a->c, a->wf, a->obj->id, a, true, false);
}

enum err workflow_tell(struct ctx *c, struct wf_obj *o, const struct wf_part *part, const struct wf_who *who,
                       const struct notice *n)
{
    int nk;
    struct holders h = {.o = o};
    struct key *keys = resolve(c, &h, o, part, who, 1, &nk);
    struct sent *sent = NULL;
    return send_keys(c, keys, nk, n, &sent);
}

#define REBUILD_BATCH 200

struct rebuild {
    const struct workflow *wf;
    int64_t after; /* the batch starts after this id */
    /* what the batch found (set by each attempt; the caller moves on once it committed) */
    int64_t ids[REBUILD_BATCH];
    int n;
    bool last;
    int64_t skipped[REBUILD_BATCH]; /* the batch's objects another transaction held */
    int nskipped;
};

/*
 * PostgreSQL: takes the rows of a batch's objects that no other transaction holds, at once and without
 * waiting (held[i]); one another transaction holds is skipped here and synced alone afterwards. So a batch
 * never waits for an object while it holds others: a writer holding that object and wanting one the batch
 * holds (an action that moves a parent, a pass of the ladder over many objects) would deadlock with it.
 */
static enum err lock_batch(struct ctx *c, const struct workflow *wf, const int64_t *ids, int n, bool *held)
{
    bool pg = wf->table && !strcmp(db_kind(c->db), "postgres");
    for (int i = 0; i < n; i++)
        held[i] = !pg;
    if (!pg || !n)
        return ERR_OK;
    struct buf sql = {0};
    buf_printf(&sql, "SELECT id FROM %s WHERE ", wf->table);
    db_sql_in_ints(c->db, &sql, "id", n);
    buf_puts(&sql, " FOR NO KEY UPDATE SKIP LOCKED");
    struct stmt *st = sql.data ? db_prepare(c->db, sql.data) : NULL;
    buf_free(&sql);
    if (st)
        stmt_bind_ints(st, 1, ids, n);
    int rc = st ? STORE_ROW : STORE_E_OTHER;
    while (st && (rc = stmt_step(st)) == STORE_ROW) {
        int64_t id = stmt_int(st, 0);
        for (int i = 0; i < n; i++)
            if (ids[i] == id)
                held[i] = true;
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, arena_printf(c->arena, "锁定%s", wf->what)) : ERR_OK;
}

/*
 * A batch: the next objects after `after`, in id order, at most REBUILD_BATCH, that may wait on someone
 * (wf->ids) or still have rows (those of an object that waits on nobody go when it is synced); *last when
 * none is left after them.
 */
static enum err batch_ids(struct ctx *c, const struct workflow *wf, int64_t after, int64_t *ids, int *n, bool *last)
{
    int64_t may[REBUILD_BATCH], rows[REBUILD_BATCH];
    int nm = 0, nr = 0, rc;
    *n = 0;
    enum err e = wf->ids(c, after, REBUILD_BATCH, may, &nm);
    if (e)
        return e;
    struct stmt *st = db_query(c->db,
                               "SELECT DISTINCT object_id FROM todos WHERE kind = ? AND object_id > ? "
                               "ORDER BY object_id LIMIT ?",
                               DB_TEXT(wf->name), DB_INT(after), DB_INT(REBUILD_BATCH));
    while (st && (rc = stmt_step(st)) == STORE_ROW && nr < REBUILD_BATCH)
        rows[nr++] = stmt_int(st, 0);
    if (!st)
        rc = STORE_E_OTHER;
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "重建待办事项");
    /* a full list was cut at its last id: what lies beyond it is for the next batch */
    int64_t end = INT64_MAX;
    if (nm == REBUILD_BATCH)
        end = may[nm - 1];
    if (nr == REBUILD_BATCH && rows[nr - 1] < end)
        end = rows[nr - 1];
    *last = end == INT64_MAX;
    for (int i = 0, j = 0; i < nm || j < nr;) {
        int64_t v = j >= nr || (i < nm && may[i] <= rows[j]) ? may[i] : rows[j];
        i += i < nm && may[i] == v;
        j += j < nr && rows[j] == v;
        if (v > end)
            break;
        if (*n == REBUILD_BATCH) {
            *last = false;
            break;
        }
        ids[(*n)++] = v;
    }
    return ERR_OK;
}

/* One batch of objects, in one transaction: those it could take synced, the others noted. */
static enum err rebuild_tx(struct ctx *c, void *arg)
{
    struct rebuild *r = arg;
    bool held[REBUILD_BATCH];
    r->n = r->nskipped = 0; /* ctx_tx may run this again */
    r->last = true;
    /* a batch's objects live in an arena of their own: a rebuild of a province stays small */
    struct arena batch = ARENA_INIT, *outer = c->arena;
    c->arena = &batch;
    enum err e = batch_ids(c, r->wf, r->after, r->ids, &r->n, &r->last);
    if (!e)
        e = lock_batch(c, r->wf, r->ids, r->n, held);
    for (int i = 0; i < r->n && !e; i++)
        if (held[i])
            e = sync_one(c, r->wf, r->ids[i], NULL, false, false);
        else
            r->skipped[r->nskipped++] = r->ids[i];
    c->arena = outer;
    if (e && c->msg)
        c->msg = arena_strdup(outer, c->msg);
    arena_free(&batch);
    return e;
}

struct rebuild_one {
    const struct workflow *wf;
    int64_t id;
};

/* An object a batch skipped, alone: waits for its row, holding nothing else. */
static enum err rebuild_one_tx(struct ctx *c, void *arg)
{
    const struct rebuild_one *o = arg;
    return sync_one(c, o->wf, o->id, NULL, false, true);
}

/* PostgreSQL: holds every writer of todos off until the transaction ends (SHARE ROW EXCLUSIVE conflicts with
 * every change of a row and with itself; readers go on). Taken first, holding nothing, it waits for the writers
 * in flight to commit; then no other transaction holds a row of todo_counts or todo_lights (a writer counts at
 * its commit, after its change of todos), so the statements after it wait for nobody but a refresh of the
 * lights (which takes nothing after todo_lights' rows). */
static enum err hold_writers(struct ctx *c)
{
    return strcmp(db_kind(c->db), "postgres") ? ERR_OK : db_exec(c->db, "LOCK TABLE todos IN SHARE ROW EXCLUSIVE MODE");
}

/* The todos rows a recount's transaction counts at most (about): its assignees' rows, the assignees taken in
 * order. Every transaction of the recount holds the writers of to-dos off while it counts (below). */
#define RECOUNT_ROWS 5000

/* The assignees a recount's transaction covers: those after lo (all when NULL) up to and including hi (all
 * when NULL). */
struct recount {
    const struct workflow *wf;
    const char *lo, *hi;
};

/* sql, then " AND <col> > ? AND <col> <= ?" for the bounds r has, then tail, in the arena; *b: kind, then those
 * bounds */
static const char *recount_sql(struct ctx *c, const struct recount *r, const char *sql, const char *col,
                               const char *tail, struct db_bind b[4])
{
    int n = 0;
    b[n++] = DB_TEXT(r->wf->name);
    if (r->lo)
        b[n++] = DB_TEXT(r->lo);
    if (r->hi)
        b[n++] = DB_TEXT(r->hi);
    b[n] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
    return arena_printf(c->arena, "%s%s%s%s%s%s%s%s", sql, r->lo ? " AND " : "", r->lo ? col : "", r->lo ? " > ?" : "",
                        r->hi ? " AND " : "", r->hi ? col : "", r->hi ? " <= ?" : "", tail);
}

/* The counts of the rebuilt kind for one range of assignees, from their rows at once, the writers held off
 * (none is half counted), and by the stored dates, held against a refresh moving them (PostgreSQL; see
 * count_add). Exact at its commit; every writer after it changes the counts with its rows. */
static enum err recount_tx(struct ctx *c, void *arg)
{
    const struct recount *r = arg;
    struct db_bind b[4];
    enum err e = hold_writers(c);
    if (!e && !strcmp(db_kind(c->db), "postgres"))
        e = db_exec(c->db, "SELECT 1 FROM todo_light_dates WHERE id = 1 FOR SHARE");
    if (!e)
        e = db_exec_a(c->db, recount_sql(c, r, "DELETE FROM todo_counts WHERE kind = ?", "assignee", "", b), b);
    /* through todos_kind (assignee, kind, due_key, …): the range's rows in the GROUP BY's order (SQLite took
     * todos_key for kind = ?, every row of the kind for each range) */
    if (!e)
        e = db_exec_a(c->db,
                      recount_sql(c, r,
                                  arena_printf(c->arena,
                                               "INSERT INTO todo_counts (assignee, kind, due_key, n) SELECT assignee, "
                                               "kind, due_key, COUNT(*) FROM todos%s WHERE kind = ?",
                                               db_index_hints(c->db) ? " INDEXED BY todos_kind" : ""),
                                  "assignee", " GROUP BY assignee, kind, due_key", b),
                      b);
    if (!e)
        e = db_exec_a(c->db, recount_sql(c, r, "DELETE FROM todo_lights WHERE kind = ?", "assignee", "", b), b);
    if (!e)
        e = db_exec_a(
            c->db,
            recount_sql(c, r,
                        "INSERT INTO todo_lights (assignee, kind, light, n) SELECT t.assignee, t.kind, " TODO_LIGHT(
                            "t.due_key") ", SUM(t.n) FROM todo_counts t, todo_light_dates d WHERE d.id = 1 "
                                         "AND t.kind = ?",
                        "t.assignee", " GROUP BY t.assignee, t.kind, 3", b),
            b);
    return ctx_db_fail(c, e, "重建待办事项");
}

/* Recounts the kind's counts and lights, RECOUNT_ROWS rows of to-dos at a time in the order of their assignees,
 * a transaction each (the writers of to-dos wait for one range's count, not for the whole kind's: 1.1 million
 * rows of items took the write lock ~5 s at once on SQLite). The ranges cover every assignee, so a count of an
 * assignee who has no to-do left goes too. */
static enum err recount(struct ctx *c, const struct workflow *wf)
{
    struct recount r = {.wf = wf};
    enum err e = ERR_OK;
    for (bool done = false; !e && !done;) {
        /* the assignee of the row RECOUNT_ROWS on: the range ends with all of its rows */
        char *hi = NULL;
        struct stmt *st = r.lo ? db_query(c->db,
                                          "SELECT assignee FROM todos WHERE assignee > ? ORDER BY assignee "
                                          "LIMIT 1 OFFSET ?",
                                          DB_TEXT(r.lo), DB_INT(RECOUNT_ROWS))
                               : db_query(c->db, "SELECT assignee FROM todos ORDER BY assignee LIMIT 1 OFFSET ?",
                                          DB_INT(RECOUNT_ROWS));
        int rc = st ? stmt_step(st) : STORE_E_OTHER;
        if (rc == STORE_ROW)
            hi = arena_strdup(c->arena, stmt_text(st, 0));
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "重建待办事项");
        r.hi = hi;
        done = !hi;
        e = ctx_tx(c, "重建待办事项", recount_tx, &r);
        r.lo = hi;
        db_let_writers_in(c->db);
    }
    return e;
}

struct todo_dates {
    char today[11], yellow[11];
};

/* Moves todo_light_dates to today's dates under its row lock and recolours todo_lights: only the due dates
 * between the old and the new dates (todo_counts_due) change colour; every light such a due date had by the old
 * dates is taken away and the one it has by the new dates added, summed per assignee, kind and light. */
static enum err todo_lights_tx(struct ctx *c, void *arg)
{
    struct todo_dates *m = arg;
    struct stmt *st = db_query(c->db, "UPDATE todo_light_dates SET id = id WHERE id = 1 RETURNING today, yellow");
    char old_t[11] = "", old_y[11] = "";
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    if (rc == STORE_ROW) {
        snprintf(old_t, sizeof old_t, "%s", stmt_text(st, 0));
        snprintf(old_y, sizeof old_y, "%s", stmt_text(st, 1));
    }
    stmt_done(st);
    if (rc != STORE_ROW)
        return ctx_store_fail(c, rc < 0 ? rc : STORE_E_OTHER, "刷新待办事项亮灯");
    workflow_light_dates_now(c, m->today, m->yellow); /* under the lock */
    if (!strcmp(old_t, m->today) && !strcmp(old_y, m->yellow))
        return ERR_OK;
    const char *lo_t = strcmp(old_t, m->today) < 0 ? old_t : m->today, *hi_t = lo_t == old_t ? m->today : old_t;
    const char *lo_y = strcmp(old_y, m->yellow) < 0 ? old_y : m->yellow, *hi_y = lo_y == old_y ? m->yellow : old_y;
#define MOVED_DUE "FROM todo_counts WHERE (due_key >= ? AND due_key < ?) OR (due_key > ? AND due_key <= ?)"
#define LIGHT_BY                                                                                                       \
    "CASE WHEN due_key = '9999-12-31' THEN 'none' WHEN due_key < ? THEN 'red' WHEN due_key <= ? THEN "                 \
    "'yellow' ELSE 'green' END"
    enum err e =
        db_exec(c->db,
                "INSERT INTO todo_lights (assignee, kind, light, n) SELECT assignee, kind, l, SUM(v) FROM "
                "(SELECT assignee, kind, " LIGHT_BY " AS l, -n AS v " MOVED_DUE " UNION ALL SELECT assignee, "
                "kind, " LIGHT_BY ", n " MOVED_DUE ") x GROUP BY assignee, kind, l HAVING SUM(v) <> 0 "
                "ON CONFLICT (assignee, kind, light, shard) DO UPDATE SET n = todo_lights.n + excluded.n",
                DB_TEXT(old_t), DB_TEXT(old_y), DB_TEXT(lo_t), DB_TEXT(hi_t), DB_TEXT(lo_y), DB_TEXT(hi_y),
                DB_TEXT(m->today), DB_TEXT(m->yellow), DB_TEXT(lo_t), DB_TEXT(hi_t), DB_TEXT(lo_y), DB_TEXT(hi_y));
#undef LIGHT_BY
#undef MOVED_DUE
    if (!e)
        e = db_exec(c->db, "UPDATE todo_light_dates SET today = ?, yellow = ? WHERE id = 1", DB_TEXT(m->today),
                    DB_TEXT(m->yellow));
    return ctx_db_fail(c, e, "刷新待办事项亮灯");
}

enum err workflow_todo_lights_refresh(struct ctx *c)
{
    struct todo_dates m;
    workflow_light_dates(c, m.today, m.yellow);
    struct stmt *st = db_query(c->db, "SELECT today, yellow FROM todo_light_dates WHERE id = 1");
    bool fresh =
        st && stmt_step(st) == STORE_ROW && !strcmp(stmt_text(st, 0), m.today) && !strcmp(stmt_text(st, 1), m.yellow);
    stmt_done(st);
    return fresh ? ERR_OK : ctx_tx(c, "刷新待办事项亮灯", todo_lights_tx, &m);
}

enum err workflow_todos_rebuild(struct ctx *c, const struct workflow *wf, int64_t *count)
{
    /* sync every object that may wait or has rows under its row lock, a batch per transaction (the server's
     * writers go on meanwhile: an action syncs its object under the same lock; a row that stays keeps its
     * `since`; an interrupted rebuild is simply run again), then recount. The counts stay as they were until
     * the recount replaces them. No transaction of it waits for a lock while holding one another transaction
     * may want: it never deadlocks with a writer. */
    struct rebuild r = {.wf = wf};
    enum err e = ERR_OK;
    *count = 0;
    for (bool done = false; !e && !done;) {
        e = ctx_tx(c, "重建待办事项", rebuild_tx, &r);
        for (int i = 0; i < r.nskipped && !e; i++)
            e = ctx_tx(c, "重建待办事项", rebuild_one_tx, &(struct rebuild_one){wf, r.skipped[i]});
        if (e)
            break;
        /* committed: the next batch starts after this one */
        *count += r.n;
        done = r.last;
        if (r.n)
            r.after = r.ids[r.n - 1];
        db_let_writers_in(c->db);
    }
    if (!e)
        e = recount(c, wf);
    return e;
}
