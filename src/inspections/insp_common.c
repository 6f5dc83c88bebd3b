/*
 * insp_common.c: what the inspection module's files share: the timeline, the settings, kinds, methods
 * and bases with their labels, unit and date helpers, numbering, the body spec of every workflow
 * action, and taking an action by name.
 */
#include "inspections/insp_internal.h"

#include "audit/audit.h"
#include "base/check.h"
#include "base/log.h"
#include "base/timeu.h"
#include "calendar/calendar.h"
#include "units/units.h"
#include "core/counter.h"
#include "core/unit_up.h"
#include "core/events.h"
#include "core/hooks.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const struct jv_field insp_action_spec[] = {
    {"version", JV_INT, 0, 0, 0},
    {"reason", JV_STRING, 0, 0, 2000},
    {"text", JV_STRING, 0, 0, 20000},
    {"approve", JV_BOOL, 0, 0, 0},
    {"into_id", JV_INT, 0, 1, INT64_MAX},
    {"entry_id", JV_INT, 0, 1, INT64_MAX},
    {"target_id", JV_INT, 0, 1, INT64_MAX},
    {"team_leader_id", JV_INT, 0, 1, INT64_MAX},
    {"exception_reason", JV_STRING, 0, 1, 2000},
    {"unit_ids", JV_INT_ARRAY, 0, 0, 50},
    {"scope", JV_STRING, 0, 0, 4000},
    {"percent", JV_INT, 0, 0, 100},
    {"result", JV_STRING, 0, 0, 20},
    {"evidence_ids", JV_INT_ARRAY, 0, 0, 50},
    {NULL, 0, 0, 0, 0},
};

#undef json_pack
json_t *insp_pack(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    json_error_t err;
    va_start(ap, fmt);
    json_t *j = json_vpack_ex(&err, 0, fmt, ap);
    va_end(ap);
    if (!j) {
        log_error("%s:%d: json_pack: %s", file, line, err.text);
        (void)NEVER(1);
        j = json_object(); /* release: an empty object rather than a crash */
    }
    return j;
}

const char *insp_col(struct ctx *c, struct stmt *st, int col)
{
    return stmt_is_null(st, col) ? NULL : arena_strdup(c->arena, stmt_text(st, col));
}

void insp_today(struct ctx *c, char out[11])
{
    cal_format_date(time_local_day(c->now), out);
}

int insp_year(const char *date)
{
    int64_t d;
    if (!date || !cal_parse_date(date, &d))
        return 0;
    return atoi(date);
}

bool insp_within(const char *path, const char *ancestor)
{
    return path && ancestor && strncmp(path, ancestor, strlen(ancestor)) == 0;
}

int64_t insp_path_id(const char *path)
{
    const char *end = path + strlen(path);
    if (end > path && end[-1] == '/')
        end--;
    const char *p = end;
    while (p > path && p[-1] != '/')
        p--;
    return strtoll(p, NULL, 10);
}

enum err insp_unit(struct ctx *c, int64_t id, const char *field, struct insp_unit *out)
{
    memset(out, 0, sizeof *out);
    struct stmt *st = db_query(c->db, "SELECT id, path, name, kind, prefix FROM units WHERE id = ?", DB_INT(id));
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取单位");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        out->id = stmt_int(st, 0);
        out->path = insp_col(c, st, 1);
        out->name = insp_col(c, st, 2);
        out->kind = insp_col(c, st, 3);
        out->prefix = insp_col(c, st, 4);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取单位");
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_INVALID, "单位（%s）不存在：%" PRId64, field, id);
    return ERR_OK;
}

enum err insp_government_of(struct ctx *c, const char *path, struct insp_unit *out)
{
    memset(out, 0, sizeof *out);
    struct stmt *st = unit_up_query(c->db, c->arena,
                                    "SELECT id, path, name, kind, prefix FROM units WHERE kind = "
                                    "'government' AND path",
                                    path, " ORDER BY depth DESC LIMIT 1", NULL);
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取单位");
    int rc = stmt_step(st);
    if (rc == STORE_ROW) {
        out->id = stmt_int(st, 0);
        out->path = insp_col(c, st, 1);
        out->name = insp_col(c, st, 2);
        out->kind = insp_col(c, st, 3);
        out->prefix = insp_col(c, st, 4);
    }
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取单位");
    if (rc == STORE_DONE)
        return ctx_fail(c, ERR_INVALID, "该单位不属于任何一级人民政府，不能开展督查");
    return ERR_OK;
}

