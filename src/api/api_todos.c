/* api_todos.c: the workflows every supervised object runs on (the list of registered workflows and
 * GET /api/v1/workflows). */
#include "api/routes.h"
#include "inspections/inspections.h"
#include "items/item_workflow.h"

/* Every registered workflow, in the order docs/workflow.md lists them. A new module appends its own. */
const struct workflow *const api_workflows[] = {
    &item_workflow, &plan_workflow, &insp_workflow, &rect_workflow, &review_workflow, NULL,
};

/* GET /api/v1/workflows: each workflow's states, actions, transitions, who must act and who is told. */
static int h_workflows(struct req *rq)
{
    json_t *arr = json_array();
    for (int i = 0; api_workflows[i]; i++)
        json_array_append_new(arr, workflow_json(api_workflows[i]));
    return reply_result(rq, ERR_OK, 200, json_pack("{so}", "workflows", arr));
}

const struct route todo_routes[] = {
    {"GET", "/api/v1/workflows", h_workflows, CAP_SIGNED_IN, 0, "every workflow: states, transitions, who must act"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
