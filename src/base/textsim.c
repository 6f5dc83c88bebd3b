/* textsim.c: character bigrams and their Dice coefficient (textsim.h). */
#include "base/textsim.h"

#include <stdlib.h>
#include <string.h>

/* Decodes one UTF-8 sequence at s (n bytes left); *len is its length (1 for an invalid byte, which
 * yields -1). */
static int32_t utf8_next(const unsigned char *s, size_t n, int *len)
{
    unsigned char b = s[0];
    int need = b < 0x80 ? 0 : (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : -1;
    *len = 1;
    if (need == 0)
        return b;
    if (need < 0 || (size_t)need >= n)
        return -1;
    int32_t cp = need == 1 ? b & 0x1F : need == 2 ? b & 0x0F : b & 0x07;
    for (int i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *len = need + 1;
    return cp;
}

/* True for characters that separate runs: controls, spaces, ASCII punctuation and symbols, and the
 * CJK / full-width punctuation blocks. */
static bool separator(int32_t cp)
{
    if (cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0xBF))
        return true;
    if (cp < 0x80)
        return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
    return (cp >= 0x2000 && cp <= 0x206F) || /* general punctuation */
           (cp >= 0x3000 && cp <= 0x303F) || /* CJK symbols and punctuation */
           (cp >= 0xFE30 && cp <= 0xFE4F) || /* CJK compatibility forms */
           (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
           (cp >= 0xFF5B && cp <= 0xFF65); /* full-width punctuation */
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void text_bigrams(struct arena *a, const char *text, int max_chars, struct bigrams *out)
{
    out->keys = NULL;
    out->n = 0;
    if (!text)
        return;
    size_t n = strlen(text);
    size_t cap = (max_chars > 0 && (size_t)max_chars < n ? (size_t)max_chars : n) + 1;
    uint64_t *keys = arena_alloc(a, sizeof *keys * cap);
    int nk = 0, chars = 0, run = 0;
    int32_t prev = 0;
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n && (max_chars <= 0 || chars < max_chars);) {
        int len;
        int32_t cp = utf8_next(s + i, n - i, &len);
        i += (size_t)len;
        if (cp < 0)
            continue;
        chars++;
        if (separator(cp)) {
            if (run == 1 && (size_t)nk < cap)
                keys[nk++] = (uint64_t)(uint32_t)prev << 32 | 0xFFFFFFFFu; /* a lone character */
            run = 0;
            continue;
        }
        if (cp >= 'A' && cp <= 'Z')
            cp += 'a' - 'A';
        if (run && (size_t)nk < cap)
            keys[nk++] = (uint64_t)(uint32_t)prev << 32 | (uint32_t)cp;
        prev = cp;
        run++;
    }
    if (run == 1 && (size_t)nk < cap)
        keys[nk++] = (uint64_t)(uint32_t)prev << 32 | 0xFFFFFFFFu;
    if (nk <= 96) /* a clue's few dozen keys: in place, without qsort's call per comparison */
        for (int i = 1; i < nk; i++) {
            uint64_t k = keys[i];
            int j = i;
            for (; j > 0 && keys[j - 1] > k; j--)
                keys[j] = keys[j - 1];
            keys[j] = k;
        }
    else
        qsort(keys, (size_t)nk, sizeof *keys, cmp_u64);
    int m = 0;
    for (int i = 0; i < nk; i++)
        if (!m || keys[i] != keys[m - 1])
            keys[m++] = keys[i];
    out->keys = keys;
    out->n = m;
}

double text_dice(const struct bigrams *a, const struct bigrams *b)
{
    if (!a->n && !b->n)
        return 0;
    int i = 0, j = 0, common = 0;
    while (i < a->n && j < b->n) {
        if (a->keys[i] == b->keys[j]) {
            common++;
            i++;
            j++;
        } else if (a->keys[i] < b->keys[j]) {
            i++;
        } else {
            j++;
        }
    }
    return 2.0 * common / (a->n + b->n);
}
