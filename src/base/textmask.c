/* textmask.c: names, phone numbers, e-mail addresses and ID card numbers masked in a text (textmask.h). */
#include "base/textmask.h"

#include "base/utf8.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIGITS 20

/* One part to replace: bytes [start, end) of the text and the words put in its place. */
struct span {
    size_t start, end;
    const char *words;
};

struct spans {
    struct arena *a;
    struct span *v;
    int n, cap;
};

static void add(struct spans *s, size_t start, size_t end, const char *words)
{
    s->v = arena_grow(s->a, s->v, s->n, &s->cap, sizeof *s->v);
    s->v[s->n++] = (struct span){start, end, words};
}

/* The digit (0-9) at p, ASCII or full-width (U+FF10..U+FF19), with its length in bytes; -1 when none. */
static int digit_at(const unsigned char *p, int *len)
{
    if (*p >= '0' && *p <= '9') {
        *len = 1;
        return *p - '0';
    }
    if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) {
        *len = 3;
        return p[2] - 0x90;
    }
    return -1;
}

/* The length of a separator allowed inside a phone number at p (space, - . ( ), U+3000 and the full-width
 * hyphen and parentheses), 0 when none. */
static int sep_at(const unsigned char *p)
{
    if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')')
        return 1;
    if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
        return 3;
    if (p[0] == 0xEF && p[1] == 0xBC && (p[2] == 0x8D || p[2] == 0x88 || p[2] == 0x89))
        return 3;
    return 0;
}

/* Whether the byte at i ends a digit: the last byte of an ASCII or full-width digit. */
static bool digit_before(const unsigned char *t, size_t i)
{
    int len;
    if (i >= 1 && digit_at(t + i - 1, &len) >= 0 && len == 1)
        return true;
    return i >= 3 && digit_at(t + i - 3, &len) >= 0 && len == 3;
}

static bool mobile(const char *d, int k)
{
    return k == 11 && d[0] == 1 && d[1] >= 3;
}

static bool phone_digits(const char *d, int k, const char *own, int nown)
{
    if (nown >= 5 && k == nown && !memcmp(d, own, (size_t)k))
        return true;
    if (mobile(d, k) || (k == 13 && d[0] == 8 && d[1] == 6 && mobile(d + 2, 11)) ||
        (k == 15 && !d[0] && !d[1] && d[2] == 8 && d[3] == 6 && mobile(d + 4, 11)))
        return true;
    return d[0] == 0 && d[1] != 0 && k >= 10 && k <= 12;
}

/* The digit runs of t that are phone or ID card numbers. own: the writer's phone's digits (nown of them). */
static void numbers(struct spans *s, const unsigned char *t, const char *own, int nown)
{
    size_t i = 0;
    while (t[i]) {
        int len, first;
        if (digit_at(t + i, &first) < 0 || digit_before(t, i)) {
            i++;
            continue;
        }
        size_t start = i > 0 && (t[i - 1] == '+' || t[i - 1] == '(') ? i - 1 : i; /* +86, (010) */
        if (start && start < i && t[start - 1] == '+')
            start--;
        char d[MAX_DIGITS];
        size_t ends[MAX_DIGITS];
        int k = 0;
        size_t p = i;
        while (k < MAX_DIGITS) {
            int v = digit_at(t + p, &len);
            if (v < 0)
                break;
            d[k] = (char)v;
            ends[k++] = p += (size_t)len;
            int sl = sep_at(t + p);
            if (digit_at(t + p, &len) < 0 && sl && digit_at(t + p + sl, &len) >= 0)
                p += (size_t)sl; /* one separator between two digits */
        }
        size_t end = 0;
        const char *words = NULL;
        for (int j = k; j >= 5 && !words; j--) {
            if (digit_at(t + ends[j - 1], &len) >= 0)
                continue; /* the run goes on: not an end */
            if (d[0] && (j == 18 || (j == 17 && (t[ends[16]] == 'X' || t[ends[16]] == 'x')))) {
                end = ends[j - 1] + (j == 17);
                words = "【证件号已隐去】";
            } else if (phone_digits(d, j, own, nown)) {
                end = ends[j - 1];
                words = "【电话已隐去】";
            }
        }
        if (words) {
            add(s, start, end, words);
            i = end;
        } else {
            i += (size_t)first;
        }
    }
}

