/* rules.c: rules, milestone computation and traffic lights (pure), and the rule table on the
 * database; see deadlines.h. Milestones and the ladder live in milestones.c. */
#include "deadlines/deadlines.h"

#include "audit/audit.h"
#include "calendar/calendar.h"
#include "base/timeu.h"
#include "core/perm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *label;
} ms_kinds[MS__COUNT] = {
    [MS_RECEIPT] = {"receipt", "签收"},
    [MS_DEPLOYMENT] = {"deployment", "研究部署"},
    [MS_FIRST_FEEDBACK] = {"first_feedback", "首次反馈"},
    [MS_IMPL_REPORT] = {"implementation_report", "落实情况报告"},
    [MS_RESOLUTION] = {"resolution", "办结"},
    [MS_PERIODIC] = {"periodic_report", "定期报告"},
    [MS_HANDLING_REPORT] = {"handling_report", "办理情况报告"},
};

static const char *const dl_units[DL__COUNT] = {"workdays", "days", "months", "dates"};

const char *ms_kind_name(enum ms_kind k)
{
    return (unsigned)k < MS__COUNT ? ms_kinds[k].name : "?";
}

const char *ms_kind_label(enum ms_kind k)
{
    return (unsigned)k < MS__COUNT ? ms_kinds[k].label : "?";
}

bool ms_kind_parse(const char *s, enum ms_kind *out)
{
    for (int i = 0; s && i < MS__COUNT; i++)
        if (strcmp(s, ms_kinds[i].name) == 0) {
            *out = (enum ms_kind)i;
            return true;
        }
    return false;
}

const char *dl_unit_name(enum dl_unit u)
{
    return (unsigned)u < DL__COUNT ? dl_units[u] : "?";
}

bool dl_unit_parse(const char *s, enum dl_unit *out)
{
    for (int i = 0; s && i < DL__COUNT; i++)
        if (strcmp(s, dl_units[i]) == 0) {
            *out = (enum dl_unit)i;
            return true;
        }
    return false;
}

/* A rule field matches when it is NULL (any) or equal to the fact. -1: no match; else 0/1. */
static int match(const char *rule, const char *fact)
{
    if (!rule)
        return 0;
    return fact && strcmp(rule, fact) == 0 ? 1 : -1;
}

/* The first working day on or after day. */
static int64_t roll_to_workday(const struct calendar *cal, int64_t day)
{
    while (!cal_is_workday(cal, day))
        day++;
    return day;
}

/* day + amount in unit; calendar-day and month limits that end on a rest day move to the next
 * working day (a deadline never falls on a holiday). */
static int64_t advance(const struct calendar *cal, int64_t day, int amount, enum dl_unit unit)
{
    switch (unit) {
    case DL_WORKDAYS:
        return cal_add_workdays(cal, day, amount);
    case DL_DAYS:
        return roll_to_workday(cal, day + amount);
    case DL_MONTHS:
        return roll_to_workday(cal, cal_add_months(day, amount));
    default:
        return day;
    }
}

/* Parses "MM-DD,MM-DD" into month/day pairs; false if malformed. */
static bool parse_dates(const char *s, int *md, int *n, int max)
{
    *n = 0;
    while (s && *s) {
        unsigned m, d;
        int used = 0;
        if (sscanf(s, "%2u-%2u%n", &m, &d, &used) != 2 || used != 5 || m < 1 || m > 12 || d < 1 ||
            d > (unsigned)(m == 2                                    ? 29
                           : (m == 4 || m == 6 || m == 9 || m == 11) ? 30
                                                                     : 31) ||
            *n >= max)
            return false;
        md[(*n)++] = (int)(m * 100 + d);
        s += 5;
        if (*s == ',')
            s++;
        else if (*s)
            return false;
    }
    return *n > 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

const struct deadline_rule *deadlines_rule_for(const struct deadline_rule *rules, size_t n,
                                               const struct deadline_facts *f, enum ms_kind k)
{
    const struct deadline_rule *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < n; i++) {
        const struct deadline_rule *r = &rules[i];
        if (r->milestone != k)
            continue;
        int a = match(r->source_kind, f->source_kind), b = match(r->importance, f->importance),
            c = match(r->item_kind, f->item_kind);
        if (a < 0 || b < 0 || c < 0)
            continue;
        if (a + b + c > best_score) {
            best = r;
            best_score = a + b + c;
        }
    }
    return best;
}

