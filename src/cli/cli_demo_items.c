/*
 * cli_demo_items.c: the demo's supervision items: a handful of realistic 古城县 items in the states
 * an office sees every day (draft, awaiting approval, assigned, in progress with reports, overdue
 * and escalated, suspended, completed, withdrawn) and one 安平县 item. Every step is taken through
 * the domain functions as the demo user who would take it, so timeline and audit are as in real use.
 */
#include "auth/auth.h"
#include "base/timeu.h"
#include "calendar/workdays.h"
#include "cli/cli.h"
#include "docs/itemdocs.h"
#include "items/items.h"
#include "results/results.h"
#include "units/units.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct step {
    const char *user, *action; /* action "report" takes text and percent */
    const char *text;
    int percent; /* report percent; for request_extension / plan: days from today */
    int day;     /* the history's (demo_items_history): days after the item's registration */
};

struct demo_item {
    const char *office_user, *title, *requirement, *source_kind, *source_ref, *lead, *co, *importance, *kind;
    int due_days;
    const char *tags;
    bool leader;
    struct step steps[16];
};

/* clang-format off */
#define S_(u, a, t, p, ...) {u, a, t, p}
#define S(...) S_(__VA_ARGS__, 0, 0)
static const struct demo_item demo[] = {
    {"gc_office", "城区道路交通拥堵综合治理", "完成人民路、解放路等主干道改造和信号灯智能化改造，高峰期通行时间缩短20%以上，每月报送进展。",
     "meeting", "县长办公会议纪要〔2026〕7号", "gc-jt", "gc-zj", "major", "ongoing", 75, "交通,民生", true,
     {S("gc_office", "submit"), S("gc_deputy", "approve"), S("gc_director", "approve"), S("gc_office", "assign"),
      S("gc_contact", "receive"), S("gc_contact2", "receive"),
      S("gc_contact", "report", "人民路改造已完成施工设计，信号灯采购已招标。", 35),
      S("gc_contact2", "report", "完成沿线拆迁摸底，配合交警部门制定交通组织方案。", 30),
      S("gc_secretary", "review_accept"),
      S("gc_contact", "report", "人民路主体工程完成60%，解放路开工。", 60)}},
    {"gc_office", "老旧小区改造提升工程", "完成城关镇12个老旧小区的水电气管网改造和外立面整治，年底前全部竣工验收。", "work_report",
     "2026年《政府工作报告》", "gc-zj", NULL, "general", "annual", 40, "民生,住建", true,
     {S("gc_office", "submit"), S("gc_deputy", "approve"), S("gc_director", "approve"), S("gc_office", "assign"),
      S("gc_contact2", "receive"), S("gc_contact2", "report", "12个小区全部开工，完成投资65%。", 65),
      S("gc_contact2", "report", "12个小区全部竣工，已组织居民代表参与验收。", 100),
      S("gc_contact2", "request_completion", "12个老旧小区改造全部完成并通过验收，惠及居民2300余户。"),
      S("gc_head2", "sign"), S("gc_office", "verify", "优秀")}},
    {"gc_office", "农村饮水安全巩固提升", "对全县38个村的供水管网进行改造，解决季节性缺水问题。", "central_policy",
     "国务院关于农村饮水安全的部署", "gc-sw", NULL, "major", "once", 120, "民生,水利", true,
     {S("gc_office", "submit"), S("gc_deputy", "approve"), S("gc_director", "approve"), S("gc_office", "assign")}},
    {"gc_office", "国省干线公路养护专项整治", "对G208、S221古城段的坑槽、裂缝进行全面修补，消除安全隐患。", "instruction",
     "县长批示（2026年9月3日）", "gc-jt", NULL, "general", "once", -5, "交通", true,
     {S("gc_office", "submit"), S("gc_deputy", "approve"), S("gc_director", "approve"), S("gc_office", "assign"),
      S("gc_contact", "receive"), S("gc_contact", "report", "已完成G208段修补，S221段因材料供应滞后进度缓慢。", 45),
      S("gc_office", "escalate", "逾期未办结，报请县政府主要领导列入督查事项。")}},
    {"gc_office", "防汛物资储备情况检查", "全面检查各乡镇防汛物资储备，建立台账，缺口物资10日内补齐。", "leader_assigned",
     "分管副县长交办", "gc-yj", NULL, "general", "once", 10, "应急", false, {S("gc_office", "submit")}},
    {"gc_office", "企业反映营商环境问题办理", "核实“互联网+督查”平台反映的审批时限过长问题，提出整改措施。", "public_complaint",
     "国务院“互联网+督查”平台转办线索", "gc-xzsp", NULL, "general", "once", 15, "营商环境", false, {{0, 0, 0, 0}}},
    {"gc_office", "城关镇人居环境整治", "开展城关镇背街小巷环境卫生集中整治，建立长效保洁机制。", "inspection_visit",
     "县委书记视察调研指示", "gc-t1", NULL, "general", "ongoing", 30, "人居环境", false,
     {S("gc_office", "submit"), S("gc_deputy", "approve"), S("gc_director", "approve"), S("gc_office", "assign"),
      S("gc_town", "receive")}},
    {"gc_office", "汛期河道清淤疏浚", "对古城河、岳阳河重点河段清淤疏浚，确保汛期行洪安全。", "meeting",
     "县政府常务会议纪要〔2026〕12号", "gc-sw", NULL, "general", "once", 60, "水利", true,
     {S("gc_office", "submit"), S("gc_deputy", "approve"), S("gc_director", "approve"), S("gc_office", "assign"),
      S("gc_leader", "suspend", "主汛期河道水位高，待汛期结束后施工。")}},
    {"gc_office", "县城停车场规划建设（重复立项）", "新建公共停车场三处。", "npc_cppcc", "县人大代表建议第15号", "gc-zj", NULL,
     "general", "once", 90, "交通", true,
     {S("gc_office", "submit"), S("gc_office", "withdraw", "与《城区道路交通拥堵综合治理》重复，合并办理。")}},
    {"ap_office", "安平县农村公路安全生命防护工程", "完成县乡道安全防护栏安装86公里。", "work_report", "2026年《政府工作报告》",
     "ap-jt", NULL, "general", "once", 50, "交通", false,
     {S("ap_office", "submit"), S("ap_deputy", "approve"), S("ap_director", "approve"), S("ap_office", "assign"),
      S("ap_contact", "receive")}},
};
/* clang-format on */