enum err insp_event(struct ctx *c, const char *type, int64_t id, const char *kind, const char *action, const char *from,
                    const char *to, int64_t part_id, int64_t unit_id, const char *note, const json_t *data)
{
    char at[21];
    time_format_iso(c->now, at);
    char *d = data ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    enum err e = db_exec(c->db,
                         "INSERT INTO insp_events (object_type, object_id, at, actor_id, actor, actor_name, kind, "
                         "action, from_state, to_state, part_id, unit_id, note, data) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         DB_TEXT(type), DB_INT(id), DB_TEXT(at), DB_INT_IF(c->user, c->user ? c->user->id : 0),
                         DB_TEXT(ctx_actor(c)), DB_TEXT(c->user ? c->user->name : "系统"), DB_TEXT(kind),
                         DB_TEXT(action), DB_TEXT(from), DB_TEXT(to), DB_INT_IF(part_id, part_id),
                         DB_INT_IF(unit_id, unit_id), DB_TEXT(note ? note : ""), DB_TEXT(d ? d : "{}"));
    free(d);
    if (e)
        return ctx_db_fail(c, e, "记录办理过程");
    /* the timeline is the objects' event log: subscribers (webhooks) see each record in this transaction */
    return events_publish(c, &(struct domain_event){type, id, kind, action, unit_id, note, data});
}

/* ---- settings ---- */

static const struct insp_settings defaults = {0.5, 30, false, 30, false, 3, 0.35, 0, 0};

#define SETTINGS_SQL "SELECT value FROM settings WHERE key = 'inspections'"

/* The settings from their stored JSON v (NULL: none), over the defaults. */
static void settings_parse(const char *v, struct insp_settings *out)
{
    *out = defaults;
    json_t *j = v ? json_loads(v, 0, NULL) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return;
    }
    json_t *x;
    if ((x = json_object_get(j, "cap_factor")) && json_is_number(x))
        out->cap_factor = json_number_value(x);
    if ((x = json_object_get(j, "review_days")) && json_is_integer(x))
        out->review_days = (int)json_integer_value(x);
    if ((x = json_object_get(j, "decide_days")) && json_is_integer(x))
        out->decide_days = (int)json_integer_value(x);
    if ((x = json_object_get(j, "lookback_months")) && json_is_integer(x))
        out->lookback_months = (int)json_integer_value(x);
    if ((x = json_object_get(j, "dup_threshold")) && json_is_number(x))
        out->dup_threshold = json_number_value(x);
    if ((x = json_object_get(j, "unit_cap")) && json_is_integer(x))
        out->unit_cap = (int)json_integer_value(x);
    if ((x = json_object_get(j, "request_cap")) && json_is_integer(x))
        out->request_cap = (int)json_integer_value(x);
    if ((x = json_object_get(j, "review_unit")) && json_is_string(x))
        out->review_workdays = !strcmp(json_string_value(x), "workdays");
    if ((x = json_object_get(j, "decide_unit")) && json_is_string(x))
        out->decide_workdays = !strcmp(json_string_value(x), "workdays");
    json_decref(j);
}

enum err insp_settings_load(struct ctx *c, struct insp_settings *out)
{
    const char *v = NULL;
    enum err e = db_one_text(c->db, c->arena, &v, SETTINGS_SQL);
    if (e && e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "读取督查设置");
    settings_parse(v, out);
    return ERR_OK;
}

struct stmt *insp_settings_send(struct ctx *c)
{
    struct stmt *st = db_prepare(c->db, SETTINGS_SQL);
    stmt_send(st);
    return st;
}

enum err insp_settings_take(struct ctx *c, struct stmt *st, struct insp_settings *out)
{
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取督查设置");
    int rc = stmt_step(st);
    const char *v = rc == STORE_ROW ? arena_strdup(c->arena, stmt_text(st, 0)) : NULL;
    stmt_done(st);
    if (rc < 0)
        return ctx_store_fail(c, rc, "读取督查设置");
    settings_parse(v, out);
    return ERR_OK;
}

