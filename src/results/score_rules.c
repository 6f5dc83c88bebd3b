/*
 * score_rules.c: the rule table of the year-end target-responsibility scoring (目标责任考评细则). The
 * catalogue below is every rule the scoring knows how to count, with its default points and switch; a
 * government's office changes points and switches for a year (score_rules, score_years), audited. The
 * measures of work the 2024 rules on formalism forbid (整治形式主义为基层减负若干规定: leaders'
 * endorsements, published articles, photos as proof, meetings held, documents issued) are in the
 * catalogue, off by default, and flagged wherever they are switched on (DOMAIN.md §10).
 *
 * The quality-grade rules follow the grades the system gives at completion (setting item_grades, read
 * here by SQL: the items module is of the same rank).
 */
#include "results/results_internal.h"

#include "audit/audit.h"
#include "base/timeu.h"

#include <inttypes.h>
#include <string.h>

#define BASE_DEFAULT 100
#define WEIGHT_DEFAULT 150
#define OBJECTION_DAYS_DEFAULT 5 /* working days after the issue (考评结果下发后 5 个工作日内可提出异议) */
#define GRADES_DEFAULT "优秀,良好,合格,不合格" /* the items module's default list (item_meta.c) */

/* clang-format off */
static const struct score_rule catalogue[] = {
    {"on_time", "按期办结", "督办事项在期限内审核办结，每件", 2, true, false, true, SCORE_DATA},
    {"late", "逾期办结", "督办事项超过办理期限后办结，每件", -1, true, false, true, SCORE_DATA},
    {"overdue", "逾期未办结", "截至考评截止日超期未办结的督办事项，每件", -3, true, false, true, SCORE_DATA},
    {"returned", "办结答复被退回", "办结答复经督查室审核退回重办，每次", -1, true, false, true, SCORE_DATA},
    {"pressed", "被催办", "因办理滞后被催办，每次", -1, true, false, true, SCORE_DATA},
    {"criticised", "通报批评", "经主要领导批准印发的通报批评，每次", -5, true, false, false, SCORE_DATA},
    {"talked", "约谈", "经主要领导批准的约谈，每次", -3, true, false, false, SCORE_DATA},
    {"praised", "通报表扬", "经主要领导批准印发的通报表扬，每次", 3, true, false, false, SCORE_DATA},
    {"endorsement", "领导批示肯定", "督办事项获领导批示，每次", 1, false, true, false, SCORE_DATA},
    {"photos", "照片佐证", "进展报告所附照片，每张", 1, false, true, false, SCORE_DATA},
    {"articles", "发表宣传文章", "发表宣传报道文章，每篇（督查室录入）", 1, false, true, false, SCORE_HAND},
    {"meetings", "召开会议", "召开专题会议，每次（督查室录入）", 1, false, true, false, SCORE_HAND},
    {"documents", "印发文件", "印发文件，每件（督查室录入）", 1, false, true, false, SCORE_HAND},
};
/* clang-format on */
#define NCAT ((int)(sizeof catalogue / sizeof *catalogue))

/* The default points of a quality grade: the best two add, the last deducts, the others are neutral. */
static int grade_default(int pos, int n)
{
    if (pos == n - 1 && n > 1)
        return -3;
    return pos == 0 ? 3 : pos == 1 && n > 2 ? 1 : 0;
}

/* The grades (arena), in the office's order. */
static const char **grades(struct ctx *c, int *n)
{
    const char *list = GRADES_DEFAULT, *stored = NULL;
    if (!db_one_text(c->db, c->arena, &stored, "SELECT value FROM settings WHERE key = 'item_grades'") && stored &&
        *stored)
        list = stored;
    const char **out = arena_alloc(c->arena, sizeof *out * 16);
    *n = 0;
    char *copy = arena_strdup(c->arena, list), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && *n < 16; tok = strtok_r(NULL, ",", &save))
        if (*tok)
            out[(*n)++] = tok;
    return out;
}

