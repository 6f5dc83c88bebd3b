/*
 * cli_demo_inspections.c: the demo's inspections — a realistic year for 古城县 and 安平县: the annual plan
 * compiled from the departments' proposals (one merged, one not taken), approved and filed; inspections from
 * the plan in every stage (an unannounced one concluded, its rebounding problem back as a look-back, one rectifying with a task
 * overdue, one concluded with a review awaiting the county head, one under way with its team on the ground
 * and a third-party evaluator engaged, one awaiting the scheme's approval); an unplanned clue verification
 * with an immediate fix; an unannounced visit under way that its target cannot see; the escalated demo item's
 * proposal before the county head; the inspector roster with training records.
 *
 * Every step is taken through the domain functions as the demo user who would take it, on the day it
 * would be taken (the context's clock is moved back for it), so timelines and audit read as in real use.
 */
#include "auth/auth.h"
#include "base/timeu.h"
#include "calendar/workdays.h"
#include "cli/cli.h"
#include "inspections/inspections.h"
#include "units/units.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct demo {
    struct ctx *c;
    int64_t today; /* local day of the demo's "now" */
    int64_t now;   /* the real now, restored at the end */
    int year;      /* the plan year */
    int failed;
};

/* Acts as the demo user from now on, on day `day` (relative to today) at 09:30 plus minutes. */
static bool as(struct demo *d, const char *username, int day, int minutes)
{
    struct ctx *c = d->c;
    c->now = time_local_instant(d->today + day, 9 * 3600 + 30 * 60 + minutes * 60);
    int64_t id = 0;
    if (db_one_int(c->db, &id, "SELECT id FROM users WHERE username = ?", DB_TEXT(username))) {
        cli_fail("demo inspections: no user %s", username);
        return false;
    }
    struct principal *p;
    if (auth_load_principal(c, id, &p)) {
        cli_fail("demo inspections: cannot load %s", username);
        return false;
    }
    c->user = p;
    c->acting = NULL;
    return true;
}

/* A date of the plan year: today + days, kept inside the year. */
static const char *dday(struct demo *d, int days)
{
    int64_t lo = cal_days_from_civil(d->year, 1, 2), hi = cal_days_from_civil(d->year, 12, 31);
    int64_t v = d->today + days;
    v = v < lo ? lo : v > hi ? hi : v;
    char *s = arena_alloc(d->c->arena, 11);
    cal_format_date(v, s);
    return s;
}

static int64_t unit(struct demo *d, const char *code)
{
    int64_t id = 0;
    const char *path;
    const struct principal *saved = d->c->user;
    d->c->user = NULL;
    units_find_code(d->c, code, &id, &path);
    d->c->user = saved;
    return id;
}

static int64_t user_id(struct demo *d, const char *username)
{
    int64_t id = 0;
    db_one_int(d->c->db, &id, "SELECT id FROM users WHERE username = ?", DB_TEXT(username));
    return id;
}

/* The result of a domain call: its id (the JSON's "id"), or 0 with the failure printed. Takes *out and sets it
 * to NULL: a failed call leaves its out unset, so a variable used for the next call must not keep the freed one. */
static int64_t ok(struct demo *d, enum err e, json_t **out, const char *what)
{
    int64_t id = e ? 0 : json_integer_value(json_object_get(*out, "id"));
    json_decref(*out);
    *out = NULL;
    if (e) {
        cli_fail("demo inspections: %s: %s", what, d->c->msg ? d->c->msg : "");
        d->failed = 1;
    }
    return id;
}

/* Takes a workflow action (fn: insp_act, insp_plan_act, rect_act, review_act) with a body; takes body. */
static void act(struct demo *d, enum err (*fn)(struct ctx *, int64_t, const char *, const json_t *, json_t **),
                int64_t id, const char *action, json_t *body)
{
    if (d->failed || !id)
        return;
    json_t *out = NULL, *b = body ? body : json_object();
    enum err e = fn(d->c, id, action, b, &out);
    json_decref(b);
    ok(d, e, &out, action);
}

static json_t *ids(struct demo *d, const char *const *codes)
{
    json_t *arr = json_array();
    for (; codes && *codes; codes++)
        json_array_append_new(arr, json_integer(unit(d, *codes)));
    return arr;
}

#define CODES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- the roster ---- */