const char *deadlines_limit_text(struct arena *a, const struct deadline_rule *r)
{
    if (r->unit == DL_DATES) {
        int md[DEADLINES_DATES_MAX], nmd;
        if (!parse_dates(r->dates, md, &nmd, DEADLINES_DATES_MAX))
            return "";
        const char *s = "";
        for (int i = 0; i < nmd; i++)
            s = arena_printf(a, "%s%s%d月%d日", s, i ? "、" : "", md[i] / 100, md[i] % 100);
        return arena_printf(a, "%s%s前", r->milestone == MS_PERIODIC ? "每年" : "", s);
    }
    const char *unit = r->unit == DL_WORKDAYS ? "个工作日" : r->unit == DL_MONTHS ? "个月" : "日";
    if (r->milestone == MS_PERIODIC)
        return r->amount == 1 && r->unit == DL_MONTHS ? "每月" : arena_printf(a, "每%d%s", r->amount, unit);
    return arena_printf(a, "%s%d%s内", r->base == DL_BASE_COMPLETION ? "办结后" : "", r->amount, unit);
}

const char *deadlines_stated_reason(struct arena *a, const struct deadline_rule *rules, size_t n,
                                    const struct deadline_facts *f, const struct deadline_due *d)
{
    if (d->due == d->rule_due)
        return NULL;
    const char *how = d->kind == MS_RESOLUTION ? "按立项注明的办理期限" : "不晚于立项注明的办理期限";
    const struct deadline_rule *r = deadlines_rule_for(rules, n, f, d->kind);
    if (!r || !d->rule_due)
        return arena_printf(a, "%s（规则未规定%s时限）", how, ms_kind_label(d->kind));
    char iso[11];
    cal_format_date(d->rule_due, iso);
    return arena_printf(a, "%s；规则时限为%s后%s（%s）", how,
                        r->base >= 0 ? ms_kind_label((enum ms_kind)r->base) : "交办", deadlines_limit_text(a, r),
                        time_date_words(a, iso));
}

