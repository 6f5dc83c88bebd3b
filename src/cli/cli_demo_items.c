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

/* Registers d as its office and takes its steps. */
static int demo_item(struct ctx *c, const struct demo_item *d)
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
    for (const struct step *s = d->steps; s->user; s++)
        if (step(c, id, s))
            return 1;
    return 0;
}

int demo_items(struct ctx *c)
{
    int n = 0;
    for (size_t i = 0; i < sizeof demo / sizeof *demo; i++, n++)
        if (demo_item(c, &demo[i]))
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
    int rc = demo_item(c, &at_risk);
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
