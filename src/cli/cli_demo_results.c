/*
 * cli_demo_results.c: the demo's results of 古城县, each taken through the domain functions as the demo
 * user who would take it and left in a final state (no to-do waits on anyone): an admonition talk with
 * 交通运输局's head held and followed up; this month's praise of 住建局 for its completed item and criticism of
 * 交通运输局 for its overdue one come with the year behind the demo (demo_results_history: after the year's earlier
 * ones, so that the numbers follow the days), and this month's bulletin names them. Then this year's
 * target-responsibility scorecard of 古城县, drawn from all of that under the
 * default rules, with one adjustment by the office: it is left a draft (the office's one to-do of the
 * module: submit it to the principal leader), so that the scoring can be walked from there.
 * Before that card, last year's, issued, with an objection of 交通运输局's head to an adjustment that waits on
 * the office (its to-do: decide it).
 * Last of the demo (demo_results_pending): an admonition talk (约谈) about the item at risk, submitted by the
 * office and waiting on the principal leader (his to-do), which the unit does not see before it is issued.
 */
#include "base/timeu.h"
#include "calendar/calendar.h"
#include "calendar/workdays.h"
#include "cli/cli.h"
#include "results/results.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* this month's praise and criticism (results_now), which this month's bulletin names (demo_results_history) */
#define PRAISE_NOW "关于表扬县住房和城乡建设局老旧小区改造工作的通报"
#define CRITICISM_NOW "关于国省干线公路养护专项整治工作推进不力的通报批评"

/* The id of the demo item with this title (0 if missing). */
static int64_t item_titled(struct ctx *c, const char *title)
{
    int64_t id = 0;
    db_one_int(c->db, &id, "SELECT id FROM items WHERE title = ?", DB_TEXT(title));
    return id;
}

static int64_t unit_coded(struct ctx *c, const char *code)
{
    int64_t id = 0;
    db_one_int(c->db, &id, "SELECT id FROM units WHERE code = ?", DB_TEXT(code));
    return id;
}

/* Takes one action as user on a result (bulletin: on a bulletin); *out replaced. */
static int act(struct ctx *c, bool bulletin, int64_t id, const char *user, const char *action, json_t *body)
{
    json_t *out = NULL;
    if (demo_as_user(c, user))
        return 1;
    enum err e = bulletin ? bulletins_act(c, id, action, body, &out) : results_act(c, id, action, body, &out);
    json_decref(out);
    json_decref(body);
    if (e)
        return cli_fail("demo result %" PRId64 " %s by %s: %s", id, action, user, c->msg ? c->msg : "");
    return 0;
}

/* Drafts as the office (body stolen) and takes it to issued; *id the new record's. */
static int issued(struct ctx *c, bool bulletin, json_t *body, int64_t *id)
{
    json_t *out = NULL;
    if (demo_as_user(c, "gc_office"))
        return 1;
    enum err e = bulletin ? bulletins_create(c, body, &out) : results_create(c, body, &out);
    json_decref(body);
    if (e)
        return cli_fail("demo %s: %s", bulletin ? "bulletin" : "result", c->msg ? c->msg : "");
    *id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return act(c, bulletin, *id, "gc_office", "submit", json_object()) ||
           act(c, bulletin, *id, "gc_principal", "approve", json_object()) ||
           act(c, bulletin, *id, "gc_office", "issue", json_object());
}

/* Takes the scorecard id through action as user (body stolen). */
static int card_act(struct ctx *c, int64_t id, const char *user, const char *action, json_t *body)
{
    json_t *out = NULL;
    if (demo_as_user(c, user))
        return 1;
    enum err e = scorecards_act(c, id, action, body, &out);
    json_decref(out);
    json_decref(body);
    if (e)
        return cli_fail("demo scorecard %" PRId64 " %s by %s: %s", id, action, user, c->msg ? c->msg : "");
    return 0;
}

/* Last year's scorecard of 古城县, issued, with one adjustment of the office to 交通运输局 (jt) to which the
 * bureau's head objects: the objection waits on the office (its to-do). Made before this year's draft, so that
 * the draft is the newest card of the list. */
