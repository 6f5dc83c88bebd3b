/*
 * gen.c: a deterministic province-sized dataset for benchmarks (`ducha gen`): more counties under
 * the demo city (each a government, its supervision office, 30 departments and 8 townships) up to
 * the requested number of units, then items spread over the counties (古城县 gets 2 %) in every
 * state with their tracks, numbers, timeline events and search bigrams. Units go through
 * units_create (audited); items, tracks and events are bulk-inserted in large transactions with
 * the store's bulk mode, without audit records: generated data, not history.
 */
#include "items/items_internal.h"

#include "base/timeu.h"
#include "calendar/workdays.h"
#include "units/units.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct county {
    int64_t gov;
    const char *path, *prefix;
    int64_t units[48];
    const char *paths[48];
    int nunits;
};

static uint64_t rnd_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int rnd(uint64_t *s, int n)
{
    return (int)(rnd_next(s) % (uint64_t)n);
}

static const char *const syllables[] = {"清", "河", "安", "宁", "丰", "平", "阳", "泉", "华", "永", "兴", "和",
                                        "元", "德", "新", "昌", "东", "西", "南", "北", "长", "乐", "云", "山"};
static const char *const departments[] = {
    "发展和改革局", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局", "司法局", "财政局",
    "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局",
    "商务局", "文化和旅游局", "卫生健康局", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局",
    "医疗保障局", "林业局", "乡村振兴局", "行政审批服务管理局", "信访局", "能源局", "国有资产监督管理局"};
static const char *const topics[] = {
    "城区交通拥堵治理", "老旧小区改造", "农村饮水安全巩固", "河道清淤疏浚", "营商环境优化", "校园安全隐患整治",
    "食品安全监管", "秸秆禁烧", "乡村振兴示范村建设", "污水处理厂提标改造", "招商引资项目落地", "安全生产大检查",
    "森林防火", "医保基金监管", "城乡环境卫生整治", "农村公路养护", "集贸市场改造", "文物保护修缮",
    "养老服务设施建设", "信访积案化解", "高标准农田建设", "燃气管道更新", "背街小巷路灯改造", "防汛物资储备"};
static const char *const verbs[] = {"推进", "落实", "加快", "开展", "完成", "做好"};
static const char *const suffixes[] = {"工作", "专项行动", "攻坚任务", "整改落实", "三年行动"};
static const char *const source_kinds[] = {"central_policy", "major_decision", "meeting",      "work_report",
                                           "npc_cppcc",      "instruction",    "inspection_visit", "leader_assigned",
                                           "key_project",    "public_complaint"};

/* state mix in percent, summing to 100 */
static const struct {
    enum item_state s;
    int pct;
} mix[] = {
    {ST_DRAFT, 3},      {ST_SUBMITTED, 2}, {ST_DEPUTY_APPROVED, 1}, {ST_APPROVED, 1},  {ST_ASSIGNED, 8},
    {ST_RECEIVED, 10},  {ST_IN_PROGRESS, 40}, {ST_COMPLETION_REQUESTED, 4}, {ST_COMPLETION_SIGNED, 3},
    {ST_COMPLETED, 15}, {ST_ARCHIVED, 9}, {ST_WITHDRAWN, 1}, {ST_SUSPENDED, 3},
};

/* the lifecycle actions that lead to a state, in order */
static const enum item_action path_actions[] = {ACT_SUBMIT, ACT_APPROVE, ACT_APPROVE, ACT_ASSIGN, ACT_RECEIVE,
                                                ACT_REPORT, ACT_REQUEST_COMPLETION, ACT_SIGN, ACT_VERIFY, ACT_ARCHIVE};

static int steps_to(enum item_state s)
{
    switch (s) {
    case ST_DRAFT:
    case ST_WITHDRAWN:
        return 0;
    case ST_SUSPENDED:
        return 6;
    default:
        return s <= ST_ARCHIVED ? (int)s : 0;
    }
}