static int64_t inspector(struct demo *d, const char *name, const char *kind, const char *org, const char *username,
                         const char *expertise)
{
    json_t *b = json_pack("{ss ss ss ss}", "name", name, "kind", kind, "organisation", org, "expertise", expertise);
    if (username)
        json_object_set_new(b, "user_id", json_integer(user_id(d, username)));
    json_t *out = NULL;
    enum err e = inspector_create(d->c, b, &out);
    json_decref(b);
    return ok(d, e, &out, name);
}

static void training(struct demo *d, int64_t id, int day, const char *title, int hours)
{
    json_t *out = NULL, *b = json_pack("{ss ss si}", "day", dday(d, day), "title", title, "hours", hours);
    enum err e = inspector_training_add(d->c, id, b, &out);
    json_decref(b);
    ok(d, e, &out, title);
}

/* ---- plans ---- */

struct entry_def {
    const char *user, *organiser, *subject, *matters, *kind, *methods;
    const char *const *targets;
    int start, days;
};

static int64_t propose(struct demo *d, int64_t plan, const struct entry_def *e, int day)
{
    if (d->failed || !as(d, e->user, day, 0))
        return 0;
    json_t *methods = json_array();
    char buf[128];
    snprintf(buf, sizeof buf, "%s", e->methods);
    char *save = NULL;
    for (char *m = strtok_r(buf, ",", &save); m; m = strtok_r(NULL, ",", &save))
        json_array_append_new(methods, json_string(m));
    json_t *b = json_pack("{ss ss ss so sI so ss ss}", "subject", e->subject, "matters", e->matters, "kind", e->kind,
                          "methods", methods, "organiser_unit_id", (json_int_t)unit(d, e->organiser), "target_unit_ids",
                          ids(d, e->targets), "start_date", dday(d, e->start), "end_date", dday(d, e->start + e->days));
    json_t *out = NULL;
    enum err err = insp_entry_propose(d->c, plan, b, &out);
    json_decref(b);
    return ok(d, err, &out, e->subject);
}

/* ---- inspections ---- */

/* Opens an inspection from a plan entry and takes it to the scheme's approval with its team. */
static int64_t from_plan(struct demo *d, const char *office, int64_t entry, int day, const char *content,
                         const char *scope, const char *leader, const char *const *members, const char *evaluator,
                         bool approve, const char *principal)
{
    if (d->failed || !as(d, office, day, 0))
        return 0;
    json_t *b = json_pack("{ss sI ss ss}", "basis", "plan", "plan_entry_id", (json_int_t)entry, "scheme_content",
                          content, "scheme_scope", scope);
    json_t *out = NULL;
    enum err e = insp_create(d->c, b, &out);
    json_decref(b);
    int64_t id = ok(d, e, &out, "from plan");
    act(d, insp_act, id, "open", NULL);
    json_t *m = json_array();
    for (; members && *members; members++)
        json_array_append_new(m, json_pack("{sI}", "user_id", (json_int_t)user_id(d, *members)));
    json_t *ev = json_array();
    if (evaluator)
        json_array_append_new(ev, json_integer(unit(d, evaluator)));
    b = json_pack("{sI so so}", "leader_id", (json_int_t)user_id(d, leader), "members", m, "evaluator_unit_ids", ev);
    if (!d->failed) {
        e = insp_team_put(d->c, id, b, &out);
        ok(d, e, &out, "team");
    }
    json_decref(b);
    act(d, insp_act, id, "submit_scheme", NULL);
    if (approve && as(d, principal, day + 2, 0))
        act(d, insp_act, id, "approve_scheme", NULL);
    return id;
}

static int64_t finding(struct demo *d, int64_t insp, const char *user, int day, const char *unit_code,
                       const char *title, const char *detail, const char *requirement, int due, bool immediate,
                       const char *fix, bool rebound)
{
    if (d->failed || !as(d, user, day, 10))
        return 0;
    json_t *b =
        json_pack("{ss ss ss sI ss sb sb}", "title", title, "detail", detail, "requirement", requirement, "unit_id",
                  (json_int_t)unit(d, unit_code), "due_date", dday(d, due), "immediate", immediate, "rebound", rebound);
    if (fix)
        json_object_set_new(b, "fix_note", json_string(fix));
    json_t *out = NULL;
    enum err e = insp_finding_add(d->c, insp, b, &out);
    json_decref(b);
    return ok(d, e, &out, title);
}

static void record(struct demo *d, int64_t insp, const char *user, int day, const char *unit_code, const char *place,
                   const char *seen, const char *interviewees, double lat, double lon)
{
    if (d->failed || !as(d, user, day, 30))
        return;
    json_t *b = json_pack("{ss ss ss sI s{sf sf}}", "place", place, "seen", seen, "interviewees", interviewees,
                          "unit_id", (json_int_t)unit(d, unit_code), "location", "lat", lat, "lon", lon);
    json_t *out = NULL;
    enum err e = insp_record_add(d->c, insp, b, &out);
    json_decref(b);
    ok(d, e, &out, place);
}