static int demo_objection(struct ctx *c, int year, int64_t jt)
{
    json_t *out = NULL, *body = json_pack("{si}", "year", year);
    if (demo_as_user(c, "gc_office"))
        return 1;
    enum err e = scorecards_create(c, body, &out);
    json_decref(body);
    int64_t card = e ? 0 : json_integer_value(json_object_get(out, "id")), adjustment = 0;
    json_decref(out);
    out = NULL;
    if (!e) {
        body = json_pack("{sI si ss}", "unit_id", (json_int_t)jt, "points", -2, "reason",
                         "未按时报送年度目标责任落实情况自查报告");
        e = scorecards_adjust(c, card, body, &out);
        json_decref(body);
        json_t *adj = json_array_get(json_object_get(out, "adjustments"), 0);
        adjustment = json_integer_value(json_object_get(adj, "id"));
        json_decref(out);
        out = NULL;
    }
    if (e || !adjustment)
        return cli_fail("demo scorecard of %d: %s", year, c->msg ? c->msg : "no adjustment");
    if (card_act(c, card, "gc_office", "submit", json_object()) ||
        card_act(c, card, "gc_principal", "approve", json_object()) ||
        card_act(c, card, "gc_office", "issue", json_object()) || demo_as_user(c, "gc_head"))
        return 1;
    body = json_pack("{sI ss ss}", "adjustment_id", (json_int_t)adjustment, "reason",
                     "自查报告已于规定时限前经县政府办公室公文交换报送，系登记遗漏，请求取消该项扣分。", "evidence",
                     "公文交换签收单（县政府办公室签收）");
    e = objections_create(c, card, body, &out);
    json_decref(body);
    json_decref(out);
    if (e)
        return cli_fail("demo objection: %s", c->msg ? c->msg : "");
    return 0;
}

/* This month's praise of 住建局 and criticism of 交通运输局 (its rectification due), issued today: made after the
 * history's (demo_results_history), so that their numbers follow the days (the history's spring praise and summer
 * criticism are 古督表〔年〕1号 and 古督批〔年〕1号, these 2号). */
static int results_now(struct ctx *c, int64_t *praise, int64_t *criticism)
{
    int64_t road = item_titled(c, "国省干线公路养护专项整治"), homes = item_titled(c, "老旧小区改造提升工程");
    int64_t jt = unit_coded(c, "gc-jt"), zj = unit_coded(c, "gc-zj");
    if (!road || !homes || !jt || !zj)
        return cli_fail("demo results: the demo items or units are missing");
    return issued(c, false,
                  json_pack("{ss ss ss sI s[I]}", "kind", "praise", "title", PRAISE_NOW, "content",
                            "县住房和城乡建设局提前完成12个老旧小区改造并通过验收，惠及居民2300余户，群众满意度高。",
                            "unit_id", (json_int_t)zj, "item_ids", (json_int_t)homes),
                  praise) ||
           issued(c, false,
                  json_pack(
                      "{ss ss ss sI s[I] ss}", "kind", "criticism", "title", CRITICISM_NOW, "content",
                      "县交通运输局承办的国省干线公路养护专项整治超过办结时限仍未办结，S221段因材料供应滞后进度缓慢，"
                      "经多次催办仍未按期完成。",
                      "unit_id", (json_int_t)jt, "item_ids", (json_int_t)road, "person", "何振华"),
                  criticism);
}