static enum err load_county(struct ctx *c, const char *code, struct county *k)
{
    const char *path;
    enum err e = units_find_code(c, code, &k->gov, &path);
    if (e)
        return e;
    k->path = path;
    k->nunits = 0;
    struct stmt *st = db_prepare(c->db, "SELECT u.id, u.path, g.prefix FROM units u JOIN units g ON g.id = u.parent_id "
                                        "WHERE u.parent_id = ? AND u.kind IN ('department', 'township') ORDER BY u.id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取单位");
    stmt_bind_int(st, 1, k->gov);
    while (stmt_step(st) == STORE_ROW && k->nunits < 48) {
        k->units[k->nunits] = stmt_int(st, 0);
        k->paths[k->nunits++] = arena_strdup(c->arena, stmt_text(st, 1));
        k->prefix = arena_strdup(c->arena, stmt_text(st, 2));
    }
    stmt_done(st);
    return k->nunits ? ERR_OK : ctx_fail(c, ERR_INVALID, "单位 %s 下没有部门", code);
}

static int64_t make_unit(struct ctx *c, const char *code, const char *name, const char *kind, int64_t parent,
                         const char *prefix, const char **path)
{
    json_t *b = json_pack("{ss ss ss sI ss}", "code", code, "name", name, "kind", kind, "parent_id", (json_int_t)parent,
                          "prefix", prefix ? prefix : "");
    json_t *out = NULL;
    enum err e = units_create(c, b, &out);
    json_decref(b);
    if (e)
        return 0;
    int64_t id = json_integer_value(json_object_get(out, "id"));
    *path = arena_strdup(c->arena, json_string_value(json_object_get(out, "path")));
    json_decref(out);
    return id;
}

/* Creates one county of 40 units under parent. */
static enum err make_county(struct ctx *c, int n, int64_t parent, uint64_t *seed, struct county *k)
{
    char code[32], name[128], prefix[8];
    const char *a = syllables[rnd(seed, 24)], *b = syllables[rnd(seed, 24)];
    snprintf(prefix, sizeof prefix, "%s", a);
    snprintf(code, sizeof code, "g%04d", n);
    snprintf(name, sizeof name, "%s%s县人民政府（%04d）", a, b, n);
    const char *path;
    k->gov = make_unit(c, code, name, "government", parent, prefix, &path);
    if (!k->gov)
        return c->err ? c->err : ERR_INTERNAL;
    k->path = path;
    k->prefix = arena_strdup(c->arena, prefix);
    k->nunits = 0;
    snprintf(code, sizeof code, "g%04d-dcs", n);
    snprintf(name, sizeof name, "%s%s县人民政府督查室（%04d）", a, b, n);
    const char *p2;
    if (!make_unit(c, code, name, "office", k->gov, prefix, &p2))
        return c->err ? c->err : ERR_INTERNAL;
    for (int i = 0; i < 38; i++) {
        bool town = i >= 30;
        snprintf(code, sizeof code, "g%04d-%02d", n, i);
        if (town)
            snprintf(name, sizeof name, "%s%s县%s%s镇（%04d）", a, b, syllables[rnd(seed, 24)], syllables[rnd(seed, 24)], n);
        else
            snprintf(name, sizeof name, "%s%s县%s（%04d）", a, b, departments[i], n);
        int64_t id = make_unit(c, code, name, town ? "township" : "department", k->gov, NULL, &p2);
        if (!id)
            return c->err ? c->err : ERR_INTERNAL;
        k->units[k->nunits] = id;
        k->paths[k->nunits++] = p2;
    }
    return ERR_OK;
}

/* Sequence numbers per (county, year), continuing the counters table. */
struct seqs {
    int64_t *v; /* ncounties * 3: years 2025, 2026, 2027 */
};

static int64_t counter_value(struct ctx *c, const char *name)
{
    int64_t v = 0;
    struct stmt *st = db_prepare(c->db, "SELECT value FROM counters WHERE name = ?");
    if (st) {
        stmt_bind_text(st, 1, name);
        stmt_one_int(st, &v);
    }
    return v;
}

struct gram {
    const char *gram;
    int64_t item;
};

static int gram_cmp(const void *a, const void *b)
{
    const struct gram *x = a, *y = b;
    int r = strcmp(x->gram, y->gram);
    return r ? r : (x->item > y->item) - (x->item < y->item);
}

static int bind_step(struct stmt *st);

