/* utf8.h: UTF-8 checks used by input validation, and the book-title marks of Chinese text. */
#ifndef DUCHA_UTF8_H
#define DUCHA_UTF8_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* True if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, no NUL). */
bool utf8_valid(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string. */
size_t utf8_count(const char *s);
/* A title about to be set inside book-title marks (《%s》): its own 《》 become the inner marks 〈〉, as
 * GB/T 15834 nests them (《关于贯彻〈条例〉的通知》). s itself when it has none; else a copy in a. */
const char *utf8_inner_title(struct arena *a, const char *s);

#endif
