/*
 * item_workflow.h: the workflow of a supervision item (DOMAIN.md §3, Gu County 三(三)) as the engine
 * in src/workflow runs it: the states, the actions, and `item_workflow` — the transition table, who must
 * act in each state, whom each decision is told, and the effect of each action (item_workflow.c,
 * item_effects.c). docs/workflow.md is generated from it (`ducha workflow`).
 *
 * Track rows act on one responsible unit's track; their from/to are track states, and the item's state
 * is the roll-up (the least advanced track) while the item is in the unit phase (assigned …
 * completion_signed).
 */
#ifndef DUCHA_ITEM_WORKFLOW_H
#define DUCHA_ITEM_WORKFLOW_H

#include "workflow/workflow.h"

#include <stdbool.h>

enum item_state {
    ITEM_ST_DRAFT,
    ITEM_ST_SUBMITTED,
    ITEM_ST_DEPUTY_APPROVED,
    ITEM_ST_APPROVED,
    ITEM_ST_ASSIGNED,
    ITEM_ST_RECEIVED,
    ITEM_ST_IN_PROGRESS,
    ITEM_ST_COMPLETION_REQUESTED,
    ITEM_ST_COMPLETION_SIGNED,
    ITEM_ST_COMPLETED,
    ITEM_ST_ARCHIVED,
    ITEM_ST_WITHDRAWN,
    ITEM_ST_SUSPENDED,
    ITEM_ST__COUNT
};

enum item_action {
    ITEM_ACT_SUBMIT,
    ITEM_ACT_APPROVE,
    ITEM_ACT_RETURN,
    ITEM_ACT_ASSIGN,
    ITEM_ACT_RECEIVE,
    ITEM_ACT_REPORT,
    ITEM_ACT_PLAN,
    ITEM_ACT_REQUEST_COMPLETION,
    ITEM_ACT_SIGN,
    ITEM_ACT_RETURN_REPLY,
    ITEM_ACT_VERIFY,
    ITEM_ACT_ARCHIVE,
    ITEM_ACT_REQUEST_EXTENSION,
    ITEM_ACT_DECIDE_EXTENSION,
    ITEM_ACT_WITHDRAW,
    ITEM_ACT_ESCALATE,
    ITEM_ACT_SUSPEND,
    ITEM_ACT_RESUME,
    ITEM_ACT_COMMENT,
    ITEM_ACT_PRESS, /* 催办: the office or the leader in charge presses the units (or one unit's track) */
    ITEM_ACT__COUNT
};

/* The body members rows require (bits of item_workflow.fields). */
enum item_field {
    ITEM_F_REASON = 1 << 0,    /* "reason" */
    ITEM_F_TEXT = 1 << 1,      /* "text" */
    ITEM_F_PERCENT = 1 << 2,   /* "percent" (0-100) */
    ITEM_F_APPROVE = 1 << 3,   /* "approve" (true/false) */
    ITEM_F_NEW_DATE = 1 << 4,  /* "new_date", later than the due date */
    ITEM_F_PLAN_DATE = 1 << 5, /* "plan_date", not before today */
    ITEM_F_GRADE = 1 << 6,     /* "grade", one of the configured grades */
};

/* Conditions beyond the state (indexes of item_workflow.conds). */
enum item_cond {
    ITEM_COND_PENDING_EXTENSION = 1, /* an extension request waits for a decision */
    ITEM_COND_NO_PENDING_EXTENSION,  /* none does */
    ITEM_COND_NOT_ESCALATED,         /* not yet listed for inspection */
    ITEM_COND_MAJOR,                 /* a major item (重大复杂事项) */
    ITEM_COND_PRESSING_LEADER,       /* the caller is the item's leader in charge (分管领导), or — once the
                                      * item is reported and listed for inspection — its principal leader */
    ITEM_COND__COUNT
};

/* The parts beyond the tracks that may wait on someone (kinds of wf_part). A ladder part is a unit's
 * track whose overdue milestones the deadline ladder has pressed or reported (src/deadlines) and that
 * nobody has pressed (催办) since: its id is the track's. */
enum item_part {
    ITEM_PART_TRACK,
    ITEM_PART_EXTENSION,
    ITEM_PART_REPORT,
    ITEM_PART_LADDER,
    ITEM_PART_INSTRUCTION, /* a leader's written instruction (领导批示) the office has still to carry out */
    ITEM_PART_HANDLING, /* a unit's handling report still owed after the completion (办理情况报告, 人大建议、政协提案):
                            * its id is the open milestone's */
    ITEM_PART__COUNT
};
/* The one waiting state of extensions, reports and instructions. */
enum { ITEM_SIDE_PENDING };
/* The states of a ladder part: pressed (督办: the leader in charge must press the unit), reported (报告: the
 * principal leader must). */
enum { ITEM_LADDER_PRESS, ITEM_LADDER_REPORT };
/* True for the to-dos of ladder parts (tasks "ladder_press", "ladder_report"). */
bool item_task_ladder(const char *task);

/* Named persons of an item (wf_obj.persons). */
enum { ITEM_PERSON_LEADER };

extern const struct workflow item_workflow;

const char *item_state_name(enum item_state s);
const char *item_state_label(enum item_state s);
bool item_state_parse(const char *s, enum item_state *out);
const char *item_action_name(enum item_action a);
const char *item_action_label(enum item_action a);
bool item_action_parse(const char *s, enum item_action *out);

/* True for the unit phase (assigned … completion_signed), where track rows apply. */
bool item_state_active(enum item_state s);

#endif
