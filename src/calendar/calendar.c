/* calendar.c: the working-day calendar on the database; see calendar.h. */
#include "calendar/calendar.h"

#include "audit/audit.h"
#include "base/csv.h"
#include "base/timeu.h"
#include "core/clock.h"
#include "core/perm.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The process-wide cache, guarded by cache_mu: rebuilt when calendar_version changes. The version is
 * read at most every VERSION_CHECK_S seconds (not once per request: a round trip on PostgreSQL); a
 * change made by this process is seen at once (calendar_replace_year and calendar_import forget the
 * check when they commit), one made by another node or a CLI within VERSION_CHECK_S.
 */
#define VERSION_CHECK_S 2.0
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cal_exception *cache_ex;
static size_t cache_n;
static char cache_version[32];
static bool cache_loaded;
static double cache_checked; /* CLOCK_MONOTONIC seconds of the last version check */

static double mono_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The cached exceptions copied into c->arena (cache_mu held). */
static void cache_copy(struct ctx *c, struct calendar *out)
{
    struct cal_exception *copy = arena_alloc(c->arena, (cache_n ? cache_n : 1) * sizeof *copy);
    if (cache_n)
        memcpy(copy, cache_ex, cache_n * sizeof *copy);
    out->ex = copy;
    out->n = cache_n;
}

/* This process changed the calendar: the next load reads the version again. */
static void cache_forget(void)
{
    pthread_mutex_lock(&cache_mu);
    cache_loaded = false;
    pthread_mutex_unlock(&cache_mu);
}

enum err calendar_load(struct ctx *c, struct calendar *out)
{
    double now = mono_seconds();
    pthread_mutex_lock(&cache_mu);
    if (cache_loaded && now - cache_checked < VERSION_CHECK_S) {
        cache_copy(c, out);
        pthread_mutex_unlock(&cache_mu);
        return ERR_OK;
    }
    pthread_mutex_unlock(&cache_mu);
    const char *v = "0";
    enum err e = db_one_text(c->db, c->arena, &v, "SELECT value FROM settings WHERE key = 'calendar_version'");
    if (e && e != ERR_NOT_FOUND)
        return ctx_db_fail(c, e, "读取工作日历");
    char version[32];
    snprintf(version, sizeof version, "%s", v ? v : "0");
    int rc;
    pthread_mutex_lock(&cache_mu);
    if (!cache_loaded || strcmp(version, cache_version) != 0) {
        struct stmt *st = db_prepare(c->db, "SELECT day, kind FROM calendar_days ORDER BY day");
        size_t n = 0, cap = 128;
        struct cal_exception *ex = xmalloc(cap * sizeof *ex);
        rc = st ? STORE_DONE : STORE_E_OTHER;
        while (st && (rc = stmt_step(st)) == STORE_ROW) {
            int64_t day;
            if (!cal_parse_date(stmt_text(st, 0), &day))
                continue;
            if (n == cap)
                ex = xrealloc(ex, (cap *= 2) * sizeof *ex);
            ex[n].day = day;
            ex[n].kind = strcmp(stmt_text(st, 1), "workday") == 0 ? 'W' : 'H';
            n++;
        }
        stmt_done(st);
        if (rc < 0) {
            pthread_mutex_unlock(&cache_mu);
            free(ex);
            return ctx_store_fail(c, rc, "读取工作日历");
        }
        free(cache_ex);
        cache_ex = ex;
        cache_n = n;
        snprintf(cache_version, sizeof cache_version, "%s", version);
        cache_loaded = true;
    }
    /* inside a transaction the version read may be this transaction's own, not committed yet: it
     * serves this load but does not spare the next one its check */
    cache_checked = db_in_transaction(c->db) ? 0 : now;
    cache_copy(c, out);
    pthread_mutex_unlock(&cache_mu);
    return ERR_OK;
}

enum err calendar_workdays(struct ctx *c, const char *from, int64_t n, json_t **out)
{
    int64_t day;
    if (!from || !cal_parse_date(from, &day))
        return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“from”必须是 YYYY-MM-DD 格式的日期");
    if (n < -3660 || n > 3660)
        return ctx_fail(c, ERR_BAD_REQUEST, "查询参数“add”必须是 -3660 到 3660 之间的整数");
    struct calendar cal;
    enum err e = calendar_load(c, &cal);
    if (e)
        return e;
    char buf[11];
    cal_format_date(cal_add_workdays(&cal, day, (int)n), buf);
    *out = json_pack("{ss ss sI}", "date", buf, "from", from, "add", (json_int_t)n);
    return ERR_OK;
}