int deadlines_compute(const struct calendar *cal, const struct deadline_rule *rules, size_t n,
                      const struct deadline_facts *f, int64_t start, struct deadline_due *out, int max)
{
    int64_t when[MS__COUNT];
    bool have[MS__COUNT] = {0};
    int cnt = 0;
    int64_t horizon = cal_add_months(start, 12);
    for (int k = 0; k < MS__COUNT && cnt < max; k++) {
        const struct deadline_rule *best = deadlines_rule_for(rules, n, f, (enum ms_kind)k);
        if (best && best->base == DL_BASE_COMPLETION) /* started by the completion: deadlines_compute_after */
            continue;
        if (!best && k == MS_RESOLUTION && f->until > 0) {
            when[k] = f->until;
            have[k] = true;
            out[cnt++] = (struct deadline_due){MS_RESOLUTION, 1, f->until, 0, 0};
        }
        if (!best)
            continue;
        int64_t base = best->base >= 0 && best->base < k && have[best->base] ? when[best->base] : start;
        if (k != MS_PERIODIC) {
            int64_t due = best->unit == DL_DATES ? base : advance(cal, base, best->amount, best->unit);
            if (best->unit == DL_DATES) {
                int md[DEADLINES_DATES_MAX], nmd;
                if (!parse_dates(best->dates, md, &nmd, DEADLINES_DATES_MAX))
                    continue;
                int64_t first = -1;
                int y0;
                unsigned m0, d0;
                cal_civil_from_days(base, &y0, &m0, &d0);
                for (int y = y0; y <= y0 + 1; y++)
                    for (int i = 0; i < nmd; i++) {
                        int64_t d = cal_days_from_civil(y, (unsigned)md[i] / 100, (unsigned)md[i] % 100);
                        if (d > base && (first < 0 || d < first))
                            first = d;
                    }
                if (first < 0)
                    continue;
                due = roll_to_workday(cal, first);
            }
            int64_t by_rule = due;
            if (f->until > 0 && (k == MS_RESOLUTION || (k < MS_IMPL_REPORT && due > f->until)))
                due = f->until;
            when[k] = due;
            have[k] = true;
            out[cnt++] = (struct deadline_due){(enum ms_kind)k, 1, due, best->id, by_rule};
            continue;
        }
        /* periodic reports within twelve months after the start */
        int64_t days[DEADLINES_DATES_MAX];
        int nd = 0;
        if (best->unit == DL_DATES) {
            int md[DEADLINES_DATES_MAX], nmd;
            if (!parse_dates(best->dates, md, &nmd, DEADLINES_DATES_MAX))
                continue;
            int y0;
            unsigned m0, d0;
            cal_civil_from_days(base, &y0, &m0, &d0);
            for (int y = y0; y <= y0 + 1; y++)
                for (int i = 0; i < nmd && nd < DEADLINES_DATES_MAX; i++) {
                    int64_t d = cal_days_from_civil(y, (unsigned)md[i] / 100, (unsigned)md[i] % 100);
                    if (d > base && d <= horizon)
                        days[nd++] = d;
                }
            qsort(days, (size_t)nd, sizeof *days, cmp_i64);
            for (int i = 0; i < nd; i++)
                days[i] = roll_to_workday(cal, days[i]);
        } else if (best->amount > 0) {
            for (int i = 1; i <= 12; i++) {
                int64_t d = best->unit == DL_MONTHS ? cal_add_months(base, best->amount * i)
                            : best->unit == DL_DAYS ? base + (int64_t)best->amount * i
                                                    : cal_add_workdays(cal, base, best->amount * i);
                if (d > horizon)
                    break;
                days[nd++] = best->unit == DL_WORKDAYS ? d : roll_to_workday(cal, d);
            }
        }
        for (int i = 0; i < nd && cnt < max; i++)
            out[cnt++] = (struct deadline_due){MS_PERIODIC, i + 1, days[i], best->id, days[i]};
    }
    return cnt;
}

int deadlines_compute_after(const struct calendar *cal, const struct deadline_rule *rules, size_t n,
                            const struct deadline_facts *f, int64_t done, struct deadline_due *out, int max)
{
    int cnt = 0;
    for (int k = 0; k < MS__COUNT && cnt < max; k++) {
        const struct deadline_rule *best = deadlines_rule_for(rules, n, f, (enum ms_kind)k);
        if (best && best->base == DL_BASE_COMPLETION && best->unit != DL_DATES) {
            int64_t due = advance(cal, done, best->amount, best->unit);
            out[cnt++] = (struct deadline_due){(enum ms_kind)k, 1, due, best->id, due};
        }
    }
    return cnt;
}

static const char *const light_names[] = {"green", "yellow", "red", "done", "done_late"};

const char *light_name(enum light l)
{
    return (unsigned)l <= LIGHT_DONE_LATE ? light_names[l] : "?";
}

enum light deadlines_light(const struct calendar *cal, int64_t start, int64_t due, int64_t today, int64_t done_day,
                           int percent, int yellow_days, int pace_threshold)
{
    if (done_day >= 0)
        return done_day > due ? LIGHT_DONE_LATE : LIGHT_DONE;
    if (today > due)
        return LIGHT_RED;
    if (cal_workdays_between(cal, today, due) <= yellow_days)
        return LIGHT_YELLOW;
    if (percent >= 0 && due > start && today > start) {
        int64_t elapsed = (today - start) * 100 / (due - start);
        if (elapsed - percent > pace_threshold)
            return LIGHT_YELLOW;
    }
    return LIGHT_GREEN;
}

