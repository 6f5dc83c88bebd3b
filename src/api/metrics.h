/*
 * metrics.h: the Prometheus exposition at GET /metrics (api_metrics.c). The router reports every
 * API request here (route pattern, method, status, seconds), and the HTTP lanes their queues; the rest (pool, transactions,
 * scheduler backlog, outbox, audit chain, replication) is read when scraped.
 */
#ifndef DUCHA_METRICS_H
#define DUCHA_METRICS_H

#include "api/req.h"
#include "store/store.h"

/* Counts one request of route r (NULL: no route matched) that answered status after seconds,
 * having run db's statements and round trips. Lock-free; safe from any thread. */
void metrics_observe(const struct route *r, const char *method, int status, double seconds, const struct db_usage *db);

/* The lanes of requests handed over by the HTTP worker threads (src/http/server.c): the office's writes and long
 * reads, the public pages. Lock-free; safe from any thread. */
enum metrics_lane { METRICS_LANE_OFFICE, METRICS_LANE_PUBLIC, METRICS_LANES };
/* A request joins the lane's queue (+1) or leaves it for a thread after waiting seconds (-1). */
void metrics_lane_queued(enum metrics_lane lane);
void metrics_lane_taken(enum metrics_lane lane, double waited);
/* A request refused with 503 because the lane's queue was full. */
void metrics_lane_full(enum metrics_lane lane);

extern const struct route metrics_routes[];

#endif