enum err score_table_load(struct ctx *c, int64_t home_unit_id, int year, struct score_table *t)
{
    int ng;
    const char **g = grades(c, &ng);
    memset(t, 0, sizeof *t);
    t->year = year;
    t->base = BASE_DEFAULT;
    t->weight_major = WEIGHT_DEFAULT;
    t->objection_days = OBJECTION_DAYS_DEFAULT;
    t->rules = arena_alloc(c->arena, sizeof *t->rules * (size_t)(NCAT + ng));
    for (int i = 0; i < ng; i++)
        t->rules[t->n++] = (struct score_rule){arena_printf(c->arena, "grade:%s", g[i]),
                                               arena_printf(c->arena, "办结等次「%s」", g[i]),
                                               arena_printf(c->arena, "督办事项审核办结，等次为%s，每件", g[i]),
                                               grade_default(i, ng),
                                               true,
                                               false,
                                               true,
                                               SCORE_DATA};
    /* the grades after on_time/late/overdue: completion first, then its quality */
    struct score_rule *all = arena_alloc(c->arena, sizeof *all * (size_t)(NCAT + ng));
    int n = 0;
    for (int i = 0; i < 3; i++)
        all[n++] = catalogue[i];
    for (int i = 0; i < ng; i++)
        all[n++] = t->rules[i];
    for (int i = 3; i < NCAT; i++)
        all[n++] = catalogue[i];
    t->rules = all;
    t->n = n;
    struct stmt *st = db_query(
        c->db, "SELECT base, weight_major, objection_days FROM score_years WHERE home_unit_id = ? AND year = ?",
        DB_INT(home_unit_id), DB_INT(year));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取考评细则");
    if (stmt_step(st) == STORE_ROW) {
        t->saved = true;
        t->base = (int)stmt_int(st, 0);
        t->weight_major = (int)stmt_int(st, 1);
        t->objection_days = (int)stmt_int(st, 2);
    }
    stmt_done(st);
    st = db_query(c->db, "SELECT code, points, enabled FROM score_rules WHERE home_unit_id = ? AND year = ?",
                  DB_INT(home_unit_id), DB_INT(year));
    if (!st)
        return ctx_db_fail(c, ERR_INTERNAL, "读取考评细则");
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        for (int i = 0; i < t->n; i++)
            if (!strcmp(t->rules[i].code, stmt_text(st, 0))) {
                t->rules[i].points = (int)stmt_int(st, 1);
                t->rules[i].enabled = stmt_int(st, 2) != 0;
            }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取考评细则") : ERR_OK;
}

const struct score_rule *score_rule_find(const struct score_table *t, const char *code)
{
    for (int i = 0; code && i < t->n; i++)
        if (!strcmp(t->rules[i].code, code))
            return &t->rules[i];
    return NULL;
}

const char *score_forbidden_warning(struct ctx *c, const struct score_rule *r)
{
    return arena_printf(c->arena,
                        "「%s」属于《整治形式主义为基层减负若干规定》明确不得作为工作考核依据的内容（领导批示肯定、"
                        "发表文章、照片佐证、开会次数、发文数量），启用后将在考评结果中标注",
                        r->label);
}

json_t *score_table_json(struct ctx *c, const struct score_table *t)
{
    json_t *rules = json_array(), *warnings = json_array();
    for (int i = 0; i < t->n; i++) {
        const struct score_rule *r = &t->rules[i];
        bool flag = r->forbidden && r->enabled;
        json_array_append_new(rules,
                              json_pack("{ss ss ss si sb sb sb ss so}", "code", r->code, "label", r->label, "basis",
                                        r->basis, "points", r->points, "enabled", r->enabled, "forbidden", r->forbidden,
                                        "weighted", r->weighted, "source", r->source == SCORE_HAND ? "hand" : "data",
                                        "flag", flag ? json_string(score_forbidden_warning(c, r)) : json_null()));
        if (flag)
            json_array_append_new(warnings, json_string(score_forbidden_warning(c, r)));
    }
    return json_pack("{si si si si sb so so}", "year", t->year, "base", t->base, "weight_major", t->weight_major,
                     "objection_days", t->objection_days, "saved", t->saved, "rules", rules, "warnings", warnings);
}

/* The government whose rules the user reads (office or principal leader) or writes (office only). */
static enum err rules_home(struct ctx *c, bool write, const struct grant **g)
{
    if (!c->user)
        return ctx_fail(c, ERR_FORBIDDEN, "需要登录");
    for (int i = 0; i < c->user->ngrants; i++)
        if (perm_grant_has(&c->user->grants[i], CAP_RESULT_DRAFT) ||
            (!write && perm_grant_has(&c->user->grants[i], CAP_RESULT_APPROVE))) {
            *g = &c->user->grants[i];
            c->acting = *g;
            return ERR_OK;
        }
    return ctx_fail(c, ERR_FORBIDDEN,
                    write ? "只有督查室可以修改考评细则" : "只有督查室和政府主要领导可以查看考评细则");
}

enum err score_rules_get(struct ctx *c, int year, json_t **out)
{
    const struct grant *g;
    struct score_table t;
    enum err e = rules_home(c, false, &g);
    if (e || (e = score_table_load(c, g->unit_id, year, &t)))
        return e;
    *out = score_table_json(c, &t);
    json_object_set_new(*out, "government", json_pack("{sI ss}", "id", (json_int_t)g->unit_id, "name", g->unit_name));
    return ERR_OK;
}

