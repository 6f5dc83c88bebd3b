/*
 * perm.c: capabilities per role. Read the table as "a person holding ROLE at a unit may CAP on
 * objects of that unit's subtree".
 */
#include "core/perm.h"

#include <string.h>

#include <stdint.h>

#define B(c) ((uint64_t)1 << (c))

/* role_caps holds one bit per capability */
_Static_assert(CAP__COUNT <= 64, "capabilities no longer fit the role table's bits");

static const uint64_t role_caps[ROLE__COUNT] = {
    [ROLE_ADMIN] = B(CAP_UNIT_READ) | B(CAP_UNIT_WRITE) | B(CAP_USER_ADMIN) | B(CAP_AUDIT_READ) | B(CAP_SYSTEM_ADMIN) |
                   B(CAP_SYSTEM_SETTINGS) | B(CAP_WEBHOOK_ADMIN),
    [ROLE_PRINCIPAL] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_DECIDE) | B(CAP_ITEM_PRESS) | B(CAP_INSP_READ) |
                       B(CAP_INSP_APPROVE) | B(CAP_INSP_DECIDE) | B(CAP_RESULT_APPROVE) | B(CAP_CLUE_READ),
    [ROLE_LEADER] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_DECIDE) | B(CAP_ITEM_PRESS) | B(CAP_INSP_READ) |
                    B(CAP_INSP_DECIDE) | B(CAP_CLUE_READ),
    [ROLE_DIRECTOR] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_APPROVE) | B(CAP_ITEM_REVIEW) |
                      B(CAP_INSP_READ) | B(CAP_CLUE_READ),
    [ROLE_DEPUTY] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_APPROVE) | B(CAP_ITEM_REVIEW) | B(CAP_INSP_READ) |
                    B(CAP_CLUE_READ),
    [ROLE_SECRETARY] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_REVIEW) | B(CAP_INSP_READ),
    [ROLE_OFFICE] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_REGISTER) | B(CAP_ITEM_REVIEW) |
                    B(CAP_AUDIT_READ) | B(CAP_INSP_READ) | B(CAP_INSP_MANAGE) | B(CAP_INSP_PROPOSE) |
                    B(CAP_RESULT_DRAFT) | B(CAP_CLUE_READ) | B(CAP_CLUE_MANAGE) | B(CAP_CLUE_REPORTER) |
                    B(CAP_SURVEY_MANAGE),
    [ROLE_INSPECTOR] = B(CAP_UNIT_READ) | B(CAP_INSP_READ) | B(CAP_INSP_FIELD),
    [ROLE_PARTTIME] = B(CAP_INSP_FIELD),
    [ROLE_CONTACT] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_HANDLE) | B(CAP_INSP_READ) | B(CAP_RECT_HANDLE) |
                     B(CAP_CLUE_READ) | B(CAP_CLUE_VERIFY) | B(CAP_CLUE_POINT),
    [ROLE_HEAD] = B(CAP_UNIT_READ) | B(CAP_ITEM_READ) | B(CAP_ITEM_HANDLE) | B(CAP_ITEM_SIGN) | B(CAP_INSP_READ) |
                  B(CAP_INSP_PROPOSE) | B(CAP_RECT_HANDLE) | B(CAP_CLUE_READ) | B(CAP_CLUE_VERIFY) | B(CAP_CLUE_POINT),
    [ROLE_EVALUATOR] = B(CAP_INSP_EVALUATE),
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
    [CAP_INSP_READ] = "insp_read",
    [CAP_INSP_MANAGE] = "insp_manage",
    [CAP_INSP_APPROVE] = "insp_approve",
    [CAP_INSP_DECIDE] = "insp_decide",
    [CAP_INSP_PROPOSE] = "insp_propose",
    [CAP_INSP_FIELD] = "insp_field",
    [CAP_INSP_EVALUATE] = "insp_evaluate",
    [CAP_RECT_HANDLE] = "rect_handle",
    [CAP_WEBHOOK_ADMIN] = "webhook_admin",
    [CAP_RESULT_DRAFT] = "result_draft",
    [CAP_RESULT_APPROVE] = "result_approve",
    [CAP_CLUE_READ] = "clue_read",
    [CAP_CLUE_MANAGE] = "clue_manage",
    [CAP_CLUE_VERIFY] = "clue_verify",
    [CAP_CLUE_REPORTER] = "clue_reporter",
    [CAP_SURVEY_MANAGE] = "survey_manage",
    [CAP_CLUE_POINT] = "clue_point",
};

