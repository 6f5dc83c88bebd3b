/*
 * webhooks.h: events out (推送). An administrator registers an endpoint of another system (a city's or
 * county's OA, the 12345 hotline, a dashboard) at a unit, for chosen event kinds (item assigned,
 * overdue, completed …). Every domain event (core/events.h) whose object lies in that unit's subtree
 * — as the object's visibility rule says — queues one delivery per subscribed endpoint, inside the
 * transaction of the change, so a delivery exists if and only if the change does. The webhook
 * channel of the notification queue POSTs each delivery as JSON, signed with HMAC-SM3 under the
 * endpoint's own secret and timestamped against replay, retries it with back-off, and keeps its
 * status for the administrator to see and resend.
 *
 * Endpoints must be https:// (http:// only to a loopback address, and only when the configuration
 * switch webhook_allow_http is on: tests). Secrets are shown once (on creation and rotation) and
 * stored sealed under secret_key. Every change is audited. JSON results are owned by the caller.
 */
#ifndef DUCHA_WEBHOOKS_H
#define DUCHA_WEBHOOKS_H

#include "base/jsonv.h"
#include "core/ctx.h"

#include <jansson.h>

extern const struct jv_field webhooks_create_spec[];
extern const struct jv_field webhooks_update_spec[];

/* Endpoints registered at units in the caller's scope (CAP_WEBHOOK_ADMIN), newest first. */
enum err webhooks_list(struct ctx *c, json_t **out);
/* Registers an endpoint: {name, url, events[], unit_id?, active?}; *out carries the secret once. */
enum err webhooks_create(struct ctx *c, const json_t *body, json_t **out);
enum err webhooks_get(struct ctx *c, int64_t id, json_t **out);
/* Changes name, url, events, active (version optional, 409 if stale). */
enum err webhooks_update(struct ctx *c, int64_t id, const json_t *body, json_t **out);
/* Removes the endpoint; its pending deliveries are cancelled, its delivery history kept. */
enum err webhooks_delete(struct ctx *c, int64_t id);
/* A new secret (the old one stops working at once); *out carries it once. */
enum err webhooks_rotate_secret(struct ctx *c, int64_t id, json_t **out);
/* Queues a webhook.ping delivery to the endpoint (checks address, TLS and signature end to end). */
enum err webhooks_ping(struct ctx *c, int64_t id, json_t **out);
/* The endpoint's deliveries, newest first: state (pending, sending, sent, dead, cancelled), attempts,
 * the last answer, the next attempt; state filters, before pages by id. */
enum err webhooks_deliveries(struct ctx *c, int64_t id, const char *state, int64_t before, int limit, json_t **out);
/* Queues a delivery again now (a dead letter, or a sent one the receiver lost). */
enum err webhooks_redeliver(struct ctx *c, int64_t id, int64_t delivery_id, json_t **out);
/* The event kinds one may subscribe to: {"events":[{name,label,object}]}. */
enum err webhooks_event_kinds(struct ctx *c, json_t **out);

/* The signature of a delivery: HMAC-SM3 under secret of "<timestamp>.<body>", 64 hex digits. */
bool webhooks_sign(const char *secret, int64_t timestamp, const char *body, size_t n, char out[65]);

/* Sends due deliveries (at most limit; the scheduler's pass): claims them with a lease, POSTs each
 * outside any transaction, marks it sent, or retries it after webhook_retry_s doubling (at most an
 * hour), or after webhook_attempts failures leaves it dead for the administrator to resend. Rows of a
 * paused endpoint wait. *sent and *failed count the outcomes. */
enum err webhooks_deliver(struct ctx *c, int limit, int *sent, int *failed);

/* Start-up: subscribes to domain events (modules_init). */
void webhooks_init(void);

#endif
