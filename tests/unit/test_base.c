/* Unit tests of src/base: JSON validation, CSV, UTF-8, time, arena, buffer, search tokens. */
#include "base/arena.h"
#include "base/buf.h"
#include "base/csv.h"
#include "base/table.h"
#include "base/textmask.h"
#include "base/textsim.h"
#include "base/grams.h"
#include "base/jsonv.h"
#include "base/jsonw.h"
#include "base/timeu.h"
#include "base/utf8.h"
#include "base/xlsx.h"
#include "base/xlsx_write.h"

#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static const struct jv_field spec[] = {
    {"name", JV_STRING, JV_REQUIRED, 0, 5},
    {"n", JV_INT, 0, 1, 10},
    {"day", JV_DATE, 0, 0, 0},
    {"tags", JV_STRING_ARRAY, 0, 0, 2},
    {"note", JV_STRING, JV_NULLABLE, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static enum err check(const char *text, char *msg)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    enum err e = jv_check(j, spec, msg, 256);
    json_decref(j);
    return e;
}

static void test_jsonv_accepts_valid_body(void **state)
{
    (void)state;
    char msg[256];
    assert_int_equal(check("{\"name\":\"督查室\",\"n\":3,\"day\":\"2024-02-29\",\"tags\":[\"a\"],\"note\":null}", msg),
                     ERR_OK);
}

static void test_jsonv_counts_characters_not_bytes(void **state)
{
    (void)state;
    char msg[256];
    assert_int_equal(check("{\"name\":\"一二三四五\"}", msg), ERR_OK);
    assert_int_equal(check("{\"name\":\"一二三四五六\"}", msg), ERR_INVALID);
    assert_non_null(strstr(msg, "name"));
}

static void test_jsonv_refuses_unknown_missing_wrong_type_range(void **state)
{
    (void)state;
    char msg[256];
    assert_int_equal(check("{\"name\":\"a\",\"extra\":1}", msg), ERR_INVALID);
    assert_non_null(strstr(msg, "extra"));
    assert_int_equal(check("{\"n\":2}", msg), ERR_INVALID);
    assert_non_null(strstr(msg, "必填"));
    assert_int_equal(check("{\"name\":7}", msg), ERR_INVALID);
    assert_int_equal(check("{\"name\":\"a\",\"n\":11}", msg), ERR_INVALID);
    assert_int_equal(check("{\"name\":\"a\",\"n\":1.5}", msg), ERR_INVALID);
    assert_int_equal(check("{\"name\":\"a\",\"day\":\"2023-02-29\"}", msg), ERR_INVALID);
    assert_int_equal(check("{\"name\":\"a\",\"day\":\"2023-13-01\"}", msg), ERR_INVALID);
    assert_int_equal(check("{\"name\":\"a\",\"tags\":[\"a\",\"b\",\"c\"]}", msg), ERR_INVALID);
    assert_int_equal(check("{\"name\":\"a\",\"tags\":[1]}", msg), ERR_INVALID);
    assert_int_equal(check("{\"name\":null}", msg), ERR_INVALID);
    assert_int_equal(check("{\"name\":\"\"}", msg), ERR_INVALID);
}

