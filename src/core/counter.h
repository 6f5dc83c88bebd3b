/*
 * counter.h: gap-free named counters (item numbers per office and year). The increment runs in
 * the caller's transaction, so a rolled-back registration gives its number back and two
 * concurrent registrations queue on the counter's row.
 */
#ifndef DUCHA_COUNTER_H
#define DUCHA_COUNTER_H

#include "core/ctx.h"

#include <stdint.h>

/* Increments counter `name` (created at 0 if absent) and stores the new value (1, 2, …) in *value.
 * Must run inside a write transaction. Errors: store failures. */
enum err counter_next(struct ctx *c, const char *name, int64_t *value);

#endif