/* The demo's field photo: src/cli/demo/fridge.jpg (a 480×360 baseline JPEG drawn by scripts/demo-photo.py, no
 * metadata), built in by scripts/embed-file.sh. */
extern const unsigned char demo_photo_jpg[];
extern const size_t demo_photo_jpg_len;

/* The field photo with its GPS position (an Exif segment after the JPEG's start, the way a phone writes it),
 * uploaded as the team member would. */
static void photo(struct demo *d, int64_t insp, const char *user, int day, const char *name, double lat, double lon)
{
    if (d->failed || !as(d, user, day, 40))
        return;
    unsigned char exif[160];
    size_t n = 0;
#define PUT(...)                                                                                                       \
    do {                                                                                                               \
        const unsigned char b_[] = {__VA_ARGS__};                                                                      \
        memcpy(exif + n, b_, sizeof b_);                                                                               \
        n += sizeof b_;                                                                                                \
    } while (0)
    /* SOI, APP1 Exif (big endian TIFF: IFD0 → GPS IFD with latitude and longitude) */
    /* degrees, minutes and hundredths of seconds (the position of the field record it goes with) */
    unsigned lat_d = (unsigned)lat, lat_m = (unsigned)((lat - lat_d) * 60), lon_d = (unsigned)lon,
             lon_m = (unsigned)((lon - lon_d) * 60);
    unsigned lat_s = (unsigned)(((lat - lat_d) * 60 - lat_m) * 6000 + 0.5),
             lon_s = (unsigned)(((lon - lon_d) * 60 - lon_m) * 6000 + 0.5);
    PUT(0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x88, 'E', 'x', 'i', 'f', 0, 0);
    PUT('M', 'M', 0, 42, 0, 0, 0, 8);                                 /* TIFF header, IFD0 at 8 */
    PUT(0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0); /* GPS IFD at 26 */
    PUT(0, 4);                                                        /* 4 entries */
    PUT(0, 1, 0, 2, 0, 0, 0, 2, 'N', 0, 0, 0);
    PUT(0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 80);
    PUT(0, 3, 0, 2, 0, 0, 0, 2, 'E', 0, 0, 0);
    PUT(0, 4, 0, 5, 0, 0, 0, 3, 0, 0, 0, 104);
    PUT(0, 0, 0, 0);
    PUT(0, 0, 0, (unsigned char)lat_d, 0, 0, 0, 1, 0, 0, 0, (unsigned char)lat_m, 0, 0, 0, 1, 0, 0,
        (unsigned char)(lat_s >> 8), (unsigned char)lat_s, 0, 0, 0, 100);
    PUT(0, 0, 0, (unsigned char)lon_d, 0, 0, 0, 1, 0, 0, 0, (unsigned char)lon_m, 0, 0, 0, 1, 0, 0,
        (unsigned char)(lon_s >> 8), (unsigned char)lon_s, 0, 0, 0, 100);
#undef PUT
    /* then the picture's own segments, after its SOI */
    const unsigned char *rest = demo_photo_jpg + 2;
    size_t rest_n = demo_photo_jpg_len - 2;
    char path[1100];
    snprintf(path, sizeof path, "%s/demo-photo-%d.jpg", d->c->cfg->data_dir, (int)getpid());
    mkdir(d->c->cfg->data_dir, 0750); /* a fresh checkout has no data directory yet */
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(exif, 1, n, f) != n || fwrite(rest, 1, rest_n, f) != rest_n) {
        if (f)
            fclose(f);
        cli_fail("demo inspections: cannot write %s", path);
        d->failed = 1;
        return;
    }
    fclose(f);
    json_t *out = NULL;
    enum err e = insp_evidence_add(d->c, insp, 0, 0, name, path, (int64_t)(n + rest_n), &out);
    unlink(path);
    ok(d, e, &out, name);
}

/* The rectification task of a finding (after the findings were issued). */
static int64_t task_of(struct demo *d, int64_t finding_id)
{
    int64_t t = 0;
    db_one_int(d->c->db, &t, "SELECT task_id FROM insp_findings WHERE id = ?", DB_INT(finding_id));
    return t;
}