/* Inserts a batch of bigrams in index order (much faster than item order on a large table). */
static int flush_grams(struct ctx *c, struct gram *g, size_t n)
{
    qsort(g, n, sizeof *g, gram_cmp);
    for (size_t i = 0; i < n; i++) {
        struct stmt *st = db_prepare(c->db, "INSERT INTO item_grams (gram, item_id) VALUES (?, ?) ON CONFLICT DO NOTHING");
        if (!st)
            return STORE_E_OTHER;
        stmt_bind_text(st, 1, g[i].gram);
        stmt_bind_int(st, 2, g[i].item);
        int rc = bind_step(st);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int bind_step(struct stmt *st)
{
    int rc = stmt_step(st);
    stmt_done(st);
    return rc;
}

enum err items_gen(struct ctx *c, int64_t want_units, int64_t want_items, int64_t want_events, uint64_t seed,
                   void (*progress)(void *, const char *, long, long), void *parg)
{
    enum err e;
    int rc = 0;
    int64_t have_units = 0;
    struct stmt *st = db_prepare(c->db, "SELECT COUNT(*) FROM units");
    stmt_one_int(st, &have_units);
    int64_t city;
    const char *city_path;
    if ((e = units_find_code(c, "lc", &city, &city_path)))
        return ctx_fail(c, ERR_INVALID, "gen 需要先有演示数据（ducha demo 建立的 临川市）");
    int ncounties = 2 + (int)((want_units > have_units ? want_units - have_units : 0) / 40);
    struct county *k = xcalloc((size_t)ncounties, sizeof *k);
    if ((e = load_county(c, "gc", &k[0])) || (e = load_county(c, "ap", &k[1]))) {
        free(k);
        return e;
    }
    db_bulk_mode(c->db, true);
    for (int i = 2; i < ncounties; i++) {
        if ((i - 2) % 25 == 0) {
            if (i > 2 && (rc = db_commit(c->db)) < 0) {
                e = ctx_store_fail(c, rc, "生成单位");
                goto out;
            }
            if ((rc = db_begin(c->db)) < 0) {
                e = ctx_store_fail(c, rc, "生成单位");
                goto out;
            }
        }
        if ((e = make_county(c, i - 1, city, &seed, &k[i]))) {
            db_rollback(c->db);
            goto out;
        }
        if (progress)
            progress(parg, "units", (long)(have_units + (i - 1) * 40), (long)want_units);
    }
    if (ncounties > 2 && (rc = db_commit(c->db)) < 0) {
        e = ctx_store_fail(c, rc, "生成单位");
        goto out;
    }

    int64_t *seqv = xcalloc((size_t)ncounties * 3, sizeof *seqv);
    for (int i = 0; i < ncounties; i++)
        for (int y = 0; y < 3; y++)
            seqv[i * 3 + y] =
                counter_value(c, arena_printf(c->arena, "item:%" PRId64 ":%d", k[i].gov, 2025 + y));
    int64_t base_day = cal_days_from_civil(2025, 1, 1);
    int64_t events_left = want_events;
    struct arena scratch = ARENA_INIT;
    size_t gcap = 1 << 20, ngr = 0;
    struct gram *gr = xmalloc(sizeof *gr * gcap);
    /* the secondary index of the bigrams is rebuilt once at the end */
    db_exec(c->db, "DROP INDEX IF EXISTS item_grams_item");
    for (int64_t n = 0; n < want_items; n++) {
        if (n % 20000 == 0) {
            if (n && ((rc = flush_grams(c, gr, ngr)) < 0 || (rc = db_commit(c->db)) < 0))
                break;
            ngr = 0;
            arena_free(&scratch);
            if ((rc = db_begin(c->db)) < 0)
                break;
            if (progress)
                progress(parg, "items", (long)n, (long)want_items);
        }
        int ci = rnd(&seed, 50) == 0 ? 0 : ncounties > 2 ? 1 + rnd(&seed, ncounties - 1) : 1;
        struct county *co = &k[ci];
        int pick = rnd(&seed, 100), acc = 0;
        enum item_state s = ST_IN_PROGRESS;
        for (size_t m = 0; m < sizeof mix / sizeof *mix; m++) {
            acc += mix[m].pct;
            if (pick < acc) {
                s = mix[m].s;
                break;
            }
        }
        int64_t created_day = base_day + rnd(&seed, 690);
        int64_t due_day = created_day + 10 + rnd(&seed, 120);
        int y;
        unsigned mo, d;
        cal_civil_from_days(created_day, &y, &mo, &d);
        char created[21], due[11];
        time_format_iso(time_local_instant(created_day, 9 * 3600), created);
        cal_format_date(due_day, due);
        const char *title = arena_printf(&scratch, "%s%s%s", verbs[rnd(&seed, 6)], topics[rnd(&seed, 24)],
                                         suffixes[rnd(&seed, 5)]);
        const char *number = NULL;
        int64_t seq = 0;
        if (s != ST_DRAFT && !(s == ST_WITHDRAWN && rnd(&seed, 2))) {
            seq = ++seqv[ci * 3 + (y - 2025)];
            number = arena_printf(&scratch, "%s督〔%d〕%" PRId64 "号", co->prefix ? co->prefix : "", y, seq);
        }
        int lead = rnd(&seed, co->nunits);
        int nco = rnd(&seed, 3);
        int progress_pct = s >= ST_COMPLETED && s <= ST_ARCHIVED ? 100 : s >= ST_IN_PROGRESS ? 10 + rnd(&seed, 90) : 0;
        bool assigned = s >= ST_ASSIGNED && s != ST_WITHDRAWN;
        st = db_prepare(c->db,
                        "INSERT INTO items (number, num_year, num_seq, title, requirement, source_kind, source_ref, "
                        "office_unit_id, office_path, lead_unit_id, lead_path, importance, kind, due_date, tags, state, "
                        "resume_state, progress, grade, escalated, year, created_at, updated_at, closed_at, assigned_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
        if (!st) {
            rc = STORE_E_OTHER;
            break;
        }
        stmt_bind_text(st, 1, number);
        if (number) {
            stmt_bind_int(st, 2, y);
            stmt_bind_int(st, 3, seq);
        } else {
            stmt_bind_null(st, 2);
            stmt_bind_null(st, 3);
        }
        stmt_bind_text(st, 4, title);
        stmt_bind_text(st, 5, arena_printf(&scratch, "按照要求%s，按期报送进展情况。", title));
        stmt_bind_text(st, 6, source_kinds[rnd(&seed, 10)]);
        stmt_bind_int(st, 7, co->gov);
        stmt_bind_text(st, 8, co->path);
        stmt_bind_int(st, 9, co->units[lead]);
        stmt_bind_text(st, 10, co->paths[lead]);
        stmt_bind_text(st, 11, rnd(&seed, 5) ? "general" : "major");
        stmt_bind_text(st, 12, rnd(&seed, 4) ? "once" : "ongoing");
        stmt_bind_text(st, 13, due);
        stmt_bind_text(st, 14, item_state_name(s));
        stmt_bind_text(st, 15, s == ST_SUSPENDED ? "in_progress" : NULL);
        stmt_bind_int(st, 16, progress_pct);
        stmt_bind_text(st, 17, s == ST_COMPLETED || s == ST_ARCHIVED ? (rnd(&seed, 3) ? "良好" : "优秀") : NULL);
        stmt_bind_int(st, 18, s >= ST_ASSIGNED && s < ST_COMPLETED && rnd(&seed, 50) == 0);
        stmt_bind_int(st, 19, y);
        stmt_bind_text(st, 20, created);
        stmt_bind_text(st, 21, created);
        stmt_bind_text(st, 22, s == ST_COMPLETED || s == ST_ARCHIVED || s == ST_WITHDRAWN ? created : NULL);
        stmt_bind_text(st, 23, assigned ? created : NULL);
        int64_t id;
        if ((rc = stmt_one_int(st, &id)) != STORE_ROW)
            break;
        /* tracks: the lead and up to two co units, all in the item's state */
        enum item_state ts = item_state_active(s) || s == ST_COMPLETED || s == ST_ARCHIVED ? s
                             : s == ST_SUSPENDED                                      ? ST_IN_PROGRESS
                                                                                      : ST_ASSIGNED;
        int used[3] = {lead, -1, -1};
        for (int t = 0; t <= nco && rc >= 0; t++) {
            int u = t == 0 ? lead : rnd(&seed, co->nunits);
            if (t > 0 && (u == used[0] || u == used[1]))
                continue;
            used[t] = u;
            st = db_prepare(c->db, "INSERT INTO item_tracks (item_id, unit_id, unit_path, role, state, progress, "
                                   "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
            if (!st) {
                rc = STORE_E_OTHER;
                break;
            }
            stmt_bind_int(st, 1, id);
            stmt_bind_int(st, 2, co->units[u]);
            stmt_bind_text(st, 3, co->paths[u]);
            stmt_bind_text(st, 4, t == 0 ? "lead" : "co");
            stmt_bind_text(st, 5, item_state_name(ts));
            stmt_bind_int(st, 6, progress_pct);
            stmt_bind_text(st, 7, created);
            rc = bind_step(st);
        }
        if (rc < 0)
            break;
        /* events: the path to the state, then reports and comments, want_events in total */
        int64_t items_left = want_items - n;
        int nev = (int)(events_left / items_left);
        if (nev > 60)
            nev = 60;
        int steps = steps_to(s);
        for (int j = 0; j < nev && rc >= 0; j++) {
            enum item_action a = j == 0 ? ACT_COMMENT : j - 1 < steps ? path_actions[j - 1] : (j % 3 ? ACT_REPORT : ACT_COMMENT);
            const char *action = j == 0 ? "create" : item_action_name(a);
            char at[21];
            time_format_iso(time_local_instant(created_day + j, 10 * 3600), at);
            st = db_prepare(c->db, "INSERT INTO item_events (item_id, at, actor, actor_name, kind, action, note) "
                                   "VALUES (?, ?, 'gen', '生成数据', ?, ?, ?)");
            if (!st) {
                rc = STORE_E_OTHER;
                break;
            }
            stmt_bind_int(st, 1, id);
            stmt_bind_text(st, 2, at);
            stmt_bind_text(st, 3, a == ACT_REPORT ? "report" : a == ACT_COMMENT && j ? "comment" : "transition");
            stmt_bind_text(st, 4, action);
            stmt_bind_text(st, 5, a == ACT_REPORT ? "按计划推进" : "");
            rc = bind_step(st);
        }
        events_left -= nev;
        /* search bigrams of the number and the title */
        const char **grams;
        int ng = item_bigrams(&scratch, arena_printf(&scratch, "%s\n%s", number ? number : "", title), &grams);
        for (int g = 0; g < ng; g++) {
            if (ngr == gcap) {
                gcap *= 2;
                gr = xrealloc(gr, sizeof *gr * gcap);
            }
            gr[ngr].gram = grams[g];
            gr[ngr++].item = id;
        }
        if (rc < 0)
            break;
    }
    if (rc >= 0)
        rc = flush_grams(c, gr, ngr);
    free(gr);
    arena_free(&scratch);
    if (rc >= 0)
        rc = db_exec(c->db, "CREATE INDEX IF NOT EXISTS item_grams_item ON item_grams (item_id)");
    if (rc < 0) {
        db_rollback(c->db);
        free(seqv);
        e = ctx_store_fail(c, rc, "生成督办事项");
        goto out;
    }
    if (!want_items && (rc = db_begin(c->db)) < 0) {
        free(seqv);
        e = ctx_store_fail(c, rc, "生成督办事项");
        goto out;
    }
    for (int i = 0; i < ncounties && rc >= 0; i++)
        for (int yy = 0; yy < 3 && rc >= 0; yy++) {
            if (!seqv[i * 3 + yy])
                continue;
            st = db_prepare(c->db, "INSERT INTO counters (name, value) VALUES (?, ?) "
                                   "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
            if (!st) {
                rc = STORE_E_OTHER;
                break;
            }
            stmt_bind_text(st, 1, arena_printf(c->arena, "item:%" PRId64 ":%d", k[i].gov, 2025 + yy));
            stmt_bind_int(st, 2, seqv[i * 3 + yy]);
            rc = bind_step(st);
        }
    free(seqv);
    if (rc >= 0)
        rc = db_commit(c->db);
    else
        db_rollback(c->db);
    if (rc < 0) {
        e = ctx_store_fail(c, rc, "生成督办事项");
        goto out;
    }
    if (progress)
        progress(parg, "items", (long)want_items, (long)want_items);
    db_exec(c->db, strcmp(db_kind(c->db), "postgres") ? "ANALYZE" : "ANALYZE items; ANALYZE item_tracks; ANALYZE item_grams");
    e = ERR_OK;
out:
    db_bulk_mode(c->db, false);
    free(k);
    return e;
}
