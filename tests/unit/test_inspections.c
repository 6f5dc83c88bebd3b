/* test_inspections.c: the pure parts of the inspection module: reading and stripping the location of photos
 * and videos (base/media.c), and the bigrams and Dice coefficient of the no-duplication check (dup.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/arena.h"
#include "base/media.h"
#include "inspections/insp_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- media ---- */

static size_t put(unsigned char *b, size_t n, const void *p, size_t k)
{
    memcpy(b + n, p, k);
    return n + k;
}

/* A TIFF writer in either byte order. */
struct tw {
    unsigned char *b;
    size_t t;
    bool le;
};

static void w16(struct tw *w, unsigned v)
{
    w->b[w->t++] = (unsigned char)(w->le ? v : v >> 8);
    w->b[w->t++] = (unsigned char)(w->le ? v >> 8 : v);
}

static void w32(struct tw *w, uint32_t v)
{
    if (w->le) {
        w16(w, v & 0xFFFF);
        w16(w, v >> 16);
    } else {
        w16(w, v >> 16);
        w16(w, v & 0xFFFF);
    }
}

/* A JPEG with Exif (big or little endian TIFF) holding GPS lat/lon and DateTimeOriginal, an XMP APP1 and a
 * comment; *n its length. */
static unsigned char *jpeg(bool le, double lat, char latref, double lon, char lonref, size_t *n)
{
    unsigned char tiff[256] = {0};
    struct tw w = {tiff, 0, le};
    memcpy(tiff, le ? "II*\0" : "MM\0*", 4);
    w.t = 4;
    w32(&w, 8);
    /* IFD0 at 8: GPS pointer, Exif pointer */
    w16(&w, 2);
    w16(&w, 0x8825);
    w16(&w, 4);
    w32(&w, 1);
    w32(&w, 38);
    w16(&w, 0x8769);
    w16(&w, 4);
    w32(&w, 1);
    w32(&w, 92);
    w32(&w, 0);
    /* GPS IFD at 38: 4 entries (2 + 4*12 + 4 = 54 bytes) → rationals at 92 + 18 = 110 */
    w16(&w, 4);
    w16(&w, 1);
    w16(&w, 2);
    w32(&w, 2);
    tiff[w.t++] = (unsigned char)latref, tiff[w.t++] = 0, tiff[w.t++] = 0, tiff[w.t++] = 0;
    w16(&w, 2);
    w16(&w, 5);
    w32(&w, 3);
    w32(&w, 110);
    w16(&w, 3);
    w16(&w, 2);
    w32(&w, 2);
    tiff[w.t++] = (unsigned char)lonref, tiff[w.t++] = 0, tiff[w.t++] = 0, tiff[w.t++] = 0;
    w16(&w, 4);
    w16(&w, 5);
    w32(&w, 3);
    w32(&w, 134);
    w32(&w, 0);
    /* Exif IFD at 92: DateTimeOriginal at 158 */
    w16(&w, 1);
    w16(&w, 0x9003);
    w16(&w, 2);
    w32(&w, 20);
    w32(&w, 158);
    w32(&w, 0);
    /* rationals */
    double v[2] = {lat, lon};
    for (int k = 0; k < 2; k++) {
        int d = (int)v[k], m = (int)((v[k] - d) * 60);
        double s = ((v[k] - d) * 60 - m) * 60;
        w32(&w, d);
        w32(&w, 1);
        w32(&w, m);
        w32(&w, 1);
        w32(&w, (uint32_t)llround(s * 1000));
        w32(&w, 1000);
    }
    memcpy(tiff + w.t, "2026:03:05 10:12:00", 20);
    w.t += 20;
    size_t t = w.t;
    unsigned char *b = malloc(1024);
    size_t k = 0;
    k = put(b, k, "\xFF\xD8", 2);
    unsigned char app1[4] = {0xFF, 0xE1, (unsigned char)((t + 8) >> 8), (unsigned char)(t + 8)};
    k = put(b, k, app1, 4);
    k = put(b, k, "Exif\0\0", 6);
    k = put(b, k, tiff, t);
    const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude</x:xmpmeta>";
    unsigned char app1x[4] = {0xFF, 0xE1, 0, (unsigned char)(sizeof xmp - 1 + 2)};
    k = put(b, k, app1x, 4);
    k = put(b, k, xmp, sizeof xmp - 1);
    k = put(b, k, "\xFF\xFE\x00\x07secret", 9);
    k = put(b, k, "\xFF\xDB\x00\x04\x01\x02", 6);
    k = put(b, k, "\xFF\xDA\x00\x02", 4);
    for (int i = 0; i < 50; i++)
        b[k++] = (unsigned char)(i * 5);
    k = put(b, k, "\xFF\xD9", 2);
    *n = k;
    return b;
}

