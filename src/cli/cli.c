/* cli.c: subcommand dispatch, shared options and configuration loading. */
#include "cli/cli.h"

#include "audit/audit.h"
#include "base/log.h"
#include "base/timeu.h"
#include "core/clock.h"
#include "crypto/password.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_command commands[] = {
    {"serve", cmd_serve, "[--listen HOST:PORT] [--web DIR] [--test-clock]",
     "Runs the HTTP API, the web application and the scheduler until SIGTERM or SIGINT.", false},
    {"init", cmd_init, "", "Creates the database (if needed) and applies every migration.", false},
    {"demo", cmd_demo, "",
     "Fills an empty database with a demo city: two counties, townships, departments, supervision offices and "
     "one user per role; prints the logins.",
     false},
    {"user add", cmd_user_add,
     "USERNAME --name NAME --role ROLE@UNIT_CODE [--role ...] [--portfolio UNIT_CODE ...] --password-stdin",
     "Creates a user with role grants; the password is read from standard input.", false},
    {"user passwd", cmd_user_passwd, "USERNAME --password-stdin", "Sets a user's password (read from standard input).",
     false},
    {"token create", cmd_token_create, "USERNAME [--name NAME]",
     "Creates an API token for integrations and prints it alone on standard output.", false},
    {"token list", cmd_token_list, "USERNAME",
     "Lists a user's API tokens (id, active or revoked, created, last used, name); never their secrets.", false},
    {"token revoke", cmd_token_revoke, "ID",
     "Revokes one API token (audited): its next request, on any node, gets 401. Other tokens stay.", false},
    {"import units", cmd_import_units, "FILE.csv",
     "Imports units from CSV with the header code,name,kind,parent_code,principal,contact; all rows or none.", false},
    {"backup", cmd_backup, "FILE", "Writes a consistent copy of the SQLite database to FILE (online, while serving).",
     false},
    {"audit verify", cmd_audit_verify, "[--checkpoints FILE]",
     "Checks the audit trail: every record's HMAC-SM3 chain hash (with the audit key), and every signed checkpoint "
     "of FILE (default: audit_checkpoint_file, else those kept in the database): its SM2 signature, that the records "
     "before it give its Merkle root, and that each checkpoint extends the one before (consistency proofs). Names the "
     "first record that was altered, removed or inserted.",
     false},
    {"audit checkpoint", cmd_audit_checkpoint, "",
     "Seals the waiting audit records and signs a checkpoint of the audit log now (if it grew): into the database "
     "and appended to the checkpoint file.",
     false},
    {"audit restored", cmd_audit_restored, "",
     "After restoring the database from a backup older than the last signed checkpoints: checks that the restored "
     "trail verifies up to its end against the checkpoint file (audit_checkpoint_file), then records the restore in "
     "the trail (\"audit.restored\": how many records it holds, the checkpoints of the lost tail) and signs a "
     "checkpoint, so that `audit verify` passes and reports the restore. Refuses (exit 1) a trail that fails for "
     "any other reason; does nothing when no checkpoint lies beyond the trail. Run it before starting the service.",
     false},
    {"scan", cmd_scan, "[--now ISO-INSTANT]",
     "Runs one scheduler pass (reminders, escalation ladder, e-mail and SMS delivery) and exits; for cron. "
     "--now sets the test clock first (test deployments only).",
     false},
    {"document render", cmd_document_render, "KIND MODEL.json OUT.pdf",
     "Renders an official document (notice, reminder, record, list) from a JSON model, without a database "
     "(see docs/documents.md).",
     true},
    {"verify", cmd_verify, "ARCHIVE.zip | SIGNATURE.json | SIGNATURE_ID",
     "Checks an archive file offline (every member's SM3, the manifest seal, the audit sub-chain, every "
     "signature) or one seal signature, and names what does not match; exits non-zero on any mismatch.",
     true},
    {"migrate-data", cmd_migrate_data, "--from sqlite:PATH --to postgres://USER@HOST:PORT/DB",
     "Copies every row of a ducha database (ids, audit chain) into a new, empty one, e.g. a county's SQLite file "
     "into the central PostgreSQL; both are migrated first; all or nothing.",
     true},
    {"attachments verify", cmd_attachments_verify, "",
     "Checks that every attachment the database records has its file under data_dir with the recorded size and "
     "SM3 (after restoring a backup); names what is missing or altered.",
     false},
    {"workflow", cmd_workflow, "",
     "Prints every workflow (docs/workflow.md): transition tables, who must act, who is told.", true},
    {"todos rebuild", cmd_todos_rebuild, "",
     "Recomputes every object's to-dos from its state (after a bulk import); no messages are sent.", false},
    {"gen", cmd_gen, "[--units N] [--items N] [--events N]",
     "Fills an empty database with a deterministic province-sized dataset for benchmarks (default 10,000 units, "
     "1,000,000 items, 5,000,000 events).",
     false},
    {"gen-inspections", cmd_gen_inspections, "[--years N] [--per-year N]",
     "Adds years of annual plans and inspections (default 10 years, 24 proposals a year) for every government of a "
     "database made by gen, for the duplicate check's benchmark (scripts/bench.d/inspections.sh).",
     false},
    {"ledger check", cmd_ledger_check, "",
     "Recounts the ledger's scope rows and counters from the items and prints any difference (exit 1 if any).", false},
    {"ledger rebuild", cmd_ledger_rebuild, "",
     "Recomputes the ledger's scope rows, counters and search index from the items, in one transaction.", false},
    {"ledger lights", cmd_ledger_lights, "",
     "Moves the stored lights to today now, as the scheduler does when a day passes (run it after migrating a "
     "large database, so that the first light= read is an index read).",
     false},
    {"version", cmd_version, "", "Prints the version.", true},
    {"config", cmd_config, "",
     "Prints every configuration key with its current value and meaning: a sample ducha.conf.", true},
    {"routes", cmd_routes, "[--json]",
     "Prints every API route: method, path, required capability, summary (--json: also flags and the access "
     "declaration the authorization matrix test reads).",
     true},
};

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ducha: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static void cli_remove(struct cli *cli, int i, int n)
{
    memmove(&cli->argv[i], &cli->argv[i + n], sizeof *cli->argv * (size_t)(cli->argc - i - n));
    cli->argc -= n;
}

