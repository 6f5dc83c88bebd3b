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

struct rebuild_args {
    bool only_if_asked; /* only when the settings row todos_rebuild says so (and delete it) */
    bool done;
    int64_t count;
};

/* Every workflow's to-dos again, in one transaction (a second node waits, then finds nothing asked). */
static enum err rebuild_tx(struct ctx *c, void *arg)
{
    struct rebuild_args *r = arg;
    r->count = 0; /* ctx_tx may run this again */
    if (r->only_if_asked) {
        int64_t asked = 0;
        enum err e = db_one_int(c->db, &asked, "DELETE FROM settings WHERE key = 'todos_rebuild' RETURNING 1");
        if (e == ERR_NOT_FOUND)
            return ERR_OK;
        if (e)
            return ctx_db_fail(c, e, "重建待办事项");
    }
    for (int i = 0; api_workflows[i]; i++) {
        int64_t n = 0;
        enum err e = workflow_todos_rebuild(c, api_workflows[i], &n);
        if (e)
            return e;
        r->count += n;
    }
    r->done = true;
    return ERR_OK;
}

/* Runs the rebuild; prints what it did when loud. 0 on success. */
static int rebuild(struct cli *cli, bool only_if_asked, bool loud)
{
    struct arena arena = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &arena);
    struct rebuild_args r = {only_if_asked, false, 0};
    enum err e = ctx_tx(&c, "重建待办事项", rebuild_tx, &r);
    int rc = 0;
    if (e)
        rc = cli_fail("todos rebuild: %s", c.msg ? c.msg : err_default_message(e));
    else if (r.done && (loud || r.count))
        fprintf(loud ? stdout : stderr, "to-dos rebuilt for %" PRId64 " objects\n", r.count);
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
