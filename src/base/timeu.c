#include "base/timeu.h"

#include "base/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool time_set_zone(const char *tz)
{
    char path[512];
    if (!*tz || strstr(tz, ".."))
        return false;
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    if (access(path, R_OK) != 0)
        return false;
    setenv("TZ", tz, 1);
    tzset();
    return true;
}

int64_t time_now(void)
{
    return (int64_t)time(NULL);
}

void time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void time_put_digits(char *p, unsigned v, int n)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

void time_format_iso(int64_t t, char out[21])
{
    /* by arithmetic, not gmtime_r and snprintf (some 3,000 instructions a call; every request and write formats
     * its instant): the same text for the years 0000–9999 (tests/unit/test_base.c compares them) */
    int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), y;
    unsigned secs = (unsigned)(t - day * 86400), m, d;
    time_civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999) {
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        memcpy(out, tmp, 20);
        out[20] = 0;
        return;
    }
    memcpy(out, "0000-00-00T00:00:00Z", 21);
    time_put_digits(out, (unsigned)y, 4);
    time_put_digits(out + 5, m, 2);
    time_put_digits(out + 8, d, 2);
    time_put_digits(out + 11, secs / 3600, 2);
    time_put_digits(out + 14, secs / 60 % 60, 2);
    time_put_digits(out + 17, secs % 60, 2);
}

int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* The number of the n digits at s, or -1 if one is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool time_parse_iso(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se, n = 0;
    /* the usual form read digit by digit (exports read millions); anything else as sscanf reads it */
    if ((y = digits(s, 4)) >= 0 && s[4] == '-' && (mo = digits(s + 5, 2)) >= 0 && s[7] == '-' &&
        (d = digits(s + 8, 2)) >= 0 && s[10] == 'T' && (h = digits(s + 11, 2)) >= 0 && s[13] == ':' &&
        (mi = digits(s + 14, 2)) >= 0 && s[16] == ':' && (se = digits(s + 17, 2)) >= 0)
        n = 19;
    else if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 19)
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || h < 0 || mi < 0 || se < 0)
        return false;
    const char *r = s + 19;
    if (*r == '.') { /* fractional seconds are accepted and dropped */
        r++;
        while (*r >= '0' && *r <= '9')
            r++;
    }
    int64_t off = 0;
    if (*r == 'Z' && r[1] == 0) {
    } else if ((*r == '+' || *r == '-') && strlen(r) == 6 && r[3] == ':') {
        int oh, om;
        if (sscanf(r + 1, "%2d:%2d", &oh, &om) != 2 || oh > 14 || om > 59)
            return false;
        off = (oh * 3600 + om * 60) * (*r == '+' ? 1 : -1);
    } else {
        return false;
    }
    *out = time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    return true;
}

int64_t time_local_day(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    return time_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}

int64_t time_local_instant(int64_t day, int secs)
{
    /* local offset at that day's noon UTC is good enough: zones of interest have no DST */
    time_t noon = (time_t)(day * 86400 + 43200);
    struct tm tm;
    localtime_r(&noon, &tm);
    return day * 86400 - tm.tm_gmtoff + secs;
}

int time_local_minutes_of_day(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    return tm.tm_hour * 60 + tm.tm_min;
}

const char *time_date_words(struct arena *a, const char *ymd)
{
    int y, m, d;
    if (!ymd || sscanf(ymd, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return "";
    return arena_printf(a, "%d年%d月%d日", y, m, d);
}
