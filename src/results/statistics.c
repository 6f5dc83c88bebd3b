/*
 * statistics.c: the periodic statistics of a government (督查督办统计, issue 12 "Statistics"): for each month
 * or quarter of a year (up to today), the figures a bulletin counts for that period (bulletin_count: items
 * registered, completed, completed on time, overdue at the period's end; per unit and in total), and for
 * the year so far per unit with its on-time rate. Read by the government's office and leaders; the XLSX is
 * drawn from the same JSON (src/docs/scoring.c).
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
    json_t *periods = json_array();
    for (int m = 1; m <= months; m += step) {
        int last = m + step - 1;
        int days = mdays[last - 1] + (last == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
        char from[32], to[32];
        snprintf(from, sizeof from, "%04d-%02d-01", year, m);
        snprintf(to, sizeof to, "%04d-%02d-%02d", year, last, days);
        if (strcmp(to, today) > 0)
            snprintf(to, sizeof to, "%s", today);
        json_t *fig = NULL;
        if ((e = bulletin_count(c, g->unit_path, g->unit_path, from, to, &fig))) {
            json_decref(periods);
            return e;
        }
        json_t *units = json_array(), *u;
        size_t i;
        json_array_foreach(json_object_get(fig, "units"), i, u)
        {
            json_t *row = json_deep_copy(u);
            add_rate(row);
            json_array_append_new(units, row);
        }
        json_t *tot = json_deep_copy(json_object_get(fig, "totals"));
        const char *label = quarters
                                ? arena_printf(c->arena, "第%s季度", (const char *[]){"一", "二", "三", "四"}[m / 3])
                                : arena_printf(c->arena, "%d月", m);
        json_array_append_new(periods,
                              json_pack("{ss ss ss ss so so}", "key",
                                        quarters ? arena_printf(c->arena, "%d-Q%d", year, m / 3 + 1)
                                                 : arena_printf(c->arena, "%04d-%02d", year, m),
                                        "label", label, "from", from, "to", to, "totals", tot, "units", units));
        json_decref(fig);
    }
    /* the year so far, per unit */
    char from[32], to[32];
    snprintf(from, sizeof from, "%04d-01-01", year);
    snprintf(to, sizeof to, "%04d-12-31", year);
    if (strcmp(to, today) > 0)
        snprintf(to, sizeof to, "%s", today);
    json_t *fig = NULL;
    if ((e = bulletin_count(c, g->unit_path, g->unit_path, from, to, &fig))) {
        json_decref(periods);
        return e;
    }
    json_t *units = json_array(), *u;
    size_t i;
    json_array_foreach(json_object_get(fig, "units"), i, u)
    {
        json_t *row = json_deep_copy(u);
        add_rate(row);
        json_array_append_new(units, row);
    }
    *out = json_pack("{si ss s{sI ss} ss ss so so so}", "year", year, "period", quarters ? "quarter" : "month",
                     "government", "id", (json_int_t)g->unit_id, "name", g->unit_name, "from", from, "to", to, "totals",
                     json_deep_copy(json_object_get(fig, "totals")), "units", units, "periods", periods);
    json_decref(fig);
    return ERR_OK;
}