const char *cli_opt(struct cli *cli, const char *name)
{
    size_t nl = strlen(name);
    for (int i = 0; i < cli->argc; i++) {
        const char *a = cli->argv[i];
        if (strncmp(a, "--", 2) || strncmp(a + 2, name, nl))
            continue;
        if (a[2 + nl] == '=') {
            cli_remove(cli, i, 1);
            return a + 3 + nl;
        }
        if (a[2 + nl] == 0 && i + 1 < cli->argc) {
            const char *v = cli->argv[i + 1];
            cli_remove(cli, i, 2);
            return v;
        }
    }
    return NULL;
}

bool cli_flag(struct cli *cli, const char *name)
{
    for (int i = 0; i < cli->argc; i++)
        if (!strncmp(cli->argv[i], "--", 2) && !strcmp(cli->argv[i] + 2, name)) {
            cli_remove(cli, i, 1);
            return true;
        }
    return false;
}

bool cli_leftover_options(struct cli *cli)
{
    for (int i = 0; i < cli->argc; i++)
        if (!strncmp(cli->argv[i], "--", 2)) {
            cli_fail("unknown option %s (see --help)", cli->argv[i]);
            return true;
        }
    return false;
}

void cli_progress(struct cli *cli, const char *label, long done, long total)
{
    if (!cli->tty)
        return;
    if (total > 0)
        fprintf(stderr, "\r%s: %ld/%ld (%ld%%)%s", label, done, total, done * 100 / total, done >= total ? "\n" : "");
    else
        fprintf(stderr, "\r%s: %ld", label, done);
}

static bool cli_audit_open(struct cli *cli);

/* serve: not on a copy whose ledger fill did not finish (migrate_data_fill, src/cli/cli_migrate.c): its
 * derived tables (scope rows, counters, figures, search) may be empty */
