/* check.c: what a broken ALWAYS/NEVER invariant does in the debug build (check.h). */
#include "base/check.h"

#include "base/log.h"

#include <stdlib.h>

void check_failed(const char *expr, const char *file, int line);

void check_failed(const char *expr, const char *file, int line)
{
    log_error("invariant broken at %s:%d: %s", file, line, expr);
    abort();
}
