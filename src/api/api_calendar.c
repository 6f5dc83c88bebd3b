/* api_calendar.c: the working-day calendar, deadline rules, milestones and the test clock. */
#include "api/routes.h"
#include "items/ledger.h"
#include "calendar/calendar.h"
#include "deadlines/deadlines.h"

#include <stdlib.h>
#include <string.h>

/* GET /api/v1/calendar/workdays?from=YYYY-MM-DD&add=N -> {"date"} */
static int h_workdays(struct req *rq)
{
    int64_t n;
    if (!req_query(rq, "add"))
        return reply_error(rq, ERR_BAD_REQUEST, "缺少查询参数“add”（工作日数）");
    if (!req_query_int(rq, "add", -3660, 3660, 0, &n))
        return 0;
    json_t *out = NULL;
    enum err e = calendar_workdays(&rq->ctx, req_query(rq, "from"), n, &out);
    return reply_result(rq, e, 200, out);
}

/* Parses the {year} path parameter: four digits. */
static bool year_param(struct req *rq, int *year)
{
    const char *y = req_param(rq, "year");
    if (!y || strlen(y) != 4 || strspn(y, "0123456789") != 4)
        return false;
    *year = atoi(y);
    return true;
}

static int h_year(struct req *rq)
{
    int year;
    if (!year_param(rq, &year))
        return reply_error(rq, ERR_NOT_FOUND, "年份必须是四位数字");
    json_t *out = NULL;
    enum err e = calendar_year(&rq->ctx, year, &out);
    return reply_result(rq, e, 200, out);
}

static const struct jv_field year_spec[] = {
    {"days", JV_OBJECT_ARRAY, JV_REQUIRED, 0, 400},
    {NULL, 0, 0, 0, 0},
};

/* PUT /api/v1/calendar/{year} {"days":[{day,kind,name}]}: replaces that year's exceptions */
static int h_year_put(struct req *rq)
{
    int year;
    if (!year_param(rq, &year))
        return reply_error(rq, ERR_NOT_FOUND, "年份必须是四位数字");
    if (!req_check(rq, year_spec))
        return 0;
    json_t *out = NULL;
    enum err e = calendar_replace_year(&rq->ctx, year, json_object_get(rq->json, "days"), &out);
    return reply_result(rq, e, 200, out);
}

/* POST /api/v1/calendar/import (text/csv "day,kind,name" or application/json {"days":[…]}) */
static int h_import(struct req *rq)
{
    if (!rq->body_len)
        return reply_error(rq, ERR_BAD_REQUEST, "请上传 CSV 或 JSON 内容");
    const char *ct = rq->content_type ? rq->content_type : "";
    bool json = !strncmp(ct, "application/json", 16);
    if (!json && strncmp(ct, "text/csv", 8) && strncmp(ct, "text/plain", 10))
        return reply_error(rq, ERR_MEDIA_TYPE, "请以 text/csv 或 application/json 上传");
    json_t *out = NULL;
    enum err e = calendar_import(&rq->ctx, rq->body, rq->body_len, json, &out);
    return reply_result(rq, e, 200, out);
}

static int h_rules_get(struct req *rq)
{
    json_t *out = NULL;
    enum err e = deadlines_rules_get(&rq->ctx, &out);
    return reply_result(rq, e, 200, out);
}

