/* Working-day calendar arithmetic; see workdays.h for the contracts. */
#include "calendar/workdays.h"

#include "base/timeu.h"

#include <string.h>

/* Floor division and matching non-negative remainder for b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && is_leap(y)) ? 29u : len[m - 1];
}

/* The civil date arithmetic is base/timeu.h's (one implementation of H. Hinnant's algorithms). */
int64_t cal_days_from_civil(int y, unsigned m, unsigned d)
{
    return time_days_from_civil(y, m, d);
}

void cal_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    int64_t yy;
    time_civil_from_days(z, &yy, m, d);
    *y = (int)yy;
}

/* Reads n ASCII digits at s into *v; false if any is not a digit. */
static bool read_digits(const char *s, int n, unsigned *v)
{
    unsigned acc = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        acc = acc * 10u + (unsigned)(s[i] - '0');
    }
    *v = acc;
    return true;
}

bool cal_parse_date(const char *s, int64_t *out)
{
    unsigned y, m, d;
    if (s == NULL || out == NULL)
        return false;
    if (!read_digits(s, 4, &y) || s[4] != '-' || !read_digits(s + 5, 2, &m) || s[7] != '-' ||
        !read_digits(s + 8, 2, &d) || s[10] != '\0')
        return false;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    *out = cal_days_from_civil((int)y, m, d);
    return true;
}

void cal_format_date(int64_t day, char out[11])
{
    int y;
    unsigned m, d;
    cal_civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999) {
        memcpy(out, "XXXX-XX-XX", 11);
        return;
    }
    time_put_digits(out, (unsigned)y, 4);
    out[4] = '-';
    time_put_digits(out + 5, m, 2);
    out[7] = '-';
    time_put_digits(out + 8, d, 2);
    out[10] = '\0';
}

int cal_weekday(int64_t day)
{
    /* 1970-01-01 was a Thursday (3). */
    return (int)floor_mod(day + 3, 7);
}

/* Index of the first exception whose day is >= day (c->n if none). */
static size_t lower_bound(const struct calendar *c, int64_t day)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->ex[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool is_weekday(int64_t day)
{
    return cal_weekday(day) < 5;
}

bool cal_is_workday(const struct calendar *c, int64_t day)
{
    if (c != NULL && c->n > 0) {
        size_t i = lower_bound(c, day);
        if (i < c->n && c->ex[i].day == day) {
            if (c->ex[i].kind == 'W')
                return true;
            if (c->ex[i].kind == 'H')
                return false;
        }
    }
    return is_weekday(day);
}

int64_t cal_add_workdays(const struct calendar *c, int64_t from, int n)
{
    int64_t step = n < 0 ? -1 : 1;
    int64_t left = n < 0 ? -(int64_t)n : (int64_t)n;
    int64_t day = from;
    while (left > 0) {
        day += step;
        if (cal_is_workday(c, day))
            left--;
    }
    return day;
}

/* Monday-Friday days in [-3, x) for x >= -3, extended to all x; day -3 is a Monday. */
static int64_t weekdays_before(int64_t x)
{
    int64_t t = x + 3;
    int64_t rem = floor_mod(t, 7);
    return floor_div(t, 7) * 5 + (rem < 5 ? rem : 5);
}

/* Working days in (a, b] for a <= b: plain weekdays, then corrected by exceptions. */
static int64_t workdays_in(const struct calendar *c, int64_t a, int64_t b)
{
    int64_t count = weekdays_before(b + 1) - weekdays_before(a + 1);
    if (c == NULL || c->n == 0)
        return count;
    for (size_t i = lower_bound(c, a + 1); i < c->n && c->ex[i].day <= b; i++) {
        bool weekday = is_weekday(c->ex[i].day);
        if (c->ex[i].kind == 'H' && weekday)
            count--;
        else if (c->ex[i].kind == 'W' && !weekday)
            count++;
    }
    return count;
}

int cal_workdays_between(const struct calendar *c, int64_t a, int64_t b)
{
    if (b < a)
        return (int)-workdays_in(c, b, a);
    return (int)workdays_in(c, a, b);
}

int64_t cal_add_months(int64_t day, int n)
{
    int y;
    unsigned m, d;
    cal_civil_from_days(day, &y, &m, &d);
    int64_t months = (int64_t)y * 12 + (int64_t)(m - 1) + n;
    int64_t ny = floor_div(months, 12);
    unsigned nm = (unsigned)floor_mod(months, 12) + 1u;
    unsigned last = days_in_month(ny, nm);
    return cal_days_from_civil((int)ny, nm, d < last ? d : last);
}
