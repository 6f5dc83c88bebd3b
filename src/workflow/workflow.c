/*
 * workflow.c: the engine's enforcement, the same for every workflow: reading the table (names, the row
 * of a state and an action, the capability a row needs), who may take which action now, and taking one
 * action in one transaction (workflow_act). To-dos and messages: todos.c, todos_read.c; docs and checks:
 * describe.c.
 */
#include "workflow/wf_internal.h"

#include "audit/audit.h"
#include "base/check.h"
#include "base/jsonv.h"

#include <inttypes.h>
#include <string.h>

/* ---- the table ---- */

static const struct wf_name *state_at(const struct workflow *wf, int s)
{
    return s >= 0 && s < wf->nstates ? &wf->states[s] : NULL;
}

const char *wf_state_name(const struct workflow *wf, int s)
{
    const struct wf_name *n = state_at(wf, s);
    return n ? n->name : "?";
}

const char *wf_state_label(const struct workflow *wf, int s)
{
    const struct wf_name *n = state_at(wf, s);
    return n ? n->label : "?";
}

const char *wf_variety_label(const struct workflow *wf, const char *name)
{
    for (int i = 0; name && i < wf->nvarieties; i++)
        if (!strcmp(wf->varieties[i].name, name))
            return wf->varieties[i].label;
    return NULL;
}

/* (a list's page parses a state per row and per track: the first byte rules out most names without a call) */
static bool name_parse(const struct wf_name *names, int n, const char *s, int *out)
{
    for (int i = 0; s && i < n; i++)
        if (names[i].name[0] == s[0] && !strcmp(s, names[i].name)) {
            *out = i;
            return true;
        }
    return false;
}

bool wf_state_parse(const struct workflow *wf, const char *s, int *out)
{
    return name_parse(wf->states, wf->nstates, s, out);
}

const char *wf_action_name(const struct workflow *wf, int a)
{
    return a >= 0 && a < wf->nactions ? wf->actions[a].name : "?";
}

const char *wf_action_label(const struct workflow *wf, int a)
{
    return a >= 0 && a < wf->nactions ? wf->actions[a].label : "?";
}

bool wf_action_parse(const struct workflow *wf, const char *s, int *out)
{
    return name_parse(wf->actions, wf->nactions, s, out);
}

const struct wf_name *wf_event(const struct workflow *wf, const char *name)
{
    int i;
    if (name_parse(wf->actions, wf->nactions, name, &i))
        return &wf->actions[i];
    if (name_parse(wf->events, wf->nevents, name, &i))
        return &wf->events[i];
    return NULL;
}

const struct wf_row *wf_find(const struct workflow *wf, int from, int action)
{
    for (int i = 0; i < wf->nrows; i++)
        if (wf->rows[i].from == from && wf->rows[i].action == action)
            return &wf->rows[i];
    return NULL;
}

enum cap wf_row_cap(struct ctx *c, const struct workflow *wf, const struct wf_row *r, struct wf_obj *o)
{
    if (r->cap_cond && wf->cond(c, o, r->cap_cond))
        return r->cap_alt;
    return r->cap;
}

/* ---- who may act ---- */

/* May the user take row r on the object at `at` (the home path or a track's unit path)? */
static bool fits(struct ctx *c, const struct workflow *wf, const struct wf_row *r, struct wf_obj *o, const char *at)
{
    if (!c->user)
        return true;
    enum cap cap = wf_row_cap(c, wf, r, o);
    if (cap == wf->read_cap)
        return perm_item_visible(c->user, &o->scope);
    return perm_item_cap_role(c->user, cap, r->role, &o->scope, at); /* false for who must stand aside */
}

/* True when part rows apply (the object is in its parts' phase). */
static bool in_phase(const struct workflow *wf, const struct wf_obj *o)
{
    return wf->phase && wf->phase(o->state);
}

