/*
 * notify_internal.h: what the files of src/notify share (kinds.c: kinds and the channel registry;
 * notify.c: queueing; outbox.c: delivery and administration; inbox.c; prefs.c; smtp.c; sms.c).
 * Private to src/notify.
 */
#ifndef DUCHA_NOTIFY_INTERNAL_H
#define DUCHA_NOTIFY_INTERNAL_H

#include "notify/channel.h"

/* The kinds of message users choose channels for: name, label and default channels ("inbox,email"). */
struct msg_kind_def {
    const char *name, *label, *channels;
};
extern const struct msg_kind_def msg_kinds[MSG__COUNT];
bool msg_kind_parse(const char *s, enum msg_kind *out);

/* True if the comma-separated list names channel ch. */
bool notify_has_channel(const char *list, const char *ch);
/* The user's channels for kind: the stored preference or the kind's default (arena). */
const char *notify_user_channels(struct ctx *c, int64_t user, enum msg_kind k);
/* Queues n for one user on the channels of the user's preferences (the inbox always); ids (may be
 * NULL) collects {id, channel} of the rows written. In a transaction. */
enum err notify_user_ex(struct ctx *c, int64_t user_id, const struct notice *n, json_t *ids);
/* curl_global_init, once per process (the channels that speak HTTP or SMTP call it first). */
void notify_curl_init(void);

#endif
