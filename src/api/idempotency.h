/*
 * idempotency.h: the Idempotency-Key header on POST requests (the IETF httpapi draft's semantics).
 *
 * A signed-in client that may have to retry a POST (a connection reset before it saw the answer)
 * sends `Idempotency-Key: <1–128 printable ASCII characters>`. The first request that commits
 * records the key in the same transaction as its changes (db_on_commit), and its reply right after.
 * A retry with the same key within 24 hours gets that reply again (with `Idempotent-Replayed: true`)
 * and changes nothing. The same key with another method, path or body: 422. A retry while the first
 * is still running (or whose reply could not be stored): 409. A request that failed with 5xx leaves
 * no key behind, so it may be retried. Keys are per user.
 */
#ifndef DUCHA_IDEMPOTENCY_H
#define DUCHA_IDEMPOTENCY_H

#include "api/req.h"

/* Before the handler: false if a reply was made (a replay, 409, 422, 400); true to run the handler
 * (with the key armed to commit with its first transaction). */
bool idem_before(struct req *rq);
/* After the handler: stores the reply under the key, or replaces a lost race's 409 by the stored
 * reply. */
void idem_after(struct req *rq);

#endif