/* clang-format off */
/* Registered, assigned and reported on 45 days ago (demo_items_at_risk), due in 20 days. */
static const struct demo_item at_risk =
    {"gc_office", "县城公交站亭改造提升", "完成县城42座公交站亭改造，增设电子站牌和无障碍设施，每月报送进展。", "meeting",
     "县政府常务会议纪要〔2026〕9号", "gc-jt", NULL, "general", "once", 65, "交通,民生", true,
     {S("gc_office", "submit"), S("gc_deputy", "approve"), S("gc_director", "approve"), S("gc_office", "assign"),
      S("gc_contact", "receive"), S("gc_contact", "report", "完成站亭选址和设计方案，施工单位招标中。", 10),
      S("gc_secretary", "review_accept")}};
/* clang-format on */
#undef S
#undef S_

/* clang-format off */
/* The year behind the demo (demo_items_history): items of 古城县 registered months ago, each step on its own day
 * after the registration, so that the burden index has figures in every quarter, the scorecard differs between
 * units (on time, late, returned, pressed, overdue) and the early warning has items behind their time. */
struct demo_past {
    int ago; /* registered this many days before today */
    struct demo_item item;
};
#define H_(d, u, a, t, p, ...) {u, a, t, p, d}
#define H(...) H_(__VA_ARGS__, 0, 0)
#define OPEN(d) H(d, "gc_office", "submit"), H(d, "gc_deputy", "approve"), H(d, "gc_director", "approve"), \
    H(d, "gc_office", "assign")
