/*
 * results_common.c: what the records of src/results share (results and bulletins): paths and
 * columns, the drafting office and its grant, numbers, the timeline tables, the list's binds and the
 * principal leader's approval.
 */
#include "results/results_internal.h"

#include "base/check.h"
#include "base/timeu.h"
#include "calendar/calendar.h"
#include "core/counter.h"
#include "core/events.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

bool res_path_within(const char *path, const char *ancestor)
{
    return path && ancestor && strncmp(path, ancestor, strlen(ancestor)) == 0;
}

const char *res_col(struct ctx *c, struct stmt *st, int i)
{
    return stmt_is_null(st, i) ? NULL : arena_strdup(c->arena, stmt_text(st, i));
}

int64_t res_path_last_id(const char *path)
{
    const char *end = path + strlen(path);
    if (end > path && end[-1] == '/')
        end--;
    const char *p = end;
    while (p > path && p[-1] != '/')
        p--;
    return strtoll(p, NULL, 10);
}

json_t *res_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

bool res_blank(const char *s)
{
    for (; s && *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

void result_today(struct ctx *c, char out[11])
{
    cal_format_date(time_local_day(c->now), out);
}

enum err res_government_grant(struct ctx *c, bool write, const char *what, const struct grant **g)
{
    for (int i = 0; c->user && i < c->user->ngrants; i++) {
        const struct grant *x = &c->user->grants[i];
        const char *kind = NULL;
        if (!perm_grant_has(x, write ? CAP_RESULT_DRAFT : CAP_ITEM_READ) ||
            db_one_text(c->db, c->arena, &kind, "SELECT kind FROM units WHERE id = ?", DB_INT(x->unit_id)) ||
            strcmp(kind, "government"))
            continue;
        *g = x;
        c->acting = x;
        return ERR_OK;
    }
    return ctx_fail(c, ERR_FORBIDDEN, write ? "只有本级政府督查室可以修改%s" : "只有本级政府的督查室和领导可以查看%s",
                    what);
}

enum err res_drafting_grant(struct ctx *c, const struct grant **g, int64_t *office)
{
    if (!c->user)
        return ctx_fail(c, ERR_INVALID, "需要以督查室用户的身份起草");
    int n;
    const char **scope = perm_scope_cap(c, CAP_RESULT_DRAFT, &n);
    if (n < 1)
        return ctx_fail(c, ERR_FORBIDDEN, "只有督查室可以起草");
    *g = perm_grant_at(c->user, CAP_RESULT_DRAFT, scope[0]);
    c->acting = *g;
    /* the supervision office (督查室) under the government numbers; the government itself without one */
    *office = (*g)->unit_id;
    db_one_int(c->db, office, "SELECT id FROM units WHERE parent_id = ? AND kind = 'office' ORDER BY sort, id LIMIT 1",
               DB_INT((*g)->unit_id));
    return ERR_OK;
}

enum err res_number(struct ctx *c, const char *home_path, int64_t office_unit_id, const char *counter, const char *word,
                    const char **number, int *year, int64_t *seq)
{
    char today[11];
    result_today(c, today);
    *year = atoi(today);
    /* the office's own prefix, else the nearest ancestor's of the government */
    const char *prefix = NULL;
    enum err e = db_one_text(c->db, c->arena, &prefix, "SELECT prefix FROM units WHERE id = ? AND prefix <> ''",
                             DB_INT(office_unit_id));
    if (e && e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "分配编号");
    if (e && (e = counter_series_prefix(c, home_path, &prefix)))
        return e;
    if ((e = counter_next(c, arena_printf(c->arena, "%s:%" PRId64 ":%d", counter, office_unit_id, *year), seq)))
        return e;
    *number = arena_printf(c->arena, "%s督%s〔%d〕%" PRId64 "号", prefix ? prefix : "", word, *year, *seq);
    return ERR_OK;
}

enum err res_event(struct ctx *c, const struct res_table *t, int64_t id, const char *action, int from, int to,
                   const char *note, const json_t *data)
{
    char at[21];
    time_format_iso(c->now, at);
    char *d = data ? json_dumps(data, JSON_COMPACT) : NULL;
    enum err e =
        db_exec(c->db,
                arena_printf(c->arena,
                             "INSERT INTO %s (%s, at, actor_id, actor, actor_name, action, from_state, "
                             "to_state, note, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             t->events, t->key),
                DB_INT(id), DB_TEXT(at), DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(ctx_actor(c)),
                DB_TEXT(c->user && c->user->name ? c->user->name : "系统"), DB_TEXT(action),
                DB_TEXT(from >= 0 ? wf_state_name(t->wf, from) : NULL),
                DB_TEXT(to >= 0 ? wf_state_name(t->wf, to) : NULL), DB_TEXT(note ? note : ""), DB_TEXT(d ? d : "{}"));
    free(d);
    if (e)
        return ctx_db_fail(c, e, "记录过程");
    /* the timeline is the record's event log: subscribers (webhooks) see each entry in this transaction */
    int act;
    const char *kind = wf_action_parse(t->wf, action, &act) ? "transition" : "draft";
    return events_publish(c, &(struct domain_event){t->wf->name, id, kind, action, 0, note, data});
}

/* The words of the timeline's own actions (those that are not workflow actions). */
static const char *event_label(const struct res_table *t, const char *action)
{
    static const struct wf_name own[] = {{"create", "起草", "Drafted"},
                                         {"update", "修改草稿", "Edited"},
                                         {"refresh", "刷新数据", "Figures refreshed"},
                                         {"adjust", "调整得分", "Score adjusted"},
                                         {"objection", "单位提出异议", "Objection raised"},
                                         {"objection_upheld", "异议成立，调整得分", "Objection upheld"},
                                         {"objection_rejected", "异议不成立", "Objection rejected"},
                                         {"deadline", "时限提醒和催办", "Deadline reminder"},
                                         {"escalate", "逾期报告主要领导", "Reported to the principal leader"}};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        if (!strcmp(action, own[i].name))
            return own[i].label;
    int a;
    return wf_action_parse(t->wf, action, &a) ? wf_action_label(t->wf, a) : action;
}

enum err res_events(struct ctx *c, const struct res_table *t, int64_t id, json_t **out)
{
    struct stmt *st =
        db_query(c->db,
                 arena_printf(c->arena,
                              "SELECT id, at, actor, actor_name, action, from_state, to_state, note, data "
                              "FROM %s WHERE %s = ? ORDER BY id",
                              t->events, t->key),
                 DB_INT(id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取过程");
    json_t *arr = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        json_t *data = json_loads(stmt_text(st, 8), 0, NULL);
        const char *action = stmt_text(st, 4);
        json_array_append_new(arr, json_pack("{sI ss ss ss ss ss so so ss so}", "id", (json_int_t)stmt_int(st, 0), "at",
                                             stmt_text(st, 1), "actor", stmt_text(st, 2), "actor_name",
                                             stmt_text(st, 3), "action", action, "action_label", event_label(t, action),
                                             "from", res_str(stmt_is_null(st, 5) ? NULL : stmt_text(st, 5)), "to",
                                             res_str(stmt_is_null(st, 6) ? NULL : stmt_text(st, 6)), "note",
                                             stmt_text(st, 7), "data", data ? data : json_object()));
    }
    stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return ctx_store_fail(c, rc, "读取过程");
    }
    *out = json_pack("{so}", "events", arr);
    return ERR_OK;
}

enum err res_approve(struct wf_act *a, const struct res_table *t)
{
    struct ctx *c = a->c;
    char at[21];
    time_format_iso(c->now, at);
    enum err e =
        db_exec(c->db, arena_printf(c->arena, "UPDATE %s SET approved_by = ?, approved_at = ? WHERE id = ?", t->table),
                DB_INT_IF(c->user, c->user ? c->user->id : 0), DB_TEXT(at), DB_INT(a->obj->id));
    return ctx_db_fail(c, e, "批准");
}

enum err res_lock(struct ctx *c, const struct res_table *t, int64_t id, int64_t version, const char *what)
{
    int64_t got;
    enum err e = db_one_int(
        c->db, &got,
        arena_printf(c->arena, "UPDATE %s SET version = version WHERE id = ? AND version = ? RETURNING id", t->table),
        DB_INT(id), DB_INT(version));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "%s已被他人同时处理，请刷新后重试", what);
    return ctx_db_fail(c, e, "锁定");
}

enum err res_save_state(struct wf_act *a, const struct res_table *t, int64_t version, const char *what)
{
    struct ctx *c = a->c;
    char at[21];
    time_format_iso(c->now, at);
    int64_t nv;
    enum err e = db_one_int(c->db, &nv,
                            arena_printf(c->arena,
                                         "UPDATE %s SET state = ?, updated_at = ?, version = version + 1 "
                                         "WHERE id = ? AND version = ? RETURNING version",
                                         t->table),
                            DB_TEXT(wf_state_name(t->wf, a->to)), DB_TEXT(at), DB_INT(a->obj->id), DB_INT(version));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "%s已被他人同时处理，请刷新后重试", what);
    if (e)
        return ctx_db_fail(c, e, "更新状态");
    const char *note = jv_str(a->body, "reason");
    if (!note)
        note = jv_str(a->body, "text");
    if (!note)
        note = jv_str(a->body, "record");
    return res_event(c, t, a->obj->id, wf_action_name(t->wf, a->action), a->from, a->to, note, a->data);
}

enum err res_page_ids(struct ctx *c, const char *from, const char *id, const char *where, struct res_binds *bd,
                      int page, int per_page, int64_t *total, int64_t **ids, int *n)
{
    *n = 0;
    *ids = arena_alloc(c->arena, sizeof **ids * (size_t)(per_page + 1));
    enum err e = db_one_int_a(c->db, total, arena_printf(c->arena, "SELECT COUNT(*) FROM %s WHERE %s", from, where),
                              res_binds_of(bd));
    if (e)
        return ctx_db_fail(c, e, "读取列表");
    res_bind_add(c, bd, DB_INT(per_page));
    res_bind_add(c, bd, DB_INT((int64_t)(page - 1) * per_page));
    struct stmt *st = db_query_a(
        c->db,
        arena_printf(c->arena, "SELECT %s FROM %s WHERE %s ORDER BY %s DESC LIMIT ? OFFSET ?", id, from, where, id),
        res_binds_of(bd));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取列表");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < per_page)
        (*ids)[(*n)++] = stmt_int(st, 0);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取列表") : ERR_OK;
}

enum err res_ids(struct ctx *c, const struct res_table *t, const char *open_states, int64_t after, int limit,
                 int64_t *out, int *n)
{
    *n = 0;
    struct stmt *st =
        db_query(c->db,
                 arena_printf(c->arena, "SELECT id FROM %s WHERE id > ? AND state IN (%s) ORDER BY id LIMIT ?",
                              t->table, open_states),
                 DB_INT(after), DB_INT(limit));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取记录");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW && *n < limit)
        out[(*n)++] = stmt_int(st, 0);
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取记录") : ERR_OK;
}

void *res_grow(struct ctx *c, void *arr, int n, int *cap, size_t size, int first)
{
    if (n < *cap)
        return arr;
    *cap = *cap ? *cap * 2 : first;
    void *more = arena_alloc(c->arena, size * (size_t)*cap);
    if (n)
        memcpy(more, arr, size * (size_t)n);
    return more;
}

void res_bind_add(struct ctx *c, struct res_binds *b, struct db_bind v)
{
    if (b->n + 2 > b->cap) {
        int nc = b->cap ? b->cap * 2 : 16;
        struct db_bind *nb = arena_alloc(c->arena, sizeof *nb * (size_t)nc);
        if (b->n)
            memcpy(nb, b->v, sizeof *nb * (size_t)b->n);
        b->v = nb;
        b->cap = nc;
    }
    b->v[b->n++] = v;
    b->v[b->n] = (struct db_bind){DB_BIND_END_, 0, 0, NULL};
}

const struct db_bind *res_binds_of(const struct res_binds *b)
{
    static const struct db_bind none[] = {{DB_BIND_END_, 0, 0, NULL}};
    return b->v ? b->v : none;
}

/* The record tables of the module's workflows. */
static const struct res_table *table_of(const struct workflow *wf)
{
    static const struct res_table *const all[] = {&result_table, &bulletin_table, &scorecard_table, &objection_table};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (all[i]->wf == wf)
            return all[i];
    (void)ALWAYS(0); /* a workflow of this module has its table above */
    return &result_table;
}

enum err res_hook_save(struct wf_act *a)
{
    return res_save_state(a, table_of(a->wf), a->obj->version, a->wf->what);
}

bool res_hook_no_cond(struct ctx *c, struct wf_obj *o, int k)
{
    (void)c;
    (void)o;
    return ALWAYS(k == 0);
}

enum err res_act(struct ctx *c, const struct workflow *wf, int64_t id, const char *action, const json_t *body,
                 const char *home_path)
{
    int a;
    if (!wf_action_parse(wf, action, &a))
        return ctx_fail(c, ERR_NOT_FOUND, "没有名为“%s”的操作（见 GET /api/v1/workflows）", action ? action : "");
    if (home_path && c->user && !perm_at(c->user, CAP_ITEM_READ, home_path))
        return ctx_fail(c, ERR_FORBIDDEN, "您的角色不能对该%s执行「%s」", wf->what, wf_action_label(wf, a));
    return workflow_act(c, wf, id, a, body, NULL);
}

bool res_press_names(const char *data, int64_t unit)
{
    json_t *d = json_loads(data ? data : "{}", 0, NULL);
    json_t *ids = json_object_get(d, "unit_ids");
    bool yes = !json_is_array(ids);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) yes = yes || json_integer_value(v) == unit;
    json_decref(d);
    return yes;
}
