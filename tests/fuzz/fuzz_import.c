/*
 * libFuzzer target: the imports. The first byte chooses (modulo 4): items from CSV (0 a dry run, 1 for real),
 * units from CSV or XLSX (2 for real, 3 a dry run); the rest is the file. Runs as the system on a demo database. Build and run: make fuzz.
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
    switch (data[0] % 4) {
    case 0:
    case 1:
        docs_import_csv(&c, csv, size - 1, data[0] % 4 == 0, "fuzz.csv", &report);
        break;
    default:
        units_import(&c, csv, size - 1, data[0] % 4 == 3, "fuzz", &report);
        break;
    }
    json_decref(report);
    fuzz_ctx_done(&c, &a);
    return 0;
}