static json_t *settings_json(const struct insp_settings *s)
{
    return json_pack("{sf si ss si ss si sf si si}", "cap_factor", s->cap_factor, "review_days", s->review_days,
                     "review_unit", s->review_workdays ? "workdays" : "days", "decide_days", s->decide_days,
                     "decide_unit", s->decide_workdays ? "workdays" : "days", "lookback_months", s->lookback_months,
                     "dup_threshold", s->dup_threshold, "unit_cap", s->unit_cap, "request_cap", s->request_cap);
}

const struct jv_field insp_settings_spec[] = {
    {"cap_factor", JV_STRING, 0, 1, 10},
    {"review_days", JV_INT, 0, 1, 365},
    {"review_unit", JV_STRING, 0, 1, 10},
    {"decide_days", JV_INT, 0, 1, 365},
    {"decide_unit", JV_STRING, 0, 1, 10},
    {"lookback_months", JV_INT, 0, 1, 24},
    {"dup_threshold", JV_STRING, 0, 1, 10},
    {"unit_cap", JV_INT, 0, 0, 1000, "每个单位年度督查检查次数上限"},
    {"request_cap", JV_INT, 0, 0, 100000, "每个单位年度交办事项件数上限"},
    {NULL, 0, 0, 0, 0},
};

enum err insp_settings_get(struct ctx *c, json_t **out)
{
    struct insp_settings s;
    enum err e = insp_settings_load(c, &s);
    if (!e)
        *out = settings_json(&s);
    return e;
}

/* A decimal in [lo, hi] from a string member ("0.5"); 422 naming it otherwise. */
static enum err decimal(struct ctx *c, const json_t *b, const char *name, double lo, double hi, double *out)
{
    const char *s = jv_str(b, name);
    if (!s)
        return ERR_OK;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi)
        return ctx_fail(c, ERR_INVALID, "%s 应为 %g 到 %g 之间的小数，例如 \"0.5\"", name, lo, hi);
    *out = v;
    return ERR_OK;
}

static enum err day_unit(struct ctx *c, const json_t *b, const char *name, bool *out)
{
    const char *s = jv_str(b, name);
    if (!s)
        return ERR_OK;
    if (strcmp(s, "days") && strcmp(s, "workdays"))
        return ctx_fail(c, ERR_INVALID, "%s 应为 days（日，遇节假日顺延）或 workdays（工作日）", name);
    *out = !strcmp(s, "workdays");
    return ERR_OK;
}

struct settings_args {
    const json_t *body;
    json_t *out;
};

