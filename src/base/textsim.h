/*
 * textsim.h: how alike two short Chinese texts are, by their character bigrams (the Dice coefficient
 * over the sets of adjacent code-point pairs). Chinese has no spaces, so words cannot be split; two
 * reports of the same pothole share most of their bigrams whatever words surround them. Pure, no I/O.
 */
#ifndef DUCHA_TEXTSIM_H
#define DUCHA_TEXTSIM_H

#include "base/arena.h"

#include <stdbool.h>
#include <stdint.h>

/* A set of bigrams: each a 64-bit key of two code points, sorted ascending, without duplicates. */
struct bigrams {
    uint64_t *keys;
    int n;
};

/*
 * The distinct bigrams of text (UTF-8; invalid bytes are skipped): letters and digits of every script
 * count, ASCII letters lower-cased; whitespace, punctuation and symbols (ASCII and the CJK and
 * full-width ranges) separate runs and never join a bigram. A run of one character gives a
 * unigram key (so "路" alone still compares). At most max_chars characters are read (0: all).
 * Arena memory.
 */
void text_bigrams(struct arena *a, const char *text, int max_chars, struct bigrams *out);

/* Dice coefficient 2|A∩B| / (|A|+|B|) of two sets, 0 when both are empty. */
double text_dice(const struct bigrams *a, const struct bigrams *b);

#endif