enum err calendar_year(struct ctx *c, int year, json_t **out)
{
    if (year < 1900 || year > 2200)
        return ctx_fail(c, ERR_NOT_FOUND, "年份 %d 不在日历范围内（1900–2200）", year);
    char lo[11], hi[11];
    int64_t first = cal_days_from_civil(year, 1, 1), last = cal_days_from_civil(year, 12, 31);
    cal_format_date(first, lo);
    cal_format_date(last, hi);
    struct stmt *st =
        db_prepare(c->db, "SELECT day, kind, name FROM calendar_days WHERE day >= ? AND day <= ? ORDER BY day");
    if (!st)
        return ctx_store_fail(c, STORE_E_OTHER, "读取工作日历");
    stmt_bind_text(st, 1, lo);
    stmt_bind_text(st, 2, hi);
    json_t *hol = json_array(), *wd = json_array();
    int rc;
    while ((rc = stmt_step(st)) == STORE_ROW)
        json_array_append_new(strcmp(stmt_text(st, 1), "workday") == 0 ? wd : hol,
                              json_pack("{ss ss}", "day", stmt_text(st, 0), "name", stmt_text(st, 2)));
    stmt_done(st);
    if (rc < 0) {
        json_decref(hol);
        json_decref(wd);
        return ctx_store_fail(c, rc, "读取工作日历");
    }
    struct calendar cal;
    enum err e = calendar_load(c, &cal);
    if (e) {
        json_decref(hol);
        json_decref(wd);
        return e;
    }
    int working = cal_workdays_between(&cal, first - 1, last);
    *out = json_pack("{si sI sI si so so}", "year", year, "holiday_count", (json_int_t)json_array_size(hol),
                     "makeup_count", (json_int_t)json_array_size(wd), "working_days", working, "holidays", hol,
                     "workdays", wd);
    return ERR_OK;
}

struct cal_day {
    char day[11];
    const char *kind, *name;
};

/* Validates one {day, kind, name}; year 0 means any year. */
static enum err check_day(struct ctx *c, const char *where, const char *day, const char *kind, const char *name,
                          int year, struct cal_day *out)
{
    int64_t d;
    if (!day || !cal_parse_date(day, &d))
        return ctx_fail(c, ERR_INVALID, "%s：日期“%s”不是 YYYY-MM-DD 格式的有效日期", where, day ? day : "");
    if (year && strncmp(day, arena_printf(c->arena, "%04d-", year), 5) != 0)
        return ctx_fail(c, ERR_INVALID, "%s：日期 %s 不属于 %d 年", where, day, year);
    if (!kind || (strcmp(kind, "holiday") != 0 && strcmp(kind, "workday") != 0))
        return ctx_fail(c, ERR_INVALID, "%s：类型必须是 holiday（放假）或 workday（调休上班）", where);
    if (name && strlen(name) > 150)
        return ctx_fail(c, ERR_INVALID, "%s：名称过长", where);
    memcpy(out->day, day, 11);
    out->kind = arena_strdup(c->arena, kind);
    out->name = arena_strdup(c->arena, name ? name : "");
    return ERR_OK;
}

/* Parses a JSON array of {day,kind,name} into days (arena); checks duplicates. */
static enum err parse_days_json(struct ctx *c, const json_t *arr, int year, struct cal_day **days, size_t *n)
{
    if (!json_is_array(arr))
        return ctx_fail(c, ERR_INVALID, "字段“days”必须是数组");
    size_t cnt = json_array_size(arr);
    if (cnt > 400)
        return ctx_fail(c, ERR_INVALID, "一次最多 400 个日期");
    *days = arena_alloc(c->arena, (cnt ? cnt : 1) * sizeof **days);
    *n = 0;
    for (size_t i = 0; i < cnt; i++) {
        const json_t *o = json_array_get(arr, i);
        const char *where = arena_printf(c->arena, "第 %zu 项", i + 1);
        if (!json_is_object(o))
            return ctx_fail(c, ERR_INVALID, "%s必须是对象 {day, kind, name}", where);
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)o, k, v)
        {
            if (strcmp(k, "day") && strcmp(k, "kind") && strcmp(k, "name"))
                return ctx_fail(c, ERR_INVALID, "%s：未知字段“%s”", where, k);
            if (!json_is_string(v))
                return ctx_fail(c, ERR_INVALID, "%s：字段“%s”必须是文本", where, k);
        }
        enum err e = check_day(c, where, json_string_value(json_object_get(o, "day")),
                               json_string_value(json_object_get(o, "kind")),
                               json_string_value(json_object_get(o, "name")), year, &(*days)[*n]);
        if (e)
            return e;
        (*n)++;
    }
    return ERR_OK;
}

