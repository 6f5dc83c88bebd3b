/*
 * sched.h: the scheduler. One pass climbs the escalation ladder of every milestone that is due
 * (deadlines_scan, found through the index on milestones.next_at), delivers due e-mail and SMS
 * (notify_deliver), moves the ledger's stored lights to the day (ledger_lights_refresh) and folds its
 * counter deltas (ledger_counts_fold, PostgreSQL). `ducha serve` runs passes in a thread every scheduler_interval_s seconds;
 * `ducha scan` runs one pass from cron. Several nodes may run passes at once: every step and every
 * delivery is claimed in the database, so each happens once.
 */
#ifndef DUCHA_SCHED_H
#define DUCHA_SCHED_H

#include "api/req.h"

#include <stdatomic.h>

struct sched_stats {
    int steps, sent, failed;
};

/* One pass at the clock's now; ERR_OK or the first failure (message in c). When stop (may be NULL)
 * becomes true the pass ends after the batch in progress, leaving the rest to the next pass. */
enum err sched_pass(struct ctx *c, const atomic_bool *stop, struct sched_stats *out);

/* Retention (retention.c): once an hour, on the one node that claims that hour, deletes delivered
 * e-mail/SMS older than retention_outbox_days (at least 180), sessions a day past their expiry and
 * idempotency keys older than 24 h; on PostgreSQL creates the next months' partitions. ran: this call did
 * the hour's work. */
struct retention_stats {
    bool ran;
    int64_t outbox, sessions, idempotency_keys;
    int partitions; /* PostgreSQL: monthly partitions created ahead */
};
enum err retention_pass(struct ctx *c, struct retention_stats *out);

struct sched;
/* Starts the scheduler thread for app (NULL when cfg.scheduler is off). */
struct sched *sched_start(struct app *app);
/* Stops it: the pass in progress finishes, then the thread ends. NULL is ignored. */
void sched_stop(struct sched *s);

/*
 * The photo worker: a thread (named ducha-photos, at public_nice like the public pages' threads) that stores
 * the photos of public clues without their metadata after the answer (clues_photos_pass), woken by each
 * submission that left photos waiting, and every few seconds when idle.
 */
struct sched *photo_worker_start(struct app *app);
/* Stops it after the photo in progress. NULL is ignored. */
void photo_worker_stop(struct sched *w);

#endif
