/*
 * opstats.h: what an operator watches, read from the database (so every node reports the same):
 * the scheduler's backlog, the outbox, the audit chain, replication. Read-only, a handful of
 * index-backed queries; used by GET /metrics.
 */
#ifndef DUCHA_OPSTATS_H
#define DUCHA_OPSTATS_H

#include "core/ctx.h"

struct opstats {
    bool up, writable;  /* the database answered; it accepts writes */
    double sched_lag_s; /* now − the oldest milestone step that is due (0 if none is due) */
    int64_t sched_due;  /* milestone steps due now (at most 10,000 counted) */
    int64_t outbox_pending, outbox_sending, outbox_dead;
    double outbox_oldest_pending_s; /* age of the oldest pending e-mail/SMS that is due */
    int64_t audit_records;          /* length of the audit chain (highest sequence number) */
    int nreplicas;                  /* PostgreSQL primary: standbys streaming from it (see below) */
    struct opstats_replica {
        char name[64];
        char sync_state[16];
        double replay_lag_s; /* −1 when the server does not show it (grant pg_monitor) */
    } replicas[8];
    bool in_recovery;     /* PostgreSQL: this server is a standby */
    double standby_lag_s; /* on a standby: now − the last replayed commit (−1 if unknown) */
};

/* Fills out; a query that fails leaves its fields at zero. Never fails as a whole. */
void opstats_read(struct ctx *c, struct opstats *out);

#endif
