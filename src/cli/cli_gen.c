/*
 * cli_gen.c: `ducha gen`: a deterministic, province-sized synthetic dataset for benchmarks
 * (default 10,000 units, 1,000,000 items, 5,000,000 events) written straight into an empty,
 * migrated database in large transactions. The tree: a province with departments, 14 cities,
 * ten counties each (the first one is 古城县, code gc, with the user gc_office), each county with
 * a supervision office, departments and townships. Items belong to county offices, lead and co
 * tracks to their departments; numbers and counters are consistent with what the application
 * writes, and the database's triggers fill the ledger's scope rows, counters and search index as
 * they would for the application (migration 0050). One item in 20,000 mentions 古树名木保护 (a rare
 * word for search benchmarks). Users: admin, prov_office (督查室 at the province: sees everything)
 * and gc_office (古城县). No audit records are written: the data is synthetic, not history.
 * --gc-units N gives 古城县 N departments and townships to score (its 30 departments and N − 30 townships,
 * half its items led by a township): issue 12's year-end scoreboard of 10,000 units. Without it the data is
 * what it always was (the random sequence is not touched).
 */
#include "api/routes.h"
#include "auth/users.h"
#include "cli/cli.h"
#include "base/timeu.h"
#include "crypto/password.h"
#include "items/items_internal.h"
#include "items/ledger.h"
#include "store/store_search.h"
#include "workflow/workflow.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* xorshift64*: deterministic across runs and machines */
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static int rndn(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

struct gen_unit {
    int64_t id;
    char path[128];
};

struct gen {
    struct cli *cli;
    struct ctx *c;
    long done, total;
    const char *now_iso;
};

static bool run_ok(struct gen *g, struct stmt *st)
{
    (void)g;
    int rc = st ? stmt_step(st) : STORE_E_OTHER;
    stmt_done(st);
    if (rc < 0)
        cli_fail("gen: database write failed (%d)", rc);
    return rc >= 0;
}

/* Inserts a unit and sets its path; fills u. */
static bool gen_unit(struct gen *g, const char *code, const char *name, const char *kind, const struct gen_unit *parent,
                     const char *prefix, struct gen_unit *u)
{
    struct stmt *st = db_prepare(g->c->db, "INSERT INTO units (code, name, kind, parent_id, path, depth, prefix, "
                                           "created_at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?, ?, ?) RETURNING id");
    if (!st)
        return false;
    stmt_bind_text(st, 1, code);
    stmt_bind_text(st, 2, name);
    stmt_bind_text(st, 3, kind);
    int depth = 0;
    if (parent) {
        stmt_bind_int(st, 4, parent->id);
        for (const char *p = parent->path; *p; p++)
            depth += *p == '/';
    } else {
        stmt_bind_null(st, 4);
        depth = 1;
    }
    stmt_bind_int(st, 5, depth - 1);
    stmt_bind_text(st, 6, prefix ? prefix : "");
    stmt_bind_text(st, 7, g->now_iso);
    stmt_bind_text(st, 8, g->now_iso);
    if (stmt_one_int(st, &u->id) != STORE_ROW)
        return cli_fail("gen: cannot insert unit %s", code), false;
    char path[160];
    snprintf(path, sizeof path, "%s%" PRId64 "/", parent ? parent->path : "/", u->id);
    if (strlen(path) >= sizeof u->path)
        return cli_fail("gen: unit tree too deep"), false;
    memcpy(u->path, path, strlen(path) + 1);
    st = db_prepare(g->c->db, "UPDATE units SET path = ? WHERE id = ?");
    if (!st)
        return false;
    stmt_bind_text(st, 1, u->path);
    stmt_bind_int(st, 2, u->id);
    g->done++;
    return run_ok(g, st);
}

static const char *const depts[] = {"发展和改革局",   "教育局",       "科学技术局",
                                    "工业和信息化局", "公安局",       "民政局",
                                    "司法局",         "财政局",       "人力资源和社会保障局",
                                    "自然资源局",     "生态环境局",   "住房和城乡建设局",
                                    "交通运输局",     "水利局",       "农业农村局",
                                    "商务局",         "文化和旅游局", "卫生健康局",
                                    "退役军人事务局", "应急管理局",   "审计局",
                                    "市场监督管理局", "统计局",       "医疗保障局",
                                    "林业局",         "乡村振兴局",   "行政审批服务管理局",
                                    "信访局",         "能源局",       "国有资产监督管理局"};
static const char *const verbs[] = {"推进", "落实", "加快", "完成", "整治", "提升", "做好", "督促"};
static const char *const topics[] = {"城乡道路改造", "老旧小区改造",   "农村饮水安全", "营商环境优化",
                                     "河道综合治理", "中小学校舍建设", "医疗服务能力", "安全生产检查",
                                     "垃圾分类处理", "乡村振兴示范",   "招商引资项目", "交通运输保障",
                                     "信访积案化解", "高标准农田建设", "消防设施配套", "电网升级改造"};
static const char *const requirements[] = {
    "按照县政府常务会议部署，明确责任、倒排工期，按时报送办理情况。",
    "请牵头单位会同协办单位制定工作方案，每月二十五日前报送进展。",
    "对照年度目标任务，细化措施，确保按期完成并接受群众监督。",
    "加强统筹协调，落实资金保障，办结后及时书面报告督查室。",
};
static const char *const gen_sources[] = {"central_policy", "major_decision",  "meeting",          "work_report",
                                          "npc_cppcc",      "instruction",     "inspection_visit", "leader_assigned",
                                          "key_project",    "public_complaint"};
/* states weighted towards live work */
static const char *const gen_states[] = {"in_progress",          "in_progress", "in_progress", "received", "assigned",
                                         "completion_requested", "completed",   "completed",   "archived", "draft"};
static const char *const gen_events[] = {"submit", "approve", "approve", "assign", "receive",
                                         "report", "report",  "remind",  "report", "comment"};

struct county {
    struct gen_unit gov, office, depts[30];
    struct gen_unit *towns; /* with --gc-units, 古城县's townships: responsible units of its items too */
    int ntowns;
    char prefix[24];
    int64_t seq;
};

static bool gen_items(struct gen *g, struct county *counties, int ncounties, long items, long events)
{
    struct db *db = g->c->db;
    long per_event = items ? events / items : 0, extra = items ? events % items : 0;
    for (const char *const *sql = db_search_sql(db)->before_bulk; *sql; sql++) {
        struct stmt *st = db_prepare(db, *sql);
        if (!st || !run_ok(g, st))
            return false;
    }
    for (long i = 0; i < items; i++) {
        if (i % 5000 == 0) {
            if (i && db_commit(db) < 0)
                return cli_fail("gen: commit failed"), false;
            if (db_begin(db) < 0)
                return cli_fail("gen: begin failed"), false;
            cli_progress(g->cli, "gen items", i, items);
        }
        struct county *co = &counties[i % ncounties];
        const struct gen_unit *lead = &co->depts[rndn(30)];
        bool town = co->ntowns && rndn(2); /* 古城县 with --gc-units: half its items led by one of its townships */
        if (town)
            lead = &co->towns[rndn(co->ntowns)];
        const char *state = gen_states[rndn(10)];
        int year = 2025 + rndn(2);
        int month = 1 + rndn(12), day = 1 + rndn(28);
        char due[11], title[160], number[64], created[21];
        snprintf(due, sizeof due, "%04d-%02d-%02d", year, month, day);
        snprintf(created, sizeof created, "%04d-%02d-%02dT02:00:00Z", year, month > 1 ? month - 1 : 1, day);
        snprintf(title, sizeof title, "%s%s%s", verbs[rndn(8)], topics[rndn(16)],
                 i % 20000 == 7 ? "，做好古树名木保护" : "");
        bool numbered = strcmp(state, "draft") != 0;
        if (numbered)
            snprintf(number, sizeof number, "%s督〔%d〕%" PRId64 "号", co->prefix, year, ++co->seq);
        /* past approval it has been assigned (its units see it); completed and archived items closed */
        bool assigned = numbered, closed = !strcmp(state, "completed") || !strcmp(state, "archived");
        struct stmt *st = db_prepare(
            db,
            "INSERT INTO items (number, num_year, num_seq, title, requirement, source_kind, office_unit_id, "
            "office_path, lead_unit_id, lead_path, importance, kind, due_date, state, progress, year, created_at, "
            "updated_at, assigned_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id");
        if (!st)
            return false;
        stmt_bind_text(st, 1, numbered ? number : NULL);
        if (numbered) {
            stmt_bind_int(st, 2, year);
            stmt_bind_int(st, 3, co->seq);
        } else {
            stmt_bind_null(st, 2);
            stmt_bind_null(st, 3);
        }
        stmt_bind_text(st, 4, title);
        stmt_bind_text(st, 5, requirements[rndn(4)]);
        stmt_bind_text(st, 6, gen_sources[rndn(10)]);
        stmt_bind_int(st, 7, co->office.id);
        stmt_bind_text(st, 8, co->gov.path);
        stmt_bind_int(st, 9, lead->id);
        stmt_bind_text(st, 10, lead->path);
        stmt_bind_text(st, 11, rndn(5) ? "general" : "major");
        stmt_bind_text(st, 12, rndn(4) ? "once" : "ongoing");
        stmt_bind_text(st, 13, due);
        stmt_bind_text(st, 14, state);
        stmt_bind_int(st, 15, rndn(101));
        stmt_bind_int(st, 16, year);
        stmt_bind_text(st, 17, created);
        stmt_bind_text(st, 18, created);
        stmt_bind_text(st, 19, assigned ? created : NULL);
        char closed_at[21];
        snprintf(closed_at, sizeof closed_at, "%04d-%02d-%02dT08:00:00Z", year, month, day);
        stmt_bind_text(st, 20, closed ? closed_at : NULL);
        int64_t id;
        if (stmt_one_int(st, &id) != STORE_ROW)
            return cli_fail("gen: cannot insert item"), false;
        /* the lead track and, for a third of the items, a co-responsible unit */
        int ntracks = rndn(3) == 0 ? 2 : 1;
        for (int t = 0; t < ntracks; t++) {
            const struct gen_unit *u = t == 0 ? lead
                                       : town ? &co->depts[rndn(30)]
                                              : &co->depts[(lead - co->depts + 1 + rndn(29)) % 30];
            st = db_prepare(db, "INSERT INTO item_tracks (item_id, unit_id, unit_path, role, state, progress, "
                                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
            if (!st)
                return false;
            stmt_bind_int(st, 1, id);
            stmt_bind_int(st, 2, u->id);
            stmt_bind_text(st, 3, u->path);
            stmt_bind_text(st, 4, t == 0 ? "lead" : "co");
            stmt_bind_text(st, 5, state);
            stmt_bind_int(st, 6, rndn(101));
            stmt_bind_text(st, 7, created);
            if (!run_ok(g, st))
                return false;
        }
        long nev = per_event + (i < extra ? 1 : 0);
        for (long e = 0; e < nev; e++) {
            st = db_prepare(db, "INSERT INTO item_events (item_id, at, actor, actor_name, kind, action, note) "
                                "VALUES (?, ?, 'gc_office', '赵敏', ?, ?, ?)");
            if (!st)
                return false;
            const char *act = gen_events[e % 10];
            stmt_bind_int(st, 1, id);
            stmt_bind_text(st, 2, created);
            stmt_bind_text(st, 3,
                           !strcmp(act, "report")    ? "report"
                           : !strcmp(act, "comment") ? "comment"
                                                     : "transition");
            stmt_bind_text(st, 4, act);
            stmt_bind_text(st, 5, !strcmp(act, "report") ? "已完成阶段性任务，正在推进下一步工作。" : "");
            if (!run_ok(g, st))
                return false;
        }
    }
    if (items && db_commit(db) < 0)
        return cli_fail("gen: commit failed"), false;
    cli_progress(g->cli, "gen items", items, items);
    /* counters continue after the generated numbers */
    if (db_begin(db) < 0)
        return false;
    for (int k = 0; k < ncounties; k++)
        for (int year = 2025; year <= 2026; year++) {
            struct stmt *st = db_prepare(db, "INSERT INTO counters (name, value) SELECT ?, COALESCE(MAX(num_seq), 0) "
                                             "FROM items WHERE office_unit_id = ? AND num_year = ?");
            if (!st)
                return false;
            char name[64];
            snprintf(name, sizeof name, "number:%s:%d", counties[k].prefix, year); /* item_effects.c */
            stmt_bind_text(st, 1, name);
            stmt_bind_int(st, 2, counties[k].office.id);
            stmt_bind_int(st, 3, year);
            if (!run_ok(g, st))
                return false;
        }
    if (db_commit(db) < 0)
        return false;
    /* the search index in one piece (SQLite FTS5 merges its segments; PostgreSQL gathers statistics) */
    for (const char *const *sql = db_search_sql(db)->after_bulk; *sql; sql++) {
        struct stmt *st = db_prepare(db, *sql);
        if (!st || !run_ok(g, st))
            return cli_fail("gen: cannot optimize the search index"), false;
    }
    return true;
}

static bool parse_count(struct cli *cli, const char *name, long def, long *out)
{
    const char *v = cli_opt(cli, name);
    *out = def;
    if (!v)
        return true;
    char *end;
    *out = strtol(v, &end, 10);
    if (*end || *out < 0)
        return cli_fail("--%s must be a non-negative integer", name), false;
    return true;
}

int cmd_gen(struct cli *cli)
{
    long units, items, events, gc_units;
    if (!parse_count(cli, "units", 10000, &units) || !parse_count(cli, "items", 1000000, &items) ||
        !parse_count(cli, "events", 5000000, &events) || !parse_count(cli, "gc-units", 0, &gc_units))
        return 2;
    if (cli_leftover_options(cli) || cli->argc)
        return cli_fail("usage: ducha gen [--units N] [--items N] [--events N] [--gc-units N]");
    struct arena arena = ARENA_INIT;
    struct ctx c;
    cli_ctx(cli, &c, &arena);
    int64_t existing = -1;
    struct stmt *st = db_prepare(c.db, "SELECT COUNT(*) FROM units");
    stmt_one_int(st, &existing);
    if (existing != 0) {
        store_release(c.db);
        arena_free(&arena);
        return cli_fail("gen needs an empty database (it has %" PRId64 " units)", existing);
    }
    char now[21];
    time_format_iso(c.now, now);
    struct gen g = {.cli = cli, .c = &c, .now_iso = now};
    /* 1 province + office + 30 departments; 14 cities with office + 30 departments; counties with office,
     * 30 departments and townships; counties per city and townships per county fill up to `units` */
    int ncities = 14, per_city = 10;
    int ncounties = ncities * per_city;
    long fixed = 32 + ncities * 32 + (long)ncounties * 32;
    int towns = units > fixed ? (int)((units - fixed) / ncounties) : 0;
    struct county *counties = xcalloc((size_t)ncounties, sizeof *counties);
    bool ok = db_begin(c.db) >= 0;
    struct gen_unit prov, prov_office, city, tmp;
    char code[80], name[160];
    ok = ok && gen_unit(&g, "prov", "江河省人民政府", "government", NULL, "江", &prov) &&
         gen_unit(&g, "prov-dcs", "江河省人民政府督查室", "office", &prov, "江", &prov_office);
    for (int d = 0; ok && d < 30; d++) {
        snprintf(code, sizeof code, "prov-d%02d", d);
        snprintf(name, sizeof name, "江河省%s", depts[d]);
        ok = gen_unit(&g, code, name, "department", &prov, NULL, &tmp);
    }
    for (int ci = 0; ok && ci < ncities; ci++) {
        char cname[24], cprefix[24];
        snprintf(cname, sizeof cname, "第%d市", ci + 1);
        snprintf(cprefix, sizeof cprefix, "市%d", ci + 1);
        snprintf(code, sizeof code, "c%02d", ci + 1);
        snprintf(name, sizeof name, "%s人民政府", cname);
        ok = gen_unit(&g, code, name, "government", &prov, cprefix, &city);
        snprintf(code, sizeof code, "c%02d-dcs", ci + 1);
        ok = ok && gen_unit(&g, code, "市政府督查室", "office", &city, cprefix, &tmp);
        for (int d = 0; ok && d < 30; d++) {
            snprintf(code, sizeof code, "c%02d-d%02d", ci + 1, d);
            snprintf(name, sizeof name, "%s%s", cname, depts[d]);
            ok = gen_unit(&g, code, name, "department", &city, NULL, &tmp);
        }
        for (int k = 0; ok && k < per_city; k++) {
            struct county *co = &counties[ci * per_city + k];
            bool first = ci == 0 && k == 0;
            char base[48], kname[64];
            if (first) {
                snprintf(base, sizeof base, "gc");
                snprintf(kname, sizeof kname, "古城县");
                snprintf(co->prefix, sizeof co->prefix, "古");
            } else {
                snprintf(base, sizeof base, "c%02d-k%02d", ci + 1, k + 1);
                snprintf(kname, sizeof kname, "%s第%d县", cname, k + 1);
                snprintf(co->prefix, sizeof co->prefix, "县%d", ci * per_city + k + 1);
            }
            snprintf(name, sizeof name, "%s人民政府", kname);
            ok = gen_unit(&g, base, name, "government", &city, co->prefix, &co->gov);
            snprintf(code, sizeof code, "%s-dcs", base);
            snprintf(name, sizeof name, "%s人民政府督查室", kname);
            ok = ok && gen_unit(&g, code, name, "office", &co->gov, co->prefix, &co->office);
            for (int d = 0; ok && d < 30; d++) {
                snprintf(code, sizeof code, "%s-d%02d", base, d);
                snprintf(name, sizeof name, "%s%s", kname, depts[d]);
                ok = gen_unit(&g, code, name, "department", &co->gov, NULL, &co->depts[d]);
            }
            /* --gc-units: 古城县 scores that many departments and townships (a year-end scoreboard of thousands) */
            int ntowns = first && gc_units > 30 + towns ? (int)gc_units - 30 : towns;
            if (first && gc_units)
                co->towns = xcalloc((size_t)ntowns + 1, sizeof *co->towns);
            for (int t = 0; ok && t < ntowns; t++) {
                snprintf(code, sizeof code, "%s-t%02d", base, t + 1);
                snprintf(name, sizeof name, "%s第%d镇人民政府", kname, t + 1);
                ok = gen_unit(&g, code, name, "township", &co->gov, NULL, co->towns ? &co->towns[t] : &tmp);
            }
            co->ntowns = co->towns ? ntowns : 0;
            cli_progress(cli, "gen units", g.done, units);
        }
    }
    ok = ok && db_commit(c.db) >= 0;
    if (ok && cli->tty)
        fputc('\n', stderr);
    /* accounts: the province admin, the province's office and the first county's (password Demo2026) */
    char hash[128];
    if (ok && password_hash("Demo2026", hash)) {
        json_t *a = json_pack("{ss ss sI ss s[{ss sI}] sb}", "username", "admin", "name", "系统管理员", "unit_id",
                              (json_int_t)prov.id, "password", "-", "roles", "role", "admin", "unit_id",
                              (json_int_t)prov.id, "must_change_password", 0);
        json_t *o = json_pack("{ss ss sI ss s[{ss sI}] sb}", "username", "gc_office", "name", "赵敏", "unit_id",
                              (json_int_t)counties[0].office.id, "password", "-", "roles", "role", "office", "unit_id",
                              (json_int_t)counties[0].gov.id, "must_change_password", 0);
        json_t *p = json_pack("{ss ss sI ss s[{ss sI}] sb}", "username", "prov_office", "name", "钱进", "unit_id",
                              (json_int_t)prov_office.id, "password", "-", "roles", "role", "office", "unit_id",
                              (json_int_t)prov.id, "must_change_password", 0);
        json_t *out1 = NULL, *out2 = NULL, *out3 = NULL;
        ok = users_create_hashed(&c, a, hash, &out1) == ERR_OK && users_create_hashed(&c, o, hash, &out2) == ERR_OK &&
             users_create_hashed(&c, p, hash, &out3) == ERR_OK;
        if (!ok)
            cli_fail("gen: %s", c.msg);
        json_decref(a);
        json_decref(o);
        json_decref(p);
        json_decref(out1);
        json_decref(out2);
        json_decref(out3);
    }
    int64_t lights = 0; /* today's dates for the stored lights first: the items get theirs as they arrive */
    if (ok && ledger_lights_refresh(&c, &lights) != ERR_OK)
        ok = !cli_fail("gen: %s", c.msg ? c.msg : "lights");
    ok = ok && gen_items(&g, counties, ncounties, items, events);
    /* the to-dos the generated objects wait on, derived by the workflows as a transition would */
    for (int w = 0; ok && api_workflows[w]; w++) {
        int64_t n = 0;
        if (workflow_todos_rebuild(&c, api_workflows[w], &n) != ERR_OK)
            ok = !cli_fail("gen: %s", c.msg ? c.msg : "to-dos");
    }
    if (db_in_transaction(c.db))
        db_rollback(c.db);
    if (ok)
        fprintf(stderr,
                "gen: %ld units, %ld items, %ld events (users admin, prov_office, gc_office; password Demo2026)\n",
                g.done, items, events);
    free(counties[0].towns);
    free(counties);
    store_release(c.db);
    arena_free(&arena);
    return ok ? 0 : 1;
}
