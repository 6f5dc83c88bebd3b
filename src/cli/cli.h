/*
 * cli.h: the command-line interface. Every subcommand takes --db URL (default ./data/ducha.db,
 * also DUCHA_DB), --config FILE (default ./ducha.conf if present, also DUCHA_CONFIG) and --help;
 * exits 0 on success, non-zero with one line on stderr otherwise.
 */
#ifndef DUCHA_CLI_H
#define DUCHA_CLI_H

#include "api/req.h"

#include <stdbool.h>

/* What a command gets after the shared options are parsed. */
struct cli {
    struct app app;
    int argc; /* remaining arguments (positional and command-specific options) */
    char **argv;
    bool tty; /* stderr is a terminal: show progress */
};

struct cli_command {
    const char *name; /* "user add" */
    int (*run)(struct cli *cli);
    const char *usage; /* arguments after the name */
    const char *help;  /* one paragraph */
    bool no_db;        /* does not open the database */
};

/* Opens the store and migrates; prints an error and returns false on failure. */
bool cli_open(struct cli *cli);
/* A ctx for the system acting from the CLI (arena and db owned by the caller). */
void cli_ctx(struct cli *cli, struct ctx *c, struct arena *a);
/* Prints "ducha: msg" on stderr and returns 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Finds --name VALUE or --name=VALUE among cli->argv (removing it); NULL if absent. */
const char *cli_opt(struct cli *cli, const char *name);
/* Finds a flag --name (removing it). */
bool cli_flag(struct cli *cli, const char *name);
/* True if unknown --options remain (then an error was printed). */
bool cli_leftover_options(struct cli *cli);
/* Progress on a terminal only: "label: done/total". */
void cli_progress(struct cli *cli, const char *label, long done, long total);

int cli_main(int argc, char **argv);
/* Wires the modules together (cli_modules.c): every registration, once. cli_main calls it first. */
void modules_init(void);

/* commands (cli_*.c) */
int cmd_serve(struct cli *cli);
int cmd_init(struct cli *cli);
int cmd_demo(struct cli *cli);
int cmd_user_add(struct cli *cli);
int cmd_user_passwd(struct cli *cli);
int cmd_token_create(struct cli *cli);
int cmd_token_list(struct cli *cli);
int cmd_token_revoke(struct cli *cli);
int cmd_import_units(struct cli *cli);
int cmd_backup(struct cli *cli);
int cmd_audit_verify(struct cli *cli);
int cmd_audit_checkpoint(struct cli *cli);
int cmd_audit_restored(struct cli *cli);
int cmd_version(struct cli *cli);
int cmd_scan(struct cli *cli);
int cmd_migrate_data(struct cli *cli);
int cmd_attachments_verify(struct cli *cli);
int cmd_routes(struct cli *cli);
int cmd_config(struct cli *cli);
int cmd_gen(struct cli *cli);
/* Years of plans and inspections on a generated database (cli_gen_inspections.c). */
int cmd_gen_inspections(struct cli *cli);
int cmd_ledger_check(struct cli *cli);
int cmd_ledger_rebuild(struct cli *cli);
int cmd_ledger_lights(struct cli *cli);
int cmd_workflow(struct cli *cli);
int cmd_todos_rebuild(struct cli *cli);
/* Rebuilds the to-dos when a migration asked for it (cli_workflow.c); a failure is logged (the next start
 * tries again) and does not stop the command. Returns true. */
bool cli_todos_ensure(struct cli *cli);
/* Demo supervision items in several states (cli_demo_items.c); 0 on success. */
int demo_items(struct ctx *c);
/* Acts as the demo user `username` from now on (c->user); 0 on success. */
int demo_as_user(struct ctx *c, const char *username);
/* Demo results of 古城县 (cli_demo_results.c), all in final states: a praise, a criticism and a talk held and
 * followed up, resting on the demo items, and the issued bulletin of this month naming them; 0 on success. */
int demo_results(struct ctx *c);
/* Last of the demo: an item of 交通运输局 assigned 45 days ago and reported at 10 %, with the early warnings it
 * raises (cli_demo_items.c), and a talk (约谈) about it awaiting the principal leader (cli_demo_results.c). */
int demo_items_at_risk(struct ctx *c);
int demo_results_pending(struct ctx *c);
/* The year behind the demo: items of 古城县 registered, handled, pressed, returned and completed over the past
 * months (cli_demo_items.c), then the praise, criticism and quarterly bulletin of that year, the draft card
 * counted again and the early warnings' pass (cli_demo_results.c). */
int demo_items_history(struct ctx *c);
int demo_results_history(struct ctx *c);
/* Demo inspections: a year of plans and inspections for 古城县 and 安平县 (cli_demo_inspections.c). */
int demo_inspections(struct ctx *c);
/* Demo clues (互联网+督查) of 古城县 in every state (cli_demo_clues.c). */
int demo_clues(struct ctx *c);
int cmd_document_render(struct cli *cli);
int cmd_verify(struct cli *cli);

#endif
