/* webhook_send.h: one HTTP POST of a delivery, signed (see webhooks.h for the headers). */
#ifndef DUCHA_WEBHOOK_SEND_H
#define DUCHA_WEBHOOK_SEND_H

#include "base/conf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wh_message {
    const char *url, *secret; /* secret: the plain whsec_… key */
    const char *event, *event_id;
    int64_t delivery_id;
    int64_t timestamp; /* Unix seconds, signed with the body */
    const char *body;  /* the JSON text, sent byte for byte as signed */
};

/* POSTs m to its URL: https only (http to loopback when webhook_allow_http), no redirects, at most
 * webhook_timeout_s seconds. True on a 2xx answer; otherwise false with *status (0 without an answer)
 * and a Chinese reason in err. Thread-safe; touches no database. */
bool wh_send(const struct config *cfg, const struct wh_message *m, long *status, char *err, size_t errlen);

#endif
