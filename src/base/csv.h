/* csv.h: RFC 4180 CSV reading (quoted fields, "" escapes, CRLF or LF, UTF-8 BOM skipped) and writing
 * with the formula guard that keeps spreadsheets from running a cell. */
#ifndef DUCHA_CSV_H
#define DUCHA_CSV_H

#include "base/arena.h"

#include <stdbool.h>
#include <stddef.h>

struct csv_reader {
    const char *p, *end;
    int line;   /* 1-based line of the reading position (where a malformed record started) */
    int record; /* 1-based line where the record csv_next returned last started */
};

void csv_init(struct csv_reader *r, const char *data, size_t len);
/* Reads the next record into *fields (arena strings). Returns the number of fields, 0 at end, -1 on
 * a malformed record (unterminated quote). Blank lines are skipped. */
int csv_next(struct csv_reader *r, struct arena *a, char ***fields);

struct buf;
/*
 * Appends s as one field (quoted when it holds a comma, quote or line break) and then "," or, when
 * last, "\r\n". A value a spreadsheet would take for a formula (starting with = + - @, TAB or CR;
 * OWASP's CSV injection list) gets a leading apostrophe, inside quotes.
 */
void csv_write_field(struct buf *out, const char *s, bool last);
/* A value read from such a file without the apostrophe the writer put before a formula character. */
const char *csv_unguard(const char *s);

#endif
