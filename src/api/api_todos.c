/* api_todos.c: what waits on the signed-in user (GET /api/v1/todos) across every kind of supervised
 * object, and the workflows those objects run on (the registered workflows, GET /api/v1/workflows). */
#include "api/routes.h"
#include "base/jsonw.h"
#include "clues/clues.h"
#include "clues/surveys.h"
#include "evaluations/evaluations.h"
#include "inspections/inspections.h"
#include "items/item_workflow.h"
#include "results/results.h"

#include <pthread.h>

/* Every registered workflow, in the order docs/workflow.md lists them. A new module appends its own. */
const struct workflow *const api_workflows[] = {
    &item_workflow,
    &plan_workflow,
    &insp_workflow,
    &rect_workflow,
    &review_workflow,
    &result_workflow,
    &bulletin_workflow,
    &scorecard_workflow,
    &objection_workflow,
    &clue_workflow,
    &survey_workflow,
    &evaluation_workflow,
    NULL,
};

/* The reply of GET /api/v1/workflows: the workflows are compiled in, so it is written once per process (10 M
 * instructions when built each time). */
static char *workflows_text;
static size_t workflows_len;
static pthread_once_t workflows_once = PTHREAD_ONCE_INIT;

static void workflows_build(void)
{
    json_t *arr = json_array();
    for (int i = 0; api_workflows[i]; i++)
        json_array_append_new(arr, workflow_json(api_workflows[i]));
    json_t *all = json_pack("{so}", "workflows", arr);
    workflows_text = jw_json_text(all, &workflows_len);
    json_decref(all);
}

/* GET /api/v1/workflows: each workflow's states, actions, transitions, who must act and who is told. */
static int h_workflows(struct req *rq)
{
    pthread_once(&workflows_once, workflows_build);
    struct buf text = {0};
    buf_append(&text, workflows_text, workflows_len);
    return reply_jsonw(rq, ERR_OK, &text);
}

/* GET /api/v1/todos?after=&limit=&kind=&object_id=&light= : my to-dos, most urgent first (due date, then age),
 * keyset-paged by `after` (the `next` of the previous page), or those about one object; counts per kind and
 * light. */
static int h_todos(struct req *rq)
{
    int64_t limit, object_id;
    if (!req_query_int(rq, "limit", 1, 200, 50, &limit) || !req_query_int(rq, "object_id", 1, INT64_MAX, 0, &object_id))
        return 0;
    struct todo_query q = {req_query(rq, "after"), req_query(rq, "kind"), req_query(rq, "light"), object_id,
                           (int)limit};
    struct buf out = {0};
    enum err e = workflow_todos_page(&rq->ctx, api_workflows, &q, &out);
    return reply_jsonw(rq, e, &out);
}

const struct route todo_routes[] = {
    {"GET", "/api/v1/todos", h_todos, CAP_SIGNED_IN, 0, "my to-dos across every kind of object, most urgent first",
     "*:A"},
    {"GET", "/api/v1/workflows", h_workflows, CAP_SIGNED_IN, 0, "every workflow: states, transitions, who must act",
     "*:A"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
