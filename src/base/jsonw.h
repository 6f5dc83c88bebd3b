/*
 * jsonw.h: JSON text written straight into a buffer, for large replies built row by row (a ledger
 * page): no tree of objects, one append per value. The writer adds the commas; the caller keeps the
 * structure balanced (an unbalanced end is a bug and asserts).
 */
#ifndef DUCHA_JSONW_H
#define DUCHA_JSONW_H

#include "base/buf.h"

#include <stdbool.h>
#include <stdint.h>

#define JW_DEPTH 16

struct jw {
    struct buf *b;
    int depth;
    bool more[JW_DEPTH]; /* a value was written at this depth: the next one needs a comma */
    bool key;            /* a key was written: its value follows without a comma */
};

void jw_init(struct jw *w, struct buf *b);
void jw_obj(struct jw *w);
void jw_end_obj(struct jw *w);
void jw_arr(struct jw *w);
void jw_end_arr(struct jw *w);
void jw_key(struct jw *w, const char *k);
/* A string (escaped: quote, backslash and control characters; UTF-8 passes), or null for NULL. */
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A number given in tenths: 284 is written 28.4, 280 is 28. */
void jw_tenths(struct jw *w, int64_t tenths);
/* A comma-separated list ("a,b,,c"; NULL: none) as an array of its non-empty parts (an item's tags). */
void jw_csv(struct jw *w, const char *list);
/* A value already written as JSON text (n bytes), copied as it is. */
void jw_raw(struct jw *w, const char *json, size_t n);
/*
 * A jansson value written as json_dumps(v, JSON_COMPACT) writes it, byte for byte (members in their order,
 * jansson's escapes, a real's digits by jansson), without json_dumps' callback per piece: a reply built as a tree
 * (req.c reply_json) is written here.
 */
struct json_t;
void jw_json(struct jw *w, const struct json_t *v);
/* jw_json into a new text (malloc; its length in *len): a reply, or a reply's part kept for the process. */
char *jw_json_text(const struct json_t *v, size_t *len);
/* key and value in one call */
void jw_kstr(struct jw *w, const char *k, const char *s);
void jw_kint(struct jw *w, const char *k, int64_t v);
void jw_kbool(struct jw *w, const char *k, bool v);
/*
 * A key known when compiling, written as one copy of its quoted form and colon, made by the compiler: JW_K("id")
 * is the two arguments "\"id\":", 5 (k must be a string literal needing no escape). A ledger page writes some
 * 1,400 keys, each measured and scanned for escapes by jw_key. Usage: jw_qkstr(w, JW_K("title"), title).
 */
#define JW_K(k) ("\"" k "\":"), (sizeof("\"" k "\":") - 1)
void jw_qkey(struct jw *w, const char *quoted, size_t n);
void jw_qkstr(struct jw *w, const char *quoted, size_t n, const char *s);
void jw_qkint(struct jw *w, const char *quoted, size_t n, int64_t v);
void jw_qkbool(struct jw *w, const char *quoted, size_t n, bool v);

#endif
