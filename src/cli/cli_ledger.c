/*
 * cli_ledger.c: `ducha ledger check` recounts what the database keeps for the ledger (item_scope
 * and the counters, migration 0050; the bulletin figures' counters, 0054) from items and item_tracks and prints the differences (exit 1
 * if there are any); `ducha ledger rebuild` recomputes all of it in one transaction; `ducha ledger lights`
 * moves the stored lights to today (ledger_lights_refresh) and says how many rows changed colour.
 */
#include "cli/cli.h"
#include "items/ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int cmd_ledger_check(struct cli *cli)
{
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha ledger check");
    struct arena arena = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &arena);
    json_t *r = NULL;
    enum err e = ledger_check(&c, 50, &r);
    int rc = 0;
    if (e) {
        rc = cli_fail("ledger check: %s", c.msg ? c.msg : err_default_message(e));
    } else {
        json_int_t nd = json_integer_value(json_object_get(r, "differences"));
        printf("items %" JSON_INTEGER_FORMAT ", scope rows %" JSON_INTEGER_FORMAT ", counters %" JSON_INTEGER_FORMAT
               ", figure rows %" JSON_INTEGER_FORMAT ", figure counters %" JSON_INTEGER_FORMAT
               ", differences %" JSON_INTEGER_FORMAT "\n",
               json_integer_value(json_object_get(r, "items")), json_integer_value(json_object_get(r, "scope_rows")),
               json_integer_value(json_object_get(r, "counters")),
               json_integer_value(json_object_get(r, "figure_rows")),
               json_integer_value(json_object_get(r, "figure_counters")), nd);
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(r, "details"), i, d) printf("  %s\n", json_string_value(d));
        rc = nd ? 1 : 0;
        json_decref(r);
    }
    store_release(c.db);
    arena_free(&arena);
    return rc;
}

int cmd_ledger_rebuild(struct cli *cli)
{
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha ledger rebuild");
    struct arena arena = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &arena);
    int64_t n = 0;
    enum err e = ledger_rebuild(&c, &n);
    int rc = e ? cli_fail("ledger rebuild: %s", c.msg ? c.msg : err_default_message(e)) : 0;
    if (!e)
        printf("rebuilt the scope rows, counters and search index of %" PRId64 " items\n", n);
    store_release(c.db);
    arena_free(&arena);
    return rc;
}

int cmd_ledger_lights(struct cli *cli)
{
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha ledger lights");
    struct arena arena = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &arena);
    int64_t n = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    enum err e = ledger_lights_refresh(&c, &n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int rc = e ? cli_fail("ledger lights: %s", c.msg ? c.msg : err_default_message(e)) : 0;
    if (!e)
        printf("lights moved to today: %" PRId64 " rows changed colour in %.1f s\n", n,
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    store_release(c.db);
    arena_free(&arena);
    return rc;
}
