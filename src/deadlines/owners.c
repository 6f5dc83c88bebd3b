/*
 * owners.c: the registry of deadline owners (the kinds of object that have milestones), the lists
 * of people a ladder step reaches, and the default recipients by role along a unit path.
 */
#include "deadlines/deadlines_internal.h"

#include "base/log.h"
#include "units/units.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define OWNERS_MAX 16
static const struct dl_owner *owners[OWNERS_MAX];
static int nowners;

void deadlines_register_owner(const struct dl_owner *o)
{
    for (int i = 0; i < nowners; i++)
        if (!strcmp(owners[i]->kind, o->kind)) {
            owners[i] = o;
            return;
        }
    if (nowners == OWNERS_MAX) {
        log_error("bug: more than %d deadline owners registered", OWNERS_MAX);
        abort();
    }
    owners[nowners++] = o;
}

const struct dl_owner *deadlines_owner(const char *kind)
{
    for (int i = 0; kind && i < nowners; i++)
        if (!strcmp(owners[i]->kind, kind))
            return owners[i];
    return NULL;
}

const struct dl_owner *dl_owner_of(const char *kind)
{
    static const struct dl_owner none = {.kind = "", .what = "对象", .manage_cap = CAP_SYSTEM_ADMIN};
    const struct dl_owner *o = deadlines_owner(kind);
    return o ? o : &none;
}

const char *dl_owner_label(struct ctx *c, const struct dl_owner *o, int64_t id)
{
    const char *label = o->label ? o->label(c, id) : NULL;
    return label ? label : arena_printf(c->arena, "%s #%" PRId64, o->what, id);
}

enum err dl_owner_timeline(struct ctx *c, const struct dl_owner *o, int64_t id, int64_t unit_id, const char *action,
                           const char *note, json_t *data)
{
    return o->timeline ? o->timeline(c, id, unit_id, action, note, data) : ERR_OK;
}

const char *dl_owner_key(struct ctx *c, const char *owner_kind)
{
    return arena_printf(c->arena, "%s_id", owner_kind);
}

const char *deadlines_kind_label(const struct dl_owner *o, const char *kind)
{
    enum ms_kind k;
    if (ms_kind_parse(kind, &k))
        return ms_kind_label(k);
    const char *label = o && o->milestone_label ? o->milestone_label(kind) : NULL;
    return label ? label : kind;
}

void deadlines_register(void)
{
    units_register_path_copy("milestones", "scope_path");
    dl_ladder_register();
}

void dl_people_add(struct ctx *c, struct dl_people *p, int64_t user_id)
{
    for (int i = 0; i < p->n; i++)
        if (p->ids[i] == user_id)
            return;
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 16;
        int64_t *v = arena_alloc(c->arena, sizeof *v * (size_t)cap);
        if (p->n)
            memcpy(v, p->ids, sizeof *v * (size_t)p->n);
        p->ids = v;
        p->cap = cap;
    }
    p->ids[p->n++] = user_id;
}

/* The unit ids on a materialized path ("/1/7/42/" -> 1, 7, 42), in the arena. */
static int path_units(struct ctx *c, const char *path, int64_t **out)
{
    int n = 0;
    for (const char *p = path; p && *p; p++)
        n += *p == '/';
    int64_t *ids = arena_alloc(c->arena, sizeof *ids * (size_t)(n + 1));
    int k = 0;
    for (const char *p = path; p && *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        ids[k++] = strtoll(p, NULL, 10);
        while (*p && *p != '/')
            p++;
    }
    *out = ids;
    return k;
}

/* Adds the rows of a one-column query of user ids; ERR_OK or a store failure with a message. */
static enum err add_rows(struct ctx *c, struct dl_people *p, struct stmt *st)
{
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "查找通知对象");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        dl_people_add(c, p, stmt_int(st, 0));
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "查找通知对象") : ERR_OK;
}

enum err dl_people_role_at(struct ctx *c, struct dl_people *p, const char *role, int64_t unit_id)
{
    return add_rows(c, p,
                    db_query(c->db,
                             "SELECT u.id FROM user_roles r JOIN users u ON u.id = r.user_id "
                             "WHERE r.unit_id = ? AND r.role = ? AND u.disabled = 0 ORDER BY u.id",
                             DB_INT(unit_id), DB_TEXT(role)));
}

enum err dl_people_nearest_role(struct ctx *c, struct dl_people *p, const char *role, const char *path)
{
    int64_t *anc;
    int na = path_units(c, path, &anc);
    for (int i = na - 1; i >= 0; i--) {
        int before = p->n;
        enum err e = dl_people_role_at(c, p, role, anc[i]);
        if (e || p->n > before)
            return e;
    }
    return ERR_OK;
}

enum err dl_people_portfolio(struct ctx *c, struct dl_people *p, const char *path)
{
    int64_t *anc;
    int na = path_units(c, path, &anc);
    enum err e = ERR_OK;
    for (int i = na - 1; i >= 0 && !e; i--)
        e = add_rows(c, p,
                     db_query(c->db,
                              "SELECT p.user_id FROM leader_portfolio p JOIN users u ON u.id = p.user_id "
                              "WHERE p.unit_id = ? AND u.disabled = 0 ORDER BY p.user_id",
                              DB_INT(anc[i])));
    return e;
}

enum err deadlines_recipients_default(struct ctx *c, const char *scope_path, enum dl_step step, struct dl_people *out)
{
    int64_t *anc;
    int na = path_units(c, scope_path, &anc);
    int64_t unit = na ? anc[na - 1] : 0;
    enum err e = ERR_OK;
    switch (step) {
    case DL_REMIND:
        e = dl_people_role_at(c, out, "contact", unit);
        break;
    case DL_PRESS:
        if (!(e = dl_people_portfolio(c, out, scope_path)))
            e = dl_people_nearest_role(c, out, "deputy", scope_path);
        break;
    case DL_NOTICE:
        if (!(e = dl_people_role_at(c, out, "contact", unit)) && !(e = dl_people_role_at(c, out, "head", unit)))
            e = dl_people_nearest_role(c, out, "office", scope_path);
        break;
    case DL_REPORT:
        if (!(e = dl_people_nearest_role(c, out, "principal", scope_path)))
            e = dl_people_nearest_role(c, out, "office", scope_path);
        break;
    }
    return e;
}
