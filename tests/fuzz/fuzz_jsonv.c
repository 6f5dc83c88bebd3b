/*
 * libFuzzer target for request-body parsing: the same steps the router and a handler take
 * (json_loadb with duplicate rejection, object check, jv_check against a spec of every type).
 * Build and run: make fuzz (FUZZ_SECONDS=30).
 */
#include "base/jsonv.h"

#include <stddef.h>
#include <stdint.h>

static const struct jv_field spec[] = {
    {"title", JV_STRING, JV_REQUIRED, 0, 200},
    {"n", JV_INT, 0, -5, 5},
    {"ok", JV_BOOL, 0, 0, 0},
    {"day", JV_DATE, JV_NULLABLE, 0, 0},
    {"at", JV_INSTANT, 0, 0, 0},
    {"ids", JV_INT_ARRAY, 0, 0, 10},
    {"tags", JV_STRING_ARRAY, 0, 0, 10},
    {"obj", JV_OBJECT, 0, 0, 0},
    {"list", JV_OBJECT_ARRAY, 0, 0, 10},
    {NULL, 0, 0, 0, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return 0;
    char msg[256];
    if (json_is_object(j) && jv_check(j, spec, msg, sizeof msg) == ERR_OK) {
        (void)jv_str(j, "title");
        (void)jv_int(j, "n", 0);
    }
    json_decref(j);
    return 0;
}