static void test_utf8_rejects_overlong_surrogates_and_nul(void **state)
{
    (void)state;
    assert_true(utf8_valid("督查abc", strlen("督查abc")));
    assert_false(utf8_valid("\xc0\xaf", 2));     /* overlong '/' */
    assert_false(utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    assert_false(utf8_valid("\xe7\x9d", 2));     /* truncated */
    assert_false(utf8_valid("a\0b", 3));
    assert_int_equal(utf8_count("督查室x"), 4);
}

static void test_utf8_inner_title_nests_book_title_marks(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    const char *plain = "城区燃气安全专项督查";
    assert_ptr_equal(utf8_inner_title(&a, plain), plain); /* nothing to change: no copy */
    assert_null(utf8_inner_title(&a, NULL));
    assert_string_equal(utf8_inner_title(&a, "贯彻落实《城镇燃气管理条例》和《安全生产法》情况"),
                        "贯彻落实〈城镇燃气管理条例〉和〈安全生产法〉情况");
    /* the other marks of the same block (、。〈〉「」) pass untouched */
    assert_string_equal(utf8_inner_title(&a, "「一、二」〈甲〉。《乙"), "「一、二」〈甲〉。〈乙");
    arena_free(&a);
}

static void test_csv_quotes_commas_newlines_and_bom(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF"
                       "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\n\nlast,,\n";
    struct csv_reader r;
    struct arena a = ARENA_INIT;
    char **f;
    csv_init(&r, text, strlen(text));
    assert_int_equal(csv_next(&r, &a, &f), 3);
    assert_string_equal(f[0], "a");
    assert_int_equal(csv_next(&r, &a, &f), 3);
    assert_string_equal(f[0], "x,1");
    assert_string_equal(f[1], "say \"hi\"");
    assert_string_equal(f[2], "two\nlines");
    assert_int_equal(r.record, 2); /* the quoted record started on line 2 and ran over two */
    assert_int_equal(csv_next(&r, &a, &f), 3);
    assert_int_equal(r.record, 5);
    assert_string_equal(f[0], "last");
    assert_string_equal(f[2], "");
    assert_int_equal(csv_next(&r, &a, &f), 0);
    csv_init(&r, "\"open", 5);
    assert_int_equal(csv_next(&r, &a, &f), -1);
    arena_free(&a);
}

/* Dates in messages and documents are written in words, not as ISO text. */
static void test_time_date_words(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    assert_string_equal(time_date_words(&a, "2026-03-03"), "2026年3月3日");
    assert_string_equal(time_date_words(&a, "2026-12-31T10:00:00Z"), "2026年12月31日");
    assert_string_equal(time_date_words(&a, "2026-13-01"), "");
    assert_string_equal(time_date_words(&a, "明天"), "");
    assert_string_equal(time_date_words(&a, NULL), "");
    arena_free(&a);
}

/* The reference: gmtime_r's fields printed. */
static const char *gmtime_text(int64_t x, char want[64])
{
    time_t tt = (time_t)x;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(want, 64, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    return want;
}

static void test_time_iso_round_trip_and_offsets(void **state)
{
    (void)state;
    int64_t t;
    char out[21], want[64];
    assert_true(time_parse_iso("2026-11-23T06:35:04Z", &t));
    time_format_iso(t, out);
    assert_string_equal(out, "2026-11-23T06:35:04Z");
    int64_t t2;
    assert_true(time_parse_iso("2026-11-23T14:35:04+08:00", &t2));
    assert_int_equal(t, t2);
    assert_true(time_parse_iso("2026-11-23T06:35:04.123Z", &t2));
    assert_int_equal(t, t2);
    assert_false(time_parse_iso("2026-11-23 06:35:04", &t2));
    assert_false(time_parse_iso("2026-11-23T06:35:04", &t2));
    assert_false(time_parse_iso("2026-13-23T06:35:04Z", &t2));
    /* the arithmetic gives gmtime_r's text: every day's first and last second from 1900 to 2200, instants
     * through the years, and before 1970 */
    for (int64_t s = -2208988800LL; s < 7258118400LL; s += 86400)
        for (int64_t x = s; x <= s + 86399; x += 86399) {
            time_format_iso(x, out);
            assert_string_equal(out, gmtime_text(x, want));
        }
    unsigned seed = 7;
    for (int k = 0; k < 200000; k++) {
        int64_t x = ((int64_t)rand_r(&seed) << 20 ^ rand_r(&seed)) % 253402300800LL - 62135596800LL / 2;
        time_format_iso(x, out);
        assert_string_equal(out, gmtime_text(x, want));
    }
}

static void test_local_day_in_shanghai(void **state)
{
    (void)state;
    assert_true(time_set_zone("Asia/Shanghai"));
    int64_t t;
    assert_true(time_parse_iso("2026-11-23T16:30:00Z", &t)); /* 00:30 on the 24th in Beijing */
    int64_t day = time_local_day(t);
    assert_true(time_parse_iso("2026-11-24T00:00:00Z", &t));
    assert_int_equal(day, t / 86400);
    assert_int_equal(time_local_instant(day, 0) % 86400, 16 * 3600);
    assert_false(time_set_zone("Mars/Olympus"));
}

static void test_arena_and_buffer(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    char *big = arena_alloc(&a, 100000);
    memset(big, 1, 100000);
    assert_string_equal(arena_printf(&a, "%s-%d", "督", 7), "督-7");
    arena_free(&a);
    struct buf b = {.max = 8};
    assert_true(buf_puts(&b, "12345678"));
    assert_false(buf_puts(&b, "9"));
    assert_int_equal(b.len, 8);
    buf_free(&b);
}

/* Strings take unaligned, unzeroed bytes; every arena_alloc after them is aligned and zeroed, in the same
 * block and in new ones, and a large one-off block leaves the current block serving small ones. */
static void test_arena_strings_pack_and_allocations_stay_aligned(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    const char *first = arena_strdup(&a, "督");
    for (int i = 0; i < 5000; i++) {
        const char *s = arena_printf(&a, "%.*s", i % 13, "督查督办事项台账");
        assert_int_equal(strlen(s), (size_t)(i % 13));
        unsigned char *p = arena_alloc(&a, (size_t)(i % 40) + 1);
        assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
        for (int k = 0; k < i % 40 + 1; k++)
            assert_int_equal(p[k], 0);
        memset(p, 0xff, (size_t)(i % 40) + 1);
        char *t = arena_strndup(&a, "abcdef", (size_t)(i % 7));
        assert_int_equal(strlen(t), (size_t)(i % 7));
        if (i == 2500) {
            unsigned char *big = arena_alloc(&a, 20000);
            assert_int_equal((uintptr_t)big % alignof(max_align_t), 0);
            assert_int_equal(big[0] | big[19999], 0);
        }
    }
    char *two = arena_strdup(&a, "ab"), *three = arena_strdup(&a, "cde");
    assert_ptr_equal(three, two + 3); /* packed: no alignment between strings */
    assert_string_equal(first, "督");
    arena_free(&a);
}

struct pair {
    int64_t id;
    const char *name;
};

static void test_arena_grow_keeps_elements_and_doubles(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    struct pair *v = NULL;
    int n = 0, cap = 0;
    const struct pair *before = NULL;
    for (int i = 0; i < 1000; i++) {
        int had = cap;
        v = arena_grow(&a, v, n, &cap, sizeof *v);
        if (n < had)
            assert_ptr_equal(v, before); /* room left: the same array */
        else
            assert_int_equal(cap, had ? had * 2 : 8);
        v[n++] = (struct pair){i, arena_printf(&a, "单位%d", i)};
        before = v;
    }
    assert_int_equal(cap, 1024);
    for (int i = 0; i < n; i++) {
        assert_int_equal(v[i].id, i);
        char want[32];
        snprintf(want, sizeof want, "单位%d", i);
        assert_string_equal(v[i].name, want);
    }
    /* a caller's own array of 3 (full) grows to 6, its elements copied */
    int64_t *own = arena_alloc(&a, sizeof *own * 3);
    own[0] = 7, own[1] = 8, own[2] = 9;
    int ocap = 3;
    int64_t *more = arena_grow(&a, own, 3, &ocap, sizeof *own);
    assert_ptr_not_equal(more, own);
    assert_int_equal(ocap, 6);
    assert_int_equal(more[0] + more[1] + more[2], 24);
    arena_free(&a);
}

static void test_csv_writer_guards_every_formula_start(void **state)
{
    (void)state;
    struct buf b = {0};
    const char *in[] = {"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "a,b", "say \"hi\""};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        csv_write_field(&b, in[i], i + 1 == sizeof in / sizeof *in);
    assert_string_equal(b.data, "\"'=1+1\",\"'+1\",\"'-1\",\"'@SUM(A1)\",\"'\tx\",\"'\rx\",plain,\"a,b\","
                                "\"say \"\"hi\"\"\"\r\n");
    /* read back: the same values, once the reader drops the guard */
    struct csv_reader r;
    struct arena a = ARENA_INIT;
    char **f;
    csv_init(&r, b.data, b.len);
    assert_int_equal(csv_next(&r, &a, &f), 9);
    for (int i = 0; i < 9; i++)
        assert_string_equal(csv_unguard(f[i]), in[i]);
    assert_string_equal(csv_unguard("'plain"), "'plain");
    arena_free(&a);
    buf_free(&b);
}

/* "tok@pos" for each token, tails marked "+", separated by spaces. */
static int gram_cat(void *arg, const struct gram *g)
{
    struct buf *b = arg;
    buf_printf(b, "%s%s%s@%d", b->len ? " " : "", g->kind == GRAM_TAIL ? "+" : "", g->text, g->pos);
    return 0;
}

static char *grams_of(const char *text, bool document)
{
    struct buf b = {0};
    grams_each(text, strlen(text), document, gram_cat, &b);
    return buf_take(&b);
}

static void expect_grams(const char *text, bool document, const char *want)
{
    char *got = grams_of(text, document);
    assert_string_equal(got, want);
    free(got);
}

static void expect_masked(const char *text, const char *name, const char *phone, const char *email, const char *want,
                          int n)
{
    struct arena a = ARENA_INIT;
    int got_n = -1;
    char *got = text_mask_contacts(&a, text, name, phone, email, &got_n);
    if (strcmp(got, want) || got_n != n)
        fail_msg("masked %s\n got %s (%d)\nwant %s (%d)", text, got, got_n, want, n);
    arena_free(&a);
}

static void test_textmask_hides_the_writer_phones_emails_and_id_numbers(void **state)
{
    (void)state;
    /* the writer's own name, phone (any format) and e-mail, wherever they occur */
    expect_masked("我是甄秘密，电话8765-4321，邮箱Zhen.Mi@Example.CN，甄秘密再次反映", "甄秘密", "87654321",
                  "zhen.mi@example.cn",
                  "我是【姓名已隐去】，电话【电话已隐去】，邮箱【邮箱已隐去】，【姓名已隐去】再次反映", 4);
    /* mobile numbers as people write them, with +86, spaces, dashes, full-width digits */
    expect_masked("手机13912348765或+86 139 1234 8765，139-1234-8765，１３９１２３４８７６５。", NULL, NULL, NULL,
                  "手机【电话已隐去】或【电话已隐去】，【电话已隐去】，【电话已隐去】。", 4);
    /* landlines with their area code; another e-mail; an ID card number */
    expect_masked("座机0371-6688 1234、(010)12345678，写信 wang_5@mail.qq.com. 身份证41010519800101123X号", NULL, NULL,
                  NULL, "座机【电话已隐去】、【电话已隐去】，写信 【邮箱已隐去】. 身份证【证件号已隐去】号", 4);
    /* what is not a contact stays: dates, amounts, road numbers, a one-character name, a run glued to digits */
    const char *plain = "2026年3月12日起，县道K12处塌陷3.5米，投入12000000元，王说已两周，编号202613912348765";
    expect_masked(plain, "王", "12", NULL, plain, 0);
    /* a number after a date in one run of spaces is still a phone; the same part found twice is one */
    expect_masked("2026 13912348765", NULL, "139 1234 8765", NULL, "2026 【电话已隐去】", 1);
    expect_masked("", "甄秘密", NULL, NULL, "", 0);
}

static void test_grams_bigrams_words_and_tails(void **state)
{
    (void)state;
    expect_grams("交通运输", false, "交通@0 通运@1 运输@2");
    expect_grams("交通运输", true, "交通@0 通运@1 运输@2 +输@2");
    expect_grams("督", true, "督@0");
    /* punctuation separates runs; ASCII words are lower-cased, full-width ones folded */
    expect_grams("古督〔2026〕15号", true, "古督@0 +督@0 2026@1 15@2 号@3");
    expect_grams("古督〔２０２６〕１５号", false, "古督@0 2026@1 15@2 号@3");
    expect_grams("Water supply, 12 villages!", false, "water@0 supply@1 12@2 villages@3");
    expect_grams("城区交通“信号灯”智能化", false, "城区@0 区交@1 交通@2 信号@3 号灯@4 智能@5 能化@6");
    expect_grams("  ，。！ ", true, "");
    /* invalid UTF-8 separates, never crashes; words are cut at GRAM_MAX bytes */
    expect_grams("交\xff"
                 "通",
                 true, "交@0 通@1");
    expect_grams("ÿé", true, "ÿé@0 +é@0"); /* other scripts are ideograph runs too */
    char longw[200];
    memset(longw, 'a', sizeof longw - 1);
    longw[sizeof longw - 1] = 0;
    char *got = grams_of(longw, true);
    assert_int_equal(strlen(got), GRAM_MAX + 2);
    free(got);
}

static void test_table_rows_trimmed_numbered_and_found_by_heading(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    struct table t;
    char msg[200];
    const char *text = "\xEF\xBB\xBF"
                       "名称, 代码 \n\n\xE3\x80\x80甲\xE3\x80\x80,a1\n\"乙\n丙\",b2\n";
    assert_int_equal(table_read(&a, text, strlen(text), &t, msg, sizeof msg), ERR_OK);
    assert_int_equal(t.nrows, 3);
    assert_int_equal(t.row_no[1], 3); /* the blank line counts, as a spreadsheet shows it */
    assert_int_equal(t.row_no[2], 4);
    assert_string_equal(t.rows[1][0], "甲"); /* full-width spaces trimmed */
    static const char *const headings[2][8] = {{"代码", "code", NULL}, {"上级", NULL}};
    int col[2];
    table_columns(&t, headings, 2, col);
    assert_int_equal(col[0], 1); /* " 代码 " trimmed */
    assert_int_equal(col[1], -1);
    assert_string_equal(table_cell(&t, 2, col[0]), "b2");
    assert_string_equal(table_cell(&t, 2, col[1]), "");
    assert_string_equal(table_cell(&t, 9, 0), "");
    assert_string_equal(table_column_name(&a, 0), "A");
    assert_string_equal(table_column_name(&a, 25), "Z");
    assert_string_equal(table_column_name(&a, 26), "AA");
    assert_string_equal(table_column_name(&a, 27), "AB");
    assert_int_equal(table_read(&a, "\xff\xfe", 2, &t, msg, sizeof msg), ERR_INVALID);
    assert_non_null(strstr(msg, "UTF-8"));
    assert_int_equal(table_read(&a, "PK\3\4junk", 8, &t, msg, sizeof msg), ERR_INVALID);
    assert_non_null(strstr(msg, "XLSX"));
    assert_int_equal(table_read(&a, "a,\"b", 4, &t, msg, sizeof msg), ERR_INVALID);
    assert_int_equal(table_read(&a, "\n\n", 2, &t, msg, sizeof msg), ERR_INVALID);
    arena_free(&a);
}

/* The streamed XLSX writer: what it writes reads back (base/xlsx.c) cell for cell, escaped, dated, in
 * place, and rows out of order fail the workbook. */
static void test_xlsx_writer_round_trip(void **state)
{
    (void)state;
    char dir[] = "/tmp/ducha-xlsxw-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/t.xlsx", dir);
    const struct xlsxw_format f[] = {{.bold = true, .fill = 0xD9E1F2}, {.numfmt = "yyyy-mm-dd"}};
    const struct xlsxw_col cols[] = {{"编号", 10, 0}, {"督办事项", 30, 0}, {"日期", 12, 2}};
    struct xlsxw *w = xlsxw_open(path, dir, f, 2);
    assert_non_null(w);
    assert_int_equal(xlsxw_sheet(w, "督办台账", cols, 3, 1), 0);
    assert_int_equal(xlsxw_sheet(w, "它's", cols, 2, 1), 1);
    xlsxw_text(w, 0, 1, 0, "A&B<1>", 0);
    xlsxw_text(w, 0, 1, 1, " 前后有空格 ", 0);
    xlsxw_datetime(w, 0, 1, 2, 2026, 5, 1, 0, 0, 2);
    xlsxw_number(w, 0, 2, 0, -7, 0);
    xlsxw_text(w, 0, 2, 1, "换\n行\x01", 0); /* a control character: written as _x0001_ */
    xlsxw_number(w, 0, 2, 2, 0.25, 0);
    xlsxw_text(w, 0, 4, 1, "第五行", 0); /* row 4 (the fourth data row) skipped a row */
    xlsxw_text(w, 1, 1, 0, "另一张表", 0);
    assert_true(xlsxw_ok(w));
    assert_int_equal(xlsxw_rows(w, 0), 5);
    xlsxw_autofilter(w, 0);
    char err[128] = "";
    assert_true(xlsxw_close(w, err, sizeof err));

    struct arena a = ARENA_INIT;
    struct xlsx_sheet s;
    char msg[128];
    assert_int_equal(xlsx_read(&a, path, &s, msg, sizeof msg), ERR_OK);
    assert_int_equal(s.nrows, 4);
    assert_string_equal(s.rows[0].cells[1], "督办事项");
    assert_string_equal(s.rows[1].cells[0], "A&B<1>");
    assert_string_equal(s.rows[1].cells[1], " 前后有空格 ");
    assert_string_equal(s.rows[1].cells[2], "46143");
    char day[11];
    assert_true(xlsx_date(s.rows[1].cells[2], day));
    assert_string_equal(day, "2026-05-01");
    assert_string_equal(s.rows[2].cells[0], "-7");
    assert_string_equal(s.rows[2].cells[1], "换\n行_x0001_");
    assert_string_equal(s.rows[2].cells[2], "0.25");
    assert_int_equal(s.rows[3].number, 5);
    assert_string_equal(s.rows[3].cells[1], "第五行");
    assert_true(xlsxw_serial(2026, 5, 1, 12, 0) == 46143.5);
    assert_true(xlsxw_serial(1900, 3, 1, 0, 0) == 61);
    unlink(path);

    /* a row before the open one: the workbook fails, and no file is left */
    w = xlsxw_open(path, dir, f, 2);
    assert_int_equal(xlsxw_sheet(w, "表", cols, 3, 1), 0);
    xlsxw_text(w, 0, 3, 0, "x", 0);
    xlsxw_text(w, 0, 2, 0, "y", 0);
    assert_false(xlsxw_ok(w));
    assert_false(xlsxw_close(w, err, sizeof err));
    assert_true(*err);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(rmdir(dir), 0); /* the sheets' temporary files are gone too */
    arena_free(&a);
}

/* The JSON writer: commas, escapes, integers at their limits, and a capped buffer that leaves a value out whole. */
static void test_jsonw_values_escapes_and_cap(void **state)
{
    (void)state;
    struct buf b = {0};
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "s", "a\"b\\c\nd\re\tf\x01g\b\f\x1f 交通");
    jw_kint(&w, "min", INT64_MIN);
    jw_kint(&w, "max", INT64_MAX);
    jw_kint(&w, "zero", 0);
    jw_kint(&w, "neg", -42);
    jw_key(&w, "arr");
    jw_arr(&w);
    jw_bool(&w, true);
    jw_bool(&w, false);
    jw_null(&w);
    jw_str(&w, NULL);
    jw_strn(&w, "xy", 1);
    jw_obj(&w);
    jw_end_obj(&w);
    jw_tenths(&w, 284);
    jw_tenths(&w, 280);
    jw_tenths(&w, 5);
    jw_tenths(&w, -15);
    jw_tenths(&w, 0);
    jw_raw(&w, "{\"a\":[1]}", 9);
    jw_end_arr(&w);
    jw_kstr(&w, "k\"q", "");
    jw_key(&w, "tags");
    jw_csv(&w, ",重点,,民生,x");
    jw_key(&w, "none");
    jw_csv(&w, NULL);
    jw_end_obj(&w);
    assert_string_equal(b.data,
                        "{\"s\":\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\b\\f\\u001F 交通\",\"min\":-9223372036854775808,"
                        "\"max\":9223372036854775807,\"zero\":0,\"neg\":-42,"
                        "\"arr\":[true,false,null,null,\"x\",{},28.4,28,0.5,-1.5,0,{\"a\":[1]}],\"k\\\"q\":\"\","
                        "\"tags\":[\"重点\",\"民生\",\"x\"],\"none\":[]}");
    buf_free(&b);
    struct buf capped = {.max = 12};
    jw_init(&w, &capped);
    jw_arr(&w);
    jw_str(&w, "abc");
    jw_str(&w, "toolongvalue");
    jw_int(&w, 7);
    jw_end_arr(&w);
    assert_string_equal(capped.data, "[\"abc\",7]");
    buf_free(&capped);
}

