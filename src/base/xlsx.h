/*
 * xlsx.h: reading the first worksheet of an XLSX workbook (Office Open XML, as Excel, WPS and the
 * platforms of higher levels export it) as rows of cell texts. Enough of SpreadsheetML for tables of
 * text, numbers and dates: shared and inline strings (rich-text runs joined, phonetic runs skipped),
 * numbers as written, booleans, dates as Excel serial numbers (xlsx_date turns them into dates).
 * Formulas are read by their cached value. Bounded: an entry over XLSX_ENTRY_MAX bytes or a sheet over
 * XLSX_CELLS_MAX cells is refused. Allocations from the arena.
 */
#ifndef DUCHA_XLSX_H
#define DUCHA_XLSX_H

#include "base/arena.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

#define XLSX_ENTRY_MAX (64 * 1024 * 1024)
#define XLSX_CELLS_MAX 500000

struct xlsx_row {
    int number;   /* the sheet's row number (1-based) */
    char **cells; /* column A at 0; "" where empty */
    int ncells;
};

struct xlsx_sheet {
    struct xlsx_row *rows; /* rows that have at least one cell, in order */
    int nrows;
};

/* Reads the file at path. ERR_OK, or ERR_INVALID with a Chinese message in msg (not a workbook, no
 * worksheet, malformed, too large). */
enum err xlsx_read(struct arena *a, const char *path, struct xlsx_sheet *out, char *msg, size_t msglen);

/* The same for a workbook held in memory (data[0..len), borrowed for the call). */
enum err xlsx_read_mem(struct arena *a, const void *data, size_t len, struct xlsx_sheet *out, char *msg, size_t msglen);

/* The same for a workbook's parts already read (for the fuzzer): the shared strings (may be NULL) and
 * the sheet's XML. */
enum err xlsx_parse(struct arena *a, const char *shared, size_t nshared, const char *sheet, size_t nsheet,
                    struct xlsx_sheet *out, char *msg, size_t msglen);

/* A date cell as YYYY-MM-DD: an Excel serial number (days since 1899-12-30), or a date written as
 * text (2026-05-01, 2026/5/1, 2026年5月1日). False when it is neither. */
bool xlsx_date(const char *cell, char out[11]);

#endif