/* ---- presets (DOMAIN.md §4 and §10) ----
 * Each limit is counted in the unit its source writes: 天/日/个月 are calendar days and months (a limit
 * that ends on a rest day moves to the next working day), 工作日 working days. The seeds write no
 * 工作日, so no preset counts working days; a deployment switches a rule with its unit. */

#define START DL_BASE_START
#define DONE DL_BASE_COMPLETION
#define R(sk, imp, ik, ms, amt, unit, dates, base, note)                                                               \
    {                                                                                                                  \
        0, sk, imp, ik, ms, amt, unit, dates, base, note                                                               \
    }

/* the rules both presets share (Jiangsu's report limits, NPC/CPPCC replies, periodic reports) */
#define SHARED_ROWS                                                                                                    \
    R("meeting", NULL, NULL, MS_IMPL_REPORT, 30, DL_DAYS, "", START, "重要会议、文件30日内报告贯彻落实情况"),          \
        R("major_decision", NULL, NULL, MS_IMPL_REPORT, 30, DL_DAYS, "", START,                                        \
          "重大决策部署、重要文件30日内报告贯彻落实情况"),                                                             \
        R("instruction", NULL, NULL, MS_RESOLUTION, 30, DL_DAYS, "", START, "领导批示30日内办结并报告"),               \
        R("npc_cppcc", NULL, NULL, MS_RESOLUTION, 3, DL_MONTHS, "", START, "人大建议、政协提案3个月内答复"),           \
        R("npc_cppcc", NULL, NULL, MS_HANDLING_REPORT, 20, DL_DAYS, "", DONE,                                          \
          "人大建议、政协提案办理任务完成后20日内向交办单位报告办理情况"),                                             \
        R(NULL, NULL, "ongoing", MS_PERIODIC, 1, DL_MONTHS, "", START, "常态化工作每月报告进展"),                      \
        R(NULL, NULL, "annual", MS_PERIODIC, 0, DL_DATES, "07-15,10-15,01-15", START,                                  \
          "年度重点工作7月15日、10月15日、1月15日前报告")

static const struct deadline_rule preset_gu[] = {
    R(NULL, NULL, NULL, MS_RECEIPT, 1, DL_DAYS, "", START, "督办通知发出后1日内确认送达"),
    R(NULL, NULL, NULL, MS_DEPLOYMENT, 1, DL_DAYS, "", MS_RECEIPT, "1天内研究部署（13710）"),
    R(NULL, NULL, NULL, MS_FIRST_FEEDBACK, 7, DL_DAYS, "", START, "7天内向县政府反馈办理情况"),
    R(NULL, NULL, NULL, MS_RESOLUTION, 10, DL_DAYS, "", START, "一般性问题原则上10天内落实"),
    R(NULL, "major", NULL, MS_RESOLUTION, 1, DL_MONTHS, "", START, "重大问题复杂问题1个月内落实解决"),
    SHARED_ROWS,
};

static const struct deadline_rule preset_yq[] = {
    R(NULL, NULL, NULL, MS_RECEIPT, 1, DL_DAYS, "", START, "督办通知发出后1日内确认送达"),
    R(NULL, NULL, NULL, MS_DEPLOYMENT, 1, DL_DAYS, "", MS_RECEIPT, "1天内研究部署（阳泉13710）"),
    R(NULL, NULL, NULL, MS_FIRST_FEEDBACK, 3, DL_DAYS, "", START, "3天内反馈"),
    R(NULL, NULL, NULL, MS_RESOLUTION, 7, DL_DAYS, "", START, "一般问题7天内办结"),
    R(NULL, "major", NULL, MS_RESOLUTION, 1, DL_MONTHS, "", START, "重大问题1个月内办结"),
    SHARED_ROWS,
};
#undef SHARED_ROWS
#undef R

const struct deadline_preset deadline_presets[] = {
    {"gu13710", "古县“13710”（默认）", preset_gu, sizeof preset_gu / sizeof *preset_gu},
    {"yangquan", "阳泉“13710”", preset_yq, sizeof preset_yq / sizeof *preset_yq},
};
const size_t deadline_presets_n = sizeof deadline_presets / sizeof *deadline_presets;

