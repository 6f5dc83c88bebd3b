/*
 * eval_internal.h: what the evaluation files share: the engagement as loaded (it begins with the engine's
 * wf_obj) and the workflow's enums. Files: eval_workflow.c (the table and the hooks), evaluation.c
 * (drafts, load, who sees what, JSON, list, timeline), eval_scores.c (scores, self-assessments,
 * evidence, 对表分析).
 */
#ifndef DUCHA_EVAL_INTERNAL_H
#define DUCHA_EVAL_INTERNAL_H

#include "evaluations/evaluations.h"

#include "audit/audit.h"
#include "base/timeu.h"
#include "core/perm.h"

#define EVAL_WHAT "第三方评估"
#define EVAL_KIND "evaluation" /* the workflow's name, the audit object type */
#define EVAL_UNITS_MAX 200
#define EVAL_INDICATORS_MAX 30
#define EVAL_OBJECTS_MAX 50
#define EVAL_MEMBERS_MAX 50

enum eval_state { EVAL_ST_DRAFT, EVAL_ST_ENGAGED, EVAL_ST_SUBMITTED, EVAL_ST_ACCEPTED, EVAL_ST__COUNT };
enum eval_action { EVAL_ACT_ENGAGE, EVAL_ACT_SUBMIT, EVAL_ACT_RETURN, EVAL_ACT_ACCEPT, EVAL_ACT__COUNT };
enum eval_field { EVAL_F_REASON = 1 << 0 };
enum eval_self_state { EVAL_SELF_PENDING, EVAL_SELF_DONE, EVAL_SELF__COUNT }; /* a unit's part (kind 1) */

struct eval_unit {
    int64_t id, unit_id;
    const char *unit_path, *unit_name, *findings, *scored_at, *self_note, *self_at;
};

struct eval_indicator {
    int64_t id;
    const char *name, *description;
    int max_score;
};

struct evaluation {
    struct wf_obj wf; /* first: id, version, state, home, scope, title, parts */
    int64_t office_unit_id, evaluator_unit_id, created_by;
    const char *office_path, *office_name, *evaluator_path, *evaluator_name, *basis, *period_start, *period_end,
        *created_at, *updated_at;
    struct eval_unit *units;
    int nunits;
    struct eval_indicator *indicators;
    int nindicators;
    bool evaluator_suspended; /* the office suspended the organisation (evaluator_orgs) */
    int64_t *members;         /* the engaged organisation's active evaluator users (none while suspended) */
    int nmembers;
};

static inline struct evaluation *eval_of(struct wf_obj *o)
{
    return (struct evaluation *)o;
}

const char *eval_state_name(int s);
int eval_state_parse(const char *s);

/* Loads the engagement, its units, indicators and the engine's parts, without permission checks (404). */
enum err eval_load(struct ctx *c, int64_t id, struct evaluation *out);
/* Loaded and visible to the user (404 otherwise). */
enum err eval_load_visible(struct ctx *c, int64_t id, struct evaluation *out);
/* Locks the row; 409 when its version moved since it was loaded. */
enum err eval_lock(struct ctx *c, const struct evaluation *ev);
/* Appends a timeline row (data borrowed, may be NULL; from/to -1 when the state did not move). */
enum err eval_event(struct ctx *c, int64_t id, const char *action, int from, int to, int64_t unit_id,
                    const json_t *data);
/* The user's view of the engagement: the government's (everything), the engaged evaluator's, or a unit's. */
bool eval_gov(struct ctx *c, const struct evaluation *ev);
bool eval_member(struct ctx *c, const struct evaluation *ev);
/* Does the user see this unit's line as the unit (CAP_INSP_READ at it)? */
bool eval_unit_viewer(struct ctx *c, const struct eval_unit *u);
/* The unit's line by its unit id, or NULL. */
struct eval_unit *eval_unit_of(struct evaluation *ev, int64_t unit_id);
/* Today (Beijing) as YYYY-MM-DD. */
void eval_today(struct ctx *c, char out[11]);

#endif