bool workflow_may_ever(struct ctx *c, const struct workflow *wf, struct wf_obj *o, int action)
{
    for (int i = 0; i < wf->nrows; i++) {
        const struct wf_row *r = &wf->rows[i];
        if (r->action != action)
            continue;
        if (r->scope == WF_OBJECT && fits(c, wf, r, o, o->home_path))
            return true;
        for (int k = 0; r->scope == WF_PART && k < o->ntracks; k++)
            if (fits(c, wf, r, o, o->parts[k].unit_path))
                return true;
    }
    return false;
}

json_t *workflow_allowed_actions(struct ctx *c, const struct workflow *wf, struct wf_obj *o, int part)
{
    json_t *arr = json_array();
    bool *seen = arena_alloc(c->arena, sizeof *seen * (size_t)wf->nactions);
    memset(seen, 0, sizeof *seen * (size_t)wf->nactions);
    for (int i = 0; i < wf->nrows; i++) {
        const struct wf_row *r = &wf->rows[i];
        if (NEVER(r->action < 0 || r->action >= wf->nactions) || seen[r->action])
            continue;
        bool ok = false;
        if (r->scope == WF_OBJECT && part < 0) {
            ok = r->from == o->state && fits(c, wf, r, o, o->home_path);
        } else if (r->scope == WF_PART && in_phase(wf, o)) {
            for (int k = 0; k < o->ntracks && !ok; k++) {
                const struct wf_part *p = &o->parts[k];
                ok = (part < 0 || k == part) && p->state == r->from && fits(c, wf, r, o, p->unit_path);
            }
        }
        if (ok && r->cond)
            ok = wf->cond(c, o, r->cond);
        if (ok) {
            seen[r->action] = true;
            json_array_append_new(arr, json_string(wf_action_name(wf, r->action)));
        }
    }
    return arr;
}

/* "「已交办」、「已签收」": the states in which this user may take the action (arena). */
static const char *states_allowing(struct ctx *c, const struct workflow *wf, struct wf_obj *o, int action)
{
    char *s = "";
    for (int i = 0; i < wf->nrows; i++) {
        const struct wf_row *r = &wf->rows[i];
        if (r->action != action)
            continue;
        bool ok = r->scope == WF_OBJECT && fits(c, wf, r, o, o->home_path);
        for (int k = 0; r->scope == WF_PART && k < o->ntracks && !ok; k++)
            ok = fits(c, wf, r, o, o->parts[k].unit_path);
        if (ok)
            s = arena_printf(c->arena, "%s%s「%s」", s, *s ? "、" : "", wf_state_label(wf, r->from));
    }
    return s;
}

/* The row the user takes for action in the object's current state (or in the state of one of the
 * user's tracks, `want` when the body names one); NULL with a 404/409 reported when there is none. */
static const struct wf_row *row_for(struct ctx *c, const struct workflow *wf, struct wf_obj *o, int action,
                                    int64_t want, int *part)
{
    *part = -1;
    for (int i = 0; i < wf->nrows; i++) {
        const struct wf_row *r = &wf->rows[i];
        if (r->action != action)
            continue;
        if (r->scope == WF_OBJECT) {
            if (r->from == o->state && fits(c, wf, r, o, o->home_path))
                return r;
            continue;
        }
        for (int k = 0; in_phase(wf, o) && k < o->ntracks; k++) {
            const struct wf_part *p = &o->parts[k];
            if ((!want || p->id == want) && p->state == r->from && fits(c, wf, r, o, p->unit_path)) {
                *part = k;
                return r;
            }
        }
    }
    /* refused: name the current state (the named track's, or the user's own track's for a unit's action) */
    const char *cur = wf_state_label(wf, o->state);
    if (want) {
        int k = 0;
        while (k < o->ntracks && o->parts[k].id != want)
            k++;
        if (k == o->ntracks) {
            ctx_fail(c, ERR_NOT_FOUND, "该事项没有编号为 %" PRId64 " 的%s", want, wf->part_what);
            return NULL;
        }
        cur = wf_state_label(wf, o->parts[k].state);
    } else {
        for (int k = 0; k < o->ntracks; k++)
            for (int i = 0; i < wf->nrows; i++) {
                const struct wf_row *r = &wf->rows[i];
                if (r->action == action && r->scope == WF_PART && in_phase(wf, o) &&
                    fits(c, wf, r, o, o->parts[k].unit_path))
                    cur = wf_state_label(wf, o->parts[k].state);
            }
    }
    ctx_fail(c, ERR_CONFLICT, "「%s」只能在%s状态下进行，当前状态为「%s」", wf_action_label(wf, action),
             states_allowing(c, wf, o, action), cur);
    return NULL;
}