/* ---- the rule table ---- */

enum err deadlines_rules_load(struct ctx *c, struct deadline_rule **rules, size_t *n)
{
    struct stmt *st = db_prepare(c->db, "SELECT id, source_kind, importance, item_kind, milestone, amount, unit, "
                                        "dates, base, note FROM deadline_rules ORDER BY sort, id");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取时限规则");
    size_t cap = 16;
    *rules = arena_alloc(c->arena, cap * sizeof **rules);
    *n = 0;
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW) {
        if (*n == cap) {
            struct deadline_rule *bigger = arena_alloc(c->arena, cap * 2 * sizeof *bigger);
            memcpy(bigger, *rules, cap * sizeof *bigger);
            *rules = bigger;
            cap *= 2;
        }
        struct deadline_rule *r = &(*rules)[*n];
        enum ms_kind base;
        r->id = stmt_int(st, 0);
        r->source_kind = arena_strdup(c->arena, stmt_text(st, 1));
        r->importance = arena_strdup(c->arena, stmt_text(st, 2));
        r->item_kind = arena_strdup(c->arena, stmt_text(st, 3));
        if (!ms_kind_parse(stmt_text(st, 4), &r->milestone) || !dl_unit_parse(stmt_text(st, 6), &r->unit))
            continue;
        r->amount = (int)stmt_int(st, 5);
        r->dates = arena_strdup(c->arena, stmt_text(st, 7));
        r->base = ms_kind_parse(stmt_text(st, 8), &base)        ? (int)base
                  : strcmp(stmt_text(st, 8), "completion") == 0 ? DONE
                                                                : START;
        r->note = arena_strdup(c->arena, stmt_text(st, 9));
        (*n)++;
    }
    stmt_done(st);
    return rc < 0 ? ctx_store_fail(c, rc, "读取时限规则") : ERR_OK;
}

/* A rule's base as the table and the API write it. */
static const char *base_name(int base)
{
    return base >= 0 ? ms_kind_name((enum ms_kind)base) : base == DONE ? "completion" : "start";
}

static json_t *rule_json(struct arena *a, const struct deadline_rule *r)
{
    json_t *o =
        json_pack("{s:o s:o s:o s:s s:s s:i s:s s:s s:s}", "source_kind",
                  r->source_kind ? json_string(r->source_kind) : json_null(), "importance",
                  r->importance ? json_string(r->importance) : json_null(), "item_kind",
                  r->item_kind ? json_string(r->item_kind) : json_null(), "milestone", ms_kind_name(r->milestone),
                  "milestone_label", ms_kind_label(r->milestone), "amount", r->amount, "unit", dl_unit_name(r->unit),
                  "base", base_name(r->base), "note", r->note ? r->note : "");
    if (r->unit == DL_DATES)
        json_object_set_new(o, "dates", json_string(r->dates ? r->dates : ""));
    if (r->id)
        json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "limit_text", json_string(deadlines_limit_text(a, r)));
    return o;
}

static const struct ladder ladder_default = {{2, 0}, 2, 1, 3, 5};

enum err deadlines_ladder_load(struct ctx *c, struct ladder *out)
{
    *out = ladder_default;
    const char *v = NULL;
    enum err e = db_one_text(c->db, c->arena, &v, "SELECT value FROM settings WHERE key = 'ladder'");
    if (e && e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "读取催办设置");
    json_t *j = v ? json_loads(v, 0, NULL) : NULL;
    if (j) {
        json_t *rb = json_object_get(j, "remind_before");
        out->nremind = 0;
        for (size_t i = 0; i < json_array_size(rb) && out->nremind < 4; i++)
            out->remind[out->nremind++] = (int)json_integer_value(json_array_get(rb, i));
        out->press_after = (int)json_integer_value(json_object_get(j, "press_after"));
        out->notice_after = (int)json_integer_value(json_object_get(j, "notice_after"));
        out->report_after = (int)json_integer_value(json_object_get(j, "report_after"));
        json_decref(j);
    }
    return ERR_OK;
}

