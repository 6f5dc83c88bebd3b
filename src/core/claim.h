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

/*
 * A lease's claim, in a transaction of its own (a queue whose rows a process claims for a while: claimed_by =
 * claim_holder(), a lease that runs out if it dies — the clues' photos, the items' archive files). The caller began
 * the transaction (db_begin) and prepared st, the claim's UPDATE … RETURNING (NULL: the prepare failed); this steps
 * it once, hands its row to take(st, arg) when there is one, finishes it and commits, or rolls back on a failure
 * (the message names `what`). ERR_NOT_FOUND: no row claimed (committed).
 */
enum err claim_lease_commit(struct ctx *c, struct stmt *st, void (*take)(struct stmt *st, void *arg), void *arg,
                            const char *what);

#endif
