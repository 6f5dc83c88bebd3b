/*
 * xlsx_write.h: a streamed XLSX writer for large tables (the ledger export). Each worksheet's XML is
 * written row by row through a 64 KB buffer into its own temporary file (inline strings, no shared
 * string table), so memory does not grow with the rows; xlsxw_close puts the parts together with libzip,
 * the sheets deflated at level 1 (the sheets of a large export are most of its CPU at the default level).
 * Enough of SpreadsheetML for a ledger: cell formats (bold, fill, thin border, centred, wrapped, a number
 * format), column widths and formats, the top row frozen, an autofilter over the written rows.
 */
#ifndef DUCHA_XLSX_WRITE_H
#define DUCHA_XLSX_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XLSXW_MAX_ROWS 1048576 /* Excel's limit; rows beyond it fail */
#define XLSXW_MAX_TEXT 32767   /* characters in a cell; longer texts are cut */

/* A cell format; formats are numbered from 1 in the order given to xlsxw_open (0: the default). */
struct xlsxw_format {
    bool bold, border, center, wrap;
    uint32_t fill;      /* RGB background, 0: none */
    const char *numfmt; /* e.g. "yyyy-mm-dd", "0%"; NULL: general */
};

struct xlsxw_col {
    const char *head; /* the header cell of row 1 (written with the sheet's head format) */
    double width;
    int format; /* the column's default format (0: none) */
};

struct xlsxw;

/* A workbook to be written at path; temporary files in tmpdir. NULL when a file cannot be created. */
struct xlsxw *xlsxw_open(const char *path, const char *tmpdir, const struct xlsxw_format *formats, int nformats);

/* Adds a worksheet with its columns and a header row in format head; the top row is frozen. Returns its
 * index (0, 1, …) or -1. Sheets are added before any cell is written. */
int xlsxw_sheet(struct xlsxw *w, const char *name, const struct xlsxw_col *cols, int ncols, int head);

/* Cells: rows in increasing order per sheet (row 0 is the header), columns increasing within a row.
 * Empty or NULL texts write nothing. */
void xlsxw_text(struct xlsxw *w, int sheet, int row, int col, const char *s, int format);
void xlsxw_number(struct xlsxw *w, int sheet, int row, int col, double v, int format);
/* A date and time as Excel's serial number (days since 1899-12-30). */
void xlsxw_datetime(struct xlsxw *w, int sheet, int row, int col, int y, int m, int d, int hh, int mm, int format);
/* The serial number of a date and time (pure; for tests). */
double xlsxw_serial(int y, int m, int d, int hh, int mm);

/* false once a write failed (the workbook will not be written). */
bool xlsxw_ok(const struct xlsxw *w);

/* Rows written so far on a sheet, the header included. */
int xlsxw_rows(const struct xlsxw *w, int sheet);

/* Sets an autofilter over the header and every row written, on sheet (before xlsxw_close). */
void xlsxw_autofilter(struct xlsxw *w, int sheet);

/* Finishes the workbook and frees w. false with a message in err when anything failed (the file at path
 * is then removed). */
bool xlsxw_close(struct xlsxw *w, char *err, size_t errlen);

#endif
