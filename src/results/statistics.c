/*
 * statistics.c: the periodic statistics of a government (督查督办统计, issue 12 "Statistics"): for each month
 * or quarter of a year (up to today), the figures a bulletin counts for that period (items
 * registered, completed, completed on time, overdue at the period's end; per unit and in total), the days to
 * complete (completed_days, average_days: calendar days from 交办 to 办结 of the items completed in the period, from
 * the kept counters' done_days, migration 0190), and for the year so far per unit with its on-time rate. Read by the government's office and leaders; the XLSX is
 * drawn from the same JSON (src/docs/scoring.c). Every period of the page comes from one read of the kept counters
 * and one scan of the current month's items (bulletin_months_count): what a page costs does not grow with its
 * periods. The reply is written straight into its buffer (jsonw), no tree of objects.
 */
#include "results/results_internal.h"

#include "base/buf.h"
#include "base/jsonw.h"
#include "calendar/workdays.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The government whose figures the user reads: the first reading grant held at a government. */
static enum err reading_government(struct ctx *c, const struct grant **g)
{
    for (int i = 0; c->user && i < c->user->ngrants; i++) {
        const char *kind = NULL;
        if (!perm_grant_has(&c->user->grants[i], CAP_ITEM_READ) ||
            db_one_text(c->db, c->arena, &kind, "SELECT kind FROM units WHERE id = ?",
                        DB_INT(c->user->grants[i].unit_id)) ||
            strcmp(kind, "government"))
            continue;
        *g = &c->user->grants[i];
        return ERR_OK;
    }
    return ctx_fail(c, ERR_FORBIDDEN, "只有本级政府的督查室和领导可以查看督查督办统计");
}

/* "YYYY-MM-DD" of y-m-d in the arena, its first len bytes (7: "YYYY-MM"); cal_format_date, without printf (a page
 * writes 50 of them). */
static const char *ymd_text(struct arena *a, int y, unsigned m, unsigned d, size_t len)
{
    char t[11];
    cal_format_date(cal_days_from_civil(y, m, d), t);
    return arena_strndup(a, t, len);
}

enum err results_statistics_write(struct ctx *c, int year, bool quarters, bool units, struct buf *out)
{
    const struct grant *g = NULL;
    enum err e = reading_government(c, &g);
    if (e)
        return e;
    char today[11];
    result_today(c, today);
    int this_year = atoi(today);
    if (year > this_year)
        return ctx_fail_field(c, "year", "统计年度（year）%d 尚未开始", year);
    int months = year < this_year ? 12 : atoi(today + 5), step = quarters ? 3 : 1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    /* the periods (whole months, the last up to today), then the year so far */
    int first[13], last[13], n = 0;
    const char *from[13], *to[13];
    for (int m = 1; m <= months; m += step, n++) {
        first[n] = m;
        last[n] = m + step - 1;
        int days = mdays[last[n] - 1] + (last[n] == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
        from[n] = ymd_text(c->arena, year, (unsigned)m, 1, 10);
        to[n] = ymd_text(c->arena, year, (unsigned)last[n], (unsigned)days, 10);
        if (strcmp(to[n], today) > 0)
            to[n] = arena_strdup(c->arena, today);
    }
    first[n] = 1;
    last[n] = months;
    from[n] = ymd_text(c->arena, year, 1, 1, 10);
    to[n] = year < this_year ? ymd_text(c->arena, year, 12, 31, 10) : arena_strdup(c->arena, today);
    /* every period from one read of the kept counters (statements per page, not per period), written straight
     * into the reply */
    struct months *figs = NULL;
    if ((e = bulletin_months_count(c, g->unit_path, year, n + 1, first, last, units, &figs)))
        return e;
    struct jw w;
    jw_init(&w, out);
    jw_obj(&w);
    jw_qkint(&w, JW_K("year"), year);
    jw_qkstr(&w, JW_K("period"), quarters ? "quarter" : "month");
    jw_qkey(&w, JW_K("government"));
    jw_obj(&w);
    jw_qkint(&w, JW_K("id"), g->unit_id);
    jw_qkstr(&w, JW_K("name"), g->unit_name);
    jw_end_obj(&w);
    jw_qkstr(&w, JW_K("from"), from[n]);
    jw_qkstr(&w, JW_K("to"), to[n]);
    bulletin_months_write(&w, figs, n);
    jw_qkey(&w, JW_K("periods"));
    jw_arr(&w);
    for (int k = 0; k < n; k++) {
        int m = first[k];
        jw_obj(&w);
        if (quarters) {
            jw_qkstr(&w, JW_K("key"), arena_printf(c->arena, "%d-Q%d", year, m / 3 + 1));
            jw_qkstr(&w, JW_K("label"),
                     arena_printf(c->arena, "第%s季度", (const char *[]){"一", "二", "三", "四"}[m / 3]));
        } else {
            jw_qkstr(&w, JW_K("key"), ymd_text(c->arena, year, (unsigned)m, 1, 7));
            jw_qkstr(&w, JW_K("label"),
                     (const char *[]){"1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月",
                                      "12月"}[m - 1]);
        }
        jw_qkstr(&w, JW_K("from"), from[k]);
        jw_qkstr(&w, JW_K("to"), to[k]);
        bulletin_months_write(&w, figs, k);
        jw_end_obj(&w);
    }
    jw_end_arr(&w);
    jw_end_obj(&w);
    return ERR_OK;
}

enum err results_statistics(struct ctx *c, int year, bool quarters, json_t **out)
{
    struct buf b = {0};
    enum err e = results_statistics_write(c, year, quarters, true, &b);
    if (!e) {
        json_error_t err;
        if (!(*out = json_loadb(b.data, b.len, 0, &err)))
            e = ctx_fail(c, ERR_INTERNAL, "督查督办统计：%s", err.text);
    }
    buf_free(&b);
    return e;
}
