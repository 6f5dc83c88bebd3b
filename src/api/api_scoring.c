/* api_scoring.c: the year-end target-responsibility scoring (目标责任考评): /api/v1/scoring/rules — the
 * government's rule table for a year — and /api/v1/scorecards — the scorecard drawn from the data, its
 * drill-down per unit, the office's adjustments, its workflow actions (docs/workflow.md), its timeline and
 * its XLSX for the organisation department; and /api/v1/statistics — the periodic statistics by month or
 * quarter (督查督办统计) with their XLSX; /api/v1/burden — the burden index (基层减负) with its XLSX;
 * /api/v1/periodic-reports — the roll-up of the units' periodic reports (定期报告汇总) with its XLSX. */
#include "api/routes.h"
#include "docs/scoring.h"
#include "items/items.h"
#include "items/ledger.h"
#include "results/results.h"

#include "base/buf.h"
#include "base/timeu.h"
#include "calendar/calendar.h"

#include <stdlib.h>
#include <string.h>

static int this_year(struct req *rq)
{
    char today[11];
    cal_format_date(time_local_day(rq->ctx.now), today);
    return atoi(today);
}

static bool card_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "目标责任考评不存在");
    return false;
}

/* GET /api/v1/scoring/rules?year= */
static int h_rules_get(struct req *rq)
{
    int64_t year;
    if (!req_query_int(rq, "year", 2000, 2100, this_year(rq), &year))
        return 0;
    json_t *out = NULL;
    enum err e = score_rules_get(&rq->ctx, (int)year, &out);
    return reply_result(rq, e, 200, out);
}

