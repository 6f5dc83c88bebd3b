/*
 * bulletins.h: the documents of bulletins (督查通报, src/results): the GB/T 9704 PDF drawn from the
 * results module's model (bulletins_document: the office's words and the figures counted from the
 * items, pdf_render_bulletin), with the issuing office's seal pressed on the issued one; and the seal
 * itself, set at issue through core/hooks.h (docs_seal_issue, registered by docs_register).
 */
#ifndef DUCHA_DOCS_BULLETINS_H
#define DUCHA_DOCS_BULLETINS_H

#include "base/buf.h"
#include "core/hooks.h"

/* The bulletin as PDF (appended to out): 404 as bulletins_get. *number: its number (arena), NULL for a draft. */
enum err docs_bulletin_pdf(struct ctx *c, int64_t id, struct buf *out, const char **number);
/* The hook of core/hooks.h: seals what an office issues with that office's seal (object_type and id
 * recorded with the signature); unsealed, with a warning in the log, without a secret_key. */
enum err docs_seal_issue(struct ctx *c, const struct doc_issue *d);

#endif
