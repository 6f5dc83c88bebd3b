/* opstats.c: operational statistics read from the database; see opstats.h. */
#include "core/opstats.h"

#include <stdio.h>
#include <string.h>

/* One row of numbers from sql (no parameters but the clock where `now` is 1); false if it failed. */
static bool read_row(struct ctx *c, const char *sql, int nbind, int64_t bind, double *cols, int ncols)
{
    struct stmt *st = db_prepare(c->db, sql);
    if (!st)
        return false;
    for (int i = 1; i <= nbind; i++)
        stmt_bind_int(st, i, bind);
    bool ok = stmt_step(st) == STORE_ROW;
    for (int i = 0; ok && i < ncols; i++)
        cols[i] = stmt_is_null(st, i) ? 0 : stmt_double(st, i);
    stmt_done(st);
    return ok;
}

void opstats_read(struct ctx *c, struct opstats *o)
{
    memset(o, 0, sizeof *o);
    o->standby_lag_s = -1;
    o->up = db_probe(c->db, &o->writable) >= 0;
    if (!o->up)
        return;
    double v[4] = {0};
    /* the ladder's backlog: the index on milestones.next_at finds the oldest due step */
    if (read_row(
            c,
            "SELECT MIN(next_at), (SELECT COUNT(*) FROM (SELECT 1 FROM milestones WHERE next_at <= ? LIMIT 10000) d) "
            "FROM milestones WHERE next_at <= ?",
            2, c->now, v, 2)) {
        o->sched_lag_s = v[0] > 0 ? (double)c->now - v[0] : 0;
        o->sched_due = (int64_t)v[1];
    }
    if (read_row(c,
                 "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'pending'), "
                 "(SELECT COUNT(*) FROM outbox WHERE state = 'sending'), "
                 "(SELECT COUNT(*) FROM outbox WHERE state = 'dead'), "
                 "(SELECT MIN(next_attempt) FROM outbox WHERE state = 'pending' AND next_attempt <= ?)",
                 1, c->now, v, 4)) {
        o->outbox_pending = (int64_t)v[0];
        o->outbox_sending = (int64_t)v[1];
        o->outbox_dead = (int64_t)v[2];
        o->outbox_oldest_pending_s = v[3] > 0 ? (double)c->now - v[3] : 0;
    }
    if (read_row(c, "SELECT MAX(seq) FROM audit_log", 0, 0, v, 1))
        o->audit_records = (int64_t)v[0];
    if (strcmp(db_kind(c->db), "postgres"))
        return;
    if (read_row(c,
                 "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END, "
                 "COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), -1)",
                 0, 0, v, 2)) {
        o->in_recovery = v[0] == 1;
        o->standby_lag_s = o->in_recovery ? v[1] : -1;
    }
    /* replay_lag is shown to members of pg_monitor (or superusers) only */
    struct stmt *st = db_prepare(c->db, "SELECT application_name, sync_state, "
                                        "COALESCE(EXTRACT(EPOCH FROM replay_lag), -1) FROM pg_stat_replication "
                                        "ORDER BY application_name LIMIT 8");
    while (st && o->nreplicas < 8 && stmt_step(st) == STORE_ROW) {
        struct opstats_replica *r = &o->replicas[o->nreplicas++];
        snprintf(r->name, sizeof r->name, "%s", stmt_text(st, 0) ? stmt_text(st, 0) : "");
        snprintf(r->sync_state, sizeof r->sync_state, "%s", stmt_text(st, 1) ? stmt_text(st, 1) : "unknown");
        r->replay_lag_s = stmt_double(st, 2);
    }
    stmt_done(st);
}
