/* cli_gen.c: `ducha gen`: the demo data plus a deterministic province-sized benchmark dataset. */
#include "cli/cli.h"
#include "items/items.h"

#include <stdio.h>
#include <stdlib.h>

static void gen_progress(void *arg, const char *what, long done, long total)
{
    cli_progress(arg, what, done, total);
}

static bool count_opt(struct cli *cli, const char *name, int64_t def, int64_t *out)
{
    const char *v = cli_opt(cli, name);
    *out = def;
    if (!v)
        return true;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end || n < 0)
        return false;
    *out = n;
    return true;
}

int cmd_gen(struct cli *cli)
{
    int64_t units, items, events, seed;
    if (!count_opt(cli, "units", 10000, &units) || !count_opt(cli, "items", 1000000, &items) ||
        !count_opt(cli, "events", 5000000, &events) || !count_opt(cli, "seed", 2026, &seed))
        return cli_fail("--units, --items, --events and --seed take non-negative integers");
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha gen [--units N] [--items N] [--events N] [--seed N]");
    if (cmd_demo(cli) != 0)
        return 1;
    struct arena arena = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &arena);
    enum err e = items_gen(&c, units, items, events, (uint64_t)seed, gen_progress, cli);
    if (e)
        cli_fail("gen: %s", c.msg ? c.msg : err_default_message(e));
    else
        printf("generated: %lld units requested, %lld items, %lld events\n", (long long)units, (long long)items,
               (long long)events);
    store_release(c.db);
    arena_free(&arena);
    return e ? 1 : 0;
}
