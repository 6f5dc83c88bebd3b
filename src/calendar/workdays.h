/*
 * Working-day calendar arithmetic (pure C17, libc only, no global state).
 *
 * Dates are whole days since 1970-01-01 in the proleptic Gregorian calendar.
 * A day is a working day when the calendar lists it as a make-up working day
 * ('W'); otherwise it is a working day when it is Monday to Friday and not
 * listed as a holiday ('H').
 */
#ifndef DUCHA_CALENDAR_WORKDAYS_H
#define DUCHA_CALENDAR_WORKDAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of the civil date y-m-d (m 1..12, d 1..31). */
int64_t cal_days_from_civil(int y, unsigned m, unsigned d);

/* Inverse of cal_days_from_civil; every output pointer must be non-NULL. */
void cal_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

/*
 * Parses exactly "YYYY-MM-DD" (four-digit year 0000..9999, month 01..12, day
 * within that month, leap years honoured, nothing before or after). On success
 * stores the day in *out and returns true; on failure leaves *out untouched.
 */
bool cal_parse_date(const char *s, int64_t *out);

/*
 * Writes day as "YYYY-MM-DD" plus NUL. Years outside 0000..9999 cannot be
 * written in that form and yield "XXXX-XX-XX", which cal_parse_date rejects.
 */
void cal_format_date(int64_t day, char out[11]);

/* Day of week: 0 = Monday ... 6 = Sunday. */
int cal_weekday(int64_t day);

struct cal_exception {
    int64_t day;
    char kind; /* 'H' holiday, 'W' make-up workday */
};

/* Exceptions must be sorted by day with no day repeated; ex may be NULL when n == 0. */
struct calendar {
    const struct cal_exception *ex;
    size_t n;
};

/* True when day is a working day; a NULL calendar means plain Monday-Friday. */
bool cal_is_workday(const struct calendar *c, int64_t day);

/*
 * n > 0: the n-th working day after from (from itself never counts).
 * n < 0: the |n|-th working day before from.
 * n == 0: from, whether or not it is a working day.
 */
int64_t cal_add_workdays(const struct calendar *c, int64_t from, int n);

/*
 * Number of working days in (a, b]; when b < a, minus the number of working
 * days in (b, a], so cal_workdays_between(c, a, b) == -cal_workdays_between(c, b, a).
 * For n >= 0, cal_workdays_between(c, d, cal_add_workdays(c, d, n)) == n.
 */
int cal_workdays_between(const struct calendar *c, int64_t a, int64_t b);

/*
 * The same day-of-month n months later (earlier when n < 0), clamped to the
 * last day of the target month: 2025-01-31 + 1 month = 2025-02-28.
 */
int64_t cal_add_months(int64_t day, int n);

/* Built-in exceptions from the State Council holiday notices (builtin.c). */
extern const struct cal_exception cal_builtin[];
extern const size_t cal_builtin_n;

#endif