/* A task taken through the unit's work to the office's verification (contact NULL: left waiting to be received). */
static void rectify(struct demo *d, int64_t task, int day, const char *contact, const char *head, const char *text,
                    bool verify)
{
    if (!task || !contact) /* no demo user at that unit: the task waits to be received */
        return;
    if (as(d, contact, day, 0))
        act(d, rect_act, task, "receive", NULL);
    if (as(d, contact, day + 6, 0))
        act(d, rect_act, task, "report", json_pack("{ss si}", "text", "已制定整改方案，正在逐项落实。", "percent", 50));
    if (!verify)
        return;
    if (as(d, contact, day + 14, 0))
        act(d, rect_act, task, "submit", json_pack("{ss}", "text", text));
    if (as(d, head, day + 15, 0))
        act(d, rect_act, task, "sign", NULL);
    if (as(d, "gc_office", day + 18, 0))
        act(d, rect_act, task, "verify", json_pack("{ss}", "text", "经督查室现场核查，问题已整改到位，同意销号。"));
}

/* ---- 古城县 ---- */

/* clang-format off */
static const struct entry_def gc_entries[] = {
    {"gc_office", "gc", "城区燃气安全专项督查", "燃气经营企业安全管理、管网巡查和隐患整改，餐饮场所燃气报警装置安装使用。",
     "special", "onsite,covert", CODES("gc-zj", "gc-t1"), -225, 12},
    {"gc_head", "gc-jt", "农村公路养护专项督查", "农村公路日常养护、路况巡查和安全隐患整治，“四好农村路”建设推进情况。",
     "special", "onsite", CODES("gc-t2", "gc-t3"), -150, 10},
    {"gc_office", "gc", "防汛备汛工作督查", "防汛责任落实、物资储备、应急预案演练和重点水利设施安全度汛准备。",
     "special", "onsite,written", CODES("gc-sw", "gc-jt"), -105, 10},
    {"gc_office", "gc", "校园食品安全专项督查", "学校食堂食品安全管理、原材料采购查验、从业人员健康管理和陪餐制度落实。",
     "special", "onsite,evaluation", CODES("gc-jy"), -8, 20},
    {"gc_head2", "gc-zj", "建筑施工安全生产综合督查", "在建工程安全生产责任制、危大工程管理、隐患排查治理和农民工工资支付。",
     "comprehensive", "onsite", CODES("gc-t4", "gc-t5"), 25, 15},
    {"gc_office", "gc-sw", "河长制落实情况督查", "河长巡河履职、河湖“四乱”清理整治和问题交办整改情况。",
     "special", "onsite", CODES("gc-t6", "gc-t7"), 20, 10},
    {"gc_office", "gc", "优化营商环境专项督查", "政务服务事项办理时限、涉企收费和惠企政策兑现情况，企业满意度调查。",
     "special", "survey,written", CODES("gc-xzsp", "gc-scjg"), 28, 20},
    {"gc_head", "gc-jt", "城乡客运安全专项督查", "城乡客运车辆安全技术状况、驾驶员管理和农村客运线路安全隐患。",
     "special", "onsite", CODES("gc-t2"), -145, 8},
    {"gc_head", "gc-jt", "公路超限超载治理督查", "超限超载检测站运行和路面联合执法情况。",
     "special", "onsite", CODES("gc-t3"), -60, 7},
};
/* clang-format on */

