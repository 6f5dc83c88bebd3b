/* media.c: location and other metadata of photos and videos, read and stripped; see media.h. */
#include "base/media.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum media_kind media_sniff(const unsigned char *d, size_t n)
{
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
        return MEDIA_JPEG;
    if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
        return MEDIA_PNG;
    if (n >= 12 && !memcmp(d + 4, "ftyp", 4))
        return MEDIA_MP4;
    return MEDIA_UNKNOWN;
}

/* ---- TIFF (the body of Exif) ---- */

struct tiff {
    const unsigned char *p;
    size_t n;
    bool le;
};

static bool rd16(const struct tiff *t, size_t off, unsigned *v)
{
    if (off + 2 > t->n)
        return false;
    *v = t->le ? (unsigned)(t->p[off] | t->p[off + 1] << 8) : (unsigned)(t->p[off] << 8 | t->p[off + 1]);
    return true;
}

static bool rd32(const struct tiff *t, size_t off, uint32_t *v)
{
    if (off + 4 > t->n)
        return false;
    const unsigned char *p = t->p + off;
    *v = t->le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
               : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
    return true;
}

/* Finds tag in the IFD at off: its type, count and value offset (the value itself when it fits). */
static bool ifd_find(const struct tiff *t, uint32_t off, unsigned tag, unsigned *type, uint32_t *count, uint32_t *val)
{
    unsigned n;
    if (!rd16(t, off, &n) || n > 1000)
        return false;
    for (unsigned i = 0; i < n; i++) {
        size_t e = off + 2 + (size_t)i * 12;
        unsigned tg;
        if (!rd16(t, e, &tg))
            return false;
        if (tg != tag)
            continue;
        return rd16(t, e + 2, type) && rd32(t, e + 4, count) && rd32(t, e + 8, val);
    }
    return false;
}

/* Three RATIONALs (degrees, minutes, seconds) at off as degrees. */
static bool dms(const struct tiff *t, uint32_t off, double *out)
{
    double parts[3];
    for (int i = 0; i < 3; i++) {
        uint32_t num, den;
        if (!rd32(t, off + (uint32_t)i * 8, &num) || !rd32(t, off + (uint32_t)i * 8 + 4, &den))
            return false;
        parts[i] = den ? (double)num / den : 0;
    }
    *out = parts[0] + parts[1] / 60 + parts[2] / 3600;
    return true;
}

static char ref_char(const struct tiff *t, uint32_t val)
{
    /* an ASCII value of count 2 fits in the value field: its first byte */
    unsigned char b[4];
    if (t->le) {
        b[0] = (unsigned char)val;
    } else {
        b[0] = (unsigned char)(val >> 24);
    }
    return (char)b[0];
}

/* Reads GPS and DateTimeOriginal from a TIFF block (the body of an Exif segment or eXIf chunk). */
static void tiff_meta(const unsigned char *p, size_t n, struct media_meta *m)
{
    struct tiff t = {p, n, false};
    if (n < 8)
        return;
    if (!memcmp(p, "II*\0", 4))
        t.le = true;
    else if (memcmp(p, "MM\0*", 4))
        return;
    uint32_t ifd0, type_count, val;
    unsigned type;
    if (!rd32(&t, 4, &ifd0))
        return;
    uint32_t gps;
    if (ifd_find(&t, ifd0, 0x8825, &type, &type_count, &gps)) {
        unsigned ty;
        uint32_t cnt, lat_off, lon_off, lat_ref, lon_ref;
        if (ifd_find(&t, gps, 2, &ty, &cnt, &lat_off) && ifd_find(&t, gps, 4, &ty, &cnt, &lon_off) &&
            dms(&t, lat_off, &m->lat) && dms(&t, lon_off, &m->lon)) {
            m->has_location = true;
            if (ifd_find(&t, gps, 1, &ty, &cnt, &lat_ref) && ref_char(&t, lat_ref) == 'S')
                m->lat = -m->lat;
            if (ifd_find(&t, gps, 3, &ty, &cnt, &lon_ref) && ref_char(&t, lon_ref) == 'W')
                m->lon = -m->lon;
        }
    }
    uint32_t exif;
    if (ifd_find(&t, ifd0, 0x8769, &type, &type_count, &exif) && ifd_find(&t, exif, 0x9003, &type, &type_count, &val) &&
        type_count >= 19 && val + 19 <= n) {
        memcpy(m->taken, p + val, 19);
        m->taken[19] = 0;
    }
}

