/* Unit tests for the working-day calendar (src/calendar). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "calendar/workdays.h"

/* Parses a date that the test itself knows to be valid. */
static int64_t day_of(const char *s)
{
    int64_t d = 0;
    assert_true(cal_parse_date(s, &d));
    return d;
}

static struct calendar builtin(void)
{
    struct calendar c = {cal_builtin, cal_builtin_n};
    return c;
}

static void assert_date(int64_t day, const char *expected)
{
    char buf[11];
    cal_format_date(day, buf);
    assert_string_equal(buf, expected);
}

static void test_epoch_is_day_zero(void **state)
{
    (void)state;
    assert_int_equal(cal_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(cal_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(cal_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(cal_days_from_civil(2025, 1, 1), 20089);
}

static void test_civil_round_trip_over_many_years(void **state)
{
    (void)state;
    int64_t first = cal_days_from_civil(1600, 1, 1);
    int64_t last = cal_days_from_civil(2400, 12, 31);
    int py = 1599;
    unsigned pm = 12, pd = 31;
    for (int64_t z = first; z <= last; z++) {
        int y;
        unsigned m, d;
        cal_civil_from_days(z, &y, &m, &d);
        assert_int_equal(cal_days_from_civil(y, m, d), z);
        /* consecutive days advance the civil date by exactly one */
        if (d != 1)
            assert_true(y == py && m == pm && d == pd + 1);
        else
            assert_true((y == py && m == pm + 1) || (y == py + 1 && m == 1 && pm == 12));
        py = y;
        pm = m;
        pd = d;
    }
}

static void test_weekday_is_monday_based(void **state)
{
    (void)state;
    assert_int_equal(cal_weekday(0), 3);                    /* 1970-01-01 Thursday */
    assert_int_equal(cal_weekday(-1), 2);                   /* 1969-12-31 Wednesday */
    assert_int_equal(cal_weekday(day_of("2025-01-01")), 2); /* Wednesday */
    assert_int_equal(cal_weekday(day_of("2025-01-26")), 6); /* Sunday */
    assert_int_equal(cal_weekday(day_of("2025-02-08")), 5); /* Saturday */
    assert_int_equal(cal_weekday(day_of("2026-02-23")), 0); /* Monday */
}

/* The weekdays printed in the notices agree with the computed ones (0 = 周一). */
static void test_notice_weekdays_match_computed(void **state)
{
    (void)state;
    static const struct {
        const char *day;
        int weekday;
    } stated[] = {
        {"2025-01-01", 2}, {"2025-01-28", 1}, {"2025-02-04", 1}, {"2025-01-26", 6}, {"2025-02-08", 5},
        {"2025-04-04", 4}, {"2025-04-06", 6}, {"2025-05-01", 3}, {"2025-05-05", 0}, {"2025-04-27", 6},
        {"2025-05-31", 5}, {"2025-06-02", 0}, {"2025-10-01", 2}, {"2025-10-08", 2}, {"2025-09-28", 6},
        {"2025-10-11", 5}, {"2026-01-01", 3}, {"2026-01-03", 5}, {"2026-01-04", 6}, {"2026-02-15", 6},
        {"2026-02-23", 0}, {"2026-02-14", 5}, {"2026-02-28", 5}, {"2026-04-04", 5}, {"2026-04-06", 0},
        {"2026-05-01", 4}, {"2026-05-05", 1}, {"2026-05-09", 5}, {"2026-06-19", 4}, {"2026-06-21", 6},
        {"2026-09-25", 4}, {"2026-09-27", 6}, {"2026-10-01", 3}, {"2026-10-07", 2}, {"2026-09-20", 6},
        {"2026-10-10", 5},
    };
    for (size_t i = 0; i < sizeof stated / sizeof stated[0]; i++)
        assert_int_equal(cal_weekday(day_of(stated[i].day)), stated[i].weekday);
}

static void test_parse_date_accepts_valid_dates(void **state)
{
    (void)state;
    int64_t d = -1;
    assert_true(cal_parse_date("1970-01-01", &d));
    assert_int_equal(d, 0);
    assert_true(cal_parse_date("2024-02-29", &d));
    assert_int_equal(d, cal_days_from_civil(2024, 2, 29));
    assert_true(cal_parse_date("2000-02-29", &d));
    assert_true(cal_parse_date("2025-12-31", &d));
    assert_true(cal_parse_date("0000-01-01", &d));
    assert_true(cal_parse_date("9999-12-31", &d));
}

static void test_parse_date_rejects_feb_30(void **state)
{
    (void)state;
    int64_t d = 42;
    assert_false(cal_parse_date("2025-02-30", &d));
    assert_false(cal_parse_date("2024-02-30", &d));
    assert_int_equal(d, 42);
}

static void test_parse_date_rejects_feb_29_outside_leap_years(void **state)
{
    (void)state;
    int64_t d;
    assert_false(cal_parse_date("2025-02-29", &d));
    assert_false(cal_parse_date("1900-02-29", &d));
}

static void test_parse_date_rejects_out_of_range_fields(void **state)
{
    (void)state;
    int64_t d;
    assert_false(cal_parse_date("2025-00-10", &d));
    assert_false(cal_parse_date("2025-13-01", &d));
    assert_false(cal_parse_date("2025-01-00", &d));
    assert_false(cal_parse_date("2025-01-32", &d));
    assert_false(cal_parse_date("2025-04-31", &d));
    assert_false(cal_parse_date("2025-11-31", &d));
}

static void test_parse_date_rejects_malformed_text(void **state)
{
    (void)state;
    int64_t d;
    assert_false(cal_parse_date(NULL, &d));
    assert_false(cal_parse_date("2025-01-01", NULL));
    assert_false(cal_parse_date("", &d));
    assert_false(cal_parse_date("2025-1-01", &d));
    assert_false(cal_parse_date("2025-01-1", &d));
    assert_false(cal_parse_date("25-01-01", &d));
    assert_false(cal_parse_date("2025/01/01", &d));
    assert_false(cal_parse_date("+025-01-01", &d));
    assert_false(cal_parse_date("-025-01-01", &d));
    assert_false(cal_parse_date(" 2025-01-01", &d));
    assert_false(cal_parse_date("2025-0a-01", &d));
    assert_false(cal_parse_date("20250101", &d));
}

static void test_parse_date_rejects_trailing_junk(void **state)
{
    (void)state;
    int64_t d;
    assert_false(cal_parse_date("2025-01-011", &d));
    assert_false(cal_parse_date("2025-01-01 ", &d));
    assert_false(cal_parse_date("2025-01-01T00:00", &d));
    assert_false(cal_parse_date("2025-01-01\n", &d));
}

static void test_format_date_round_trips(void **state)
{
    (void)state;
    assert_date(0, "1970-01-01");
    assert_date(-1, "1969-12-31");
    assert_date(day_of("2024-02-29"), "2024-02-29");
    assert_date(cal_days_from_civil(5, 3, 7), "0005-03-07");
    for (int64_t z = day_of("1999-01-01"); z <= day_of("2031-12-31"); z++) {
        char buf[11];
        int64_t back = -1;
        cal_format_date(z, buf);
        assert_true(cal_parse_date(buf, &back));
        assert_int_equal(back, z);
    }
}

static void test_format_date_marks_unrepresentable_years(void **state)
{
    (void)state;
    int64_t d;
    assert_date(cal_days_from_civil(10000, 1, 1), "XXXX-XX-XX");
    assert_date(cal_days_from_civil(-1, 12, 31), "XXXX-XX-XX");
    assert_false(cal_parse_date("XXXX-XX-XX", &d));
}

static void test_ordinary_weekdays_and_weekends(void **state)
{
    (void)state;
    struct calendar c = builtin();
    assert_true(cal_is_workday(&c, day_of("2025-03-03")));  /* Monday */
    assert_true(cal_is_workday(&c, day_of("2025-03-07")));  /* Friday */
    assert_false(cal_is_workday(&c, day_of("2025-03-01"))); /* Saturday */
    assert_false(cal_is_workday(&c, day_of("2025-03-02"))); /* Sunday */
}

static void test_makeup_saturday_is_workday(void **state)
{
    (void)state;
    struct calendar c = builtin();
    assert_true(cal_is_workday(&c, day_of("2025-02-08")));
    assert_true(cal_is_workday(&c, day_of("2025-10-11")));
    assert_true(cal_is_workday(&c, day_of("2026-02-14")));
    assert_true(cal_is_workday(&c, day_of("2026-02-28")));
}

static void test_makeup_sunday_is_workday(void **state)
{
    (void)state;
    struct calendar c = builtin();
    assert_true(cal_is_workday(&c, day_of("2025-01-26")));
    assert_true(cal_is_workday(&c, day_of("2025-09-28")));
    assert_true(cal_is_workday(&c, day_of("2026-01-04")));
    assert_true(cal_is_workday(&c, day_of("2026-09-20")));
}

static void test_weekday_holiday_is_not_workday(void **state)
{
    (void)state;
    struct calendar c = builtin();
    assert_false(cal_is_workday(&c, day_of("2025-01-01")));
    assert_false(cal_is_workday(&c, day_of("2025-01-28")));
    assert_false(cal_is_workday(&c, day_of("2025-10-08")));
    assert_false(cal_is_workday(&c, day_of("2026-02-23")));
    assert_false(cal_is_workday(&c, day_of("2026-09-25")));
}

static void test_empty_or_null_calendar_is_monday_to_friday(void **state)
{
    (void)state;
    struct calendar empty = {NULL, 0};
    assert_true(cal_is_workday(&empty, day_of("2025-01-28")));
    assert_false(cal_is_workday(&empty, day_of("2025-02-08")));
    assert_true(cal_is_workday(NULL, day_of("2025-01-01")));
    assert_false(cal_is_workday(NULL, day_of("2025-01-26")));
    assert_date(cal_add_workdays(NULL, day_of("2025-01-24"), 1), "2025-01-27");
    assert_int_equal(cal_workdays_between(NULL, day_of("2025-01-03"), day_of("2025-01-10")), 5);
}

static void test_every_makeup_day_is_weekend_workday(void **state)
{
    (void)state;
    struct calendar c = builtin();
    size_t seen = 0;
    for (size_t i = 0; i < cal_builtin_n; i++) {
        if (cal_builtin[i].kind != 'W')
            continue;
        seen++;
        assert_true(cal_weekday(cal_builtin[i].day) >= 5);
        assert_true(cal_is_workday(&c, cal_builtin[i].day));
    }
    assert_int_equal(seen, 11);
}

static void test_every_holiday_is_not_workday(void **state)
{
    (void)state;
    struct calendar c = builtin();
    size_t seen = 0;
    for (size_t i = 0; i < cal_builtin_n; i++) {
        if (cal_builtin[i].kind != 'H')
            continue;
        seen++;
        assert_false(cal_is_workday(&c, cal_builtin[i].day));
    }
    assert_int_equal(seen, 61);
}

static void test_builtin_is_strictly_sorted_with_known_kinds(void **state)
{
    (void)state;
    assert_true(cal_builtin_n > 0);
    for (size_t i = 0; i < cal_builtin_n; i++) {
        assert_true(cal_builtin[i].kind == 'H' || cal_builtin[i].kind == 'W');
        if (i > 0)
            assert_true(cal_builtin[i - 1].day < cal_builtin[i].day);
    }
}

/* The table is exactly the expansion of the ranges stated in the two notices. */
static void test_builtin_matches_notices(void **state)
{
    (void)state;
    static const struct {
        const char *first, *last;
        char kind;
    } notice[] = {
        {"2025-01-01", "2025-01-01", 'H'}, {"2025-01-26", "2025-01-26", 'W'}, {"2025-01-28", "2025-02-04", 'H'},
        {"2025-02-08", "2025-02-08", 'W'}, {"2025-04-04", "2025-04-06", 'H'}, {"2025-04-27", "2025-04-27", 'W'},
        {"2025-05-01", "2025-05-05", 'H'}, {"2025-05-31", "2025-06-02", 'H'}, {"2025-09-28", "2025-09-28", 'W'},
        {"2025-10-01", "2025-10-08", 'H'}, {"2025-10-11", "2025-10-11", 'W'}, {"2026-01-01", "2026-01-03", 'H'},
        {"2026-01-04", "2026-01-04", 'W'}, {"2026-02-14", "2026-02-14", 'W'}, {"2026-02-15", "2026-02-23", 'H'},
        {"2026-02-28", "2026-02-28", 'W'}, {"2026-04-04", "2026-04-06", 'H'}, {"2026-05-01", "2026-05-05", 'H'},
        {"2026-05-09", "2026-05-09", 'W'}, {"2026-06-19", "2026-06-21", 'H'}, {"2026-09-20", "2026-09-20", 'W'},
        {"2026-09-25", "2026-09-27", 'H'}, {"2026-10-01", "2026-10-07", 'H'}, {"2026-10-10", "2026-10-10", 'W'},
    };
    size_t k = 0;
    for (size_t i = 0; i < sizeof notice / sizeof notice[0]; i++) {
        for (int64_t d = day_of(notice[i].first); d <= day_of(notice[i].last); d++) {
            assert_true(k < cal_builtin_n);
            assert_int_equal(cal_builtin[k].day, d);
            assert_int_equal(cal_builtin[k].kind, notice[i].kind);
            k++;
        }
    }
    assert_int_equal(k, cal_builtin_n);
}

static void test_add_zero_workdays_returns_from_even_on_holiday(void **state)
{
    (void)state;
    struct calendar c = builtin();
    int64_t d = day_of("2025-01-29");
    assert_int_equal(cal_add_workdays(&c, d, 0), d);
}

static void test_add_workdays_skips_spring_festival_2025(void **state)
{
    (void)state;
    struct calendar c = builtin();
    assert_date(cal_add_workdays(&c, day_of("2025-01-24"), 1), "2025-01-26");
    assert_date(cal_add_workdays(&c, day_of("2025-01-24"), 2), "2025-01-27");
    assert_date(cal_add_workdays(&c, day_of("2025-01-24"), 3), "2025-02-05");
    assert_date(cal_add_workdays(&c, day_of("2025-01-27"), 1), "2025-02-05");
    /* starting inside the holiday: the first working day after it */
    assert_date(cal_add_workdays(&c, day_of("2025-01-30"), 1), "2025-02-05");
    /* 2025-02-08 is a make-up Saturday */
    assert_date(cal_add_workdays(&c, day_of("2025-02-07"), 1), "2025-02-08");
    assert_date(cal_add_workdays(&c, day_of("2025-02-07"), 2), "2025-02-10");
}

static void test_add_workdays_skips_spring_festival_2026(void **state)
{
    (void)state;
    struct calendar c = builtin();
    assert_date(cal_add_workdays(&c, day_of("2026-02-13"), 1), "2026-02-14");
    assert_date(cal_add_workdays(&c, day_of("2026-02-13"), 2), "2026-02-24");
}

static void test_ten_workdays_across_national_day_2025(void **state)
{
    (void)state;
    struct calendar c = builtin();
    /* 9-28(Sun, make-up) 9-29 9-30 10-09 10-10 10-11(Sat, make-up) 10-13 10-14 10-15 10-16 */
    assert_date(cal_add_workdays(&c, day_of("2025-09-26"), 10), "2025-10-16");
    assert_date(cal_add_workdays(&c, day_of("2025-09-30"), 1), "2025-10-09");
}

static void test_year_end_crossing(void **state)
{
    (void)state;
    struct calendar c = builtin();
    /* 2026-01-01..03 off, 2026-01-04 (Sunday) is a make-up working day */
    assert_date(cal_add_workdays(&c, day_of("2025-12-31"), 1), "2026-01-04");
    assert_date(cal_add_workdays(&c, day_of("2025-12-31"), 2), "2026-01-05");
    assert_date(cal_add_workdays(&c, day_of("2026-01-04"), -1), "2025-12-31");
    assert_int_equal(cal_workdays_between(&c, day_of("2025-12-31"), day_of("2026-01-05")), 2);
    /* 2025-01-01 (Wednesday) is a holiday */
    assert_date(cal_add_workdays(&c, day_of("2024-12-31"), 1), "2025-01-02");
}

static void test_add_negative_workdays_counts_backwards(void **state)
{
    (void)state;
    struct calendar c = builtin();
    assert_date(cal_add_workdays(&c, day_of("2025-02-05"), -1), "2025-01-27");
    assert_date(cal_add_workdays(&c, day_of("2025-02-05"), -2), "2025-01-26");
    assert_date(cal_add_workdays(&c, day_of("2025-02-05"), -3), "2025-01-24");
    assert_date(cal_add_workdays(&c, day_of("2025-03-03"), -1), "2025-02-28");
    assert_date(cal_add_workdays(&c, day_of("2025-10-09"), -1), "2025-09-30");
}

static void test_add_large_negative_workdays(void **state)
{
    (void)state;
    /* a million working days back, and the count between agrees */
    int64_t d = cal_add_workdays(NULL, 0, -1000000);
    assert_true(d < -1000000);
    assert_int_equal(cal_workdays_between(NULL, d, 0), 1000000);
}

static void test_workdays_between_counts_half_open_interval(void **state)
{
    (void)state;
    struct calendar c = builtin();
    int64_t a = day_of("2025-01-27");
    assert_int_equal(cal_workdays_between(&c, a, a), 0);
    assert_int_equal(cal_workdays_between(&c, a, day_of("2025-02-05")), 1);
    assert_int_equal(cal_workdays_between(&c, a, day_of("2025-02-04")), 0);
    assert_int_equal(cal_workdays_between(&c, day_of("2025-01-24"), a), 2);
    /* (Fri, Sat]: an ordinary Saturday does not count, a make-up one does */
    assert_int_equal(cal_workdays_between(&c, day_of("2025-02-28"), day_of("2025-03-01")), 0);
    assert_int_equal(cal_workdays_between(&c, day_of("2025-02-07"), day_of("2025-02-08")), 1);
}

static void test_workdays_between_is_negative_when_reversed(void **state)
{
    (void)state;
    struct calendar c = builtin();
    int64_t a = day_of("2025-01-24"), b = day_of("2025-02-05");
    assert_int_equal(cal_workdays_between(&c, a, b), 3);
    assert_int_equal(cal_workdays_between(&c, b, a), -3);
}

static void test_working_days_per_year(void **state)
{
    (void)state;
    struct calendar c = builtin();
    assert_int_equal(cal_workdays_between(&c, day_of("2024-12-31"), day_of("2025-12-31")), 248);
    assert_int_equal(cal_workdays_between(&c, day_of("2025-12-31"), day_of("2026-12-31")), 248);
    assert_int_equal(cal_workdays_between(NULL, day_of("2024-12-31"), day_of("2025-12-31")), 261);
}

/* The fast counter agrees with a day-by-day count, and inverts cal_add_workdays. */
static void test_workdays_between_agrees_with_day_by_day_count(void **state)
{
    (void)state;
    struct calendar c = builtin();
    int64_t lo = day_of("2024-12-01"), hi = day_of("2027-01-31");
    for (int64_t a = lo; a <= hi; a += 3) {
        int slow = 0;
        for (int64_t b = a; b <= hi; b++) {
            if (b > a && cal_is_workday(&c, b))
                slow++;
            assert_int_equal(cal_workdays_between(&c, a, b), slow);
            assert_int_equal(cal_workdays_between(&c, b, a), -slow);
        }
    }
    for (int64_t d = lo; d <= hi; d++) {
        for (int n = 0; n <= 25; n++)
            assert_int_equal(cal_workdays_between(&c, d, cal_add_workdays(&c, d, n)), n);
        if (cal_is_workday(&c, d))
            for (int n = -25; n < 0; n++)
                assert_int_equal(cal_workdays_between(&c, d, cal_add_workdays(&c, d, n)), n);
    }
}

static void test_month_end_clamp(void **state)
{
    (void)state;
    assert_date(cal_add_months(day_of("2025-01-31"), 1), "2025-02-28");
    assert_date(cal_add_months(day_of("2024-01-31"), 1), "2024-02-29");
    assert_date(cal_add_months(day_of("2025-03-31"), 1), "2025-04-30");
    assert_date(cal_add_months(day_of("2025-03-31"), -1), "2025-02-28");
    assert_date(cal_add_months(day_of("2024-02-29"), 12), "2025-02-28");
    assert_date(cal_add_months(day_of("2025-08-31"), 6), "2026-02-28");
}

static void test_add_months_keeps_day_of_month(void **state)
{
    (void)state;
    int64_t d = day_of("2025-05-15");
    assert_int_equal(cal_add_months(d, 0), d);
    assert_date(cal_add_months(d, 1), "2025-06-15");
    assert_date(cal_add_months(d, 3), "2025-08-15");
    assert_date(cal_add_months(day_of("2025-11-15"), 3), "2026-02-15");
}

static void test_add_months_negative_crosses_year(void **state)
{
    (void)state;
    assert_date(cal_add_months(day_of("2025-01-15"), -1), "2024-12-15");
    assert_date(cal_add_months(day_of("2025-05-15"), -12), "2024-05-15");
    assert_date(cal_add_months(day_of("2025-02-28"), -25), "2023-01-28");
    assert_date(cal_add_months(day_of("1970-01-31"), -1), "1969-12-31");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_is_day_zero),
        cmocka_unit_test(test_civil_round_trip_over_many_years),
        cmocka_unit_test(test_weekday_is_monday_based),
        cmocka_unit_test(test_notice_weekdays_match_computed),
        cmocka_unit_test(test_parse_date_accepts_valid_dates),
        cmocka_unit_test(test_parse_date_rejects_feb_30),
        cmocka_unit_test(test_parse_date_rejects_feb_29_outside_leap_years),
        cmocka_unit_test(test_parse_date_rejects_out_of_range_fields),
        cmocka_unit_test(test_parse_date_rejects_malformed_text),
        cmocka_unit_test(test_parse_date_rejects_trailing_junk),
        cmocka_unit_test(test_format_date_round_trips),
        cmocka_unit_test(test_format_date_marks_unrepresentable_years),
        cmocka_unit_test(test_ordinary_weekdays_and_weekends),
        cmocka_unit_test(test_makeup_saturday_is_workday),
        cmocka_unit_test(test_makeup_sunday_is_workday),
        cmocka_unit_test(test_weekday_holiday_is_not_workday),
        cmocka_unit_test(test_empty_or_null_calendar_is_monday_to_friday),
        cmocka_unit_test(test_every_makeup_day_is_weekend_workday),
        cmocka_unit_test(test_every_holiday_is_not_workday),
        cmocka_unit_test(test_builtin_is_strictly_sorted_with_known_kinds),
        cmocka_unit_test(test_builtin_matches_notices),
        cmocka_unit_test(test_add_zero_workdays_returns_from_even_on_holiday),
        cmocka_unit_test(test_add_workdays_skips_spring_festival_2025),
        cmocka_unit_test(test_add_workdays_skips_spring_festival_2026),
        cmocka_unit_test(test_ten_workdays_across_national_day_2025),
        cmocka_unit_test(test_year_end_crossing),
        cmocka_unit_test(test_add_negative_workdays_counts_backwards),
        cmocka_unit_test(test_add_large_negative_workdays),
        cmocka_unit_test(test_workdays_between_counts_half_open_interval),
        cmocka_unit_test(test_workdays_between_is_negative_when_reversed),
        cmocka_unit_test(test_working_days_per_year),
        cmocka_unit_test(test_workdays_between_agrees_with_day_by_day_count),
        cmocka_unit_test(test_month_end_clamp),
        cmocka_unit_test(test_add_months_keeps_day_of_month),
        cmocka_unit_test(test_add_months_negative_crosses_year),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
