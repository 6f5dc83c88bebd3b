/* cli_workflow.c: `ducha workflow`: prints docs/workflow.md from the transition table. */
#include "cli/cli.h"
#include "items/workflow.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_workflow(struct cli *cli)
{
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha workflow");
    char *md = workflow_markdown();
    fputs(md, stdout);
    free(md);
    return 0;
}
