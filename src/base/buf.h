/*
 * buf.h: a growable byte buffer with an optional size cap (curl's dynbuf idea). The buffer owns its
 * memory (malloc); buf_free releases it, buf_take hands it to the caller.
 */
#ifndef DUCHA_BUF_H
#define DUCHA_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data; /* always NUL-terminated when len > 0 */
    size_t len, cap;
    size_t max; /* 0 = unlimited; appends beyond it fail */
};

/* Append bytes; false (and the buffer unchanged) when the cap would be exceeded. */
bool buf_append(struct buf *b, const void *p, size_t n);
/* Room for n more bytes (and the NUL) at data + len; false when the cap would be exceeded. */
bool buf_reserve(struct buf *b, size_t n);
bool buf_puts(struct buf *b, const char *s);
bool buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the data (caller frees) and resets the buffer. Never NULL. */
char *buf_take(struct buf *b);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
