/* events.c: the subscriber list of domain events; see events.h. */
#include "core/events.h"

#include "base/log.h"

#define MAX_SUBSCRIBERS 8

static event_subscriber subscribers[MAX_SUBSCRIBERS];
static int nsubscribers;

void events_subscribe(event_subscriber fn)
{
    for (int i = 0; i < nsubscribers; i++)
        if (subscribers[i] == fn)
            return;
    if (nsubscribers == MAX_SUBSCRIBERS) {
        log_error("bug: more than %d event subscribers", MAX_SUBSCRIBERS);
        return;
    }
    subscribers[nsubscribers++] = fn;
}

enum err events_publish(struct ctx *c, const struct domain_event *ev)
{
    for (int i = 0; i < nsubscribers; i++) {
        enum err e = subscribers[i](c, ev);
        if (e)
            return e;
    }
    return ERR_OK;
}