#define DONE(d, contact, head, text, grade) H(d, contact, "request_completion", text), H(d, head, "sign"), \
    H(d + 1, "gc_office", "verify", grade)
static const struct demo_past history[] = {
    {320, {"gc_office", "春运道路运输安全保障", "做好春运期间客运站、重点路段安全保障，每周报送运行情况。", "meeting",
     "县政府常务会议纪要〔2026〕1号", "gc-jt", NULL, "general", "once", 30, "交通,安全", true,
     {OPEN(0), H(1, "gc_contact", "receive"), H(10, "gc_contact", "report", "客运站安检设备全部到位，重点路段设执勤点6处。", 50),
      H(25, "gc_contact", "report", "春运期间未发生道路运输安全事故，旅客发送量同比增长8%。", 100),
      DONE(27, "gc_contact", "gc_head", "春运安全保障任务全部完成。", "良好")}}},
    {300, {"gc_office", "建筑工地扬尘污染专项治理", "对全县在建工地落实“六个百分之百”扬尘防控措施，建立巡查台账。", "central_policy",
     "大气污染防治攻坚部署", "gc-zj", NULL, "general", "once", 45, "住建,环保", true,
     {OPEN(0), H(2, "gc_contact2", "receive"), H(20, "gc_contact2", "report", "完成全县42个在建工地摸底，下达整改通知19份。", 40),
      H(40, "gc_office", "press", "扬尘治理临近期限，请加快整改并报送台账。"),
      H(44, "gc_contact2", "report", "37个工地完成整改，5个工地整改中。", 90),
      H(50, "gc_contact2", "request_completion", "扬尘专项治理完成。"), H(50, "gc_head2", "sign"),
      H(52, "gc_office", "return", "巡查台账未附整改前后对比，5个工地整改情况未说明，退回补充。"),
      H(60, "gc_contact2", "report", "42个工地全部完成整改，巡查台账已补齐。", 100),
      DONE(61, "gc_contact2", "gc_head2", "42个在建工地全部落实扬尘防控措施，台账齐全。", "合格")}}},
    {290, {"gc_office", "春季农田水利设施修复", "修复受冻损的灌溉渠道和泵站，确保春灌用水。", "leader_assigned",
     "分管副县长交办", "gc-sw", NULL, "general", "once", 40, "水利,农业", true,
     {OPEN(0), H(1, "gc_contact3", "receive"), H(15, "gc_contact3", "report", "修复渠道18公里、泵站4座。", 60),
      H(35, "gc_contact3", "report", "全部修复完成，春灌如期开闸。", 100),
      DONE(36, "gc_contact3", "gc_head3", "春季农田水利设施修复全部完成，保障春灌面积12万亩。", "优秀")}}},
    {260, {"gc_office", "城关镇农贸市场升级改造", "完成城关镇中心农贸市场改造，规范经营秩序。", "work_report",
     "2026年《政府工作报告》", "gc-t1", NULL, "general", "once", 60, "民生", false,
     {OPEN(0), H(3, "gc_town", "receive"), H(30, "gc_town", "report", "完成设计和招标，市场临时疏解点已启用。", 30),
      H(65, "gc_office", "press", "农贸市场改造已超期，请说明原因并加快施工。"),
      H(80, "gc_town", "report", "主体改造完成，正在安装摊位和排水设施。", 70),
      H(100, "gc_town", "report", "改造全部完成，商户已回迁。", 100),
      DONE(100, "gc_town", "gc_townhead", "城关镇中心农贸市场改造完成并投入使用。", "合格")}}},
    {230, {"gc_office", "农村客运班线通达提升", "优化农村客运班线，实现建制村通客车率100%。", "work_report",
     "2026年《政府工作报告》", "gc-jt", NULL, "general", "annual", 50, "交通,民生", true,
     {OPEN(0), H(1, "gc_contact", "receive"), H(20, "gc_contact", "report", "新开通农村客运班线5条。", 45),
      H(45, "gc_contact", "report", "全县建制村通客车率达到100%。", 100),
      DONE(46, "gc_contact", "gc_head", "农村客运班线通达提升任务完成。", "良好")}}},
    {200, {"gc_office", "主汛期防汛隐患排查整治", "排查整治河道、水库、山塘防汛隐患，汛前全部销号。", "meeting",
     "县防汛抗旱指挥部会议纪要", "gc-sw", NULL, "major", "once", 30, "水利,应急", true,
     {OPEN(0), H(1, "gc_contact3", "receive"), H(10, "gc_contact3", "report", "排查隐患点63处，已整改31处。", 50),
      H(25, "gc_contact3", "report", "63处隐患全部整改销号。", 100),
      DONE(26, "gc_contact3", "gc_head3", "防汛隐患全部整改销号。", "良好")}}},
    {170, {"gc_office", "城镇燃气管道老化更新改造", "完成城区老化燃气管道更新改造26公里。", "central_policy",
     "城市燃气管道等老化更新改造实施方案", "gc-zj", NULL, "major", "once", 60, "住建,安全", true,
     {OPEN(0), H(2, "gc_contact2", "receive"), H(30, "gc_contact2", "report", "完成管道更新14公里。", 50),
      H(58, "gc_contact2", "report", "26公里管道全部更新并通气验收。", 100),
      DONE(59, "gc_contact2", "gc_head2", "燃气管道更新改造26公里全部完成。", "优秀")}}},
    {150, {"gc_office", "重点项目前期工作推进", "完成年度重点项目可研、用地、环评等前期手续。", "meeting",
     "县长办公会议纪要〔2026〕21号", "gc-fgw", NULL, "general", "once", 45, "项目", false,
     {OPEN(0), H(50, "gc_office", "press", "重点项目前期工作已超期，请立即签收办理并报送进展。"),
      H(70, "gc_office", "press", "再次催办：请于3日内报送重点项目前期工作进展。")}}},
    {110, {"gc_office", "岳阳镇污水管网建设", "建设岳阳镇区污水收集管网8公里，实现污水集中处理。", "inspection_visit",
     "县委书记视察调研指示", "gc-t2", NULL, "general", "once", 60, "环保", false,
     {OPEN(0), H(65, "gc_office", "press", "污水管网建设已超期，请签收并报送进展。")}}},
    {100, {"gc_office", "冬季道路除雪保畅预案落实", "修订除雪保畅预案，储备融雪剂和机械设备。", "leader_assigned",
     "分管副县长交办", "gc-jt", NULL, "general", "once", 30, "交通,应急", true,
     {OPEN(0), H(1, "gc_contact", "receive"), H(20, "gc_contact", "report", "预案已修订，融雪剂储备60%。", 60),
      H(33, "gc_office", "press", "除雪保畅准备已超期，请尽快完成物资储备。"),
      H(40, "gc_contact", "report", "融雪剂和除雪机械全部到位。", 100),
      DONE(41, "gc_contact", "gc_head", "除雪保畅预案落实完成。", "合格")}}},
    {80, {"gc_office", "病险水库除险加固工程", "完成3座小型病险水库除险加固，消除安全隐患。", "central_policy",
     "水库除险加固工作部署", "gc-sw", NULL, "major", "once", 110, "水利,安全", true,
     {OPEN(0), H(1, "gc_contact3", "receive"), H(20, "gc_contact3", "report", "完成1座水库初步设计批复。", 15),
      H(60, "gc_office", "press", "水库除险加固进度滞后，请报送施工进展。"),
      H(70, "gc_office", "press", "再次催办：请说明水库除险加固滞后原因及赶工措施。")}}},
    {60, {"gc_office", "保障性租赁住房筹建", "筹建保障性租赁住房300套，年内开工。", "work_report",
     "2026年《政府工作报告》", "gc-zj", NULL, "general", "annual", 90, "住建,民生", true,
     {OPEN(0), H(2, "gc_contact2", "receive"), H(10, "gc_contact2", "report", "项目选址已确定，正在办理用地手续。", 10)}}},
    {40, {"gc_office", "城关镇背街小巷路灯补装", "补装城关镇背街小巷路灯120盏。", "public_complaint",
     "12345热线群众反映集中问题", "gc-t1", NULL, "general", "once", 50, "民生", false,
     {OPEN(0), H(1, "gc_town", "receive"), H(5, "gc_town", "report", "完成路灯点位勘察。", 20)}}},
    {30, {"gc_office", "公路治超非现场执法点建设", "建设治超非现场执法点3处并联网运行。", "meeting",
     "县政府常务会议纪要〔2026〕25号", "gc-jt", NULL, "general", "once", 60, "交通", true,
     {OPEN(0), H(1, "gc_contact", "receive"), H(20, "gc_contact", "report", "3处执法点土建完成，设备安装中。", 60)}}},
    {20, {"gc_office", "冬春农田水利基本建设", "完成冬春农田水利基本建设任务，新增改善灌溉面积1.5万亩。", "work_report",
     "2026年《政府工作报告》", "gc-sw", NULL, "general", "once", 100, "水利,农业", true,
     {OPEN(0), H(1, "gc_contact3", "receive"), H(15, "gc_contact3", "report", "完成项目规划，已开工5处。", 20)}}},
};
#undef DONE
#undef OPEN
#undef H
#undef H_
/* clang-format on */

