/*
 * cli_gen_inspections.c: `ducha gen-inspections`: years of annual plans and inspections for every
 * government of a database made by `ducha gen` (default ten years: a plan per government and year with
 * its proposals, half of them opened as inspections), written straight into the tables with the
 * no-duplication index the application keeps, for the duplicate check's benchmark
 * (scripts/bench.d/inspections.sh). Deterministic; refuses a database that already holds plans.
 */
#include "cli/cli.h"

#include "base/timeu.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x2545F4914F6CDD1Dull;

static int rndn(int n)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (int)((state * 2685821657736338717ull) % (uint64_t)n);
}

static const char *const topics[] = {
    "城区燃气安全",   "农村公路养护", "防汛备汛",       "校园食品安全", "建筑施工安全", "河长制落实",   "优化营商环境",
    "城乡客运安全",   "安全生产",     "高标准农田建设", "农村饮水安全", "老旧小区改造", "人居环境整治", "森林防火",
    "消防安全",       "疫情防控",     "稳岗就业",       "民生实事",     "重点项目建设", "信访积案化解", "耕地保护",
    "大气污染防治",   "生活垃圾分类", "养老服务",       "医疗服务能力", "义务教育均衡", "粮食安全",     "安置房建设",
    "惠企政策兑现",   "政务服务效能", "危化品安全",     "道路交通安全", "电梯安全",     "冬季供暖保障", "文物安全",
    "农民工工资支付", "集贸市场整治", "乡村振兴示范村", "水土保持",     "自建房安全"};
static const char *const kinds[] = {"special", "special", "special", "comprehensive", "routine", "case"};
static const char *const suffix[] = {"专项督查", "督查", "检查", "暗访", "工作督查"};

struct gov {
    int64_t id;
    char path[128];
    int64_t *units; /* its departments and townships */
    int nunits;
};

static bool exec_ok(enum err e, const char *what)
{
    if (e)
        cli_fail("gen-inspections: %s failed", what);
    return !e;
}

