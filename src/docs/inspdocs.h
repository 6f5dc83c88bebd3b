/*
 * inspdocs.h: the documents of inspections: the conclusion (督查结论) issued to the inspected body and the
 * report (督查报告) to the principal leader, as GB/T 9704 official-document PDFs. Reads go through the
 * inspections module (insp_doc_load), so every document carries the same permission as what it shows.
 */
#ifndef DUCHA_INSPDOCS_H
#define DUCHA_INSPDOCS_H

#include "base/buf.h"
#include "core/ctx.h"

/* The conclusion (once issued; 404 before, and for whoever may not see the inspection) or, with report,
 * the report (the office side only) as PDF, appended to out. */
enum err docs_inspection_pdf(struct ctx *c, int64_t inspection_id, bool report, struct buf *out);

#endif
