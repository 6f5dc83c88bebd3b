/*
 * cli_demo.c: `ducha demo`: a realistic demo city (临川市) with two counties (古城县, 安平县), their
 * townships and about thirty departments each, supervision offices, and one user per role in
 * 古城县 (plus the counterparts needed to show isolation between counties). All demo accounts share
 * the password printed at the end.
 */
#include "auth/users.h"
#include "cli/cli.h"
#include "crypto/password.h"
#include "units/units.h"

#include <stdio.h>
#include <string.h>

#define DEMO_PASSWORD "Demo2026"

static const char *const departments[][2] = {
    {"fgw", "发展和改革局"},    {"jy", "教育局"},       {"kj", "科学技术局"},
    {"gx", "工业和信息化局"},   {"ga", "公安局"},       {"mz", "民政局"},
    {"sf", "司法局"},           {"cz", "财政局"},       {"rs", "人力资源和社会保障局"},
    {"zr", "自然资源局"},       {"sthj", "生态环境局"}, {"zj", "住房和城乡建设局"},
    {"jt", "交通运输局"},       {"sw", "水利局"},       {"nync", "农业农村局"},
    {"swj", "商务局"},          {"wl", "文化和旅游局"}, {"wj", "卫生健康局"},
    {"tyjr", "退役军人事务局"}, {"yj", "应急管理局"},   {"sj", "审计局"},
    {"scjg", "市场监督管理局"}, {"tj", "统计局"},       {"yb", "医疗保障局"},
    {"ly", "林业局"},           {"xczx", "乡村振兴局"}, {"xzsp", "行政审批服务管理局"},
    {"xf", "信访局"},           {"ny", "能源局"},       {"gzw", "国有资产监督管理局"},
};

struct county {
    const char *code, *name, *prefix, *principal;
    const char *townships[8];
};

static const struct county counties[] = {
    {"gc", "古城县", "古", "王建国", {"城关镇", "岳阳镇", "北平镇", "古阳镇", "旧县镇", "石壁乡", "永乐乡", NULL}},
    {"ap", "安平县", "安", "孙立平", {"安平镇", "南关镇", "西河镇", "东山乡", "杨庄乡", "柳林乡", NULL}},
};

struct demo {
    struct ctx *c;
    char hash[128];
    int units, users;
};

/* Creates a unit; returns its id or 0 (error printed). */
static int64_t demo_unit(struct demo *d, const char *code, const char *name, const char *kind, int64_t parent,
                         const char *principal, const char *prefix)
{
    json_t *b = json_pack("{ss ss ss ss ss ss}", "code", code, "name", name, "kind", kind, "principal",
                          principal ? principal : "", "contact", "", "prefix", prefix ? prefix : "");
    if (parent)
        json_object_set_new(b, "parent_id", json_integer(parent));
    json_t *out = NULL;
    enum err e = units_create(d->c, b, &out);
    json_decref(b);
    int64_t id = e ? 0 : json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    if (e)
        cli_fail("demo unit %s: %s", code, d->c->msg);
    d->units++;
    return id;
}

struct demo_role {
    const char *role;
    int64_t unit;
};

static bool demo_user(struct demo *d, const char *username, const char *name, int64_t home, const char *label,
                      const struct demo_role *roles, const int64_t *portfolio)
{
    json_t *rs = json_array(), *pf = json_array();
    for (; roles && roles->role; roles++)
        json_array_append_new(rs, json_pack("{ss sI}", "role", roles->role, "unit_id", (json_int_t)roles->unit));
    for (; portfolio && *portfolio; portfolio++)
        json_array_append_new(pf, json_integer(*portfolio));
    json_t *b = json_pack("{ss ss sI so so sb ss}", "username", username, "name", name, "unit_id", (json_int_t)home,
                          "roles", rs, "portfolio", pf, "must_change_password", 0, "email", "");
    char email[96];
    snprintf(email, sizeof email, "%s@demo.ducha.local", username);
    json_object_set_new(b, "email", json_string(email));
    json_t *out = NULL;
    enum err e = users_create_hashed(d->c, b, d->hash, &out);
    json_decref(b);
    json_decref(out);
    if (e) {
        cli_fail("demo user %s: %s", username, d->c->msg);
        return false;
    }
    d->users++;
    printf("  %-14s %-8s %s\n", username, name, label);
    return true;
}

