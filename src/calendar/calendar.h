/*
 * calendar.h: the working-day calendar kept in the database (calendar_days: statutory holidays
 * and make-up working days), with a per-process cache. Every change bumps the settings row
 * calendar_version in the same transaction, so every node reloads on its next use.
 */
#ifndef DUCHA_CALENDAR_H
#define DUCHA_CALENDAR_H

#include "calendar/workdays.h"
#include "core/ctx.h"

#include <jansson.h>

/* The current calendar; its exception array lives in c->arena. Cached by the process: a change made
 * here is seen at once, one made by another node (or a CLI) within 2 seconds. */
enum err calendar_load(struct ctx *c, struct calendar *out);

/* {"date"}: the n-th working day after from (n < 0: before). n within ±3660. */
enum err calendar_workdays(struct ctx *c, const char *from, int64_t n, json_t **out);

/* {"year","holidays":[{day,name}],"workdays":[{day,name}],"holiday_count","makeup_count",
 *  "working_days"} for one year. */
enum err calendar_year(struct ctx *c, int year, json_t **out);

/*
 * Replaces the exceptions of one year with days (array of {day, kind, name}; kind "holiday" or
 * "workday"; every day inside that year, none twice). Audited ("calendar.replace"). Admin only.
 */
enum err calendar_replace_year(struct ctx *c, int year, const json_t *days, json_t **out);

/*
 * Imports exceptions as CSV (header day,kind,name) or JSON ({"days":[…]}): every year present in the
 * file is replaced, all or nothing. Returns {"years":[…],"days":n}. Admin only.
 */
enum err calendar_import(struct ctx *c, const char *data, size_t len, bool json, json_t **out);

#endif

#ifndef DUCHA_CALENDAR_CLOCK
#define DUCHA_CALENDAR_CLOCK
/* Test deployments: sets the shared test clock to the ISO instant `now`; audited ("clock.set"). */
enum err calendar_clock_set(struct ctx *c, const char *now, json_t **out);
#endif
