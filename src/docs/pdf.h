/*
 * pdf.h: official documents (公文) as PDF in the layout of GB/T 9704-2012 《党政机关公文格式》,
 * drawn with cairo and pango: A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm (22 lines of 28
 * characters in 3号 type), the red issuing-authority header (发文机关标志) and red rule, the
 * document number, the title in the 2号 小标宋 role, addressees, body in the 3号 仿宋 role,
 * issuer and date (成文日期 "2026年11月23日"), the 版记 (抄送, 印发), page numbers "— 1 —" in
 * 4号 type (odd pages right, even pages left, each one character in) and red seal marks.
 *
 * The font roles map to the config keys font_title / font_body / font_heading (Noto CJK by
 * default; a deployment may name licensed 方正小标宋 / 仿宋_GB2312 / 黑体 fonts there).
 * Rendering is pure: no database, no ctx; safe to call from several threads at once. So a document drawn once is
 * kept in memory and served again for the same inputs, byte for byte (pdf_cache.h: keyed by a digest of them all).
 */
#ifndef DUCHA_DOCS_PDF_H
#define DUCHA_DOCS_PDF_H

#include "base/buf.h"
#include "docs/model.h"

enum doc_kind {
    DOC_NOTICE,   /* 督办通知（交办单）: assigns an item to its units */
    DOC_REMINDER, /* 催办通知: written reminder of an overdue or lagging item */
    DOC_RECORD,   /* 督办事项办理情况: the item with milestones, reports, timeline, seals */
    DOC_LIST,     /* 督办事项清单: a ledger filter as a table */
    DOC__COUNT
};

/* "notice", "reminder", "record", "list" -> kind; false if unknown. */
bool doc_kind_parse(const char *name, enum doc_kind *out);
const char *doc_kind_name(enum doc_kind k);
/* The Chinese name of the document kind, e.g. "督办通知". */
const char *doc_kind_label(enum doc_kind k);

struct pdf_fonts {
    const char *title, *body, *heading; /* Pango family descriptions, e.g. "Noto Serif CJK SC Bold" */
};

/* What one rendering needs. date: 成文日期 as YYYY-MM-DD. For DOC_LIST: items/nitems, title and
 * filter (a sentence describing the ledger filter); otherwise item. */
struct pdf_job {
    enum doc_kind kind;
    const struct doc_office *office;
    const struct doc_item *item;
    const struct doc_item *items;
    int nitems;
    const char *list_title, *filter;
    const char *date;
    struct pdf_fonts fonts;
    const struct doc_letter *letter;     /* pdf_render_letter's */
    const struct doc_contents *contents; /* pdf_render_contents's */
};

/* Renders the document into out (appended). Returns false only if cairo fails (out of memory,
 * no fonts); the caller reports it. The arena holds temporary strings. */
bool pdf_render(const struct pdf_job *job, struct arena *a, struct buf *out, int *pages);

/*
 * An official document whose text its module wrote (督查结论, 督查报告 …): the masthead with the number (none
 * when number is NULL), the title, the addressee, the body — a paragraph that starts with a Chinese ordinal
 * ("一、") is a heading — then the issuer and the date with the office's seal, and the 版记.
 */
struct doc_letter {
    const char *label;  /* what the document is ("督查结论"): the PDF's title */
    const char *number; /* 发文字号, or NULL */
    const char *title;
    const char *addressee; /* 主送, or "" */
    const char *const *paragraphs;
    int nparagraphs;
    bool draft; /* not issued: marked 草稿（未印发） at the top, no 版记 (its 印发 line) */
};
bool pdf_render_letter(const struct doc_letter *l, const struct doc_office *office, const char *date,
                       const struct pdf_fonts *fonts, struct arena *a, struct buf *out, int *pages);
/* A bulletin (督查通报) on the same page: the red header and number, title, addressees, the office's
 * words, the figures as sentences, a table and a bar chart drawn with cairo (registered, completed and
 * overdue items per unit), the overdue ranking and items, the praise and criticism it names, issuer,
 * date and seal, 版记. A draft says so at the top and carries no number. */
bool pdf_render_bulletin(const struct doc_office *o, const struct doc_bulletin *b, const char *date,
                         const struct pdf_fonts *fonts, struct arena *a, struct buf *out, int *pages);

/* A year-end scorecard (目标责任考评结果) on the same page: red header and number, title, addressees, the basis, the
 * ranking table and a bar chart of the totals drawn with cairo (left out for one unit's card), each unit's points
 * by rule with what they rest on, the objection period, issuer, date and seal, 版记. A draft says so. */
bool pdf_render_scorecard(const struct doc_office *o, const struct doc_scorecard *sc, const char *date,
                          const struct pdf_fonts *fonts, struct arena *a, struct buf *out, int *pages);

/*
 * The table of contents of a file (卷内目录, DA/T 22 style): for the item the file is about (number, title), one
 * row per member of the file — its title (题名), its name in the file, its pages (0: not counted) and size.
 */
struct doc_contents_row {
    const char *title, *file;
    int pages;
    int64_t size;
};
struct doc_contents {
    const char *number, *title;
    const struct doc_contents_row *rows;
    int nrows;
};
bool pdf_render_contents(const struct doc_contents *t, const struct doc_office *office, const char *date,
                         const struct pdf_fonts *fonts, struct arena *a, struct buf *out, int *pages);

#endif
