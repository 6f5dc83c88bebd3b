/* api_surveys.c: the office's side of surveys (民意调查 / 问卷) under /api/v1/surveys: drafts, one survey,
 * workflow actions, invitation tokens, the results and their XLSX export. The public link's routes are in
 * api_public.c. */
#include "api/routes.h"
#include "clues/surveys.h"
#include "docs/surveydocs.h"

static bool survey_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "问卷不存在");
    return false;
}

/* GET /api/v1/surveys?state=&rect_task_id=&page=&per_page= */
static int h_list(struct req *rq)
{
    int64_t page, per_page, rect;
    if (!req_query_int(rq, "page", 1, 1000000, 1, &page) || !req_query_int(rq, "per_page", 1, 200, 20, &per_page) ||
        !req_query_int(rq, "rect_task_id", 0, INT64_MAX, 0, &rect))
        return 0;
    json_t *out = NULL;
    enum err e = surveys_list(&rq->ctx, req_query(rq, "state"), rect, (int)page, (int)per_page, &out);
    return reply_result(rq, e, 200, out);
}

static int h_create(struct req *rq)
{
    if (!req_check(rq, surveys_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = surveys_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_get(struct req *rq)
{
    int64_t id;
    if (!survey_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = surveys_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* PATCH: every member optional (a draft only) */
static const struct jv_field update_spec[] = {
    {"version", JV_INT, 0, 0, 0, NULL},
    {"title", JV_STRING, 0, 1, 100, "问卷标题"},
    {"intro", JV_STRING, 0, 0, 2000, "问卷说明"},
    {"mode", JV_STRING, 0, 1, 10, "答卷方式"},
    {"closes_on", JV_DATE, 0, 0, 0, "截止日期"},
    {"rect_task_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, "整改任务"},
    {"questions", JV_OBJECT_ARRAY, 0, 1, 50, "题目"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int h_update(struct req *rq)
{
    int64_t id;
    if (!survey_id(rq, &id) || !req_check(rq, update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = surveys_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_action(struct req *rq)
{
    int64_t id;
    if (!survey_id(rq, &id) || !req_check(rq, surveys_action_spec))
        return 0;
    json_t *out = NULL;
    enum err e = surveys_act(&rq->ctx, id, req_param(rq, "action"), rq->json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_invite(struct req *rq)
{
    int64_t id;
    if (!survey_id(rq, &id) || !req_check(rq, surveys_invite_spec))
        return 0;
    json_t *out = NULL;
    enum err e = surveys_invite(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_results(struct req *rq)
{
    int64_t id;
    if (!survey_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = surveys_results(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_events(struct req *rq)
{
    int64_t id;
    if (!survey_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = surveys_events(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/surveys/{id}/results.xlsx: the summary and every answer sheet. */
static int h_results_xlsx(struct req *rq)
{
    int64_t id;
    if (!survey_id(rq, &id))
        return 0;
    json_t *results = NULL, *sheets = NULL;
    const char *path = NULL;
    enum err e = surveys_results(&rq->ctx, id, &results);
    if (!e)
        e = surveys_sheets(&rq->ctx, id, &sheets);
    if (!e)
        e = docs_survey_xlsx(&rq->ctx, results, sheets, &path);
    json_decref(results);
    json_decref(sheets);
    if (e)
        return reply_ctx_error(rq);
    rq->status = 200;
    rq->reply_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    rq->reply_file = path;
    rq->reply_file_temp = true;
    reply_header(rq, "Content-Disposition", req_disposition(rq, "问卷结果.xlsx", "survey.xlsx"));
    return 0;
}

#define READERS "principal,leader,director,deputy,office:AAN contact,head:NNN *:F"

const struct route survey_routes[] = {
    {"GET", "/api/v1/surveys", h_list, CAP_CLUE_READ, 0, "the surveys the user may read, newest first",
     "principal,leader,director,deputy,office,contact,head:A *:F"},
    {"POST", "/api/v1/surveys", h_create, CAP_SURVEY_MANAGE, ROUTE_JSON, "a new draft survey with its questions",
     "office:A *:F; body={\"title\":\"矩阵测试问卷\",\"mode\":\"device\",\"closes_on\":\"$due\",\"questions\":[{"
     "\"kind\":\"scale\",\"text\":\"您对办理结果满意吗\",\"required\":true}]}"},
    {"GET", "/api/v1/surveys/{id}", h_get, CAP_CLUE_READ, 0, "one survey with its questions and allowed_actions",
     READERS},
    {"PATCH", "/api/v1/surveys/{id}", h_update, CAP_SURVEY_MANAGE, ROUTE_JSON, "change a draft (questions replace)",
     "office:AAN *:F; body={\"intro\":\"矩阵修改的说明\"}"},
    {"POST", "/api/v1/surveys/{id}/actions/{action}", h_action, CAP_SURVEY_MANAGE, ROUTE_JSON, "open or close a survey",
     "office:AAN *:F; action=open; fresh; body={}"},
    {"POST", "/api/v1/surveys/{id}/invitations", h_invite, CAP_SURVEY_MANAGE, ROUTE_JSON,
     "new invitation tokens (token mode), shown once", "office:AAN *:F; body={\"count\":2}"},
    {"GET", "/api/v1/surveys/{id}/events", h_events, CAP_CLUE_READ, 0, "the timeline", READERS},
    {"GET", "/api/v1/surveys/{id}/results", h_results, CAP_CLUE_READ, 0,
     "counts per option, the scales' averages, the texts", READERS},
    {"GET", "/api/v1/surveys/{id}/results.xlsx", h_results_xlsx, CAP_CLUE_READ, ROUTE_LONG,
     "the results and every answer sheet as XLSX", READERS},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