static bool cli_copy_finished(struct cli *cli)
{
    struct db *db = store_acquire(cli->app.store);
    int64_t unfinished = 0;
    enum err e = db_one_int(db, &unfinished, "SELECT COUNT(*) FROM migrate_data_fill");
    store_release(db);
    if (!e && unfinished)
        cli_fail("this database holds a copy whose ledger fill did not finish (ducha migrate-data failed): run the "
                 "same migrate-data again before starting the service");
    return e || !unfinished;
}

/* cli_open; wait: keep trying while the database is unreachable or read-only (serve) */
static bool cli_open_store(struct cli *cli, bool wait)
{
    struct store_options opt = {.pool_size = (int)cli->app.cfg.db_pool,
                                .busy_timeout_ms = (int)cli->app.cfg.db_busy_timeout_ms,
                                .mmap_mb = (int)cli->app.cfg.db_mmap_mb,
                                .no_prepare = !cli->app.cfg.db_prepare,
                                .commit_timeout_ms = (int)cli->app.cfg.db_commit_timeout_ms,
                                .statement_timeout_ms = (int)cli->app.cfg.db_statement_timeout_ms,
                                /* the deadline is a request's (serve): a command (ledger check, scan, gen …) runs
                                 * its statements to the end, as migrate-data does */
                                .no_statement_timeout = !wait};
    char err[512];
    /* serve waits for the database (started before PostgreSQL, or during a failover) instead of
     * exiting: 1, 2, 4 … 30 s between attempts, until SIGTERM */
    for (int delay = 1;; delay = delay < 16 ? delay * 2 : 30) {
        enum err e = cli->app.store ? ERR_OK : store_open(cli->app.cfg.db, &opt, &cli->app.store, err, sizeof err);
        if (!e && wait && *cli->app.cfg.db_replica && !store_has_replica(cli->app.store) &&
            (e = store_open_replica(cli->app.store, cli->app.cfg.db_replica, err, sizeof err)) != ERR_OK) {
            cli_fail("%s", err);
            return false;
        }
        if (!e)
            e = store_migrate(cli->app.store, err, sizeof err);
        if (!e)
            return (!wait || cli_copy_finished(cli)) && cli_audit_open(cli) &&
                   cli_todos_ensure(cli); /* a migration may ask for the to-dos to be
                                                                  * derived again */
        if (!wait || e != ERR_UNAVAILABLE) {
            cli_fail("%s", err);
            return false;
        }
        log_warn("database not ready (%s); trying again in %d s", err, delay);
        sleep((unsigned)delay);
    }
}

/* Makes the audit trail ready for the configured key (audit_open); false (message printed) if the
 * trail was sealed with another key. */
static bool cli_audit_open(struct cli *cli)
{
    struct arena a = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &a);
    enum err e = audit_open(&c);
    if (e)
        cli_fail("%s", c.msg ? c.msg : err_default_message(e));
    store_release(c.db);
    arena_free(&a);
    return e == ERR_OK;
}

/* Seals the audit records the command wrote (a server's sealer would too; a command may run alone). */
static void cli_seal(struct cli *cli)
{
    struct arena a = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &a);
    enum err e = audit_seal(&c, 0, NULL);
    if (e)
        log_warn("sealing the audit records: %s", c.msg ? c.msg : err_default_message(e));
    store_release(c.db);
    arena_free(&a);
}

bool cli_open(struct cli *cli)
{
    return cli_open_store(cli, false);
}

void cli_ctx(struct cli *cli, struct ctx *c, struct arena *a)
{
    memset(c, 0, sizeof *c);
    c->arena = a;
    c->cfg = &cli->app.cfg;
    c->client = "cli";
    c->db = store_acquire(cli->app.store);
    c->now = clock_now(c->db, &cli->app.cfg);
}