const struct jv_field score_rules_spec[] = {
    {"year", JV_INT, JV_REQUIRED, 2000, 2100, "考评年度"},
    {"base", JV_INT, 0, 0, 1000, "基础分"},
    {"weight_major", JV_INT, 0, 100, 300, "重大事项权重（百分比）"},
    {"objection_days", JV_INT, 0, 1, 30, "异议期（工作日）"},
    {"rules", JV_OBJECT_ARRAY, 0, 0, 50, "考评细则"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const struct jv_field rule_spec[] = {
    {"code", JV_STRING, JV_REQUIRED, 1, 60, "细则代码"},
    {"points", JV_INT, 0, -100, 100, "分值"},
    {"enabled", JV_BOOL, 0, 0, 0, "启用"},
    {NULL, 0, 0, 0, 0, NULL},
};

static enum err put_tx(struct ctx *c, void *arg)
{
    const json_t *body = arg;
    const struct grant *g;
    struct score_table t;
    int year = (int)jv_int(body, "year", 0);
    enum err e = rules_home(c, true, &g);
    if (e || (e = score_table_load(c, g->unit_id, year, &t)))
        return e;
    json_t *before = score_table_json(c, &t), *switched_on = json_array();
    t.base = (int)jv_int(body, "base", t.base);
    t.weight_major = (int)jv_int(body, "weight_major", t.weight_major);
    t.objection_days = (int)jv_int(body, "objection_days", t.objection_days);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(body, "rules"), i, r)
    {
        char msg[256];
        const char *field = NULL;
        if (jv_check_at(r, rule_spec, msg, sizeof msg, &field)) {
            json_decref(before);
            json_decref(switched_on);
            return ctx_fail_field(c, "rules", "考评细则第 %zu 条：%s", i + 1, msg);
        }
        struct score_rule *x = (struct score_rule *)score_rule_find(&t, jv_str(r, "code"));
        if (!x) {
            json_decref(before);
            json_decref(switched_on);
            return ctx_fail_field(c, "rules", "考评细则第 %zu 条：没有代码为“%s”的细则（见 GET /api/v1/scoring/rules）",
                                  i + 1, jv_str(r, "code"));
        }
        bool on = jv_bool(r, "enabled", x->enabled);
        if (on && !x->enabled && x->forbidden)
            json_array_append_new(switched_on, json_string(x->code));
        x->points = (int)jv_int(r, "points", x->points);
        x->enabled = on;
    }
    char at[21];
    time_format_iso(c->now, at);
    e = db_exec(c->db,
                "INSERT INTO score_years (home_unit_id, year, home_path, base, weight_major, objection_days, "
                "updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (home_unit_id, year) DO UPDATE "
                "SET base = excluded.base, weight_major = excluded.weight_major, "
                "objection_days = excluded.objection_days, updated_by = excluded.updated_by, "
                "updated_at = excluded.updated_at",
                DB_INT(g->unit_id), DB_INT(year), DB_TEXT(g->unit_path), DB_INT(t.base), DB_INT(t.weight_major),
                DB_INT(t.objection_days), DB_INT(c->user->id), DB_TEXT(at));
    for (int k = 0; !e && k < t.n; k++)
        e = db_exec(c->db,
                    "INSERT INTO score_rules (home_unit_id, year, code, points, enabled) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (home_unit_id, year, code) DO UPDATE SET points = excluded.points, "
                    "enabled = excluded.enabled",
                    DB_INT(g->unit_id), DB_INT(year), DB_TEXT(t.rules[k].code), DB_INT(t.rules[k].points),
                    DB_INT(t.rules[k].enabled));
    if (e) {
        json_decref(before);
        json_decref(switched_on);
        return ctx_db_fail(c, e, "保存考评细则");
    }
    t.saved = true;
    json_t *sum = json_pack("{si so so}", "year", year, "before", before, "after", score_table_json(c, &t));
    e = audit_record(c, "scoring.rules", "government", g->unit_id, sum);
    json_decref(sum);
    /* a forbidden measure switched on is a record of its own: whoever reads the trail sees it */
    if (!e && json_array_size(switched_on)) {
        sum = json_pack("{si sO}", "year", year, "rules", switched_on);
        e = audit_record(c, "scoring.forbidden_on", "government", g->unit_id, sum);
        json_decref(sum);
    }
    json_decref(switched_on);
    return e;
}

enum err score_rules_put(struct ctx *c, const json_t *body, json_t **out)
{
    enum err e = ctx_tx(c, "保存考评细则", put_tx, (void *)body);
    return e ? e : score_rules_get(c, (int)jv_int(body, "year", 0), out);
}