static enum err settings_tx(struct ctx *c, void *arg)
{
    struct settings_args *x = arg;
    const json_t *b = x->body;
    struct insp_settings s, before;
    enum err e = perm_require_system(c, "督查设置");
    if (e || (e = insp_settings_load(c, &s)))
        return e;
    before = s;
    if ((e = decimal(c, b, "cap_factor", 0.01, 2, &s.cap_factor)) ||
        (e = decimal(c, b, "dup_threshold", 0.05, 1, &s.dup_threshold)) ||
        (e = day_unit(c, b, "review_unit", &s.review_workdays)) ||
        (e = day_unit(c, b, "decide_unit", &s.decide_workdays)))
        return e;
    s.review_days = (int)jv_int(b, "review_days", s.review_days);
    s.decide_days = (int)jv_int(b, "decide_days", s.decide_days);
    s.lookback_months = (int)jv_int(b, "lookback_months", s.lookback_months);
    s.unit_cap = (int)jv_int(b, "unit_cap", s.unit_cap);
    s.request_cap = (int)jv_int(b, "request_cap", s.request_cap);
    x->out = settings_json(&s);
    char *v = json_dumps(x->out, JSON_COMPACT | JSON_SORT_KEYS);
    e = db_exec(c->db,
                "INSERT INTO settings (key, value) VALUES ('inspections', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                DB_TEXT(v));
    free(v);
    if (e)
        return ctx_db_fail(c, e, "保存督查设置");
    json_t *sum = json_pack("{so sO}", "before", settings_json(&before), "after", x->out);
    e = audit_record(c, "inspection.settings", "settings", 0, sum);
    json_decref(sum);
    return e;
}

enum err insp_settings_put(struct ctx *c, const json_t *body, json_t **out)
{
    struct settings_args x = {body, NULL};
    enum err e = ctx_tx(c, "保存督查设置", settings_tx, &x);
    if (e)
        json_decref(x.out);
    else
        *out = x.out;
    return e;
}

enum err insp_due_after(struct ctx *c, const char *from, int n, bool workdays, char out[11])
{
    struct calendar cal;
    int64_t d;
    if (!cal_parse_date(from, &d))
        return ctx_fail(c, ERR_INTERNAL, "日期格式错误：%s", from);
    enum err e = calendar_load(c, &cal);
    if (e)
        return e;
    if (workdays) {
        d = cal_add_workdays(&cal, d, n);
    } else {
        d += n;
        while (!cal_is_workday(&cal, d))
            d++;
    }
    cal_format_date(d, out);
    return ERR_OK;
}

/* ---- kinds, methods, bases ---- */

struct label {
    const char *name, *label;
};

static const struct label kinds[] = {
    {"comprehensive", "综合督查"}, {"special", "专项督查"}, {"case", "个案督查"},
    {"routine", "日常督查"},       {"clue", "线索核查"},
};
static const struct label methods[] = {
    {"written", "书面督查"}, {"onsite", "实地督查"}, {"covert", "暗访"},     {"evaluation", "第三方评估"},
    {"survey", "民意调查"},  {"joint", "联合督查"},  {"lookback", "回头看"},
};
static const struct label bases[] = {
    {"decision", "政府决定"}, {"instruction", "政府行政首长指示"}, {"proposal", "督查工作建议（经批准）"},
    {"plan", "年度督查计划"}, {"lookback", "整改回头看"},
};

#define N(a) ((int)(sizeof(a) / sizeof *(a)))

static const char *label_of(const struct label *l, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (!strcmp(l[i].name, name))
            return l[i].label;
    return NULL;
}

bool insp_kind_valid(const char *k)
{
    return label_of(kinds, N(kinds), k) != NULL;
}

const char *insp_kind_label(const char *k)
{
    const char *l = label_of(kinds, N(kinds), k);
    return l ? l : "";
}

const char *insp_basis_label(const char *b)
{
    const char *l = label_of(bases, N(bases), b);
    return l ? l : "";
}

bool insp_has_method(const char *m, const char *name)
{
    if (!m)
        return false;
    size_t n = strlen(name);
    for (const char *p = strstr(m, name); p; p = strstr(p + 1, name))
        if (p > m && p[-1] == ',' && p[n] == ',')
            return true;
    return false;
}

enum err insp_methods_parse(struct ctx *c, const json_t *arr, const char *field, const char **out)
{
    const char *s = ",";
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *m = json_string_value(v);
        if (!label_of(methods, N(methods), m)) {
            const char *list = "";
            for (int k = 0; k < N(methods); k++)
                list = arena_printf(c->arena, "%s%s%s（%s）", list, k ? "、" : "", methods[k].name, methods[k].label);
            return ctx_fail(c, ERR_INVALID, "督查方式（%s）不认识“%s”，可选：%s", field, m ? m : "", list);
        }
        if (insp_has_method(s, m))
            return ctx_fail(c, ERR_INVALID, "督查方式（%s）重复：%s", field, m);
        s = arena_printf(c->arena, "%s%s,", s, m);
    }
    if (!strcmp(s, ","))
        return ctx_fail(c, ERR_INVALID, "请至少选择一种督查方式（%s）", field);
    *out = s;
    return ERR_OK;
}

json_t *insp_methods_json(const char *m)
{
    json_t *arr = json_array();
    for (int k = 0; k < N(methods); k++)
        if (insp_has_method(m, methods[k].name))
            json_array_append_new(arr, json_string(methods[k].name));
    return arr;
}

const char *insp_methods_label(struct ctx *c, const char *m)
{
    const char *s = "";
    for (int k = 0; k < N(methods); k++)
        if (insp_has_method(m, methods[k].name))
            s = arena_printf(c->arena, "%s%s%s", s, *s ? "、" : "", methods[k].label);
    return s;
}

static json_t *labels_json(const struct label *l, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{ss ss}", "name", l[i].name, "label", l[i].label));
    return arr;
}

