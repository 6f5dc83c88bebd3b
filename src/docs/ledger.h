/*
 * ledger.h: the ledger (台账) as a table: XLSX through libxlsxwriter in constant-memory mode
 * (rows streamed to temporary files, memory bounded whatever the number of items) and CSV.
 *
 * XLSX: sheet "督办台账", one row per item under a frozen header with an autofilter, dates as
 * Excel dates, progress as a percentage and the traffic light as a coloured cell; sheet
 * "进展报告", one row per progress report. CSV: UTF-8 with a BOM (Excel opens it as UTF-8), CRLF,
 * the Chinese header of ledger_csv_columns and the words of the page and the XLSX (事项来源, 重要程度,
 * 事项类型, 状态, 亮灯 as labels, 进度 "40%", 密级 内部/公开 last); the item import reads the same file (ignoring 编号, 状态,
 * 亮灯, 进度 and the dates, which an import cannot set).
 */
#ifndef DUCHA_LEDGER_H
#define DUCHA_LEDGER_H

#include "base/buf.h"
#include "docs/model.h"

struct ledger_xlsx;

/* Starts a workbook at path; temporary files go to tmpdir (NULL: the system's). NULL on failure. */
struct ledger_xlsx *ledger_xlsx_open(const char *path, const char *tmpdir);
/* Writes one item (and its reports) in ledger order. False if a write failed. */
bool ledger_xlsx_item(struct ledger_xlsx *l, const struct doc_item *it);
/* Finishes and frees the workbook; false (message in err) if it could not be written. */
bool ledger_xlsx_close(struct ledger_xlsx *l, char *err, size_t errlen);

/* The CSV columns, in order (NULL-terminated). */
extern const char *const ledger_csv_columns[];
/* Appends the CSV header (with the BOM). */
void ledger_csv_header(struct buf *out);
/* Appends one item as a CSV record; co-units are joined with "、". */
void ledger_csv_item(struct buf *out, const struct doc_item *it);

#endif