/* ---- JPEG ---- */

/* The application segments a decoder needs and that name nobody: JFIF (APP0), the colour profile
 * (APP2 "ICC_PROFILE") and Adobe's colour transform (APP14). Exif and XMP (APP1), the multi-picture
 * index (APP2 "MPF"), IPTC (APP13), makers' blocks (APP3-APP12, APP15) and comments go. */
static bool jpeg_keep_app(unsigned marker, const unsigned char *body, size_t blen)
{
    return marker == 0xE0 || marker == 0xEE || (marker == 0xE2 && blen >= 12 && !memcmp(body, "ICC_PROFILE\0", 12));
}

/*
 * Walks the segments and the entropy-coded scans up to the end of the image (EOI). With out, copies
 * what stays: every segment but the dropped application segments and comments, the scans, the EOI;
 * whatever follows the EOI (phones append second images there, with their own Exif) is left out.
 * Returns the copy's length (or 1 without out), 0 when the data is not a complete JPEG.
 */
static size_t jpeg_walk(const unsigned char *d, size_t n, unsigned char *out, struct media_meta *m)
{
    size_t i = 2, o = 0;
    bool in_scan = false;
    if (out) {
        out[o++] = 0xFF;
        out[o++] = 0xD8;
    }
    while (i < n) {
        if (in_scan) {
            /* entropy-coded data runs to the next marker that is not a stuffed 0xFF00, a restart or a fill byte */
            size_t start = i;
            while (i + 1 < n) { /* memchr to each 0xFF: the scan is most of a photo, an 0xFF one byte in ~200 */
                const unsigned char *ff = memchr(d + i, 0xFF, n - 1 - i);
                if (!ff) {
                    i = n - 1;
                    break;
                }
                i = (size_t)(ff - d);
                if (d[i + 1] != 0x00 && d[i + 1] != 0xFF && !(d[i + 1] >= 0xD0 && d[i + 1] <= 0xD7))
                    break;
                i++;
            }
            if (i + 1 >= n)
                return 0; /* no end of image */
            if (out) {
                memcpy(out + o, d + start, i - start);
                o += i - start;
            }
            in_scan = false;
        }
        if (i + 2 > n || d[i] != 0xFF)
            return 0;
        unsigned marker = d[i + 1];
        if (marker == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (marker == 0xD9 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
            if (out) {
                out[o++] = d[i];
                out[o++] = d[i + 1];
            }
            i += 2;
            if (marker == 0xD9)
                return out ? o : 1;
            continue;
        }
        if (i + 4 > n)
            return 0;
        size_t len = (size_t)d[i + 2] << 8 | d[i + 3];
        if (len < 2 || i + 2 + len > n)
            return 0;
        const unsigned char *body = d + i + 4;
        size_t blen = len - 2;
        bool exif = marker == 0xE1 && blen >= 6 && !memcmp(body, "Exif\0\0", 6);
        if (m && exif)
            tiff_meta(body + 6, blen - 6, m);
        bool drop = (marker >= 0xE0 && marker <= 0xEF && !jpeg_keep_app(marker, body, blen)) || marker == 0xFE;
        if (out && !drop) {
            memcpy(out + o, d + i, len + 2);
            o += len + 2;
        }
        i += 2 + len;
        if (marker == 0xDA)
            in_scan = true;
    }
    return 0;
}

/* ---- PNG ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The chunks that stay: the critical ones and those that say how to show the colours. Text chunks
 * (tEXt, zTXt, iTXt), eXIf, tIME, animation and private chunks go. */
static bool png_keep(const unsigned char *t)
{
    static const char keep[][5] = {"IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA",
                                   "cHRM", "sRGB", "iCCP", "sBIT", "bKGD", "pHYs"};
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
        if (!memcmp(t, keep[i], 4))
            return true;
    return false;
}

/* Walks the chunks up to IEND (what follows it is left out); copies the kept ones into out. */
static size_t png_walk(const unsigned char *d, size_t n, unsigned char *out, struct media_meta *m)
{
    size_t i = 8, o = 0;
    if (out) {
        memcpy(out, d, 8);
        o = 8;
    }
    while (i + 12 <= n) {
        uint32_t len = be32(d + i);
        if (len > n || i + 12 + len > n)
            return 0;
        const unsigned char *type = d + i + 4;
        if (m && !memcmp(type, "eXIf", 4))
            tiff_meta(d + i + 8, len, m);
        if (out && png_keep(type)) {
            memcpy(out + o, d + i, len + 12);
            o += len + 12;
        }
        i += 12 + len;
        if (!memcmp(type, "IEND", 4))
            return out ? o : 1;
    }
    return 0;
}

/* ---- MP4 / MOV ---- */

/* Boxes that hold other boxes (where location boxes live). */
static bool container(const unsigned char *t)
{
    return !memcmp(t, "moov", 4) || !memcmp(t, "udta", 4) || !memcmp(t, "meta", 4) || !memcmp(t, "trak", 4) ||
           !memcmp(t, "ilst", 4);
}

/* Walks the boxes of [i, end): location boxes become `free` in out (a copy of d) and are read into m. */
static bool mp4_walk(const unsigned char *d, size_t i, size_t end, unsigned char *out, struct media_meta *m, int depth)
{
    while (i + 8 <= end) {
        uint64_t len = be32(d + i);
        size_t hdr = 8;
        if (len == 1) {
            if (i + 16 > end)
                return false;
            len = (uint64_t)be32(d + i + 8) << 32 | be32(d + i + 12);
            hdr = 16;
        } else if (len == 0) {
            len = end - i;
        }
        if (len < hdr || len > end - i)
            return false;
        const unsigned char *type = d + i + 4;
        if (!memcmp(type, "\xA9xyz", 4) || !memcmp(type, "loci", 4)) {
            if (m && !memcmp(type, "\xA9xyz", 4) && len > hdr + 4) {
                /* a 16-bit length, a language, then "+31.2304+121.4737/" */
                char s[64];
                size_t sl = len - hdr - 4 < sizeof s - 1 ? (size_t)(len - hdr - 4) : sizeof s - 1;
                memcpy(s, d + i + hdr + 4, sl);
                s[sl] = 0;
                double lat, lon;
                if (sscanf(s, "%lf%lf", &lat, &lon) == 2) {
                    m->has_location = true;
                    m->lat = lat;
                    m->lon = lon;
                }
            }
            if (out)
                memcpy(out + i + 4, "free", 4);
        } else if (container(type) && depth < 8) {
            size_t inner = i + hdr + (!memcmp(type, "meta", 4) ? 4 : 0); /* meta is a full box */
            if (inner <= i + len && !mp4_walk(d, inner, i + (size_t)len, out, m, depth + 1))
                return false;
        }
        i += (size_t)len;
    }
    return true;
}

/* ---- the interface ---- */

bool media_meta(const unsigned char *d, size_t n, struct media_meta *m)
{
    memset(m, 0, sizeof *m);
    switch (media_sniff(d, n)) {
    case MEDIA_JPEG:
        return jpeg_walk(d, n, NULL, m) != 0;
    case MEDIA_PNG:
        return png_walk(d, n, NULL, m) != 0;
    case MEDIA_MP4:
        return mp4_walk(d, 0, n, NULL, m, 0);
    case MEDIA_UNKNOWN:
        break;
    }
    return false;
}

size_t media_strip(const unsigned char *d, size_t n, unsigned char *out)
{
    switch (media_sniff(d, n)) {
    case MEDIA_JPEG:
        return jpeg_walk(d, n, out, NULL);
    case MEDIA_PNG:
        return png_walk(d, n, out, NULL);
    case MEDIA_MP4:
        memcpy(out, d, n);
        return mp4_walk(d, 0, n, out, NULL, 0) ? n : 0;
    case MEDIA_UNKNOWN:
        break;
    }
    return 0;
}
