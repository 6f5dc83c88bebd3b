/*
 * clock.h: "now" for domain code. Normally the wall clock; with test_clock enabled it is the wall
 * clock plus an offset stored in the settings table (shared by every node), set through
 * PUT /api/v1/admin/clock or `ducha scan --now`.
 */
#ifndef DUCHA_CLOCK_H
#define DUCHA_CLOCK_H

#include "base/conf.h"
#include "base/err.h"
#include "store/store.h"

#include <stdint.h>

int64_t clock_now(struct db *db, const struct config *cfg);
/* Sets the test clock so that clock_now returns `now` at this moment. Requires cfg->test_clock. */
int clock_set(struct db *db, int64_t now);

#endif
