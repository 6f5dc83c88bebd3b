/*
 * perm.c: capabilities per role. Read the table as "a person holding ROLE at a unit may CAP on
 * objects of that unit's subtree".
 */
#include "core/perm.h"

#include <string.h>

#define B(c) (1u << (c))

static const unsigned role_caps[ROLE__COUNT] = {
    [ROLE_ADMIN] = B(CAP_UNIT_READ) | B(CAP_UNIT_WRITE) | B(CAP_USER_ADMIN) | B(CAP_AUDIT_READ) | B(CAP_SYSTEM_ADMIN) |
                   B(CAP_SYSTEM_SETTINGS) | B(CAP_WEBHOOK_ADMIN),
    [ROLE_PRINCIPAL] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_DECIDE) | B(CAP_ITEM_PRESS) | B(CAP_CLUE_READ),
    [ROLE_LEADER] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_DECIDE) | B(CAP_ITEM_PRESS) | B(CAP_CLUE_READ),
    [ROLE_DIRECTOR] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_APPROVE) | B(CAP_ITEM_REVIEW) | B(CAP_CLUE_READ),
    [ROLE_DEPUTY] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_APPROVE) | B(CAP_ITEM_REVIEW) | B(CAP_CLUE_READ),
    [ROLE_SECRETARY] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_REVIEW),
    [ROLE_OFFICE] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_REGISTER) | B(CAP_ITEM_REVIEW) |
                    B(CAP_AUDIT_READ) | B(CAP_CLUE_READ) | B(CAP_CLUE_MANAGE) | B(CAP_CLUE_REPORTER),
    [ROLE_INSPECTOR] = B(CAP_UNIT_READ),
    [ROLE_PARTTIME] = 0,
    [ROLE_CONTACT] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_HANDLE) | B(CAP_CLUE_READ) | B(CAP_CLUE_VERIFY),
    [ROLE_HEAD] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_HANDLE) | B(CAP_ITEM_SIGN) | B(CAP_CLUE_READ) |
                  B(CAP_CLUE_VERIFY),
    [ROLE_EVALUATOR] = 0,
};

static const char *const cap_names[CAP__COUNT] = {
    [CAP_PUBLIC] = "public",
    [CAP_SIGNED_IN] = "signed_in",
    [CAP_UNIT_READ] = "unit_read",
    [CAP_UNIT_WRITE] = "unit_write",
    [CAP_USER_ADMIN] = "user_admin",
    [CAP_AUDIT_READ] = "audit_read",
    [CAP_SYSTEM_ADMIN] = "system_admin",
    [CAP_ITEM_READ] = "item_read",
    [CAP_ITEM_REGISTER] = "item_register",
    [CAP_ITEM_APPROVE] = "item_approve",
    [CAP_ITEM_HANDLE] = "item_handle",
    [CAP_ITEM_SIGN] = "item_sign",
    [CAP_ITEM_REVIEW] = "item_review",
    [CAP_ITEM_PRESS] = "item_press",
    [CAP_ITEM_DECIDE] = "item_decide",
    [CAP_SYSTEM_SETTINGS] = "system_settings",
    [CAP_WEBHOOK_ADMIN] = "webhook_admin",
    [CAP_CLUE_READ] = "clue_read",
    [CAP_CLUE_MANAGE] = "clue_manage",
    [CAP_CLUE_VERIFY] = "clue_verify",
    [CAP_CLUE_REPORTER] = "clue_reporter",
};

/* Capabilities a grant carries only when it is held at a top unit (path "/N/"). */
static const unsigned top_unit_only = B(CAP_SYSTEM_SETTINGS);

static bool top_unit(const char *path)
{
    const char *second = path && path[0] == '/' ? strchr(path + 1, '/') : NULL;
    return second && second > path + 1 && second[1] == 0;
}

/* True if grant g carries c (by its role, and for top-unit-only capabilities by its place). */
static bool grant_carries(const struct grant *g, enum cap c)
{
    return (role_caps[g->role] & B(c)) && (!(top_unit_only & B(c)) || top_unit(g->unit_path));
}

const char *cap_name(enum cap c)
{
    return (unsigned)c < CAP__COUNT ? cap_names[c] : "?";
}

const char *perm_refusal(enum cap c)
{
    if (c == CAP_SYSTEM_SETTINGS)
        return "只有最上级单位的系统管理员可以修改全系统共用的设置";
    return "您的角色没有权限使用此功能";
}

enum err perm_require_system(struct ctx *c, const char *what)
{
    if (!c->user)
        return ERR_OK;
    for (int i = 0; i < c->user->ngrants; i++)
        if (grant_carries(&c->user->grants[i], CAP_SYSTEM_SETTINGS)) {
            c->acting = &c->user->grants[i];
            return ERR_OK;
        }
    return ctx_fail(c, ERR_FORBIDDEN, "只有最上级单位的系统管理员可以修改%s（全系统共用）", what);
}

bool perm_grant_has(const struct grant *g, enum cap c)
{
    return g && (unsigned)g->role < ROLE__COUNT && (unsigned)c < CAP__COUNT && grant_carries(g, c);
}

bool perm_role_has(int r, enum cap c)
{
    return r >= 0 && r < ROLE__COUNT && (unsigned)c < CAP__COUNT && (role_caps[r] & B(c)) != 0;
}

