/*
 * timeu.h: time helpers. Instants are Unix seconds (int64_t) and travel as UTC ISO 8601
 * ("2026-11-23T06:35:04Z"); calendar dates are local dates in the configured time zone
 * (Asia/Shanghai by default) and travel as "YYYY-MM-DD".
 */
#ifndef DUCHA_TIMEU_H
#define DUCHA_TIMEU_H

#include <stdbool.h>
#include <stdint.h>

/* Sets the process time zone (e.g. "Asia/Shanghai"); call once at start-up before threads exist. */
bool time_set_zone(const char *tz);
/* Wall-clock now in Unix seconds. */
int64_t time_now(void);
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void time_format_iso(int64_t t, char out[21]);
/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12), and the inverse (H. Hinnant's
 * algorithms; calendar/workdays.h's cal_days_from_civil and cal_civil_from_days are these). */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);
void time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Writes v (0 <= v < 10^n) as exactly n decimal digits at p, zero-padded (no terminator). */
void time_put_digits(char *p, unsigned v, int n);
/* Parses "YYYY-MM-DDTHH:MM:SSZ" (also with +08:00 style offsets); false if malformed. */
bool time_parse_iso(const char *s, int64_t *out);
/* The local date of instant t, as days since 1970-01-01. */
int64_t time_local_day(int64_t t);
/* The instant at local midnight starting day d, plus secs seconds. */
int64_t time_local_instant(int64_t day, int secs);
/* Local hour (0-23) and minutes of instant t. */
int time_local_minutes_of_day(int64_t t);

struct arena;
/* A local date "YYYY-MM-DD" (what follows it is ignored) in the words of a Chinese text:
 * "2026年12月3日". "" for NULL or anything that is not such a date. From a (the caller's lifetime). */
const char *time_date_words(struct arena *a, const char *ymd);

#endif