static int day_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cal_day *)a)->day, ((const struct cal_day *)b)->day);
}

/* Sorts and refuses a day listed twice. */
static enum err check_dups(struct ctx *c, struct cal_day *days, size_t n)
{
    qsort(days, n, sizeof *days, day_cmp);
    for (size_t i = 1; i < n; i++)
        if (strcmp(days[i].day, days[i - 1].day) == 0)
            return ctx_fail(c, ERR_INVALID, "日期 %s 出现了不止一次", days[i].day);
    return ERR_OK;
}

struct replace_args {
    int *years;
    size_t nyears;
    struct cal_day *days;
    size_t n;
};

static enum err replace_tx(struct ctx *c, void *arg)
{
    struct replace_args *a = arg;
    enum err e = ERR_OK;
    for (size_t y = 0; y < a->nyears && !e; y++) {
        int year = a->years[y];
        const char *from = arena_printf(c->arena, "%04d-01-01", year), *to = arena_printf(c->arena, "%04d-12-31", year);
        int64_t before = 0;
        if ((e = db_one_int(c->db, &before, "SELECT COUNT(*) FROM calendar_days WHERE day >= ? AND day <= ?",
                            DB_TEXT(from), DB_TEXT(to))) ||
            (e = db_exec(c->db, "DELETE FROM calendar_days WHERE day >= ? AND day <= ?", DB_TEXT(from), DB_TEXT(to))))
            return ctx_db_fail(c, e, "修改工作日历");
        json_t *hol = json_array(), *wd = json_array();
        for (size_t i = 0; i < a->n && !e; i++) {
            if (strncmp(a->days[i].day, from, 5) != 0)
                continue;
            e = db_exec(c->db, "INSERT INTO calendar_days (day, kind, name) VALUES (?, ?, ?)", DB_TEXT(a->days[i].day),
                        DB_TEXT(a->days[i].kind), DB_TEXT(a->days[i].name));
            json_array_append_new(strcmp(a->days[i].kind, "workday") == 0 ? wd : hol, json_string(a->days[i].day));
        }
        json_t *sum = json_pack("{si sI so so}", "year", year, "days_before", (json_int_t)before, "holidays", hol,
                                "workdays", wd);
        e = e ? ctx_db_fail(c, e, "修改工作日历") : audit_record(c, "calendar.replace", "calendar", year, sum);
        json_decref(sum);
    }
    if (!e && (e = db_exec(c->db, "INSERT INTO settings (key, value) VALUES ('calendar_version', '1') "
                                  "ON CONFLICT (key) DO UPDATE SET value = "
                                  "CAST(CAST(settings.value AS INTEGER) + 1 AS TEXT)")))
        e = ctx_db_fail(c, e, "修改工作日历");
    return e;
}

static enum err require_admin(struct ctx *c)
{
    return perm_require_system(c, "工作日历");
}

enum err calendar_replace_year(struct ctx *c, int year, const json_t *days, json_t **out)
{
    enum err e = require_admin(c);
    if (e)
        return e;
    if (year < 1900 || year > 2200)
        return ctx_fail(c, ERR_NOT_FOUND, "年份 %d 不在日历范围内（1900–2200）", year);
    struct replace_args a = {&year, 1, NULL, 0};
    if ((e = parse_days_json(c, days, year, &a.days, &a.n)) || (e = check_dups(c, a.days, a.n)))
        return e;
    if ((e = ctx_tx(c, "修改工作日历", replace_tx, &a)))
        return e;
    cache_forget();
    return calendar_year(c, year, out);
}

