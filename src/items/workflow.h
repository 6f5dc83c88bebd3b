/*
 * workflow.h: THE transition table of a supervision item (DOMAIN.md §3, Gu County 三(三)).
 *
 * One table (workflow.c) says, for every (state, action): the next state, the capability (and,
 * where it matters, the role) the actor needs, where in the unit tree it is checked (at the
 * issuing government for item-wide rows, at the actor's own responsible unit for track rows) and
 * what the action must carry (a reason, a date, a grade …). The same table drives the server's
 * enforcement (items_act), the `allowed_actions` of GET /api/v1/items/{id}, the tests and
 * docs/workflow.md (`ducha workflow` prints it; a test compares).
 *
 * Track rows (WF_TRACK) act on one responsible unit's track; their from/to are track states and
 * the item's state is the roll-up (the least advanced track) while the item is in the unit phase.
 */
#ifndef DUCHA_WORKFLOW_H
#define DUCHA_WORKFLOW_H

#include "core/perm.h"

#include <stdbool.h>

enum item_state {
    ST_DRAFT,
    ST_SUBMITTED,
    ST_DEPUTY_APPROVED,
    ST_APPROVED,
    ST_ASSIGNED,
    ST_RECEIVED,
    ST_IN_PROGRESS,
    ST_COMPLETION_REQUESTED,
    ST_COMPLETION_SIGNED,
    ST_COMPLETED,
    ST_ARCHIVED,
    ST_WITHDRAWN,
    ST_SUSPENDED,
    ST__COUNT,
    ST_SAME = 100, /* to: unchanged */
    ST_PREV,       /* to: the state before the suspension */
};

enum item_action {
    ACT_SUBMIT,
    ACT_APPROVE,
    ACT_RETURN,
    ACT_ASSIGN,
    ACT_RECEIVE,
    ACT_REPORT,
    ACT_PLAN,
    ACT_REQUEST_COMPLETION,
    ACT_SIGN,
    ACT_RETURN_REPLY,
    ACT_VERIFY,
    ACT_ARCHIVE,
    ACT_REQUEST_EXTENSION,
    ACT_DECIDE_EXTENSION,
    ACT_WITHDRAW,
    ACT_ESCALATE,
    ACT_SUSPEND,
    ACT_RESUME,
    ACT_COMMENT,
    ACT__COUNT
};

enum wf_scope {
    WF_ITEM,  /* checked at the issuing government (items.office_path) against the item's state */
    WF_TRACK, /* checked at the actor's responsible unit against that unit's track state */
};

/* what an action must carry (body members) and what it does besides changing the state */
enum wf_flags {
    WF_REASON = 1 << 0,       /* "reason" required */
    WF_TEXT = 1 << 1,         /* "text" required */
    WF_NEW_DATE = 1 << 2,     /* "new_date" required (YYYY-MM-DD) */
    WF_GRADE = 1 << 3,        /* "grade" required, one of the configured grades */
    WF_DECISION = 1 << 4,     /* "approve" (true/false) required */
    WF_PERCENT = 1 << 5,      /* "percent" required (0-100) */
    WF_NUMBER = 1 << 6,       /* assigns the item number if it has none */
    WF_MAJOR_DECIDE = 1 << 7, /* on a major item the actor needs CAP_ITEM_DECIDE instead */
    WF_PLAN_DATE = 1 << 8,    /* "plan_date" required */
};

#define WF_ANY_ROLE (-1)

struct transition {
    enum item_state from;
    enum item_action action;
    enum item_state to;
    enum wf_scope scope;
    enum cap cap;
    int role; /* WF_ANY_ROLE or an enum role the actor must hold (with cap) */
    unsigned flags;
    const char *records; /* what the row records, in words (docs/workflow.md) */
};

extern const struct transition workflow_table[];
extern const int workflow_count;

const char *item_state_name(enum item_state s);
const char *item_state_label(enum item_state s);
bool item_state_parse(const char *s, enum item_state *out);
const char *item_action_name(enum item_action a);
const char *item_action_label(enum item_action a);
bool item_action_parse(const char *s, enum item_action *out);

/* The row for (from, action, scope), or NULL if the pair is not listed. */
const struct transition *workflow_find(enum item_state from, enum item_action action);
/* True for the unit phase (assigned … completion_signed), where track rows apply. */
bool item_state_active(enum item_state s);
/* docs/workflow.md as text (malloc'd; caller frees). */
char *workflow_markdown(void);

#endif
