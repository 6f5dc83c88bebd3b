/*
 * item_leaders.c: the leaders one may name as an item's leader in charge (分管领导), proposed from their
 * portfolios (分管领域): the leaders and principal leaders of the issuing government and of the
 * governments above it, each with the units in their portfolio; the one whose portfolio covers the lead
 * unit most closely is proposed. The registration form offers them; item_create.c checks the choice.
 */
#include "items/items_internal.h"

#include "units/units.h"

#include <stdlib.h>
#include <string.h>

struct leader {
    int64_t id;
    const char *name, *role, *unit_name;
    json_t *portfolio;
    size_t covers; /* length of the portfolio unit's path that covers the lead unit; 0: none does */
};

static bool within(const char *path, const char *ancestor)
{
    return strncmp(path, ancestor, strlen(ancestor)) == 0;
}

/* Covering leaders first (the closest portfolio first), then leaders before principal leaders, then by name. */
static int by_proposal(const void *a, const void *b)
{
    const struct leader *x = a, *y = b;
    if (x->covers != y->covers)
        return x->covers > y->covers ? -1 : 1;
    int rx = strcmp(x->role, "leader") != 0, ry = strcmp(y->role, "leader") != 0;
    if (rx != ry)
        return rx - ry;
    int n = strcmp(x->name, y->name);
    return n ? n : (x->id > y->id) - (x->id < y->id);
}

/* The portfolio of l as [{id, name}], and how closely it covers lead_path. */
static enum err portfolio_of(struct ctx *c, struct leader *l, const char *lead_path)
{
    struct stmt *st =
        db_query(c->db,
                 "SELECT p.unit_id, n.name, n.path FROM leader_portfolio p JOIN units n ON n.id = p.unit_id "
                 "WHERE p.user_id = ? ORDER BY n.path",
                 DB_INT(l->id));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取领导的分管领域");
    l->portfolio = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        const char *path = stmt_text(st, 2);
        json_array_append_new(l->portfolio,
                              json_pack("{sIss}", "id", (json_int_t)stmt_int(st, 0), "name", stmt_text(st, 1)));
        if (lead_path && within(lead_path, path) && strlen(path) > l->covers)
            l->covers = strlen(path);
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取领导的分管领域") : ERR_OK;
}

enum err items_leaders(struct ctx *c, int64_t office_unit_id, int64_t lead_unit_id, json_t **out)
{
    json_t *b = office_unit_id ? json_pack("{sI}", "office_unit_id", (json_int_t)office_unit_id) : json_object();
    int64_t office;
    const char *office_path, *lead_path = NULL;
    enum err e = item_issuer_of(c, 0, b, &office, &office_path);
    json_decref(b);
    if (e)
        return e;
    if (lead_unit_id && (units_path(c, lead_unit_id, &lead_path) || !within(lead_path, office_path)))
        return ctx_fail_field(c, "lead_unit_id", "牵头单位（lead_unit_id）%lld 不存在或不属于本级政府",
                              (long long)lead_unit_id);
    /* the governments from the top down to the issuing one: one index read per level */
    struct leader *ls = NULL;
    int n = 0, cap = 0;
    for (const char *p = strchr(office_path + 1, '/'); p; p = strchr(p + 1, '/')) {
        const char *level = arena_strndup(c->arena, office_path, (size_t)(p - office_path + 1));
        struct stmt *st =
            db_query(c->db,
                     "SELECT DISTINCT u.id, u.name, r.role, n.name FROM units n JOIN user_roles r ON r.unit_id = n.id "
                     "JOIN users u ON u.id = r.user_id WHERE n.path = ? AND r.role IN ('leader', 'principal') AND "
                     "u.disabled = 0 ORDER BY u.id",
                     DB_TEXT(level));
        if (!st)
            return ctx_db_fail(c, ERR_INTERNAL, "读取本级政府领导");
        int rc;
        while ((rc = stmt_step(st)) == STORE_ROW) {
            int64_t id = stmt_int(st, 0);
            bool seen = false;
            for (int i = 0; i < n && !seen; i++)
                seen = ls[i].id == id;
            if (seen)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                struct leader *more = arena_alloc(c->arena, sizeof *more * (size_t)cap);
                if (n)
                    memcpy(more, ls, sizeof *ls * (size_t)n);
                ls = more;
            }
            ls[n++] = (struct leader){id,
                                      arena_strdup(c->arena, stmt_text(st, 1)),
                                      arena_strdup(c->arena, stmt_text(st, 2)),
                                      arena_strdup(c->arena, stmt_text(st, 3)),
                                      NULL,
                                      0};
        }
        stmt_done(st);
        if (rc < 0)
            return ctx_store_fail(c, rc, "读取本级政府领导");
    }
    for (int i = 0; i < n; i++)
        if ((e = portfolio_of(c, &ls[i], lead_path))) {
            for (int k = 0; k <= i; k++)
                json_decref(ls[k].portfolio);
            return e;
        }
    if (n > 1)
        qsort(ls, (size_t)n, sizeof *ls, by_proposal);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        enum role r;
        const char *label = role_parse(ls[i].role, &r) ? role_label(r) : ls[i].role;
        json_array_append_new(arr, json_pack("{sIsssssssssosb}", "id", (json_int_t)ls[i].id, "name", ls[i].name, "role",
                                             ls[i].role, "role_label", label, "unit_name", ls[i].unit_name, "portfolio",
                                             ls[i].portfolio, "covers", ls[i].covers > 0));
    }
    json_t *proposed = n && ls[0].covers ? json_integer(ls[0].id) : json_null();
    *out = json_pack("{sIsoso}", "office_unit_id", (json_int_t)office, "leaders", arr, "proposed", proposed);
    return ERR_OK;
}
