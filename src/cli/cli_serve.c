/* cli_serve.c: `ducha serve`: HTTP server (and scheduler) until SIGTERM/SIGINT, then a clean stop. */
#include "audit/audit.h"
#include "base/log.h"
#include "cli/cli.h"
#include "http/http.h"
#include "sched/sched.h"

#include <signal.h>
#include <stdio.h>

int cmd_serve(struct cli *cli)
{
    char err[512];
    const char *listen = cli_opt(cli, "listen");
    const char *web = cli_opt(cli, "web");
    if (listen)
        conf_set(&cli->app.cfg, "listen", listen, err, sizeof err);
    if (web)
        conf_set(&cli->app.cfg, "web_dir", web, err, sizeof err);
    if (cli_flag(cli, "test-clock"))
        cli->app.cfg.test_clock = true;
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha serve [--listen HOST:PORT] [--web DIR] [--test-clock]");
    if (cli->app.cfg.test_clock && cli->app.cfg.test_statement_pause_ms > 0)
        store_test_pause(cli->app.store, (int)cli->app.cfg.test_statement_pause_ms);

    /* signals are taken by sigwait below, never by a worker thread */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sched *photos = photo_worker_start(&cli->app); /* before the first submission can wake it */
    struct http_server *http = http_start(&cli->app, err, sizeof err);
    if (!http) {
        photo_worker_stop(photos);
        return cli_fail("%s", err);
    }
    struct audit_sealer *sealer = audit_sealer_start(cli->app.store, &cli->app.cfg);
    struct sched *sched = sched_start(&cli->app);
    log_info("ducha %s serving http://%s (database: %s%s)", DUCHA_VERSION, cli->app.cfg.listen,
             store_kind(cli->app.store), cli->app.cfg.test_clock ? ", TEST CLOCK" : "");
    int sig = 0;
    sigwait(&set, &sig);
    log_info("signal %d: stopping", sig);
    /* the requests' statements running now or later are cut off (503): a long one does not hold up the stop */
    store_interrupt(cli->app.store);
    sched_stop(sched);
    http_stop(http);
    photo_worker_stop(photos); /* after the last submission; what is left waits for the next start */
    audit_sealer_stop(sealer); /* after the last request: its records are sealed and checkpointed */
    log_info("stopped");
    return 0;
}
