/*
 * pdf_cache.h: rendered PDFs kept in memory and served again while what they were made from is unchanged.
 *
 * A document is a pure function of the renderer's inputs (pdf.h: the model structs, the office, the date, the
 * fonts); drawing one costs most of a second (cairo subsets the CJK fonts for every document). The key of a
 * rendering is the SM3 digest of every one of those inputs, written out field by field with their lengths
 * (pdf_cache.c), so a document whose source changed in any way has another key and is drawn anew; nothing is
 * ever invalidated by hand. The cache holds at most PDF_CACHE_ENTRIES documents and PDF_CACHE_BYTES bytes, the
 * least recently used leave first. Safe from several threads at once.
 */
#ifndef DUCHA_DOCS_PDF_CACHE_H
#define DUCHA_DOCS_PDF_CACHE_H

#include "base/buf.h"
#include "docs/pdf.h"

#include <stdint.h>

#define PDF_CACHE_ENTRIES 64
#define PDF_CACHE_BYTES (48u << 20)

enum pdf_cache_doc { PDF_CACHE_JOB, PDF_CACHE_BULLETIN, PDF_CACHE_SCORECARD };

/* The key of one rendering: which renderer (doc), its title and inputs. Exactly one of job, bulletin (with o
 * and date) or scorecard (with o and date) is used, as doc says. */
struct pdf_cache_key {
    unsigned char digest[32];
};
void pdf_cache_key_job(const struct pdf_job *job, struct pdf_cache_key *k);
void pdf_cache_key_bulletin(const struct doc_office *o, const struct doc_bulletin *b, const char *date,
                            const struct pdf_fonts *fonts, struct pdf_cache_key *k);
void pdf_cache_key_scorecard(const struct doc_office *o, const struct doc_scorecard *sc, const char *date,
                             const struct pdf_fonts *fonts, struct pdf_cache_key *k);

/* Appends the document kept under k to out and sets *pages (if not NULL); false if none is kept. */
bool pdf_cache_get(const struct pdf_cache_key *k, struct buf *out, int *pages);
/* Keeps a copy of the len bytes at data (a whole document of pages pages) under k. */
void pdf_cache_put(const struct pdf_cache_key *k, const void *data, size_t len, int pages);

struct pdf_cache_stats {
    uint64_t hits, misses; /* renderings served from the cache, and drawn */
    int entries;
    size_t bytes;
};
void pdf_cache_stats(struct pdf_cache_stats *out);

#endif