/* PUT /api/v1/scoring/rules */
static int h_rules_put(struct req *rq)
{
    if (!req_check(rq, score_rules_spec))
        return 0;
    json_t *out = NULL;
    enum err e = score_rules_put(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/scorecards?year=&page=&per_page= */
static int h_cards_list(struct req *rq)
{
    int64_t year, page, per_page;
    if (!req_query_int(rq, "year", 0, 2100, 0, &year) || !req_query_int(rq, "page", 1, 1000000, 1, &page) ||
        !req_query_int(rq, "per_page", 1, 200, 50, &per_page))
        return 0;
    json_t *out = NULL;
    enum err e = scorecards_list(&rq->ctx, (int)year, (int)page, (int)per_page, &out);
    return reply_result(rq, e, 200, out);
}

static int h_card_create(struct req *rq)
{
    if (!req_check(rq, scorecards_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = scorecards_create(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static int h_card_get(struct req *rq)
{
    int64_t id;
    if (!card_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = scorecards_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static int h_card_update(struct req *rq)
{
    int64_t id;
    if (!card_id(rq, &id) || !req_check(rq, scorecards_update_spec))
        return 0;
    json_t *out = NULL;
    enum err e = scorecards_update(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/scorecards/{id}/units/{unit}: one unit's lines */
static int h_card_unit(struct req *rq)
{
    int64_t id, unit;
    if (!card_id(rq, &id))
        return 0;
    if (!req_param_id(rq, "unit", &unit)) {
        reply_error(rq, ERR_NOT_FOUND, "该单位不在本次考评中");
        return 0;
    }
    json_t *out = NULL;
    enum err e = scorecards_unit(&rq->ctx, id, unit, &out);
    return reply_result(rq, e, 200, out);
}

/* POST /api/v1/scorecards/{id}/adjustments */
static int h_card_adjust(struct req *rq)
{
    int64_t id;
    if (!card_id(rq, &id) || !req_check(rq, scorecards_adjust_spec))
        return 0;
    json_t *out = NULL;
    enum err e = scorecards_adjust(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

static const struct jv_field card_action_spec[] = {
    {"version", JV_INT, 0, 0, 0, "版本"},
    {"reason", JV_STRING, 0, 0, 2000, "理由"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* POST /api/v1/scorecards/{id}/actions/{action}: the body (a JSON object) may be empty. */
static int h_card_action(struct req *rq)
{
    int64_t id;
    json_t *body;
    if (!card_id(rq, &id) || !(body = api_action_body(rq, card_action_spec)))
        return 0;
    json_t *out = NULL;
    enum err e = scorecards_act(&rq->ctx, id, req_param(rq, "action"), body, &out);
    json_decref(body);
    return reply_result(rq, e, 200, out);
}

static int h_card_events(struct req *rq)
{
    int64_t id;
    if (!card_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = scorecards_events(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/scorecards/{id}/export.xlsx */
static int h_card_xlsx(struct req *rq)
{
    int64_t id;
    const char *path;
    if (!card_id(rq, &id))
        return 0;
    if (docs_scorecard_xlsx(&rq->ctx, id, &path))
        return reply_ctx_error(rq);
    return reply_xlsx(rq, path, "目标责任考评督查工作得分.xlsx",
                      arena_printf(rq->arena, "scorecard-%lld.xlsx", (long long)id));
}

/* POST /api/v1/scorecards/{id}/objections: the unit's head objects to one line of its own card */
static int h_objection_create(struct req *rq)
{
    int64_t id;
    if (!card_id(rq, &id) || !req_check(rq, objections_create_spec))
        return 0;
    json_t *out = NULL;
    enum err e = objections_create(&rq->ctx, id, rq->json, &out);
    return reply_result(rq, e, 201, out);
}

/* GET /api/v1/objections?state=&scorecard_id=&page=&per_page= */
static int h_objections_list(struct req *rq)
{
    int64_t card, page, per_page;
    if (!req_query_int(rq, "scorecard_id", 0, INT64_MAX, 0, &card) ||
        !req_query_int(rq, "page", 1, 1000000, 1, &page) || !req_query_int(rq, "per_page", 1, 200, 50, &per_page))
        return 0;
    json_t *out = NULL;
    enum err e = objections_list(&rq->ctx, req_query(rq, "state"), card, (int)page, (int)per_page, &out);
    return reply_result(rq, e, 200, out);
}

static bool objection_id(struct req *rq, int64_t *id)
{
    if (req_param_id(rq, "id", id))
        return true;
    reply_error(rq, ERR_NOT_FOUND, "考评异议不存在");
    return false;
}

static int h_objection_get(struct req *rq)
{
    int64_t id;
    if (!objection_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = objections_get(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

static const struct jv_field objection_action_spec[] = {
    {"version", JV_INT, 0, 0, 0, "版本"},
    {"reason", JV_STRING, 0, 0, 2000, "处理意见"},
    {"points", JV_INT, 0, -100, 100, "调整后的分值"},
    {NULL, 0, 0, 0, 0, NULL},
};

/* POST /api/v1/objections/{id}/actions/{action}: uphold {reason, points} or reject {reason} */
static int h_objection_action(struct req *rq)
{
    int64_t id;
    json_t *body;
    if (!objection_id(rq, &id) || !(body = api_action_body(rq, objection_action_spec)))
        return 0;
    json_t *out = NULL;
    enum err e = objections_act(&rq->ctx, id, req_param(rq, "action"), body, &out);
    json_decref(body);
    return reply_result(rq, e, 200, out);
}

static int h_objection_events(struct req *rq)
{
    int64_t id;
    if (!objection_id(rq, &id))
        return 0;
    json_t *out = NULL;
    enum err e = objections_events(&rq->ctx, id, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/scorecards/{id}/document.pdf?unit_id=: the card as an official document (GB/T 9704), or one unit's */
static int h_card_pdf(struct req *rq)
{
    int64_t id, unit;
    if (!card_id(rq, &id) || !req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &unit))
        return 0;
    struct buf out = {0};
    const char *name = NULL;
    if (docs_scorecard_pdf(&rq->ctx, id, unit, &out, &name)) {
        buf_free(&out);
        return reply_ctx_error(rq);
    }
    reply_bytes(rq, 200, "application/pdf", out.data ? out.data : "", out.len);
    buf_free(&out);
    reply_header(rq, "Content-Disposition",
                 req_disposition(rq, name, arena_printf(rq->arena, "scorecard-%lld.pdf", (long long)id)));
    return 0;
}

/* The burden index's query: year (default this year), quarter 1-4 or month 1-12 (not both), unit_id (the units
 * right below it); false after a 400 (not a number in range) or a 422 naming month. */
static bool burden_query(struct req *rq, struct burden_query *q)
{
    int64_t year, quarter, month, unit;
    if (!req_query_int(rq, "year", 2000, 2100, this_year(rq), &year) ||
        !req_query_int(rq, "quarter", 0, 4, 0, &quarter) || !req_query_int(rq, "month", 0, 12, 0, &month) ||
        !req_query_int(rq, "unit_id", 0, INT64_MAX, 0, &unit))
        return false;
    if (quarter && month) {
        reply_error_field(rq, ERR_INVALID, "季度（quarter）和月份（month）只能选一个", "month");
        return false;
    }
    *q = (struct burden_query){.year = (int)year, .quarter = (int)quarter, .month = (int)month, .unit_id = unit};
    return true;
}

/* GET /api/v1/burden?year=&quarter=|month=&unit_id=: the burden index (基层减负) */
static int h_burden(struct req *rq)
{
    struct burden_query q;
    if (!burden_query(rq, &q))
        return 0;
    json_t *out = NULL;
    enum err e = results_burden(&rq->ctx, &q, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/burden/export.xlsx: the same figures as XLSX */
static int h_burden_xlsx(struct req *rq)
{
    struct burden_query q;
    const char *path;
    if (!burden_query(rq, &q))
        return 0;
    if (docs_burden_xlsx(&rq->ctx, &q, &path))
        return reply_ctx_error(rq);
    const char *period = q.quarter ? arena_printf(rq->arena, "%d年第%d季度", q.year, q.quarter)
                         : q.month ? arena_printf(rq->arena, "%d年%d月", q.year, q.month)
                                   : arena_printf(rq->arena, "%d年", q.year);
    const char *tag = q.quarter ? arena_printf(rq->arena, "%d-q%d", q.year, q.quarter)
                      : q.month ? arena_printf(rq->arena, "%d-%02d", q.year, q.month)
                                : arena_printf(rq->arena, "%d", q.year);
    return reply_xlsx(rq, path, arena_printf(rq->arena, "%s基层负担统计.xlsx", period),
                      arena_printf(rq->arena, "burden-%s.xlsx", tag));
}

/* The roll-up's query: unit_id, from and to (default: this month), kind, limit, offset; false after a 422 naming
 * the member (400 for a malformed number). */
static bool rollup_query(struct req *rq, struct report_rollup_query *q, int max)
{
    char today[11];
    cal_format_date(time_local_day(rq->ctx.now), today);
    static const char *const names[] = {"from", "to"}, *const labels[] = {"起始日期", "截止日期"};
    const char *d[2];
    for (int i = 0; i < 2; i++) {
        int64_t day;
        d[i] = req_query(rq, names[i]);
        if (d[i] && *d[i] && !cal_parse_date(d[i], &day)) {
            reply_error_field(rq, ERR_INVALID,
                              arena_printf(rq->arena, "%s（%s）应为 YYYY-MM-DD 格式的日期", labels[i], names[i]),
                              names[i]);
            return false;
        }
    }
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = atoi(today), m = atoi(today + 5);
    int last = mdays[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
    q->from = d[0] && *d[0] ? d[0] : arena_printf(rq->arena, "%.8s01", today);
    q->to = d[1] && *d[1] ? d[1] : arena_printf(rq->arena, "%.8s%02d", today, last);
    q->kind = req_query(rq, "kind");
    if (q->kind && *q->kind && strcmp(q->kind, "monthly") && strcmp(q->kind, "quarterly") &&
        strcmp(q->kind, "implementation")) {
        reply_error_field(rq, ERR_INVALID, "报告类别（kind）应为 monthly、quarterly 或 implementation", "kind");
        return false;
    }
    int64_t unit, limit, offset;
    if (!req_query_int(rq, "unit_id", 1, INT64_MAX, 0, &unit) ||
        !req_query_int(rq, "limit", 1, max, max < 200 ? max : 200, &limit) ||
        !req_query_int(rq, "offset", 0, 1000000, 0, &offset))
        return false;
    q->unit_id = unit;
    q->limit = (int)limit;
    q->offset = (int)offset;
    return true;
}

/* GET /api/v1/periodic-reports?unit_id=&from=&to=&kind=&limit=&offset= */
static int h_periodic_reports(struct req *rq)
{
    struct report_rollup_query q;
    if (!rollup_query(rq, &q, 500))
        return 0;
    json_t *out = NULL;
    enum err e = items_report_rollup(&rq->ctx, &q, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/periodic-reports/export.xlsx?unit_id=&from=&to=&kind= (every form of the period, up to 20000) */
static int h_periodic_reports_xlsx(struct req *rq)
{
    struct report_rollup_query q;
    const char *path;
    if (!rollup_query(rq, &q, 20000))
        return 0;
    q.limit = 20000;
    if (docs_report_rollup_xlsx(&rq->ctx, &q, &path))
        return reply_ctx_error(rq);
    return reply_xlsx(rq, path, arena_printf(rq->arena, "定期报告汇总%s至%s.xlsx", q.from, q.to),
                      arena_printf(rq->arena, "periodic-reports-%s-%s.xlsx", q.from, q.to));
}

/* The year (default this year) and period (month, quarter) of a statistics request; false after a 400. */
static bool stats_query(struct req *rq, int64_t *year, bool *quarters)
{
    if (!req_query_int(rq, "year", 2000, 2100, this_year(rq), year))
        return false;
    const char *p = req_query(rq, "period");
    if (p && *p && strcmp(p, "month") && strcmp(p, "quarter")) {
        reply_error_field(rq, ERR_BAD_REQUEST, "统计周期（period）应为 month 或 quarter", "period");
        return false;
    }
    *quarters = p && !strcmp(p, "quarter");
    return true;
}

/* h_statistics' first read that needs nothing from the credential check (struct route's ahead): whether the kept
 * counters are usable */
static void ahead_statistics(void *arg)
{
    struct req *rq = arg;
    ledger_figs_usable_send(&rq->ctx);
}

/* GET /api/v1/statistics?year=&period=month|quarter&units=true|false */
static int h_statistics(struct req *rq)
{
    int64_t year;
    bool quarters;
    if (!stats_query(rq, &year, &quarters))
        return 0;
    const char *u = req_query(rq, "units");
    if (u && *u && strcmp(u, "true") && strcmp(u, "false")) {
        reply_error_field(rq, ERR_BAD_REQUEST, "是否列出各单位（units）应为 true 或 false", "units");
        return 0;
    }
    bool units = !u || strcmp(u, "false");
    struct buf out = {0};
    enum err e = results_statistics_write(&rq->ctx, (int)year, quarters, units, &out);
    return reply_jsonw(rq, e, &out);
}

/* GET /api/v1/statistics/export.xlsx?year=&period= */
static int h_statistics_xlsx(struct req *rq)
{
    int64_t year;
    bool quarters;
    const char *path;
    if (!stats_query(rq, &year, &quarters))
        return 0;
    if (docs_statistics_xlsx(&rq->ctx, (int)year, quarters, &path))
        return reply_ctx_error(rq);
    return reply_xlsx(rq, path, arena_printf(rq->arena, "%lld年督查督办统计.xlsx", (long long)year),
                      arena_printf(rq->arena, "statistics-%lld.xlsx", (long long)year));
}

/* GET /api/v1/warnings?unit_id=&signal=&page=&per_page=: early warning (研判预警) */
static int h_warnings(struct req *rq)
{
    int64_t unit = 0, page, per_page;
    if (!req_query_int(rq, "unit_id", 1, INT64_MAX, 0, &unit) || !req_query_int(rq, "page", 1, 100000, 1, &page) ||
        !req_query_int(rq, "per_page", 1, 200, 50, &per_page))
        return 0;
    json_t *out = NULL;
    enum err e = warnings_list(&rq->ctx, unit, req_query(rq, "signal"), (int)page, (int)per_page, &out);
    return reply_result(rq, e, 200, out);
}

/* GET /api/v1/warnings/settings: the government's thresholds */
static int h_warning_settings_get(struct req *rq)
{
    json_t *out = NULL;
    enum err e = warnings_settings_get(&rq->ctx, &out);
    return reply_result(rq, e, 200, out);
}

/* PUT /api/v1/warnings/settings: the office changes them (audited) */
static int h_warning_settings_put(struct req *rq)
{
    if (!req_check(rq, warnings_settings_spec))
        return 0;
    json_t *out = NULL;
    enum err e = warnings_settings_put(&rq->ctx, rq->json, &out);
    return reply_result(rq, e, 200, out);
}

/* Access: the office edits the rules and drafts; the principal leader reads the rules and approves; the
 * government's readers of items see its cards; a unit sees an issued card's own row only (404 before, and
 * for another unit's drill-down); another county's are out of sight. A card scores a whole government:
 * the matrix's "own" and "other" objects are the same county's card (the units of both read it once issued). */
#define CARD_SEES_ISSUED "top,admin,inspector,parttime,evaluator:F *:AAN; state=issued"
#define UNIT_SEES_ISSUED "top,admin,inspector,parttime,evaluator:F contact,head:ANN *:AAN; state=issued"
#define CARD_OFFICE_DRAFT "office:AAN top,admin,inspector,parttime,evaluator:F contact,head:NNN *:FFN"
/* Objections: the head of the unit scored raises one on its own issued card (another unit's line: 403; another
 * county's card: 404); the government's readers and the unit's see it; the office decides. */
#define OBJECTION_RAISE "head:AFN *:F; fresh; id=$objcard; body={\"adjustment_id\":$adjustment,\"reason\":\"矩阵异议\"}"
#define OBJECTION_SEES "top,admin,inspector,parttime,evaluator:F contact,head:ANN *:AAN"
#define OBJECTION_DECIDE "office:AAN top,admin,inspector,parttime,evaluator:F contact,head:FNN *:FFN"
const struct route scoring_routes[] = {
    {"GET", "/api/v1/scoring/rules", h_rules_get, CAP_SIGNED_IN, 0, "the government's scoring rules for a year",
     "office,principal:A *:F"},
    {"PUT", "/api/v1/scoring/rules", h_rules_put, CAP_RESULT_DRAFT, ROUTE_JSON,
     "change points and switches of the scoring rules (audited)",
     "office:A *:F; body={\"year\":$year,\"rules\":[{\"code\":\"pressed\",\"points\":-1}]}"},
    {"GET", "/api/v1/scorecards", h_cards_list, CAP_ITEM_READ, 0, "the scorecards the user may see",
     "top,admin,inspector,parttime,evaluator:F *:A"},
    {"POST", "/api/v1/scorecards", h_card_create, CAP_RESULT_DRAFT, ROUTE_JSON, "draw a year's scorecard from the data",
     "office:R *:F; body={\"year\":1999}"},
    {"GET", "/api/v1/scorecards/{id}", h_card_get, CAP_ITEM_READ, 0, "one scorecard (a unit: its own row)",
     CARD_SEES_ISSUED},
    {"PATCH", "/api/v1/scorecards/{id}", h_card_update, CAP_RESULT_DRAFT, ROUTE_JSON,
     "retitle a draft scorecard, or count again", "office:AAN *:F; body={\"refresh\":true}"},
    {"GET", "/api/v1/scorecards/{id}/units/{unit}", h_card_unit, CAP_ITEM_READ, 0,
     "one unit's lines: every point with its rule and cause", UNIT_SEES_ISSUED},
    {"POST", "/api/v1/scorecards/{id}/adjustments", h_card_adjust, CAP_RESULT_DRAFT, ROUTE_JSON,
     "the office adjusts a unit's score with a reason",
     "office:AAN *:F; body={\"unit_id\":$unit,\"points\":1,\"reason\":\"矩阵调整\"}"},
    {"POST", "/api/v1/scorecards/{id}/actions/{action}", h_card_action, CAP_ITEM_READ, 0,
     "take a workflow action on a scorecard",
     CARD_OFFICE_DRAFT "; action=withdraw; fresh; body={\"reason\":\"矩阵撤销\"}"},
    {"GET", "/api/v1/scorecards/{id}/events", h_card_events, CAP_ITEM_READ, 0, "the scorecard's timeline",
     "top,admin,inspector,parttime,evaluator:F contact,head:NNN *:AAN; state=issued"},
    {"GET", "/api/v1/scorecards/{id}/document.pdf", h_card_pdf, CAP_ITEM_READ, ROUTE_LONG,
     "the scorecard as a GB/T 9704 official document (?unit_id=: one unit's; a unit gets its own)", CARD_SEES_ISSUED},
    {"GET", "/api/v1/scorecards/{id}/export.xlsx", h_card_xlsx, CAP_ITEM_READ, ROUTE_LONG,
     "the scorecard as XLSX for the organisation department", CARD_SEES_ISSUED},
    /* objections: the head of the unit scored raises one on its own issued card; the office decides */
    {"POST", "/api/v1/scorecards/{id}/objections", h_objection_create, CAP_ITEM_SIGN, ROUTE_JSON,
     "the unit's head objects to one line of its own issued card (within the objection period)", OBJECTION_RAISE},
    {"GET", "/api/v1/objections", h_objections_list, CAP_ITEM_READ, 0,
     "the objections the user may see (the office's governments, the user's units)",
     "top,admin,inspector,parttime,evaluator:F *:A"},
    {"GET", "/api/v1/objections/{id}", h_objection_get, CAP_ITEM_READ, 0, "one objection", OBJECTION_SEES},
    {"POST", "/api/v1/objections/{id}/actions/{action}", h_objection_action, CAP_ITEM_READ, 0,
     "the office decides an objection (uphold with the line's new points, or reject)",
     OBJECTION_DECIDE "; action=reject; fresh; body={\"reason\":\"矩阵处理\"}"},
    {"GET", "/api/v1/objections/{id}/events", h_objection_events, CAP_ITEM_READ, 0, "the objection's timeline",
     OBJECTION_SEES},
    /* the burden index: a government's readers see its units ranked, a unit its own row */
    {"GET", "/api/v1/burden", h_burden, CAP_ITEM_READ, 0,
     "what ducha asked of each unit in a year, quarter or month, by issuer (基层减负): notices, presses, reminders, "
     "reports, inspections, rectification tasks; unit_id: the units right below one",
     "top,admin,inspector,parttime,evaluator:F *:A"},
    {"GET", "/api/v1/burden/export.xlsx", h_burden_xlsx, CAP_ITEM_READ, ROUTE_LONG,
     "the burden index as XLSX (the units, by issuer, the issuers ranked; a unit its own row)",
     "top,admin,inspector,parttime,evaluator:F *:A"},
    /* the periodic reports' roll-up: the government's office and leaders (units: 403) */
    {"GET", "/api/v1/periodic-reports", h_periodic_reports, CAP_ITEM_READ, 0,
     "the report obligations due in a period per unit one level down (due, submitted, on time, late, missed) "
     "and the units' forms",
     "principal,leader,director,deputy,secretary,office:A *:F"},
    {"GET", "/api/v1/periodic-reports/export.xlsx", h_periodic_reports_xlsx, CAP_ITEM_READ, ROUTE_LONG,
     "the periodic reports' roll-up as XLSX", "principal,leader,director,deputy,secretary,office:A *:F"},
    /* the statistics: the government's office and leaders (units and others: 403) */
    {"GET", "/api/v1/statistics", h_statistics, CAP_ITEM_READ, 0,
     "items registered, completed (on time) and overdue per unit, by month or quarter",
     "principal,leader,director,deputy,secretary,office:A *:F", .ahead = ahead_statistics},
    {"GET", "/api/v1/statistics/export.xlsx", h_statistics_xlsx, CAP_ITEM_READ, ROUTE_LONG, "the statistics as XLSX",
     "principal,leader,director,deputy,secretary,office:A *:F"},
    /* early warning: every reader of items its scope (a unit its own); the government's thresholds */
    {"GET", "/api/v1/warnings", h_warnings, CAP_ITEM_READ, 0,
     "early warning (研判预警): the items trending late per unit, each with its signals and their facts",
     "top,admin,inspector,parttime,evaluator:F *:A"},
    {"GET", "/api/v1/warnings/settings", h_warning_settings_get, CAP_ITEM_READ, 0,
     "the government's early-warning thresholds", "principal,leader,director,deputy,secretary,office:A *:F"},
    {"PUT", "/api/v1/warnings/settings", h_warning_settings_put, CAP_RESULT_DRAFT, ROUTE_JSON,
     "the office changes the early-warning thresholds (audited)", "office:A *:F; body={\"pace_gap\":20}"},
    {NULL, NULL, NULL, 0, 0, NULL, NULL},
};
