/*
 * perm.h: the one permission module. Every "may this user do X on object Y" in ducha is answered
 * here, from one table of capabilities per role (perm.c), and from the unit tree: a role held at a
 * unit reaches that unit's whole subtree, never a sibling or a parent.
 *
 * Routes name the capability they need (checked by the router with perm_any); domain code checks
 * the object with perm_require, which distinguishes "cannot see it" (404) from "sees it but may
 * not do this" (403), so nobody learns that another county's object exists.
 */
#ifndef DUCHA_PERM_H
#define DUCHA_PERM_H

#include "core/ctx.h"

#include <stdbool.h>

enum cap {
    CAP_PUBLIC,        /* no sign-in needed */
    CAP_SIGNED_IN,     /* any signed-in user */
    CAP_UNIT_READ,     /* see units in scope */
    CAP_UNIT_WRITE,    /* create, change, delete, import units */
    CAP_USER_ADMIN,    /* manage users and role grants */
    CAP_AUDIT_READ,    /* read the audit trail */
    CAP_SYSTEM_ADMIN,  /* calendar, rules, clock, notification dead letters */
    CAP_ITEM_READ,     /* see supervision items in scope */
    CAP_ITEM_REGISTER, /* draft, register, number, assign, verify, archive items (督查室) */
    CAP_ITEM_APPROVE,  /* approve items (副主任, 主任) */
    CAP_ITEM_HANDLE,   /* receive, report, request extension (承办单位) */
    CAP_ITEM_SIGN,     /* sign completion replies (单位主要负责人) */
    CAP_ITEM_REVIEW,   /* review progress reports (秘书科室, 督查室) */
    CAP_ITEM_PRESS,    /* press units on overdue items (分管领导) */
    CAP_ITEM_DECIDE,   /* leader approval: major extensions, suspension (分管/主要领导) */
    /* settings of the whole system (completion grades, deadline rules, the working-day calendar,
     * the test clock): the administrator of a top unit only, whatever role table says about other
     * units (perm_require_system) */
    CAP_SYSTEM_SETTINGS,
    /* inspections (督查检查, src/inspections) */
    CAP_INSP_READ,     /* see plans, inspections, rectification tasks and reviews in scope */
    CAP_INSP_MANAGE,   /* compile plans, run inspections, issue findings and conclusions, verify (督查室) */
    CAP_INSP_APPROVE,  /* approve plans, openings, 督查方案, widenings and cap exceptions (政府主要领导) */
    CAP_INSP_DECIDE,   /* decide a review (复核) for the government; those who drew the conclusion stand aside */
    CAP_INSP_PROPOSE,  /* propose inspections for the annual plan (部门) */
    CAP_INSP_FIELD,    /* work on the inspections one's team is on: field records, evidence, findings */
    CAP_INSP_EVALUATE, /* submit third-party evaluations for the inspections one is engaged for */
    CAP_RECT_HANDLE,   /* receive and carry out rectification tasks, ask for a review (被督查单位) */
    CAP_WEBHOOK_ADMIN, /* register other systems' endpoints for events of the subtree (系统管理员) */
    /* using the results (结果运用, src/results) */
    CAP_RESULT_DRAFT,   /* draft, issue and follow up praise, criticism, talks, accountability, referrals (督查室) */
    CAP_RESULT_APPROVE, /* approve them before they take effect (政府主要负责人, 条例 Arts. 19–21) */
    /* clues from the public (互联网+督查), issue 18 */
    CAP_CLUE_READ,     /* see clues in scope: their content, never their reporter */
    CAP_CLUE_MANAGE,   /* triage, assign verification, merge, convert, close, reply, import (督查室) */
    CAP_CLUE_VERIFY,   /* report the verification of a clue assigned to one's unit (线索核查) */
    CAP_CLUE_REPORTER, /* read a clue's reporter (条例 Art. 26): the supervision office of the clue alone */
    CAP_SURVEY_MANAGE, /* build, open, close surveys and hand out invitations (督查室); reading them is CAP_CLUE_READ */
    CAP_CLUE_POINT,    /* report as a grassroots contact point (基层联系点): held at the point's own unit exactly
                          (perm_at_unit), never from above */
    CAP__COUNT
};

const char *cap_name(enum cap c);
/* The sentence a user refused for lacking c hears (Chinese). */
const char *perm_refusal(enum cap c);
/* True if role r carries capability c (the table in perm.c). */
bool perm_role_has(int r, enum cap c);
/* True if grant g carries capability c: by its role, and for a capability only a top unit's grant
 * carries (CAP_SYSTEM_SETTINGS) by where it is held. What the session reply lists per grant. */
bool perm_grant_has(const struct grant *g, enum cap c);

