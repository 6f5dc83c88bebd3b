/*
 * metrics.h: the Prometheus exposition at GET /metrics (api_metrics.c). The router reports every
 * API request here (route pattern, method, status, seconds); the rest (pool, transactions,
 * scheduler backlog, outbox, audit chain, replication) is read when scraped.
 */
#ifndef DUCHA_METRICS_H
#define DUCHA_METRICS_H

#include "api/req.h"
#include "store/store.h"

/* Counts one request of route r (NULL: no route matched) that answered status after seconds,
 * having run db's statements and round trips. Lock-free; safe from any thread. */
void metrics_observe(const struct route *r, const char *method, int status, double seconds, const struct db_usage *db);

extern const struct route metrics_routes[];

#endif
