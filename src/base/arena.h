/*
 * arena.h: a bump allocator for memory with one lifetime (a request, a CLI command, a job pass).
 * Everything allocated from an arena is freed together by arena_free(). Out of memory aborts.
 */
#ifndef DUCHA_ARENA_H
#define DUCHA_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;
struct arena {
    struct arena_block *head;
};

#define ARENA_INIT                                                                                                     \
    {                                                                                                                  \
        0                                                                                                              \
    }

/* Returns zeroed, max-aligned memory owned by the arena. */
void *arena_alloc(struct arena *a, size_t n);
/* Copies s (NULL stays NULL). */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* printf into arena memory. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);
/* Frees every block; the arena can be reused afterwards. */
void arena_free(struct arena *a);

/* Aborts with a message: for allocation failure, never for user errors. */
_Noreturn void die_oom(void);
/* malloc/calloc/realloc/strdup that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
