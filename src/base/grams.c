/* grams.c: the search tokens of a text (see grams.h for the rules). */
#include "base/grams.h"

#include <string.h>

enum cls { CLS_SEP, CLS_WORD, CLS_IDEO };

/* Decodes one code point at s (n bytes left); *len receives its length, 0 if the byte is invalid. */
static unsigned decode(const unsigned char *s, size_t n, size_t *len)
{
    unsigned c = s[0];
    size_t l = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (!l || l > n) {
        *len = 0;
        return 0;
    }
    unsigned cp = l == 1 ? c : l == 2 ? c & 0x1f : l == 3 ? c & 0x0f : c & 0x07;
    for (size_t i = 1; i < l; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *len = 0;
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[l] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        *len = 0;
        return 0;
    }
    *len = l;
    return cp;
}

/* The class of a code point; a word character is also given as its folded ASCII byte. */
static enum cls classify(unsigned cp, char *ascii)
{
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z')
            cp += 'a' - 'A';
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            *ascii = (char)cp;
            return CLS_WORD;
        }
        return CLS_SEP;
    }
    if (cp >= 0xff10 && cp <= 0xff19) {
        *ascii = (char)('0' + (cp - 0xff10));
        return CLS_WORD;
    }
    if ((cp >= 0xff21 && cp <= 0xff3a) || (cp >= 0xff41 && cp <= 0xff5a)) {
        *ascii = (char)('a' + (cp - (cp >= 0xff41 ? 0xff41 : 0xff21)));
        return CLS_WORD;
    }
    if (cp <= 0xbf || (cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
        (cp >= 0xfe10 && cp <= 0xfe6f) || (cp >= 0xff00 && cp <= 0xff65) || cp >= 0xfff0)
        return CLS_SEP;
    return CLS_IDEO;
}

struct run {
    int (*fn)(void *, const struct gram *);
    void *arg;
    bool document;
    int pos;
    /* the current run */
    enum cls cls;
    int n;                   /* code points so far */
    size_t start;            /* byte offset of the run (word) */
    char word[GRAM_MAX + 1]; /* word runs: the folded bytes */
    size_t wlen;
    const char *prev; /* ideograph runs: the previous code point */
    size_t prev_len, prev_at;
    size_t end; /* byte offset after the last code point */
};

static int emit(struct run *r, enum gram_kind kind, const char *a, size_t na, const char *b, size_t nb, int pos,
                size_t start, size_t end)
{
    struct gram g = {.kind = kind, .pos = pos, .start = start, .end = end};
    if (na + nb > GRAM_MAX)
        return 0;
    memcpy(g.text, a, na);
    if (nb)
        memcpy(g.text + na, b, nb);
    g.len = na + nb;
    g.text[g.len] = 0;
    return r->fn(r->arg, &g);
}

/* Ends the current run, emitting what it still owes. */
static int run_end(struct run *r)
{
    int rc = 0;
    if (r->cls == CLS_WORD && r->wlen)
        rc = emit(r, GRAM_WORD, r->word, r->wlen, NULL, 0, r->pos++, r->start, r->end);
    else if (r->cls == CLS_IDEO && r->n == 1)
        rc = emit(r, GRAM_SINGLE, r->prev, r->prev_len, NULL, 0, r->pos++, r->prev_at, r->end);
    else if (r->cls == CLS_IDEO && r->n > 1 && r->document)
        rc = emit(r, GRAM_TAIL, r->prev, r->prev_len, NULL, 0, r->pos - 1, r->prev_at, r->end);
    r->cls = CLS_SEP;
    r->n = 0;
    r->wlen = 0;
    return rc;
}

int grams_each(const char *text, size_t n, bool document, int (*fn)(void *arg, const struct gram *g), void *arg)
{
    struct run r = {.fn = fn, .arg = arg, .document = document, .cls = CLS_SEP};
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    int rc = 0;
    while (i < n && !rc) {
        size_t len;
        unsigned cp = decode(s + i, n - i, &len);
        char ascii = 0;
        enum cls c = len ? classify(cp, &ascii) : CLS_SEP;
        if (!len)
            len = 1;
        if (c != r.cls && (rc = run_end(&r)))
            break;
        if (c == CLS_WORD) {
            if (!r.n)
                r.start = i;
            if (r.wlen < GRAM_MAX)
                r.word[r.wlen++] = ascii;
        } else if (c == CLS_IDEO) {
            if (r.n)
                rc = emit(&r, GRAM_BIGRAM, r.prev, r.prev_len, text + i, len, r.pos++, r.prev_at, i + len);
            r.prev = text + i;
            r.prev_len = len;
            r.prev_at = i;
        }
        r.cls = c;
        r.n++;
        i += len;
        r.end = i;
    }
    if (!rc)
        rc = run_end(&r);
    return rc;
}
