/*
 * libFuzzer target: the calendar import (CSV or JSON, chosen by the first byte), as the system on a
 * demo database. Build and run: make fuzz.
 */
#include "fuzz_world.h"

#include "calendar/calendar.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_world();
    struct arena a = ARENA_INIT;
    struct ctx c;
    fuzz_ctx(&c, &a);
    json_t *out = NULL;
    calendar_import(&c, (const char *)data + 1, size - 1, data[0] & 1, &out);
    json_decref(out);
    fuzz_ctx_done(&c, &a);
    return 0;
}