int cmd_demo(struct cli *cli)
{
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha demo [--db URL]");
    struct arena arena = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &arena);
    int rc = 1;
    struct demo d = {.c = &c};
    struct stmt *st = db_prepare(c.db, "SELECT COUNT(*) FROM units");
    int64_t n = -1;
    stmt_one_int(st, &n);
    if (n != 0) {
        cli_fail("the database already holds data; demo needs an empty database");
        goto out;
    }
    if (!password_hash(DEMO_PASSWORD, d.hash))
        goto out;

    int64_t city = demo_unit(&d, "lc", "临川市人民政府", "government", 0, "周海涛", "临");
    int64_t city_office = demo_unit(&d, "lc-dcs", "临川市人民政府督查室", "office", city, "吴志强", "临");
    if (!city || !city_office)
        goto out;
    for (size_t i = 0; i < sizeof departments / sizeof *departments; i++) {
        char code[32], name[96];
        snprintf(code, sizeof code, "lc-%s", departments[i][0]);
        snprintf(name, sizeof name, "临川市%s", departments[i][1]);
        if (!demo_unit(&d, code, name, "department", city, NULL, NULL))
            goto out;
        cli_progress(cli, "demo units", d.units, 140);
    }
    int64_t gov[2] = {0}, office[2] = {0}, jt[2] = {0}, zj[2] = {0}, sw[2] = {0}, town[2] = {0}, eval = 0;
    for (int k = 0; k < 2; k++) {
        const struct county *co = &counties[k];
        char code[32], name[96];
        snprintf(name, sizeof name, "%s人民政府", co->name);
        gov[k] = demo_unit(&d, co->code, name, "government", city, co->principal, co->prefix);
        snprintf(code, sizeof code, "%s-dcs", co->code);
        snprintf(name, sizeof name, "%s人民政府督查室", co->name);
        office[k] = demo_unit(&d, code, name, "office", gov[k], NULL, co->prefix);
        if (!gov[k] || !office[k])
            goto out;
        for (size_t i = 0; i < sizeof departments / sizeof *departments; i++) {
            snprintf(code, sizeof code, "%s-%s", co->code, departments[i][0]);
            snprintf(name, sizeof name, "%s%s", co->name, departments[i][1]);
            int64_t id = demo_unit(&d, code, name, "department", gov[k], NULL, NULL);
            if (!id)
                goto out;
            if (!strcmp(departments[i][0], "jt"))
                jt[k] = id;
            if (!strcmp(departments[i][0], "zj"))
                zj[k] = id;
            if (!strcmp(departments[i][0], "sw"))
                sw[k] = id;
            cli_progress(cli, "demo units", d.units, 140);
        }
        for (int t = 0; co->townships[t]; t++) {
            snprintf(code, sizeof code, "%s-t%d", co->code, t + 1);
            snprintf(name, sizeof name, "%s%s人民政府", co->name, co->townships[t]);
            int64_t id = demo_unit(&d, code, name, "township", gov[k], NULL, NULL);
            if (!id)
                goto out;
            if (!town[k])
                town[k] = id;
        }
    }
    eval = demo_unit(&d, "gc-pg", "古城县民生评估中心", "external", gov[0], "钱晓燕", NULL);
    if (!eval)
        goto out;
    cli_progress(cli, "demo units", 140, 140);

    printf("demo city 临川市 with %d units; logins (password %s):\n", d.units, DEMO_PASSWORD);
    const int64_t portfolio[] = {jt[0], zj[0], sw[0], 0};