/* The reference: one byte at a time. */
static void escape_ref(struct buf *b, const unsigned char *s, size_t n)
{
    buf_puts(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = s[i];
        if (ch == '"' || ch == '\\')
            buf_printf(b, "\\%c", ch);
        else if (ch == '\b' || ch == '\f' || ch == '\n' || ch == '\r' || ch == '\t')
            buf_printf(b, "\\%c", "btn?fr"[ch - '\b']);
        else if (ch < 0x20)
            buf_printf(b, "\\u%04X", ch); /* as jansson writes them */
        else
            buf_append(b, &ch, 1);
    }
    buf_puts(b, "\"");
}

/* Every byte value at every place of strings of 1 to 24 bytes (of ASCII or of UTF-8's high bytes around it) is
 * escaped as the byte-by-byte reference escapes it. */
static void test_jsonw_strings_escaped_at_every_place(void **state)
{
    (void)state;
    for (int bg = 0; bg < 2; bg++)
        for (size_t n = 1; n <= 24; n++)
            for (size_t at = 0; at < n; at++)
                for (int v = 0; v < 256; v++) {
                    unsigned char s[24];
                    for (size_t i = 0; i < n; i++)
                        s[i] = bg ? (unsigned char)(0x80 + (i * 37) % 0x40) : (unsigned char)('a' + i % 26);
                    s[at] = (unsigned char)v;
                    struct buf got = {0}, want = {0};
                    struct jw w;
                    jw_init(&w, &got);
                    jw_strn(&w, (const char *)s, n);
                    escape_ref(&want, s, n);
                    assert_int_equal(got.len, want.len);
                    assert_memory_equal(got.data, want.data, want.len);
                    buf_free(&got);
                    buf_free(&want);
                }
}

