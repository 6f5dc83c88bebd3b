/* csv.h: RFC 4180 CSV reading (quoted fields, "" escapes, CRLF or LF, UTF-8 BOM skipped). */
#ifndef DUCHA_CSV_H
#define DUCHA_CSV_H

#include "base/arena.h"

#include <stdbool.h>
#include <stddef.h>

struct csv_reader {
    const char *p, *end;
    int line; /* 1-based line where the current record started */
};

void csv_init(struct csv_reader *r, const char *data, size_t len);
/* Reads the next record into *fields (arena strings). Returns the number of fields, 0 at end, -1 on
 * a malformed record (unterminated quote). Blank lines are skipped. */
int csv_next(struct csv_reader *r, struct arena *a, char ***fields);

#endif