static json_t *wf_names(const struct workflow *wf)
{
    json_t *st = json_array(), *ac = json_array();
    for (int i = 0; i < wf->nstates; i++)
        json_array_append_new(st, json_pack("{ss ss}", "name", wf->states[i].name, "label", wf->states[i].label));
    for (int i = 0; i < wf->nactions; i++)
        json_array_append_new(ac, json_pack("{ss ss}", "name", wf->actions[i].name, "label", wf->actions[i].label));
    return json_pack("{so so}", "states", st, "actions", ac);
}

static const struct label inspector_kinds[] = {
    {"fulltime", "督查专员"},   {"npc_deputy", "人大代表"}, {"cppcc_member", "政协委员"},
    {"journalist", "新闻记者"}, {"expert", "专家学者"},     {"counsellor", "政府参事"},
    {"other", "其他"},
};

const char *insp_inspector_kind_label(const char *k)
{
    return label_of(inspector_kinds, N(inspector_kinds), k);
}

enum err insp_meta(struct ctx *c, json_t **out)
{
    struct insp_settings s;
    enum err e = insp_settings_load(c, &s);
    if (e)
        return e;
    *out = json_pack("{so so so so so so so so so}", "kinds", labels_json(kinds, N(kinds)), "methods",
                     labels_json(methods, N(methods)), "bases", labels_json(bases, N(bases)), "inspector_kinds",
                     labels_json(inspector_kinds, N(inspector_kinds)), "plan", wf_names(&plan_workflow), "inspection",
                     wf_names(&insp_workflow), "rectification", wf_names(&rect_workflow), "review",
                     wf_names(&review_workflow), "settings", settings_json(&s));
    return ERR_OK;
}

/* ---- units, numbers, people ---- */

int64_t *insp_int_array(struct ctx *c, const json_t *arr, int *n)
{
    *n = json_is_array(arr) ? (int)json_array_size(arr) : 0;
    int64_t *out = arena_alloc(c->arena, sizeof *out * (size_t)(*n + 1));
    for (int i = 0; i < *n; i++)
        out[i] = json_integer_value(json_array_get(arr, (size_t)i));
    return out;
}

enum err insp_units_parse(struct ctx *c, const json_t *arr, const char *field, const char *home_path, int max,
                          int64_t **ids, const char ***paths, int *n)
{
    int64_t *v = insp_int_array(c, arr, n);
    if (*n < 1)
        return ctx_fail(c, ERR_INVALID, "请至少选择一个单位（%s）", field);
    if (*n > max)
        return ctx_fail(c, ERR_INVALID, "单位（%s）最多 %d 个", field, max);
    const char **p = arena_alloc(c->arena, sizeof *p * (size_t)*n);
    for (int i = 0; i < *n; i++) {
        for (int k = 0; k < i; k++)
            if (v[k] == v[i])
                return ctx_fail(c, ERR_INVALID, "单位（%s）重复：%" PRId64, field, v[i]);
        struct insp_unit u;
        enum err e = insp_unit(c, v[i], field, &u);
        if (e)
            return e;
        if (!insp_within(u.path, home_path) || !strcmp(u.path, home_path))
            return ctx_fail(c, ERR_INVALID, "单位（%s）“%s”不在本级政府的管辖范围内", field, u.name);
        p[i] = u.path;
    }
    *ids = v;
    *paths = p;
    return ERR_OK;
}

enum err insp_number(struct ctx *c, int64_t office_unit_id, const char *office_path, const char *series, int year,
                     const char **out, int64_t *seq)
{
    return counter_series_number(c, series, office_unit_id, office_path, series, year, out, seq);
}

const char *insp_user_name(struct ctx *c, int64_t user_id)
{
    const char *n = NULL;
    if (user_id)
        db_one_text(c->db, c->arena, &n, "SELECT name FROM users WHERE id = ?", DB_INT(user_id));
    return n ? n : "";
}

/* ---- actions by name ---- */

enum err insp_act_named(struct ctx *c, const struct workflow *wf, int64_t id, const char *action, const json_t *body,
                        enum err (*get)(struct ctx *c, int64_t id, json_t **out), json_t **out)
{
    int a;
    if (!wf_action_parse(wf, action, &a))
        return ctx_fail(c, ERR_NOT_FOUND, "没有名为“%s”的操作（见 GET /api/v1/workflows）", action ? action : "");
    enum err e = workflow_act(c, wf, id, a, body, NULL);
    return e ? e : get(c, id, out);
}