/* The user must hold the row's capability at the place it is checked (the grant used is recorded). */
static enum err require(struct ctx *c, const struct workflow *wf, const struct wf_row *r, struct wf_obj *o, int part)
{
    if (!c->user)
        return ERR_OK;
    const char *at = r->scope == WF_OBJECT ? o->home_path : o->parts[part].unit_path;
    enum cap cap = wf_row_cap(c, wf, r, o);
    if (cap != wf->read_cap)
        return perm_require_item(c, cap, &o->scope, at, wf->what);
    if (!perm_item_visible(c->user, &o->scope))
        return ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", wf->what);
    c->acting = perm_grant_at(c->user, cap, at);
    return ERR_OK;
}

/* The body members the row requires (presence); the module's check hook validates their values. */
static enum err check_fields(struct ctx *c, const struct workflow *wf, const struct wf_row *r, const json_t *b)
{
    for (int i = 0; i < wf->nfields; i++) {
        const struct wf_field *f = &wf->fields[i];
        if (!(r->fields & (1u << i)) || !f->missing)
            continue;
        const char *s = jv_str(b, f->name);
        if (f->text ? !s || !*s : !jv_has(b, f->name))
            return ctx_fail_field(c, f->name, "「%s」%s", wf_action_label(wf, r->action), f->missing);
    }
    return ERR_OK;
}

/* ---- taking an action ---- */

struct act_args {
    const struct workflow *wf;
    int64_t id;
    int action;
    const json_t *body;
    int64_t result_id;
};

/* Writes the audit record "<workflow>.<action>": the states, the recorded body and the part. */
static enum err audit_act(struct wf_act *a)
{
    const struct workflow *wf = a->wf;
    json_t *sum =
        json_pack("{ss ss sO}", "from", wf_state_name(wf, a->from), "to", wf_state_name(wf, a->to), "body", a->data);
    if (a->part >= 0) {
        const struct wf_part *p = &a->obj->parts[a->part];
        json_object_set_new(sum, wf->part_key,
                            json_pack("{sI sI ss}", "id", (json_int_t)p->id, "unit_id", (json_int_t)p->unit_id, "state",
                                      wf_state_name(wf, a->part_to)));
    }
    enum err e = audit_record(a->c, arena_printf(a->c->arena, "%s.%s", wf->name, wf_action_name(wf, a->action)),
                              wf->name, a->obj->id, sum);
    json_decref(sum);
    return e;
}

/* Everything after the row was found and the user's right to it checked. */
static enum err apply(struct wf_act *a)
{
    const struct workflow *wf = a->wf;
    struct wf_obj *o = a->obj;
    const struct wf_row *r = a->row;
    const struct wf_effect *fx = wf->effects ? &wf->effects[a->action] : NULL;
    enum err e;
    a->from = o->state;
    a->part_from = a->part >= 0 ? o->parts[a->part].state : o->state;
    a->part_to = r->scope == WF_PART && r->to != WF_SAME ? r->to : a->part_from;
    if (fx && fx->before && (e = fx->before(a)))
        return e;
    if (wf->on_action && (e = wf->on_action(a)))
        return e;
    if (r->scope == WF_PART)
        a->to = wf->rollup(a);
    else if (r->to == WF_SAME)
        a->to = a->from;
    else if (r->to == WF_PREV)
        a->to = o->resume_state;
    else
        a->to = r->to;
    if ((e = wf->save(a)) || (e = audit_act(a)))
        return e;
    if (fx && fx->after && (e = fx->after(a)))
        return e;
    /* the actor has acted on the object: the messages that brought it to them are read (before the hand-offs below,
     * which may write new ones to them) */
    if ((e = notify_read_object(a->c, wf->name, o->id)))
        return e;
    return wf_todos_sync_locked(a); /* the to-dos, the hand-offs and the informations (the row is locked) */
}