static void gucheng(struct demo *d)
{
    /* the roster */
    if (!as(d, "gc_office", -330, 0))
        return;
    int64_t huang = inspector(d, "黄磊", "fulltime", "古城县人民政府督查室", "gc_inspector", "农业农村、安全生产");
    int64_t ma = inspector(d, "马丽", "npc_deputy", "县人大代表（城关镇）", "gc_parttime", "教育、食品安全");
    inspector(d, "周明", "journalist", "古城县融媒体中心", NULL, "新闻舆论监督");
    inspector(d, "吴建华", "expert", "临川学院土木工程学院", NULL, "建设工程质量安全");
    inspector(d, "赵文", "counsellor", "古城县人民政府参事室", NULL, "政策研究");
    inspector(d, "孙伟", "cppcc_member", "县政协委员（民营企业）", NULL, "营商环境");
    training(d, huang, -320, "全市督查干部业务培训（督查方案编制与暗访方法）", 16);
    training(d, ma, -318, "兼职督查员培训：督查纪律和“四不两直”", 4);
    training(d, huang, -120, "政府督查工作条例专题学习", 4);

    /* the plan: proposals, compilation, approval, filing */
    int64_t plan = 0;
    {
        json_t *b = json_pack("{si ss ss}", "year", d->year, "baseline_note",
                              arena_printf(d->c->arena, "%d年开展督查检查24项（据纸质台账统计）", d->year - 1),
                              "proposals_due", dday(d, -300));
        json_object_set_new(b, "baseline", json_integer(24));
        json_t *out = NULL;
        enum err e = insp_plan_create(d->c, b, &out);
        json_decref(b);
        plan = ok(d, e, &out, "plan");
    }
    int64_t e[9];
    for (int i = 0; i < 9; i++)
        e[i] = propose(d, plan, &gc_entries[i], -310 + i);
    if (!as(d, "gc_office", -298, 0))
        return;
    for (int i = 0; i < 7; i++)
        act(d, insp_plan_act, plan, "include_entry", json_pack("{sI}", "entry_id", (json_int_t)e[i]));
    act(d, insp_plan_act, plan, "merge_entry",
        json_pack("{sI sI}", "entry_id", (json_int_t)e[7], "into_id", (json_int_t)e[1]));
    act(d, insp_plan_act, plan, "reject_entry",
        json_pack("{sI ss}", "entry_id", (json_int_t)e[8], "reason",
                  "已纳入交通执法部门日常工作，不单独开展督查，避免重复检查。"));
    act(d, insp_plan_act, plan, "submit", NULL);
    if (as(d, "gc_principal", -295, 0))
        act(d, insp_plan_act, plan, "approve", NULL);
    if (as(d, "gc_office", -294, 0))
        act(d, insp_plan_act, plan, "file", NULL);

    /* 1. the unannounced gas-safety inspection: concluded; its rebounding problem comes back as a look-back */
    int64_t i1 = from_plan(
        d, "gc_office", e[0], -232, "采取“四不两直”方式暗访燃气经营企业和城关镇餐饮场所，核查隐患整改台账。",
        "县住建局燃气管理、城关镇辖区餐饮场所", "gc_inspector", CODES("gc_parttime"), NULL, true, "gc_principal");
    if (as(d, "gc_office", -225, 0))
        act(d, insp_act, i1, "start_covert", NULL);
    record(d, i1, "gc_inspector", -224, "gc-t1", "城关镇解放路某餐馆后厨",
           "燃气报警器未安装，软管老化开裂，灶具无熄火保护。", "店主（化名）", 35.618, 111.352);
    photo(d, i1, "gc_parttime", -224, "解放路餐馆后厨.jpg", 35.618, 111.352);
    record(d, i1, "gc_parttime", -223, "gc-zj", "县住建局燃气管理股",
           "燃气企业管网巡查记录缺失三个月，隐患整改台账不全。", "燃气管理股负责人", 35.611, 111.347);
    int64_t f11 = finding(d, i1, "gc_inspector", -221, "gc-zj", "燃气管网巡查记录缺失",
                          "抽查3家燃气经营企业，2家近三个月无管网巡查记录。",
                          "督促企业建立巡查台账，每月报送巡查记录。", -180, false, NULL, true);
    finding(d, i1, "gc_inspector", -221, "gc-zj", "餐饮场所燃气报警装置未安装",
            "暗访8家餐馆，5家未安装燃气泄漏报警装置。", "会同城关镇组织辖区餐饮场所全面安装报警装置。", -200, false,
            NULL, false);
    finding(d, i1, "gc_parttime", -222, "gc-t1", "后厨燃气软管老化", "1家餐馆燃气软管老化开裂。", "", -222, true,
            "督查组当场要求停用，店主更换软管后恢复使用，已拍照留证。", false);
    if (as(d, "gc_inspector", -219, 0))
        act(d, insp_act, i1, "submit_findings", NULL);
    if (as(d, "gc_office", -217, 0))
        act(d, insp_act, i1, "issue_findings", NULL);
    rectify(d, task_of(d, f11), -215, "gc_contact2", "gc_head2",
            "已督促3家燃气企业建立巡查台账，逐月报送，隐患全部整改。", true);
    int64_t f12 = 0;
    db_one_int(d->c->db, &f12,
               "SELECT id FROM insp_findings WHERE inspection_id = ? AND title = '餐饮场所燃气报警装置未安装'",
               DB_INT(i1));
    rectify(d, task_of(d, f12), -213, "gc_contact2", "gc_head2",
            "已组织辖区128家餐饮场所安装燃气泄漏报警装置，逐户登记验收。", true);
    if (as(d, "gc_office", -196, 0))
        act(d, insp_act, i1, "issue_conclusion",
            json_pack("{ss}", "text",
                      "县住建局和城关镇对燃气安全工作重视不够，企业巡查制度和餐饮场所安全措施落实不到位。督查发现的问题"
                      "已交办整改，请按期整改到位。"));
    if (as(d, "gc_head2", -194, 0))
        act(d, insp_act, i1, "receive_conclusion", NULL);

    /* 2. rural roads: rectifying, one task past its deadline */
    int64_t i2 =
        from_plan(d, "gc_office", e[1], -158, "实地检查农村公路养护和安全隐患整治，查阅养护台账。",
                  "岳阳镇、北平镇辖区农村公路", "gc_inspector", CODES("gc_parttime"), NULL, true, "gc_principal");
    if (as(d, "gc_office", -150, 0))
        act(d, insp_act, i2, "start", NULL);
    record(d, i2, "gc_inspector", -149, "gc-t2", "岳阳镇X012线K3+200", "路面坑槽12处，边沟淤塞，警示标志缺失。",
           "镇交管站站长", 35.702, 111.281);
    int64_t f21 =
        finding(d, i2, "gc_inspector", -147, "gc-t2", "农村公路坑槽修补不及时", "X012线坑槽12处，最长已存在两个月。",
                "15日内完成修补，建立日常巡查制度。", -20, false, NULL, false);
    int64_t f22 = finding(d, i2, "gc_inspector", -147, "gc-t3", "临水临崖路段安全设施缺失",
                          "北平镇3处临水路段无防护栏。", "补齐防护栏和警示标志。", 35, false, NULL, true);
    if (as(d, "gc_inspector", -146, 0))
        act(d, insp_act, i2, "submit_findings", NULL);
    if (as(d, "gc_office", -145, 0))
        act(d, insp_act, i2, "issue_findings", NULL);
    rectify(d, task_of(d, f21), -140, NULL, NULL, "", false);
    (void)f22;

    /* 3. flood preparedness: concluded; the transport bureau asks for a review */
    int64_t i3 = from_plan(d, "gc_office", e[2], -110, "检查防汛责任落实、物资储备和应急预案，书面调度与实地抽查结合。",
                           "县水利局、县交通运输局", "gc_inspector", CODES("gc_parttime"), NULL, true, "gc_principal");
    if (as(d, "gc_office", -105, 0))
        act(d, insp_act, i3, "start", NULL);
    int64_t f31 = finding(d, i3, "gc_inspector", -100, "gc-jt", "防汛物资储备不足",
                          "交通运输局防汛物资（编织袋、救生衣）储备不足定额的60%。", "20日内补齐防汛物资。", -70, false,
                          NULL, false);
    if (as(d, "gc_inspector", -99, 0))
        act(d, insp_act, i3, "submit_findings", NULL);
    if (as(d, "gc_office", -98, 0))
        act(d, insp_act, i3, "issue_findings", NULL);
    rectify(d, task_of(d, f31), -97, "gc_contact", "gc_head", "已补齐编织袋2000条、救生衣150件，建立物资台账。", true);
    if (as(d, "gc_office", -24, 0))
        act(d, insp_act, i3, "issue_conclusion",
            json_pack("{ss}", "text",
                      "县水利局防汛准备工作扎实；县交通运输局防汛物资储备不足，责任落实不够到位，予以通报。"));
    if (as(d, "gc_head", -23, 0))
        act(d, insp_act, i3, "receive_conclusion", NULL);
    if (as(d, "gc_head", -10, 0)) {
        json_t *b = json_pack("{ss}", "reason",
                              "防汛物资已于督查期间全部补齐，督查结论仍认定储备不足并予以通报，与事实不符，申请复核。");
        json_t *out = NULL;
        enum err er = review_request(d->c, i3, b, &out);
        json_decref(b);
        int64_t rv = ok(d, er, &out, "review");
        if (as(d, "gc_office", -9, 0))
            act(d, review_act, rv, "accept", NULL);
    }

    /* 4. school canteens: under way, the team on the ground, an evaluator engaged */
    int64_t i4 = from_plan(d, "gc_office", e[3], -14, "实地检查学校食堂，委托第三方机构开展家长满意度调查。",
                           "县城和乡镇中小学食堂", "gc_inspector", CODES("gc_parttime"), "gc-pg", true, "gc_principal");
    if (as(d, "gc_office", -8, 0))
        act(d, insp_act, i4, "start", NULL);
    record(d, i4, "gc_parttime", -5, "gc-jy", "县第二中学食堂", "原材料采购查验记录完整，但留样冰箱温度记录缺失一周。",
           "食堂管理员、两名学生", 35.623, 111.361);
    photo(d, i4, "gc_parttime", -5, "二中食堂留样冰箱.jpg", 35.623, 111.361);
    record(d, i4, "gc_inspector", -3, "gc-jy", "城关镇中心小学食堂", "陪餐制度落实，从业人员健康证齐全。", "校长",
           35.615, 111.349);

    /* 5. construction safety (comprehensive): the scheme waits for the county head */
    from_plan(d, "gc_office", e[4], -2, "采取实地检查、查阅资料、随机抽查相结合方式，检查在建工程安全生产。",
              "古阳镇、旧县镇在建工程项目", "gc_inspector", CODES("gc_parttime"), NULL, false, "gc_principal");

    /* 6. an unplanned clue verification on the county head's instruction: an immediate fix, a rebounding one */
    if (!as(d, "gc_office", -40, 0))
        return;
    json_t *b =
        json_pack("{ss ss ss s[s] ss ss s[I] ss ss ss ss}", "subject", "群众反映城关镇垃圾清运不及时问题核查",
                  "matters", "“互联网+督查”平台群众反映城关镇建设路、新华街垃圾清运不及时，核实情况并督促整改。",
                  "kind", "clue", "methods", "onsite", "basis", "instruction", "basis_ref", "王建国县长批示",
                  "target_unit_ids", (json_int_t)unit(d, "gc-t1"), "start_date", dday(d, -38), "end_date", dday(d, -35),
                  "scheme_content", "到现场核实群众反映的问题，查阅清运记录。", "scheme_scope", "城关镇建设路、新华街");
    json_t *out = NULL;
    enum err er = insp_create(d->c, b, &out);
    json_decref(b);
    int64_t i6 = ok(d, er, &out, "clue");
    act(d, insp_act, i6, "open", NULL);
    act(d, insp_act, i6, "file", NULL);
    b = json_pack("{sI s[]}", "leader_id", (json_int_t)user_id(d, "gc_inspector"), "members");
    if (!d->failed) {
        er = insp_team_put(d->c, i6, b, &out);
        ok(d, er, &out, "team");
    }
    json_decref(b);
    act(d, insp_act, i6, "submit_scheme", NULL);
    if (as(d, "gc_principal", -39, 0))
        act(d, insp_act, i6, "approve_scheme", NULL);
    if (as(d, "gc_office", -38, 0))
        act(d, insp_act, i6, "start", NULL);
    finding(d, i6, "gc_inspector", -37, "gc-t1", "建设路垃圾箱满溢", "建设路3处垃圾箱满溢，周边散落垃圾。", "", -37,
            true, "督查组当场通知环卫站，2小时内清运完毕。", false);
    int64_t f62 =
        finding(d, i6, "gc_inspector", -37, "gc-t1", "新华街垃圾清运频次不足", "新华街日均清运1次，不能满足需要。",
                "增加清运频次至每日2次，建立巡查机制。", -25, false, NULL, true);
    if (as(d, "gc_inspector", -36, 0))
        act(d, insp_act, i6, "submit_findings", NULL);
    if (as(d, "gc_office", -36, 0))
        act(d, insp_act, i6, "issue_findings", NULL);
    rectify(d, task_of(d, f62), -35, "gc_town", "gc_town", "", false);

    /* 7. an unannounced visit under way in 城关镇: its contact sees none of it */
    if (!as(d, "gc_office", -6, 0))
        return;
    b = json_pack("{ss ss ss s[ss] ss ss s[I] ss ss ss ss}", "subject", "城关镇人居环境整治暗访", "matters",
                  "背街小巷环境卫生、长效保洁机制落实情况（“四不两直”）。", "kind", "special", "methods", "onsite",
                  "covert", "basis", "decision", "basis_ref", "县政府常务会议纪要（人居环境整治推进）",
                  "target_unit_ids", (json_int_t)unit(d, "gc-t1"), "start_date", dday(d, -4), "end_date", dday(d, 6),
                  "scheme_content", "不打招呼、直奔现场，随机抽查背街小巷。", "scheme_scope", "城关镇辖区");
    er = insp_create(d->c, b, &out);
    json_decref(b);
    int64_t i7 = ok(d, er, &out, "covert");
    act(d, insp_act, i7, "open", NULL);
    b = json_pack("{sI s[{sI}]}", "leader_id", (json_int_t)user_id(d, "gc_inspector"), "members", "user_id",
                  (json_int_t)user_id(d, "gc_parttime"));
    if (!d->failed) {
        er = insp_team_put(d->c, i7, b, &out);
        ok(d, er, &out, "team");
    }
    json_decref(b);
    act(d, insp_act, i7, "submit_scheme", NULL);
    if (as(d, "gc_principal", -5, 0))
        act(d, insp_act, i7, "approve_scheme", NULL);
    if (as(d, "gc_office", -4, 0))
        act(d, insp_act, i7, "start_covert", NULL);
    record(d, i7, "gc_parttime", -2, "gc-t1", "城关镇东关巷", "背街小巷垃圾堆放，无保洁人员。", "居民两名", 35.619,
           111.356);

    /* 8. the escalated demo item's proposal goes to the county head */
    int64_t p = 0;
    db_one_int(d->c->db, &p, "SELECT inspection_id FROM insp_origins WHERE kind = 'item' ORDER BY id LIMIT 1");
    if (p && as(d, "gc_office", 0, 0)) {
        d->c->now = d->now; /* it was proposed a moment ago, when the item was escalated */
        act(d, insp_act, p, "submit", NULL);
    }
}

