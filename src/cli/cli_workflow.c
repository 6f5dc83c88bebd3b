/*
 * cli_workflow.c: `ducha workflow` (docs/workflow.md from every registered workflow's table) and the
 * to-dos derived from them: `ducha todos rebuild`, and the rebuild a migration asks for (settings row
 * todos_rebuild) when the database is opened.
 */
#include "api/routes.h"
#include "base/log.h"
#include "cli/cli.h"
#include "workflow/workflow.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_workflow(struct cli *cli)
{
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha workflow");
    char *md = workflow_markdown(api_workflows);
    fputs(md, stdout);
    free(md);
    return 0;
}

/* The settings row a migration writes to ask for a rebuild, deleted when the rebuild is done. */
static enum err asked_done_tx(struct ctx *c, void *arg)
{
    (void)arg;
    return ctx_db_fail(c, db_exec(c->db, "DELETE FROM settings WHERE key = 'todos_rebuild'"), "重建待办事项");
}

/* Every workflow's to-dos again (workflow_todos_rebuild: a transaction per batch, so a running server's
 * writers go on); asked: a migration asked for it, and its row goes when the rebuild is done (a second node
 * starting meanwhile sees the row and rebuilds too: the same rows and counts). Prints what it did when loud.
 * 0 on success. */
static int rebuild(struct cli *cli, bool asked, bool loud)
{
    struct arena arena = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &arena);
    int64_t count = 0;
    enum err e = ERR_OK;
    for (int i = 0; api_workflows[i] && !e; i++) {
        int64_t n = 0;
        e = workflow_todos_rebuild(&c, api_workflows[i], &n);
        count += n;
    }
    if (!e && asked)
        e = ctx_tx(&c, "重建待办事项", asked_done_tx, NULL);
    int rc = 0;
    if (e)
        rc = cli_fail("todos rebuild: %s", c.msg ? c.msg : err_default_message(e));
    else if (loud || count)
        fprintf(loud ? stdout : stderr, "to-dos rebuilt for %" PRId64 " objects\n", count);
    store_release(c.db);
    arena_free(&arena);
    return rc;
}

bool cli_todos_ensure(struct cli *cli)
{
    struct arena arena = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &arena);
    int64_t asked = 0; /* a read first: a read-only standby starts without writing */
    db_one_int(c.db, &asked, "SELECT COUNT(*) FROM settings WHERE key = 'todos_rebuild'");
    store_release(c.db);
    arena_free(&arena);
    if (asked && rebuild(cli, true, false) != 0)
        log_warn("the to-dos could not be rebuilt now; the next start tries again");
    return true;
}

int cmd_todos_rebuild(struct cli *cli)
{
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha todos rebuild");
    return rebuild(cli, false, true);
}
