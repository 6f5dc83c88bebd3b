/* cli_scan.c: `ducha scan [--now ISO]`: one scheduler pass, for cron or tests. */
#include "base/timeu.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "sched/sched.h"

#include <stdio.h>
#include <time.h>

int cmd_scan(struct cli *cli)
{
    const char *now = cli_opt(cli, "now");
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha scan [--now ISO-INSTANT]");
    int64_t t = 0;
    if (now && !time_parse_iso(now, &t))
        return cli_fail("--now must be an ISO 8601 instant such as 2026-03-02T09:00:00+08:00");
    struct arena arena = ARENA_INIT;
    struct ctx c;
    if (now) {
        /* --now is the test clock: it is stored for every node that runs with --test-clock */
        cli->app.cfg.test_clock = true;
        struct db *db = store_acquire(cli->app.store);
        int rc = db_begin(db);
        if (rc >= 0 && (rc = clock_set(db, t)) >= 0)
            rc = db_commit(db);
        else
            db_rollback(db);
        store_release(db);
        if (rc < 0)
            return cli_fail("cannot set the test clock");
    }
    cli_ctx(cli, &c, &arena);
    c.client = "scheduler";
    struct sched_stats st;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    enum err e = sched_pass(&c, NULL, &st);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int rc = 0;
    if (e)
        rc = cli_fail("scan: %s", c.msg ? c.msg : err_default_message(e));
    else
        printf("ladder steps %d, sent %d, failed %d (%.2f ms)\n", st.steps, st.sent, st.failed,
               (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    store_release(c.db);
    arena_free(&arena);
    return rc;
}