enum err insp_save_state(struct wf_act *a, const char *table, const char *type, int64_t version)
{
    struct ctx *c = a->c;
    const struct workflow *wf = a->wf;
    char at[21];
    time_format_iso(c->now, at);
    int64_t nv = 0;
    enum err e = db_one_int(
        c->db, &nv,
        arena_printf(c->arena,
                     "UPDATE %s SET state = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ? "
                     "RETURNING version",
                     table),
        DB_TEXT(wf_state_name(wf, a->to)), DB_TEXT(at), DB_INT(a->obj->id), DB_INT(version));
    if (e == ERR_NOT_FOUND)
        return ctx_fail(c, ERR_CONFLICT, "%s已被他人同时处理，请刷新后重试", wf->what);
    if (e)
        return ctx_db_fail(c, e, arena_printf(c->arena, "更新%s", wf->what));
    const struct wf_part *p = a->part >= 0 ? &a->obj->parts[a->part] : NULL;
    const char *note = jv_str(a->body, "reason") ? jv_str(a->body, "reason") : jv_str(a->body, "text");
    const char *kind = !strcmp(wf_action_name(wf, a->action), "comment") ? "comment" : "transition";
    return insp_event(c, type, a->obj->id, kind, wf_action_name(wf, a->action),
                      wf_state_name(wf, p ? a->part_from : a->from), wf_state_name(wf, p ? a->part_to : a->to),
                      p ? p->id : 0, p ? p->unit_id : 0, note, a->data);
}

enum err insp_sync(struct ctx *c, const struct workflow *wf, int64_t id)
{
    return workflow_todos_sync(c, wf, id, NULL);
}

enum err insp_handoff(struct ctx *c, const struct workflow *wf, int64_t id, struct notice *n)
{
    enum err e = workflow_todos_sync(c, wf, id, NULL);
    int sent = 0;
    n->kind = MSG_TODO;
    if (!n->link && wf->link)
        n->link = arena_printf(c->arena, wf->link, (long long)id);
    return e ? e : workflow_notify_who_must_act(c, wf->name, id, 0, n, &sent);
}

void insp_light_dates(struct ctx *c, char today[11], char yellow[11])
{
    struct calendar cal;
    int64_t day = time_local_day(c->now);
    cal_format_date(day, today);
    if (calendar_load(c, &cal))
        cal = (struct calendar){NULL, 0};
    cal_format_date(cal_add_workdays(&cal, day, (int)c->cfg->yellow_days), yellow);
}

const char *insp_light(const char *due, bool running, const char *today, const char *yellow)
{
    if (!running || !due)
        return "none";
    if (strcmp(due, today) < 0)
        return "red";
    return strcmp(due, yellow) <= 0 ? "yellow" : "green";
}

void inspections_register(void)
{
    /* the copies of unit paths that make visibility and unit filters range scans: a move rewrites them */
    static const char *const copies[][2] = {
        {"insp_plans", "office_path"},  {"insp_entries", "organiser_path"}, {"insp_entry_targets", "unit_path"},
        {"inspections", "office_path"}, {"insp_targets", "unit_path"},      {"insp_organisers", "unit_path"},
        {"inspectors", "unit_path"},    {"insp_findings", "unit_path"},     {"rect_tasks", "office_path"},
        {"rect_tasks", "unit_path"},    {"insp_reviews", "office_path"},    {"insp_reviews", "unit_path"},
    };
    for (size_t i = 0; i < sizeof copies / sizeof *copies; i++)
        units_register_path_copy(copies[i][0], copies[i][1]);
    /* rectification tasks keep their deadlines on the clocks (reminders, ladder) */
    rect_register_owner();
    /* an item listed for inspection becomes a proposal */
    hooks_set_inspections(&(struct insp_hooks){.escalated = insp_escalated,
                                               .burden_send = insp_request_burden_send,
                                               .burden_take = insp_request_burden_take,
                                               .burden_drop = insp_request_burden_drop,
                                               .exceptions_decide = insp_exceptions_decide});
}
