/*
 * unit_caps.c: the per-unit cap of inspections a year (减负) set per government (issue 12). A government's office
 * sets how many inspections a unit below it may receive in a year from every issuer together; a province's or a
 * city's setting is the default of the governments below it, and a county's own setting overrides it. A unit's cap
 * is its nearest government's (itself or an ancestor) that has one; none on the way up to the root: the
 * system-wide settings unit_cap (0: none). burden_check.c warns against it, caps.c (rule `unit`) refuses past it.
 *
 * Cost: one read of the few rows of unit_caps whose government's path is a prefix of the unit's. The cap of the
 * units an inspection or an entry reaches is read with their counts, for all of them at once (burden_check.c
 * BURDEN_SQL, the same rule).
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "core/unit_up.h"

#include <inttypes.h>
#include <string.h>

/* The nearest government on the way up from path (itself included unless strict) with a cap of its own. */
static enum err nearest(struct ctx *c, const char *path, bool strict, int *cap, const char **from, int64_t *gov)
{
    *gov = 0;
    struct stmt *st = unit_up_query(c->db, c->arena,
                                    "SELECT x.unit_cap, g.name, g.id FROM unit_caps x JOIN units g ON g.id = x.unit_id "
                                    "WHERE g.path",
                                    path, " AND g.path <> ? ORDER BY LENGTH(g.path) DESC LIMIT 1",
                                    DB_BINDS_(DB_TEXT(strict ? path : "")));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取督查次数上限");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        *gov = stmt_int(st, 2);
        *cap = (int)stmt_int(st, 0);
        *from = arena_strdup(c->arena, stmt_text(st, 1));
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取督查次数上限") : ERR_OK;
}

/* The cap that applies at path: the nearest government's, else the system-wide setting (*from NULL). */
static enum err cap_at(struct ctx *c, const char *path, bool strict, int *cap, const char **from)
{
    int64_t gov;
    *from = NULL;
    enum err e = nearest(c, path, strict, cap, from, &gov);
    if (e || gov)
        return e;
    struct insp_settings s;
    if ((e = insp_settings_load(c, &s)))
        return e;
    *cap = s.unit_cap;
    return ERR_OK;
}

/* The government whose office the user is (the first grant that runs inspections). */
static enum err government(struct ctx *c, const struct grant **g)
{
    int n;
    const char **scope = perm_scope_cap(c, CAP_INSP_MANAGE, &n);
    if (n < 1)
        return ctx_fail(c, ERR_FORBIDDEN, "只有督查室可以设置本级的督查次数上限");
    *g = perm_grant_at(c->user, CAP_INSP_MANAGE, scope[0]);
    c->acting = *g;
    return ERR_OK;
}

static json_t *cap_or_null(bool set, int cap)
{
    return set ? json_integer(cap) : json_null();
}

/* {government, unit_cap (its own, or null), inherited {unit_cap, from}, effective, from} */
static enum err describe(struct ctx *c, const struct grant *g, json_t **out)
{
    int own = 0, up = 0;
    const char *own_from = NULL, *up_from = NULL;
    int64_t gov = 0;
    enum err e = nearest(c, g->unit_path, false, &own, &own_from, &gov);
    bool has_own = gov == g->unit_id; /* else an ancestor's, not the government's own */
    if (!e)
        e = cap_at(c, g->unit_path, true, &up, &up_from);
    if (e)
        return e;
    *out = json_pack("{s{sI ss} so s{si so} si so}", "government", "id", (json_int_t)g->unit_id, "name", g->unit_name,
                     "unit_cap", cap_or_null(has_own, own), "inherited", "unit_cap", up, "from",
                     up_from ? json_string(up_from) : json_null(), "effective", has_own ? own : up, "from",
                     has_own   ? json_string(g->unit_name)
                     : up_from ? json_string(up_from)
                               : json_null());
    return ERR_OK;
}

enum err insp_unit_caps_get(struct ctx *c, json_t **out)
{
    const struct grant *g;
    enum err e = government(c, &g);
    return e ? e : describe(c, g, out);
}

const struct jv_field insp_unit_caps_spec[] = {
    {"unit_cap", JV_INT, 0, 0, 1000, "每个单位年度督查检查次数上限"},
    {"inherit", JV_BOOL, 0, 0, 0, "沿用上级设置"},
    {NULL, 0, 0, 0, 0, NULL},
};

struct put_args {
    const json_t *body;
    json_t *out;
};

static enum err put_tx(struct ctx *c, void *arg)
{
    struct put_args *a = arg;
    const json_t *b = a->body;
    const struct grant *g;
    enum err e = government(c, &g);
    if (e)
        return e;
    bool inherit = jv_bool(b, "inherit", false);
    if (inherit == jv_has(b, "unit_cap"))
        return ctx_fail_field(
            c, "unit_cap",
            "请填写每个单位年度督查检查次数上限（unit_cap，0 到 1000，0 为不设上限），或选择沿用上级设置"
            "（inherit）");
    json_t *before = NULL;
    if ((e = describe(c, g, &before)))
        return e;
    char at[21];
    time_format_iso(c->now, at);
    e = inherit ? db_exec(c->db, "DELETE FROM unit_caps WHERE unit_id = ?", DB_INT(g->unit_id))
                : db_exec(c->db,
                          "INSERT INTO unit_caps (unit_id, unit_cap, updated_by, updated_at) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT (unit_id) DO UPDATE SET unit_cap = excluded.unit_cap, "
                          "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                          DB_INT(g->unit_id), DB_INT(jv_int(b, "unit_cap", 0)), DB_INT(c->user->id), DB_TEXT(at));
    if (e && e != ERR_NOT_FOUND) {
        json_decref(before);
        return ctx_db_fail(c, e, "保存督查次数上限");
    }
    if ((e = describe(c, g, &a->out))) {
        json_decref(before);
        return e;
    }
    json_t *sum = json_pack("{so sO}", "before", before, "after", a->out);
    e = audit_record(c, "inspection.unit_cap", "unit", g->unit_id, sum);
    json_decref(sum);
    return e;
}

enum err insp_unit_caps_put(struct ctx *c, const json_t *body, json_t **out)
{
    struct put_args a = {body, NULL};
    enum err e = ctx_tx(c, "保存督查次数上限", put_tx, &a);
    if (e)
        json_decref(a.out);
    else
        *out = a.out;
    return e;
}
