/* sched.c: scheduler passes and the scheduler thread; see sched.h. */
#include "sched/sched.h"

#include "base/log.h"
#include "clues/clues.h"
#include "deadlines/deadlines.h"
#include "docs/itemdocs.h"
#include "inspections/inspections.h"
#include "items/ledger.h"
#include "core/clock.h"
#include "notify/notify.h"
#include "results/results.h"
#include "webhooks/webhooks.h"

#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 500

/* The value of the test hook's setting (test_hold_pass), or "" (arena). */
static const char *hold_value(struct ctx *c)
{
    const char *v = NULL;
    if (db_one_text(c->db, c->arena, &v, "SELECT value FROM settings WHERE key = 'test_hold_pass'") || !v)
        return "";
    return v;
}

/*
 * A test hook, only with the test clock (tests/api/test_ledger_scale.py): while the setting test_hold_pass is
 * `want`, the pass logs `said` once and waits (it reads, never writes, and holds no transaction), so that a
 * test changes the clock between the moment the pass read its clock and its lights refresh, deterministically:
 * at `lights` the pass holds before its lights, at `go` it refreshes them and holds after them, at `warnings`
 * it runs the early warnings and holds after them. Returns whether it held.
 */
static bool test_hold(struct ctx *c, const atomic_bool *stop, const char *want, const char *said)
{
    if (!c->cfg->test_clock || strcmp(hold_value(c), want))
        return false;
    log_info("scheduler pass: %s (test_hold_pass)", said);
    for (int i = 0; i < 6000 && !(stop && atomic_load(stop)) && !strcmp(hold_value(c), want); i++)
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    return true;
}

/* The pass's clock, read again before each of its phases: a PUT /api/v1/admin/clock (or midnight) while a
 * pass runs must not have its later phases act on the instant it started at — ladder steps due by then, the
 * early warnings of that day — after the clock moved on (the lights take theirs under their own lock). */
static void pass_clock(struct ctx *c)
{
    if (c->cfg)
        c->now = clock_now(c->db, c->cfg);
}

enum err sched_pass(struct ctx *c, const atomic_bool *stop, struct sched_stats *out)
{
    *out = (struct sched_stats){0};
    int steps;
    enum err e;
    /* ladder first, so that the notices it queues can leave in the same pass */
    do {
        pass_clock(c);
        e = deadlines_scan(c, BATCH, &steps);
        out->steps += steps;
    } while (!e && steps >= BATCH && !(stop && atomic_load(stop)));
    if (e)
        return e;
    /* the look-backs (回头看) that are due open as drafts, their notices leaving in this pass */
    int opened;
    do {
        e = insp_scan(c, 100, &opened);
        out->steps += opened;
    } while (!e && opened >= 100 && !(stop && atomic_load(stop)));
    if (e)
        return e;
    int sent, failed;
    do {
        e = notify_deliver(c, 50, &sent, &failed);
        out->sent += sent;
        out->failed += failed;
    } while (!e && sent + failed >= 50 && !(stop && atomic_load(stop)));
    if (e)
        return e;
    do {
        e = webhooks_deliver(c, 20, &sent, &failed);
        out->sent += sent;
        out->failed += failed;
    } while (!e && sent + failed >= 20 && !(stop && atomic_load(stop)));
    if (e)
        return e;
    /* the ledger's stored lights move when a day passed; PostgreSQL's counter deltas into the
     * ledger's counters (readers add what is left) */
    int64_t lights;
    int folded;
    bool held = test_hold(c, stop, "lights", "held before the lights");
    if ((e = ledger_lights_refresh(c, &lights)) || (e = ledger_counts_fold(c, &folded)))
        return e;
    if (held)
        test_hold(c, stop, "go", "held after the lights");
    /* early warning: the flags of the items whose timeline moved, and once a day of every running item */
    int warned;
    pass_clock(c);
    if ((e = warnings_pass(c, stop, &warned)))
        return e;
    if (held)
        test_hold(c, stop, "warnings", "held after the warnings");
    /* archive files queued and not built: their archiving request failed to or its process died (outside any
     * write transaction, each recorded in a short one) */
    int archived;
    pass_clock(c);
    if ((e = docs_archive_pass(c, stop, 20, &archived)))
        return e;
    out->steps += archived;
    pass_clock(c);
    struct retention_stats rs;
    if ((e = retention_pass(c, &rs)))
        return e;
    return clues_sched(c);
}