int cmd_gen_inspections(struct cli *cli)
{
    const char *years_s = cli_opt(cli, "years"), *per_s = cli_opt(cli, "per-year");
    int years = years_s ? atoi(years_s) : 10, per = per_s ? atoi(per_s) : 24;
    if (cli_leftover_options(cli) || cli->argc || years < 1 || years > 50 || per < 1 || per > 500)
        return cli_fail("usage: ducha gen-inspections [--years N (1-50)] [--per-year N (1-500)]");
    struct arena arena = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &arena);
    int rc = 1;
    int64_t plans = 0, units = 0;
    db_one_int(c.db, &plans, "SELECT COUNT(*) FROM insp_plans");
    db_one_int(c.db, &units, "SELECT COUNT(*) FROM units");
    struct gov *govs = NULL;
    int ngovs = 0;
    if (plans) {
        printf("gen-inspections: the database already holds %" PRId64 " plans; nothing done\n", plans);
        rc = 0;
        goto out;
    }
    /* the governments and the units below each (their departments and townships) */
    struct stmt *st = db_query(c.db, "SELECT id, path FROM units WHERE kind = 'government' ORDER BY id");
    int cap = 0;
    while (st && stmt_step(st) == STORE_ROW) {
        if (ngovs == cap) {
            cap = cap ? cap * 2 : 64;
            govs = xrealloc(govs, sizeof *govs * (size_t)cap);
        }
        struct gov *g = &govs[ngovs++];
        memset(g, 0, sizeof *g);
        g->id = stmt_int(st, 0);
        snprintf(g->path, sizeof g->path, "%s", stmt_text(st, 1));
    }
    if (st)
        stmt_done(st);
    long nunits = 0;
    for (int i = 0; i < ngovs; i++) {
        struct gov *g = &govs[i];
        st = db_query(c.db, "SELECT id FROM units WHERE parent_id = ? AND kind IN ('department', 'township')",
                      DB_INT(g->id));
        int ucap = 0;
        while (st && stmt_step(st) == STORE_ROW) {
            if (g->nunits == ucap) {
                ucap = ucap ? ucap * 2 : 64;
                g->units = xrealloc(g->units, sizeof *g->units * (size_t)ucap);
            }
            g->units[g->nunits++] = stmt_int(st, 0);
        }
        if (st)
            stmt_done(st);
        nunits += g->nunits;
    }
    char now[21];
    time_format_iso(c.now, now);
    int last = atoi(now);
    long done = 0, total = (long)ngovs * years;
    long entries = 0, inspections = 0;
    for (int i = 0; i < ngovs; i++) {
        struct gov *g = &govs[i];
        if (!g->nunits)
            continue;
        if (db_begin(c.db) < 0)
            goto fail;
        for (int y = last - years + 1; y <= last; y++) {
            int64_t plan = 0;
            char title[96];
            snprintf(title, sizeof title, "%d年度督查检查计划", y);
            if (!exec_ok(
                    db_one_int(c.db, &plan,
                               "INSERT INTO insp_plans (office_unit_id, office_path, year, title, state, created_at, "
                               "updated_at) VALUES (?, ?, ?, ?, 'filed', ?, ?) RETURNING id",
                               DB_INT(g->id), DB_TEXT(g->path), DB_INT(y), DB_TEXT(title), DB_TEXT(now), DB_TEXT(now)),
                    "plan"))
                goto fail;
            for (int k = 0; k < per; k++) {
                char subject[160], start[32], end[32];
                const char *topic = topics[rndn((int)(sizeof topics / sizeof *topics))];
                snprintf(subject, sizeof subject, "%s%s", topic, suffix[rndn(5)]);
                int month = 1 + rndn(11), day = 1 + rndn(20);
                snprintf(start, sizeof start, "%04d-%02d-%02d", y, month, day);
                snprintf(end, sizeof end, "%04d-%02d-%02d", y, month, day + 3 + rndn(5));
                const char *kind = kinds[rndn(6)];
                int64_t organiser = g->units[rndn(g->nunits)], entry = 0;
                const char *opath = NULL;
                db_one_text(c.db, c.arena, &opath, "SELECT path FROM units WHERE id = ?", DB_INT(organiser));
                if (!exec_ok(db_one_int(c.db, &entry,
                                        "INSERT INTO insp_entries (plan_id, subject, matters, kind, methods, "
                                        "organiser_unit_id, organiser_path, start_date, end_date, state, created_at, "
                                        "updated_at) VALUES (?, ?, ?, ?, ',onsite,', ?, ?, ?, ?, 'included', ?, ?) "
                                        "RETURNING id",
                                        DB_INT(plan), DB_TEXT(subject),
                                        DB_TEXT("检查责任落实、隐患排查整治和长效机制建设情况。"), DB_TEXT(kind),
                                        DB_INT(organiser), DB_TEXT(opath), DB_TEXT(start), DB_TEXT(end), DB_TEXT(now),
                                        DB_TEXT(now)),
                             "entry"))
                    goto fail;
                int nt = 1 + rndn(3);
                int64_t targets[3];
                for (int t = 0; t < nt; t++) {
                    targets[t] = g->units[rndn(g->nunits)];
                    for (int u = 0; u < t; u++)
                        if (targets[u] == targets[t])
                            targets[t] = 0;
                }
                /* half the proposals became inspections */
                int64_t insp = 0;
                if (k % 2 == 0 &&
                    !exec_ok(
                        db_one_int(c.db, &insp,
                                   "INSERT INTO inspections (office_unit_id, office_path, year, subject, matters, "
                                   "kind, methods, basis, plan_entry_id, start_date, end_date, state, started_at, "
                                   "findings_issued_at, closed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, "
                                   "',onsite,', 'plan', ?, ?, ?, 'closed', ?, ?, ?, ?, ?) RETURNING id",
                                   DB_INT(g->id), DB_TEXT(g->path), DB_INT(y), DB_TEXT(subject),
                                   DB_TEXT("检查责任落实、隐患排查整治和长效机制建设情况。"), DB_TEXT(kind),
                                   DB_INT(entry), DB_TEXT(start), DB_TEXT(end), DB_TEXT(now), DB_TEXT(now),
                                   DB_TEXT(now), DB_TEXT(now), DB_TEXT(now)),
                        "inspection"))
                    goto fail;
                if (insp && !exec_ok(db_exec(c.db,
                                             "INSERT INTO insp_organisers (inspection_id, unit_id, unit_path, lead) "
                                             "VALUES (?, ?, ?, 1)",
                                             DB_INT(insp), DB_INT(organiser), DB_TEXT(opath)),
                                     "organiser"))
                    goto fail;
                for (int t = 0; t < nt; t++) {
                    if (!targets[t])
                        continue;
                    const char *tpath = NULL;
                    db_one_text(c.db, c.arena, &tpath, "SELECT path FROM units WHERE id = ?", DB_INT(targets[t]));
                    enum err e =
                        db_exec(c.db, "INSERT INTO insp_entry_targets (entry_id, unit_id, unit_path) VALUES (?, ?, ?)",
                                DB_INT(entry), DB_INT(targets[t]), DB_TEXT(tpath));
                    /* the inspection stands for its entry in the index (the entry, once opened, is counted there) */
                    if (!e)
                        e = db_exec(c.db,
                                    "INSERT INTO insp_dup_index (kind, obj_id, unit_id, start_date, end_date) "
                                    "VALUES (?, ?, ?, ?, ?)",
                                    DB_TEXT(insp ? "inspection" : "entry"), DB_INT(insp ? insp : entry),
                                    DB_INT(targets[t]), DB_TEXT(start), DB_TEXT(end));
                    if (!e && insp)
                        e = db_exec(c.db,
                                    "INSERT INTO insp_targets (inspection_id, unit_id, unit_path, state, added_at) "
                                    "VALUES (?, ?, ?, 'target', ?)",
                                    DB_INT(insp), DB_INT(targets[t]), DB_TEXT(tpath), DB_TEXT(now));
                    if (!exec_ok(e, "targets"))
                        goto fail;
                }
                if (insp && !exec_ok(db_exec(c.db, "UPDATE insp_entries SET inspection_id = ? WHERE id = ?",
                                             DB_INT(insp), DB_INT(entry)),
                                     "entry"))
                    goto fail;
                entries++;
                inspections += insp != 0;
            }
            cli_progress(cli, "gen inspections", ++done, total);
        }
        if (db_commit(c.db) < 0)
            goto fail;
    }
    printf("gen-inspections: %d governments, %ld units below them, %d years: %ld plan entries, %ld inspections\n",
           ngovs, nunits, years, entries, inspections);
    rc = 0;
    goto out;
fail:
    if (db_in_transaction(c.db))
        db_rollback(c.db);
out:
    for (int i = 0; i < ngovs; i++)
        free(govs[i].units);
    free(govs);
    store_release(c.db);
    arena_free(&arena);
    return rc;
}