static void test_jpeg_location_is_read_and_stripped(void **state)
{
    (void)state;
    for (int le = 0; le < 2; le++) {
        size_t n;
        unsigned char *b = jpeg(le, 35.6180, 'N', 111.3520, 'E', &n);
        struct media_meta m;
        assert_int_equal(media_sniff(b, n), MEDIA_JPEG);
        assert_true(media_meta(b, n, &m));
        assert_true(m.has_location);
        assert_true(fabs(m.lat - 35.618) < 1e-4 && fabs(m.lon - 111.352) < 1e-4);
        assert_string_equal(m.taken, "2026:03:05 10:12:00");
        unsigned char *out = malloc(n);
        size_t cn = media_strip(b, n, out);
        assert_true(cn > 0 && cn < n);
        assert_null(memmem(out, cn, "Exif", 4));
        assert_null(memmem(out, cn, "GPSLatitude", 11));
        assert_null(memmem(out, cn, "secre", 5));
        assert_memory_equal(out + cn - 2, "\xFF\xD9", 2);
        assert_non_null(memmem(out, cn, "\xFF\xDB\x00\x04\x01\x02", 6)); /* the image itself stays */
        struct media_meta again;
        assert_true(media_meta(out, cn, &again));
        assert_false(again.has_location);
        assert_string_equal(again.taken, "");
        free(out);
        free(b);
    }
}

static void test_south_and_west_are_negative(void **state)
{
    (void)state;
    size_t n;
    unsigned char *b = jpeg(false, 33.5, 'S', 70.25, 'W', &n);
    struct media_meta m;
    assert_true(media_meta(b, n, &m));
    assert_true(fabs(m.lat + 33.5) < 1e-4 && fabs(m.lon + 70.25) < 1e-4);
    free(b);
}

static void test_broken_files_are_refused(void **state)
{
    (void)state;
    size_t n;
    unsigned char *b = jpeg(true, 35, 'N', 111, 'E', &n), out[2048];
    /* a segment length that runs past the end */
    unsigned char bad[8] = {0xFF, 0xD8, 0xFF, 0xE1, 0x7F, 0xFF, 'E', 'x'};
    assert_int_equal(media_strip(bad, sizeof bad, out), 0);
    /* cut before the image data */
    assert_int_equal(media_strip(b, 40, out), 0);
    assert_int_equal(media_sniff((const unsigned char *)"<html>", 6), MEDIA_UNKNOWN);
    struct media_meta m;
    assert_false(media_meta((const unsigned char *)"GIF89a", 6, &m));
    free(b);
}

static uint32_t be(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return v;
}

static void test_png_text_chunks_go(void **state)
{
    (void)state;
    unsigned char b[256], out[256];
    size_t n = put(b, 0, "\x89PNG\r\n\x1a\n", 8);
    const char *chunks[][2] = {
        {"IHDR", "0123456789abc"}, {"tEXt", "Author\0someone"}, {"IDAT", "pixels"}, {"IEND", ""}};
    for (int i = 0; i < 4; i++) {
        size_t len = i == 1 ? 14 : strlen(chunks[i][1]);
        be(b + n, (uint32_t)len);
        n += 4;
        n = put(b, n, chunks[i][0], 4);
        n = put(b, n, chunks[i][1], len);
        n = put(b, n, "CRC!", 4);
    }
    assert_int_equal(media_sniff(b, n), MEDIA_PNG);
    size_t cn = media_strip(b, n, out);
    assert_int_equal(cn, n - (12 + 14));
    assert_null(memmem(out, cn, "someone", 7));
    assert_non_null(memmem(out, cn, "pixels", 6));
}

