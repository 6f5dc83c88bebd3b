/*
 * channel.h: the notification channel interface, in the manner of curl's lib/vtls/: every way a
 * message reaches a person is one table of function pointers. The outbox (outbox.c) knows channels
 * only through this table: it queues one row per recipient and chosen channel, and the delivery
 * pass hands each due row of a deferred channel to its send function, outside any transaction.
 *
 * Built in: the in-app inbox (inbox.c: delivered when written), e-mail over SMTP (smtp.c) and SMS
 * through an HTTP gateway (sms.c). A new channel (e.g. an HTTPS webhook) is one file with one
 * struct notify_channel, registered once at start-up with notify_register_channel (modules_init);
 * users then choose it per kind of message like the others.
 */
#ifndef DUCHA_NOTIFY_CHANNEL_H
#define DUCHA_NOTIFY_CHANNEL_H

#include "notify/notify.h"

/* A recipient as the channels see it (strings valid for the call). */
struct notify_recipient {
    int64_t id;
    const char *username, *name, *email, *phone;
};

/* One queued message being sent (strings valid for the call). */
struct notify_message {
    int64_t id; /* the outbox row: a stable id for de-duplication at the receiving end */
    const char *address, *subject, *body, *kind;
    bool urgent;
    const char *object_type; /* what it is about, e.g. "milestone" */
    int64_t object_id;
};

struct notify_channel {
    const char *name;  /* outbox.channel and the preference value: "email" (lower-case, unique) */
    const char *label; /* "电子邮件" */
    /* false: delivered when written (the inbox; no send); true: queued, sent by notify_deliver within
     * office hours unless urgent, retried with back-off, dead after notify_attempts failures */
    bool deferred;
    /* The recipient's address on this channel, "" when the user has none (then nothing is queued).
     * Arena memory or the recipient's strings. */
    const char *(*address)(struct ctx *c, const struct notify_recipient *r);
    /* True when the configuration lets it send; rows of an unconfigured channel wait in the outbox. */
    bool (*configured)(const struct config *cfg);
    /* Sends one message; false with a one-line reason in err (logged and kept as last_error; never
     * a secret). Runs outside any transaction, possibly on several nodes for different rows. */
    bool (*send)(struct ctx *c, const struct notify_message *m, char *err, size_t errlen);
};

/* Registers a channel at start-up (a second one of the same name replaces the first). The built-in
 * channels are registered already. */
void notify_register_channel(const struct notify_channel *ch);
/* The channel of that name, or NULL. */
const struct notify_channel *notify_channel(const char *name);
/* The registered channels in registration order (inbox, email, sms, then others); *n of them. */
const struct notify_channel *const *notify_channels(int *n);

extern const struct notify_channel notify_inbox_channel, notify_smtp_channel, notify_sms_channel;

#endif
