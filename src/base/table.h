/*
 * table.h: a table of texts from a file people keep in Excel or WPS: an XLSX workbook's first worksheet
 * (recognised by its bytes, a ZIP) or UTF-8 CSV (a BOM skipped), as rows of cells with the row numbers
 * the spreadsheet shows, so that an import can name the row and column of each error. Columns are found
 * by their headings (table_columns), in any order. Allocations from the arena.
 */
#ifndef DUCHA_TABLE_H
#define DUCHA_TABLE_H

#include "base/arena.h"
#include "base/err.h"

#include <stddef.h>

struct table {
    char ***rows; /* rows[0] is the heading; cells trimmed of spaces (also full-width ones) */
    int *ncells;  /* cells in each row */
    int *row_no;  /* the row number a spreadsheet shows */
    int nrows;
};

/* Reads data[0..len). ERR_OK, or ERR_INVALID with a Chinese message in msg (not a workbook, not UTF-8,
 * an unterminated quote, no rows). */
enum err table_read(struct arena *a, const char *data, size_t len, struct table *out, char *msg, size_t msglen);

/*
 * For each of n columns, the index of its heading in row 0: headings[k] lists the names a column may go
 * by (NULL-terminated, at most 8: the Chinese heading first, the API name last); -1 where absent.
 */
void table_columns(const struct table *t, const char *const (*headings)[8], int n, int *col);

/* Cell col of row r, "" when the row is shorter or col < 0. */
const char *table_cell(const struct table *t, int r, int col);

/* "A", "B", … "AA": the spreadsheet's name of column index col (arena). */
const char *table_column_name(struct arena *a, int col);

#endif