/* ---- 安平县 ---- */

static void anping(struct demo *d)
{
    if (!as(d, "ap_office", -320, 0))
        return;
    json_t *b = json_pack("{si si ss}", "year", d->year, "baseline", 16, "baseline_note",
                          arena_printf(d->c->arena, "%d年开展督查检查16项", d->year - 1));
    json_t *out = NULL;
    enum err e = insp_plan_create(d->c, b, &out);
    json_decref(b);
    int64_t plan = ok(d, e, &out, "ap plan");
    const struct entry_def ap[] = {
        {"ap_office", "ap", "农村公路安全生命防护工程督查", "县乡道安全防护栏安装进度和质量。", "special", "onsite",
         CODES("ap-jt"), -20, 30},
        {"ap_office", "ap", "安全生产专项督查", "危化品企业和人员密集场所安全隐患排查整治。", "special", "onsite",
         CODES("ap-yj", "ap-t1"), 12, 10},
        {"ap_office", "ap", "高标准农田建设督查", "高标准农田建设任务完成和工程质量。", "special", "onsite",
         CODES("ap-nync"), 40, 15},
    };
    int64_t en[3];
    for (int i = 0; i < 3; i++)
        en[i] = propose(d, plan, &ap[i], -315 + i);
    if (!as(d, "ap_office", -305, 0))
        return;
    for (int i = 0; i < 3; i++)
        act(d, insp_plan_act, plan, "include_entry", json_pack("{sI}", "entry_id", (json_int_t)en[i]));
    act(d, insp_plan_act, plan, "submit", NULL);
    if (as(d, "ap_principal", -302, 0))
        act(d, insp_plan_act, plan, "approve", NULL);
    if (as(d, "ap_office", -300, 0))
        act(d, insp_plan_act, plan, "file", NULL);
    int64_t a1 = from_plan(d, "ap_office", en[0], -25, "实地抽查县乡道防护栏安装。", "县交通运输局", "ap_office", NULL,
                           NULL, true, "ap_principal");
    if (as(d, "ap_office", -18, 0))
        act(d, insp_act, a1, "start", NULL);
    from_plan(d, "ap_office", en[1], -6, "实地检查危化品企业和人员密集场所。", "县应急管理局、安平镇", "ap_office",
              NULL, NULL, true, "ap_principal");
}

int demo_inspections(struct ctx *c)
{
    struct demo d = {.c = c, .now = c->now};
    d.today = time_local_day(c->now);
    int y;
    unsigned m, dd;
    cal_civil_from_days(d.today, &y, &m, &dd);
    d.year = y;
    gucheng(&d);
    if (!d.failed)
        anping(&d);
    c->now = d.now;
    c->user = NULL;
    c->acting = NULL;
    if (d.failed)
        return 1;
    /* the look-backs whose day has come open now, as the scheduler would have opened them */
    int opened = 0;
    if (insp_scan(c, 100, &opened))
        return cli_fail("demo inspections: look-backs: %s", c->msg ? c->msg : "");
    if (db_exec(c->db, "DELETE FROM outbox") != ERR_OK)
        return cli_fail("demo inspections: cannot clear the demo's notifications");
    int64_t n = 0, p = 0;
    db_one_int(c->db, &n, "SELECT COUNT(*) FROM inspections");
    db_one_int(c->db, &p, "SELECT COUNT(*) FROM insp_plans");
    printf("demo inspections: %" PRId64 " inspections, %" PRId64 " annual plans, %d look-back(s) opened\n", n, p,
           opened);
    return 0;
}
