/*
 * counter.h: gap-free named counters (督办编号 per office and year, …) kept in the counters table,
 * shared by every node on the database.
 */
#ifndef DUCHA_COUNTER_H
#define DUCHA_COUNTER_H

#include "core/ctx.h"

#include <stdint.h>

/*
 * Takes the next value of counter `name` (1 for a new counter) inside the caller's write
 * transaction (ctx_tx): the counter row stays locked until that transaction ends, so concurrent
 * callers on any node get distinct consecutive values, and a rolled-back transaction gives its
 * value back (no gaps). Errors: ERR_INTERNAL outside a transaction (a bug), store failures.
 */
enum err counter_next(struct ctx *c, const char *name, int64_t *value);

#endif
