/*
 * cli_modules.c: the start-up wiring (the composition root). Lower layers never include higher
 * ones; they offer registries (deadline owners, unit path copies, document hooks, notification
 * channels) and each module registers what it brings, here, once, before any request, scheduler
 * pass or command runs.
 */
#include "cli/cli.h"

#include "clues/clues.h"
#include "clues/surveys.h"
#include "deadlines/deadlines.h"
#include "docs/itemdocs.h"
#include "inspections/inspections.h"
#include "items/items.h"
#include "items/ledger.h"
#include "results/results.h"
#include "webhooks/webhooks.h"

#include <pthread.h>

static void init(void)
{
    deadlines_register();
    items_register();
    inspections_register();
    ledger_register();
    results_register();
    clues_register();
    surveys_register();
    docs_register();
    webhooks_init();
}

void modules_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init);
}
