#include "base/utf8.h"

#include <string.h>

#include "base/arena.h"

bool utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

size_t utf8_count(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

const char *utf8_inner_title(struct arena *a, const char *s)
{
    /* 《 E3 80 8A, 》 E3 80 8B; 〈 E3 80 88, 〉 E3 80 89: the same length, only the last byte differs */
    if (!s || (!strstr(s, "\xE3\x80\x8A") && !strstr(s, "\xE3\x80\x8B")))
        return s;
    char *t = arena_strdup(a, s);
    for (char *p = t; (p = strstr(p, "\xE3\x80")); p += 2)
        if (p[2] == '\x8A' || p[2] == '\x8B')
            p[2] = (char)(p[2] - 2);
    return t;
}