int demo_results(struct ctx *c)
{
    int64_t road = item_titled(c, "国省干线公路养护专项整治"), homes = item_titled(c, "老旧小区改造提升工程");
    int64_t jt = unit_coded(c, "gc-jt"), zj = unit_coded(c, "gc-zj"), talk;
    if (!road || !homes || !jt || !zj)
        return cli_fail("demo results: the demo items or units are missing");
    /* the talk in order: decided and approved three working days ago, held the working day before today at 09:00,
     * recorded that morning, followed up today (it was held today at 09:00, hours before its approval) */
    struct calendar cal;
    if (calendar_load(c, &cal))
        return cli_fail("demo results: %s", c->msg ? c->msg : "cannot read the calendar");
    int64_t day = time_local_day(c->now), now = c->now;
    int64_t decided = cal_add_workdays(&cal, day, -3), held = cal_add_workdays(&cal, day, -1);
    char today[11], talk_at[17];
    cal_format_date(day, today);
    cal_format_date(held, talk_at);
    snprintf(talk_at + 10, sizeof talk_at - 10, " 09:00");
    c->now = time_local_instant(decided, 10 * 3600);
    if (issued(c, false,
               json_pack(
                   "{ss ss ss sI s[I] ss ss ss ss}", "kind", "talk", "title", "关于约谈县交通运输局主要负责人的决定",
                   "content", "国省干线公路养护专项整治逾期未办结，经县政府主要领导批准，约谈县交通运输局主要负责人。",
                   "unit_id", (json_int_t)jt, "item_ids", (json_int_t)road, "person", "何振华（县交通运输局局长）",
                   "talk_by", "王建国（县长）", "talk_at", talk_at, "talk_place", "县政府第三会议室"),
               &talk))
        return 1;
    c->now = time_local_instant(held, 11 * 3600);
    if (act(c, false, talk, "gc_office", "record_talk",
            json_pack("{ss ss}", "record",
                      "指出S221段修补严重滞后的问题，何振华同志表态两周内完成全部修补并每周报送进展。", "held_at",
                      talk_at)))
        return 1;
    c->now = now;
    if (act(c, false, talk, "gc_office", "follow_up",
            json_pack("{ss}", "text", "已制定S221段整改计划，材料已到位，督查室每周跟踪进展。")))
        return 1;
    if (demo_objection(c, atoi(today) - 1, jt))
        return 1;
    json_t *card = NULL, *out = NULL;
    int64_t card_id = 0;
    if (demo_as_user(c, "gc_office"))
        return 1;
    json_t *year = json_pack("{si}", "year", atoi(today));
    enum err e = scorecards_create(c, year, &card);
    json_decref(year);
    if (!e) {
        card_id = json_integer_value(json_object_get(card, "id"));
        json_t *adj = json_pack("{sI si ss}", "unit_id", (json_int_t)zj, "points", 2, "reason",
                                "主动承担老旧小区改造急难任务并提前完成，经县政府常务会议研究予以加分");
        e = scorecards_adjust(c, card_id, adj, &out);
        json_decref(adj);
    }
    json_decref(card);
    json_decref(out);
    if (e)
        return cli_fail("demo scorecard: %s", c->msg ? c->msg : "");
    c->user = NULL;
    c->acting = NULL;
    /* as for the items: the demo's users start with empty inboxes */
    if (db_exec(c->db, "DELETE FROM outbox") != ERR_OK)
        return cli_fail("demo results: cannot clear the demo's notifications");
    printf("demo results: a talk, an objection to last year's scorecard and scorecard %" PRId64 " of 古城县\n",
           card_id);
    return 0;
}

int demo_results_pending(struct ctx *c)
{
    int64_t item = item_titled(c, "县城公交站亭改造提升"), jt = unit_coded(c, "gc-jt"), talk = 0;
    if (!item || !jt)
        return cli_fail("demo results: the item at risk or 交通运输局 is missing");
    char talk_at[17];
    cal_format_date(time_local_day(c->now) + 3, talk_at);
    snprintf(talk_at + 10, sizeof talk_at - 10, " 15:00");
    json_t *out = NULL;
    if (demo_as_user(c, "gc_office"))
        return 1;
    json_t *body = json_pack(
        "{ss ss ss sI s[I] ss ss ss ss}", "kind", "talk", "title", "关于约谈县交通运输局分管负责人的决定", "content",
        "县城公交站亭改造提升交办45天仅报送进度10%"
        "，落后序时进度，研判预警提示存在逾期风险，拟约谈县交通运输局分管负责人。",
        "unit_id", (json_int_t)jt, "item_ids", (json_int_t)item, "person", "周明（县交通运输局副局长）", "talk_by",
        "王建国（县长）", "talk_at", talk_at, "talk_place", "县政府第二会议室");
    enum err e = results_create(c, body, &out);
    json_decref(body);
    if (e)
        return cli_fail("demo talk: %s", c->msg ? c->msg : "");
    talk = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    if (act(c, false, talk, "gc_office", "submit", json_object()))
        return 1;
    c->user = NULL;
    c->acting = NULL;
    if (db_exec(c->db, "DELETE FROM outbox") != ERR_OK)
        return cli_fail("demo results: cannot clear the demo's notifications");
    printf("demo results: talk %" PRId64 " awaiting the principal leader\n", talk);
    return 0;
}

/* The results of the year behind the demo (after demo_items_history), each on its day: a praise of 水利局 for
 * its spring repairs, a criticism of 城关镇 for its late market (its rectification reported and accepted), and the bulletin of the last whole quarter
 * naming them, issued ten days after it, and after it this month's bulletin, issued with the office's seal and
 * published to the public (so that the numbers follow the days). Then this year's draft card is counted again (refresh, as the office
 * would before submitting it) and the early warnings' pass looks at the new items. */
