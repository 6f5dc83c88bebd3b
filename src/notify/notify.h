/*
 * notify.h: notifications. Every message is one outbox row per recipient and channel: the in-app
 * inbox (delivered when written), e-mail over SMTP (libcurl) and SMS through an HTTP gateway
 * (POST JSON {to, text}, Bearer token). Rows are written inside the caller's transaction, so a
 * message exists if and only if the change that caused it does.
 *
 * Delivery (notify_deliver, run by the scheduler) claims due rows with a lease (PostgreSQL:
 * FOR NO KEY UPDATE SKIP LOCKED; SQLite: the process write lock), sends outside any transaction, and
 * marks each row sent, or retries it with exponential back-off, or after notify_attempts failures
 * moves it to the dead-letter state that administrators see and may retry. Non-urgent messages
 * wait for a working day within office_hours, checked again when they are sent; a message whose
 * object moved on meanwhile is rewritten or dropped then (notify_register_recheck). Recipients are
 * always accounts: ladder notices are internal and never reach the public.
 *
 * The channels sit behind one interface (channel.h: inbox.c, smtp.c, sms.c, and any registered with
 * notify_register_channel); the calls below never name one. Files: notify.c (kinds, channels,
 * queueing), outbox.c (delivery and administration), inbox.c, prefs.c.
 */
#ifndef DUCHA_NOTIFY_H
#define DUCHA_NOTIFY_H

#include "base/jsonv.h"
#include "core/ctx.h"

#include <jansson.h>

/* Message kinds users choose channels for. */
enum msg_kind {
    MSG_REMINDER,
    MSG_PRESS,
    MSG_NOTICE,
    MSG_REPORT,
    MSG_SYSTEM,
    MSG_ASSIGNMENT,
    MSG_TODO,   /* work handed to you (a to-do of src/workflow) */
    MSG_RESULT, /* a decision about your unit's work (review, extension, grade …) */
    MSG__COUNT
};
const char *msg_kind_name(enum msg_kind k);

struct notice {
    enum msg_kind kind;
    bool urgent;
    const char *subject, *body;
    const char *object_type; /* e.g. "milestone" */
    int64_t object_id;
    const char *link; /* the web page that opens the object, e.g. "/items/12" (NULL: none) */
};

/* Queues n for one user on the channels of the user's preferences (the inbox always). Must run in
 * a transaction. */
enum err notify_user(struct ctx *c, int64_t user_id, const struct notice *n);

/* Queues n for every active holder of role (e.g. "contact") at exactly that unit. In a transaction. */
enum err notify_role_at(struct ctx *c, int64_t unit_id, const char *role, const struct notice *n);
/* Queues the same n for every active holder of role at any of the units (each user once), on the channels
 * of each one's preferences as notify_user: one read of the recipients and one statement per 200 outbox rows,
 * whatever the number of units (a bulletin's addressees). In a transaction. */
enum err notify_role_units(struct ctx *c, const char *role, const int64_t *units, int nunits, const struct notice *n);

/* The first instant >= t on a working day within office_hours (t itself when already inside). */
enum err notify_window(struct ctx *c, int64_t t, int64_t *out);

/*
 * A deferred message is looked at again when it is actually sent, which may be hours or a holiday
 * after it was queued. Office hours first: a non-urgent row that comes due outside them (a pass that
 * runs late, a retry, a channel configured at night) is held to the next office hours. Then the
 * module whose object the message is about says whether it still holds (a recheck hook, one per
 * object_type): NOTIFY_SEND as queued; NOTIFY_REWRITE with *subject and *body replaced (arena memory:
 * a reminder whose date has passed becomes an overdue notice); NOTIFY_DROP with *why (the object
 * moved on, or `newer`: a later row of the same kind about the same object already went or goes to
 * the same person on the same channel): the row is cancelled with that reason (state "cancelled",
 * last_error), never sent. The hook runs inside delivery's short transaction and only reads.
 */
enum notify_recheck { NOTIFY_SEND, NOTIFY_REWRITE, NOTIFY_DROP };
struct notify_queued {
    const char *kind; /* msg_kind_name */
    const char *subject, *body;
    int64_t object_id;
    bool newer; /* a later row of the same kind, object, recipient and channel exists */
};
typedef enum notify_recheck (*notify_recheck_fn)(struct ctx *c, const struct notify_queued *q, const char **subject,
                                                 const char **body, const char **why);
/* Registers the recheck of messages about objects of object_type (start-up only; replaces). */
void notify_register_recheck(const char *object_type, notify_recheck_fn fn);

/* Sends due e-mail and SMS rows (at most limit); *sent and *failed count the outcomes. */
enum err notify_deliver(struct ctx *c, int limit, int *sent, int *failed);

/* GET /api/v1/inbox?unread=&limit=&before= : {"messages":[…],"unread":n} */
enum err notify_inbox(struct ctx *c, bool unread_only, int64_t before, int limit, json_t **out);
enum err notify_read(struct ctx *c, int64_t id);
enum err notify_read_all(struct ctx *c, int64_t *count);
/* The signed-in user's unread inbox messages about an object, read: the user has acted on it (the to-do they
 * brought was handled). In the caller's transaction; nothing without a user. */
enum err notify_read_object(struct ctx *c, const char *object_type, int64_t object_id);

/* GET/PUT /api/v1/me/preferences: {"preferences":{"reminder":["inbox","email"],…},"channels":[…]} */
enum err notify_prefs_get(struct ctx *c, json_t **out);
enum err notify_prefs_put(struct ctx *c, const json_t *body, json_t **out);
extern const struct jv_field notify_prefs_spec[];

/* Admin: outbox rows of recipients in scope, by state; retry a dead (or pending) row now. */
enum err notify_outbox_list(struct ctx *c, const char *state, int64_t before, int limit, json_t **out);
enum err notify_outbox_retry(struct ctx *c, int64_t id, json_t **out);
/* Admin: a test message to a user (checks e-mail and SMS settings end to end). */
enum err notify_test(struct ctx *c, const json_t *body, json_t **out);
extern const struct jv_field notify_test_spec[];

#endif