static json_t *ladder_json(const struct ladder *l)
{
    json_t *rb = json_array();
    for (int i = 0; i < l->nremind; i++)
        json_array_append_new(rb, json_integer(l->remind[i]));
    return json_pack("{so si si si}", "remind_before", rb, "press_after", l->press_after, "notice_after",
                     l->notice_after, "report_after", l->report_after);
}

/* The setting's value, or def when it is not set (arena). */
static const char *setting_get(struct ctx *c, const char *key, const char *def)
{
    const char *v = def;
    db_one_text(c->db, c->arena, &v, "SELECT value FROM settings WHERE key = ?", DB_TEXT(key));
    return v ? v : def;
}

static enum err setting_put(struct ctx *c, const char *key, const char *value)
{
    return db_exec(c->db,
                   "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                   "excluded.value",
                   DB_TEXT(key), DB_TEXT(value));
}

enum err deadlines_rules_get(struct ctx *c, json_t **out)
{
    struct deadline_rule *rules;
    size_t n;
    struct ladder l;
    enum err e = deadlines_rules_load(c, &rules, &n);
    if (e || (e = deadlines_ladder_load(c, &l)))
        return e;
    json_t *arr = json_array(), *presets = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, rule_json(c->arena, &rules[i]));
    for (size_t i = 0; i < deadline_presets_n; i++)
        json_array_append_new(
            presets, json_pack("{ss ss}", "name", deadline_presets[i].name, "label", deadline_presets[i].label));
    *out = json_pack("{ss so so so}", "preset", setting_get(c, "rules_preset", "gu13710"), "rules", arr, "presets",
                     presets, "ladder", ladder_json(&l));
    return ERR_OK;
}