/* A random JSON value of at most depth levels (strings of any byte below 0x80 and of UTF-8, NUL included). */
static json_t *random_json(unsigned *seed, int depth)
{
    static const char *const words[] = {"督办", "交通", "a/b", "\xe2\x80\xa8", "", "x\x7f", "名木"};
    int kind = rand_r(seed) % (depth > 0 ? 9 : 7);
    switch (kind) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(rand_r(seed) % 2);
    case 2:
        return json_integer((json_int_t)rand_r(seed) * (rand_r(seed) % 2 ? -1 : 1) *
                            (rand_r(seed) % 3 ? 1 : 4294967296LL));
    case 3: {
        static const double reals[] = {0.5, -2.25, 1e300, 3.0, 0.1, -0.0, 123456789.125, 1e-7};
        return json_real(reals[rand_r(seed) % 8]);
    }
    case 4:
    case 5: {
        char s[40];
        size_t n = (size_t)(rand_r(seed) % 40);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(rand_r(seed) % 0x80);
        return json_stringn(s, n);
    }
    case 6:
        return json_string(words[rand_r(seed) % 7]);
    case 7: {
        json_t *a = json_array();
        for (int k = rand_r(seed) % 5; k > 0; k--)
            json_array_append_new(a, random_json(seed, depth - 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (int k = rand_r(seed) % 5; k > 0; k--) {
            char key[8];
            size_t n = (size_t)(rand_r(seed) % 7);
            for (size_t i = 0; i < n; i++)
                key[i] = (char)(rand_r(seed) % 0x80);
            json_object_setn_new(o, key, n, random_json(seed, depth - 1));
        }
        return o;
    }
    }
}

/* jw_json writes a jansson tree byte for byte as json_dumps(JSON_COMPACT): members in their order, every escape,
 * reals, NUL in strings and keys, and structures deeper than the writer's stack. */
static void test_jsonw_tree_as_jansson_writes_it(void **state)
{
    (void)state;
    {
        /* NULL (a member json_pack could not make) is written as null, not followed */
        struct buf b = {0};
        struct jw w;
        jw_init(&w, &b);
        jw_arr(&w);
        jw_json(&w, NULL);
        jw_end_arr(&w);
        assert_string_equal(b.data, "[null]");
        buf_free(&b);
    }
    unsigned seed = 2026;
    for (int round = 0; round < 3000; round++) {
        json_t *v = random_json(&seed, 4);
        if (round % 100 == 0) /* deeper than JW_DEPTH: the inner levels written by jansson */
            for (int d = 0; d < JW_DEPTH + 4; d++)
                v = d % 2 ? json_pack("[o]", v) : json_pack("{so}", "k", v);
        char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        assert_non_null(want);
        struct buf got = {0};
        struct jw w;
        jw_init(&w, &got);
        jw_json(&w, v);
        assert_int_equal(w.depth, 0);
        assert_int_equal(got.len, strlen(want));
        assert_memory_equal(got.data, want, got.len);
        free(want);
        buf_free(&got);
        json_decref(v);
    }
}

/* Keys quoted by the compiler (JW_K) write the bytes jw_key writes: first in an object and after a value, in a
 * nested object and an array's object, and over a cap the key is left out with its value. */
static void test_jsonw_compiled_keys_write_the_same_bytes(void **state)
{
    (void)state;
    struct buf b = {0};
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_qkint(&w, JW_K("id"), 7);
    jw_qkstr(&w, JW_K("title"), "督办\"事项\"");
    jw_qkstr(&w, JW_K("leader_name"), NULL);
    jw_qkbool(&w, JW_K("escalated"), false);
    jw_qkey(&w, JW_K("tracks"));
    jw_arr(&w);
    jw_obj(&w);
    jw_qkint(&w, JW_K("unit_id"), -1);
    jw_end_obj(&w);
    jw_end_arr(&w);
    jw_end_obj(&w);
    struct buf r = {0};
    jw_init(&w, &r);
    jw_obj(&w);
    jw_kint(&w, "id", 7);
    jw_kstr(&w, "title", "督办\"事项\"");
    jw_kstr(&w, "leader_name", NULL);
    jw_kbool(&w, "escalated", false);
    jw_key(&w, "tracks");
    jw_arr(&w);
    jw_obj(&w);
    jw_kint(&w, "unit_id", -1);
    jw_end_obj(&w);
    jw_end_arr(&w);
    jw_end_obj(&w);
    assert_string_equal(b.data, r.data);
    assert_string_equal(b.data, "{\"id\":7,\"title\":\"督办\\\"事项\\\"\",\"leader_name\":null,\"escalated\":false,"
                                "\"tracks\":[{\"unit_id\":-1}]}");
    buf_free(&b);
    buf_free(&r);
    struct buf capped = {.max = 14};
    jw_init(&w, &capped);
    jw_obj(&w);
    jw_qkint(&w, JW_K("a"), 1);
    jw_qkey(&w, JW_K("toolongkey"));
    jw_end_obj(&w);
    assert_string_equal(capped.data, "{\"a\":1}");
    buf_free(&capped);
}

/* The bigram set is sorted and distinct whichever sort runs (a short text in place, a long one by qsort), and
 * Dice compares texts by it. */
static void test_textsim_bigrams_sorted_distinct_and_dice(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    struct bigrams x, y, z, big;
    text_bigrams(&a, "解放路 井盖破损，解放路井盖", 0, &x);
    /* 解放 放路 | 井盖 盖破 破损 | 解放 放路 路井 井盖: 6 distinct */
    assert_int_equal(x.n, 6);
    for (int i = 1; i < x.n; i++)
        assert_true(x.keys[i - 1] < x.keys[i]);
    text_bigrams(&a, "解放路井盖破损", 0, &y);
    text_bigrams(&a, "Road", 0, &z);
    assert_true(text_dice(&x, &y) > 0.8);
    assert_true(text_dice(&x, &z) == 0);
    char *long_text = arena_alloc(&a, 3 * 300 + 1);
    for (int i = 0; i < 300; i++)
        memcpy(long_text + 3 * i, i % 3 == 0 ? "甲" : i % 3 == 1 ? "乙" : "丙", 3);
    long_text[900] = 0;
    text_bigrams(&a, long_text, 0, &big); /* 299 keys before the distinct pass: qsort */
    assert_int_equal(big.n, 3);           /* 甲乙 乙丙 丙甲 */
    for (int i = 1; i < big.n; i++)
        assert_true(big.keys[i - 1] < big.keys[i]);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_date_words),
        cmocka_unit_test(test_jsonv_accepts_valid_body),
        cmocka_unit_test(test_jsonv_counts_characters_not_bytes),
        cmocka_unit_test(test_jsonv_refuses_unknown_missing_wrong_type_range),
        cmocka_unit_test(test_utf8_rejects_overlong_surrogates_and_nul),
        cmocka_unit_test(test_utf8_inner_title_nests_book_title_marks),
        cmocka_unit_test(test_csv_quotes_commas_newlines_and_bom),
        cmocka_unit_test(test_csv_writer_guards_every_formula_start),
        cmocka_unit_test(test_table_rows_trimmed_numbered_and_found_by_heading),
        cmocka_unit_test(test_time_iso_round_trip_and_offsets),
        cmocka_unit_test(test_local_day_in_shanghai),
        cmocka_unit_test(test_arena_and_buffer),
        cmocka_unit_test(test_arena_grow_keeps_elements_and_doubles),
        cmocka_unit_test(test_arena_strings_pack_and_allocations_stay_aligned),
        cmocka_unit_test(test_grams_bigrams_words_and_tails),
        cmocka_unit_test(test_textmask_hides_the_writer_phones_emails_and_id_numbers),
        cmocka_unit_test(test_xlsx_writer_round_trip),
        cmocka_unit_test(test_jsonw_values_escapes_and_cap),
        cmocka_unit_test(test_jsonw_strings_escaped_at_every_place),
        cmocka_unit_test(test_jsonw_tree_as_jansson_writes_it),
        cmocka_unit_test(test_jsonw_compiled_keys_write_the_same_bytes),
        cmocka_unit_test(test_textsim_bigrams_sorted_distinct_and_dice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