static int h_rules_put(struct req *rq)
{
    if (!req_check(rq, deadlines_rules_spec))
        return 0;
    json_t *out = NULL;
    enum err e = deadlines_rules_put(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/milestones?owner_kind=K&owner_id=N (or ?item_id=N): an object's milestones */
static int h_milestones(struct req *rq)
{
    int64_t item, owner;
    if (!req_query_int(rq, "item_id", 1, INT64_MAX, 0, &item) ||
        !req_query_int(rq, "owner_id", 1, INT64_MAX, 0, &owner))
        return 0;
    const char *kind = req_query(rq, "owner_kind");
    if (item && (kind || owner))
        return reply_error(rq, ERR_BAD_REQUEST, "查询参数“item_id”与“owner_kind”“owner_id”只能选用一种");
    if (item)
        kind = "item", owner = item;
    if (!owner || !kind || !*kind)
        return reply_error(rq, ERR_BAD_REQUEST, "缺少查询参数“item_id”（或“owner_kind”和“owner_id”）");
    if (!deadlines_owner(kind))
        return reply_error(rq, ERR_BAD_REQUEST, "查询参数“owner_kind”：未知的对象类型");
    json_t *out = NULL;
    enum err e = deadlines_list(&rq->ctx, kind, owner, &out);
    return reply_result(rq, e, 200, e ? NULL : json_pack("{so}", "milestones", out));
}

static const struct jv_field override_spec[] = {
    {"due_date", JV_DATE, JV_REQUIRED, 0, 0},
    {"reason", JV_STRING, JV_REQUIRED, 1, 500},
    {NULL, 0, 0, 0, 0},
};

/* PATCH /api/v1/milestones/{id} {"due_date","reason"}: the office overrides one deadline */
static int h_milestone_override(struct req *rq)
{
    int64_t id;
    if (!req_param_id(rq, "id", &id))
        return reply_error(rq, ERR_NOT_FOUND, "时限节点不存在");
    if (!req_check(rq, override_spec))
        return 0;
    json_t *out = NULL;
    enum err e = deadlines_override(&rq->ctx, id, jv_str(rq->json, "due_date"), jv_str(rq->json, "reason"), &out);
    return reply_result(rq, e, 200, out);
}

static const struct jv_field clock_spec[] = {
    {"now", JV_INSTANT, JV_REQUIRED, 0, 0},
    {NULL, 0, 0, 0, 0},
};

/* PUT /api/v1/admin/clock {"now"} (only with --test-clock) */
static int h_clock_put(struct req *rq)
{
    if (!req_check(rq, clock_spec))
        return 0;
    json_t *out = NULL;
    enum err e = calendar_clock_set(&rq->ctx, jv_str(rq->json, "now"), &out);
    int64_t changed;
    if (!e && (e = ledger_lights_refresh(&rq->ctx, &changed))) /* the stored lights follow the new day */
        json_decref(out);
    return reply_result(rq, e, 200, e ? NULL : out);
}

const struct route calendar_routes[] = {
    {"GET", "/api/v1/calendar/workdays", h_workdays, CAP_SIGNED_IN, 0, "the N-th working day after a date",
     "*:A; query=from=2026-03-02&add=1"},
    {"POST", "/api/v1/calendar/import", h_import, CAP_SYSTEM_SETTINGS, ROUTE_RAW, "import holidays (CSV or JSON)",
     "top:A *:F; type=text/csv; body=day,kind,name\n2031-10-01,holiday,国庆节\n"},
    {"GET", "/api/v1/calendar/{year}", h_year, CAP_SIGNED_IN, 0, "holidays and make-up working days of a year",
     "*:A; year=2026"},
    {"PUT", "/api/v1/calendar/{year}", h_year_put, CAP_SYSTEM_SETTINGS, ROUTE_JSON, "replace a year's exceptions",
     "top:A *:F; year=2031; body={\"days\":[]}"},
    {"GET", "/api/v1/rules", h_rules_get, CAP_SIGNED_IN, 0, "deadline rules, presets and ladder waits", "*:A"},
    {"PUT", "/api/v1/rules", h_rules_put, CAP_SYSTEM_SETTINGS, ROUTE_JSON, "replace the deadline rules",
     "top:A *:F; body={\"preset\":\"gu13710\"}"},
    {"GET", "/api/v1/milestones", h_milestones, CAP_ITEM_READ, 0, "an item's milestones with lights",
     "principal,leader,director,deputy,secretary,office,contact,head:A *:F; query=item_id=$item"},
    {"PATCH", "/api/v1/milestones/{id}", h_milestone_override, CAP_ITEM_REGISTER, ROUTE_JSON,
     "override one milestone with a reason",
     "office:RRN *:F; body={\"due_date\":\"2031-01-01\",\"reason\":\"矩阵测试\"}"},
    {"PUT", "/api/v1/admin/clock", h_clock_put, CAP_SYSTEM_SETTINGS, ROUTE_JSON | ROUTE_TEST_CLOCK,
     "set the test clock", "top:A *:F; body={\"now\":\"$now\"}"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