const struct jv_field deadlines_rules_spec[] = {
    {"preset", JV_STRING, 0, 1, 32},
    {"rules", JV_OBJECT_ARRAY, 0, 0, 200},
    {"ladder", JV_OBJECT, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

/* A selector value: NULL, or a short code of lower-case letters, digits and '_'. */
static bool code_ok(const json_t *v)
{
    if (json_is_null(v) || !v)
        return true;
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    size_t len = strlen(s);
    if (!len || len > 32)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* Validates one custom rule into r (arena strings). */
static enum err parse_rule(struct ctx *c, const json_t *o, size_t idx, struct deadline_rule *r)
{
    static const char *const fields[] = {
        "source_kind", "importance", "item_kind", "milestone",       "amount",     "unit", "dates",
        "base",        "note",       "id",        "milestone_label", "limit_text", NULL};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        bool known = false;
        for (int i = 0; fields[i] && !known; i++)
            known = strcmp(k, fields[i]) == 0;
        if (!known)
            return ctx_fail(c, ERR_INVALID, "第 %zu 条规则：未知字段“%s”", idx, k);
    }
    const char *sel[3] = {"source_kind", "importance", "item_kind"};
    const char **dst[3] = {&r->source_kind, &r->importance, &r->item_kind};
    for (int i = 0; i < 3; i++) {
        json_t *s = json_object_get(o, sel[i]);
        if (!code_ok(s))
            return ctx_fail(c, ERR_INVALID, "第 %zu 条规则：“%s”必须是 null 或由小写字母、数字、下划线组成的代码", idx,
                            sel[i]);
        *dst[i] = json_is_string(s) ? arena_strdup(c->arena, json_string_value(s)) : NULL;
    }
    if (!ms_kind_parse(json_string_value(json_object_get(o, "milestone")), &r->milestone))
        return ctx_fail(c, ERR_INVALID,
                        "第 %zu 条规则：milestone 必须是 receipt、deployment、first_feedback、implementation_report、"
                        "resolution、periodic_report 或 handling_report",
                        idx);
    if (!dl_unit_parse(json_string_value(json_object_get(o, "unit")), &r->unit))
        return ctx_fail(c, ERR_INVALID, "第 %zu 条规则：unit 必须是 workdays、days、months 或 dates", idx);
    json_t *amt = json_object_get(o, "amount");
    if (r->unit != DL_DATES && (!json_is_integer(amt) || json_integer_value(amt) < 1 || json_integer_value(amt) > 1000))
        return ctx_fail(c, ERR_INVALID, "第 %zu 条规则：amount 必须是 1 到 1000 之间的整数", idx);
    r->amount = json_is_integer(amt) ? (int)json_integer_value(amt) : 0;
    const char *dates = json_string_value(json_object_get(o, "dates"));
    int md[DEADLINES_DATES_MAX], nmd;
    if (r->unit == DL_DATES && !parse_dates(dates, md, &nmd, DEADLINES_DATES_MAX))
        return ctx_fail(c, ERR_INVALID,
                        "第 %zu 条规则：dates 必须是不超过 %d 个 MM-DD 日期的列表，如 07-15,10-15,01-15", idx,
                        DEADLINES_DATES_MAX);
    r->dates = r->unit == DL_DATES ? arena_strdup(c->arena, dates) : "";
    const char *base = json_string_value(json_object_get(o, "base"));
    enum ms_kind bk;
    r->base = START;
    if (r->milestone == MS_HANDLING_REPORT) { /* the report the completion starts: counted from it, in days */
        if (!base || strcmp(base, "completion") != 0 || r->unit == DL_DATES)
            return ctx_fail(c, ERR_INVALID,
                            "第 %zu 条规则：办理情况报告（handling_report）从办结起算：base 必须是 completion，"
                            "unit 不能是 dates",
                            idx);
        r->base = DONE;
    } else if (base && strcmp(base, "start") != 0) {
        if (!ms_kind_parse(base, &bk) || bk >= r->milestone || bk == MS_HANDLING_REPORT)
            return ctx_fail(c, ERR_INVALID, "第 %zu 条规则：base 必须是 start 或排在它之前的节点", idx);
        r->base = (int)bk;
    }
    const char *note = json_string_value(json_object_get(o, "note"));
    if (note && strlen(note) > 300)
        return ctx_fail(c, ERR_INVALID, "第 %zu 条规则：note 过长", idx);
    r->note = note ? arena_strdup(c->arena, note) : "";
    return ERR_OK;
}

struct rules_put {
    const struct deadline_rule *rules;
    size_t n;
    const char *preset;
    const struct ladder *ladder;
};

static enum err rules_put_tx(struct ctx *c, void *arg)
{
    struct rules_put *a = arg;
    json_t *before = NULL, *after = NULL;
    enum err e = deadlines_rules_get(c, &before);
    if (e)
        return e;
    if (a->rules) {
        e = db_exec(c->db, "DELETE FROM deadline_rules");
        for (size_t i = 0; i < a->n && !e; i++) {
            const struct deadline_rule *r = &a->rules[i];
            e = db_exec(
                c->db,
                "INSERT INTO deadline_rules (source_kind, importance, item_kind, milestone, amount, unit, dates, "
                "base, note, sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                DB_TEXT(r->source_kind), DB_TEXT(r->importance), DB_TEXT(r->item_kind),
                DB_TEXT(ms_kind_name(r->milestone)), DB_INT(r->amount), DB_TEXT(dl_unit_name(r->unit)),
                DB_TEXT(r->dates ? r->dates : ""), DB_TEXT(base_name(r->base)), DB_TEXT(r->note ? r->note : ""),
                DB_INT((int64_t)i));
        }
        if (!e)
            e = setting_put(c, "rules_preset", a->preset);
    }
    if (!e && a->ladder) {
        json_t *lj = ladder_json(a->ladder);
        char *s = json_dumps(lj, JSON_COMPACT);
        e = setting_put(c, "ladder", s);
        free(s);
        json_decref(lj);
    }
    if (e) {
        e = ctx_db_fail(c, e, "保存时限规则");
        goto out;
    }
    if ((e = deadlines_rules_get(c, &after)))
        goto out;
    json_object_del(before, "presets");
    json_object_del(after, "presets");
    json_t *sum = json_pack("{sO sO}", "before", before, "after", after);
    e = audit_record(c, "rules.replace", "rules", 1, sum);
    json_decref(sum);
out:
    json_decref(before);
    json_decref(after);
    return e;
}

enum err deadlines_rules_put(struct ctx *c, const json_t *body, json_t **out)
{
    enum err ae = perm_require_system(c, "时限规则");
    if (ae)
        return ae;
    const char *preset = jv_str(body, "preset");
    const json_t *rules = json_object_get(body, "rules");
    const json_t *lj = json_object_get(body, "ladder");
    if (preset && rules && !json_is_null(rules))
        return ctx_fail(c, ERR_INVALID, "preset 与 rules 只能给出其一");
    if (!preset && !json_is_array(rules) && !json_is_object(lj))
        return ctx_fail(c, ERR_INVALID, "请给出 preset（预设方案）、rules（规则列表）或 ladder（催办设置）");
    struct rules_put a = {0};
    if (preset) {
        for (size_t i = 0; i < deadline_presets_n && !a.rules; i++)
            if (strcmp(preset, deadline_presets[i].name) == 0) {
                a.rules = deadline_presets[i].rules;
                a.n = deadline_presets[i].n;
                a.preset = deadline_presets[i].name;
            }
        if (!a.rules)
            return ctx_fail(c, ERR_INVALID, "没有名为“%s”的预设方案（可选：gu13710、yangquan）", preset);
    } else if (json_is_array(rules)) {
        size_t n = json_array_size(rules);
        if (!n)
            return ctx_fail(c, ERR_INVALID, "规则列表不能为空");
        struct deadline_rule *rs = arena_alloc(c->arena, n * sizeof *rs);
        for (size_t i = 0; i < n; i++) {
            enum err e = parse_rule(c, json_array_get(rules, i), i + 1, &rs[i]);
            if (e)
                return e;
        }
        a.rules = rs;
        a.n = n;
        a.preset = "custom";
    }
    struct ladder l;
    if (json_is_object(lj)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)lj, k, v)
        {
            if (strcmp(k, "remind_before") && strcmp(k, "press_after") && strcmp(k, "notice_after") &&
                strcmp(k, "report_after"))
                return ctx_fail(c, ERR_INVALID, "ladder：未知字段“%s”", k);
        }
        json_t *rb = json_object_get(lj, "remind_before");
        if (!json_is_array(rb) || json_array_size(rb) > 4)
            return ctx_fail(c, ERR_INVALID, "ladder.remind_before 必须是最多 4 个整数的数组（到期前的工作日数）");
        l.nremind = 0;
        for (size_t i = 0; i < json_array_size(rb); i++) {
            json_t *x = json_array_get(rb, i);
            if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > 30 ||
                (i && json_integer_value(x) >= l.remind[i - 1]))
                return ctx_fail(c, ERR_INVALID, "ladder.remind_before 必须是 0 到 30 之间、从大到小的整数");
            l.remind[l.nremind++] = (int)json_integer_value(x);
        }
        int *dst[3] = {&l.press_after, &l.notice_after, &l.report_after};
        const char *names[3] = {"press_after", "notice_after", "report_after"};
        int prev = 0;
        for (int i = 0; i < 3; i++) {
            json_t *x = json_object_get(lj, names[i]);
            if (!json_is_integer(x) || json_integer_value(x) <= prev || json_integer_value(x) > 60)
                return ctx_fail(c, ERR_INVALID, "ladder.%s 必须是大于前一步、不超过 60 的工作日数", names[i]);
            *dst[i] = prev = (int)json_integer_value(x);
        }
        a.ladder = &l;
    }
    enum err e = ctx_tx(c, "保存时限规则", rules_put_tx, &a);
    return e ? e : deadlines_rules_get(c, out);
}
