/*
 * item_meta.c: what an item may say: the reference lists (source kinds, importance, kinds,
 * confidentiality) and the checks of those values, the grades an office gives (configurable), the
 * traffic light of a due date, and GET /api/v1/items/meta.
 */
#include "items/items_internal.h"

#include "audit/audit.h"
#include "base/jsonw.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "calendar/workdays.h"

#include <pthread.h>
#include <string.h>

static const struct {
    const char *kind, *label;
} source_kinds[] = {
    {"central_policy", "党中央、国务院方针政策"},
    {"major_decision", "上级和本级重大决策部署"},
    {"meeting", "政府会议议定事项"},
    {"work_report", "政府工作报告目标任务"},
    {"npc_cppcc", "人大代表建议和政协委员提案"},
    {"instruction", "领导批示"},
    {"inspection_visit", "视察调研指示"},
    {"leader_assigned", "领导交办的其他事项"},
    {"key_project", "重点工程项目和经济指标"},
    {"public_complaint", "群众反映的民生和信访问题"},
};

static const struct {
    const char *name, *label;
} importances[] = {{"general", "一般事项"}, {"major", "重大复杂事项"}};
static const struct {
    const char *name, *label;
} kinds[] = {
    {"once", "一次性事项"}, {"ongoing", "常态化推进工作（每月报送进展）"}, {"annual", "年度重点工作（每季度报送）"}};
static const struct {
    const char *name, *label;
} confidentialities[] = {{"internal", "内部"}, {"public", "公开"}};

#define N(a) (sizeof(a) / sizeof *(a))

const char *item_source_label(const char *kind)
{
    for (size_t i = 0; kind && i < N(source_kinds); i++)
        if (!strcmp(kind, source_kinds[i].kind))
            return source_kinds[i].label;
    return NULL;
}

/* want_name 0: the label of name key; 1: the name of key given as a name or a label. NULL when unknown. */
#define LOOKUP(table, key, want_name)                                                                                  \
    do {                                                                                                               \
        for (size_t i = 0; (key) && i < N(table); i++)                                                                 \
            if (!strcmp((key), table[i].name) || ((want_name) && !strcmp((key), table[i].label)))                      \
                return (want_name) ? table[i].name : table[i].label;                                                   \
        return NULL;                                                                                                   \
    } while (0)

const char *items_importance_label(const char *name)
{
    LOOKUP(importances, name, 0);
}
const char *items_kind_label(const char *name)
{
    LOOKUP(kinds, name, 0);
}
const char *items_importance_name(const char *s)
{
    LOOKUP(importances, s, 1);
}
const char *items_kind_name(const char *s)
{
    LOOKUP(kinds, s, 1);
}
const char *items_confidentiality_label(const char *name)
{
    LOOKUP(confidentialities, name, 0);
}
const char *items_confidentiality_name(const char *s)
{
    LOOKUP(confidentialities, s, 1);
}
#undef LOOKUP

void item_today(struct ctx *c, char out[11])
{
    cal_format_date(time_local_day(c->now), out);
}

const char **item_grades(struct ctx *c, int *n)
{
    const char *list = "优秀,良好,合格,不合格";
    const char *stored = NULL;
    db_one_text(c->db, c->arena, &stored, "SELECT value FROM settings WHERE key = 'item_grades'");
    if (stored && *stored)
        list = stored;
    const char **out = arena_alloc(c->arena, sizeof *out * 32);
    *n = 0;
    char *copy = arena_strdup(c->arena, list), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && *n < 32; tok = strtok_r(NULL, ",", &save))
        if (*tok)
            out[(*n)++] = tok;
    return out;
}

void items_light_dates(struct ctx *c, char today[11], char yellow[11])
{
    workflow_light_dates(c, today, yellow);
}

const char *items_light_for(const char *due_date, enum item_state s, const char *today, const char *yellow)
{
    if (!item_state_active(s) || !due_date)
        return "none";
    if (strcmp(due_date, today) < 0)
        return "red";
    return strcmp(due_date, yellow) <= 0 ? "yellow" : "green";
}

const char *items_light(struct ctx *c, const char *due_date, enum item_state s)
{
    char today[11], yellow[11];
    if (!item_state_active(s))
        return "none";
    items_light_dates(c, today, yellow);
    return items_light_for(due_date, s, today, yellow);
}