/* Capabilities a grant carries only when it is held at a top unit (path "/N/"). */
static const uint64_t top_unit_only = B(CAP_SYSTEM_SETTINGS);

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

bool perm_at_unit(const struct principal *p, enum cap c, int64_t unit_id)
{
    for (int i = 0; p && i < p->ngrants; i++)
        if (p->grants[i].unit_id == unit_id && grant_carries(&p->grants[i], c))
            return true;
    return false;
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

/* The capability that reads the object (items: CAP_ITEM_READ). */
static enum cap read_cap_of(const struct perm_item *it)
{
    return it->read_cap != CAP_PUBLIC ? it->read_cap : CAP_ITEM_READ;
}

bool perm_item_hidden_from(const struct principal *p, const struct perm_item *it)
{
    for (int i = 0; p && i < p->ngrants; i++)
        for (int k = 0; k < it->nhidden; k++)
            if (path_within(p->grants[i].unit_path, it->hidden_paths[k]))
                return true;
    return false;
}

bool perm_item_visible(const struct principal *p, const struct perm_item *it)
{
    if (!p)
        return true;
    if (perm_item_hidden_from(p, it))
        return false;
    for (int i = 0; i < it->nmembers; i++)
        if (it->members[i] == p->id)
            return true;
    enum cap read = read_cap_of(it);
    if (perm_at(p, read, it->office_path))
        return true;
    for (int i = 0; it->units_see && i < it->nunits; i++)
        if (perm_at(p, read, it->unit_paths[i]) || (perm_any(p, read) && perm_in_portfolio(p, it->unit_paths[i])))
            return true;
    /* a party: the capability held at, above or below one of its units */
    for (int k = 0; k < it->nparties; k++)
        for (int i = 0; i < p->ngrants; i++)
            if (grant_carries(&p->grants[i], read) && (path_within(it->party_paths[k], p->grants[i].unit_path) ||
                                                       path_within(p->grants[i].unit_path, it->party_paths[k])))
                return true;
    return false;
}

bool perm_item_recused(const struct principal *p, enum cap cap, const struct perm_item *it)
{
    if (!p || !it->nrecused || cap != it->recusal_cap)
        return false;
    for (int i = 0; i < it->nrecused; i++)
        if (it->recused[i] == p->id)
            return true;
    return false;
}

bool perm_item_cap_role(const struct principal *p, enum cap cap, int role, const struct perm_item *it,
                        const char *unit_path)
{
    return perm_cap_role_at(p, cap, role, unit_path) && !perm_item_recused(p, cap, it);
}

/* Art. 17 of 政府督查工作条例 (and the like): who drew a conclusion does not decide on it. */
static enum err refuse_recused(struct ctx *c, const char *what)
{
    return ctx_fail(c, ERR_FORBIDDEN, "您参与了该%s所涉督查结论的作出，应当回避，不能作出此决定", what);
}

enum err perm_refuse_item(struct ctx *c, const struct perm_item *it, const char *what, const char *action)
{
    if (c->user && it->nrecused && perm_item_recused(c->user, it->recusal_cap, it) &&
        perm_any(c->user, it->recusal_cap))
        return refuse_recused(c, what);
    return ctx_fail(c, ERR_FORBIDDEN, "您的角色不能对该%s执行「%s」", what, action);
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
    if (cap == read_cap_of(it)) {
        c->acting = perm_grant_at(c->user, cap, at);
        return ERR_OK;
    }
    const struct grant *g = perm_grant_at(c->user, cap, at);
    if (!g)
        return ctx_fail(c, ERR_FORBIDDEN, "您的角色不能对该%s执行此操作", what);
    if (perm_item_recused(c->user, cap, it))
        return refuse_recused(c, what);
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