static bool email_local(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("._%+-", ch);
}

static bool email_domain(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
}

/* Every local@domain.tld of t. */
static void emails(struct spans *s, const unsigned char *t)
{
    for (const unsigned char *at = (const unsigned char *)strchr((const char *)t, '@'); at;
         at = (const unsigned char *)strchr((const char *)at + 1, '@')) {
        const unsigned char *l = at, *r = at + 1;
        while (l > t && email_local(l[-1]))
            l--;
        while (email_domain(*r))
            r++;
        while (r > at + 1 && (r[-1] == '.' || r[-1] == '-'))
            r--;
        const unsigned char *dot = memchr(at + 1, '.', (size_t)(r - at - 1));
        if (l < at && dot && dot > at + 1 && dot < r - 1)
            add(s, (size_t)(l - t), (size_t)(r - t), "【邮箱已隐去】");
    }
}

/* Every occurrence of needle in t, ASCII letters in any case when fold. */
static void occurrences(struct spans *s, const char *t, const char *needle, bool fold, const char *words)
{
    size_t n = strlen(needle);
    for (const char *p = t; *p; p++) {
        size_t j = 0;
        while (j < n && p[j] &&
               (p[j] == needle[j] || (fold && (unsigned char)p[j] < 0x80 && (p[j] | 0x20) == (needle[j] | 0x20) &&
                                      ((p[j] | 0x20) >= 'a' && (p[j] | 0x20) <= 'z'))))
            j++;
        if (j == n) {
            add(s, (size_t)(p - t), (size_t)(p - t) + n, words);
            p += n - 1;
        }
    }
}

static int by_start(const void *x, const void *y)
{
    const struct span *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start ? 1 : a->end > b->end ? -1 : a->end < b->end;
}

char *text_mask_contacts(struct arena *a, const char *text, const char *name, const char *phone, const char *email,
                         int *masked)
{
    struct spans s = {a, NULL, 0, 0};
    char own[MAX_DIGITS];
    int nown = 0;
    for (const unsigned char *p = (const unsigned char *)(phone ? phone : ""); *p && nown < MAX_DIGITS;) {
        int len;
        int v = digit_at(p, &len);
        if (v >= 0)
            own[nown++] = (char)v;
        p += v >= 0 ? len : 1;
    }
    if (name && *name && utf8_count(name) >= 2)
        occurrences(&s, text, name, false, "【姓名已隐去】");
    if (email && *email)
        occurrences(&s, text, email, true, "【邮箱已隐去】");
    emails(&s, (const unsigned char *)text);
    numbers(&s, (const unsigned char *)text, own, nown);
    if (masked)
        *masked = 0;
    if (!s.n)
        return arena_strdup(a, text);
    qsort(s.v, (size_t)s.n, sizeof *s.v, by_start);
    size_t len = strlen(text), cap = len + 1;
    for (int i = 0; i < s.n; i++)
        cap += strlen(s.v[i].words);
    char *out = arena_alloc(a, cap), *o = out;
    size_t at = 0;
    for (int i = 0; i < s.n; i++) {
        if (s.v[i].end <= at)
            continue;            /* inside the part before */
        if (s.v[i].start < at) { /* overlaps the part before: joined to it */
            at = s.v[i].end;
            continue;
        }
        memcpy(o, text + at, s.v[i].start - at);
        o += s.v[i].start - at;
        size_t w = strlen(s.v[i].words);
        memcpy(o, s.v[i].words, w);
        o += w;
        at = s.v[i].end;
        if (masked)
            (*masked)++;
    }
    memcpy(o, text + at, len - at);
    o[len - at] = 0;
    return out;
}
