/*
 * replica.h: reads on a hot standby with read-your-writes (db_replica; GitLab's database load
 * balancer approach).
 *
 * Only the GET routes listed in replica.c (the ledger, item pages, exports, documents: reads a user
 * repeats all day) may run on the standby, and only once authentication (which may write the
 * session's last use) is done on the primary. After a request that committed, the node reads the
 * primary's WAL position and hands it to the user: a cookie `ducha_lsn` (HttpOnly, 5 minutes, so
 * that every node behind the balancer sees it) and, for bearer tokens, a table in this process. A
 * listed read runs on the standby only if the standby has replayed past that position; otherwise,
 * or when the standby does not answer, on the primary.
 */
#ifndef DUCHA_REPLICA_H
#define DUCHA_REPLICA_H

#include "api/req.h"
#include "base/buf.h"

/* Before the handler: moves rq->ctx.db to a standby connection when route r may and the standby is
 * fresh enough for this user. */
void replica_route(struct req *rq, const struct route *r);
/* After the handler: when the request committed (and a replica is configured), records the
 * position its user's next reads must wait for. */
void replica_after(struct req *rq);
/* Appends the routing counters in Prometheus text format. */
void replica_metrics(struct buf *b, struct store *s);

#endif
