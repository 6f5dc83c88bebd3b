/*
 * itemdocs_internal.h: what the item document files share (itemdocs.c: the item's PDFs and these
 * helpers; ledger.c: ledger exports; itemdocs_import.c: CSV import; itemdocs_archive.c:
 * seals on replies and archive files). Private to src/docs.
 */
#ifndef DUCHA_ITEMDOCS_INTERNAL_H
#define DUCHA_ITEMDOCS_INTERNAL_H

#include "docs/itemdocs.h"
#include "docs/model.h"

/* Everything one item's documents need; json_t parts are released by item_docs_free. */
struct item_docs {
    json_t *item, *events, *reports, *sigs;
    struct doc_item doc;
    struct doc_office office;
    int64_t office_unit_id;
};

/* Loads the item (with the caller's permission: 404/403 as items_get), its timeline, reports and
 * signatures, and its issuing office. Call item_docs_free afterwards, also on failure. */
enum err item_docs_load(struct ctx *c, int64_t id, struct item_docs *d);
void item_docs_free(struct item_docs *d);

/*
 * The item as its notice (督办通知) states it: d->doc with its time limits (DOMAIN.md §4), each in the unit
 * of the rule that computed it ("7日内" / "7个工作日内"), with the day it falls on when it counts from the
 * assignment (doc.assigned_at, or today before it): receipt, deployment, first feedback and periodic
 * reports in out->limits; the resolution is the item's own due date (earlier ones fall on it at the
 * latest), stated apart with its rule in out->resolution_rule. Reads the rule table and the calendar;
 * strings in the arena.
 */
enum err itemdocs_notice_of(struct ctx *c, const struct item_docs *d, struct doc_item *out);
/* Today's local date "YYYY-MM-DD" at c->now (arena). */
const char *itemdocs_today(struct ctx *c);
/* The configured fonts. */
struct pdf_fonts itemdocs_fonts(struct ctx *c);
/* The issuing office of documents of unit office_unit_id: a government's office is named after the
 * government ("古城县人民政府" -> "古城县人民政府办公室"), with the registering office's contact. */
enum err itemdocs_office_of(struct ctx *c, int64_t office_unit_id, struct doc_office *o);
/* Renders job into out; 500 with a message naming the fonts when rendering fails. */
enum err itemdocs_render(struct ctx *c, const struct pdf_job *job, struct buf *out);
/* data_dir/sub, created if missing (arena). */
const char *itemdocs_data_subdir(struct ctx *c, const char *sub);

#endif