struct sched {
    struct app *app;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_bool stop;
    bool wake; /* the photo worker: work came in */
};

/* A unit of work's ctx as the system, its connection from the pool (ctx_done gives both back). */
static struct ctx ctx_open(struct sched *s, struct arena *arena)
{
    struct ctx c = {.arena = arena, .cfg = &s->app->cfg, .client = "scheduler"};
    c.db = store_acquire(s->app->store);
    c.now = clock_now(c.db, c.cfg);
    return c;
}

static void ctx_done(struct ctx *c)
{
    store_release(c->db);
    arena_free(c->arena);
}

/* Waits seconds, or until woken (s->wake) or stopped; true when stopped. */
static bool rest(struct sched *s, int64_t seconds)
{
    pthread_mutex_lock(&s->mu);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds;
    while (!atomic_load(&s->stop) && !s->wake && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
        ;
    s->wake = false;
    bool stop = atomic_load(&s->stop);
    pthread_mutex_unlock(&s->mu);
    return stop;
}

static void *sched_main(void *arg)
{
    struct sched *s = arg;
    /* the first pass is always logged, also when it did nothing: the test harness waits for its line so
     * that what a pass on the start date does (the demo data's reminders, to-dos, messages) is done
     * before a test counts anything (tests/api/conftest.py, Server) */
    bool first = true;
    do {
        struct arena arena = ARENA_INIT;
        struct ctx c = ctx_open(s, &arena);
        struct sched_stats st;
        enum err e = sched_pass(&c, &s->stop, &st);
        if (e)
            log_warn("scheduler pass: %s", c.msg ? c.msg : err_default_message(e));
        else if (first || st.steps || st.sent || st.failed)
            log_info("scheduler pass: %d ladder steps, %d sent, %d failed", st.steps, st.sent, st.failed);
        first = false;
        ctx_done(&c);
    } while (!rest(s, s->app->cfg.scheduler_interval_s > 0 ? s->app->cfg.scheduler_interval_s : 60));
    return NULL;
}

static struct sched *thread_start(struct app *app, void *(*main)(void *), const char *what)
{
    struct sched *s = xcalloc(1, sizeof *s);
    s->app = app;
    atomic_init(&s->stop, false);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thread, NULL, main, s) != 0) {
        log_error("cannot start the %s thread", what);
        free(s);
        return NULL;
    }
    return s;
}

struct sched *sched_start(struct app *app)
{
    return app->cfg.scheduler ? thread_start(app, sched_main, "scheduler") : NULL;
}

void sched_stop(struct sched *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    atomic_store(&s->stop, true);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

/* ---- the photo worker ---- */

/* Idle, a pass every PHOTO_POLL_S: the photos another node claimed and left when it died, or that a process
 * without a worker left waiting. */
#define PHOTO_POLL_S 5

static void photo_wake(void *arg)
{
    struct sched *s = arg;
    pthread_mutex_lock(&s->mu);
    s->wake = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void *photo_main(void *arg)
{
    struct sched *s = arg;
    pthread_setname_np(pthread_self(), "ducha-photos");
    /* at the public pages' priority (public_nice): the office's requests first when the cores are short */
    int64_t nice = s->app->cfg.public_nice < 19 ? s->app->cfg.public_nice : 19;
    if (nice > 0) {
        errno = 0;
        int base = getpriority(PRIO_PROCESS, 0); /* Linux: this thread's */
        if ((base != -1 || !errno) && setpriority(PRIO_PROCESS, 0, base + (int)nice > 19 ? 19 : base + (int)nice))
            log_warn("cannot lower the photo worker's CPU priority: %s", strerror(errno));
    }
    do {
        struct arena arena = ARENA_INIT;
        struct ctx c = ctx_open(s, &arena);
        int done = 0;
        enum err e = clues_photos_pass(&c, &s->stop, &done);
        if (e)
            log_warn("photo worker: %s", c.msg ? c.msg : err_default_message(e));
        else if (done)
            log_info("photo worker: %d photos of clues settled", done);
        ctx_done(&c);
    } while (!rest(s, PHOTO_POLL_S));
    return NULL;
}

struct sched *photo_worker_start(struct app *app)
{
    struct sched *s = thread_start(app, photo_main, "photo worker");
    if (s)
        clues_photos_on_queued(photo_wake, s);
    return s;
}

void photo_worker_stop(struct sched *s)
{
    clues_photos_on_queued(NULL, NULL);
    sched_stop(s);
}