static bool in_list(const char *v, const char *const *names, size_t stride, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v, *(const char *const *)((const char *)names + i * stride)))
            return true;
    return false;
}

enum err item_check_values(struct ctx *c, const json_t *b)
{
    const char *v;
    if ((v = jv_str(b, "source_kind")) && !item_source_label(v))
        return ctx_fail_field(c, "source_kind", "事项来源（source_kind）“%s”无效，请从列表中选择", v);
    if ((v = jv_str(b, "importance")) && !in_list(v, &importances[0].name, sizeof importances[0], N(importances)))
        return ctx_fail_field(c, "importance", "重要程度（importance）应为一般事项（general）或重大复杂事项（major）");
    if ((v = jv_str(b, "kind")) && !in_list(v, &kinds[0].name, sizeof kinds[0], N(kinds)))
        return ctx_fail_field(
            c, "kind", "事项类别（kind）应为一次性事项（once）、常态化推进工作（ongoing）或年度重点工作（annual）");
    if ((v = jv_str(b, "confidentiality")) &&
        !in_list(v, &confidentialities[0].name, sizeof confidentialities[0], N(confidentialities)))
        return ctx_fail_field(c, "confidentiality", "密级（confidentiality）应为内部（internal）或公开（public）");
    char today[11];
    item_today(c, today);
    if ((v = jv_str(b, "due_date")) && strcmp(v, today) < 0)
        return ctx_fail_field(c, "due_date", "办结时限（due_date，%s）不能早于今天（%s）", v, today);
    if ((v = jv_str(b, "source_date")) && strcmp(v, today) > 0)
        return ctx_fail_field(c, "source_date", "来源日期（source_date，%s）不能晚于今天（%s）", v, today);
    if ((v = jv_str(b, "title")) && !*v)
        return ctx_fail_field(c, "title", "“事项名称”（title）不能为空");
    json_t *tags = json_object_get(b, "tags");
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        const char *s = json_string_value(t);
        if (!*s || strchr(s, ','))
            return ctx_fail_field(c, "tags", "标签（tags）不能为空，也不能包含逗号");
    }
    return ERR_OK;
}

const struct jv_field items_grades_spec[] = {
    {"grades", JV_STRING_ARRAY, JV_REQUIRED, 0, 10},
    {NULL, 0, 0, 0, 0},
};

static enum err grades_tx(struct ctx *c, void *arg)
{
    const char *list = arg;
    int n;
    const char **before = item_grades(c, &n);
    json_t *old = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(old, json_string(before[i]));
    enum err e = db_exec(c->db,
                         "INSERT INTO settings (key, value) VALUES ('item_grades', ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         DB_TEXT(list));
    if (e) {
        json_decref(old);
        return ctx_db_fail(c, e, "设置办结等次");
    }
    json_t *sum = json_pack("{so ss}", "before", old, "after", list);
    e = audit_record(c, "item.grades", "setting", 0, sum);
    json_decref(sum);
    return e;
}

enum err items_set_grades(struct ctx *c, const json_t *body, json_t **out)
{
    json_t *g = json_object_get(body, "grades");
    size_t n = json_array_size(g), i, j;
    enum err pe = perm_require_system(c, "办结等次");
    if (pe)
        return pe;
    if (n < 2)
        return ctx_fail_field(c, "grades", "至少需要两个办结等次（grades）");
    const char *list = "";
    for (i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(g, i));
        if (!*s || strchr(s, ',') || utf8_count(s) > 10)
            return ctx_fail_field(c, "grades", "等次名称（grades）不能为空、不能含逗号，最多 10 个字");
        for (j = 0; j < i; j++)
            if (!strcmp(s, json_string_value(json_array_get(g, j))))
                return ctx_fail_field(c, "grades", "等次“%s”重复", s);
        list = arena_printf(c->arena, "%s%s%s", list, i ? "," : "", s);
    }
    enum err e = ctx_tx(c, "设置办结等次", grades_tx, (void *)list);
    if (e)
        return e;
    *out = json_pack("{sO}", "grades", g);
    return ERR_OK;
}