int demo_results_history(struct ctx *c)
{
    int64_t spring = item_titled(c, "春季农田水利设施修复"), market = item_titled(c, "城关镇农贸市场升级改造");
    int64_t sw = unit_coded(c, "gc-sw"), t1 = unit_coded(c, "gc-t1"), now = c->now, praise = 0, criticism = 0;
    int64_t bulletin = 0, card = 0;
    if (!spring || !market || !sw || !t1)
        return cli_fail("demo results: the history's items or units are missing");
    c->now = now - 240 * 86400;
    int rc = issued(c, false,
                    json_pack("{ss ss ss sI s[I]}", "kind", "praise", "title",
                              "关于表扬县水利局春季农田水利设施修复工作的通报", "content",
                              "县水利局提前完成受冻损灌溉渠道和泵站修复，保障春灌面积12万亩。", "unit_id",
                              (json_int_t)sw, "item_ids", (json_int_t)spring),
                    &praise);
    c->now = now - 150 * 86400;
    if (!rc)
        rc = issued(c, false,
                    json_pack("{ss ss ss sI s[I]}", "kind", "criticism", "title",
                              "关于城关镇农贸市场升级改造工作推进迟缓的通报批评", "content",
                              "城关镇承办的中心农贸市场升级改造超过办理期限，经催办仍进展迟缓，影响群众生活。",
                              "unit_id", (json_int_t)t1, "item_ids", (json_int_t)market),
                    &criticism);
    /* its rectification reported by the township and accepted by the office */
    c->now = now - 140 * 86400;
    if (!rc)
        rc = act(c, false, criticism, "gc_town", "report_rectification",
                 json_pack("{ss}", "rectification",
                           "已调整施工组织，增加施工力量，农贸市场改造已完成并投入使用；建立镇领导包联重点项目制度。"));
    c->now = now - 138 * 86400;
    if (!rc)
        rc = act(c, false, criticism, "gc_office", "accept_rectification", json_object());
    /* the last whole quarter before this one (none in the first quarter) */
    int y;
    unsigned m, d;
    int64_t today = time_local_day(now);
    cal_civil_from_days(today, &y, &m, &d);
    unsigned q0 = (m - 1) / 3 * 3 + 1;
    if (!rc && q0 > 1) {
        char from[11], to[11];
        snprintf(from, sizeof from, "%04d-%02u-01", y, q0 - 3);
        cal_format_date(cal_days_from_civil(y, q0, 1) - 1, to);
        int64_t at = cal_days_from_civil(y, q0, 1) + 9;
        c->now = at < today ? time_local_instant(at, 10 * 3600) : now;
        rc = issued(c, true,
                    json_pack("{ss ss s[I I] sb}", "period_from", from, "period_to", to, "result_ids",
                              (json_int_t)praise, (json_int_t)criticism, "public", 0),
                    &bulletin);
    }
    c->now = now;
    /* this month's praise and criticism (results_now), then the bulletin naming them, published: issued after the
     * quarter's, so that their numbers follow their days (古督通〔年〕1号 the quarter's, 2号 this month's) */
    int64_t bulletin_now = 0, praised = 0, criticised = 0;
    char today_s[11], first[11];
    cal_format_date(today, today_s);
    snprintf(first, sizeof first, "%.8s01", today_s);
    if (!rc)
        rc = results_now(c, &praised, &criticised);
    if (!rc)
        rc = issued(c, true,
                    json_pack("{ss ss s[I I] sb}", "period_from", first, "period_to", today_s, "result_ids",
                              (json_int_t)praised, (json_int_t)criticised, "public", 1),
                    &bulletin_now);
    if (rc)
        return rc;
    json_t *out = NULL, *body = json_pack("{sb}", "refresh", 1);
    db_one_int(c->db, &card, "SELECT MAX(id) FROM scorecards WHERE state = 'draft'");
    enum err e = demo_as_user(c, "gc_office") ? ERR_INTERNAL : scorecards_update(c, card, body, &out);
    json_decref(body);
    json_decref(out);
    c->user = NULL;
    c->acting = NULL;
    if (e)
        return cli_fail("demo scorecard %" PRId64 " refresh: %s", card, c->msg ? c->msg : "");
    int changed = 0;
    if (warnings_pass(c, NULL, &changed))
        return cli_fail("demo early warnings: %s", c->msg ? c->msg : "");
    if (db_exec(c->db, "DELETE FROM outbox") != ERR_OK)
        return cli_fail("demo results: cannot clear the demo's notifications");
    printf("demo history: a praise, a criticism, bulletin %" PRId64 " of the last quarter, bulletin %" PRId64
           " of this month, scorecard %" PRId64 " counted again, %d tracks flagged\n",
           bulletin, bulletin_now, card, changed);
    return 0;
}