/*
 * A key kept outside the database: the configuration key `name`, else DATA_DIR/file (one line). When
 * neither exists and create is set, the file is made (32 random bytes as hex, mode 0600). The key is
 * never printed. Returns false (message printed) only when the file exists but cannot be read, or
 * cannot be created.
 *   secret_key / secret.key: protects stored seal private keys; `ducha init` and `ducha demo` create it,
 *     so that a new installation seals completion replies from the start.
 *   audit_key / audit.key: keys the audit chain and its checkpoints; created by every command that
 *     writes (a trail is never unkeyed), never by `ducha audit verify`.
 */
static bool cli_key_file(struct cli *cli, const char *name, const char *file, bool create)
{
    struct config *cfg = &cli->app.cfg;
    const struct conf_key *k = NULL;
    for (const struct conf_key *p = conf_keys; p->name && !k; p++)
        if (!strcmp(p->name, name))
            k = p;
    const char *have = *(char *const *)((const char *)cfg + k->offset);
    if (have && *have)
        return true;
    char path[1024], key[256];
    snprintf(path, sizeof path, "%s/%s", cfg->data_dir, file);
    FILE *f = fopen(path, "r");
    if (f) {
        bool ok = fgets(key, sizeof key, f) != NULL;
        fclose(f);
        key[strcspn(key, "\r\n")] = 0;
        if (!ok || strlen(key) < 16) {
            cli_fail("%s is empty or too short", path);
            return false;
        }
    } else {
        if (!create)
            return true;
        unsigned char raw[32];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(key, sizeof key, raw, sizeof raw);
        mkdir(cfg->data_dir, 0750);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, key, strlen(key)) != (ssize_t)strlen(key) || write(fd, "\n", 1) != 1) {
            if (fd >= 0)
                close(fd);
            cli_fail("cannot write %s: %s", path, strerror(errno));
            return false;
        }
        close(fd);
        fprintf(stderr, "generated the key file %s (keep it with the backups; every node needs the same)\n", path);
    }
    char err[64];
    conf_set(cfg, name, key, err, sizeof err);
    sodium_memzero(key, sizeof key);
    return true;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "ducha %s: 政府督查督办管理系统 (government supervision and follow-up)\n\nUsage: ducha COMMAND [options]\n\n",
        DUCHA_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].usage);
    fprintf(f, "\nShared options: --db URL (default ./data/ducha.db; DUCHA_DB), --config FILE (DUCHA_CONFIG), "
               "--set KEY=VALUE, --help\nRun 'ducha COMMAND --help' for details.\n");
}

/*
 * A command that reads or changes a database does not make one: on a mistyped --db, `audit verify` made an empty
 * database and reported every record of the trail removed, `ledger check` found no difference. init, demo and gen
 * make the file, and serve (a new deployment's first start); PostgreSQL's databases are made by its tools.
 */
static bool cli_db_exists(struct cli *cli, const struct cli_command *cmd)
{
    const char *db = cli->app.cfg.db;
    if (cmd->run == cmd_init || cmd->run == cmd_demo || cmd->run == cmd_gen || cmd->run == cmd_serve ||
        !strncmp(db, "postgres://", 11) || !strncmp(db, "postgresql://", 13))
        return true;
    const char *path = strncmp(db, "sqlite:", 7) ? db : db + 7;
    struct stat st;
    if (!*path || !strncmp(path, "file:", 5) || !strcmp(path, ":memory:") || stat(path, &st) == 0)
        return true;
    cli_fail("database file '%s' does not exist (create it with `ducha init`, or check --db and the db setting)", path);
    return false;
}