int demo_as_user(struct ctx *c, const char *username)
{
    int64_t id = 0;
    struct stmt *st = db_prepare(c->db, "SELECT id FROM users WHERE username = ?");
    if (st)
        stmt_bind_text(st, 1, username);
    if (stmt_one_int(st, &id) != STORE_ROW)
        return cli_fail("demo items: no user %s", username);
    struct principal *p;
    if (auth_load_principal(c, id, &p))
        return cli_fail("demo items: cannot load %s", username);
    c->user = p;
    c->acting = NULL;
    return 0;
}

static const char *date_in(struct ctx *c, int days)
{
    char *d = arena_alloc(c->arena, 11);
    cal_format_date(time_local_day(c->now) + days, d);
    return d;
}

static int64_t unit_id(struct ctx *c, const char *code)
{
    int64_t id = 0;
    const char *path;
    const struct principal *saved = c->user;
    c->user = NULL;
    units_find_code(c, code, &id, &path);
    c->user = saved;
    return id;
}

static int step(struct ctx *c, int64_t id, const struct step *s)
{
    if (demo_as_user(c, s->user))
        return 1;
    json_t *body = json_object(), *out = NULL;
    enum err e;
    if (!strcmp(s->action, "review_accept")) {
        /* accept the latest report */
        int64_t rid = 0;
        struct stmt *st = db_prepare(c->db, "SELECT MAX(id) FROM item_reports WHERE item_id = ?");
        if (st)
            stmt_bind_int(st, 1, id);
        stmt_one_int(st, &rid);
        json_object_set_new(body, "result", json_string("accepted"));
        json_object_set_new(body, "note", json_string("进展情况属实"));
        e = items_review_report(c, id, rid, body, &out);
    } else {
        enum item_action a;
        if (!item_action_parse(s->action, &a)) {
            json_decref(body);
            return cli_fail("demo items: unknown action %s", s->action);
        }
        if (a == ITEM_ACT_REPORT) {
            json_object_set_new(body, "text", json_string(s->text));
            json_object_set_new(body, "percent", json_integer(s->percent));
        } else if (a == ITEM_ACT_REQUEST_COMPLETION) {
            json_object_set_new(body, "text", json_string(s->text));
        } else if (a == ITEM_ACT_PRESS) {
            json_object_set_new(body, "text", json_string(s->text));
        } else if (a == ITEM_ACT_VERIFY) {
            json_object_set_new(body, "grade", json_string(s->text));
        } else if (s->text) {
            json_object_set_new(body, "reason", json_string(s->text));
        }
        e = items_act(c, id, a, body, &out);
        bool stored;
        if (!e && a == ITEM_ACT_ARCHIVE) /* its file, as the server's request would after the commit */
            e = docs_archive_build(c, id, true, &stored);
    }
    json_decref(body);
    json_decref(out);
    if (e)
        return cli_fail("demo item %" PRId64 " %s by %s: %s", id, s->action, s->user, c->msg ? c->msg : "");
    return 0;
}

