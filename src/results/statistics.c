/*
 * statistics.c: the periodic statistics of a government (督查督办统计, issue 12 "Statistics"): for each month
 * or quarter of a year (up to today), the figures a bulletin counts for that period (items
 * registered, completed, completed on time, overdue at the period's end; per unit and in total), the days to
 * complete (completed_days, average_days: calendar days from 交办 to 办结 of the items completed in the period, from
 * the kept counters' done_days, migration 0190), and for the year so far per unit with its on-time rate. Read by the government's office and leaders; the XLSX is
 * drawn from the same JSON (src/docs/scoring.c). Every period of the page comes from one read of the kept counters
 * and one scan of the current month's items (bulletin_count_months): what a page costs does not grow with its
 * periods.
 */
#include "results/results_internal.h"

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

/* The rate in per cent of part over whole (null without a whole). */
static json_t *rate(json_int_t part, json_int_t whole)
{
    return whole ? json_integer((part * 100 + whole / 2) / whole) : json_null();
}

static void add_rate(json_t *o)
{
    json_object_set_new(o, "on_time_rate",
                        rate(json_integer_value(json_object_get(o, "completed_on_time")),
                             json_integer_value(json_object_get(o, "completed"))));
}

/* The rows of one period as the page shows them (each unit with its on-time rate). */
static json_t *period_units(const json_t *fig)
{
    json_t *units = json_array(), *u;
    size_t i;
    json_array_foreach(json_object_get(fig, "units"), i, u)
    {
        json_t *row = json_deep_copy(u);
        add_rate(row);
        json_array_append_new(units, row);
    }
    return units;
}

enum err results_statistics(struct ctx *c, int year, bool quarters, json_t **out)
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
        from[n] = arena_printf(c->arena, "%04d-%02d-01", year, m);
        to[n] = arena_printf(c->arena, "%04d-%02d-%02d", year, last[n], days);
        if (strcmp(to[n], today) > 0)
            to[n] = arena_strdup(c->arena, today);
    }
    first[n] = 1;
    last[n] = months;
    from[n] = arena_printf(c->arena, "%04d-01-01", year);
    to[n] = year < this_year ? arena_printf(c->arena, "%04d-12-31", year) : arena_strdup(c->arena, today);
    /* every period from one read of the kept counters (statements per page, not per period); without usable
     * counters each period is counted as a bulletin counts it */
    json_t *figs = NULL;
    if ((e = bulletin_count_months(c, g->unit_path, year, n + 1, first, last, &figs)))
        return e;
    json_t *periods = json_array();
    for (int k = 0; k < n; k++) {
        json_t *fig = json_array_get(figs, (size_t)k);
        int m = first[k];
        const char *label = quarters
                                ? arena_printf(c->arena, "第%s季度", (const char *[]){"一", "二", "三", "四"}[m / 3])
                                : arena_printf(c->arena, "%d月", m);
        json_array_append_new(periods, json_pack("{ss ss ss ss sO so}", "key",
                                                 quarters ? arena_printf(c->arena, "%d-Q%d", year, m / 3 + 1)
                                                          : arena_printf(c->arena, "%04d-%02d", year, m),
                                                 "label", label, "from", from[k], "to", to[k], "totals",
                                                 json_object_get(fig, "totals"), "units", period_units(fig)));
    }
    json_t *fig = json_array_get(figs, (size_t)n);
    *out = json_pack("{si ss s{sI ss} ss ss sO so so}", "year", year, "period", quarters ? "quarter" : "month",
                     "government", "id", (json_int_t)g->unit_id, "name", g->unit_name, "from", from[n], "to", to[n],
                     "totals", json_object_get(fig, "totals"), "units", period_units(fig), "periods", periods);
    json_decref(figs);
    return ERR_OK;
}