int cli_main(int argc, char **argv)
{
    modules_init();
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    const struct cli_command *cmd = NULL;
    int used = 0;
    for (size_t i = 0; i < sizeof commands / sizeof *commands && !cmd; i++) {
        const char *name = commands[i].name, *sp = strchr(name, ' ');
        if (!sp && !strcmp(argv[1], name)) {
            cmd = &commands[i];
            used = 2;
        } else if (sp && argc > 2 && !strncmp(argv[1], name, (size_t)(sp - name)) && !argv[1][sp - name] &&
                   !strcmp(argv[2], sp + 1)) {
            cmd = &commands[i];
            used = 3;
        }
    }
    if (!cmd) {
        /* the first word of commands that have a second one (ledger check, token create …): name those */
        char subs[256] = "";
        size_t n1 = strlen(argv[1]);
        for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
            const char *name = commands[i].name;
            if (!strncmp(name, argv[1], n1) && name[n1] == ' ' && strlen(subs) + strlen(name) < sizeof subs - 3)
                snprintf(subs + strlen(subs), sizeof subs - strlen(subs), "%s%s", *subs ? ", " : "", name + n1 + 1);
        }
        if (*subs)
            cli_fail("'%s' needs one of: %s (see ducha --help)", argv[1], subs);
        else
            cli_fail("unknown command '%s' (see ducha --help)", argv[1]);
        return 2;
    }
    struct cli cli = {0};
    cli.argc = argc - used;
    cli.argv = xcalloc((size_t)cli.argc + 1, sizeof *cli.argv);
    memcpy(cli.argv, argv + used, sizeof *cli.argv * (size_t)cli.argc);
    cli.tty = isatty(STDERR_FILENO);
    int rc = 1;
    if (cli_flag(&cli, "help") || cli_flag(&cli, "h")) {
        printf("Usage: ducha %s %s\n\n%s\n\nShared options: --db URL, --config FILE, --set KEY=VALUE\n", cmd->name,
               cmd->usage, cmd->help);
        free(cli.argv);
        return 0;
    }

    /* configuration: defaults < file < environment < flags */
    char err[512];
    conf_defaults(&cli.app.cfg);
    const char *conf = cli_opt(&cli, "config");
    if (!conf)
        conf = getenv("DUCHA_CONFIG");
    if (!conf_load_file(&cli.app.cfg, conf ? conf : "ducha.conf", conf != NULL, err, sizeof err) ||
        !conf_load_env(&cli.app.cfg, err, sizeof err)) {
        cli_fail("%s", err);
        goto out;
    }
    const char *db = cli_opt(&cli, "db");
    if (db)
        conf_set(&cli.app.cfg, "db", db, err, sizeof err);
    const char *set;
    while ((set = cli_opt(&cli, "set"))) {
        char key[128];
        const char *eq = strchr(set, '=');
        if (!eq || (size_t)(eq - set) >= sizeof key) {
            cli_fail("--set needs KEY=VALUE");
            goto out;
        }
        memcpy(key, set, (size_t)(eq - set));
        key[eq - set] = 0;
        if (!conf_set(&cli.app.cfg, key, eq + 1, err, sizeof err)) {
            cli_fail("%s", err);
            goto out;
        }
    }
    if (!cli_key_file(&cli, "secret_key", "secret.key", cmd->run == cmd_init || cmd->run == cmd_demo) ||
        (!cmd->no_db && !cli_key_file(&cli, "audit_key", "audit.key", cmd->run != cmd_audit_verify)))
        goto out;
    int lvl = log_level_parse(cli.app.cfg.log_level);
    if (lvl < 0) {
        cli_fail("log_level must be debug, info, warn or error");
        goto out;
    }
    log_set_level((enum log_level)lvl);
    if (!password_set_cost(cli.app.cfg.password_hash_cost)) {
        cli_fail("password_hash_cost must be interactive, moderate, sensitive or minimal (not '%s')",
                 cli.app.cfg.password_hash_cost);
        goto out;
    }
    if (cmd->run == cmd_serve && !strcmp(cli.app.cfg.password_hash_cost, "minimal"))
        log_warn("password_hash_cost=minimal: new password hashes are cheap to crack; for test suites only");
    if (!time_set_zone(cli.app.cfg.timezone)) {
        cli_fail("unknown time zone '%s'", cli.app.cfg.timezone);
        goto out;
    }
    if (!cmd->no_db && !cli_db_exists(&cli, cmd))
        goto out;
    if (!cmd->no_db && !cli_open_store(&cli, cmd->run == cmd_serve))
        goto out;
    rc = cmd->run(&cli);
    if (cli.app.store && cmd->run != cmd_serve)
        cli_seal(&cli);
out:
    store_close(cli.app.store);
    conf_free(&cli.app.cfg);
    free(cli.argv);
    return rc;
}
