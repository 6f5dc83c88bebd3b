/* cli_workflow.c: `ducha workflow`: prints docs/workflow.md from every registered workflow's table. */
#include "api/routes.h"
#include "cli/cli.h"
#include "workflow/workflow.h"

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