static void test_mp4_location_boxes_become_free(void **state)
{
    (void)state;
    /* ftyp, moov { udta { ©xyz "+31.2304+121.4737/" } }, mdat */
    unsigned char b[256], out[256];
    size_t n = 0;
    be(b, 16), memcpy(b + 4, "ftypisom", 8), be(b + 12, 0);
    n = 16;
    const char loc[] = "+31.2304+121.4737/";
    uint32_t xyz = 8 + 4 + (uint32_t)strlen(loc), udta = 8 + xyz, moov = 8 + udta;
    be(b + n, moov), memcpy(b + n + 4, "moov", 4), n += 8;
    be(b + n, udta), memcpy(b + n + 4, "udta", 4), n += 8;
    be(b + n, xyz), memcpy(b + n + 4, "\xA9xyz", 4), n += 8;
    b[n++] = 0, b[n++] = (unsigned char)strlen(loc), b[n++] = 0x15, b[n++] = 0xC7;
    n = put(b, n, loc, strlen(loc));
    be(b + n, 12), memcpy(b + n + 4, "mdatDATA", 8), n += 12;
    struct media_meta m;
    assert_int_equal(media_sniff(b, n), MEDIA_MP4);
    assert_true(media_meta(b, n, &m));
    assert_true(m.has_location && fabs(m.lat - 31.2304) < 1e-6 && fabs(m.lon - 121.4737) < 1e-6);
    assert_int_equal(media_strip(b, n, out), n);
    assert_null(memmem(out, n, "\xA9xyz", 4));
    assert_non_null(memmem(out, n, "free", 4));
    assert_true(media_meta(out, n, &m));
    assert_false(m.has_location);
}

/* ---- bigrams ---- */

static void test_bigrams_ignore_spaces_punctuation_and_case(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    const char **g;
    int n = insp_bigrams(&a, "燃气 安全，GAS", &g);
    /* 燃气 气安 安全 全g ga as: sorted, distinct */
    assert_int_equal(n, 6);
    for (int i = 1; i < n; i++)
        assert_true(strcmp(g[i - 1], g[i]) < 0);
    const char **h;
    int m = insp_bigrams(&a, "燃气安全gas", &h);
    assert_int_equal(m, n);
    assert_true(fabs(insp_dice(g, n, h, m) - 1.0) < 1e-9);
    assert_int_equal(insp_bigrams(&a, "督", &g), 1);
    assert_int_equal(insp_bigrams(&a, "", &g), 0);
    arena_free(&a);
}

static void test_dice_of_like_and_unlike_subjects(void **state)
{
    (void)state;
    struct arena a = ARENA_INIT;
    const char **x, **y, **z;
    int nx = insp_bigrams(&a, "城区燃气安全", &x);
    int ny = insp_bigrams(&a, "城区燃气管网安全隐患", &y);
    int nz = insp_bigrams(&a, "农村饮水安全", &z);
    double like = insp_dice(x, nx, y, ny), unlike = insp_dice(x, nx, z, nz);
    assert_true(like > 0.5);
    assert_true(unlike < 0.25);
    assert_true(insp_dice(x, nx, z, 0) == 0);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jpeg_location_is_read_and_stripped),
        cmocka_unit_test(test_south_and_west_are_negative),
        cmocka_unit_test(test_broken_files_are_refused),
        cmocka_unit_test(test_png_text_chunks_go),
        cmocka_unit_test(test_mp4_location_boxes_become_free),
        cmocka_unit_test(test_bigrams_ignore_spaces_punctuation_and_case),
        cmocka_unit_test(test_dice_of_like_and_unlike_subjects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