enum err calendar_import(struct ctx *c, const char *data, size_t len, bool json, json_t **out)
{
    enum err e = require_admin(c);
    if (e)
        return e;
    struct replace_args a = {0};
    if (json) {
        json_error_t jerr;
        json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc)
            return ctx_fail(c, ERR_BAD_REQUEST, "JSON 格式错误（第 %d 行）：%s", jerr.line, jerr.text);
        json_t *days = json_is_object(doc) ? json_object_get(doc, "days") : NULL;
        e = days ? parse_days_json(c, days, 0, &a.days, &a.n)
                 : ctx_fail(c, ERR_INVALID, "JSON 必须是 {\"days\":[{\"day\",\"kind\",\"name\"}]}");
        json_decref(doc);
        if (e)
            return e;
    } else {
        struct csv_reader r;
        csv_init(&r, data, len);
        char **f;
        int nf = csv_next(&r, c->arena, &f);
        if (nf < 2 || strcmp(f[0], "day") || strcmp(f[1], "kind") || (nf > 2 && strcmp(f[2], "name")) || nf > 3)
            return ctx_fail(c, ERR_INVALID, "CSV 第一行必须是表头 day,kind,name");
        size_t cap = 64;
        a.days = arena_alloc(c->arena, cap * sizeof *a.days);
        int line = 1;
        while ((nf = csv_next(&r, c->arena, &f)) != 0) {
            const char *where = arena_printf(c->arena, "第 %d 行", ++line);
            if (nf < 0 || nf < 2 || nf > 3)
                return ctx_fail(c, ERR_INVALID, "%s：应有 2 或 3 列（day,kind,name）", where);
            if (a.n >= 400)
                return ctx_fail(c, ERR_INVALID, "一次最多 400 个日期");
            if (a.n == cap) {
                struct cal_day *bigger = arena_alloc(c->arena, cap * 2 * sizeof *bigger);
                memcpy(bigger, a.days, cap * sizeof *bigger);
                a.days = bigger;
                cap *= 2;
            }
            if ((e = check_day(c, where, f[0], f[1], nf > 2 ? f[2] : "", 0, &a.days[a.n])))
                return e;
            a.n++;
        }
    }
    if (!a.n)
        return ctx_fail(c, ERR_INVALID, "文件中没有任何日期");
    if ((e = check_dups(c, a.days, a.n)))
        return e;
    a.years = arena_alloc(c->arena, a.n * sizeof *a.years);
    for (size_t i = 0; i < a.n; i++) {
        int y = atoi(a.days[i].day);
        if (!a.nyears || a.years[a.nyears - 1] != y)
            a.years[a.nyears++] = y;
    }
    if ((e = ctx_tx(c, "导入工作日历", replace_tx, &a)))
        return e;
    cache_forget();
    json_t *years = json_array();
    for (size_t i = 0; i < a.nyears; i++)
        json_array_append_new(years, json_integer(a.years[i]));
    *out = json_pack("{so sI}", "years", years, "days", (json_int_t)a.n);
    return ERR_OK;
}

static enum err clock_tx(struct ctx *c, void *arg)
{
    int64_t t = *(int64_t *)arg;
    char before[21], after[21];
    time_format_iso(c->now, before);
    time_format_iso(t, after);
    int rc = clock_set(c->db, t);
    if (rc < 0)
        return ctx_store_fail(c, rc, "设置测试时钟");
    json_t *sum = json_pack("{ss ss}", "before", before, "after", after);
    enum err e = audit_record(c, "clock.set", "clock", 1, sum);
    json_decref(sum);
    return e;
}

enum err calendar_clock_set(struct ctx *c, const char *now, json_t **out)
{
    int64_t t;
    if (!c->cfg->test_clock)
        return ctx_fail(c, ERR_NOT_FOUND, "测试时钟未启用");
    if (!now || !time_parse_iso(now, &t))
        return ctx_fail(c, ERR_INVALID, "字段“now”必须是 ISO 8601 时间，如 2026-03-02T09:00:00+08:00");
    enum err e = perm_require_system(c, "测试时钟");
    if (e || (e = ctx_tx(c, "设置测试时钟", clock_tx, &t)))
        return e;
    c->now = t;
    char iso[21];
    time_format_iso(t, iso);
    *out = json_pack("{ss}", "now", iso);
    return ERR_OK;
}
