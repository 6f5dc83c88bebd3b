/*
 * events.h: domain events, published by the module where something happened and received by the
 * modules that pass them on (webhooks: events out to other systems). A publisher calls
 * events_publish inside the transaction of the change, so a subscriber's rows (e.g. queued
 * deliveries) exist if and only if the change does. Subscribers register at start-up
 * (modules_init), before any request or scheduler pass; the list is read-only afterwards, so
 * publishing takes no lock. Lower layers publish without including the subscribers (as hooks.h).
 */
#ifndef DUCHA_EVENTS_H
#define DUCHA_EVENTS_H

#include "core/ctx.h"

#include <jansson.h>

struct domain_event {
    const char *object_type; /* the workflow's name: "item", "inspection", "rectification", "result" … */
    int64_t object_id;
    const char *kind;   /* the publisher's kind of record, e.g. the timeline's "transition", "deadline" */
    const char *action; /* what happened, e.g. "assign", "verify", "press" */
    int64_t unit_id;    /* the unit concerned (a responsible unit's track), 0 for the object as a whole */
    const char *note;   /* the record's note, may be NULL */
    const json_t *data; /* the record's details (borrowed), may be NULL */
};

/* Called inside the publisher's transaction; an error rolls the change back. */
typedef enum err (*event_subscriber)(struct ctx *c, const struct domain_event *ev);

/* Adds a subscriber (start-up only; at most 8). */
void events_subscribe(event_subscriber fn);

/* Passes ev to every subscriber in turn; stops at and returns the first error. */
enum err events_publish(struct ctx *c, const struct domain_event *ev);

#endif