/* True if the user holds, at some unit, a role that grants c (CAP_PUBLIC/CAP_SIGNED_IN: always). */
bool perm_any(const struct principal *p, enum cap c);
/* True if the user holds a role granting c at unit_path or one of its ancestors. */
bool perm_at(const struct principal *p, enum cap c, const char *unit_path);
/* The grant that gives c at unit_path, or NULL. */
const struct grant *perm_grant_at(const struct principal *p, enum cap c, const char *unit_path);
/* True if the user holds, at exactly unit unit_id (not above it), a role that grants c. */
bool perm_at_unit(const struct principal *p, enum cap c, int64_t unit_id);
/* True if unit_path lies in the subtree of any unit where the user holds a role. */
bool perm_sees(const struct principal *p, const char *unit_path);
/* True if role r held at one of the user's units is an ancestor-or-self of unit_path. */
bool perm_role_at(const struct principal *p, enum role r, const char *unit_path);
/* True if the unit lies in a leader's portfolio (the unit or one of its ancestors). */
bool perm_in_portfolio(const struct principal *p, const char *unit_path);

/*
 * The one check for changes that affect the whole system (every setting shared by all units):
 * the user must hold the administrator role at a top unit (a unit without a parent). ERR_OK for
 * the system itself (ctx->user NULL); else ERR_FORBIDDEN naming what (e.g. "完成等级"). On success
 * ctx->acting is that grant.
 */
enum err perm_require_system(struct ctx *c, const char *what);

/*
 * The object at unit_path must be visible (else ERR_NOT_FOUND, "what" names it) and the user must
 * hold c there (else ERR_FORBIDDEN). The system (ctx->user == NULL) may do everything. On success
 * ctx->acting is the grant used.
 */
enum err perm_require(struct ctx *c, enum cap cap, const char *unit_path, const char *what);

/*
 * The user's visible subtrees as a minimal list of path prefixes (none inside another), for list
 * queries: a unit is visible if path >= prefix AND path < perm_path_upper(prefix). Arena memory.
 */
const char **perm_scope(struct ctx *c, int *n);
/*
 * Supervision items sit in two places of the tree: the government whose office registered them
 * (office_path) and their responsible units (unit_paths). An item is visible to a user holding
 * CAP_ITEM_READ at an ancestor-or-self of office_path or (once assigned) of a unit path, and to a leader whose portfolio covers one of
 * its units. perm_require_item: 404 if not visible, else 403 unless cap is held at `at` (which
 * must be office_path or one of unit_paths); CAP_ITEM_READ needs visibility only.
 */
struct perm_item {
    const char *office_path;
    const char *const *unit_paths;
    int nunits;
    bool units_see; /* false until the item is assigned: drafts stay inside the office */
    /*
     * Beyond supervision items (all zero for them). read_cap: the capability that reads the object
     * (CAP_PUBLIC, i.e. zero, means CAP_ITEM_READ). party_paths: units taking part (organisers of
     * an inspection): read_cap held at, above or anywhere below one of them shows the object.
     * members: users who see it whatever their roles (an inspection's team, engaged evaluators).
     * hidden_paths: while an unannounced inspection is secret, a user holding any role at or below
     * one of these units (its targets) sees nothing of it, whatever else they hold. recused: users
     * who must stand aside (回避) from exercising recusal_cap on the object (those who drew the
     * conclusion a review is about).
     */
    enum cap read_cap;
    const char *const *party_paths;
    int nparties;
    const int64_t *members;
    int nmembers;
    const char *const *hidden_paths;
    int nhidden;
    const int64_t *recused;
    int nrecused;
    enum cap recusal_cap;
};
bool perm_item_visible(const struct principal *p, const struct perm_item *it);
/* True if the user holds a role at one of the object's hidden units (see perm_item.hidden_paths). */
bool perm_item_hidden_from(const struct principal *p, const struct perm_item *it);
/* True if the user must stand aside from exercising cap on the object (perm_item.recused). */
bool perm_item_recused(const struct principal *p, enum cap cap, const struct perm_item *it);
/* perm_cap_role_at for an action on the object at unit_path: also false when the user is recused. */
bool perm_item_cap_role(const struct principal *p, enum cap cap, int role, const struct perm_item *it,
                        const char *unit_path);
/* The refusal (ERR_FORBIDDEN) of a user who may take `action` on the object in no state: the
 * recusal sentence when the user stands aside, else "您的角色不能对该<what>执行「<action>」". */
enum err perm_refuse_item(struct ctx *c, const struct perm_item *it, const char *what, const char *action);
enum err perm_require_item(struct ctx *c, enum cap cap, const struct perm_item *it, const char *at, const char *what);
/* Like perm_scope, but only the grants whose role carries cap. Arena memory. */
const char **perm_scope_cap(struct ctx *c, enum cap cap, int *n);
/* True if the user holds the role at unit_path or an ancestor and that role carries cap. */
bool perm_cap_role_at(const struct principal *p, enum cap cap, int role, const char *unit_path);

/* The exclusive upper bound of a subtree's paths: "/1/7/" -> "/1/70" ('0' follows '/'). */
const char *perm_path_upper(struct arena *a, const char *prefix);

#endif
