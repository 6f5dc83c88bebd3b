/* fuzz_world.c: the shared world of the fuzz targets; see fuzz_world.h. */
#include "fuzz_world.h"

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/log.h"
#include "cli/cli.h"
#include "core/clock.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct fuzz_world W;

static void die(const char *what)
{
    fprintf(stderr, "fuzz world: %s\n", what);
    abort();
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* the temporary directory goes with the process (a fuzzer's crash leaves it for a look) */
static void remove_dir(void)
{
    nftw(W.dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

struct fuzz_world *fuzz_world(void)
{
    if (W.app.store)
        return &W;
    snprintf(W.dir, sizeof W.dir, "/tmp/ducha-fuzz-XXXXXX");
    if (!mkdtemp(W.dir))
        die("mkdtemp");
    atexit(remove_dir);
    char db[512];
    snprintf(db, sizeof db, "%s/fuzz.db", W.dir);
    setenv("DUCHA_AUDIT_KEY", "fuzz-audit-key-0123456789", 1);
    setenv("DUCHA_SECRET_KEY", "fuzz-secret-key-0123456789", 1);
    setenv("DUCHA_DATA_DIR", W.dir, 1);
    setenv("DUCHA_LOG_LEVEL", "error", 1);
    setenv("DUCHA_PASSWORD_HASH_COST", "minimal", 1); /* the demo's accounts: argon2 at its cheapest */
    /* the demo city, quietly */
    int out = dup(STDOUT_FILENO), devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    char *argv[] = {"ducha", "demo", "--db", db, NULL};
    int rc = cli_main(4, argv);
    fflush(stdout);
    dup2(out, STDOUT_FILENO);
    close(out);
    close(devnull);
    if (rc != 0)
        die("ducha demo failed");
    char err[512];
    conf_defaults(&W.app.cfg);
    if (!conf_load_env(&W.app.cfg, err, sizeof err) || !conf_set(&W.app.cfg, "db", db, err, sizeof err))
        die(err);
    W.app.cfg.test_clock = true;
    log_set_level(LOG_ERROR);
    modules_init();
    struct store_options opt = {.pool_size = 4, .busy_timeout_ms = 10000};
    if (store_open(db, &opt, &W.app.store, err, sizeof err) || store_migrate(W.app.store, err, sizeof err))
        die(err);
    struct arena a = ARENA_INIT;
    struct ctx c;
    fuzz_ctx(&c, &a);
    if (audit_open(&c) || auth_token_create(&c, "admin", "fuzz", W.top_token, NULL) ||
        auth_token_create(&c, "gc_office", "fuzz", W.office_token, NULL))
        die(c.msg ? c.msg : "tokens");
    fuzz_ctx_done(&c, &a);
    return &W;
}

void fuzz_ctx(struct ctx *c, struct arena *a)
{
    memset(c, 0, sizeof *c);
    c->arena = a;
    c->cfg = &W.app.cfg;
    c->client = "fuzz";
    c->db = store_acquire(W.app.store);
    c->now = clock_now(c->db, c->cfg);
}

void fuzz_ctx_done(struct ctx *c, struct arena *a)
{
    store_release(c->db);
    arena_free(a);
}

/* libFuzzer calls this once before the first input (and tests/fuzz/replay.c does too): the world is made
 * here, outside any input's time limit. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_world();
    return 0;
}