/* The members of the meta that do not change while the process runs (all but the grades, a setting): written
 * once (3.5 M instructions a request when the trees were built each time, the workflow's description most of
 * them), in the order of META_MEMBERS; the grades go after the third. */
enum {
    META_SOURCE_KINDS,
    META_STATES,
    META_ACTIONS,
    META_IMPORTANCE,
    META_KINDS,
    META_CONFIDENTIALITY,
    META_TRANSITIONS,
    META__COUNT
};
static char *meta_text[META__COUNT];
static size_t meta_len[META__COUNT];
static pthread_once_t meta_once = PTHREAD_ONCE_INIT;

static void meta_keep(int k, json_t *v)
{
    meta_text[k] = jw_json_text(v, &meta_len[k]);
    json_decref(v);
}

static void meta_build(void)
{
    json_t *sk = json_array(), *st = json_array(), *im = json_array(), *ki = json_array(), *cf = json_array();
    for (size_t i = 0; i < N(source_kinds); i++)
        json_array_append_new(sk, json_pack("{ss ss}", "name", source_kinds[i].kind, "label", source_kinds[i].label));
    for (int i = 0; i < ITEM_ST__COUNT; i++)
        json_array_append_new(st, json_pack("{ss ss}", "name", item_state_name((enum item_state)i), "label",
                                            item_state_label((enum item_state)i)));
    /* the actions and the transition table, as the engine has them (GET /api/v1/workflows has all) */
    json_t *wf = workflow_json(&item_workflow);
    json_t *ac = json_incref(json_object_get(wf, "actions"));
    for (size_t i = 0; i < N(importances); i++)
        json_array_append_new(im, json_pack("{ss ss}", "name", importances[i].name, "label", importances[i].label));
    for (size_t i = 0; i < N(kinds); i++)
        json_array_append_new(ki, json_pack("{ss ss}", "name", kinds[i].name, "label", kinds[i].label));
    for (size_t i = 0; i < N(confidentialities); i++)
        json_array_append_new(
            cf, json_pack("{ss ss}", "name", confidentialities[i].name, "label", confidentialities[i].label));
    json_t *tr = json_array();
    size_t k;
    json_t *row;
    json_array_foreach(json_object_get(wf, "transitions"), k, row)
    {
        json_t *alt = json_object_get(row, "cap_alt");
        json_array_append_new(tr, json_pack("{sO sO sO sO sO sO sb}", "from", json_object_get(row, "from"), "action",
                                            json_object_get(row, "action"), "to", json_object_get(row, "to"), "scope",
                                            json_object_get(row, "scope"), "cap", json_object_get(row, "cap"), "role",
                                            json_object_get(row, "role"), "major_needs_decide", alt != NULL));
    }
    json_decref(wf);
    meta_keep(META_SOURCE_KINDS, sk);
    meta_keep(META_STATES, st);
    meta_keep(META_ACTIONS, ac);
    meta_keep(META_IMPORTANCE, im);
    meta_keep(META_KINDS, ki);
    meta_keep(META_CONFIDENTIALITY, cf);
    meta_keep(META_TRANSITIONS, tr);
}

enum err items_meta_write(struct ctx *c, struct jw *w)
{
    static const char *const names[META__COUNT] = {"source_kinds", "states",          "actions",    "importance",
                                                   "kinds",        "confidentiality", "transitions"};
    pthread_once(&meta_once, meta_build);
    int ng;
    const char **g = item_grades(c, &ng);
    jw_obj(w);
    for (int k = 0; k < META__COUNT; k++) {
        if (k == META_IMPORTANCE) {
            jw_qkey(w, JW_K("grades"));
            jw_arr(w);
            for (int i = 0; i < ng; i++)
                jw_str(w, g[i]);
            jw_end_arr(w);
        }
        jw_key(w, names[k]);
        jw_raw(w, meta_text[k], meta_len[k]);
    }
    jw_end_obj(w);
    return ERR_OK;
}

static enum err meta_write_of(struct ctx *c, int64_t id, struct jw *w)
{
    (void)id;
    return items_meta_write(c, w);
}

enum err items_meta(struct ctx *c, json_t **out)
{
    return item_written_tree(c, 0, meta_write_of, out, "读取事项选项");
}