/* PostgreSQL: the object's row lock before it is loaded (READ COMMITTED: a load before the lock may see a
 * version that a concurrent action is replacing, and the lock's version check would then refuse with 409).
 * The lock is sent with the load (one round trip): the load's statements run after it. */
enum err workflow_lock_load(struct ctx *c, const struct workflow *wf, int64_t id, struct wf_obj **o)
{
    if (!wf->table) /* workflow_lint reports it; never act without the lock on either database */
        return ctx_fail(c, ERR_INTERNAL, "%s的流程未声明数据表（table），无法加锁", wf->what);
    struct stmt *lock;
    enum err e = db_lock_row_send(c->db, wf->table, id, &lock);
    if (e)
        return ctx_db_fail(c, e, arena_printf(c->arena, "锁定%s", wf->what));
    e = wf->load(c, id, false, o);
    enum err le = db_lock_row_end(lock);
    /* a lock that failed failed the load too: say what failed first */
    return le ? ctx_db_fail(c, le, arena_printf(c->arena, "锁定%s", wf->what)) : e;
}

static enum err act_tx(struct ctx *c, void *arg)
{
    struct act_args *x = arg;
    const struct workflow *wf = x->wf;
    const json_t *b = x->body;
    struct wf_obj *o;
    enum err e = workflow_lock_load(c, wf, x->id, &o);
    if (e)
        return e;
    if (!perm_item_visible(c->user, &o->scope))
        return ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", wf->what);
    if (!workflow_may_ever(c, wf, o, x->action))
        return perm_refuse_item(c, &o->scope, wf->what, wf_action_label(wf, x->action));
    if (jv_has(b, "version") && jv_int(b, "version", 0) != o->version)
        return ctx_fail(c, ERR_CONFLICT, "%s已被他人处理（当前版本 %" PRId64 "，状态「%s」），请刷新后重试", wf->what,
                        o->version, wf_state_label(wf, o->state));
    struct wf_act a = {.c = c, .wf = wf, .obj = o, .action = x->action, .body = b, .concerned = -1};
    a.row = row_for(c, wf, o, x->action, wf->part_member ? jv_int(b, wf->part_member, 0) : 0, &a.part);
    if (!a.row)
        return c->err;
    if ((e = require(c, wf, a.row, o, a.part)) || (e = check_fields(c, wf, a.row, b)) ||
        (wf->check && (e = wf->check(&a))))
        return e;
    if (a.row->cond && !wf->cond(c, o, a.row->cond))
        return ctx_fail(c, ERR_CONFLICT, "%s", wf->conds[a.row->cond].refusal);
    a.data = json_deep_copy(b);
    json_object_del(a.data, "version");
    e = apply(&a);
    json_decref(a.data);
    x->result_id = a.result_id;
    return e;
}

enum err workflow_act(struct ctx *c, const struct workflow *wf, int64_t id, int action, const json_t *body,
                      int64_t *result_id)
{
    if (NEVER(action < 0 || action >= wf->nactions))
        return ctx_fail(c, ERR_INTERNAL, "未知的操作");
    struct act_args x = {wf, id, action, body, 0};
    enum err e = ctx_tx(c, wf_action_label(wf, action), act_tx, &x);
    if (result_id)
        *result_id = e ? 0 : x.result_id;
    return e;
}