/* Registers d as its office and takes its steps (a history's none after until, when not 0). */
static int demo_item(struct ctx *c, const struct demo_item *d, int64_t until)
{
    if (demo_as_user(c, d->office_user))
        return 1;
    json_t *co = json_array(), *tags = json_array();
    if (d->co)
        json_array_append_new(co, json_integer(unit_id(c, d->co)));
    char tagbuf[128];
    snprintf(tagbuf, sizeof tagbuf, "%s", d->tags);
    char *save = NULL;
    for (char *t = strtok_r(tagbuf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(tags, json_string(t));
    json_t *b = json_pack("{ss ss ss ss sI so ss ss ss so}", "title", d->title, "requirement", d->requirement,
                          "source_kind", d->source_kind, "source_ref", d->source_ref, "lead_unit_id",
                          (json_int_t)unit_id(c, d->lead), "co_unit_ids", co, "importance", d->importance, "kind",
                          d->kind, "due_date", date_in(c, d->due_days), "tags", tags);
    if (d->leader) {
        int64_t leader = 0;
        struct stmt *st = db_prepare(c->db, "SELECT id FROM users WHERE username = 'gc_leader'");
        stmt_one_int(st, &leader);
        json_object_set_new(b, "leader_id", json_integer(leader));
    }
    json_t *out = NULL;
    /* an overdue item was registered while its date was still ahead (a due date is never in the past) */
    int64_t now = c->now;
    if (d->due_days < 0)
        c->now -= (int64_t)(30 - d->due_days) * 86400;
    enum err e = items_create(c, b, &out);
    c->now = now;
    json_decref(b);
    if (e)
        return cli_fail("demo item %s: %s", d->title, c->msg ? c->msg : "");
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    /* a history step is taken on its own day after the registration (never after the real now) */
    int rc = 0;
    for (const struct step *s = d->steps; !rc && s->user; s++) {
        c->now = now + (int64_t)s->day * 86400 + (s->day ? 3600 : 0);
        rc = until && c->now > until ? cli_fail("demo item %s: a step after today", d->title) : step(c, id, s);
    }
    c->now = now;
    return rc;
}

int demo_items(struct ctx *c)
{
    int n = 0;
    for (size_t i = 0; i < sizeof demo / sizeof *demo; i++, n++)
        if (demo_item(c, &demo[i], 0))
            return 1;
    c->user = NULL;
    c->acting = NULL;
    /* the demo's history is for show: its users start with empty inboxes and nothing queued to mail */
    if (db_exec(c->db, "DELETE FROM outbox") != ERR_OK)
        return cli_fail("demo items: cannot clear the demo's notifications");
    printf("demo supervision items: %d\n", n);
    return 0;
}

int demo_items_at_risk(struct ctx *c)
{
    int64_t now = c->now;
    c->now -= 45 * 86400;
    int rc = demo_item(c, &at_risk, 0);
    c->now = now;
    c->user = NULL;
    c->acting = NULL;
    int changed = 0;
    if (!rc && warnings_pass(c, NULL, &changed))
        rc = cli_fail("demo early warnings: %s", c->msg ? c->msg : "");
    if (!rc)
        printf("demo early warnings: %s behind its time (%d tracks flagged)\n", at_risk.title, changed);
    return rc;
}

int demo_items_history(struct ctx *c)
{
    int64_t now = c->now;
    int rc = 0, n = 0;
    for (size_t i = 0; !rc && i < sizeof history / sizeof *history; i++, n++) {
        c->now = now - (int64_t)history[i].ago * 86400;
        rc = demo_item(c, &history[i].item, now);
    }
    c->now = now;
    c->user = NULL;
    c->acting = NULL;
    if (!rc)
        printf("demo history: %d items of the past months\n", n);
    return rc;
}
