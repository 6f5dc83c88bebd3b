/* webhooks_internal.h: what webhooks.c and webhook_queue.c share (not for other modules). */
#ifndef DUCHA_WEBHOOKS_INTERNAL_H
#define DUCHA_WEBHOOKS_INTERNAL_H

#include "core/ctx.h"

#include <jansson.h>

/* The endpoint URL's problem (a Chinese sentence), or NULL when it may be used. */
const char *wh_url_problem(const struct config *cfg, const char *url);
/* The plain secret of a sealed one (malloc'd, caller frees and wipes), or NULL. */
char *wh_secret_open(const struct config *cfg, const char *sealed);

/* Queues body (borrowed; dumped now) for endpoint webhook_id, inside the caller's transaction. */
enum err wh_queue(struct ctx *c, int64_t webhook_id, const char *event, const char *object_type, int64_t object_id,
                  json_t *body);
/* The same, giving the delivery's id (delivery_id NULL: none asked for; the row is sent later). */
enum err wh_queue_one(struct ctx *c, int64_t webhook_id, const char *event, const char *object_type, int64_t object_id,
                      json_t *body, int64_t *delivery_id);
/* One delivery as JSON (WebhookDelivery of docs/openapi.yaml). */
enum err wh_delivery_get(struct ctx *c, int64_t delivery_id, json_t **out);
/* Cancels the endpoint's deliveries that have not been sent (inside the caller's transaction). */
enum err wh_cancel_pending(struct ctx *c, int64_t webhook_id);
/* Adds "deliveries" (counts by state) and "last_delivery" to an endpoint's JSON. */
void wh_add_stats(struct ctx *c, int64_t webhook_id, json_t *o);

#endif
