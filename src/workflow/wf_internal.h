/* wf_internal.h: what the files of src/workflow share (not for other modules). */
#ifndef DUCHA_WF_INTERNAL_H
#define DUCHA_WF_INTERNAL_H

#include "workflow/workflow.h"

/* One assignee of to-dos: a role held at a unit, or a person. Stored as "r:<role>:<unit id>" or
 * "u:<user id>" (todos.assignee). */
struct key {
    int role;        /* enum role, or -1 for a person */
    int64_t unit_id; /* where the role is held */
    int64_t user_id; /* the person */
};
/* The stored text of a key (arena). */
const char *key_text(struct ctx *c, const struct key *k);
/* Parses a stored key; false when it is malformed. */
bool key_parse(const char *s, struct key *k);
/* The active users behind a key (arena), *n of them. */
int64_t *key_users(struct ctx *c, const struct key *k, int *n);

/* Who got which subject during one action: a person is told once per subject. */
struct sent {
    int64_t user;
    const char *subject;
    struct sent *next;
};
/* Sends n to everyone behind the keys, once per person and subject (*sent remembers). */
enum err send_keys(struct ctx *c, const struct key *keys, int nkeys, const struct notice *n, struct sent **sent);

/* workflow_todos_sync of the acted-on object inside workflow_act, whose row lock is held already
 * (workflow_lock_load): without taking it again. */
enum err wf_todos_sync_locked(struct wf_act *a);
/* The web page of object id ("/items/12": the workflow's link with its id), NULL when the workflow names none.
 * Arena. */
const char *wf_link(struct ctx *c, const struct workflow *wf, int64_t id);

#endif
