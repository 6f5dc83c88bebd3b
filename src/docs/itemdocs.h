/*
 * itemdocs.h: the documents of supervision items: PDFs of an item and of a ledger filter, the
 * ledger as XLSX/CSV, the CSV import of items, the seal on a signed completion reply, and the
 * archive file. Reads go through the items module (items_get, items_ledger, …), so every
 * document carries the same permission as the item or ledger it shows. The items workflow reaches
 * the seal and the archive file through core/hooks.h (docs_register), never by including this.
 * Files: itemdocs.c (item PDFs, shared helpers), ledger.c (the ledger's exports), itemdocs_import.c,
 * itemdocs_archive.c.
 */
#ifndef DUCHA_ITEMDOCS_H
#define DUCHA_ITEMDOCS_H

#include "base/buf.h"
#include "docs/pdf.h"
#include "items/items.h"

#include <stdatomic.h>

/* The item's notice, reminder or record as PDF (appended to out). 404/403 as items_get. */
enum err docs_item_pdf(struct ctx *c, int64_t item_id, enum doc_kind kind, struct buf *out);
/* The list (督办事项清单) of every item matching the ledger filter (all pages). filter: the
 * query in words, printed under the title. */
enum err docs_list_pdf(struct ctx *c, const struct ledger_query *q, const char *filter, struct buf *out);
/* The ledger as XLSX in a new temporary file under data_dir (*path: arena; the caller unlinks). */
enum err docs_ledger_xlsx(struct ctx *c, const struct ledger_query *q, const char **path);
/* The ledger as CSV in a new temporary file under data_dir (*path: arena; the caller unlinks). */
enum err docs_ledger_csv(struct ctx *c, const struct ledger_query *q, const char **path);
/* The workbook for importing units (单位导入模板.xlsx) as a temporary file in the data directory. */
enum err docs_units_template(struct ctx *c, const char **path);

/*
 * Imports draft items from CSV (header: title, requirement, source_kind, source_ref, lead_unit,
 * co_units, leader, due_date, importance, kind; see docs/documents.md). All rows or none: every
 * row is checked and created in one transaction that is rolled back if any row fails or dry_run
 * is set. *report: {"dry_run", "created", "items":[{row, title, …}], "errors":[{row, message}]}.
 */
enum err docs_import_csv(struct ctx *c, const char *csv, size_t len, bool dry_run, const char *filename,
                         json_t **report);

/*
 * Archive files (立卷归档). The archive transition queues the item's file in its transaction (hook archive:
 * archive_pending); the file is rendered after the commit, outside any write transaction, and recorded (archives,
 * audit item.archive_file) in a short one by the process that holds the item's claim (a lease), once.
 *
 * docs_archive_build: claims and builds the queued file of item_id, as c->user; nothing when none is queued or a
 * claim holds it (*stored false). mine: the request that archived it, which takes the claim its transition left
 * to this process (a claimed file is otherwise taken only once its lease ran out). Errors: the render's (ERR_INTERNAL:
 * fonts, disk), the store's; the claim then stays until its lease runs out and a later pass tries again.
 */
enum err docs_archive_build(struct ctx *c, int64_t item_id, bool mine, bool *stored);
/* The scheduler's part: builds up to max queued files whose claim is free (as the system); *done: recorded. A file
 * that fails is logged and left to a later pass. */
enum err docs_archive_pass(struct ctx *c, const atomic_bool *stop, int max, int *done);
/* The latest archive file of an item the caller may read: *path in the arena. 404 if the item is not archived;
 * a file still queued is built now (as the system) unless another process is building it: then 503 with a message
 * saying it is being prepared. */
enum err docs_archive_file(struct ctx *c, int64_t item_id, const char **path);

/* Installs the documents module's hooks (core/hooks.h: seals on replies, archive files) for the
 * domain modules below it. Called once at start-up (modules_init). */
void docs_register(void);

#endif
