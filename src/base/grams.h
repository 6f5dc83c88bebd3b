/*
 * grams.h: the search tokens of a text, defined once for every backend (the SQLite FTS5 tokenizer
 * in store/store_fts.c, the PostgreSQL tsvector trigger of migration 0050 and the query builder of
 * the ledger follow these rules; tests/unit/test_base.c pins them).
 *
 * A text is read as code points and split into runs:
 * - word runs: ASCII letters and digits (full-width ones are folded to ASCII), lower-cased; each
 *   run is one token ("2026", "water");
 * - ideograph runs: any other code point that is not a separator (CJK and other scripts); a run
 *   of n >= 2 code points gives its n - 1 overlapping bigrams ("交通运输" -> 交通 通运 运输), a
 *   run of one code point gives that code point;
 * - everything else separates runs: ASCII punctuation, spaces and controls, Latin-1 punctuation,
 *   U+2000–U+2BFF (punctuation, symbols, arrows, shapes), U+3000–U+303F (CJK punctuation, the
 *   ideographic space), U+FE10–U+FE6F (vertical and small forms), the full-width punctuation of
 *   U+FF00–U+FF65, U+FFF0 and above; invalid UTF-8 bytes.
 * Positions count tokens: each bigram, word or single code point takes the next position.
 *
 * Document mode also emits, for a run of n >= 2, its last code point alone at the position of the
 * last bigram (FTS5's "colocated" token), so that every code point starts some token: a one-code-
 * point query becomes the prefix query "X*" and a phrase may begin or end inside a run. Query mode
 * leaves it out, so that a query phrase matches exactly the documents that contain it as a
 * substring (separators aside).
 */
#ifndef DUCHA_GRAMS_H
#define DUCHA_GRAMS_H

#include <stdbool.h>
#include <stddef.h>

#define GRAM_MAX 64 /* bytes of one token; longer word runs are cut */

enum gram_kind {
    GRAM_WORD,   /* an ASCII word */
    GRAM_BIGRAM, /* two code points of an ideograph run */
    GRAM_SINGLE, /* a run of one code point */
    GRAM_TAIL,   /* document mode: the last code point of a longer run, colocated */
};

struct gram {
    char text[GRAM_MAX + 1];
    size_t len;
    int pos;           /* token position, from 0 */
    size_t start, end; /* byte offsets in the input */
    enum gram_kind kind;
};

/*
 * Calls fn(arg, g) for each token of text[0..n) in order; document selects document mode. Stops
 * and returns fn's value as soon as it is non-zero; returns 0 otherwise.
 */
int grams_each(const char *text, size_t n, bool document, int (*fn)(void *arg, const struct gram *g), void *arg);

#endif
