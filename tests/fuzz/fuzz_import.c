/*
 * libFuzzer target: the CSV imports. The first byte chooses: items (dry run or for real) or units;
 * the rest is the file. Runs as the system on a demo database. Build and run: make fuzz.
 */
#include "fuzz_world.h"

#include "docs/itemdocs.h"
#include "units/units.h"

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
    json_t *report = NULL;
    const char *csv = (const char *)data + 1;
    switch (data[0] % 3) {
    case 0:
        docs_import_csv(&c, csv, size - 1, true, &report);
        break;
    case 1:
        docs_import_csv(&c, csv, size - 1, false, &report);
        break;
    default:
        units_import_csv(&c, csv, size - 1, &report);
        break;
    }
    json_decref(report);
    fuzz_ctx_done(&c, &a);
    return 0;
}
