/*
 * claim.h: run-once claims for scheduled jobs when several nodes share one database. Each node's
 * scheduler may find the same job due; the one whose claim of the job's key succeeds runs it.
 */
#ifndef DUCHA_CLAIM_H
#define DUCHA_CLAIM_H

#include "core/ctx.h"

#include <stdbool.h>

/*
 * Claims `key` (e.g. "remind:item:42:2026-03-01") inside the caller's write transaction: *won is
 * true for exactly one caller per key across all nodes and all time (the claim commits with the
 * job's effects; if that transaction rolls back, the key is free again). A concurrent claimer of
 * the same key waits for the first transaction to end. Errors: ERR_INTERNAL outside a transaction
 * (a bug), store failures.
 */
enum err claim_once(struct ctx *c, const char *key, bool *won);

/* This process's name in a lease (a row's claimed_by): random, drawn once per process, so that a row claimed by
 * a process that died is never taken for its successor's on the same host. */
const char *claim_holder(void);

#endif
