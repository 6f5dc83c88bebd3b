/*
 * check.h: internal invariants in SQLite's manner. ALWAYS(X) says X is always true, NEVER(X) that it
 * is always false. The ASan/UBSan build (-DDUCHA_DEBUG, what the tests run) aborts with the file and
 * line when one is broken; the release build evaluates X and lets the caller's defensive branch handle
 * it, so one request that meets a bug fails with an error instead of taking the process down:
 *
 *     if (NEVER(part < 0))
 *         return ctx_fail(c, ERR_INTERNAL, "…");
 *
 * Use them for what the code itself guarantees (table well-formedness, indexes in range), never for
 * input: bad input is an expected condition with its own error.
 */
#ifndef DUCHA_CHECK_H
#define DUCHA_CHECK_H

#ifdef DUCHA_DEBUG
void check_failed(const char *expr, const char *file, int line) __attribute__((noreturn));
#define ALWAYS(X) ((X) ? 1 : (check_failed(#X, __FILE__, __LINE__), 0))
#define NEVER(X) ((X) ? (check_failed(#X, __FILE__, __LINE__), 1) : 0)
#else
#define ALWAYS(X) (!!(X))
#define NEVER(X) (!!(X))
#endif

#endif