static bool path_within(const char *path, const char *ancestor)
{
    return path && ancestor && strncmp(path, ancestor, strlen(ancestor)) == 0;
}

bool perm_any(const struct principal *p, enum cap c)
{
    if (c == CAP_PUBLIC)
        return true;
    if (!p)
        return false;
    if (c == CAP_SIGNED_IN)
        return true;
    for (int i = 0; i < p->ngrants; i++)
        if (grant_carries(&p->grants[i], c))
            return true;
    return false;
}

const struct grant *perm_grant_at(const struct principal *p, enum cap c, const char *unit_path)
{
    if (!p)
        return NULL;
    for (int i = 0; i < p->ngrants; i++)
        if (grant_carries(&p->grants[i], c) && path_within(unit_path, p->grants[i].unit_path))
            return &p->grants[i];
    return NULL;
}

bool perm_at(const struct principal *p, enum cap c, const char *unit_path)
{
    return perm_grant_at(p, c, unit_path) != NULL;
}

bool perm_sees(const struct principal *p, const char *unit_path)
{
    if (!p)
        return true;
    for (int i = 0; i < p->ngrants; i++)
        if (path_within(unit_path, p->grants[i].unit_path))
            return true;
    return false;
}

bool perm_role_at(const struct principal *p, enum role r, const char *unit_path)
{
    if (!p)
        return false;
    for (int i = 0; i < p->ngrants; i++)
        if (p->grants[i].role == r && path_within(unit_path, p->grants[i].unit_path))
            return true;
    return false;
}

bool perm_in_portfolio(const struct principal *p, const char *unit_path)
{
    if (!p)
        return false;
    for (int i = 0; i < p->nportfolio; i++)
        if (path_within(unit_path, p->portfolio_paths[i]))
            return true;
    return false;
}

enum err perm_require(struct ctx *c, enum cap cap, const char *unit_path, const char *what)
{
    if (!c->user)
        return ERR_OK;
    if (!perm_sees(c->user, unit_path))
        return ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", what);
    const struct grant *g = perm_grant_at(c->user, cap, unit_path);
    if (!g)
        return ctx_fail(c, ERR_FORBIDDEN, "您的角色不能对该%s执行此操作", what);
    c->acting = g;
    return ERR_OK;
}

bool perm_item_visible(const struct principal *p, const struct perm_item *it)
{
    if (!p)
        return true;
    if (perm_at(p, CAP_ITEM_READ, it->office_path))
        return true;
    for (int i = 0; it->units_see && i < it->nunits; i++)
        if (perm_at(p, CAP_ITEM_READ, it->unit_paths[i]) ||
            (perm_any(p, CAP_ITEM_READ) && perm_in_portfolio(p, it->unit_paths[i])))
            return true;
    return false;
}

bool perm_cap_role_at(const struct principal *p, enum cap cap, int role, const char *unit_path)
{
    if (!p)
        return true;
    for (int i = 0; i < p->ngrants; i++)
        if ((role < 0 || (int)p->grants[i].role == role) && grant_carries(&p->grants[i], cap) &&
            path_within(unit_path, p->grants[i].unit_path))
            return true;
    return false;
}

enum err perm_require_item(struct ctx *c, enum cap cap, const struct perm_item *it, const char *at, const char *what)
{
    if (!c->user)
        return ERR_OK;
    if (!perm_item_visible(c->user, it))
        return ctx_fail(c, ERR_NOT_FOUND, "%s不存在或无权查看", what);
    if (cap == CAP_ITEM_READ) {
        c->acting = perm_grant_at(c->user, CAP_ITEM_READ, at);
        return ERR_OK;
    }
    const struct grant *g = perm_grant_at(c->user, cap, at);
    if (!g)
        return ctx_fail(c, ERR_FORBIDDEN, "您的角色不能对该%s执行此操作", what);
    c->acting = g;
    return ERR_OK;
}

/* The grants' paths (only those whose role carries cap, unless cap < 0), none inside another. */
static const char **scope_of(struct ctx *c, int cap, int *n)
{
    const struct principal *p = c->user;
    *n = 0;
    if (!p)
        return NULL;
    const char **out = arena_alloc(c->arena, sizeof *out * (size_t)(p->ngrants + 1));
    for (int i = 0; i < p->ngrants; i++) {
        const char *path = p->grants[i].unit_path;
        if (cap >= 0 && !grant_carries(&p->grants[i], (enum cap)cap))
            continue;
        bool covered = false;
        for (int j = 0; j < p->ngrants && !covered; j++) {
            const char *other = p->grants[j].unit_path;
            if (cap >= 0 && !grant_carries(&p->grants[j], (enum cap)cap))
                continue;
            if (j != i && path_within(path, other) && (strcmp(path, other) != 0 || j < i))
                covered = true;
        }
        if (!covered)
            out[(*n)++] = path;
    }
    return out;
}

const char **perm_scope(struct ctx *c, int *n)
{
    return scope_of(c, -1, n);
}

const char **perm_scope_cap(struct ctx *c, enum cap cap, int *n)
{
    return scope_of(c, (int)cap, n);
}

const char *perm_path_upper(struct arena *a, const char *prefix)
{
    char *u = arena_strdup(a, prefix);
    size_t n = strlen(u);
    if (n && u[n - 1] == '/')
        u[n - 1] = '0';
    return u;
}
