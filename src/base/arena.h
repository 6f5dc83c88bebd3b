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
/* The same, not zeroed: for a large struct whose caller sets what it uses (a ledger's SQL builder: 8 KB of room for
 * binds, zeroed twice a page). */
void *arena_alloc_raw(struct arena *a, size_t n);
/* Copies s (NULL stays NULL). */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* printf into arena memory. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);
/* An arena array of n elements of size bytes with room for one more: arr itself while n < *cap, else a copy
 * of its n elements with twice the room (8 at first; arr may be NULL when *cap is 0), *cap updated. The old
 * array stays in the arena until arena_free. Use: v = arena_grow(a, v, n, &cap, sizeof *v); v[n++] = x; */
void *arena_grow(struct arena *a, void *arr, int n, int *cap, size_t size);
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