#define R(...) ((const struct demo_role[]){__VA_ARGS__, {NULL, 0}})
    bool ok =
        demo_user(&d, "admin", "系统管理员", city, "系统管理员（全市）", R({"admin", city}), NULL) &&
        demo_user(&d, "lc_office", "吴志强", city_office, "市政府督查室", R({"office", city}), NULL) &&
        demo_user(&d, "gc_admin", "郭伟", office[0], "古城县系统管理员", R({"admin", gov[0]}), NULL) &&
        demo_user(&d, "gc_principal", "王建国", gov[0], "古城县县长（政府主要领导）", R({"principal", gov[0]}), NULL) &&
        demo_user(&d, "gc_leader", "李明", gov[0], "古城县副县长（分管交通、住建、水利）", R({"leader", gov[0]}),
                  portfolio) &&
        demo_user(&d, "gc_director", "张伟", gov[0], "古城县政府办主任", R({"director", gov[0]}), NULL) &&
        demo_user(&d, "gc_deputy", "刘洋", gov[0], "古城县政府办副主任", R({"deputy", gov[0]}), NULL) &&
        demo_user(&d, "gc_secretary", "陈静", gov[0], "古城县政府办秘书科", R({"secretary", gov[0]}), NULL) &&
        demo_user(&d, "gc_office", "赵敏", office[0], "古城县政府督查室", R({"office", gov[0]}), NULL) &&
        demo_user(&d, "gc_inspector", "黄磊", office[0], "古城县督查专员", R({"inspector", gov[0]}), NULL) &&
        demo_user(&d, "gc_parttime", "马丽", gov[0], "兼职督查员（县人大代表）", R({"parttime", gov[0]}), NULL) &&
        demo_user(&d, "gc_contact", "林涛", jt[0], "古城县交通运输局联络员", R({"contact", jt[0]}), NULL) &&
        demo_user(&d, "gc_head", "何振华", jt[0], "古城县交通运输局局长", R({"head", jt[0]}), NULL) &&
        demo_user(&d, "gc_contact2", "郑雪", zj[0], "古城县住房和城乡建设局联络员", R({"contact", zj[0]}), NULL) &&
        demo_user(&d, "gc_head2", "冯刚", zj[0], "古城县住房和城乡建设局局长", R({"head", zj[0]}), NULL) &&
        demo_user(&d, "gc_town", "彭丽娟", town[0], "古城县城关镇联络员", R({"contact", town[0]}), NULL) &&
        demo_user(&d, "gc_evaluator", "钱晓燕", eval, "第三方评估机构", R({"evaluator", eval}), NULL) &&
        demo_user(&d, "ap_admin", "曹宇", office[1], "安平县系统管理员", R({"admin", gov[1]}), NULL) &&
        demo_user(&d, "ap_principal", "孙立平", gov[1], "安平县县长（政府主要领导）", R({"principal", gov[1]}), NULL) &&
        demo_user(&d, "ap_office", "许婷", office[1], "安平县政府督查室", R({"office", gov[1]}), NULL) &&
        demo_user(&d, "ap_deputy", "邓军", gov[1], "安平县政府办副主任", R({"deputy", gov[1]}), NULL) &&
        demo_user(&d, "ap_director", "韩冰", gov[1], "安平县政府办主任", R({"director", gov[1]}), NULL) &&
        demo_user(&d, "ap_contact", "曾勇", jt[1], "安平县交通运输局联络员", R({"contact", jt[1]}), NULL) &&
        demo_user(&d, "ap_head", "彭博", jt[1], "安平县交通运输局局长", R({"head", jt[1]}), NULL) &&
        /* the units of the demo's history (demo_items_history) */
        demo_user(&d, "gc_contact3", "孙浩", sw[0], "古城县水利局联络员", R({"contact", sw[0]}), NULL) &&
        demo_user(&d, "gc_head3", "周立新", sw[0], "古城县水利局局长", R({"head", sw[0]}), NULL) &&
        demo_user(&d, "gc_townhead", "高志远", town[0], "古城县城关镇镇长", R({"head", town[0]}), NULL);
#undef R
    /* the year behind the demo first: its items registered months ago take the year's first numbers, so that the
     * numbers follow the days of registration (the items of the last weeks come after them) */
    if (ok)
        ok = demo_items_history(&c) == 0;
    if (ok)
        ok = demo_items(&c) == 0;
    if (ok)
        ok = demo_inspections(&c) == 0;
    if (ok)
        ok = demo_results(&c) == 0;
    if (ok)
        ok = demo_clues(&c) == 0;
    /* last, so that the objects above keep their numbers */
    if (ok)
        ok = demo_items_at_risk(&c) == 0 && demo_results_pending(&c) == 0;
    /* the results of the year behind it, after them all for the same reason */
    if (ok)
        ok = demo_results_history(&c) == 0;
    rc = ok ? 0 : 1;
out:
    store_release(c.db);
    arena_free(&arena);
    return rc;
}
